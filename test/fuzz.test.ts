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

/** The functions that take a K-dimensional `shape` ([N, C, d1, …, dk], class axis 1). */
const SHAPED: readonly Fn[] = ['softmaxCrossEntropy', 'nllLoss', 'logSumExp', 'logSoftmax', 'softmax', 'tokenLogProbs', 'perplexity'];

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
  /** the option object; arrays in it are plain too (`shape` stays numbers for f16); grad/out/ranks are given as their dtype and length */
  options: Record<string, unknown> | null;
  /** f16 only: a native Float16Array instead of marked bits, where the runtime has one (else marked bits) */
  native?: boolean;
  /** the typed array the class indices are given in (issue 19: any integer typed array); absent: by dtype as before */
  labels?: (typeof LABEL_TYPES)[number];
}

/** The integer typed arrays class indices may be given in (values converted as the constructors do; NaN and 0.5 as 0). */
const LABEL_TYPES = ['Int32Array', 'Uint32Array', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'BigInt64Array'] as const;

function labelArray(type: (typeof LABEL_TYPES)[number], v: number[]): ArrayLike<number> {
  if (type === 'BigInt64Array')
    return BigInt64Array.from(v, (x) => BigInt(Number.isFinite(x) ? Math.trunc(x) : 0)) as unknown as ArrayLike<number>;
  const T = { Int32Array, Uint32Array, Uint8Array, Int8Array, Uint16Array, Int16Array }[type] as Int32ArrayConstructor;
  return T.from(v, (x: number) => (Number.isFinite(x) ? Math.trunc(x) : 0));
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
      // for the K-dimensional `shape` option (unbiased, as lmSeed)
      kSeed: fc.noBias(fc.integer({ min: 0, max: 2 ** 30 })),
      // for issue 19's options (label types, sampleWeight, its reduction, BCE smoothing and per-class weight, logSumExp's b)
      wSeed: fc.noBias(fc.integer({ min: 0, max: 2 ** 30 })),
    })
    .chain(({ fn, dtype, shape: [rows, classes], optSeed, lmSeed, kSeed, wSeed }) => {
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
      const w = (k: number) => ((wSeed >>> k) & 31) / 32;
      const WEIGHTED = ['softmaxCrossEntropy', 'nllLoss', 'binaryCrossEntropy', 'binaryCrossEntropyWithLogits', 'klDiv'];
      const reductions = fn === 'klDiv' ? ['mean', 'sum', 'none', 'batchmean'] : ['mean', 'sum', 'none'];
      if (WEIGHTED.includes(fn) && w(0) < 0.3) reductions.push('sumByNonzeroWeights');
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
      // A K-dimensional layout, PyTorch's (N, C, d1[, d2]) with rows = N·S (S = d1·d2 positions),
      // in a third of the calls of the functions that take one: the same data read as N × C × S,
      // through the column kernels and the glue's strided block copies. Mostly alone, sometimes
      // beside `classes` (agreeing, or not: an error), sometimes holding one element too many (an
      // error); with 0 rows, N = 0 and any S.
      const k = (b: number) => ((kSeed >>> b) & 31) / 32;
      if (SHAPED.includes(fn) && k(0) < 0.33) {
        const divisors = Array.from({ length: rows }, (_, i) => i + 1).filter((d) => rows % d === 0);
        const S = rows === 0 ? (kSeed >>> 5) % 4 : divisors[(kSeed >>> 5) % divisors.length];
        const N = rows === 0 ? 0 : rows / S;
        const a = S > 1 && k(10) < 0.4 ? (divisors.find((d) => d > 1 && S % d === 0) ?? 1) : 1;
        const shapeOpt = a > 1 ? [N, classes, a, S / a] : [N, classes, S];
        if (k(15) < 0.04) shapeOpt[0] += 1;
        options.shape = shapeOpt;
        if (k(20) < 0.7) delete options.classes;
        else if (k(25) < 0.15) options.classes = classes + 1;
      }
      // issue 19: sampleWeight (one per row; sometimes one too many), BCE labelSmoothing and a
      // per-class weight, logSumExp's b and returnSign, class indices in another integer type
      let extra19: fc.Arbitrary<Record<string, unknown>> = fc.constant({});
      if ([...WEIGHTED, 'crossEntropy', 'klDivergence'].includes(fn) && w(5) < 0.4)
        extra19 = weights(w(10) < 0.05 ? rows + 1 : rows).map((sampleWeight) => ({ sampleWeight }));
      if (fn === 'binaryCrossEntropy' || fn === 'binaryCrossEntropyWithLogits') {
        if (w(15) < 0.3) options.labelSmoothing = [0, 0.1, 1, 1.5][(wSeed >>> 20) % 4];
        if (w(25) < 0.2 && options.classes !== undefined && fn === 'binaryCrossEntropy')
          extra19 = fc.tuple(extra19, weights(classes)).map(([e, weight]) => ({ ...e, weight }));
      }
      if (fn === 'logSumExp' && w(15) < 0.4) {
        if (w(20) < 0.5) options.returnSign = true;
        extra19 = fc
          .array(
            half
              ? fc.integer({ min: 0, max: 0xffff })
              : fc.oneof(fc.double({ min: -3, max: 3, noNaN: true }), fc.constantFrom(0, -1, 1, NaN, Infinity)),
            {
              minLength: n,
              maxLength: n,
            },
          )
          .map((b) => ({ b }));
      }
      const labelType =
        ['softmaxCrossEntropy', 'nllLoss', 'tokenLogProbs', 'perplexity'].includes(fn) && w(25) < 0.5
          ? LABEL_TYPES[(wSeed >>> 27) % LABEL_TYPES.length]
          : undefined;
      if (labelType !== undefined && w(3) < 0.3) options.ignoreIndex = labelType.startsWith('U') ? 255 : -100;
      const native = half && u(25) < 0.25;
      // no options drawn: sometimes none given at all (the measures' path for that common call)
      const omit = u(27) < 0.5;
      return fc
        .record({
          fn: fc.constant(fn),
          dtype: fc.constant(dtype),
          args,
          options: fc.tuple(extra, extra19).map(([e, e19]) => {
            const o = { ...options, ...e, ...e19 };
            return omit && Object.keys(o).length === 0 ? null : o;
          }),
        })
        .map((c) => (native ? { ...c, native } : c))
        .map((c) => (labelType !== undefined ? { ...c, labels: labelType } : c));
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
      const t = c.labels ? labelArray(c.labels, v) : c.dtype === 'f32' ? Int32Array.from(v) : c.dtype === 'f16' ? Uint32Array.from(v) : v;
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
      } else if (k === 'shape') options[k] = [...(v as number[])];
      else if (Array.isArray(v)) {
        const w = (v as (number | string)[]).map(dec);
        options[k] = c.dtype === 'f16' ? half(w).arg : w;
      } else options[k] = v;
    }
  }
  return { args, data, options, buffers };
}

/**
 * A result as numbers: topLogProbs's indices then values; the fields of continuationScore's and
 * fitTemperature's results (isGreedy as 0/1) and of logSumExp's { value, sign }, in key order,
 * arrays spread.
 */
function flat(v: unknown): number | Float64Array | Float32Array {
  if (typeof v === 'number' || ArrayBuffer.isView(v)) return v as number | Float64Array;
  const o = v as Record<string, unknown>;
  if ('indices' in o) return Float64Array.from([...(o.indices as Int32Array), ...(o.values as Float64Array)]);
  return Float64Array.from(
    Object.keys(o)
      .sort()
      .flatMap((k) => (ArrayBuffer.isView(o[k]) ? Array.from(o[k] as Float64Array) : [Number(o[k])])),
  );
}

type Outcome = { ok: true; value: number | Float64Array | Float32Array; buffers: Record<string, Buffer> } | { ok: false; error: string };

function run(m: Entry, c: Call): Outcome {
  const { args, data, options, buffers } = materialise(c, m);
  const copies = data.map((a) => Array.from(a, Number)); // Number: a BigInt64Array's values too
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
    if (!Object.is(JSON.stringify(Array.from(a, Number).map(enc)), JSON.stringify(copies[i].map(enc))))
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

/** A result (flattened by `run`: see `flat`) as a list of numbers. */
function numbers(v: number | ArrayLike<number>): number[] {
  return typeof v === 'number' ? [v] : Array.from(v);
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
      const x = plain.ok ? numbers(plain.value) : [];
      const y = numbers(got.value);
      if (!plain.ok || x.length !== y.length || x.some((v, i) => !Object.is(v, y[i])))
        expect.fail(`${c.fn} (${m === js ? 'js' : 'wasm'}): the value with grad differs from the value without it`);
    }
  }
  const scale = scaleOf(c);
  const values = (v: number | ArrayLike<number>) => (typeof v === 'number' ? [v] : Array.from(v));
  const pairs: [string, number[], number[]][] = [['value', numbers(a.value), numbers(b.value)]];
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

// ---- CTC: ctcLoss (with its gradient), ctcGreedyDecode, ctcBeamSearch ---------------------------
// Their options differ from every other function's (lengths, layouts), so their calls have a shape
// of their own: T frames of N samples of C classes, time-major or batch-first, values of either
// sign (log-probabilities or logits) with a share of special ones, ragged lengths, targets with
// repeats, some impossible, and a share of bad lengths, targets, blanks and layouts. Both sides
// must agree as above (the decoders exactly: they are the API layer's code on both entries, fed
// the same values), and a ctcLoss call with `grad` must give its value without `grad`, bit for bit.
interface CtcCall {
  fn: 'ctcLoss' | 'ctcGreedyDecode' | 'ctcBeamSearch';
  dtype: 'f64' | 'f32' | 'array';
  T: number;
  N: number;
  C: number;
  x: (number | string)[];
  targets: number[];
  options: Record<string, unknown>;
}

function ctcArb(): fc.Arbitrary<CtcCall> {
  return fc
    .record({
      fn: fc.constantFrom('ctcLoss', 'ctcLoss', 'ctcGreedyDecode', 'ctcBeamSearch'),
      dtype: fc.constantFrom('f64', 'f32', 'array'),
      size: fc.oneof(
        { arbitrary: fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 })), weight: 6 },
        // above the xentropy entry's crossover and with long labels: the lattice kernel's full width
        {
          arbitrary: fc.tuple(fc.integer({ min: 40, max: 160 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 40 })),
          weight: 2,
        },
      ),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      special: fc.boolean(),
      o: fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 10, maxLength: 10 }),
    })
    .map(({ fn, dtype, size: [T, N, C], seed, special, o }) => {
      const next = (() => {
        let a = seed >>> 0;
        return () => {
          a = (a + 0x6d2b79f5) >>> 0;
          let t = Math.imul(a ^ (a >>> 15), a | 1);
          t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
          return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
      })();
      const x = Array.from({ length: T * N * C }, () =>
        special && next() < 0.05 ? enc(SPECIAL[Math.floor(next() * SPECIAL.length)]) : (next() - 0.7) * 12,
      );
      const blank = o[0] % 7 === 6 ? C : o[0] % C; // now and then outside [0, C)
      const inputLengths = Array.from({ length: N }, () => (o[1] === 15 ? T + 1 : Math.floor(next() * (T + 1))));
      const options: Record<string, unknown> = { classes: o[2] === 15 ? 0 : C, inputLengths, blank };
      if (o[3] % 2) options.batchFirst = true;
      let targets: number[] = [];
      if (fn === 'ctcLoss') {
        const targetLengths = inputLengths.map((f) => Math.floor(next() * (Math.min(f, 30) + 2)));
        for (const l of targetLengths)
          for (let j = 0; j < l; j++)
            targets.push(o[4] === 15 && j === 0 ? blank : (blank + 1 + Math.floor(next() * Math.max(1, C - 1))) % C);
        options.targetLengths = targetLengths;
        options.reduction = ['mean', 'sum', 'none'][o[5] % 3];
        if (o[6] % 2) options.fromLogits = true;
        if (o[7] % 2) options.zeroInfinity = true;
        if (o[8] % 4 === 0) {
          // padded: N rows of S (filler −1 past each length)
          const S = Math.max(0, ...targetLengths) + (o[8] % 8 === 0 ? 1 : 0);
          const padded: number[] = [];
          let k = 0;
          for (const l of targetLengths) {
            for (let j = 0; j < S; j++) padded.push(j < l ? targets[k + j] : -1);
            k += l;
          }
          targets = padded;
          options.targetLayout = 'padded';
        }
        if (o[9] % 3 === 0) options.grad = { dtype: o[9] % 2 ? 'f32' : 'f64', length: o[9] === 15 ? 1 : T * N * C };
      } else if (fn === 'ctcBeamSearch') {
        options.beamWidth = 1 + (o[5] % 6);
        options.topPaths = 1 + (o[6] % 6);
      }
      return { fn, dtype, T, N, C, x, targets, options } as CtcCall;
    });
}

function runCtc(m: Entry, c: CtcCall, withGrad = true) {
  const v = c.x.map(dec);
  const x = c.dtype === 'f32' ? Float32Array.from(v) : c.dtype === 'f64' ? Float64Array.from(v) : v;
  const copy = Array.from(x, enc);
  const options: Record<string, unknown> = { ...c.options };
  let grad: Float32Array | Float64Array | null = null;
  if ('grad' in options) {
    if (withGrad) {
      const { dtype, length } = options.grad as { dtype: string; length: number };
      grad = dtype === 'f32' ? new Float32Array(length) : new Float64Array(length);
      options.grad = grad;
    } else delete options.grad;
  }
  let out: { ok: true; value: unknown } | { ok: false; error: string };
  try {
    const f = m[c.fn] as (...a: unknown[]) => unknown;
    out = { ok: true, value: c.fn === 'ctcLoss' ? f(x, Int32Array.from(c.targets), options) : f(x, options) };
  } catch (e) {
    out = { ok: false, error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
    if (grad?.some((g) => !Object.is(g, 0))) throw new Error(`${c.fn} failed (${out.error}) but wrote its "grad"`);
  }
  if (JSON.stringify(Array.from(x, enc)) !== JSON.stringify(copy)) throw new Error(`${c.fn} modified its input`);
  return { out, grad };
}

function checkCtc(c: CtcCall): void {
  const a = runCtc(wasmOnly, c);
  const b = runCtc(js, c);
  if (!a.out.ok || !b.out.ok) {
    expect(a.out.ok ? 'no error' : a.out.error).toBe(b.out.ok ? 'no error' : b.out.error);
    return;
  }
  if (c.fn !== 'ctcLoss') {
    // the decoders: the same API-layer code on both entries
    expect(a.out.value).toEqual(b.out.value);
    return;
  }
  const values = (v: unknown) => (typeof v === 'number' ? [v] : Array.from(v as Float64Array));
  if (a.grad) {
    for (const [m, got] of [
      [wasmOnly, a],
      [js, b],
    ] as const) {
      const plain = runCtc(m, c, false);
      const x = plain.out.ok ? values(plain.out.value) : [];
      const y = values((got.out as { value: unknown }).value);
      if (x.length !== y.length || x.some((v, i) => !Object.is(v, y[i])))
        expect.fail(`ctcLoss (${m === js ? 'js' : 'wasm'}): the value with grad differs from the value without it`);
    }
  }
  // the loss is a sum over frames of log-probabilities: its scale is Σ|x| (finite values)
  let scale = 1;
  for (const raw of c.x) {
    const v = Math.abs(dec(raw));
    if (Number.isFinite(v)) scale += v;
  }
  const pairs: [string, number[], number[]][] = [['value', values(a.out.value), values(b.out.value)]];
  if (a.grad && b.grad) pairs.push(['grad', Array.from(a.grad), Array.from(b.grad)]);
  for (const [what, x, y] of pairs) {
    expect(x.length, what).toBe(y.length);
    for (let i = 0; i < x.length; i++)
      if (!agree(x[i], y[i], scale)) expect.fail(`${c.fn} ${what}[${i}]: wasm ${x[i]} vs js ${y[i]} (scale ${scale})`);
  }
}

describe('differential fuzzing of the CTC functions: WASM kernel against the pure-TS entry', () => {
  const ctcRuns = Math.max(1, Math.round(runs / 3));
  test(`${ctcRuns} random calls (seed ${seed})`, () => {
    fc.assert(
      fc.property(ctcArb(), (c) => checkCtc(c)),
      { seed, numRuns: ctcRuns, path: process.env.FUZZ_PATH },
    );
    if (process.env.FUZZ_RUNS) console.log(`fuzz (CTC): ${ctcRuns} calls, seed ${seed}: WASM and TS agree`);
  }, 3_600_000);
});
