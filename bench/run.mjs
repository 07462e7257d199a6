// xentropy benchmark (tinybench): every function, f32 and f64, sizes 10^2 … 10^7, against the
// pure-TS entry, a hand-written loop, TensorFlow.js 4.22 on its WASM backend (where it has the
// function, or composes it from its ops as a user would) and a memcpy of the same input bytes (the
// floor). Our figures include copying the input into WASM memory, except the "xentropy zero-copy"
// line (inputs from alloc()). Then the goal cases the sweep does not cover (64 × 16384 softmax
// cross entropy, 8-element calls), every loss with its gradient (`grad`) at 10^6 elements against
// the same call without it, a hand-written value-and-gradient loop and TF.js's valueAndGrad, and
// the crossover per function: the WASM kernels at every size
// against the pure-TS entry at 8 … 1024 elements, written to bench/crossover.json as well.
//
//   npm run bench                    full run; writes BENCHMARKS.md, bench/throughput.svg and bench/crossover.json
//   npm run bench -- --quick         tiny sizes, one iteration each, output to a temp dir (CI)
//   npm run bench -- --out DIR       write the report elsewhere
//   npm run bench -- --only crossover   only these sections (comma-separated: sweep, goals, grads, crossover);
//                                    prints them and writes crossover.json, but not BENCHMARKS.md
//
// Ratios are what to read: each is measured in the same run on the same machine.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { Bench } from 'tinybench';
import '@tensorflow/tfjs-backend-wasm';
import * as x from 'xentropy';
import * as xj from 'xentropy/js';
import { createApi } from '../dist/api/index.js';
import * as wasmModule from '../dist/kernels/wasm.js';

const started = performance.now();
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const SECTIONS = ['sweep', 'goals', 'grads', 'crossover'];
const only = args.includes('--only') ? String(args[args.indexOf('--only') + 1]).split(',') : null;
for (const s of only ?? []) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section "${s}" (one of ${SECTIONS.join(', ')})`);
const runs = (section) => !only || only.includes(section);
const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1] : quick ? mkdtempSync(join(tmpdir(), 'xentropy-bench-')) : root;
// BENCHMARKS.md goes to outDir; the chart and crossover.json beside it in bench/ (the report links
// bench/throughput.svg), or in outDir itself in quick mode.
const assetDir = quick ? outDir : join(outDir, 'bench');
const SIZES = quick ? [100] : [1e2, 1e3, 1e4, 1e5, 1e6, 1e7];
const N6grad = quick ? 100 : 1e6; // the gradient section's size
const CLASSES = 1000; // row length for the row-wise functions (a row of n when n < 1000)
const opts = quick ? { time: 0, iterations: 1, warmup: false } : { time: 150, iterations: 5, warmupTime: 50, warmupIterations: 2 };
// Crossover: one row of n elements; each size's mean is the median over rounds (sizes and
// implementations alternate within a round, the order reversed every other round).
const XSIZES = quick ? [8, 128] : [8, 16, 32, 48, 64, 96, 128, 192, 256, 512, 1024];
const XROUNDS = quick ? 1 : 5;
const xopts = quick ? opts : { time: 40, iterations: 20, warmupTime: 10, warmupIterations: 5 };
const DTYPES = [
  ['f32', Float32Array],
  ['f64', Float64Array],
];

// TF.js's gradients (tf.valueAndGrad) are registered by tfjs-core's ES module build only
// (register_all_gradients.js), whose extensionless imports Node resolves through bench/tf-esm-hook.mjs;
// they go into the registry that the bundle imported above shares (a global map).
register(new URL('./tf-esm-hook.mjs', import.meta.url));
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
await tf.setBackend('wasm');
await tf.ready();
if (x.backend !== 'wasm') throw new Error('xentropy did not load its WASM kernels');
const instance = wasmModule.instantiateSync(() => readFileSync(new URL('../dist/xentropy.wasm', import.meta.url)));
// the WASM kernels at every size: no crossover to the TS kernels
const wasmOnly = createApi(wasmModule.wasmKernels(instance, 0), 'wasm');

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
function data(Type, n, classes = Math.min(n, CLASSES)) {
  const next = rng(n);
  const fill = (f) => Type.from({ length: n }, f);
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
  // torchvision's sigmoid_focal_loss as written (alpha 0.25, gamma 2, mean)
  sigmoidFocalLoss: (d) => {
    let s = 0;
    const { logits: z, y01 } = d;
    for (let i = 0; i < z.length; i++) {
      const p = 1 / (1 + Math.exp(-z[i]));
      const ce = Math.max(z[i], 0) - z[i] * y01[i] + Math.log1p(Math.exp(-Math.abs(z[i])));
      const pt = p * y01[i] + (1 - p) * (1 - y01[i]);
      s += (0.25 * y01[i] + 0.75 * (1 - y01[i])) * ce * (1 - pt) ** 2;
    }
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
    // exp once per element: the max, the exps stored and summed, then one division each
    const { logits: z, rows, classes } = d;
    const out = new z.constructor(z.length);
    for (let r = 0; r < rows; r++) {
      const o = r * classes;
      let m = -Infinity;
      for (let j = 0; j < classes; j++) if (z[o + j] > m) m = z[o + j];
      let e = 0;
      for (let j = 0; j < classes; j++) {
        out[o + j] = Math.exp(z[o + j] - m);
        e += out[o + j];
      }
      for (let j = 0; j < classes; j++) out[o + j] /= e;
    }
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
  sigmoidFocalLoss: (m, d) => m.sigmoidFocalLoss(d.logits, d.y01),
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
  sigmoidFocalLoss: ['logits', 'y01'],
  softmaxCrossEntropy: ['logits'],
  nllLoss: ['logits'],
  klDiv: ['logits', 'p'],
  logSumExp: ['logits'],
  logSoftmax: ['logits'],
  softmax: ['logits'],
};

// logSoftmax and softmax again with the `out` option: a preallocated array of the input's type
const withOut = {
  logSoftmax: (m, d, out) => m.logSoftmax(d.logits, { classes: d.classes, out }),
  softmax: (m, d, out) => m.softmax(d.logits, { classes: d.classes, out }),
};

// ---- TensorFlow.js (WASM backend), f32 only. The tensors are made from the typed arrays inside the
// timing (as ours copy theirs); tf.tidy returns the result tensor, whose values are read (dataSync)
// outside it and which is then disposed. (A typed array returned from tf.tidy is walked element by
// element, about 0.8 µs each: that would time TF.js's bookkeeping, not its kernels.) TF.js has no
// entropy, cross entropy or KL op: those are composed from its ops as a user would; it has no
// Jensen–Shannon divergence, nll_loss, kl_div on log-inputs or focal loss either, and no peer is timed for them.
function tfRead(f) {
  const t = tf.tidy(f);
  const v = t.dataSync();
  t.dispose();
  return v;
}
const tfjs = {
  entropy: (d) =>
    tfRead(() => {
      const p = tf.tensor1d(d.p);
      return tf.neg(tf.sum(tf.mul(p, tf.log(p))));
    }),
  crossEntropy: (d) => tfRead(() => tf.neg(tf.sum(tf.mul(tf.tensor1d(d.p), tf.log(tf.tensor1d(d.q)))))),
  klDivergence: (d) =>
    tfRead(() => {
      const p = tf.tensor1d(d.p);
      return tf.sum(tf.mul(p, tf.log(tf.div(p, tf.tensor1d(d.q)))));
    }),
  binaryCrossEntropy: (d) => tfRead(() => tf.losses.logLoss(tf.tensor1d(d.y01), tf.tensor1d(d.p))),
  binaryCrossEntropyWithLogits: (d) => tfRead(() => tf.losses.sigmoidCrossEntropy(tf.tensor1d(d.y01), tf.tensor1d(d.logits))),
  softmaxCrossEntropy: (d) =>
    tfRead(() =>
      tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(d.idx, 'int32'), d.classes), tf.tensor2d(d.logits, [d.rows, d.classes])),
    ),
  logSumExp: (d) => tfRead(() => tf.logSumExp(tf.tensor2d(d.logits, [d.rows, d.classes]), 1)),
  logSoftmax: (d) => tfRead(() => tf.logSoftmax(tf.tensor2d(d.logits, [d.rows, d.classes]))),
  softmax: (d) => tfRead(() => tf.softmax(tf.tensor2d(d.logits, [d.rows, d.classes]))),
};

// Every baseline must compute what we compute (f32 peers to 1e-3): checked once per function and
// type, on the first size, so that a wrong baseline cannot make a goal look met.
function checkBaselines(fn, dtype, d) {
  const values = (v) => (typeof v === 'number' ? [v] : Array.from(v));
  const want = values(ours[fn](xj, d));
  const peers = [
    ['hand-written loop', () => hand[fn](d)],
    ['xentropy', () => ours[fn](x, d)],
  ];
  if (withOut[fn]) peers.push(['xentropy out reused', () => withOut[fn](x, d, new d.logits.constructor(d.n))]);
  if (dtype === 'f32' && tfjs[fn]) peers.push(['TF.js wasm', () => tfjs[fn](d)]);
  for (const [name, f] of peers) {
    const got = values(f());
    const i = got.length === want.length ? got.findIndex((g, j) => !(Math.abs(g - want[j]) <= 1e-3 * (1 + Math.abs(want[j])))) : 0;
    if (got.length !== want.length || i !== -1) {
      throw new Error(
        `${fn} ${dtype} n=${d.n}: ${name} gives ${got.length} values, xentropy/js ${want.length}; [${i}]: ${got[i]}, not ${want[i]}`,
      );
    }
  }
}

// ---- run ----------------------------------------------------------------------------------------
const results = []; // { fn, dtype, n, impl, ns } (ns per call)
// Large sizes: fewer samples (a hand-written loop on 10^7 elements takes a fraction of a second).
// Medians of 5 (not means of 3): an allocating call at 10^6 and 10^7 meets a major GC in some
// samples, and one such sample made a mean of 3 read 3× the typical time (logSoftmax f32 at 10^6:
// 6.42 ns per element against 2.04 with `out` reused and 0.44 for a new output alone).
const bigOpts = { time: 0, iterations: 5, warmupTime: 0, warmupIterations: 1 };
async function measure(cases, options = opts) {
  const bench = new Bench(quick ? opts : options);
  for (const [name, f] of cases) bench.add(name, f);
  await bench.run();
  const out = {};
  for (const t of bench.tasks) {
    const r = t.result;
    if (r?.state !== 'completed') throw new Error(`${t.name}: ${r?.error?.message ?? r?.state}`);
    out[t.name] = r.latency.p50 * 1e6; // the median sample, ms → ns
  }
  return out;
}
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (runs('sweep')) {
  const scratch = new Uint8Array(8 * 2e7 * 2);
  for (const fn of Object.keys(ours)) {
    for (const [dtype, Type] of DTYPES) {
      for (const n of SIZES) {
        const d = data(Type, n);
        if (n === SIZES[0]) checkBaselines(fn, dtype, d);
        const z = { ...d };
        for (const k of reads[fn]) {
          z[k] = x.alloc(Type, n);
        }
        for (const k of reads[fn]) {
          z[k] = x.refresh(z[k]);
          z[k].set(d[k]);
        }
        const bytes = reads[fn].reduce((s, k) => s + d[k].byteLength, 0);
        const cases = [['xentropy', () => ours[fn](x, d)]];
        if (withOut[fn]) {
          const out = new Type(n);
          cases.push(['xentropy out reused', () => withOut[fn](x, d, out)]);
          // what any fresh output of n elements costs before a value is computed: the allocation
          // and the first write to each of its 4 KiB pages (the floor under every allocating call)
          cases.push([
            'new output',
            () => {
              const a = new Type(n);
              for (let i = 0; i < n; i += 4096 / Type.BYTES_PER_ELEMENT) a[i] = 1;
              return a;
            },
          ]);
        }
        cases.push(
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
        );
        if (dtype === 'f32' && tfjs[fn]) cases.push(['TF.js wasm', () => tfjs[fn](d)]);
        const r = await measure(cases, n >= 1e6 ? bigOpts : opts);
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
}

// The goal cases that the sweep does not cover: 64 × 16384 softmax cross entropy, 8-element calls.
const special = {};
if (runs('goals')) {
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
  process.stdout.write(
    `${Object.entries(special)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join(', ')} ns/call\n`,
  );
}

// ---- gradients: every loss that fills `grad`, at 10^6 elements (rows of 1000), f32 and f64 -------
// What the call costs with its gradient against without it (the gradient is written in the same
// pass or the pass right after), against the pure-TS entry, a hand-written loop computing the same
// value and gradient (what a user writes today; 'mean' reduction as ours, one row for the
// measures' ∂/∂q), and TF.js's tf.valueAndGrad over its loss (f32; where it has the loss).
const gradHand = {
  softmaxCrossEntropy: (d, g) => {
    const { logits: z, rows, classes, idx } = d;
    let s = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * classes;
      let m = -Infinity;
      for (let j = 0; j < classes; j++) if (z[o + j] > m) m = z[o + j];
      let e = 0;
      for (let j = 0; j < classes; j++) e += g[o + j] = Math.exp(z[o + j] - m);
      s += m + Math.log(e) - z[o + idx[r]];
      for (let j = 0; j < classes; j++) g[o + j] /= e * rows;
      g[o + idx[r]] -= 1 / rows;
    }
    return s / rows;
  },
  binaryCrossEntropyWithLogits: (d, g) => {
    const { logits: z, y01 } = d;
    const n = z.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      s += Math.max(z[i], 0) - z[i] * y01[i] + Math.log1p(Math.exp(-Math.abs(z[i])));
      g[i] = (1 / (1 + Math.exp(-z[i])) - y01[i]) / n;
    }
    return s / n;
  },
  // PyTorch's: logs clamped at −100, ∂/∂x = (x − y) / max(x·(1 − x), 1e-12)
  binaryCrossEntropy: (d, g) => {
    const { p, y01 } = d;
    const n = p.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      s -= y01[i] * Math.max(Math.log(p[i]), -100) + (1 - y01[i]) * Math.max(Math.log(1 - p[i]), -100);
      g[i] = (p[i] - y01[i]) / Math.max(p[i] * (1 - p[i]), 1e-12) / n;
    }
    return s / n;
  },
  nllLoss: (d, g) => {
    const { logits: z, rows, classes, idx } = d;
    g.fill(0);
    let s = 0;
    for (let r = 0; r < rows; r++) {
      s -= z[r * classes + idx[r]];
      g[r * classes + idx[r]] = -1 / rows;
    }
    return s / rows;
  },
  klDiv: (d, g) => {
    const { logits: z, p } = d;
    const n = z.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      s += p[i] * (Math.log(p[i]) - z[i]);
      g[i] = -p[i] / n;
    }
    return s / n;
  },
  crossEntropy: (d, g) => {
    const { p, q } = d;
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      s -= p[i] * Math.log(q[i]);
      g[i] = -p[i] / q[i];
    }
    return s;
  },
  klDivergence: (d, g) => {
    const { p, q } = d;
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      s += p[i] * Math.log(p[i] / q[i]);
      g[i] = -p[i] / q[i];
    }
    return s;
  },
  // torchvision's sigmoid_focal_loss (alpha 0.25, gamma 2, mean) for 0/1 targets, and its
  // derivative: ∂/∂z = s·a·(1 − pt)^2·(2·pt·log pt − (1 − pt)), s = ±1 as y is 1 or 0
  sigmoidFocalLoss: (d, g) => {
    const { logits: z, y01 } = d;
    const n = z.length;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const y = y01[i];
      const ce = Math.max(z[i], 0) - z[i] * y + Math.log1p(Math.exp(-Math.abs(z[i])));
      const p = 1 / (1 + Math.exp(-z[i]));
      const pt = y ? p : 1 - p;
      const a = y ? 0.25 : 0.75;
      s += a * ce * (1 - pt) ** 2;
      g[i] = ((y ? 1 : -1) * a * (1 - pt) ** 2 * (2 * pt * -ce - (1 - pt))) / n;
    }
    return s / n;
  },
};
const gradOurs = {
  softmaxCrossEntropy: (m, d, grad) => m.softmaxCrossEntropy(d.logits, d.idx, { classes: d.classes, grad }),
  binaryCrossEntropyWithLogits: (m, d, grad) => m.binaryCrossEntropyWithLogits(d.logits, d.y01, grad ? { grad } : undefined),
  binaryCrossEntropy: (m, d, grad) => m.binaryCrossEntropy(d.p, d.y01, grad ? { grad } : undefined),
  nllLoss: (m, d, grad) => m.nllLoss(d.logits, d.idx, { classes: d.classes, grad }),
  klDiv: (m, d, grad) => m.klDiv(d.logits, d.p, { classes: d.classes, grad }),
  crossEntropy: (m, d, grad) => m.crossEntropy(d.p, d.q, grad ? { grad } : undefined),
  klDivergence: (m, d, grad) => m.klDivergence(d.p, d.q, grad ? { grad } : undefined),
  sigmoidFocalLoss: (m, d, grad) => m.sigmoidFocalLoss(d.logits, d.y01, grad ? { grad } : undefined),
};
// TF.js: tf.valueAndGrad of its loss with respect to the predictions; value and gradient read
function tfValueAndGrad(f, wrt) {
  const { value, grad } = tf.tidy(() => {
    const r = tf.valueAndGrad(f)(wrt());
    return { value: r.value, grad: r.grad };
  });
  const out = [value.dataSync()[0], grad.dataSync()];
  value.dispose();
  grad.dispose();
  return out;
}
const gradTf = {
  softmaxCrossEntropy: (d) =>
    tfValueAndGrad(
      (z) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(d.idx, 'int32'), d.classes), z),
      () => tf.tensor2d(d.logits, [d.rows, d.classes]),
    ),
  binaryCrossEntropyWithLogits: (d) =>
    tfValueAndGrad(
      (z) => tf.losses.sigmoidCrossEntropy(tf.tensor1d(d.y01), z),
      () => tf.tensor1d(d.logits),
    ),
  binaryCrossEntropy: (d) =>
    tfValueAndGrad(
      (p) => tf.losses.logLoss(tf.tensor1d(d.y01), p),
      () => tf.tensor1d(d.p),
    ),
};
const gradRows = []; // { fn, dtype, impl, ns }
if (runs('grads')) {
  const n = N6grad;
  for (const fn of Object.keys(gradOurs)) {
    for (const [dtype, Type] of DTYPES) {
      const d = data(Type, n);
      // every baseline computes our value and gradient, to 1e-3 of the largest |gradient|; TF.js's
      // logLoss gradient only where p ≤ 0.999: it takes 1 − p + 1e-7 in f32, which for p near 1
      // cancels (0.4838 against 0.5084 at p = 1 − 2e-6)
      const want = new Type(n);
      const wantValue = gradOurs[fn](xj, d, want);
      const peers = [
        ['hand-written loop', (g) => gradHand[fn](d, g)],
        ['xentropy', (g) => gradOurs[fn](x, d, g)],
      ];
      if (dtype === 'f32' && gradTf[fn])
        peers.push([
          'TF.js wasm',
          (g) => {
            const [v, tg] = gradTf[fn](d);
            g.set(tg);
            return v;
          },
        ]);
      for (const [name, f] of peers) {
        const g = new Type(n);
        const v = f(g);
        const skip = name === 'TF.js wasm' && fn === 'binaryCrossEntropy' ? (i) => d.p[i] > 0.999 : () => false;
        const close = (a, b, scale) => Math.abs(a - b) <= 1e-3 * scale;
        const gScale = want.reduce((m, w, i) => (skip(i) ? m : Math.max(m, Math.abs(w))), 0);
        const bad = g.findIndex((gi, i) => !skip(i) && !close(gi, want[i], gScale));
        if (!close(v, wantValue, 1 + Math.abs(wantValue)) || bad !== -1)
          throw new Error(`${fn} ${dtype} grad: ${name} gives ${v} and grad[${bad}] ${g[bad]}; xentropy/js ${wantValue} and ${want[bad]}`);
      }
      const g = new Type(n);
      const cases = [
        ['xentropy value only', () => gradOurs[fn](x, d, undefined)],
        ['xentropy value + grad', () => gradOurs[fn](x, d, g)],
        ['xentropy/js value + grad', () => gradOurs[fn](xj, d, g)],
        ['hand-written loop', () => gradHand[fn](d, g)],
      ];
      if (dtype === 'f32' && gradTf[fn]) cases.push(['TF.js wasm valueAndGrad', () => gradTf[fn](d)]);
      const r = await measure(cases);
      for (const [impl, ns] of Object.entries(r)) gradRows.push({ fn, dtype, impl, ns });
      process.stdout.write(
        `grad ${fn} ${dtype} ${n}: ${Object.entries(r)
          .map(([k, v]) => `${k} ${(v / n).toFixed(2)}`)
          .join(', ')} ns/element\n`,
      );
    }
  }
}

// Crossover per function: the WASM kernels at every size (wasmOnly) against the pure-TS entry, on
// one row of n elements. The break-even is the smallest measured size from which WASM is faster at
// every larger measured size (null: not faster at the largest).
const cross = {}; // `${fn} ${dtype} ${n} wasm|js` → ns per call, the median over rounds
const crossover = {}; // fn → { f32, f64 }: the break-even
if (runs('crossover')) {
  for (const fn of Object.keys(ours)) {
    crossover[fn] = {};
    for (const [dtype, Type] of DTYPES) {
      const ds = XSIZES.map((n) => data(Type, n, n));
      const samples = {};
      for (let round = 0; round < XROUNDS; round++) {
        const cases = ds.flatMap((d) => [
          [`${d.n} wasm`, () => ours[fn](wasmOnly, d)],
          [`${d.n} js`, () => ours[fn](xj, d)],
        ]);
        if (round % 2) cases.reverse();
        for (const [k, v] of Object.entries(await measure(cases, xopts))) {
          samples[k] ??= [];
          samples[k].push(v);
        }
      }
      for (const [k, v] of Object.entries(samples)) cross[`${fn} ${dtype} ${k}`] = median(v);
      const faster = (n) => cross[`${fn} ${dtype} ${n} wasm`] < cross[`${fn} ${dtype} ${n} js`];
      let breakEven = null;
      for (let i = XSIZES.length - 1; i >= 0 && faster(XSIZES[i]); i--) breakEven = XSIZES[i];
      crossover[fn][dtype] = breakEven;
      process.stdout.write(
        `crossover ${fn} ${dtype}: ${breakEven ?? `> ${XSIZES.at(-1)}`} (ns per call, wasm/js: ${XSIZES.map(
          (n) => `${n} ${cross[`${fn} ${dtype} ${n} wasm`].toFixed(0)}/${cross[`${fn} ${dtype} ${n} js`].toFixed(0)}`,
        ).join(', ')})\n`,
      );
    }
  }
  mkdirSync(assetDir, { recursive: true });
  writeFileSync(join(assetDir, 'crossover.json'), `${JSON.stringify(crossover, null, 2)}\n`);
}

// ---- report -------------------------------------------------------------------------------------
const get = (fn, dtype, n, impl) => results.find((r) => r.fn === fn && r.dtype === dtype && r.n === n && r.impl === impl)?.ns;
const IMPLS = [
  'xentropy',
  'xentropy out reused',
  'xentropy zero-copy',
  'xentropy/js',
  'hand-written loop',
  'TF.js wasm',
  'memcpy',
  'new output',
];
const pkg = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
const fmt = (v, d = 2) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d));
const sizeText = (n) => (Number.isInteger(Math.log10(n)) ? `10^${Math.log10(n)}` : String(n));
const ratio = (a, b) => (a && b ? b / a : undefined);
const N6 = quick ? SIZES[0] : 1e6; // the issue's size
const N7 = quick ? SIZES.at(-1) : 1e7; // the size whose cost per element must stay near N6's

// The goals of the issue "Performance II": × is the peer's time ÷ xentropy's (the WASM entry, copy
// included), all from this run's medians.
const goals = [];
function goal(text, value, op, target) {
  const met = typeof value === 'number' && (op === '≥' ? value >= target : value <= target);
  goals.push({ text, value, op, target, met });
}
const times = (fn, peer, dtype = 'f32', n = N6) => ratio(get(fn, dtype, n, 'xentropy'), get(fn, dtype, n, peer));
const at6 = `${sizeText(N6)} f32`;
for (const [fn, vsTf, vsHand] of [
  ['crossEntropy', 3.5, 7],
  ['entropy', 3.5, 7],
  ['klDivergence', 3, 6],
  ['jsDivergence', null, 4],
  ['binaryCrossEntropy', 4, 6],
  ['binaryCrossEntropyWithLogits', 3, 5],
  ['softmaxCrossEntropy', 7.5, 7],
  ['logSumExp', 6, 8],
  ['logSoftmax', 10, 5],
  ['softmax', 10, 5],
]) {
  if (fn === 'softmaxCrossEntropy') {
    const what = 'softmaxCrossEntropy, 64 × 16384 f32, index targets';
    goal(`${what}: × TF.js wasm`, ratio(special['sce xentropy'], special['sce TF.js wasm']), '≥', vsTf);
    goal(`${what}: × hand-written loop`, ratio(special['sce xentropy'], special['sce hand-written loop']), '≥', vsHand);
    continue;
  }
  if (vsTf !== null) goal(`${fn}, ${at6}: × TF.js wasm`, times(fn, 'TF.js wasm'), '≥', vsTf);
  goal(`${fn}, ${at6}: × hand-written loop`, times(fn, 'hand-written loop'), '≥', vsHand);
}
goal(`crossEntropy, ${sizeText(N6)} f64: × hand-written loop`, times('crossEntropy', 'hand-written loop', 'f64'), '≥', 3);
for (const fn of ['softmax', 'logSoftmax']) {
  const perElement = (n) => get(fn, 'f32', n, 'xentropy') / n;
  goal(`${fn}, f32: ns per element at ${sizeText(N7)} ÷ at ${sizeText(N6)}`, perElement(N7) / perElement(N6), '≤', 1.5);
}
for (const dtype of ['f64', 'f32']) {
  const ce = (impl) => get('crossEntropy', dtype, N6, impl);
  goal(
    `pure-TS entry (crossEntropy ${sizeText(N6)} ${dtype}): time ÷ hand-written loop`,
    ce('xentropy/js') / ce('hand-written loop'),
    '≤',
    1,
  );
}
for (const dtype of ['f64', 'f32']) {
  goal(`8-element crossEntropy (${dtype}): time ÷ hand-written loop`, special[`8 xentropy ${dtype}`] / special[`8 hand ${dtype}`], '≤', 2);
}
{
  const measured = Object.values(crossover)
    .flatMap((c) => DTYPES.map(([dtype]) => c[dtype]))
    .filter((v) => v !== undefined).length;
  const wanted = Object.keys(ours).length * DTYPES.length;
  goals.push({
    text: 'crossover measured per function, f32 and f64 (below; bench/crossover.json)',
    value: `${measured} of ${wanted}`,
    op: '',
    target: 'all',
    met: measured === wanted,
  });
}
const goalsMd = `| goal | measured | target | met |
| --- | ---: | ---: | :---: |
${goals.map((g) => `| ${g.text} | ${typeof g.value === 'string' ? g.value : fmt(g.value)} | ${g.op ? `${g.op} ` : ''}${g.target} | ${g.met ? 'yes' : '**no**'} |`).join('\n')}
`;

let sweepMd = '';
for (const fn of Object.keys(ours)) {
  const impls = IMPLS.filter((i) => !['xentropy out reused', 'new output'].includes(i) || withOut[fn]);
  sweepMd += `### ${fn}\n\n| dtype | n | ${impls.join(' | ')} | × hand | × TF.js | × xentropy/js |\n| --- | ---: |${impls.map(() => ' ---: |').join('')} ---: | ---: | ---: |\n`;
  for (const [dtype] of DTYPES) {
    for (const n of SIZES) {
      const v = (impl) => get(fn, dtype, n, impl);
      sweepMd += `| ${dtype} | ${n.toExponential(0).replace('e+', 'e')} | ${impls.map((i) => fmt(v(i) && v(i) / n, 3)).join(' | ')} | ${fmt(ratio(v('xentropy'), v('hand-written loop')), 1)} | ${fmt(ratio(v('xentropy'), v('TF.js wasm')), 1)} | ${fmt(ratio(v('xentropy'), v('xentropy/js')), 1)} |\n`;
    }
  }
  sweepMd += '\n';
}

const entryCrossover =
  "The `xentropy` entry runs an input on the TS kernels below its kernel's crossover, per dtype, taken from these figures (`crossover` in src/kernels/table.ts).\n\n";
const largest = XSIZES.at(-1);
const crossoverMd = `## Crossover (WASM kernels at every size against the TS kernels)

${entryCrossover}Per function, the break-even: the smallest measured size from which the WASM kernels (copy
included, no crossover) are faster than the pure-TS entry at every larger measured size
("> ${largest}": not faster at ${largest}; ${XSIZES[0]} means ${XSIZES[0]} or fewer). Then the TS time ÷ the WASM time at
each size (above 1: WASM faster). One row of n elements, default options; each time is the median
over ${XROUNDS === 1 ? 'one round' : `${XROUNDS} rounds`} of tinybench medians. \`bench/crossover.json\` holds the break-evens (null for "> ${largest}").

| function | f32 | f64 |
| --- | ---: | ---: |
${Object.entries(crossover)
  .map(([fn, c]) => `| ${fn} | ${DTYPES.map(([dtype]) => c[dtype] ?? `> ${largest}`).join(' | ')} |`)
  .join('\n')}
${DTYPES.map(
  ([dtype]) => `
### ${dtype}: TS time ÷ WASM time

| function | ${XSIZES.join(' | ')} |
| --- |${XSIZES.map(() => ' ---: |').join('')}
${Object.keys(crossover)
  .map(
    (fn) => `| ${fn} | ${XSIZES.map((n) => fmt(ratio(cross[`${fn} ${dtype} ${n} wasm`], cross[`${fn} ${dtype} ${n} js`]))).join(' | ')} |`,
  )
  .join('\n')}
`,
).join('')}`;

const GRAD_IMPLS = [
  'xentropy value only',
  'xentropy value + grad',
  'xentropy/js value + grad',
  'hand-written loop',
  'TF.js wasm valueAndGrad',
];
const gradGet = (fn, dtype, impl) => gradRows.find((r) => r.fn === fn && r.dtype === dtype && r.impl === impl)?.ns;
const gradsMd = `## Gradients (${sizeText(N6grad)} elements, ns per element)

Each loss called with \`grad\` (a preallocated array of the data's type; 'mean', rows of ${Math.min(N6grad, CLASSES)} for the
row-wise losses, one row for crossEntropy's and klDivergence's ∂/∂q) against the same call without it,
the pure-TS entry, a hand-written loop computing the same value and gradient (bench/run.mjs, \`gradHand\`),
and TF.js's \`tf.valueAndGrad\` of its loss (f32, where TF.js has the loss). "grad cost" is the time
with \`grad\` ÷ the time without; "×" is the peer's time ÷ xentropy's with \`grad\`.

| function | dtype | ${GRAD_IMPLS.join(' | ')} | grad cost | × hand | × TF.js | × xentropy/js |
| --- | --- |${GRAD_IMPLS.map(() => ' ---: |').join('')} ---: | ---: | ---: | ---: |
${Object.keys(gradOurs)
  .flatMap((fn) =>
    DTYPES.map(([dtype]) => {
      const v = (impl) => gradGet(fn, dtype, impl);
      const g = v('xentropy value + grad');
      return `| ${fn} | ${dtype} | ${GRAD_IMPLS.map((i) => fmt(v(i) && v(i) / N6grad, 2)).join(' | ')} | ${fmt(v('xentropy value only') && g / v('xentropy value only'))} | ${fmt(ratio(g, v('hand-written loop')), 1)} | ${fmt(ratio(g, v('TF.js wasm valueAndGrad')), 1)} | ${fmt(ratio(g, v('xentropy/js value + grad')), 1)} |`;
    }),
  )
  .join('\n')}
`;

const specialMd = `## Other goal cases (ns per call)

| case | ns |
| --- | ---: |
${Object.entries(special)
  .map(([k, v]) => `| ${k} | ${fmt(v, 0)} |`)
  .join('\n')}
`;

if (only) {
  // a partial run: print what ran; BENCHMARKS.md and the chart are written by full runs only
  if (runs('sweep') || runs('goals')) console.log(`\n## Goals (the sections not run show —)\n\n${goalsMd}`);
  if (runs('goals')) console.log(specialMd);
  if (runs('grads')) console.log(gradsMd);
  if (runs('crossover')) console.log(`${crossoverMd}\nwrote ${join(assetDir, 'crossover.json')}`);
  console.log(`total ${((performance.now() - started) / 60000).toFixed(1)} min`);
  process.exit(0);
}

let md = `# Benchmarks

Generated by \`npm run bench\` (bench/run.mjs, tinybench ${pkg('tinybench')}) on ${new Date().toISOString().slice(0, 10)}${quick ? ' — QUICK MODE (tiny sizes, one iteration): not for reading' : ''}.

- Machine: ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.versions.node} (V8 ${process.versions.v8}).
- Peers: TensorFlow.js ${pkg('@tensorflow/tfjs-core')} with @tensorflow/tfjs-backend-wasm ${pkg('@tensorflow/tfjs-backend-wasm')} (SIMD build, one thread), f32 only
  (TF.js has no float64): tensors made from the same arrays inside the timing, results read with
  \`dataSync()\` outside \`tf.tidy\`; hand-written loops as a user would write them (bench/run.mjs, \`hand\`).
- "xentropy" includes copying the inputs into WASM memory; "xentropy zero-copy" reads inputs made with
  \`alloc()\`; "xentropy out reused" (logSoftmax, softmax) passes \`out\`, an array of the input's type
  allocated once; "memcpy" copies the same input bytes once (the floor for any copying implementation);
  "new output" (logSoftmax, softmax) allocates an output of n elements and writes one element of each
  4 KiB page (the floor under any call that returns a new array).
- Shapes: the row-wise functions use rows of ${CLASSES} (one row of n when n < ${CLASSES}) and class-index targets.
- Times are medians of tinybench samples (5 at 10^6 and 10^7); read ratios within one row.

![throughput against size](bench/throughput.svg)

## Goals (from the issue "Performance II")

Ratios at ${sizeText(N6)} f32 elements unless stated, copy included; "× peer" is the peer's time ÷ the
\`xentropy\` entry's (WASM), from this run's medians.

${goalsMd}
## ns per element (lower is better), and speed-up of xentropy over each baseline

${sweepMd}${gradsMd}
${crossoverMd}
${specialMd}`;

md += `\n${readFileSync(join(root, 'bench/limits.md'), 'utf8')}`;

// The language-model-size peers (ONNX Runtime, with the default allocator and with huge pages) and
// the fresh-output measurement have benchmarks of their own (npm run bench:ort [-- --hugetlb],
// npm run bench:fresh: other packages, other process set-ups); their
// last reports are carried here, a level down, with the date and load each states.
for (const [file, how] of [
  ['bench/ort.md', '`npm run bench:ort`'],
  ['bench/ort-hugetlb.md', '`npm run bench:ort -- --hugetlb`'],
  ['bench/fresh.md', '`npm run bench:fresh`'],
]) {
  let text;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch {
    continue; // not run yet
  }
  md += `\n${text.replace(/^(#+) /gm, '#$1 ').trim()}\n\n(${file}, from ${how}.)\n`;
}

// ---- SVG: throughput (elements/s) against n, one panel per function (f32), one line per impl --
const COLORS = {
  xentropy: '#d62728',
  'xentropy out reused': '#9467bd',
  'xentropy zero-copy': '#ff9896',
  'xentropy/js': '#1f77b4',
  'hand-written loop': '#7f7f7f',
  'TF.js wasm': '#ff7f0e',
  memcpy: '#2ca02c',
  'new output': '#bcbd22',
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

mkdirSync(assetDir, { recursive: true });
writeFileSync(join(outDir, 'BENCHMARKS.md'), md);
writeFileSync(join(assetDir, 'throughput.svg'), svg);
console.log(`\nwrote ${join(outDir, 'BENCHMARKS.md')}, ${join(assetDir, 'throughput.svg')} and ${join(assetDir, 'crossover.json')}`);
for (const g of goals) {
  console.log(
    `${g.met ? 'met   ' : 'missed'} ${g.text}: ${typeof g.value === 'string' ? g.value : fmt(g.value)} (target ${g.op ? `${g.op} ` : ''}${g.target})`,
  );
}
console.log(`total ${((performance.now() - started) / 60000).toFixed(1)} min`);
