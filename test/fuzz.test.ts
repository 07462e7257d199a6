// Differential fuzzing: random calls of every exported function, with random shapes (lengths
// 0–10^4, rows × classes), dtypes (f64, f32, number[], mixed), options (valid and not) and values
// (ordinary, 0, −0, subnormal, tiny, huge, ±∞, NaN, negative), go to the WASM kernels (with no
// crossover, so that every size reaches WASM) and to the pure-TS entry. They must both return
// results that agree (see `agree`), or both throw the same error class with the same message;
// inputs must come back unmodified, and `grad`/`out` buffers must agree too.
//
//   npm test          a seeded quick mode: QUICK_RUNS calls
//   npm run fuzz      FUZZ_RUNS (default 10^5) calls from a random seed, printed for replay
//
// fast-check shrinks a failing call to a small one; the shrunk call is printed, and is to be added
// to test/fixtures/fuzz-regressions.json, which this file replays before fuzzing.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Entry, js, wasmOnly } from './entries.js';
import { loadFixture } from './helpers.js';

const FNS = [
  'entropy',
  'crossEntropy',
  'klDivergence',
  'jsDivergence',
  'binaryCrossEntropy',
  'binaryCrossEntropyWithLogits',
  'softmaxCrossEntropy',
  'nllLoss',
  'klDiv',
  'logSumExp',
  'logSoftmax',
  'softmax',
  'sigmoidFocalLoss',
] as const;
type Fn = (typeof FNS)[number];

/** A call, as plain data (so that a shrunk failure can be saved as JSON and replayed). */
interface Call {
  fn: Fn;
  dtype: 'f64' | 'f32' | 'array' | 'mixed';
  /** the value arrays (element arrays as plain numbers, with 'NaN', 'Infinity', '-Infinity', '-0' spelled out) */
  args: (number | string)[][];
  /** the option object; arrays in it are plain too; grad/out are given as their dtype and length */
  options: Record<string, unknown> | null;
}

const SPECIAL = [0, -0, 5e-324, 1e-310, 1e-300, 1e-30, 1e30, 1e300, Infinity, -Infinity, NaN, -1, -1e-300, 1, 0.5];
const enc = (v: number) =>
  Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v;
const dec = (v: number | string) => (typeof v === 'number' ? v : v === '-0' ? -0 : Number(v));

function arb(): fc.Arbitrary<Call> {
  // Mostly sensible values, with a share of special ones.
  const value = (kind: 'prob' | 'logit' | 'index', classes: number) => {
    const special = fc.constantFrom(...SPECIAL);
    if (kind === 'index')
      return fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: Math.max(0, classes - 1) }), weight: 20 },
        { arbitrary: fc.constantFrom(-100, -1, classes, 0.5, NaN), weight: 1 },
      );
    const normal = kind === 'prob' ? fc.double({ min: 0, max: 1, noNaN: true }) : fc.double({ min: -30, max: 30, noNaN: true });
    return fc.oneof({ arbitrary: normal, weight: 30 }, { arbitrary: special, weight: 1 });
  };
  const shape = fc.oneof(
    { arbitrary: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 9 })), weight: 6 },
    { arbitrary: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 10, max: 300 })), weight: 3 },
    { arbitrary: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1000, max: 5000 })), weight: 1 },
  );
  return fc
    .record({
      fn: fc.constantFrom(...FNS),
      dtype: fc.constantFrom('f64', 'f32', 'array', 'mixed') as fc.Arbitrary<Call['dtype']>,
      shape,
      seed: fc.integer(),
      optSeed: fc.integer({ min: 0, max: 2 ** 30 }),
    })
    .chain(({ fn, dtype, shape: [rows, classes], optSeed }) => {
      const n = rows * classes;
      const arr = (kind: 'prob' | 'logit' | 'index', len: number) => fc.array(value(kind, classes), { minLength: len, maxLength: len });
      let args: fc.Arbitrary<number[][]>;
      if (fn === 'entropy') args = fc.tuple(arr('prob', n));
      else if (['crossEntropy', 'klDivergence', 'jsDivergence'].includes(fn)) args = fc.tuple(arr('prob', n), arr('prob', n));
      else if (fn === 'binaryCrossEntropy') args = fc.tuple(arr('prob', n), arr('prob', n));
      else if (fn === 'binaryCrossEntropyWithLogits' || fn === 'sigmoidFocalLoss') args = fc.tuple(arr('logit', n), arr('prob', n));
      else if (fn === 'softmaxCrossEntropy') args = fc.tuple(arr('logit', n), fc.oneof(arr('index', rows), arr('prob', n)));
      else if (fn === 'nllLoss') args = fc.tuple(arr('logit', n), arr('index', rows));
      else if (fn === 'klDiv') args = fc.tuple(arr('logit', n), arr('prob', n));
      else args = fc.tuple(arr('logit', n));
      // options: mostly valid, sometimes wrong in one way
      const r = (k: number) => ((optSeed >>> k) & 7) / 8;
      const options: Record<string, unknown> = {};
      const needsClasses = ['softmaxCrossEntropy', 'nllLoss'].includes(fn);
      if (needsClasses || r(0) < 0.6) options.classes = r(27) < 0.05 ? classes + 1 : classes;
      const reductions = fn === 'klDiv' ? ['mean', 'sum', 'none', 'batchmean'] : ['mean', 'sum', 'none'];
      if (!['logSumExp', 'logSoftmax', 'softmax'].includes(fn) && r(3) < 0.7)
        options.reduction = r(24) < 0.05 ? 'avg' : reductions[(optSeed >>> 6) % reductions.length];
      if (['entropy', 'crossEntropy', 'klDivergence', 'jsDivergence'].includes(fn)) {
        if (r(9) < 0.4) options.base = [2, 10, 1, 0.5][(optSeed >>> 12) % 4];
        if (r(14) < 0.4) options.normalize = true;
      }
      const weights = (len: number) =>
        fc.array(fc.oneof(fc.double({ min: 0, max: 3, noNaN: true }), fc.constantFrom(0, NaN, -1, Infinity)), {
          minLength: len,
          maxLength: len,
        });
      let extra: fc.Arbitrary<Record<string, unknown>> = fc.constant({});
      if (fn === 'softmaxCrossEntropy') {
        if (r(15) < 0.4) options.labelSmoothing = [0, 0.1, 0.5, 1, 1.5][(optSeed >>> 18) % 5];
        if (r(21) < 0.3) options.ignoreIndex = [-100, 0, 1][(optSeed >>> 2) % 3];
        if (r(17) < 0.5) options.grad = { dtype: r(20) < 0.5 ? 'f32' : 'f64', length: r(25) < 0.05 ? n + 1 : n };
        if (r(11) < 0.4) extra = weights(classes).map((weight) => ({ weight }));
      } else if (fn === 'nllLoss') {
        if (r(21) < 0.3) options.ignoreIndex = [-100, 0, 1][(optSeed >>> 2) % 3];
        if (r(11) < 0.4) extra = weights(classes).map((weight) => ({ weight }));
      } else if (fn === 'binaryCrossEntropyWithLogits') {
        if (r(17) < 0.5) options.grad = { dtype: r(20) < 0.5 ? 'f32' : 'f64', length: n };
        if (r(11) < 0.4)
          extra = fc.tuple(weights(classes), weights(n)).map(([posWeight, weight]) => (r(8) < 0.5 ? { posWeight } : { posWeight, weight }));
      } else if (fn === 'sigmoidFocalLoss') {
        if (r(26) < 0.75) delete options.classes; // an unknown option here: kept in a quarter of the calls
        if (r(17) < 0.5) options.grad = { dtype: r(20) < 0.5 ? 'f32' : 'f64', length: r(25) < 0.05 ? n + 1 : n };
        if (r(11) < 0.5) options.alpha = [-1, 0, 0.25, 1, 1.5][(optSeed >>> 12) % 5];
        if (r(14) < 0.5) options.gamma = [0, 0.5, 2, 5, 7, -1][(optSeed >>> 18) % 6];
      } else if (fn === 'binaryCrossEntropy') {
        if (r(11) < 0.4) extra = weights(n).map((weight) => ({ weight }));
      } else if (fn === 'klDiv') {
        if (r(15) < 0.4) options.logTarget = true;
      } else if (fn === 'logSoftmax' || fn === 'softmax') {
        if (r(17) < 0.4) options.out = { dtype: r(20) < 0.5 ? 'f32' : 'f64', length: n };
      }
      return fc.record({ fn: fc.constant(fn), dtype: fc.constant(dtype), args, options: extra.map((e) => ({ ...options, ...e })) });
    })
    .map((c) => ({ ...c, args: c.args.map((a) => a.map(enc)) }) as Call);
}

/** The call's arguments as the API takes them (fresh arrays each time). */
function materialise(c: Call) {
  const intTarget = (c.fn === 'softmaxCrossEntropy' || c.fn === 'nllLoss') && c.args[1] && c.args[1].length !== c.args[0].length;
  const args = c.args.map((a, i) => {
    const v = a.map(dec);
    if (i === 1 && intTarget) return c.dtype === 'f32' ? Int32Array.from(v) : v;
    if (c.dtype === 'array') return v;
    if (c.dtype === 'f32' || (c.dtype === 'mixed' && i === 0)) return Float32Array.from(v);
    return Float64Array.from(v);
  });
  const buffers: Record<string, Float32Array | Float64Array> = {};
  let options: Record<string, unknown> | undefined;
  if (c.options) {
    options = {};
    for (const [k, v] of Object.entries(c.options)) {
      if (k === 'grad' || k === 'out') {
        const { dtype, length } = v as { dtype: string; length: number };
        buffers[k] = dtype === 'f32' ? new Float32Array(length) : new Float64Array(length);
        options[k] = buffers[k];
      } else options[k] = Array.isArray(v) ? (v as (number | string)[]).map(dec) : v;
    }
  }
  return { args, options, buffers };
}

type Outcome =
  | { ok: true; value: number | Float64Array | Float32Array; buffers: Record<string, Float32Array | Float64Array> }
  | { ok: false; error: string };

function run(m: Entry, c: Call): Outcome {
  const { args, options, buffers } = materialise(c);
  const copies = args.map((a) => Array.from(a as ArrayLike<number>));
  let out: Outcome;
  try {
    const value = (m[c.fn] as (...a: unknown[]) => number | Float64Array | Float32Array)(...args, options);
    out = { ok: true, value, buffers };
  } catch (e) {
    out = { ok: false, error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
  }
  args.forEach((a, i) => {
    if (!Object.is(JSON.stringify(Array.from(a as ArrayLike<number>).map(enc)), JSON.stringify(copies[i].map(enc))))
      throw new Error(`${c.fn} modified argument ${i}`);
  });
  return out;
}

/**
 * Whether two results agree. The entries compute the same formulas with different summation
 * orders and, for Float32Array data, f32 SIMD logs/exps on the WASM side (≤ 2^-21 relative per
 * term): so values agree to 1e-5 of a scale that bounds the sum of |terms| (the inputs' size
 * times (1 + their largest |log|), plus |result|). Both sides must be NaN together; an ∞ on one
 * side may be a finite value beyond 1e300 on the other (an overflow that depends on the order).
 */
function agree(a: number, b: number, scale: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Math.abs(Number.isFinite(a) ? a : b) > 1e300;
  return Math.abs(a - b) <= 1e-5 * (scale + Math.abs(a) + Math.abs(b));
}

function scaleOf(c: Call): number {
  let s = 1;
  let logMax = 1;
  for (const a of c.args) {
    for (const raw of a) {
      const v = Math.abs(dec(raw));
      if (!Number.isFinite(v) || v === 0) continue;
      s += v;
      logMax = Math.max(logMax, Math.abs(Math.log(v)));
    }
  }
  return s * (1 + logMax);
}

function check(c: Call): void {
  const a = run(wasmOnly, c);
  const b = run(js, c);
  if (!a.ok || !b.ok) {
    expect(a.ok ? 'no error' : a.error).toBe(b.ok ? 'no error' : b.error);
    return;
  }
  const scale = scaleOf(c);
  const values = (v: number | ArrayLike<number>) => (typeof v === 'number' ? [v] : Array.from(v));
  const pairs: [string, number[], number[]][] = [['value', values(a.value), values(b.value)]];
  for (const k of Object.keys(a.buffers)) pairs.push([k, values(a.buffers[k]), values(b.buffers[k])]);
  for (const [what, x, y] of pairs) {
    expect(x.length, what).toBe(y.length);
    for (let i = 0; i < x.length; i++) {
      if (!agree(x[i], y[i], scale)) expect.fail(`${c.fn} ${what}[${i}]: wasm ${x[i]} vs js ${y[i]} (scale ${scale})`);
    }
  }
}

const QUICK_RUNS = 3000;
const runs = Number(process.env.FUZZ_RUNS ?? QUICK_RUNS);
const seed = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) : 20261124;

describe('differential fuzzing: WASM kernels against the pure-TS entry', () => {
  test('regressions: every call that once failed (test/fixtures/fuzz-regressions.json)', () => {
    const saved = loadFixture<{ calls: Call[] }>('fuzz-regressions.json');
    for (const c of saved.calls) check(c);
  });

  test(`${runs} random calls (seed ${seed})`, () => {
    fc.assert(
      fc.property(arb(), (c) => check(c)),
      { seed, numRuns: runs, path: process.env.FUZZ_PATH }, // FUZZ_SEED and FUZZ_PATH (printed with a failure) replay it alone
    );
    if (process.env.FUZZ_RUNS) console.log(`fuzz: ${runs} calls, seed ${seed}: WASM and TS agree`);
  }, 3_600_000);
});
