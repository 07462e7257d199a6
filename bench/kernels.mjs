// Old against new measure kernels, called directly on data already in WASM memory (no glue, no
// copy): ns per element at 10^6 elements (1000 rows of 1000), f32 and f64, for entropy, cross
// entropy, KL and JS. "old" is the module built from assembly/ at OLD_REV (default: the merge base
// of HEAD and main); "new" is dist/xentropy.wasm (npm run build first). Rounds alternate old and
// new (tinybench, a few iterations per task per round); the figure is the median over rounds.
//
//   node bench/kernels.mjs [--rounds N] [--no-api]     (ONLY=substring: only those kernels)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const ROUNDS = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 7;
const git = (...a) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
let rev = process.env.OLD_REV;
if (!rev) {
  try {
    rev = git('merge-base', 'HEAD', 'main');
  } catch {
    rev = 'HEAD~2';
  }
}

// Build the old module from the sources at `rev`, with the release flags.
const dir = mkdtempSync(join(tmpdir(), 'xentropy-old-'));
mkdirSync(join(dir, 'assembly'));
for (const f of git('ls-tree', '--name-only', `${rev}:assembly`).split('\n')) {
  writeFileSync(join(dir, 'assembly', f), git('show', `${rev}:assembly/${f}`) + '\n');
}
const asc = createRequire(import.meta.url).resolve('assemblyscript/bin/asc.js');
execFileSync(
  process.execPath,
  [
    asc,
    'assembly/index.ts',
    '-O3',
    '--converge',
    '--noAssert',
    '--runtime',
    'minimal',
    '--enable',
    'simd',
    '--use',
    'abort=',
    '-o',
    'old.wasm',
  ],
  { cwd: dir, stdio: 'inherit' },
);
const load = (file) => new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {}).exports;
const mods = { old: load(join(dir, 'old.wasm')), new: load(process.env.NEW_WASM ?? join(root, 'dist/xentropy.wasm')) };

const N = 1e6,
  ROWS = 1000,
  CLASSES = 1000;
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
// The same data as bench/run.mjs: probabilities in [0.001, 1).
const next = rng(N);
const P = Float64Array.from({ length: N }, () => next() * 0.999 + 0.001);
const Q = Float64Array.from({ length: N }, () => next() * 0.999 + 0.001);

const KINDS = ['entropy', 'crossEntropy', 'klDivergence', 'jsDivergence'];
const cases = {}; // name → { old: fn, new: fn }
for (const [name, m] of Object.entries(mods)) {
  for (const dtype of ['f32', 'f64']) {
    const bytes = dtype === 'f32' ? 4 : 8;
    const p = m.alloc(N * bytes) >>> 0,
      q = m.alloc(N * bytes) >>> 0,
      out = m.alloc(ROWS * 8) >>> 0;
    const View = dtype === 'f32' ? Float32Array : Float64Array;
    new View(m.memory.buffer, p, N).set(P);
    new View(m.memory.buffer, q, N).set(Q);
    const f = m[dtype === 'f32' ? 'rowTermsF32' : 'rowTermsF64'];
    KINDS.forEach((k, kind) => {
      if (process.env.ONLY && !`${k} ${dtype}`.includes(process.env.ONLY)) return;
      const key = `${k} ${dtype}`;
      cases[key] ??= {};
      cases[key][name] = () => f(kind, p, q, ROWS, CLASSES, 0, 0, out);
    });
  }
}

const samples = {}; // `${case} ${impl}` → ns/element per round
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: 0, iterations: 5, warmupTime: 0, warmupIterations: 1 });
  const order = round % 2 ? ['new', 'old'] : ['old', 'new'];
  for (const [c, impls] of Object.entries(cases)) for (const impl of order) bench.add(`${c} ${impl}`, impls[impl]);
  await bench.run();
  for (const t of bench.tasks) {
    samples[t.name] ??= [];
    samples[t.name].push((t.result.latency.p50 * 1e6) / N);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};
console.log(`old = ${rev.slice(0, 10)}, new = working tree (dist/xentropy.wasm); ${ROUNDS} rounds; ns/element at 10^6, median`);
console.log('| kernel | old | new | speed-up |\n| --- | ---: | ---: | ---: |');
for (const c of Object.keys(cases)) {
  const o = median(samples[`${c} old`]),
    n = median(samples[`${c} new`]);
  console.log(`| ${c} | ${o.toFixed(2)} | ${n.toFixed(2)} | ${(o / n).toFixed(2)}× |`);
}

// ---- the public API at 10^6 elements (copy included), against the hand-written loop and TF.js,
// as bench/run.mjs measures them (same data, same loops), in alternating rounds; medians.
if (!args.includes('--no-api')) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  const x = await import('xentropy');
  const hand = {
    entropy: (p) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) s -= p[i] * Math.log(p[i]);
      return s;
    },
    crossEntropy: (p, q) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) s -= p[i] * Math.log(q[i]);
      return s;
    },
    klDivergence: (p, q) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) s += p[i] * Math.log(p[i] / q[i]);
      return s;
    },
    jsDivergence: (p, q) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const m = 0.5 * (p[i] + q[i]);
        s += 0.5 * (p[i] * Math.log(p[i] / m) + q[i] * Math.log(q[i] / m));
      }
      return s;
    },
  };
  const tfjs = {
    entropy: (p) =>
      tf.tidy(() => {
        const t = tf.tensor1d(p);
        return tf.neg(tf.sum(tf.mul(t, tf.log(t)))).dataSync();
      }),
    crossEntropy: (p, q) => tf.tidy(() => tf.neg(tf.sum(tf.mul(tf.tensor1d(p), tf.log(tf.tensor1d(q))))).dataSync()),
    klDivergence: (p, q) =>
      tf.tidy(() => {
        const t = tf.tensor1d(p);
        return tf.sum(tf.mul(t, tf.log(tf.div(t, tf.tensor1d(q))))).dataSync();
      }),
  };
  const apiCases = [];
  for (const dtype of ['f32', 'f64']) {
    const Type = dtype === 'f32' ? Float32Array : Float64Array;
    const p = Type.from(P),
      q = Type.from(Q);
    for (const fn of KINDS) {
      if (dtype === 'f64' && fn !== 'crossEntropy') continue;
      apiCases.push([`${fn} ${dtype} xentropy`, () => x[fn](p, q === null ? undefined : fn === 'entropy' ? undefined : q)]);
      apiCases.push([`${fn} ${dtype} hand`, () => hand[fn](p, q)]);
      if (dtype === 'f32' && tfjs[fn]) apiCases.push([`${fn} ${dtype} tfjs`, () => tfjs[fn](p, q)]);
    }
  }
  const api = {};
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1 });
    for (const [name, f] of round % 2 ? [...apiCases].reverse() : apiCases) bench.add(name, f);
    await bench.run();
    for (const t of bench.tasks) {
      api[t.name] ??= [];
      api[t.name].push((t.result.latency.p50 * 1e6) / N);
    }
  }
  console.log(`\nPublic API, 10^6 elements (copy included), ns/element (median of ${ROUNDS} rounds), and ratios`);
  console.log('| function | xentropy | hand loop | TF.js | × hand | × TF.js |\n| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const dtype of ['f32', 'f64']) {
    for (const fn of KINDS) {
      const m = (impl) => api[`${fn} ${dtype} ${impl}`] && median(api[`${fn} ${dtype} ${impl}`]);
      if (!m('xentropy')) continue;
      const t = m('tfjs');
      console.log(
        `| ${fn} ${dtype} | ${m('xentropy').toFixed(2)} | ${m('hand').toFixed(2)} | ${t ? t.toFixed(2) : '—'} | ${(m('hand') / m('xentropy')).toFixed(2)} | ${t ? (t / m('xentropy')).toFixed(2) : '—'} |`,
      );
    }
  }
}
