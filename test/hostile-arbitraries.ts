// fast-check arbitraries for hostile fuzzing (test/fuzz-hostile.test.ts): an otherwise valid call
// of any function (shape, dtype, options; its data drawn from a seed, so that calls are small to
// print and shrink), and hostile wrappers around each of its arrays, its options and its output
// buffers. `build` turns one drawn case into the hostile call, the honest call (plain arrays of
// the same data), and what the check needs to judge the outcome.
//
// The dtype 'f16' makes every float array float16 data: a Uint16Array of bits (the hostile one
// wrapped like any typed array: a subclass with lying getters, a resizable buffer shrunk, a
// buffer detached, a view of alloc memory) marked by float16(). tokenLogProbs and perplexity take
// their targets as an Int32Array or Uint32Array (wrapped too) unless the dtype is 'array';
// tokenLogProbs has a second output, `ranks`, with wrappers of its own (aliasing `out` or an
// input, shared, resized, detached, a view of alloc memory). Every `grad` and `out` has the output
// wrappers, among them 'aliasInput': an honest view of an input's memory (in-place use), which
// must be a named error. With `accumulate`, a function that
// has an accumulator is called through one instead: created with honest options, then `update`
// with the hostile arrays (and a hostile batch object: `weight`, `sampleWeight`, or `bytes` and `words`).
//
// Wrappers come in two kinds. Transparent ones change nothing the engine would see (an honest
// subclass, a view at an offset, a resizable or shared buffer left alone, a Proxy of an Array, an
// alloc array, getters or a Proxy for the options): the result must equal the honest one exactly
// (or the honest call's own error). Hostile ones lie (length, buffer, byteOffset, overridden
// methods, a Proxy of a typed array, a swapped prototype, an option that changes on its second
// read), re-enter the library, or change buffers mid-call (resizable buffers shrunk or grown,
// alloc arrays freed or detached by memory growth, plain buffers detached: from an option getter
// or, when an argument is a plain array with a re-entrant element getter, from that getter;
// outputs aliasing an input through a structuredClone of a SharedArrayBuffer; buffers detached
// before the call): the result must equal the honest one, or be the library's named
// TypeError/RangeError; freed or detached arrays, and outputs provably sharing memory with an
// input or with each other, must be a named error.
import fc from 'fast-check';
import type { Entry } from './entries.js';
import { rng } from './helpers.js';
import { grow, halfBits, type Resizable, realBuffer, realByteOffset, realLength, reenter, resizable, snapshot } from './hostile-helpers.js';

export const FNS = [
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
  'ctcLoss',
  'ctcGreedyDecode',
  'ctcBeamSearch',
  'topLogProbs',
  'softmaxEntropy',
  'brierScore',
  'continuationScore',
  'calibrationError',
  'fitTemperature',
] as const;
export type Fn = (typeof FNS)[number];

/** The functions that take a K-dimensional `shape` ([N, C, d1, …, dk], class axis 1). */
export const SHAPED = new Set<Fn>(['softmaxCrossEntropy', 'nllLoss', 'logSumExp', 'logSoftmax', 'softmax', 'tokenLogProbs', 'perplexity']);

/** The functions that have an accumulator (accumulator(fn, options).update takes their data arguments). */
export const ACCUMULATED = new Set<Fn>([
  'entropy',
  'crossEntropy',
  'klDivergence',
  'jsDivergence',
  'binaryCrossEntropy',
  'binaryCrossEntropyWithLogits',
  'softmaxCrossEntropy',
  'nllLoss',
  'klDiv',
  'perplexity',
]);
/** The options an accumulator takes per batch (`update`'s last argument), not at creation. */
const BATCH: Partial<Record<Fn, string[]>> = {
  binaryCrossEntropy: ['weight', 'sampleWeight'],
  binaryCrossEntropyWithLogits: ['weight', 'sampleWeight'],
  softmaxCrossEntropy: ['sampleWeight'],
  nllLoss: ['sampleWeight'],
  klDiv: ['sampleWeight'],
  crossEntropy: ['sampleWeight'],
  klDivergence: ['sampleWeight'],
  perplexity: ['bytes', 'words'],
};
/**
 * The functions whose class indices are typed arrays unless the dtype is 'array': a Uint32Array
 * (f64), an Int32Array (f32), and for f16 the narrow ones of issue 19 (a Uint8Array where the
 * classes fit in it, else a Uint16Array).
 */
const TYPED_INDICES = new Set<Fn>([
  'tokenLogProbs',
  'perplexity',
  'nllLoss',
  'ctcLoss',
  'brierScore',
  'continuationScore',
  'calibrationError',
  'fitTemperature',
]);
/** The functions that take `sampleWeight` (issue 19): one weight per row, an array option like `weight`. */
const SAMPLE_WEIGHTED = new Set<Fn>([
  'softmaxCrossEntropy',
  'nllLoss',
  'binaryCrossEntropy',
  'binaryCrossEntropyWithLogits',
  'klDiv',
  'crossEntropy',
  'klDivergence',
]);

/** The names of each function's positional arrays, as its error messages spell them. */
export const ARG_NAMES: Record<Fn, string[]> = {
  entropy: ['p'],
  crossEntropy: ['p', 'q'],
  klDivergence: ['p', 'q'],
  jsDivergence: ['p', 'q'],
  binaryCrossEntropy: ['input', 'target'],
  binaryCrossEntropyWithLogits: ['input', 'target'],
  softmaxCrossEntropy: ['logits', 'target'],
  nllLoss: ['logProbs', 'target'],
  klDiv: ['input', 'target'],
  logSumExp: ['x'],
  logSoftmax: ['x'],
  softmax: ['x'],
  sigmoidFocalLoss: ['input', 'target'],
  tokenLogProbs: ['logits', 'targets'],
  perplexity: ['logits', 'targets'],
  ctcLoss: ['logProbs', 'targets'],
  ctcGreedyDecode: ['logProbs'],
  ctcBeamSearch: ['logProbs'],
  topLogProbs: ['logits'],
  softmaxEntropy: ['logits'],
  brierScore: ['input', 'target'],
  continuationScore: ['logits', 'targets'],
  calibrationError: ['input', 'target'],
  fitTemperature: ['logits', 'target'],
};

/**
 * 'f16': float arrays are float16 bits marked by float16(). tokenLogProbs's and perplexity's class
 * indices are an Int32Array (f32, f16) or a Uint32Array (f64); a number[] for 'array'.
 */
export type Dtype = 'f64' | 'f32' | 'array' | 'f16';

/** A valid call, as plain data. */
export interface ValidCall {
  fn: Fn;
  rows: number;
  classes: number;
  dtype: Dtype;
  /** seed of the data */
  seed: number;
  /**
   * option choices, each an index into a small list (see `materialise`); o[8] (absent in calls
   * saved before it existed) chooses a K-dimensional `shape` for the functions that take one
   */
  o: number[];
}

export const WRAPS_TRANSPARENT = ['plain', 'subclass', 'offsetView', 'proxyArray', 'rab', 'sab', 'alloc'] as const;
export const WRAPS_HOSTILE = [
  'reentrantElement',
  'lyingLength',
  'lyingBuffer',
  'overriddenMethods',
  'typedProxy',
  'protoSwap',
  'rabShrink',
  'freedMidCall',
  'detachMidCall',
  'detached',
] as const;
export type Wrap = (typeof WRAPS_TRANSPARENT)[number] | (typeof WRAPS_HOSTILE)[number];
export const OPTION_WRAPS = ['plain', 'getters', 'proxy', 'reentrant', 'twoFaced'] as const;
export type OptionWrap = (typeof OPTION_WRAPS)[number];
export const OUTPUT_WRAPS = [
  'plain',
  'subclass',
  'alloc',
  'noopSet',
  'reentrantSet',
  'sharedAlias',
  'aliasInput',
  'lyingBuffer',
  'freedMidCall',
  'rabShrink',
  'rabGrow',
  'detached',
] as const;
export type OutputWrap = (typeof OUTPUT_WRAPS)[number];
/** Wrappers of tokenLogProbs's `ranks` (an Int32Array or Uint32Array the call fills). */
export const RANKS_WRAPS = [
  'plain',
  'subclass',
  'overriddenMethods',
  'lyingBuffer',
  'aliasOut',
  'aliasInput',
  'sharedAlias',
  'allocView',
  'rabShrink',
  'rabGrow',
  'detached',
] as const;
export type RanksWrap = (typeof RANKS_WRAPS)[number];
const TRANSPARENT = new Set<string>([...WRAPS_TRANSPARENT, 'getters', 'proxy', 'subclass', 'alloc']);

export interface HostileCase {
  call: ValidCall;
  /** one wrapper per positional array */
  args: Wrap[];
  /** wrappers of the array options (weight, posWeight) present in the call */
  arrayOptions: Wrap[];
  options: OptionWrap;
  output: OutputWrap;
  /** the wrapper of tokenLogProbs's `ranks`, when the call has it */
  ranks: RanksWrap;
  /** call through an accumulator (functions in ACCUMULATED; the others are called directly) */
  accumulate: boolean;
  /** seed of the hostile choices (lengths lied about, garbage) */
  hseed: number;
}

const shape = fc.oneof(
  { arbitrary: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 })), weight: 6 },
  { arbitrary: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 10, max: 300 })), weight: 3 },
  { arbitrary: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 9000, max: 17_000 })), weight: 1 },
);

export const validCall: fc.Arbitrary<ValidCall> = fc
  .record({
    fn: fc.constantFrom(...FNS),
    shape,
    dtype: fc.constantFrom<Dtype>('f64', 'f32', 'array', 'f16'),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    o: fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 9, maxLength: 9 }),
  })
  .map(({ fn, shape: [rows, classes], dtype, seed, o }) => ({ fn, rows, classes, dtype, seed, o }));

const wrap = fc.oneof(
  { arbitrary: fc.constantFrom<Wrap>(...WRAPS_TRANSPARENT), weight: 3 },
  { arbitrary: fc.constantFrom<Wrap>(...WRAPS_HOSTILE), weight: 2 },
);

export const hostileCase: fc.Arbitrary<HostileCase> = fc.record({
  call: validCall,
  args: fc.array(wrap, { minLength: 2, maxLength: 2 }),
  arrayOptions: fc.array(wrap, { minLength: 2, maxLength: 2 }),
  options: fc.constantFrom<OptionWrap>(...OPTION_WRAPS),
  output: fc.constantFrom<OutputWrap>(...OUTPUT_WRAPS),
  ranks: fc.constantFrom<RanksWrap>(...RANKS_WRAPS),
  accumulate: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
  hseed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

// ---- the valid call's data ------------------------------------------------------------------------

interface Plain {
  /** positional arrays as numbers, and whether each is class indices */
  args: { data: number[]; index: boolean }[];
  /** scalar options */
  scalars: Record<string, unknown>;
  /** array options (weight, posWeight) as numbers */
  arrays: Record<string, number[]>;
  /** the output buffer the call fills, if any */
  output: { name: 'grad' | 'out' | 'values'; dtype: 'f64' | 'f32'; length: number } | null;
  /** tokenLogProbs's `ranks`, if the call has it */
  ranks: { dtype: 'i32' | 'u32'; length: number } | null;
}

export function materialise(c: ValidCall): Plain {
  const next = rng(c.seed);
  const n = c.rows * c.classes;
  const prob = (k: number) => Array.from({ length: k }, () => next());
  const logit = (k: number) => Array.from({ length: k }, () => 60 * next() - 30);
  const index = (k: number) => Array.from({ length: k }, () => Math.floor(next() * c.classes));
  const weight = (k: number) => Array.from({ length: k }, () => 0.1 + 2.9 * next());
  const pick = <T>(i: number, list: readonly T[]) => list[c.o[i] % list.length];
  const scalars: Record<string, unknown> = { classes: c.classes };
  const arrays: Record<string, number[]> = {};
  let output: Plain['output'] = null;
  let ranks: Plain['ranks'] = null;
  let args: Plain['args'];
  const reductions = ['mean', 'sum', 'none'];
  switch (c.fn) {
    case 'entropy':
    case 'crossEntropy':
    case 'klDivergence':
    case 'jsDivergence':
      args = (c.fn === 'entropy' ? [0] : [0, 1]).map(() => ({ data: prob(n), index: false }));
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 3 === 0) scalars.base = pick(2, [2, 10, 0.5]);
      if (c.o[3] % 2 === 0) scalars.normalize = true;
      // crossEntropy's and klDivergence's ∂/∂q (q's length)
      if ((c.fn === 'crossEntropy' || c.fn === 'klDivergence') && c.o[5] % 2 === 0)
        output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break;
    case 'binaryCrossEntropy':
      delete scalars.classes;
      args = [
        { data: prob(n), index: false },
        { data: prob(n), index: false },
      ];
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 2 === 0) arrays.weight = weight(n);
      if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break;
    case 'binaryCrossEntropyWithLogits':
      args = [
        { data: logit(n), index: false },
        { data: prob(n), index: false },
      ];
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 2 === 0) arrays.weight = weight(n);
      if (c.o[2] % 2 === 0) arrays.posWeight = weight(c.classes);
      if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break;
    case 'softmaxCrossEntropy': {
      // With classes 1, a number[] target of length rows is read as indices (the documented rule),
      // and a typed wrapper (alloc) would make the same data probabilities: draw indices there.
      const indices = c.o[5] % 3 !== 0 || (c.classes === 1 && c.dtype === 'array');
      args = [{ data: logit(n), index: false }, indices ? { data: index(c.rows), index: true } : { data: prob(n), index: false }];
      if (indices && c.o[6] % 3 === 0) {
        scalars.ignoreIndex = 0; // rows whose class is 0 are ignored
      }
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 2 === 0) arrays.weight = weight(c.classes);
      if (c.o[2] % 2 === 0) scalars.labelSmoothing = pick(7, [0.1, 0.5, 1]);
      if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break;
    }
    case 'nllLoss':
      args = [
        { data: logit(n).map((v) => v - 31), index: false },
        { data: index(c.rows), index: true },
      ];
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 2 === 0) arrays.weight = weight(c.classes);
      if (c.o[6] % 3 === 0) scalars.ignoreIndex = 0;
      if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break;
    case 'klDiv':
      args = [
        { data: logit(n).map((v) => v - 31), index: false },
        { data: prob(n), index: false },
      ];
      scalars.reduction = pick(0, [...reductions, 'batchmean']);
      if (c.o[1] % 2 === 0) scalars.logTarget = true;
      if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break;
    case 'logSumExp':
      args = [{ data: logit(n), index: false }];
      break;
    case 'sigmoidFocalLoss':
      delete scalars.classes;
      args = [
        { data: logit(n), index: false },
        { data: prob(n), index: false },
      ];
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 2 === 0) scalars.alpha = pick(2, [-1, 0, 0.25, 1]);
      if (c.o[2] % 2 === 0) scalars.gamma = pick(5, [0, 0.5, 2, 7]);
      if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break; // (it fell through to tokenLogProbs's case: class-index targets, a length error in nearly every call)
    case 'tokenLogProbs':
    case 'perplexity':
      args = [
        { data: logit(n), index: false },
        { data: index(c.rows), index: true },
      ];
      if (c.o[6] % 3 === 0) scalars.ignoreIndex = 0;
      if (c.fn === 'tokenLogProbs') {
        if (c.o[3] % 2 === 0) output = { name: 'out', dtype: pick(4, ['f64', 'f32'] as const), length: c.rows };
        if (c.o[1] % 3 !== 0) ranks = { dtype: pick(2, ['i32', 'u32'] as const), length: c.rows };
      }
      break;
    case 'ctcLoss':
    case 'ctcGreedyDecode':
    case 'ctcBeamSearch': {
      // rows = T·N frames (N = 2 when rows is even), classes C; lengths in the options as number[]
      const N = c.rows % 2 === 0 ? 2 : 1;
      const T = c.rows / N;
      const inputLengths = Array.from({ length: N }, (_, i) => (i === 0 ? T : Math.floor(next() * (T + 1))));
      const blank = c.o[5] % c.classes;
      scalars.inputLengths = inputLengths;
      scalars.blank = blank;
      if (c.o[2] % 2 === 0) scalars.batchFirst = true;
      args = [{ data: logit(n).map((v) => v / 6), index: false }];
      if (c.fn === 'ctcLoss') {
        // labels other than blank, at most as many as fit the frames (repeats allowed: some impossible)
        const targetLengths = inputLengths.map((f) => (c.classes < 2 ? 0 : Math.floor(next() * (Math.min(f, 6) + 1))));
        const labels: number[] = [];
        for (const l of targetLengths)
          for (let j = 0; j < l; j++) labels.push((blank + 1 + Math.floor(next() * (c.classes - 1))) % c.classes);
        args.push({ data: labels, index: true });
        scalars.targetLengths = targetLengths;
        scalars.reduction = pick(0, reductions);
        if (c.o[1] % 2 === 0) scalars.fromLogits = true;
        if (c.o[6] % 2 === 0) scalars.zeroInfinity = true;
        if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      } else if (c.fn === 'ctcBeamSearch') {
        scalars.beamWidth = 1 + (c.o[3] % 4);
        scalars.topPaths = 1 + (c.o[4] % (scalars.beamWidth as number));
      }
      break;
    }
    case 'topLogProbs': {
      args = [{ data: logit(n), index: false }];
      const k = 1 + (c.o[2] % Math.min(c.classes, 8));
      scalars.k = k;
      if (c.o[3] % 2 === 0) output = { name: 'values', dtype: pick(4, ['f64', 'f32'] as const), length: c.rows * k };
      break;
    }
    case 'softmaxEntropy':
      args = [{ data: logit(n), index: false }];
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 3 === 0) scalars.base = pick(2, [2, 10, 0.5]);
      if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break;
    case 'brierScore':
      args = [
        { data: c.o[1] % 2 === 0 ? logit(n) : prob(n), index: false },
        { data: index(c.rows), index: true },
      ];
      if (c.o[1] % 2 === 0) scalars.fromLogits = true;
      scalars.reduction = pick(0, reductions);
      break;
    case 'calibrationError':
      args = [
        { data: c.o[1] % 2 === 0 ? logit(n) : prob(n), index: false },
        { data: index(c.rows), index: true },
      ];
      if (c.o[1] % 2 === 0) scalars.fromLogits = true;
      scalars.bins = pick(2, [15, 10, 3]);
      scalars.norm = pick(5, ['l1', 'l2', 'max']);
      break;
    case 'fitTemperature':
      args = [
        { data: logit(n), index: false },
        { data: index(c.rows), index: true },
      ];
      if (c.o[6] % 3 === 0) scalars.ignoreIndex = 0;
      break;
    case 'continuationScore':
      args = [
        { data: logit(n), index: false },
        { data: index(c.rows), index: true },
      ];
      scalars.start = c.o[2] % c.rows;
      break;
    default:
      args = [{ data: logit(n), index: false }];
      if (c.o[3] % 2 === 0) output = { name: 'out', dtype: pick(4, ['f64', 'f32'] as const), length: n };
  }
  // A K-dimensional layout, PyTorch's (N, C, d1[, d2]) with rows = N·S, S = d1·d2 positions, next
  // to `classes` (both given, agreeing): the data are the same numbers, read as N × C × S, so the
  // column kernels and the glue's block copies of strided positions meet the hostile wrappers too.
  // (An accumulator takes `classes` only: `build` drops `shape` for those calls.)
  if (SHAPED.has(c.fn) && c.o[8] !== undefined && c.o[8] % 3 === 0) {
    const divisors = Array.from({ length: c.rows }, (_, i) => i + 1).filter((d) => c.rows % d === 0);
    const S = divisors[Math.floor(c.o[8] / 3) % divisors.length];
    scalars.shape = S % 2 === 0 && c.o[8] >= 9 ? [c.rows / S, c.classes, 2, S / 2] : [c.rows / S, c.classes, S];
  }
  // sampleWeight (bit 3 of o[7]: the other uses of o[7] read it mod 3); binaryCrossEntropy takes it with `classes`
  if (SAMPLE_WEIGHTED.has(c.fn) && c.o[7] >= 8) {
    arrays.sampleWeight = weight(c.rows);
    scalars.classes = c.classes;
  }
  if (c.dtype === 'f16') {
    // float16 bit patterns of the values (the honest call takes the same bits)
    for (const a of args) if (!a.index) a.data = a.data.map(halfBits);
    for (const k of Object.keys(arrays)) arrays[k] = arrays[k].map(halfBits);
  }
  return { args, scalars, arrays, output, ranks };
}

// ---- building the two calls ------------------------------------------------------------------------

type FloatCtor = Float64ArrayConstructor | Float32ArrayConstructor;
type TypedCtor = FloatCtor | Uint8ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor;
type Typed = Float64Array | Float32Array | Uint8Array | Uint16Array | Int32Array | Uint32Array;

/** What `build` hands the check. */
export interface Built {
  fn: Fn;
  /** the prefixes a named error may carry: `xentropy.<prefix>: ` (the function's, and its accumulator's update) */
  prefixes: string[];
  /** called through an accumulator made with these (honest) options: `update(...args)` */
  accumulator: { options: Record<string, unknown> } | null;
  hostileArgs: unknown[];
  honestArgs: unknown[];
  /** honest arguments built from the arrays' state after the call (resizable buffers shrunk) */
  honestAfter: (() => unknown[]) | null;
  /** the slots that lie, re-enter or change mid-call (their names), empty when all are transparent */
  hostile: string[];
  /** the call must be a named error (a freed or detached array was used, or outputs provably alias) */
  mustFail: boolean;
  /** every name an error may give */
  names: string[];
  /** inputs to compare with their data after the call: [name, read the current contents, data] */
  inputs: [string, () => ArrayLike<number> | null, number[]][];
  /** [hostile output, honest output] */
  outputs: [unknown, Typed][];
  /** reads the hostile `grad`, when it is in `outputs` (readable afterwards): a failed call must leave it as it was */
  grad: (() => Float64Array | Float32Array) | null;
  cleanup: () => void;
}

/** Memory growth is at least a doubling: only a few per WASM instance and process. */
const growthBudget = new WeakMap<Entry, number>();
const GROWTHS = 3;

/** Detaches an ArrayBuffer (as a transfer to another thread does). */
function detach(buf: ArrayBufferLike): void {
  structuredClone(buf, { transfer: [buf as ArrayBuffer] });
}

/**
 * A view of `of`'s memory (read through the engine: `of` may lie) as `T` of `length` elements,
 * sharing at least one byte with it; null when its buffer has no room for that.
 */
function overlapping<T extends Typed>(Ctor: new (b: ArrayBufferLike, o: number, n: number) => T, of: unknown, length: number): T | null {
  if (length === 0) return null;
  let buf: ArrayBufferLike;
  let at: number;
  let bytes: number;
  try {
    buf = realBuffer(of);
    at = realByteOffset(of);
    bytes = realLength(of) * (of as Typed).BYTES_PER_ELEMENT;
  } catch {
    return null; // not a typed array (a Proxy)
  }
  const size = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const start = Math.ceil(at / size) * size;
  if (bytes === 0 || start >= at + bytes || start + length * size > buf.byteLength) return null;
  return new Ctor(buf, start, length);
}

/**
 * A Proxy of an Array (Array.isArray holds) whose every entry, and its length, reads honestly the
 * first time and as something else after: a library that reads `shape` twice sees another layout.
 */
function twoFacedArray(a: number[]): number[] {
  const seen = new Set<PropertyKey>();
  return new Proxy([...a], {
    get(t, k, r) {
      if (typeof k === 'symbol') return Reflect.get(t, k, r);
      const first = !seen.has(k);
      seen.add(k);
      if (first || (k !== 'length' && !/^\d+$/.test(k))) return Reflect.get(t, k, r);
      return k === 'length' ? t.length + 1 : 7;
    },
  });
}

export function build(m: Entry, h: HostileCase): Built {
  const c = h.call;
  const plain = materialise(c);
  const next = rng(h.hseed);
  const accumulate = h.accumulate && ACCUMULATED.has(c.fn);
  const batchKeys = accumulate ? (BATCH[c.fn] ?? []) : [];
  if (accumulate) {
    // an accumulator reduces to 'mean' or 'sum' (klDiv also 'batchmean'), and fills no output
    if (plain.scalars.reduction === 'none') plain.scalars.reduction = 'mean';
    plain.output = null;
    delete plain.scalars.shape;
    if (c.fn === 'perplexity') {
      plain.scalars.bytes = 4 * c.rows + (c.seed % 7);
      plain.scalars.words = c.rows;
    }
  }
  const half = c.dtype === 'f16';
  const typedIndices = TYPED_INDICES.has(c.fn) && c.dtype !== 'array';
  const names = [
    ...ARG_NAMES[c.fn],
    ...Object.keys(plain.arrays),
    ...Object.keys(plain.scalars),
    ...(plain.output ? [plain.output.name] : []),
    ...(plain.ranks ? ['ranks'] : []),
    'options',
  ];
  const hostile: string[] = [];
  let mustFail = false;
  const allocated: (Float64Array | Float32Array)[] = [];
  const midCall: (() => void)[] = [];
  const inputs: Built['inputs'] = [];
  const rabs: { name: string; rab: Resizable; view: Typed; index: number }[] = [];
  const sabs = new Map<string, { sab: SharedArrayBuffer; offset: number }>();
  const buffers = new Map<string, { buf: ArrayBuffer; offset: number }>();
  /** a plain array whose element getter runs the mid-call changes (instead of an option getter) */
  let elementTrigger = false;
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    for (const f of midCall) f();
  };

  const Ctor = (dtype: Dtype): FloatCtor => (dtype === 'f32' ? Float32Array : Float64Array);
  /** The typed array type of an array of the call (class indices as given to tokenLogProbs and perplexity). */
  const TypedOf = (index: boolean): TypedCtor =>
    index
      ? c.dtype === 'f64'
        ? Uint32Array
        : half
          ? c.classes <= 256
            ? Uint8Array
            : Uint16Array
          : Int32Array
      : half
        ? Uint16Array
        : Ctor(c.dtype === 'array' ? 'f64' : c.dtype);
  /** float16 bits are passed marked */
  const mark = (index: boolean, a: unknown): unknown => (half && !index ? m.float16(a as Uint16Array) : a);
  const honestOf = (data: number[], dtype: Dtype, index: boolean): unknown => {
    if (index) return typedIndices ? TypedOf(true).from(data) : data.slice();
    if (dtype === 'array') return data.slice();
    return mark(false, TypedOf(false).from(data));
  };

  /** The hostile form of one array; records what the check needs. */
  function wrapArray(name: string, data: number[], dtype: Dtype, index: boolean, w: Wrap): unknown {
    const typed = index ? typedIndices : dtype !== 'array';
    const T = TypedOf(index) as Float64ArrayConstructor; // (any of TypedCtor: typed loosely)
    const n = data.length;
    const record = (kind: Wrap, read: () => ArrayLike<number> | null) => {
      if (!TRANSPARENT.has(kind)) hostile.push(name);
      inputs.push([name, read, dtype === 'f32' && !index ? Array.from(Float32Array.from(data)) : data]);
    };
    const marked = (a: unknown) => mark(index, a);
    switch (w) {
      case 'plain':
        break;
      case 'subclass': {
        if (!typed) {
          const A = class extends Array<number> {};
          const a = new A();
          for (const v of data) a.push(v);
          record(w, () => a);
          return a;
        }
        const S = class extends T {};
        const a = new S(data);
        record(w, () => snapshot(a));
        return marked(a);
      }
      case 'offsetView': {
        if (!typed) break;
        const buf = new ArrayBuffer((n + 4) * T.BYTES_PER_ELEMENT);
        const a = new T(buf, 2 * T.BYTES_PER_ELEMENT, n);
        a.set(data);
        buffers.set(name, { buf, offset: 2 * T.BYTES_PER_ELEMENT });
        record(w, () => snapshot(a));
        return marked(a);
      }
      case 'proxyArray': {
        if (typed) break;
        const a = data.slice();
        record(w, () => a);
        return new Proxy(a, {});
      }
      case 'rab':
      case 'rabShrink': {
        if (!typed) break;
        const rab = resizable(n * T.BYTES_PER_ELEMENT);
        const a = new T(rab);
        a.set(data);
        if (w === 'rabShrink') {
          const to = next() < 0.5 ? 0 : Math.floor(n / 2);
          midCall.push(() => rab.resize(to * T.BYTES_PER_ELEMENT));
          rabs.push({ name, rab, view: a, index: -1 });
          hostile.push(name);
          return marked(a); // not compared afterwards: shrunk
        }
        record(w, () => snapshot(a));
        return marked(a);
      }
      case 'sab': {
        if (!typed) break;
        const sab = new SharedArrayBuffer((n + 2) * T.BYTES_PER_ELEMENT);
        const a = new T(sab as unknown as ArrayBuffer, T.BYTES_PER_ELEMENT, n);
        a.set(data);
        sabs.set(name, { sab, offset: T.BYTES_PER_ELEMENT });
        record(w, () => snapshot(a));
        return marked(a);
      }
      case 'alloc':
      case 'freedMidCall':
      case 'detachMidCall': {
        if (index && !typed) break;
        if (index || half) {
          if (w === 'detachMidCall') {
            // a plain buffer detached (transferred) by an option getter
            const a = T.from(data);
            hostile.push(name);
            mustFail = true; // its data are gone: no honest result is possible
            midCall.push(() => detach(realBuffer(a)));
            return marked(a);
          }
          if (index) break;
          // float16 bits in alloc memory: a view of it other than alloc's own array, refused by name
          const block = m.alloc(Float32Array, Math.ceil(n / 2) + 1);
          allocated.push(block);
          const a = new Uint16Array(realBuffer(block), realByteOffset(block), n);
          a.set(data);
          mustFail = true;
          hostile.push(name);
          return marked(a);
        }
        const a = m.alloc(T, n);
        a.set(data);
        allocated.push(a);
        if (w === 'freedMidCall') {
          mustFail = true;
          hostile.push(name);
          midCall.push(() => {
            m.free(a);
            allocated.splice(allocated.indexOf(a), 1);
            const z = m.alloc(T, n);
            z.fill(0.25);
            allocated.push(z);
          });
          return a;
        }
        if (w === 'detachMidCall') {
          const left = growthBudget.get(m) ?? GROWTHS;
          if (m.backend === 'wasm' && left > 0) {
            growthBudget.set(m, left - 1);
            hostile.push(name);
            midCall.push(() => allocated.push(...grow(m, a)));
            return a;
          }
        }
        record('alloc', () => (realLength(a) === n ? snapshot(a) : snapshot(m.refresh(a))));
        return a;
      }
      case 'detached': {
        if (!typed) break;
        // detached before the call (its buffer transferred): it holds no data, which is an error
        const a = T.from(data);
        detach(realBuffer(a));
        mustFail = true;
        hostile.push(name);
        return marked(a);
      }
      case 'reentrantElement': {
        if (typed) break;
        const a = data.slice();
        const v0 = a[0];
        if (n > 0) {
          // the mid-call changes run here (during the call's reading of its arguments, after it has
          // seen every typed array and read its options), not in an option getter
          elementTrigger = true;
          Object.defineProperty(a, 0, { enumerable: true, get: () => (reenter(m), fire(), v0) });
        }
        record(w, () => data); // the getter itself cannot change
        return a;
      }
      case 'lyingLength': {
        const lie = [0, 1, n - 1, n + 1, 2 * n, 20_000][Math.floor(next() * 6)];
        if (!typed) {
          // a Proxy of an Array whose length is honest on its first read only
          const a = data.slice();
          let reads = 0;
          record(w, () => a);
          return new Proxy(a, { get: (t, k) => (k === 'length' ? (reads++ === 0 ? n : lie) : Reflect.get(t, k)) });
        }
        const S = class extends T {};
        Object.defineProperty(S.prototype, 'length', { get: () => lie });
        const a = new S(data);
        record(w, () => snapshot(a));
        return marked(a);
      }
      case 'lyingBuffer': {
        if (!typed) break;
        const a = T.from(data);
        const lies: PropertyDescriptorMap = [
          { buffer: { get: () => new ArrayBuffer(8) } },
          { byteOffset: { get: () => 1e9 } },
          { byteLength: { get: () => 0 } },
        ][Math.floor(next() * 3)];
        Object.setPrototypeOf(a, Object.create(T.prototype, lies));
        record(w, () => snapshot(a));
        return marked(a);
      }
      case 'overriddenMethods': {
        if (!typed) break;
        const S = class extends T {};
        const garbage = new T(Math.max(n, 1)).fill(0.125);
        const boom = () => {
          throw new Error('the library called a method of the instance');
        };
        Object.defineProperty(S.prototype, 'subarray', { value: (a?: number, b?: number) => garbage.subarray(a, b) });
        Object.defineProperty(S.prototype, 'set', { value: () => {} });
        for (const k of ['slice', 'map', 'forEach', 'at', 'values', Symbol.iterator])
          Object.defineProperty(S.prototype, k, { value: boom });
        const a = new S(data);
        record(w, () => snapshot(a));
        return marked(a);
      }
      case 'typedProxy': {
        if (!typed) break;
        const a = T.from(data);
        record(w, () => snapshot(a));
        // float16: a Proxy of the marker (float16() refuses a Proxy of the bits themselves)
        const target = marked(a) as object;
        return new Proxy(target, {
          get: (t, k) => {
            const v = Reflect.get(t, k, t);
            return typeof v === 'function' ? v.bind(t) : v;
          },
        });
      }
      case 'protoSwap': {
        if (!typed) break;
        const a = T.from(data);
        Object.setPrototypeOf(a, (T as TypedCtor) === Float32Array ? Float64Array.prototype : Float32Array.prototype);
        record(w, () => snapshot(a));
        return marked(a);
      }
    }
    // the plain form (and wrappers that do not apply to this kind of array)
    const a = honestOf(data, dtype, index);
    const bits = half && !index ? TypedOf(false).from(data) : null;
    record('plain', () => (Array.isArray(a) ? a : snapshot(bits ?? a)));
    return bits ? m.float16(bits as Uint16Array) : a;
  }

  const hostileArgs = plain.args.map((a, i) => wrapArray(ARG_NAMES[c.fn][i], a.data, c.dtype, a.index, h.args[i % h.args.length]));
  const honestArgs = plain.args.map((a) => honestOf(a.data, c.dtype, a.index));
  const arrayOptionsHostile: Record<string, unknown> = {};
  const arrayOptionsHonest: Record<string, unknown> = {};
  /** through an accumulator: the array options fixed at creation (honest, not wrapped) */
  const creationArrays: Record<string, unknown> = {};
  Object.entries(plain.arrays).forEach(([k, data], i) => {
    if (accumulate && !batchKeys.includes(k)) {
      creationArrays[k] = honestOf(data, c.dtype, false);
      return;
    }
    arrayOptionsHostile[k] = wrapArray(k, data, c.dtype, false, h.arrayOptions[i % h.arrayOptions.length]);
    arrayOptionsHonest[k] = honestOf(data, c.dtype, false);
  });

  // the output buffer
  const outputs: Built['outputs'] = [];
  let outHostile: unknown;
  let outHonest: Float64Array | Float32Array | undefined;
  let grad: Built['grad'] = null;
  if (plain.output) {
    const { name, length: n } = plain.output;
    const T: FloatCtor = plain.output.dtype === 'f32' ? Float32Array : Float64Array;
    outHonest = new T(n);
    const first = ARG_NAMES[c.fn][0];
    const w = h.output;
    if (!['plain', 'subclass', 'alloc'].includes(w)) hostile.push(name);
    switch (w) {
      case 'subclass':
        outHostile = new (class extends T {})(n);
        break;
      case 'alloc': {
        const a = m.alloc(T, n);
        allocated.push(a);
        outHostile = a;
        break;
      }
      case 'noopSet':
      case 'reentrantSet': {
        const S = class extends T {};
        Object.defineProperty(S.prototype, 'set', {
          value(this: Float64Array, src: ArrayLike<number>, off?: number) {
            if (w === 'noopSet') return;
            reenter(m);
            Float64Array.prototype.set.call(this, src, off);
          },
        });
        outHostile = new S(n);
        break;
      }
      case 'sharedAlias': {
        // over a structuredClone of the first input's SharedArrayBuffer, shifted by one element
        const s = sabs.get(first);
        if (s && s.sab.byteLength >= n * T.BYTES_PER_ELEMENT) {
          const twin = structuredClone(s.sab);
          // whole elements of the output's type (the input may be f32 under an f64 output)
          const room = Math.min(T.BYTES_PER_ELEMENT, s.sab.byteLength - n * T.BYTES_PER_ELEMENT);
          const shift = room - (room % T.BYTES_PER_ELEMENT);
          outHostile = new T(twin as unknown as ArrayBuffer, shift > 0 ? shift : 0, n);
          inputs.splice(
            inputs.findIndex(([k]) => k === first),
            1,
          ); // written through the alias by design
        } else outHostile = new T(n);
        break;
      }
      case 'aliasInput': {
        // an honest view of an input's memory (the bits of float16 data; in-place use, `grad: q`
        // when the dtypes match): provable, so an error; the inputs tried in either order
        const over = hostileArgs.map((a) => (typeof a === 'object' && a !== null && 'bits' in a ? (a as { bits: unknown }).bits : a));
        if (next() < 0.5) over.reverse();
        const view = over.map((x) => overlapping(T as Float64ArrayConstructor, x, n)).find((v) => v !== null);
        if (view) {
          outHostile = view;
          mustFail = true;
        } else outHostile = new T(n);
        break;
      }
      case 'lyingBuffer': {
        // over the own ArrayBuffer of the first input that is a view at an offset (the overlap is
        // provable by the engine; tokenLogProbs's Int32Array targets too), its accessors lying;
        // elsewhere only the lie
        const b = ARG_NAMES[c.fn].map((k) => buffers.get(k)).find((x) => x !== undefined);
        const alias = !!b && b.buf.byteLength >= n * T.BYTES_PER_ELEMENT && n * T.BYTES_PER_ELEMENT > b.offset;
        const a = alias ? new T(b!.buf, 0, n) : new T(n);
        if (alias) mustFail = true;
        Object.setPrototypeOf(a, Object.create(T.prototype, { buffer: { get: () => new ArrayBuffer(8) }, byteOffset: { get: () => 1e9 } }));
        outHostile = a;
        break;
      }
      case 'freedMidCall': {
        const a = m.alloc(T, n);
        allocated.push(a);
        mustFail = true;
        midCall.push(() => {
          m.free(a);
          allocated.splice(allocated.indexOf(a), 1);
          const z = m.alloc(T, n);
          z.fill(3);
          allocated.push(z);
        });
        outHostile = a;
        break;
      }
      case 'rabShrink': {
        const rab = resizable(n * T.BYTES_PER_ELEMENT);
        outHostile = new T(rab);
        if (n > 0) {
          mustFail = true;
          midCall.push(() => rab.resize(0));
        }
        break;
      }
      case 'rabGrow': {
        // a length-tracking view whose buffer grows by two elements mid-call
        const rab = resizable(n * T.BYTES_PER_ELEMENT, (n + 2) * T.BYTES_PER_ELEMENT);
        outHostile = new T(rab);
        mustFail = true;
        midCall.push(() => rab.resize((n + 2) * T.BYTES_PER_ELEMENT));
        break;
      }
      case 'detached': {
        // transferred before the call: it has no room for the result, which is an error
        const a = new T(n);
        detach(realBuffer(a));
        outHostile = a;
        mustFail = true;
        break;
      }
      default:
        outHostile = new T(n);
    }
    if (!['freedMidCall', 'rabShrink', 'rabGrow', 'detached'].includes(w) && !(w === 'aliasInput' && mustFail)) {
      outputs.push([outHostile, outHonest]);
      // (an alloc array detached by memory growth, another argument's wrapper, is read through refresh)
      const o = outHostile;
      if (name === 'grad') grad = () => (w === 'alloc' && realLength(o) !== n ? snapshot(m.refresh(o as Float64Array)) : snapshot(o));
    }
  }

  // tokenLogProbs's ranks
  let ranksHostile: unknown;
  let ranksHonest: Int32Array | Uint32Array | undefined;
  if (plain.ranks) {
    const n = plain.ranks.length;
    const R = (plain.ranks.dtype === 'i32' ? Int32Array : Uint32Array) as Int32ArrayConstructor;
    ranksHonest = new R(n);
    const w = h.ranks;
    let compare = true;
    const fallback = () => {
      ranksHostile = new R(n);
    };
    if (w !== 'plain' && w !== 'subclass') hostile.push('ranks');
    switch (w) {
      case 'subclass':
        ranksHostile = new (class extends R {})(n);
        break;
      case 'overriddenMethods': {
        const S = class extends R {};
        const boom = () => {
          throw new Error('the library called a method of ranks');
        };
        for (const k of ['set', 'subarray', 'fill', 'slice', 'map', 'at', 'values', Symbol.iterator])
          Object.defineProperty(S.prototype, k, { value: boom });
        ranksHostile = new S(n);
        break;
      }
      case 'lyingBuffer': {
        const a = new R(n);
        Object.setPrototypeOf(a, Object.create(R.prototype, { buffer: { get: () => new ArrayBuffer(8) }, byteOffset: { get: () => 1e9 } }));
        ranksHostile = a;
        break;
      }
      case 'aliasOut':
      case 'aliasInput': {
        // over memory the engine can see is `out`'s, or an input's (the bits of float16 data)
        const over =
          w === 'aliasOut'
            ? [outHostile]
            : hostileArgs.map((a) => (typeof a === 'object' && a !== null && 'bits' in a ? (a as { bits: unknown }).bits : a));
        const view = over.map((x) => (x === undefined ? null : overlapping(R, x, n))).find((v) => v !== null);
        if (view) {
          ranksHostile = view;
          mustFail = true;
          compare = false;
        } else fallback();
        break;
      }
      case 'sharedAlias': {
        // over a structuredClone of the targets' SharedArrayBuffer (the logits' when `out` is not there already)
        const s = sabs.get('targets') ?? (h.output === 'sharedAlias' && plain.output ? undefined : sabs.get('logits'));
        const which = sabs.get('targets') ? 'targets' : 'logits';
        const view = s ? overlapping(R, new Uint8Array(structuredClone(s.sab) as unknown as ArrayBuffer), n) : null;
        if (view) {
          ranksHostile = view;
          const at = inputs.findIndex(([k]) => k === which);
          if (at >= 0) inputs.splice(at, 1); // written through the alias by design
        } else fallback();
        break;
      }
      case 'allocView': {
        const block = m.alloc(Float64Array, Math.ceil(n / 2) + 1);
        allocated.push(block);
        ranksHostile = new R(realBuffer(block), realByteOffset(block), n);
        mustFail = true;
        compare = false;
        break;
      }
      case 'rabShrink':
      case 'rabGrow': {
        const grows = w === 'rabGrow';
        const rab = resizable(n * 4, (n + 2) * 4);
        ranksHostile = new R(rab);
        mustFail = true;
        compare = false;
        midCall.push(() => rab.resize(grows ? (n + 2) * 4 : 0));
        break;
      }
      case 'detached': {
        const a = new R(n);
        detach(realBuffer(a));
        ranksHostile = a;
        mustFail = true;
        compare = false;
        break;
      }
      default:
        fallback();
    }
    if (compare) outputs.push([ranksHostile, ranksHonest]);
  }

  // options (through an accumulator: the creation options are honest; these are update's batch)
  const outputOptions = (out: unknown, ranks: unknown) => ({
    ...(plain.output ? { [plain.output.name]: out } : {}),
    ...(plain.ranks ? { ranks } : {}),
  });
  const creation: Record<string, unknown> = {};
  const honestScalars: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(plain.scalars)) {
    if (accumulate && !batchKeys.includes(k)) creation[k] = v;
    else honestScalars[k] = v;
  }
  Object.assign(creation, creationArrays);
  const honestOptions: Record<string, unknown> = {
    ...honestScalars,
    ...arrayOptionsHonest,
    ...outputOptions(outHonest, ranksHonest),
  };
  const values: Record<string, unknown> = {
    ...honestScalars,
    ...arrayOptionsHostile,
    ...outputOptions(outHostile, ranksHostile),
  };
  const trigger = accumulate ? null : c.fn === 'binaryCrossEntropy' || c.fn === 'sigmoidFocalLoss' ? 'reduction' : 'classes';
  const reads: Record<string, number> = {};
  const value = (k: string) => {
    reads[k] = (reads[k] ?? 0) + 1;
    if (k === trigger && !elementTrigger) fire();
    if (h.options === 'reentrant') reenter(m);
    const v = values[k];
    if (h.options === 'twoFaced' && reads[k] > 1 && k in arrayOptionsHostile) return new Float64Array(plain.arrays[k].length).fill(1e6);
    if (h.options === 'twoFaced' && k === 'shape') return twoFacedArray(v as number[]);
    return v;
  };
  if (h.options === 'reentrant' || h.options === 'twoFaced') hostile.push('options');
  let options: unknown;
  if (h.options === 'proxy') {
    options = new Proxy({ ...values }, { get: (_t, k) => (typeof k === 'string' ? value(k) : undefined) });
  } else {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(values)) {
      if (h.options === 'plain' && k !== trigger) o[k] = values[k];
      else Object.defineProperty(o, k, { enumerable: true, get: () => value(k) });
    }
    options = o;
  }
  if (accumulate) {
    // update's batch object: its keys are listed (Object.keys) before anything else of the batch
    // is read, and before the function itself runs: the mid-call changes happen there
    const inner = options as object;
    options = new Proxy(inner, {
      ownKeys: (t) => {
        if (!elementTrigger) fire();
        if (h.options === 'reentrant') reenter(m);
        return Reflect.ownKeys(t);
      },
    });
  } else if (midCall.length && !elementTrigger && !(trigger! in values))
    throw new Error('test bug: no option to trigger the mid-call changes');

  const honestAfter = rabs.length
    ? () => {
        const after = (r: (typeof rabs)[number]) => (half ? m.float16(Uint16Array.from(snapshot(r.view))) : snapshot(r.view));
        const args = plain.args.map((a, i) => {
          const r = rabs.find((x) => x.name === ARG_NAMES[c.fn][i]);
          if (!r) return honestOf(a.data, c.dtype, a.index);
          return a.index ? TypedOf(true).from(snapshot(r.view)) : after(r);
        });
        const opts: Record<string, unknown> = { ...honestOptions };
        for (const r of rabs) if (r.name in opts) opts[r.name] = after(r);
        if (plain.output) opts[plain.output.name] = new (plain.output.dtype === 'f32' ? Float32Array : Float64Array)(plain.output.length);
        if (plain.ranks) opts.ranks = new (plain.ranks.dtype === 'i32' ? Int32Array : Uint32Array)(plain.ranks.length);
        return [...args, opts];
      }
    : null;

  return {
    fn: c.fn,
    prefixes: accumulate ? [c.fn, `accumulator('${c.fn}').update`] : [c.fn],
    accumulator: accumulate ? { options: creation } : null,
    hostileArgs: [...hostileArgs, options],
    honestArgs: [...honestArgs, honestOptions],
    honestAfter,
    hostile: [...new Set(hostile)],
    mustFail,
    names,
    inputs,
    outputs,
    grad,
    cleanup: () => {
      for (const a of allocated) {
        try {
          m.free(m.refresh(a));
        } catch {
          // already released (a case freed it), or the allocator is broken: the known-good call says so
        }
      }
    },
  };
}
