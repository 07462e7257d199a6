// Language-model evaluation benchmark (tinybench): token log-probabilities of [512 × 50257] f32
// logits (GPT-2's vocabulary), against softmax cross entropy on the same logits (one log-sum-exp
// pass each), with ranks, from float16 logits, and against what a transformers.js user writes
// today (a log-softmax row in plain JS, then the pick) and TF.js on its WASM backend
// (tf.logSoftmax, then tf.gather of the targets). Ratios are measured in the same run, with the
// cases interleaved round by round; the report is bench/lm.md.
//
//   npm run bench:lm                  full run (512 rows); writes bench/lm.md
//   npm run bench:lm -- --quick       8 rows, one round, nothing written (CI)
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { Bench } from 'tinybench';
import '@tensorflow/tfjs-backend-wasm';
import * as x from 'xentropy';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 8 : 512;
const V = 50257;
const ROUNDS = quick ? 1 : 5;
const opts = quick ? { time: 0, iterations: 1, warmup: false } : { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1 };

await tf.setBackend('wasm');
await tf.ready();
if (x.backend !== 'wasm') throw new Error('xentropy did not load its WASM kernels');

// Logits like a model's: most near 0, a few large; float16 bits of the same values (rounded to float16).
let seed = 42;
const rand = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const n = ROWS * V;
const logits = new Float32Array(n);
for (let i = 0; i < n; i++) logits[i] = (rand() - 0.5) * 6 + (rand() < 0.001 ? 12 : 0);
const targets = Int32Array.from({ length: ROWS }, () => Math.floor(rand() * V));
/** float16 bits of an f32 (round to nearest even; the values here are normal and in range). */
function toHalf(v) {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const e = ((u >>> 23) & 0xff) - 127 + 15;
  if (e <= 0) return sign; // (not reached: no value here is below 2^-14 in magnitude… except near 0, flushed)
  const m = u & 0x7fffff;
  let h = (e << 10) | (m >>> 13);
  const rest = m & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return sign | h;
}
const bits = Uint16Array.from(logits, toHalf);
const half = x.float16(bits);
const lp = new Float64Array(ROWS);
const ranks = new Int32Array(ROWS);

// The hand-written log-softmax a transformers.js user writes (max, Σ exp, log), then the pick.
function hand() {
  const out = new Float64Array(ROWS);
  for (let r = 0; r < ROWS; r++) {
    const o = r * V;
    let m = -Infinity;
    for (let j = 0; j < V; j++) if (logits[o + j] > m) m = logits[o + j];
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp(logits[o + j] - m);
    const lse = m + Math.log(s);
    const row = new Float32Array(V); // its log_softmax row
    for (let j = 0; j < V; j++) row[j] = logits[o + j] - lse;
    out[r] = row[targets[r]];
  }
  return out;
}
const flatTargets = Int32Array.from(targets, (t, r) => r * V + t);
function tfjs() {
  const t = tf.tidy(() => {
    const ls = tf.logSoftmax(tf.tensor2d(logits, [ROWS, V]));
    const flat = tf.reshape(ls, [ROWS * V]);
    return tf.gather(flat, tf.tensor1d(flatTargets, 'int32'));
  });
  const v = t.dataSync();
  t.dispose();
  return v;
}

const cases = [
  ['softmaxCrossEntropy (sum)', () => x.softmaxCrossEntropy(logits, targets, { classes: V, reduction: 'sum' })],
  ['tokenLogProbs', () => x.tokenLogProbs(logits, targets, { classes: V, out: lp })],
  ['tokenLogProbs + ranks', () => x.tokenLogProbs(logits, targets, { classes: V, out: lp, ranks })],
  ['tokenLogProbs, float16 logits', () => x.tokenLogProbs(half, targets, { classes: V, out: lp })],
  ['perplexity', () => x.perplexity(logits, targets, { classes: V })],
  ['hand-written log-softmax + pick', hand],
  ['TF.js wasm logSoftmax + gather', tfjs],
];

// Every case computes the same log-probabilities (float16: of the rounded logits, so only close).
const want = x.tokenLogProbs(logits, targets, { classes: V });
for (const [name, got, tol] of [
  ['hand', hand(), 1e-4],
  ['TF.js', tfjs(), 1e-3],
  ['float16', x.tokenLogProbs(half, targets, { classes: V }), 0.05],
]) {
  for (let r = 0; r < ROWS; r++)
    if (!(Math.abs(got[r] - want[r]) <= tol * (1 + Math.abs(want[r])))) throw new Error(`${name} row ${r}: ${got[r]} vs ${want[r]}`);
}
if (Math.abs(x.softmaxCrossEntropy(logits, targets, { classes: V, reduction: 'sum' }) + want.reduce((a, b) => a + b, 0)) > 1e-6 * ROWS * 20)
  throw new Error('softmaxCrossEntropy and tokenLogProbs disagree');

const samples = Object.fromEntries(cases.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench(opts);
  // interleaved: the order rotates each round
  for (let i = 0; i < cases.length; i++) {
    const [name, f] = cases[(i + round) % cases.length];
    bench.add(name, f);
  }
  await bench.run();
  for (const t of bench.tasks) samples[t.name].push(t.result.latency.mean);
}
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const base = ms['softmaxCrossEntropy (sum)'];
const nsPer = (t) => ((t * 1e6) / n).toFixed(3);
const lines = [
  '# Language-model evaluation benchmark',
  '',
  `Generated by \`npm run bench:lm\` (bench/lm.mjs, tinybench) on ${new Date().toISOString().slice(0, 10)}: ${cpus()[0].model.trim()}, ${cpus().length} cores; Node ${process.versions.node}.`,
  `Logits: ${ROWS} × ${V} f32 (GPT-2's vocabulary), one class-index target per row; medians of ${ROUNDS} interleaved rounds.`,
  'TF.js: @tensorflow/tfjs-backend-wasm (SIMD, one thread), `tf.logSoftmax` then `tf.gather`, tensors made and read inside the timing.',
  '',
  '| case | ms per call | ns per logit | ÷ softmaxCrossEntropy | xentropy × faster |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...cases.map(([name]) => {
    const t = ms[name];
    const ours = name.startsWith('hand') || name.startsWith('TF.js') ? ms.tokenLogProbs : null;
    return `| ${name} | ${t.toFixed(2)} | ${nsPer(t)} | ${(t / base).toFixed(2)} | ${ours ? (t / ours).toFixed(1) : ''} |`;
  }),
  '',
  'Goals (issue "Language-model evaluation"): tokenLogProbs within 1.2× of softmaxCrossEntropy on the same logits, with `ranks` within 1.6×; float16 input no slower than f32 per element.',
  '',
  `| goal | measured | target | met |`,
  '| --- | ---: | ---: | :---: |',
  `| tokenLogProbs ÷ softmaxCrossEntropy | ${(ms.tokenLogProbs / base).toFixed(2)} | ≤ 1.2 | ${ms.tokenLogProbs / base <= 1.2 ? 'yes' : '**no**'} |`,
  `| tokenLogProbs + ranks ÷ softmaxCrossEntropy | ${(ms['tokenLogProbs + ranks'] / base).toFixed(2)} | ≤ 1.6 | ${ms['tokenLogProbs + ranks'] / base <= 1.6 ? 'yes' : '**no**'} |`,
  `| tokenLogProbs: float16 ÷ f32 | ${(ms['tokenLogProbs, float16 logits'] / ms.tokenLogProbs).toFixed(2)} | ≤ 1 | ${ms['tokenLogProbs, float16 logits'] <= ms.tokenLogProbs ? 'yes' : '**no**'} |`,
  '',
];
console.log(lines.join('\n'));
if (!quick) writeFileSync(new URL('./lm.md', import.meta.url), lines.join('\n'));
