// xentropy benchmark (tinybench): every function, f32 and f64, sizes 10^2 … 10^7, against the
// pure-TS entry, a hand-written loop, TensorFlow.js 4.22 on its WASM backend (where it has the
// function) and a memcpy of the same input bytes (the floor). Our figures include copying the
// input into WASM memory, except the "xentropy zero-copy" line (inputs from alloc()).
//
//   npm run bench                 full run; writes BENCHMARKS.md and bench/throughput.svg
//   npm run bench -- --quick      sizes 10^2 only, one iteration each, output to a temp dir (CI)
//   npm run bench -- --out DIR    write the report elsewhere
//
// Ratios are what to read: each is measured in the same run on the same machine.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Bench } from 'tinybench';
import '@tensorflow/tfjs-backend-wasm';
import * as x from 'xentropy';
import * as xj from 'xentropy/js';
import { createApi } from '../dist/api/index.js';
import { CROSSOVER, instantiateSync, wasmKernels } from '../dist/kernels/wasm.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1] : quick ? mkdtempSync(join(tmpdir(), 'xentropy-bench-')) : root;
const SIZES = quick ? [100] : [1e2, 1e3, 1e4, 1e5, 1e6, 1e7];
const CLASSES = 1000; // row length for the row-wise functions (a row of n when n < 1000)
const opts = quick ? { time: 0, iterations: 1, warmup: false } : { time: 150, iterations: 5, warmupTime: 50, warmupIterations: 2 };

await tf.setBackend('wasm');
await tf.ready();
if (x.backend !== 'wasm') throw new Error('xentropy did not load its WASM kernels');
const instance = instantiateSync(() => readFileSync(new URL('../dist/xentropy.wasm', import.meta.url)));
const wasmOnly = createApi(wasmKernels(instance, 0), 'wasm');

// ---- data -------------------------------------------------------------------------------------
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function data(Type, n) {
  const next = rng(n);
  const fill = (f) => Type.from({ length: n }, f);
  const classes = Math.min(n, CLASSES);
  const rows = n / classes;
  return {
    n,
    rows,
    classes,
    p: fill(() => next() * 0.999 + 0.001), // probabilities (unnormalised: measures don't care)
    q: fill(() => next() * 0.999 + 0.001),
    y01: fill(() => (next() < 0.5 ? 0 : 1)),
    logits: fill(() => (next() - 0.5) * 8),
    idx: Int32Array.from({ length: rows }, () => Math.floor(next() * classes)),
  };
}

// ---- hand-written loops: what a user would write ----------------------------------------------
const hand = {
  entropy: (d) => {
    let s = 0;
    const { p } = d;
    for (let i = 0; i < p.length; i++) s -= p[i] * Math.log(p[i]);
    return s;
  },
  crossEntropy: (d) => {
    let s = 0;
    const { p, q } = d;
    for (let i = 0; i < p.length; i++) s -= p[i] * Math.log(q[i]);
    return s;
  },
  klDivergence: (d) => {
    let s = 0;
    const { p, q } = d;
    for (let i = 0; i < p.length; i++) s += p[i] * Math.log(p[i] / q[i]);
    return s;
  },
  jsDivergence: (d) => {
    let s = 0;
    const { p, q } = d;
    for (let i = 0; i < p.length; i++) {
      const m = 0.5 * (p[i] + q[i]);
      s += 0.5 * (p[i] * Math.log(p[i] / m) + q[i] * Math.log(q[i] / m));
    }
    return s;
  },
  binaryCrossEntropy: (d) => {
    let s = 0;
    const { p, y01 } = d;
    for (let i = 0; i < p.length; i++) s -= y01[i] * Math.log(p[i]) + (1 - y01[i]) * Math.log(1 - p[i]);
    return s / p.length;
  },
  binaryCrossEntropyWithLogits: (d) => {
    let s = 0;
    const { logits: z, y01 } = d;
    for (let i = 0; i < z.length; i++) s += Math.max(z[i], 0) - z[i] * y01[i] + Math.log1p(Math.exp(-Math.abs(z[i])));
    return s / z.length;
  },
  // two-pass log-sum-exp per row, then lse − x[target]
  softmaxCrossEntropy: (d) => {
    let s = 0;
    const { logits: z, rows, classes, idx } = d;
    for (let r = 0; r < rows; r++) {
      const o = r * classes;
      let m = -Infinity;
      for (let j = 0; j < classes; j++) if (z[o + j] > m) m = z[o + j];
      let e = 0;
      for (let j = 0; j < classes; j++) e += Math.exp(z[o + j] - m);
      s += m + Math.log(e) - z[o + idx[r]];
    }
    return s / rows;
  },
  nllLoss: (d) => {
    let s = 0;
    const { logits: z, rows, classes, idx } = d;
    for (let r = 0; r < rows; r++) s -= z[r * classes + idx[r]];
    return s / rows;
  },
  klDiv: (d) => {
    let s = 0;
    const { logits: z, p } = d;
    for (let i = 0; i < z.length; i++) s += p[i] * (Math.log(p[i]) - z[i]);
    return s / z.length;
  },
  logSumExp: (d) => {
    const { logits: z, rows, classes } = d;
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const o = r * classes;
      let m = -Infinity;
      for (let j = 0; j < classes; j++) if (z[o + j] > m) m = z[o + j];
      let e = 0;
      for (let j = 0; j < classes; j++) e += Math.exp(z[o + j] - m);
      out[r] = m + Math.log(e);
    }
    return out;
  },
  logSoftmax: (d) => {
    const l = hand.logSumExp(d);
    const { logits: z, classes } = d;
    const out = new z.constructor(z.length);
    for (let i = 0; i < z.length; i++) out[i] = z[i] - l[(i / classes) | 0];
    return out;
  },
  softmax: (d) => {
    const l = hand.logSumExp(d);
    const { logits: z, classes } = d;
    const out = new z.constructor(z.length);
    for (let i = 0; i < z.length; i++) out[i] = Math.exp(z[i] - l[(i / classes) | 0]);
    return out;
  },
};

// ---- how each function is called on our API -----------------------------------------------------
const ours = {
  entropy: (m, d) => m.entropy(d.p),
  crossEntropy: (m, d) => m.crossEntropy(d.p, d.q),
  klDivergence: (m, d) => m.klDivergence(d.p, d.q),
  jsDivergence: (m, d) => m.jsDivergence(d.p, d.q),
  binaryCrossEntropy: (m, d) => m.binaryCrossEntropy(d.p, d.y01),
  binaryCrossEntropyWithLogits: (m, d) => m.binaryCrossEntropyWithLogits(d.logits, d.y01),
  softmaxCrossEntropy: (m, d) => m.softmaxCrossEntropy(d.logits, d.idx, { classes: d.classes }),
  nllLoss: (m, d) => m.nllLoss(d.logits, d.idx, { classes: d.classes }),
  klDiv: (m, d) => m.klDiv(d.logits, d.p, { classes: d.classes }),
  logSumExp: (m, d) => m.logSumExp(d.logits, { classes: d.classes }),
  logSoftmax: (m, d) => m.logSoftmax(d.logits, { classes: d.classes }),
  softmax: (m, d) => m.softmax(d.logits, { classes: d.classes }),
};
// the inputs each function reads (for the memcpy floor and the zero-copy copies)
const reads = {
  entropy: ['p'],
  crossEntropy: ['p', 'q'],
  klDivergence: ['p', 'q'],
  jsDivergence: ['p', 'q'],
  binaryCrossEntropy: ['p', 'y01'],
  binaryCrossEntropyWithLogits: ['logits', 'y01'],
  softmaxCrossEntropy: ['logits'],
  nllLoss: ['logits'],
  klDiv: ['logits', 'p'],
  logSumExp: ['logits'],
  logSoftmax: ['logits'],
  softmax: ['logits'],
};

// ---- TensorFlow.js (WASM backend), f32 only; tensors are made from the typed arrays in the timing
const tfjs = {
  entropy: (d) =>
    tf.tidy(() => {
      const p = tf.tensor1d(d.p);
      return tf.neg(tf.sum(tf.mul(p, tf.log(p)))).dataSync();
    }),
  crossEntropy: (d) => tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.tensor1d(d.p), tf.log(tf.tensor1d(d.q))))).dataSync()),
  klDivergence: (d) =>
    tf.tidy(() => {
      const p = tf.tensor1d(d.p);
      return tf.sum(tf.mul(p, tf.log(tf.div(p, tf.tensor1d(d.q))))).dataSync();
    }),
  binaryCrossEntropy: (d) => tf.tidy(() => tf.losses.logLoss(tf.tensor1d(d.y01), tf.tensor1d(d.p)).dataSync()),
  binaryCrossEntropyWithLogits: (d) => tf.tidy(() => tf.losses.sigmoidCrossEntropy(tf.tensor1d(d.y01), tf.tensor1d(d.logits)).dataSync()),
  softmaxCrossEntropy: (d) =>
    tf.tidy(() =>
      tf.losses
        .softmaxCrossEntropy(tf.oneHot(tf.tensor1d(d.idx, 'int32'), d.classes), tf.tensor2d(d.logits, [d.rows, d.classes]))
        .dataSync(),
    ),
  logSumExp: (d) => tf.tidy(() => tf.logSumExp(tf.tensor2d(d.logits, [d.rows, d.classes]), 1).dataSync()),
  logSoftmax: (d) => tf.tidy(() => tf.logSoftmax(tf.tensor2d(d.logits, [d.rows, d.classes])).dataSync()),
  softmax: (d) => tf.tidy(() => tf.softmax(tf.tensor2d(d.logits, [d.rows, d.classes])).dataSync()),
};

// ---- run ----------------------------------------------------------------------------------------
const results = []; // { fn, dtype, n, impl, ns } (ns per call)
async function measure(cases, n = 0) {
  // Large sizes: fewer samples (a TF.js call on 10^7 elements takes seconds).
  const bench = new Bench(quick ? opts : n >= 1e6 ? { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1 } : opts);
  for (const [name, f] of cases) bench.add(name, f);
  await bench.run();
  const out = {};
  for (const t of bench.tasks) {
    const r = t.result;
    if (!r || r.state !== 'completed') throw new Error(`${t.name}: ${r?.error?.message ?? r?.state}`);
    out[t.name] = r.latency.mean * 1e6; // ms → ns
  }
  return out;
}

const scratch = new Uint8Array(8 * 2e7 * 2);
for (const fn of Object.keys(ours)) {
  for (const [dtype, Type] of [
    ['f32', Float32Array],
    ['f64', Float64Array],
  ]) {
    for (const n of SIZES) {
      const d = data(Type, n);
      const z = { ...d };
      for (const k of reads[fn]) {
        z[k] = x.alloc(Type, n);
      }
      for (const k of reads[fn]) {
        z[k] = x.refresh(z[k]);
        z[k].set(d[k]);
      }
      const bytes = reads[fn].reduce((s, k) => s + d[k].byteLength, 0);
      const cases = [
        ['xentropy', () => ours[fn](x, d)],
        ['xentropy zero-copy', () => ours[fn](x, z)],
        ['xentropy/js', () => ours[fn](xj, d)],
        ['hand-written loop', () => hand[fn](d)],
        [
          'memcpy',
          () => {
            let o = 0;
            for (const k of reads[fn]) {
              scratch.set(new Uint8Array(d[k].buffer, d[k].byteOffset, d[k].byteLength), o);
              o += d[k].byteLength;
            }
          },
        ],
      ];
      if (dtype === 'f32' && tfjs[fn]) cases.push(['TF.js wasm', () => tfjs[fn](d)]);
      const r = await measure(cases, n);
      for (const [impl, ns] of Object.entries(r)) results.push({ fn, dtype, n, impl, ns, bytes });
      for (const k of reads[fn]) x.free(z[k]);
      process.stdout.write(
        `${fn} ${dtype} ${n}: ${Object.entries(r)
          .map(([k, v]) => `${k} ${(v / n).toFixed(2)}`)
          .join(', ')} ns/element\n`,
      );
    }
  }
}

// The goal cases that the sweep does not cover: 64 × 16384 softmax cross entropy, 8-element calls.
const special = {};
{
  const rows = 64,
    classes = 16384,
    n = rows * classes;
  const d = { ...data(Float32Array, n), rows, classes, idx: Int32Array.from({ length: rows }, (_, r) => (r * 7919) % classes) };
  Object.assign(
    special,
    await measure([
      ['sce xentropy', () => ours.softmaxCrossEntropy(x, d)],
      ['sce TF.js wasm', () => tfjs.softmaxCrossEntropy(d)],
      ['sce hand-written loop', () => hand.softmaxCrossEntropy(d)],
    ]),
  );
  const e = data(Float64Array, 8);
  const e32 = data(Float32Array, 8);
  Object.assign(
    special,
    await measure([
      ['8 xentropy f64', () => x.crossEntropy(e.p, e.q)],
      ['8 hand f64', () => hand.crossEntropy(e)],
      ['8 xentropy f32', () => x.crossEntropy(e32.p, e32.q)],
      ['8 hand f32', () => hand.crossEntropy(e32)],
    ]),
  );
  // crossover: the WASM kernels at every size against the TS kernels
  for (const m of quick ? [64] : [16, 32, 64, 96, 128, 256, 512]) {
    for (const [dtype, Type] of [
      ['f32', Float32Array],
      ['f64', Float64Array],
    ]) {
      const c = data(Type, m);
      Object.assign(
        special,
        await measure([
          [`x ce ${dtype} ${m} wasm`, () => wasmOnly.crossEntropy(c.p, c.q)],
          [`x ce ${dtype} ${m} js`, () => xj.crossEntropy(c.p, c.q)],
          [`x sce ${dtype} ${m} wasm`, () => wasmOnly.softmaxCrossEntropy(c.logits, c.idx, { classes: c.classes })],
          [`x sce ${dtype} ${m} js`, () => xj.softmaxCrossEntropy(c.logits, c.idx, { classes: c.classes })],
        ]),
      );
    }
  }
}

// ---- report -------------------------------------------------------------------------------------
const get = (fn, dtype, n, impl) => results.find((r) => r.fn === fn && r.dtype === dtype && r.n === n && r.impl === impl)?.ns;
const IMPLS = ['xentropy', 'xentropy zero-copy', 'xentropy/js', 'hand-written loop', 'TF.js wasm', 'memcpy'];
const pkg = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
const fmt = (v, d = 2) => (v === undefined ? '—' : v.toFixed(d));
const N6 = quick ? 100 : 1e6;
const ratio = (a, b) => (a && b ? b / a : undefined);

const goals = [];
function goal(text, value, target, better, limit) {
  const met = value === undefined ? false : better === 'higher' ? value >= target : value <= target;
  goals.push({ text, value, target, met, limit });
}
const ce32 = (impl) => get('crossEntropy', 'f32', N6, impl);
const ce64 = (impl) => get('crossEntropy', 'f64', N6, impl);
goal('crossEntropy, 10^6 f32: × hand-written loop', ratio(ce32('xentropy'), ce32('hand-written loop')), 12, 'higher');
goal('crossEntropy, 10^6 f32: × TF.js wasm', ratio(ce32('xentropy'), ce32('TF.js wasm')), 6, 'higher');
goal('crossEntropy, 10^6 f32: time ÷ memcpy floor', ce32('xentropy') / ce32('memcpy'), 2, 'lower');
goal('crossEntropy, 10^6 f64: × hand-written loop', ratio(ce64('xentropy'), ce64('hand-written loop')), 4, 'higher');
goal(
  'softmaxCrossEntropy, 64 × 16384 f32, index targets: × TF.js wasm',
  ratio(special['sce xentropy'], special['sce TF.js wasm']),
  10,
  'higher',
);
goal('pure-TS entry (crossEntropy 10^6 f64): time ÷ hand-written loop', ce64('xentropy/js') / ce64('hand-written loop'), 1, 'lower');
goal('pure-TS entry (crossEntropy 10^6 f32): time ÷ hand-written loop', ce32('xentropy/js') / ce32('hand-written loop'), 1, 'lower');
goal('8-element crossEntropy (f64): time ÷ hand-written loop', special['8 xentropy f64'] / special['8 hand f64'], 2, 'lower');
goal('8-element crossEntropy (f32): time ÷ hand-written loop', special['8 xentropy f32'] / special['8 hand f32'], 2, 'lower');

let md = `# Benchmarks

Generated by \`npm run bench\` (bench/run.mjs, tinybench ${pkg('tinybench')}) on ${new Date().toISOString().slice(0, 10)}${quick ? ' — QUICK MODE (sizes 10^2, one iteration): not for reading' : ''}.

- Machine: ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.versions.node} (V8 ${process.versions.v8}).
- Peers: TensorFlow.js ${pkg('@tensorflow/tfjs-core')} with @tensorflow/tfjs-backend-wasm ${pkg('@tensorflow/tfjs-backend-wasm')} (SIMD build, one thread), f32 only
  (TF.js has no float64); hand-written loops as a user would write them (bench/run.mjs, \`hand\`).
- "xentropy" includes copying the inputs into WASM memory; "xentropy zero-copy" reads inputs made with
  \`alloc()\`; "memcpy" copies the same input bytes once (the floor for any copying implementation).
- Shapes: the row-wise functions use rows of ${CLASSES} (one row of n when n < ${CLASSES}) and class-index targets.
- Times are means of tinybench samples; the machine is shared and noisy, so read ratios within one row.

![throughput against size](bench/throughput.svg)

## Goals (from the performance issue)

| goal | measured | target | met |
| --- | ---: | ---: | :---: |
${goals.map((g) => `| ${g.text} | ${fmt(g.value)} | ${g.text.includes('÷') ? '≤ ' : '≥ '}${g.target} | ${g.met ? 'yes' : '**no**'} |`).join('\n')}

## ns per element (lower is better), and speed-up of xentropy over each baseline

`;
for (const fn of Object.keys(ours)) {
  md += `### ${fn}\n\n| dtype | n | ${IMPLS.join(' | ')} | × hand | × TF.js | × xentropy/js |\n| --- | ---: |${IMPLS.map(() => ' ---: |').join('')} ---: | ---: | ---: |\n`;
  for (const dtype of ['f32', 'f64']) {
    for (const n of SIZES) {
      const v = (impl) => get(fn, dtype, n, impl);
      md += `| ${dtype} | ${n.toExponential(0).replace('e+', 'e')} | ${IMPLS.map((i) => fmt(v(i) && v(i) / n, 3)).join(' | ')} | ${fmt(ratio(v('xentropy'), v('hand-written loop')), 1)} | ${fmt(ratio(v('xentropy'), v('TF.js wasm')), 1)} | ${fmt(ratio(v('xentropy'), v('xentropy/js')), 1)} |\n`;
    }
  }
  md += '\n';
}
md += `## Crossover (WASM kernels at every size against the TS kernels; ns per call)

The \`xentropy\` entry runs inputs shorter than ${CROSSOVER} elements on the TS kernels.

| n | ce f32 wasm | ce f32 js | ce f64 wasm | ce f64 js | sce f32 wasm | sce f32 js | sce f64 wasm | sce f64 js |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${(quick ? [64] : [16, 32, 64, 96, 128, 256, 512])
  .map(
    (m) =>
      `| ${m} | ${['ce f32', 'ce f64', 'sce f32', 'sce f64']
        .flatMap((k) => {
          const [f, dt] = k.split(' ');
          return [fmt(special[`x ${f} ${dt} ${m} wasm`], 0), fmt(special[`x ${f} ${dt} ${m} js`], 0)];
        })
        .join(' | ')} |`,
  )
  .join('\n')}

## Other goal cases (ns per call)

| case | ns |
| --- | ---: |
${Object.entries(special)
  .filter(([k]) => !k.startsWith('x '))
  .map(([k, v]) => `| ${k} | ${fmt(v, 0)} |`)
  .join('\n')}
`;

md += '\n' + readFileSync(join(root, 'bench/limits.md'), 'utf8');

// ---- SVG: throughput (elements/s) against n, one panel per function (f32), one line per impl --
const COLORS = {
  xentropy: '#d62728',
  'xentropy zero-copy': '#ff9896',
  'xentropy/js': '#1f77b4',
  'hand-written loop': '#7f7f7f',
  'TF.js wasm': '#ff7f0e',
  memcpy: '#2ca02c',
};
const fns = Object.keys(ours);
const W = 260,
  H = 190,
  cols = 4,
  pad = 40;
const rowsN = Math.ceil(fns.length / cols);
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * W}" height="${rowsN * H + 40}" font-family="sans-serif" font-size="10">\n<rect width="100%" height="100%" fill="white"/>\n`;
const allT = results.filter((r) => r.dtype === 'f32').map((r) => (r.n / r.ns) * 1e9);
const tMin = Math.log10(Math.min(...allT)),
  tMax = Math.log10(Math.max(...allT));
const nMin = Math.log10(SIZES[0]),
  nMax = Math.log10(SIZES.at(-1)) + (SIZES.length === 1 ? 1 : 0);
fns.forEach((fn, k) => {
  const ox = (k % cols) * W,
    oy = Math.floor(k / cols) * H;
  const px = (n) => ox + pad + ((Math.log10(n) - nMin) / (nMax - nMin)) * (W - pad - 10);
  const py = (t) => oy + H - 25 - ((Math.log10(t) - tMin) / (tMax - tMin || 1)) * (H - 45);
  svg += `<text x="${ox + pad}" y="${oy + 14}" font-weight="bold">${fn} (f32)</text>\n`;
  svg += `<line x1="${ox + pad}" y1="${oy + H - 25}" x2="${ox + W - 10}" y2="${oy + H - 25}" stroke="#999"/><line x1="${ox + pad}" y1="${oy + 20}" x2="${ox + pad}" y2="${oy + H - 25}" stroke="#999"/>\n`;
  for (const n of SIZES) svg += `<text x="${px(n)}" y="${oy + H - 12}" text-anchor="middle">1e${Math.log10(n)}</text>\n`;
  for (let e = Math.ceil(tMin); e <= tMax; e++) svg += `<text x="${ox + pad - 3}" y="${py(10 ** e) + 3}" text-anchor="end">1e${e}</text>\n`;
  for (const impl of IMPLS) {
    const pts = SIZES.map((n) => [n, get(fn, 'f32', n, impl)]).filter(([, v]) => v !== undefined);
    if (!pts.length) continue;
    svg += `<polyline fill="none" stroke="${COLORS[impl]}" stroke-width="1.5" points="${pts.map(([n, v]) => `${px(n).toFixed(1)},${py((n / v) * 1e9).toFixed(1)}`).join(' ')}"/>\n`;
  }
});
let lx = 10;
for (const impl of IMPLS) {
  svg += `<rect x="${lx}" y="${rowsN * H + 15}" width="12" height="4" fill="${COLORS[impl]}"/><text x="${lx + 16}" y="${rowsN * H + 20}">${impl}</text>\n`;
  lx += 30 + impl.length * 6;
}
svg += `<text x="${lx + 10}" y="${rowsN * H + 20}" fill="#555">y: elements per second (log), x: n (log)</text>\n</svg>\n`;

writeFileSync(join(outDir, 'BENCHMARKS.md'), md);
writeFileSync(join(outDir, quick ? 'throughput.svg' : 'bench/throughput.svg'), svg);
console.log(`\nwrote ${join(outDir, 'BENCHMARKS.md')}`);
for (const g of goals) console.log(`${g.met ? 'met   ' : 'missed'} ${g.text}: ${fmt(g.value)} (target ${g.target})`);
