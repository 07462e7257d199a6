// The crossover of the gradient kernels (src/kernels/table.ts: bceGradRows, klDivGradRows,
// crossGradRows), measured on the kernels alone: each WASM export at every size (no crossover)
// against its TS twin, on one row of 8 … 1024 elements, best of 7 timings of 5000 calls each. The
// break-even is the smallest size from which WASM is faster at every larger measured size.
//   npm run build && node bench/grads-crossover.mjs
import { readFileSync } from 'node:fs';
import { tsKernels } from '../dist/kernels/ts.js';
import { instantiateSync, wasmKernels } from '../dist/kernels/wasm.js';

const instance = instantiateSync(() => readFileSync(new URL('../dist/xentropy.wasm', import.meta.url)));
const wasm = wasmKernels(instance, 0);
const SIZES = [8, 16, 32, 48, 64, 96, 128, 192, 256, 512, 1024];

function time(f) {
  for (let i = 0; i < 2000; i++) f();
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 5000; i++) f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 5000);
  }
  return best;
}

const random = (T, n, lo, hi) => T.from({ length: n }, () => lo + (hi - lo) * Math.random());
const cases = {
  'bceGradRows weight': [
    'bceGradRows',
    (T, n) => ({
      input: random(T, n, 0, 1),
      target: random(T, n, 0, 1),
      weight: random(T, n, 0, 1),
      rows: 1,
      classes: n,
      scale: 1 / n,
      grad: new T(n),
    }),
  ],
  klDivGradRows: [
    'klDivGradRows',
    (T, n) => ({ target: random(T, n, 0, 1), logTarget: false, rows: 1, classes: n, scale: 1 / n, rowScale: null, grad: new T(n) }),
  ],
  'klDivGradRows logTarget': [
    'klDivGradRows',
    (T, n) => ({ target: random(T, n, -5, 0), logTarget: true, rows: 1, classes: n, scale: 1 / n, rowScale: null, grad: new T(n) }),
  ],
  crossGradRows: [
    'crossGradRows',
    (T, n) => ({
      p: random(T, n, 0, 1),
      q: random(T, n, 0.01, 1),
      rows: 1,
      classes: n,
      pScale: null,
      qScale: null,
      scale: 1,
      rowScale: null,
      grad: new T(n),
    }),
  ],
  'crossGradRows normalize': [
    'crossGradRows',
    (T, n) => ({
      p: random(T, n, 0, 1),
      q: random(T, n, 0.01, 1),
      rows: 1,
      classes: n,
      pScale: new Float64Array([0.5]),
      qScale: new Float64Array([0.5]),
      scale: 1,
      rowScale: null,
      grad: new T(n),
    }),
  ],
};

for (const [label, [kernel, args]] of Object.entries(cases)) {
  for (const T of [Float32Array, Float64Array]) {
    const ns = SIZES.map((n) => {
      const a = args(T, n);
      return [n, time(() => wasm[kernel](a)), time(() => tsKernels[kernel](a))];
    });
    let breakEven = null;
    for (let i = ns.length - 1; i >= 0 && ns[i][1] < ns[i][2]; i--) breakEven = ns[i][0];
    console.log(
      `${label} ${T.name}: break-even ${breakEven ?? '> 1024'} (ns, wasm/ts: ${ns.map(([n, w, t]) => `${n} ${w.toFixed(0)}/${t.toFixed(0)}`).join(', ')})`,
    );
  }
}
