// ONNX Runtime as a peer (issue #18): xentropy's logSoftmax, softmax, logSumExp,
// softmaxCrossEntropy, nllLoss and tokenLogProbs against ONNX Runtime's own operators (LogSoftmax,
// Softmax, ReduceLogSumExp, SoftmaxCrossEntropyLoss, NegativeLogLikelihoodLoss, LogSoftmax +
// GatherElements; models from bench/ort/gen_models.py) on f32 logits at language-model sizes:
//
//   - xentropy, the WASM entry, with a fresh output and with `out` reused (where it takes `out`);
//     the pure-TS entry `xentropy/js` once, as context;
//   - ORT-web (onnxruntime-web, wasm backend, SIMD) with 1 thread in this process, and with 2
//     threads in a worker_thread of its own (bench/ort/web-worker.mjs: env.wasm.numThreads is fixed
//     at the first session);
//   - ORT-node (onnxruntime-node, CPU execution provider) with intraOpNumThreads 1 and 2;
//   - ORT with fresh outputs (session.run on a new ort.Tensor over the same Float32Array, then
//     `.data`: how transformers.js calls it) and with pre-allocated outputs (fetches).
//
// First a correctness check (every result against an f64 reference computed here), then the
// timing (tinybench; the cases interleaved, their order rotated each round; medians of the
// rounds), with the page faults and GC of each case's calls. Ratios are peer ÷ xentropy in the same run.
//
//   npm run bench:ort                 installs bench/ort's packages if needed; full run, writes bench/ort.md
//   npm run bench:ort -- --quick      tiny sizes, one round, nothing written (smoke)
//   npm run bench:ort -- --hugetlb    the same run in a child process with
//                                     GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (README: how to avoid the
//                                     page faults of fresh outputs; every library in the process gets
//                                     it), writes bench/ort-hugetlb.md
//   node bench/ort/run.mjs [--quick]  the same without the build and install steps
// A focused run (nothing written unless --write FILE, a path relative to bench/):
//   --only tokenLogProbs,logSumExp    these functions only
//   --sizes 512x50257                 these sizes only
//   --rounds 21                       rounds instead of 7
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { Bench } from 'tinybench';
// `xentropy` and `xentropy/js`, as the root package's exports map resolves them: bench/ort is a
// package of its own (for ONNX Runtime), so the package cannot import itself by name from here.
import * as x from '../../dist/index.js';
import * as xj from '../../dist/js.js';
import { FUNCTIONS as ALL_FUNCTIONS, ARRAY_OUTPUT, loadSessions, ortCases } from './ort-cases.mjs';

const started = performance.now();
const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv[i + 1];
};
const HUGETLB = 'glibc.malloc.hugetlb=1';
if (argv.includes('--hugetlb') && !(process.env.GLIBC_TUNABLES ?? '').includes(HUGETLB)) {
  // glibc reads its tunables at process start: the run goes to a child process that has it.
  const tunables = [process.env.GLIBC_TUNABLES, HUGETLB].filter(Boolean).join(':');
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, GLIBC_TUNABLES: tunables },
  });
  process.exit(child.status ?? 1);
}
const hugetlb = (process.env.GLIBC_TUNABLES ?? '').includes(HUGETLB);
const quick = argv.includes('--quick');
const ALL_SIZES = quick
  ? [
      [4, 1000],
      [3, 4099],
    ]
  : [
      [64, 16384],
      [512, 50257],
      [32, 128256],
    ];
const onlySizes = flag('--sizes')?.split(',');
const SIZES = onlySizes ? ALL_SIZES.filter(([N, V]) => onlySizes.includes(`${N}x${V}`)) : ALL_SIZES;
if (onlySizes && SIZES.length !== onlySizes.length) throw new Error(`--sizes: one of ${ALL_SIZES.map(([N, V]) => `${N}x${V}`)}`);
// (--quick: its own sizes, so that the goal tables are exercised too)
const GOAL_SIZES = quick ? ['4×1000', '3×4099'] : ['512×50257', '32×128256'];
const ROUNDS = flag('--rounds') ? Number(flag('--rounds')) : quick ? 1 : 7;
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) throw new Error('--rounds: a positive integer');
const only = flag('--only')?.split(',');
const FUNCTIONS = only ? ALL_FUNCTIONS.filter((f) => only.includes(f)) : ALL_FUNCTIONS;
if (only && FUNCTIONS.length !== only.length) throw new Error(`--only: some of ${ALL_FUNCTIONS.join(', ')}`);
// A focused run writes nothing unless asked (--write FILE, relative to bench/); a full one writes
// bench/ort.md, or bench/ort-hugetlb.md with the tunable.
const focused = argv.includes('--only') || argv.includes('--sizes') || argv.includes('--rounds');
const OUT = flag('--write') ?? (quick || focused ? undefined : hugetlb ? 'ort-hugetlb.md' : 'ort.md');
// Calls per case and round: 3 at 512 × 50257 (about 25.7 M logits), more on the smaller sizes so
// that each size's rounds take about as long (a call there is a few ms: one call is noise).
const BIG = 512 * 50257;
const optsFor = (n) =>
  quick
    ? { time: 0, iterations: 1, warmup: false }
    : { time: 0, iterations: Math.min(30, Math.ceil((3 * BIG) / n)), warmupTime: 0, warmupIterations: 1 };
// nllLoss reads one value per row (tens of µs a call): many calls a round, after a warm-up long
// enough for the JIT, for every implementation alike (3 calls timed the unoptimised first calls).
const NLL_OPTS = quick ? { time: 0, iterations: 1, warmup: false } : { time: 0, iterations: 200, warmupTime: 0, warmupIterations: 50 };
// xentropy/js is context only (and 10× slower on long rows): a third of the calls.
const jsOptsFor = (n) => (quick ? optsFor(n) : { ...optsFor(n), iterations: Math.ceil(optsFor(n).iterations / 3) });
// A result off by more than this (|error| / max(|reference|, 1), against the f64 reference) is a
// wrong model or a wrong call, not rounding: f32 results of these functions are within ~1e-4 relative (ORT's softmax at
// V = 128256 was measured at 3e-5 in the issue; ours at 6e-8).
const TOLERANCE = 1e-3;
const loadBefore = loadavg();
const load = [];

if (x.backend !== 'wasm') throw new Error('xentropy did not load its WASM kernels');

// ---- ONNX Runtime -------------------------------------------------------------------------------
ortWeb.env.wasm.numThreads = 1; // before the first session: fixed from then on
const web1 = await loadSessions(ortWeb, { executionProviders: ['wasm'] });
const node1 = await loadSessions(ortNode, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
const node2 = await loadSessions(ortNode, { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1 });
const worker = new Worker(new URL('./web-worker.mjs', import.meta.url), { workerData: { threads: 2 } });
const pending = new Map();
let nextId = 0;
const workerReady = new Promise((resolve, reject) => {
  worker.on('error', reject);
  worker.on('message', (m) => {
    if (m.ready) return resolve(m);
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p.reject(new Error(`web-worker: ${m.error}`));
    else p.resolve(m);
  });
});
const ask = (m, transfer = []) =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, ...m }, transfer);
  });
const workerInfo = await workerReady;
if (workerInfo.versions.web !== ortWeb.env.versions.web) throw new Error('the worker loaded another onnxruntime-web');
let workerThreads = 0;

// ---- GC: every collection of this thread, attributed afterwards to the case that was running ---
const gcs = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.duration]);
}).observe({ entryTypes: ['gc'] });

// ---- data ---------------------------------------------------------------------------------------
// Logits like a model's (as bench/lm.mjs): most within ±3, one in a thousand 12 higher.
function makeData(N, V) {
  let seed = 42 + N + V;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const logits = new Float32Array(N * V);
  for (let i = 0; i < logits.length; i++) logits[i] = (rand() - 0.5) * 6 + (rand() < 0.001 ? 12 : 0);
  const targets = Int32Array.from({ length: N }, () => Math.floor(rand() * V));
  const labels = BigInt64Array.from(targets, (t) => BigInt(t));
  // nllLoss's input, for us and for ORT alike: our f32 log-softmax of the logits
  const logProbs = x.logSoftmax(logits, { classes: V });
  return { N, V, logits, logProbs, targets, labels };
}

// ---- the f64 reference ----------------------------------------------------------------------------
/** log Σ exp per row in f64: max shift, then a compensated (Neumaier) sum of the exponentials. */
function referenceLse(d) {
  const { N, V, logits } = d;
  const lse = new Float64Array(N);
  for (let r = 0; r < N; r++) {
    const o = r * V;
    let m = -Infinity;
    for (let j = 0; j < V; j++) if (logits[o + j] > m) m = logits[o + j];
    let s = 0;
    let c = 0;
    for (let j = 0; j < V; j++) {
      const t = Math.exp(logits[o + j] - m);
      const y = s + t;
      c += s >= t ? s - y + t : t - y + s;
      s = y;
    }
    lse[r] = m + Math.log(s + c);
  }
  return lse;
}
/**
 * Max relative error of a result against the reference of function f (`e`, reported), and the max
 * of |error| / max(|reference|, 1) (`a`, checked): a log-probability near 0 (a confident row) is
 * ill-conditioned in relative terms (an absolute error of 1e-7 in its row's log-sum-exp can be a
 * large relative one), so the check is relative for large values and absolute below 1.
 */
function maxError(f, got, d, lse) {
  const { N, V, logits, logProbs, targets } = d;
  let e = 0;
  let a = 0;
  const rel = (g, want) => {
    const abs = Math.abs(g - want);
    const er = abs / (want === 0 ? 1 : Math.abs(want));
    const ea = abs / Math.max(1, Math.abs(want));
    if (!(ea <= a)) a = Number.isNaN(ea) ? Infinity : ea;
    return Number.isNaN(er) ? Infinity : er;
  };
  if (f === 'logSoftmax' || f === 'softmax') {
    if (got.length !== N * V) return { e: Infinity, a: Infinity };
    for (let r = 0; r < N; r++) {
      const o = r * V;
      for (let j = 0; j < V; j++) {
        const want = f === 'softmax' ? Math.exp(logits[o + j] - lse[r]) : logits[o + j] - lse[r];
        const err = rel(got[o + j], want);
        if (!(err <= e)) e = err;
      }
    }
  } else if (f === 'logSumExp' || f === 'tokenLogProbs') {
    if (got.length !== N) return { e: Infinity, a: Infinity };
    for (let r = 0; r < N; r++) {
      const want = f === 'logSumExp' ? lse[r] : logits[r * V + targets[r]] - lse[r];
      const err = rel(got[r], want);
      if (!(err <= e)) e = err;
    }
  } else {
    let s = 0;
    for (let r = 0; r < N; r++) s += f === 'nllLoss' ? -logProbs[r * V + targets[r]] : lse[r] - logits[r * V + targets[r]];
    if (typeof got !== 'number') return { e: Infinity, a: Infinity };
    e = rel(got, s / N);
  }
  return { e, a };
}

// ---- the cases ------------------------------------------------------------------------------------
// The floor of any fresh output: a new Float32Array of N × V, every page touched (fill), no arithmetic.
const FLOOR = 'new Float32Array(N·V).fill';
const IMPLS = [
  FLOOR,
  'xentropy',
  'xentropy out',
  'xentropy/js',
  'ORT-web 1t',
  'ORT-web 1t prealloc',
  'ORT-web 2t',
  'ORT-web 2t prealloc',
  'ORT-node 1t',
  'ORT-node 1t prealloc',
  'ORT-node 2t',
  'ORT-node 2t prealloc',
];
function makeCases(d) {
  const { N, V, logits, logProbs, targets } = d;
  const c = { classes: V };
  const ours = (api) => ({
    logSoftmax: () => api.logSoftmax(logits, c),
    softmax: () => api.softmax(logits, c),
    logSumExp: () => api.logSumExp(logits, c),
    softmaxCrossEntropy: () => api.softmaxCrossEntropy(logits, targets, c),
    nllLoss: () => api.nllLoss(logProbs, targets, c),
    tokenLogProbs: () => api.tokenLogProbs(logits, targets, c),
  });
  const scratch = new Float32Array(N * V);
  const lp = new Float64Array(N);
  const out = {
    logSoftmax: () => x.logSoftmax(logits, { classes: V, out: scratch }),
    softmax: () => x.softmax(logits, { classes: V, out: scratch }),
    tokenLogProbs: () => x.tokenLogProbs(logits, targets, { classes: V, out: lp }),
  };
  out.logSoftmax.buffer = out.softmax.buffer = scratch;
  out.tokenLogProbs.buffer = lp;
  const w1 = ortCases(ortWeb, web1, d);
  const n1 = ortCases(ortNode, node1, d);
  const n2 = ortCases(ortNode, node2, d);
  const remote = (kind) =>
    Object.fromEntries(FUNCTIONS.filter((f) => kind === 'fresh' || f in ARRAY_OUTPUT).map((f) => [f, { remote: `${kind}:${f}` }]));
  const table = {
    [FLOOR]: { logSoftmax: () => new Float32Array(N * V).fill(1) },
    xentropy: ours(x),
    'xentropy out': out,
    'xentropy/js': ours(xj),
    'ORT-web 1t': w1.fresh,
    'ORT-web 1t prealloc': w1.prealloc,
    'ORT-web 2t': remote('fresh'),
    'ORT-web 2t prealloc': remote('prealloc'),
    'ORT-node 1t': n1.fresh,
    'ORT-node 1t prealloc': n1.prealloc,
    'ORT-node 2t': n2.fresh,
    'ORT-node 2t prealloc': n2.prealloc,
  };
  const cases = [];
  for (const f of FUNCTIONS)
    for (const impl of IMPLS) {
      const fn = table[impl][f];
      if (fn)
        cases.push({
          name: `${impl} · ${f}`,
          impl,
          f,
          fn,
          opts: f === 'nllLoss' ? NLL_OPTS : impl === 'xentropy/js' ? jsOptsFor(N * V) : optsFor(N * V),
        });
    }
  return cases;
}
const isPrealloc = (impl) => impl.endsWith('prealloc');

/** Runs a case once and returns its result (copied out of the worker for a remote case). */
async function runOnce(c, fill) {
  if (c.fn.remote) return (await ask({ type: 'run', name: c.fn.remote, fill })).value;
  if (fill !== undefined && c.fn.buffer) c.fn.buffer.fill(fill);
  return await c.fn();
}
/**
 * tinybench's mean latency (ms) of one case; its calls (warm-up included) and the minor page faults
 * they took (process-wide: nothing else of ours runs meanwhile). The time window goes to `windows`,
 * for the GC count (the observer delivers gc entries some time after the collection: they are
 * attributed to windows at the end of each size, see gcByCase).
 */
const windows = [];
async function timeCase(c) {
  if (c.fn.remote) return await ask({ type: 'time', name: c.fn.remote, opts: c.opts });
  let calls = 0;
  const bench = new Bench(c.opts);
  bench.add(c.name, async () => {
    calls++;
    await c.fn();
  });
  const f0 = process.resourceUsage().minorPageFault;
  const t0 = performance.now();
  await bench.run();
  const t1 = performance.now();
  const faults = process.resourceUsage().minorPageFault - f0;
  windows.push([c.name, t0, t1]);
  const r = bench.tasks[0].result;
  if (r.error) throw r.error;
  return { mean: r.latency.mean, calls, faults };
}
/** GC count and duration (ms) per case over the recorded windows, after the observer has caught up. */
async function gcByCase() {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const by = {};
  for (const [name, t0, t1] of windows.splice(0)) {
    by[name] ??= { gc: 0, gcMs: 0 };
    for (const [t, dur] of gcs)
      if (t >= t0 && t <= t1) {
        by[name].gc++;
        by[name].gcMs += dur;
      }
  }
  return by;
}

// ---- run ------------------------------------------------------------------------------------------
const results = {}; // size → { ms, errors, gc (GC, calls and page faults), notTimed }
const prealloc = { view: 0, copy: 0 }; // ORT-node's results with a pre-allocated output: views of it, or copies
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
for (const [N, V] of SIZES) {
  const size = `${N}×${V}`;
  console.log(`\n${size}: data, reference…`);
  let d = makeData(N, V);
  const lse = referenceLse(d);
  workerThreads = (await ask({ type: 'size', data: { N, V, logits: d.logits, logProbs: d.logProbs, labels: d.labels } })).threads;
  let cases = makeCases(d);

  // Correctness: every case once, against the reference. Pre-allocated outputs are filled with NaN
  // first, so an output the call does not write is caught (ORT-web's, see the notes).
  const errors = {};
  const notTimed = {};
  for (const c of cases) {
    if (c.impl === FLOOR) continue;
    const got = await runOnce(c, NaN);
    const { e, a } = maxError(c.f, got, d, lse);
    // Does the returned .data share the pre-allocated array's memory (or is it a copy)?
    if (c.impl.startsWith('ORT-node') && isPrealloc(c.impl)) prealloc[got.buffer === c.fn.buffer.buffer ? 'view' : 'copy']++;
    errors[c.name] = e;
    console.log(`  check ${c.name}: max relative error ${e.toExponential(2)} (scaled ${a.toExponential(2)})`);
    if (!(a <= TOLERANCE)) {
      if (c.impl.startsWith('ORT-web') && isPrealloc(c.impl) && a === Infinity) notTimed[c.name] = 'output not filled';
      else
        throw new Error(
          `${c.name} at ${size}: error ${a} (|error| / max(|reference|, 1)) against the f64 reference, more than ${TOLERANCE}`,
        );
    }
  }
  cases = cases.filter((c) => !notTimed[c.name]);

  // Timing: interleaved rounds, the order rotated each round; medians.
  const samples = Object.fromEntries(cases.map((c) => [c.name, []]));
  const gc = Object.fromEntries(cases.map((c) => [c.name, { gc: 0, gcMs: 0, calls: 0, faults: 0 }]));
  for (let round = 0; round < ROUNDS; round++) {
    load.push(loadavg()[0]);
    const t = performance.now();
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round * 7) % cases.length];
      const r = await timeCase(c);
      samples[c.name].push(r.mean);
      gc[c.name].calls += r.calls;
      gc[c.name].faults += r.faults;
    }
    console.log(`  round ${round + 1}/${ROUNDS}: ${((performance.now() - t) / 1000).toFixed(0)} s, load ${loadavg()[0].toFixed(2)}`);
  }
  const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));

  // GC: this thread's and the worker's collections during each case's calls.
  for (const [name, g] of [...Object.entries(await gcByCase()), ...Object.entries((await ask({ type: 'gc' })).by)]) {
    const key = name.includes(' · ') ? name : `ORT-web 2t${name.startsWith('prealloc') ? ' prealloc' : ''} · ${name.split(':')[1]}`;
    gc[key].gc += g.gc;
    gc[key].gcMs += g.gcMs;
  }
  results[size] = { N, V, ms, errors, gc, notTimed };
  cases = null;
  d = null;
}
const loadAfter = loadavg();
await ask({ type: 'close' });
await worker.terminate();
for (const s of [web1, node1, node2]) for (const session of Object.values(s)) await session.release();
const minutes = (performance.now() - started) / 60000;
const maxRss = process.resourceUsage().maxRSS / 1024; // MiB (the worker's included: one process)

// ---- report ---------------------------------------------------------------------------------------
const fmt = (v, digits = 2) => (v === undefined ? '' : v.toFixed(digits));
/** ns per logit: three significant digits (nllLoss reads one logit per row: its figures are small). */
const fns = (v) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
const baseline = (impl) => (isPrealloc(impl) ? 'xentropy out' : 'xentropy');
const lines = [
  `# ONNX Runtime as a peer (issue #18)${hugetlb ? ', with transparent huge pages for large allocations' : ''}`,
  '',
  `Generated by \`npm run bench:ort${hugetlb ? ' -- --hugetlb' : ''}\` (bench/ort/run.mjs, tinybench) on ${new Date().toISOString().slice(0, 10)} in ${minutes.toFixed(1)} min: ${cpus()[0].model.trim()}, ${cpus().length} cores; Node ${process.versions.node}; onnxruntime-web ${ortWeb.env.versions.web}, onnxruntime-node ${ortNode.env.versions.node} (bench/ort/package.json). Peak resident memory ${maxRss.toFixed(0)} MiB.`,
  hugetlb
    ? `Allocator: \`GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES}\` (glibc ≥ 2.35 asks for transparent huge pages for the large blocks it maps, so a fresh 100 MB array faults in 2 MB pages instead of 4 KiB ones: README, Performance). It is process-wide: ORT's arrays and ORT-node's own buffers get it too. bench/ort.md is the same run with the default allocator.`
    : 'Allocator: the default (bench/ort-hugetlb.md: the same run with transparent huge pages for large allocations, as README advises for fresh outputs this large).',
  `1-minute load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after, ${Math.min(...load).toFixed(2)}–${Math.max(...load).toFixed(2)} at the start of the rounds${Math.max(...load) > 1.5 ? ' (a loaded machine: absolute times are noisy, ratios within one run less so)' : ''}.`,
  `f32 logits, one int target per row; medians of ${ROUNDS} interleaved rounds (the case order rotated each round), each round the mean of ${SIZES.map(([N, V]) => `${optsFor(N * V).iterations} (${N}×${V})`).join(', ')} calls after ${optsFor(BIG).warmupIterations ?? 0} warm-up (xentropy/js: a third as many; nllLoss, which reads one value a row: ${NLL_OPTS.iterations} calls after ${NLL_OPTS.warmupIterations} warm-up).`,
  '',
  'Cases:',
  '',
  '- **xentropy**: the WASM entry, a fresh output; **xentropy out**: the same with `out` reused (logSoftmax, softmax: an f32 array of the input size; tokenLogProbs: a Float64Array per row). **xentropy/js**: the pure-TS entry (context).',
  `- **ORT-web 1t**: onnxruntime-web, wasm backend (SIMD: 1.30 ships SIMD builds only), \`env.wasm.numThreads = ${ortWeb.env.wasm.numThreads}\`, in the main process; **ORT-web 2t**: \`numThreads = ${workerThreads}\` (as read back in the worker), in a worker_thread of its own, asked case by case in the same rotation (the main process waits meanwhile). Models: bench/ort/models/*.onnx from bench/ort/gen_models.py.`,
  '- **ORT-node 1t / 2t**: onnxruntime-node, CPU execution provider, `intraOpNumThreads` 1 / 2 (two sessions per model).',
  '- ORT calls as transformers.js makes them: `session.run({ input: new ort.Tensor("float32", logits, [N, V]), … })`, then `.data` of the output. **prealloc**: the output passed as a pre-allocated tensor in `fetches` (array outputs only), made once per size.',
  `- **${FLOOR}**: not a peer: the allocation and first touch of a fresh f32 output of the input's size (no arithmetic), the floor under any call that returns a new array of N × V.`,
  '- nllLoss takes log-probabilities: both sides get the same f32 array (xentropy.logSoftmax of the logits). tokenLogProbs on ORT: LogSoftmax then GatherElements (indices [N, 1]).',
  '- Cells: ns per logit (element of the [N, V] input), and in parentheses peer ÷ xentropy (> 1: xentropy faster), against xentropy with a fresh output for fresh-output peers and against xentropy with `out` reused for the prealloc peers (where xentropy takes no `out`, against the fresh call).',
  '',
];
for (const [size, r] of Object.entries(results)) {
  const n = r.N * r.V;
  const ns = (name) => (r.ms[name] === undefined ? undefined : (r.ms[name] * 1e6) / n);
  const impls = IMPLS.filter((impl) => FUNCTIONS.some((f) => r.ms[`${impl} · ${f}`] !== undefined || r.notTimed[`${impl} · ${f}`]));
  lines.push(`## ${size} f32 (${((n * 4) / 1e6).toFixed(0)} MB of logits)`, '');
  lines.push(`| function | ${impls.join(' | ')} |`, `| --- |${impls.map(() => ' ---: |').join('')}`);
  for (const f of FUNCTIONS) {
    const cells = impls.map((impl) => {
      const name = `${impl} · ${f}`;
      if (r.notTimed[name]) return `— (${r.notTimed[name]})`;
      const v = ns(name);
      if (v === undefined) return '';
      if (impl === FLOOR) return fns(v);
      if (impl.startsWith('xentropy'))
        return impl === 'xentropy out' ? `${fns(v)} (fresh ÷ out ${fmt(r.ms[`xentropy · ${f}`] / r.ms[name])})` : fns(v);
      const base = r.ms[`${baseline(impl)} · ${f}`] ?? r.ms[`xentropy · ${f}`];
      return `${fns(v)} (${fmt(r.ms[name] / base)})`;
    });
    lines.push(`| ${f} | ${cells.join(' | ')} |`);
  }
  lines.push('', `Max relative error against the f64 reference (${size}):`, '');
  lines.push(`| function | ${impls.join(' | ')} |`, `| --- |${impls.map(() => ' ---: |').join('')}`);
  for (const f of FUNCTIONS)
    lines.push(
      `| ${f} | ${impls
        .map((impl) => {
          const e = r.errors[`${impl} · ${f}`];
          return e === undefined ? '' : e === Infinity ? 'not filled' : e.toExponential(1);
        })
        .join(' | ')} |`,
    );
  lines.push(
    '',
    `Per call: minor page faults; GC count / GC ms (${size}). A fresh ${r.N} × ${r.V} f32 output is ${Math.ceil((r.N * r.V * 4) / 4096)} pages of 4 KiB.`,
    '',
  );
  lines.push(`| function | ${impls.join(' | ')} |`, `| --- |${impls.map(() => ' ---: |').join('')}`);
  for (const f of FUNCTIONS)
    lines.push(
      `| ${f} | ${impls
        .map((impl) => {
          const name = `${impl} · ${f}`;
          const g = r.gc[name];
          if (!g) return '';
          return `${(g.faults / g.calls).toFixed(0)}; ${fmt(g.gc / g.calls)} / ${fmt(g.gcMs / g.calls, 1)}`;
        })
        .join(' | ')} |`,
    );
  lines.push('');
}
const goalRows = [];
const goal = (label, value, target, atLeast) => {
  const met = atLeast ? value >= target : value <= target;
  goalRows.push(`| ${label} | ${fmt(value)} | ${atLeast ? '≥' : '≤'} ${target} | ${met ? 'met' : '**missed**'} |`);
  return met;
};
let met = 0;
let total = 0;
for (const size of GOAL_SIZES) {
  const r = results[size];
  if (!r) continue;
  for (const f of FUNCTIONS) {
    const ours = r.ms[`xentropy · ${f}`];
    for (const [peer, target] of [
      ['ORT-web 1t', 1.5],
      ['ORT-web 2t', 1.0],
      ['ORT-node 1t', 1.0],
    ]) {
      total++;
      met += goal(`${size} ${f}: ${peer} ÷ xentropy`, r.ms[`${peer} · ${f}`] / ours, target, true);
    }
  }
  for (const f of ['softmax', 'logSoftmax'].filter((g) => FUNCTIONS.includes(g))) {
    total++;
    met += goal(`${size} ${f}: fresh output ÷ \`out\` reused`, r.ms[`xentropy · ${f}`] / r.ms[`xentropy out · ${f}`], 1.3, false);
  }
}
if (total) {
  lines.push(
    '## Goals (issue #18: 512 × 50257 and 32 × 128256, f32, the WASM entry)',
    '',
    `${met} of ${total} met. Peer ÷ xentropy with fresh outputs on both sides (what a caller who keeps nothing between calls pays).`,
    '',
    '| goal | measured | target | |',
    '| --- | ---: | ---: | :---: |',
    ...goalRows,
    '',
  );
  // The same goals for the functions that write an output array, with the fastest call each side
  // offers: xentropy with `out` reused, each ORT with a pre-allocated output where it takes one and
  // writes it (the faster of that and its fresh call).
  goalRows.length = 0;
  let bestMet = 0;
  let bestTotal = 0;
  for (const size of GOAL_SIZES) {
    const r = results[size];
    if (!r) continue;
    for (const f of ['logSoftmax', 'softmax', 'tokenLogProbs'].filter((g) => FUNCTIONS.includes(g))) {
      const ours = r.ms[`xentropy out · ${f}`];
      for (const [peer, target] of [
        ['ORT-web 1t', 1.5],
        ['ORT-web 2t', 1.0],
        ['ORT-node 1t', 1.0],
      ]) {
        const theirs = Math.min(...[r.ms[`${peer} · ${f}`], r.ms[`${peer} prealloc · ${f}`]].filter((v) => v !== undefined));
        bestTotal++;
        bestMet += goal(`${size} ${f}: ${peer} (fastest call) ÷ xentropy with \`out\``, theirs / ours, target, true);
      }
    }
  }
  lines.push(
    `With the fastest call each side offers (xentropy: \`out\` reused; ORT: a pre-allocated output where it writes one, or its fresh call): ${bestMet} of ${bestTotal} met.`,
    '',
    '| goal | measured | target | |',
    '| --- | ---: | ---: | :---: |',
    ...goalRows,
    '',
  );
}
lines.push(
  '## Notes',
  '',
  ...Object.entries(results)
    .filter(([, r]) => r.ms[`${FLOOR} · logSoftmax`] !== undefined)
    .map(([size, r]) => {
      const floor = r.ms[`${FLOOR} · logSoftmax`];
      const out = r.ms['xentropy out · logSoftmax'];
      const fresh = r.ms['xentropy · logSoftmax'];
      return `- The price of a fresh output at ${size}: \`new Float32Array(N·V).fill(1)\` alone takes ${fns((floor * 1e6) / (r.N * r.V))} ns per logit, ${fmt(floor / out)}× xentropy's whole logSoftmax with \`out\` reused (${fns((out * 1e6) / (r.N * r.V))}); logSoftmax with a fresh output takes ${fmt(fresh / floor)}× the floor. A call that returns a new array of N × V pays the floor (page faults: see the table), ORT as much as xentropy.`;
    }),
  Object.values(results).some((r) => Object.keys(r.notTimed).length)
    ? "- ORT-web's pre-allocated outputs: onnxruntime-web 1.30 accepts a CPU tensor in `fetches` and returns that same tensor, but never writes it: `run()` (lib/wasm/wasm-core-impl.ts) copies the tensor's data into a buffer on the WASM heap, binds that buffer as the output, and for a pre-allocated output skips the copy back to JS. The check above fills the array with NaN first and finds it untouched, so these cases are not timed (— in the tables). Pre-allocated outputs are useful in ORT-web only for GPU buffers / ML tensors."
    : "- ORT-web's pre-allocated outputs: filled, and timed (— in no table).",
  '- ORT-web copies the whole input into its WASM heap on every `run` (`_malloc` + `HEAPU8.set`), and every output out of it, as xentropy copies its input into WASM memory.',
  "- ORT-web in Node: numThreads 2 starts one extra thread (an Emscripten pthread: a worker_thread) at the first session; ORT-web's default in Node would be min(4, ⌈cores / 2⌉) = 1 here.",
  `- ORT-node's pre-allocated outputs: onnxruntime-node writes the result into the fetch's array, and \`run\` returns a new tensor whose \`.data\` is ${prealloc.view === 0 ? 'a copy of it (another ArrayBuffer, in every case of this run), so a pre-allocated output spares ORT its own output buffer but not the allocation and copy to JS' : prealloc.copy === 0 ? 'a view of it (no copy)' : `a view of it in ${prealloc.view} cases and a copy in ${prealloc.copy}`}.`,
  "- onnxruntime-node rejects a Float32Array over a SharedArrayBuffer (`Invalid argument`), so the 2-thread ORT-web worker gets its own copy of each size's data.",
  "- Page faults: process.resourceUsage().minorPageFault before and after each case's timed calls (warm-up included), divided by the calls: process-wide counts (the main process waits while the worker runs, and the other way round), so they include ORT's and V8's own threads. GC: PerformanceObserver('gc') entries that started within each case's timed calls, per call (the 2-thread ORT-web worker observes its own thread).",
  '',
);
console.log(`\n${lines.join('\n')}`);
console.log(`total ${minutes.toFixed(1)} min`);
if (OUT) writeFileSync(new URL(`../${OUT}`, import.meta.url), lines.join('\n'));
