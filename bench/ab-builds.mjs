// Per-call cost of two builds of the package, side by side in one process (tinybench; the two
// builds interleaved, their order alternated each round; medians of the rounds' mean latencies):
// what a change to the API layer did to calls of every size, the arithmetic included. Each build
// is a `dist/` folder; to build an earlier commit beside this checkout:
//
//   git worktree add /tmp/xe-old <commit> && ln -s "$PWD/node_modules" /tmp/xe-old/node_modules
//   (cd /tmp/xe-old && npm run build)
//   node bench/ab-builds.mjs /tmp/xe-old/dist dist          prints a markdown table (µs per call)
//   node bench/ab-builds.mjs A B --quick                    one round, small sizes (smoke)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const quick = process.argv.includes('--quick');
if (args.length !== 2) throw new Error('usage: node bench/ab-builds.mjs <dist A> <dist B> [--quick]');
const [dirA, dirB] = args;
const load = (d) => import(pathToFileURL(resolve(d, 'index.js')).href);
const [a, b] = [await load(dirA), await load(dirB)];
if (a.backend !== 'wasm' || b.backend !== 'wasm') throw new Error('a build did not load its WASM kernels');

const SIZES = quick
  ? [[4, 10]]
  : [
      [32, 10],
      [64, 100],
      [512, 1000],
    ];
const ROUNDS = quick ? 1 : 9;
const median = (v) => [...v].sort((p, q) => p - q)[v.length >> 1];

const lines = [`| rows × classes | function | A: ${dirA} (µs) | B: ${dirB} (µs) | A ÷ B |`, '| --- | --- | ---: | ---: | ---: |'];
for (const [N, V] of SIZES) {
  let seed = 7;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const logits = Float32Array.from({ length: N * V }, () => rand() * 6 - 3);
  const targets = Int32Array.from({ length: N }, () => Math.floor(rand() * V));
  const logProbs = a.logSoftmax(logits, { classes: V });
  const probs = a.softmax(logits, { classes: V });
  const out = new Float32Array(N * V);
  const c = { classes: V };
  const cases = (m) => ({
    softmaxCrossEntropy: () => m.softmaxCrossEntropy(logits, targets, c),
    nllLoss: () => m.nllLoss(logProbs, targets, c),
    tokenLogProbs: () => m.tokenLogProbs(logits, targets, c),
    perplexity: () => m.perplexity(logits, targets, c),
    logSumExp: () => m.logSumExp(logits, c),
    'logSoftmax (out)': () => m.logSoftmax(logits, { classes: V, out }),
    topLogProbs: () => m.topLogProbs(logits, { classes: V, k: Math.min(3, V) }),
    softmaxEntropy: () => m.softmaxEntropy(logits, c),
    klDiv: () => m.klDiv(logProbs, probs, { classes: V, reduction: 'batchmean' }),
    calibrationError: () => m.calibrationError(logits, targets, { classes: V, fromLogits: true }),
    'crossEntropy (normalize)': () => m.crossEntropy(probs, probs, { classes: V, normalize: true }),
    'entropy (8 elements, options)': () => m.entropy(probs.subarray(0, 8), { reduction: 'sum' }),
  });
  const [ca, cb] = [cases(a), cases(b)];
  // about 30 ms of calls a task and round
  const iterations = quick ? 2 : Math.max(10, Math.min(3000, Math.round(3e6 / (N * V))));
  for (const f of Object.keys(ca)) {
    const ta = [];
    const tb = [];
    for (let round = 0; round < ROUNDS; round++) {
      const bench = new Bench({ time: 0, iterations, warmupIterations: quick ? 1 : iterations, warmupTime: 0 });
      const order = round % 2 ? ['A', 'B'] : ['B', 'A'];
      for (const k of order) bench.add(k, k === 'A' ? ca[f] : cb[f]);
      await bench.run();
      for (const t of bench.tasks) (t.name === 'A' ? ta : tb).push(t.result.latency.mean * 1000);
    }
    const [ma, mb] = [median(ta), median(tb)];
    lines.push(`| ${N} × ${V} | ${f} | ${ma.toFixed(2)} | ${mb.toFixed(2)} | ${(ma / mb).toFixed(2)} |`);
  }
}
console.log(lines.join('\n'));
