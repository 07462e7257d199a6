// Differential fuzzing: random calls of every exported function, with random shapes (lengths
// 0–10^4, rows × classes; with FUZZ_RUNS also up to 2.7·10^4, past the WASM glue's chunk),
// dtypes (f64, f32, number[], mixed, and f16: float16 data, a Uint16Array of bit patterns marked
// by float16(), or a native Float16Array where the runtime has one), options (valid and not) and
// values (ordinary, 0, −0, subnormal, tiny, huge, ±∞, NaN, negative; for f16 also any bit
// pattern, and 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x0001, 0x03ff, 0x7bff), go to the WASM kernels
// (with no crossover, so that every size reaches WASM) and to the pure-TS entry. They must both
// return results that agree (see `agree`), or both throw the same error class with the same
// message; inputs must come back unmodified, and `grad`/`out` buffers must agree too (`ranks`,
// tokenLogProbs's integer output, exactly); a call with `grad` must give, on each side, the value it
// gives without it, bit for bit, and a failed call must leave its output buffers unwritten.
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
  'tokenLogProbs',
  'perplexity',
  'topLogProbs',
  'softmaxEntropy',
  'brierScore',
  'continuationScore',
  'calibrationError',
  'fitTemperature',
] as const;
type Fn = (typeof FNS)[number];

/** The functions whose second argument is always class indices (one per row). */
const INDEXED: readonly Fn[] = ['tokenLogProbs', 'perplexity', 'brierScore', 'continuationScore', 'calibrationError', 'fitTemperature'];

/** A call, as plain data (so that a shrunk failure can be saved as JSON and replayed). */
interface Call {
  fn: Fn;
  /**
   * 'mixed': the first array Float32Array, the others Float64Array. 'f16': every float array
   * (the array options too) is float16 data, given in `args` and `options` as bit patterns
   * (integers 0–0xffff); class indices stay numbers (a Uint32Array).
   */
  dtype: 'f64' | 'f32' | 'array' | 'mixed' | 'f16';
  /** the value arrays (element arrays as plain numbers, with 'NaN', 'Infinity', '-Infinity', '-0' spelled out) */
  args: (number | string)[][];
  /** the option object; arrays in it are plain too; grad/out/ranks are given as their dtype and length */
  options: Record<string, unknown> | null;
  /** f16 only: a native Float16Array instead of marked bits, where the runtime has one (else marked bits) */
  native?: boolean;
}

const SPECIAL = [0, -0, 5e-324, 1e-310, 1e-300, 1e-30, 1e30, 1e300, Infinity, -Infinity, NaN, -1, -1e-300, 1, 0.5];
const enc = (v: number) =>
  Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v;
const dec = (v: number | string) => (typeof v === 'number' ? v : v === '-0' ? -0 : Number(v));

/** float16 bit patterns that are edges: ±∞, a quiet NaN, −0, the least subnormal, the largest subnormal, the largest finite. */
const HALF_SPECIAL = [0x7c00, 0xfc00, 0x7e00, 0x8000, 0x0001, 0x03ff, 0x7bff, 0xfe00, 0x7c01, 0xfbff, 0x0400, 0x0000, 0x3c00, 0xbc00];

/** The value of a float16 bit pattern. */
function halfValue(h: number): number {
  const e = (h >> 10) & 31;
  const m = h & 1023;
  const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m === 0 ? Infinity : NaN) : (1024 + m) * 2 ** (e - 25);
  return h & 0x8000 ? -v : v;
}

/** The runtime's Float16Array (Node 24 has one; Node 20 none). */
const F16 = (globalThis as { Float16Array?: new (b: ArrayBufferLike) => ArrayBufferView }).Float16Array;

/** Whether argument i of a call is class indices (else values; bit patterns for f16). */
function isIndexArg(c: Call, i: number): boolean {
  if (i !== 1) return false;
  if (INDEXED.includes(c.fn)) return true;
  return (c.fn === 'softmaxCrossEntropy' || c.fn === 'nllLoss') && c.args[1].length !== c.args[0].length;
}

function arb(): fc.Arbitrary<Call> {
  // Mostly sensible values, with a share of special ones.
  const value = (kind: 'prob' | 'logit' | 'index', classes: number, half: boolean) => {
    const special = fc.constantFrom(...SPECIAL);
    if (kind === 'index')
      return fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: Math.max(0, classes - 1) }), weight: 20 },
        { arbitrary: fc.constantFrom(-100, -1, classes, 0.5, NaN), weight: 1 },
      );
    if (half) {
      // positive float16 patterns are ordered as their values: [0, 0x3c00] is [0, 1], [0, 0x4f80] is [0, 30]
      // (any pattern: of either sign for logits, positive for probabilities; as many bad elements as the other dtypes)
      const prob = kind === 'prob';
      const normal = prob
        ? fc.integer({ min: 0, max: 0x3c00 })
        : fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 0x4f80 })).map(([neg, b]) => (neg ? 0x8000 | b : b));
      return fc.oneof(
        { arbitrary: normal, weight: 60 },
        { arbitrary: fc.integer({ min: 0, max: prob ? 0x7fff : 0xffff }), weight: 1 },
        { arbitrary: fc.constantFrom(...HALF_SPECIAL), weight: 1 },
      );
    }
    const normal = kind === 'prob' ? fc.double({ min: 0, max: 1, noNaN: true }) : fc.double({ min: -30, max: 30, noNaN: true });
    return fc.oneof({ arbitrary: normal, weight: 30 }, { arbitrary: special, weight: 1 });
  };
  const shape = fc.oneof(
    { arbitrary: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 9 })), weight: 12 },
    { arbitrary: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 10, max: 300 })), weight: 6 },
    { arbitrary: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1000, max: 5000 })), weight: 2 },
    // more than the WASM glue's CHUNK (16384) elements: streamed in blocks of whole rows, the later
    // ones at an offset (float16 bits copied from a view at that offset, widened in scratch), or
    // one row longer than a chunk, in pieces whose parts are merged. Slow to draw (it would double
    // the quick mode's time): with FUZZ_RUNS only.
    ...(process.env.FUZZ_RUNS
      ? [
          { arbitrary: fc.tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 5500, max: 9000 })), weight: 1 },
          { arbitrary: fc.tuple(fc.constant(1), fc.integer({ min: 16_385, max: 18_000 })), weight: 1 },
        ]
      : []),
  );
  return fc
    .record({
      fn: fc.constantFrom(...FNS),
      dtype: fc.constantFrom('f64', 'f32', 'array', 'mixed', 'f16') as fc.Arbitrary<Call['dtype']>,
      shape,
      seed: fc.integer(),
      optSeed: fc.integer({ min: 0, max: 2 ** 30 }),
      // for the options added with tokenLogProbs and float16: unbiased (fast-check draws small
      // integers often, so optSeed's high bits are often all 0 together)
      lmSeed: fc.noBias(fc.integer({ min: 0, max: 2 ** 30 })),
    })
    .chain(({ fn, dtype, shape: [rows, classes], optSeed, lmSeed }) => {
      const n = rows * classes;
      const half = dtype === 'f16';
      const arr = (kind: 'prob' | 'logit' | 'index', len: number) =>
        fc.array(value(kind, classes, half), { minLength: len, maxLength: len });
      let args: fc.Arbitrary<number[][]>;
      if (fn === 'entropy') args = fc.tuple(arr('prob', n));
      else if (['crossEntropy', 'klDivergence', 'jsDivergence'].includes(fn)) args = fc.tuple(arr('prob', n), arr('prob', n));
      else if (fn === 'binaryCrossEntropy') args = fc.tuple(arr('prob', n), arr('prob', n));
      else if (fn === 'binaryCrossEntropyWithLogits' || fn === 'sigmoidFocalLoss') args = fc.tuple(arr('logit', n), arr('prob', n));
      else if (fn === 'softmaxCrossEntropy') args = fc.tuple(arr('logit', n), fc.oneof(arr('index', rows), arr('prob', n)));
      else if (fn === 'nllLoss') args = fc.tuple(arr('logit', n), arr('index', rows));
      else if (fn === 'klDiv') args = fc.tuple(arr('logit', n), arr('prob', n));
      else if (fn === 'tokenLogProbs' || fn === 'perplexity' || fn === 'continuationScore')
        args = fc.tuple(arr('logit', n), arr('index', rows));
      else if (fn === 'fitTemperature') args = fc.tuple(arr('logit', n), arr('index', rows));
      // probabilities only: from logits, the confidence's last bits differ between the f32 SIMD and
      // the f64 TS log-sum-exp, and a confidence next to a bin edge may change bins
      else if (fn === 'calibrationError') args = fc.tuple(arr('prob', n), arr('index', rows));
      else if (fn === 'brierScore') args = fc.tuple(arr(u0(lmSeed) ? 'logit' : 'prob', n), arr('index', rows));
      else args = fc.tuple(arr('logit', n));
      // options: mostly valid, sometimes wrong in one way
      const r = (k: number) => ((optSeed >>> k) & 7) / 8;
      const u = (k: number) => ((lmSeed >>> k) & 31) / 32;
      const options: Record<string, unknown> = {};
      const needsClasses = [
        'softmaxCrossEntropy',
        'nllLoss',
        'tokenLogProbs',
        'perplexity',
        'topLogProbs',
        'brierScore',
        'continuationScore',
        'calibrationError',
        'fitTemperature',
      ].includes(fn);
      if (needsClasses || r(0) < 0.6) options.classes = r(27) < 0.05 ? classes + 1 : classes;
      const reductions = fn === 'klDiv' ? ['mean', 'sum', 'none', 'batchmean'] : ['mean', 'sum', 'none'];
      if (
        ![
          'logSumExp',
          'logSoftmax',
          'softmax',
          'tokenLogProbs',
          'perplexity',
          'topLogProbs',
          'continuationScore',
          'calibrationError',
          'fitTemperature',
        ].includes(fn) &&
        r(3) < 0.7
      )
        options.reduction = r(24) < 0.05 ? 'avg' : reductions[(optSeed >>> 6) % reductions.length];
      if (['entropy', 'crossEntropy', 'klDivergence', 'jsDivergence'].includes(fn)) {
        if (r(9) < 0.4) options.base = [2, 10, 1, 0.5][(optSeed >>> 12) % 4];
        if (r(14) < 0.4) options.normalize = true;
      }
      // f16: bit patterns ([0, 0x4200] is [0, 3]; 0, NaN, −1, ∞)
      const weights = (len: number) =>
        fc.array(
          half
            ? fc.oneof(fc.integer({ min: 0, max: 0x4200 }), fc.constantFrom(0, 0x7e00, 0xbc00, 0x7c00))
            : fc.oneof(fc.double({ min: 0, max: 3, noNaN: true }), fc.constantFrom(0, NaN, -1, Infinity)),
          { minLength: len, maxLength: len },
        );
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
      } else if (fn === 'tokenLogProbs' || fn === 'perplexity') {
        if (u(0) < 0.3) options.ignoreIndex = [-100, 0, 1][(lmSeed >>> 5) % 3];
        if (u(7) < 0.03) options.reduction = 'mean'; // not an option of theirs
        if (fn === 'tokenLogProbs') {
          if (u(12) < 0.5) options.out = { dtype: u(17) < 0.5 ? 'f32' : 'f64', length: u(22) < 0.04 ? rows + 1 : rows };
          if (u(13) < 0.5) options.ranks = { dtype: u(18) < 0.5 ? 'i32' : 'u32', length: u(23) < 0.04 ? rows + 1 : rows };
        }
      } else if (fn === 'topLogProbs') {
        // k in [1, classes], sometimes 0 or classes + 1 (errors)
        options.k = u(3) < 0.04 ? (u(8) < 0.5 ? 0 : classes + 1) : 1 + ((lmSeed >>> 9) % Math.min(classes, 30));
        if (u(12) < 0.3) options.values = { dtype: u(17) < 0.5 ? 'f32' : 'f64', length: rows * (options.k as number) };
      } else if (fn === 'softmaxEntropy') {
        if (u(9) < 0.3) options.base = [2, 10, 0.5][(lmSeed >>> 14) % 3];
        if (u(12) < 0.5) options.grad = { dtype: u(17) < 0.5 ? 'f32' : 'f64', length: u(22) < 0.04 ? n + 1 : n };
      } else if (fn === 'brierScore') {
        if (u0(lmSeed)) options.fromLogits = true;
      } else if (fn === 'calibrationError') {
        if (u(3) < 0.5) options.bins = [1, 15, 7, 0][(lmSeed >>> 9) % 4];
        if (u(14) < 0.5) options.norm = ['l1', 'l2', 'max', 'l3'][(lmSeed >>> 19) % 4];
      } else if (fn === 'fitTemperature') {
        if (u(0) < 0.3) options.ignoreIndex = [-100, 0, 1][(lmSeed >>> 5) % 3];
      } else if (fn === 'continuationScore') {
        options.start = (lmSeed >>> 9) % (rows + 1); // rows: outside the rows (an error)
      }
      // the `grad` of binaryCrossEntropy, nllLoss, klDiv (∂/∂input) and of crossEntropy,
      // klDivergence (∂/∂q): of the first (second) array's length n, sometimes n + 1 (an error);
      // drawn from lmSeed (unbiased bits these functions use for nothing else)
      if (['binaryCrossEntropy', 'nllLoss', 'klDiv', 'crossEntropy', 'klDivergence'].includes(fn) && u(12) < 0.5)
        options.grad = { dtype: u(17) < 0.5 ? 'f32' : 'f64', length: u(22) < 0.04 ? n + 1 : n };
      const native = half && u(25) < 0.25;
      // no options drawn: sometimes none given at all (the measures' path for that common call)
      const omit = u(27) < 0.5;
      return fc
        .record({
          fn: fc.constant(fn),
          dtype: fc.constant(dtype),
          args,
          options: extra.map((e) => {
            const o = { ...options, ...e };
            return omit && Object.keys(o).length === 0 ? null : o;
          }),
        })
        .map((c) => (native ? { ...c, native } : c));
    })
    .map((c) => ({ ...c, args: c.args.map((a) => a.map(enc)) }) as Call);
}

/** brierScore's draw of logits (with fromLogits) or probabilities. */
function u0(lmSeed: number): boolean {
  return ((lmSeed >>> 1) & 3) === 0;
}

type Buffer = Float32Array | Float64Array | Int32Array | Uint32Array;

/**
 * The call's arguments as the API takes them (fresh arrays each time), and `data`: the arrays
 * behind them (for f16, the Uint16Array of bits a marker or a Float16Array is over).
 */
function materialise(c: Call, m: Entry) {
  const half = (v: number[]): { arg: unknown; data: ArrayLike<number> } => {
    const bits = Uint16Array.from(v);
    return { arg: c.native && F16 ? new F16(bits.buffer) : m.float16(bits), data: bits };
  };
  const data: ArrayLike<number>[] = [];
  const args = c.args.map((a, i) => {
    const v = a.map(dec);
    let x: { arg: unknown; data: ArrayLike<number> };
    if (isIndexArg(c, i)) {
      const t = c.dtype === 'f32' ? Int32Array.from(v) : c.dtype === 'f16' ? Uint32Array.from(v) : v;
      x = { arg: t, data: t };
    } else if (c.dtype === 'f16') x = half(v);
    else if (c.dtype === 'array') x = { arg: v, data: v };
    else {
      const t = c.dtype === 'f32' || (c.dtype === 'mixed' && i === 0) ? Float32Array.from(v) : Float64Array.from(v);
      x = { arg: t, data: t };
    }
    data.push(x.data);
    return x.arg;
  });
  const buffers: Record<string, Buffer> = {};
  let options: Record<string, unknown> | undefined;
  if (c.options) {
    options = {};
    for (const [k, v] of Object.entries(c.options)) {
      if (k === 'grad' || k === 'out' || k === 'ranks' || k === 'values') {
        const { dtype, length } = v as { dtype: string; length: number };
        const T = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u32: Uint32Array }[dtype]!;
        buffers[k] = new T(length);
        options[k] = buffers[k];
      } else if (Array.isArray(v)) {
        const w = (v as (number | string)[]).map(dec);
        options[k] = c.dtype === 'f16' ? half(w).arg : w;
      } else options[k] = v;
    }
  }
  return { args, data, options, buffers };
}

/** A result as numbers: topLogProbs's indices then values, continuationScore's fields (isGreedy as 0/1). */
function flat(v: unknown): number | Float64Array | Float32Array {
  if (typeof v === 'number' || ArrayBuffer.isView(v)) return v as number | Float64Array;
  const o = v as Record<string, unknown>;
  if ('indices' in o) return Float64Array.from([...(o.indices as Int32Array), ...(o.values as Float64Array)]);
  // continuationScore: isGreedy (0/1), logLikelihood, tokens; fitTemperature: nll, nllBefore, temperature
  return Float64Array.from(
    Object.keys(o)
      .sort()
      .map((k) => Number(o[k])),
  );
}

type Outcome = { ok: true; value: number | Float64Array | Float32Array; buffers: Record<string, Buffer> } | { ok: false; error: string };

function run(m: Entry, c: Call): Outcome {
  const { args, data, options, buffers } = materialise(c, m);
  const copies = data.map((a) => Array.from(a));
  let out: Outcome;
  try {
    const value = flat((m[c.fn] as (...a: unknown[]) => unknown)(...args, options));
    out = { ok: true, value, buffers };
  } catch (e) {
    out = { ok: false, error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
    // `grad` is written only when the call succeeds (README, Loss semantics): a failed call leaves it as made (zeros)
    for (const [k, buf] of Object.entries(buffers))
      if (buf.some((v) => !Object.is(v, 0))) throw new Error(`${c.fn} failed (${out.error}) but wrote its "${k}"`);
  }
  data.forEach((a, i) => {
    if (!Object.is(JSON.stringify(Array.from(a).map(enc)), JSON.stringify(copies[i].map(enc))))
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
  for (const [i, a] of c.args.entries()) {
    const bits = c.dtype === 'f16' && !isIndexArg(c, i);
    for (const raw of a) {
      const v = Math.abs(bits ? halfValue(dec(raw)) : dec(raw));
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
  if (c.options && 'grad' in c.options) {
    // asking for `grad` leaves the value as it was, bit for bit (README, Loss semantics)
    const { grad: _, ...rest } = c.options;
    for (const [m, got] of [
      [wasmOnly, a],
      [js, b],
    ] as const) {
      // The README's one exception: binaryCrossEntropyWithLogits and sigmoidFocalLoss compute
      // value and gradient in one kernel whose element type the outputs decide, so f32 or float16
      // data with a Float64Array `grad` runs the f64 kernel on WASM, whose value differs from the
      // f32 kernel's within the f32 bound (found here: sigmoidFocalLoss(float16([0, 0, 0, 865]),
      // float16([0, 9713, 5666, 0]), { grad: Float64Array(4) }) 0.12943282953722013 against
      // 0.1294328295372201 without grad). A Float32Array grad keeps the f32 kernel: checked.
      const f64Grad = (c.options.grad as { dtype: string }).dtype === 'f64';
      if (
        m === wasmOnly &&
        f64Grad &&
        ['binaryCrossEntropyWithLogits', 'sigmoidFocalLoss'].includes(c.fn) &&
        !['f64', 'array'].includes(c.dtype)
      )
        continue;
      const plain = run(m, { ...c, options: rest });
      const x = plain.ok ? (typeof plain.value === 'number' ? [plain.value] : Array.from(plain.value)) : [];
      const y = typeof got.value === 'number' ? [got.value] : Array.from(got.value);
      if (!plain.ok || x.length !== y.length || x.some((v, i) => !Object.is(v, y[i])))
        expect.fail(`${c.fn} (${m === js ? 'js' : 'wasm'}): the value with grad differs from the value without it`);
    }
  }
  const scale = scaleOf(c);
  const values = (v: number | ArrayLike<number>) => (typeof v === 'number' ? [v] : Array.from(v));
  const pairs: [string, number[], number[]][] = [['value', values(a.value), values(b.value)]];
  for (const k of Object.keys(a.buffers)) pairs.push([k, values(a.buffers[k]), values(b.buffers[k])]);
  for (const [what, x, y] of pairs) {
    expect(x.length, what).toBe(y.length);
    for (let i = 0; i < x.length; i++) {
      // ranks are counts of logits above the target's (the same values on both sides): exact; so
      // are topLogProbs's indices (the first half of its value: the same comparisons on both
      // sides) and continuationScore's isGreedy and token count
      const exact =
        what === 'ranks' ||
        (what === 'value' && ((c.fn === 'topLogProbs' && i < x.length / 2) || (c.fn === 'continuationScore' && i !== 1)));
      const same = exact ? Object.is(x[i], y[i]) : agree(x[i], y[i], scale);
      if (!same) expect.fail(`${c.fn} ${what}[${i}]: wasm ${x[i]} vs js ${y[i]} (scale ${scale})`);
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
