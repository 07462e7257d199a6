import type { FloatArray } from '../kernels/types.js';

/** A Float64Array or Float32Array: float data in, and the buffers the library fills (`grad`, `out`). */
export type { FloatArray };

declare const float16Brand: unique symbol;

/**
 * A Uint16Array of IEEE 754 float16 bit patterns, marked as such by `float16(bits)` (a
 * Uint16Array alone is never taken for float16). Every function accepts it where it takes floats.
 */
export interface Float16Bits {
  readonly [float16Brand]: true;
  /** The Uint16Array that was marked. */
  readonly bits: Uint16Array;
}

/** A runtime's own Float16Array (Node 24, Deno, Bun, current browsers), typed without needing lib support for it. */
export interface Float16ArrayLike extends ArrayBufferView {
  readonly [Symbol.toStringTag]: 'Float16Array';
}

/** float16 data: a Float16Array, or a Uint16Array of float16 bits marked by `float16(bits)`. */
export type Float16Input = Float16Bits | Float16ArrayLike;

/**
 * Numbers in: a float typed array, a plain array of numbers, or float16 data (computed exactly
 * from the float16 values; results in f64).
 */
export type Values = FloatArray | readonly number[] | Float16Input;

/** How per-row results are combined: their mean, their sum, or none (one value per row). */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * The reductions of the functions that take `sampleWeight`: Reduction's, and TF.js's
 * SUM_BY_NONZERO_WEIGHTS (its default): the (weighted) sum over the number of nonzero weights
 * (times the row length for the per-element losses); without weights, over the number of losses.
 */
export type WeightedReduction = Reduction | 'sumByNonzeroWeights';

/** Which kernel set computes the numbers. */
export type Backend = 'wasm' | 'js';

export interface MeasureOptions {
  /** Logarithm base; results are divided by ln(base). Default e (nats); 2 gives bits. */
  base?: number;
  /** Length of one distribution (one row). Omitted: the whole array is one row. */
  classes?: number;
  /** How rows are combined. Default 'mean'. */
  reduction?: Reduction;
  /** Divide each row of p (and q) by its sum first, as scipy.stats.entropy does. Default false. */
  normalize?: boolean;
}

/** Options with reduction 'none': the result is an array (one value per row, or per element). */
export type Unreduced<O> = O & { reduction: 'none' };
/** Options with a reduction `R` that returns a single number (the default 'mean' included). */
export type Reduced<O, R extends string = 'mean' | 'sum'> = O & { reduction?: R };

export interface UnaryMeasure {
  (p: Values, options: Unreduced<MeasureOptions>): Float64Array;
  (p: Values, options?: Reduced<MeasureOptions>): number;
  (p: Values, options?: MeasureOptions): number | Float64Array;
}

export interface BinaryMeasure {
  (p: Values, q: Values, options: Unreduced<MeasureOptions>): Float64Array;
  (p: Values, q: Values, options?: Reduced<MeasureOptions>): number;
  (p: Values, q: Values, options?: MeasureOptions): number | Float64Array;
}

/** The options of crossEntropy and klDivergence: a measure's, and a gradient with respect to q. */
export interface GradMeasureOptions extends Omit<MeasureOptions, 'reduction'> {
  /**
   * How rows are combined. Default 'mean' (Σ s·row / Σ s with `sampleWeight`); also
   * 'sumByNonzeroWeights' (TF.js's SUM_BY_NONZERO_WEIGHTS: the weighted sum over the number of
   * nonzero sample weights; without them, over the rows, as 'mean').
   */
  reduction?: WeightedReduction;
  /**
   * One finite weight ≥ 0 per row (Keras' sample_weight): 'none' gives each row times its weight,
   * 'mean' Σ s·row / Σ s, 'sum' Σ s·row; the gradient is that of the weighted result.
   */
  sampleWeight?: Values;
  /**
   * Filled with ∂result/∂q ('none' is treated as 'sum'; 'mean' over rows; divided by ln(base)):
   * −p/q per element, 0 where p = 0 (whatever q), −∞ where q = 0 < p; with `normalize`, the
   * derivative with respect to the raw q through the normalisation of each row.
   */
  grad?: FloatArray;
}

/** crossEntropy and klDivergence: a binary measure that can fill a gradient with respect to q. */
export interface GradMeasure {
  (p: Values, q: Values, options: Unreduced<GradMeasureOptions>): Float64Array;
  (p: Values, q: Values, options?: Reduced<GradMeasureOptions>): number;
  (p: Values, q: Values, options: Reduced<GradMeasureOptions, 'sumByNonzeroWeights'>): number;
  (p: Values, q: Values, options?: GradMeasureOptions): number | Float64Array;
}

/** The typed-array constructors `alloc` accepts. */
export type FloatArrayType = Float32ArrayConstructor | Float64ArrayConstructor;

/**
 * Zero-copy buffers. On the `xentropy` entry they live in WebAssembly memory, and functions
 * read them in place; on `xentropy/js` they are ordinary typed arrays. Either way they are used
 * like any Float32Array/Float64Array, and released with `free`.
 *
 * Memory growth: WASM memory grows only inside `alloc` (never during a computation). When it
 * grows, every earlier view of WASM memory is detached by the JS engine: its length reads 0.
 * Functions given such a view throw (naming the argument) instead of computing on nothing;
 * `refresh(view)` returns a live view of the same block, with its contents. Safe patterns:
 * allocate everything first, then fill and compute; or call `refresh` after any `alloc`.
 */
export interface BufferApi {
  /**
   * A zero-filled Float32Array or Float64Array of `length` elements (at most 2^30 − 64 bytes:
   * 2^28 − 16 f32 or 2^27 − 8 f64) in WASM memory, which functions read without copying (the
   * array itself: a subarray or another view of its memory is refused). Release it with `free`.
   * @example const p = alloc(Float32Array, 1 << 20); p.set(probs); crossEntropy(p, q); free(p);
   */
  readonly alloc: {
    (type: Float32ArrayConstructor, length: number): Float32Array;
    (type: Float64ArrayConstructor, length: number): Float64Array;
    (type: FloatArrayType, length: number): FloatArray;
  };
  /**
   * Releases an array from `alloc` (of either entry: it acts on the entry that made it); using it
   * (or another view of it) afterwards throws.
   */
  readonly free: (array: FloatArray) => void;
  /**
   * A live view of the block behind an array from `alloc`: the same array while it is live, a new
   * one (same contents) after WASM memory grew and detached it.
   */
  readonly refresh: {
    (array: Float32Array): Float32Array;
    (array: Float64Array): Float64Array;
    (array: FloatArray): FloatArray;
  };
}

export interface TokenLogProbsOptions<O extends FloatArray = FloatArray> {
  /** Vocabulary size: logits are rows × classes (tokens × vocabulary), row-major. Required unless `shape` is given. */
  classes?: number;
  /**
   * PyTorch's shape of K-dimensional logits, [N, C, d1, …, dk], class axis 1, row-major: the
   * element of class c at position (n, d1, …, dk) is at (n·C + c)·d1·…·dk + (d1, …, dk)'s index.
   * Each position is one item (a target, a loss, a log-sum-exp), in (n, d1, …, dk) order.
   * Instead of (or agreeing with) `classes`; [N, C] is `classes: C`.
   */
  shape?: readonly number[];
  /** A target that marks a row not to score (it gets 0, and rank −1). Default −100. */
  ignoreIndex?: number;
  /** Filled with the log-probabilities (one per row) and returned. */
  out?: O;
  /**
   * Filled with each target's rank in its row: the number of logits strictly greater than the
   * target's (0 = the greedy choice). Ignored rows: −1 (Int32Array), 2^32 − 1 (Uint32Array).
   * A target tied with a lower token id at the row's max has rank 0 but is not greedy for
   * lm-evaluation-harness, whose arg-max takes the lowest id (continuationScore's `isGreedy`).
   */
  ranks?: Int32Array | Uint32Array;
}

export interface PerplexityOptions {
  /** Vocabulary size: logits are rows × classes. Required unless `shape` is given. */
  classes?: number;
  /**
   * PyTorch's shape of K-dimensional logits, [N, C, d1, …, dk], class axis 1, row-major: the
   * element of class c at position (n, d1, …, dk) is at (n·C + c)·d1·…·dk + (d1, …, dk)'s index.
   * Each position is one item (a target, a loss, a log-sum-exp), in (n, d1, …, dk) order.
   * Instead of (or agreeing with) `classes`; [N, C] is `classes: C`.
   */
  shape?: readonly number[];
  /** A target that marks a row not to count. Default −100. */
  ignoreIndex?: number;
}

export interface TokenLogProbs {
  <O extends FloatArray>(logits: Values, targets: Labels, options: TokenLogProbsOptions<O> & { out: O }): O;
  (logits: Values, targets: Labels, options: TokenLogProbsOptions): Float64Array;
}

export type Perplexity = (logits: Values, targets: Labels, options: PerplexityOptions) => number;

/** One window of a long text for a model of limited context (`slidingWindows`). */
export interface Window {
  /** The model's input is tokens [start, end). */
  readonly start: number;
  readonly end: number;
  /**
   * The tokens scored from this window: [scoreFrom, end). Token i is predicted by the logits at
   * window position i − start − 1, so the window's logits rows [scoreFrom − start − 1, end − start − 1) score them.
   */
  readonly scoreFrom: number;
}

export interface SlidingWindowOptions {
  /** The model's context length in tokens (≥ 2). */
  maxLength: number;
  /**
   * How far each window moves (1 … maxLength − 1). Each window scores the tokens the previous
   * one did not reach, with at least maxLength − stride tokens of context. Default maxLength / 2.
   */
  stride?: number;
}

/** The functions an accumulator can accumulate, with their data arguments (options are fixed at creation). */
export interface Accumulated {
  entropy: { args: [p: Values]; options: Omit<MeasureOptions, 'reduction'> & { reduction?: 'mean' | 'sum' } };
  crossEntropy: {
    args: [p: Values, q: Values, batch?: { sampleWeight?: Values }];
    options: Omit<MeasureOptions, 'reduction'> & { reduction?: 'mean' | 'sum' };
  };
  klDivergence: {
    args: [p: Values, q: Values, batch?: { sampleWeight?: Values }];
    options: Omit<MeasureOptions, 'reduction'> & { reduction?: 'mean' | 'sum' };
  };
  jsDivergence: { args: [p: Values, q: Values]; options: Omit<MeasureOptions, 'reduction'> & { reduction?: 'mean' | 'sum' } };
  binaryCrossEntropy: {
    args: [input: Values, target: Values, batch?: { weight?: Values; sampleWeight?: Values }];
    options: { classes?: number; labelSmoothing?: number; reduction?: 'mean' | 'sum' };
  };
  binaryCrossEntropyWithLogits: {
    args: [input: Values, target: Values, batch?: { weight?: Values; sampleWeight?: Values }];
    options: { posWeight?: Values; classes?: number; labelSmoothing?: number; reduction?: 'mean' | 'sum' };
  };
  softmaxCrossEntropy: {
    args: [logits: Values, target: Labels | Values, batch?: { sampleWeight?: Values }];
    options: Omit<SoftmaxCrossEntropyOptions, 'grad' | 'reduction' | 'shape' | 'sampleWeight'> & { reduction?: 'mean' | 'sum' };
  };
  nllLoss: {
    args: [logProbs: Values, target: Labels, batch?: { sampleWeight?: Values }];
    options: Omit<NllLossOptions, 'grad' | 'reduction' | 'shape' | 'sampleWeight'> & { reduction?: 'mean' | 'sum' };
  };
  klDiv: {
    args: [input: Values, target: Values, batch?: { sampleWeight?: Values }];
    options: Omit<KlDivOptions, 'grad' | 'reduction' | 'sampleWeight'> & { reduction?: 'mean' | 'sum' | 'batchmean' };
  };
  sigmoidFocalLoss: { args: [input: Values, target: Values]; options: { alpha?: number; gamma?: number; reduction?: 'mean' | 'sum' } };
  perplexity: {
    args:
      | [logits: Values, targets: Labels, batch?: { bytes?: number; words?: number }]
      | [logProbs: Values, batch?: { bytes?: number; words?: number }];
    options: Omit<PerplexityOptions, 'shape'>;
  };
  multipleChoice: {
    args: [logLikelihoods: Values, gold: number, batch?: { lengths?: Values }];
    options: Record<string, never>;
  };
  calibrationError: {
    args: [input: Values, target: Labels];
    options: CalibrationOptions;
  };
}

/** What a multiple-choice accumulator computes: lm-evaluation-harness's acc, acc_norm, their standard errors, brier_score. */
export interface MultipleChoiceResult {
  /** The share of questions whose highest log-likelihood is the gold choice's (the first on a tie, as np.argmax). */
  acc: number;
  /** The same with each log-likelihood divided by its choice's length (lm-eval: characters); acc without lengths. */
  accNorm: number;
  /** lm-eval's mean_stderr: the sample standard deviation (n − 1) over √n; NaN below 2 questions. */
  accStderr: number;
  accNormStderr: number;
  /** lm-eval's brier_score: the mean over questions of Σ (softmax(lls) − onehot(gold))². */
  brierScore: number;
  /** The questions. */
  count: number;
}

export type AccumulatedName = keyof Accumulated;

/** What a perplexity accumulator computes (lm-evaluation-harness's definitions for bytes and words). */
export interface PerplexityResult {
  /** exp(nll): the perplexity per token. */
  perplexity: number;
  /** The mean negative log-likelihood per token, in nats. */
  nll: number;
  /** The same in bits (nll / ln 2). */
  bits: number;
  /** The tokens that counted (not ignored). */
  tokens: number;
  /** The bytes and words given to `update` (0 when none were). */
  bytes: number;
  words: number;
  /** Σ NLL / (bytes · ln 2); NaN without bytes. */
  bitsPerByte: number;
  /** exp(Σ NLL / bytes); NaN without bytes. */
  bytePerplexity: number;
  /** exp(Σ NLL / words); NaN without words. */
  wordPerplexity: number;
}

/** The JSON form of an accumulator's state (`toJSON`), which `restoreAccumulator` turns back into one. */
export interface AccumulatorState {
  readonly xentropy: 'accumulator';
  readonly version: 1;
  readonly fn: AccumulatedName;
  readonly options: Record<string, unknown>;
  readonly state: Record<string, unknown>;
}

/**
 * A mergeable accumulator of one function: `update` with batches (same arguments and checks as the
 * function), `merge` another one's state (any split, any order), `compute` the value one call on
 * all the data would give. State: a few f64 numbers (compensated sums and counts).
 */
export interface Accumulator<F extends AccumulatedName = AccumulatedName> {
  readonly fn: F;
  update(...args: Accumulated[F]['args']): this;
  merge(other: Accumulator<F>): this;
  compute(): F extends 'perplexity' ? PerplexityResult : F extends 'multipleChoice' ? MultipleChoiceResult : number;
  reset(): this;
  toJSON(): AccumulatorState;
}

export interface TopLogProbsOptions {
  /** Vocabulary size: logits are rows × classes. */
  classes: number;
  /** How many alternatives per row, 1 … classes. */
  k: number;
  /** Filled with the token ids (rows × k) and returned. */
  indices?: Int32Array;
  /** Filled with the log-probabilities (rows × k) and returned. */
  values?: FloatArray;
}

export interface TopLogProbsResult<V extends FloatArray = Float64Array> {
  /** Row r's alternatives at [r·k, (r + 1)·k): token ids, the most probable first (ties: lower id first). */
  indices: Int32Array;
  /** Their log-probabilities, log softmax(row), descending. */
  values: V;
}

export interface TopLogProbs {
  <V extends FloatArray>(logits: Values, options: TopLogProbsOptions & { values: V }): TopLogProbsResult<V>;
  (logits: Values, options: TopLogProbsOptions): TopLogProbsResult;
}

export interface SoftmaxEntropyOptions {
  /** Classes per row. Omitted: the whole array is one row. */
  classes?: number;
  /** Logarithm base; default e (nats), 2 gives bits. */
  base?: number;
  /** 'mean' over rows (default), 'sum', or 'none' (one value per row). */
  reduction?: Reduction;
  /** Filled with ∂result/∂logits ('none' is treated as 'sum'): −p·(log p + H) per element, 0 at a −∞ logit. */
  grad?: FloatArray;
}

export interface SoftmaxEntropy {
  (logits: Values, options: Unreduced<SoftmaxEntropyOptions>): Float64Array;
  (logits: Values, options?: Reduced<SoftmaxEntropyOptions>): number;
  (logits: Values, options?: SoftmaxEntropyOptions): number | Float64Array;
}

export interface ContinuationScoreOptions {
  /** Vocabulary size: logits are rows × classes. */
  classes: number;
  /** The first row that scores the continuation (the rows before it score the context and are not read). */
  start: number;
}

export interface ContinuationScoreResult {
  /** Σ log softmax(row)[target] over the rows from `start` on (lm-eval's loglikelihood). */
  logLikelihood: number;
  /** Every continuation target is its row's arg-max, the lowest id on a tie (lm-eval's is_greedy). */
  isGreedy: boolean;
  /** The rows scored. */
  tokens: number;
}

export type ContinuationScore = (logits: Values, targets: Labels, options: ContinuationScoreOptions) => ContinuationScoreResult;

export interface BrierScoreOptions {
  /** Classes per row. */
  classes: number;
  /** The input is logits (softmax is applied); otherwise probabilities in [0, 1]. Default false. */
  fromLogits?: boolean;
  /** 'mean' over rows (default), 'sum', or 'none'. */
  reduction?: Reduction;
}

export interface BrierScore {
  (input: Values, target: Labels, options: Unreduced<BrierScoreOptions>): Float64Array;
  (input: Values, target: Labels, options: Reduced<BrierScoreOptions>): number;
  (input: Values, target: Labels, options: BrierScoreOptions): number | Float64Array;
}

/** torchmetrics' norms: 'l1' the expected calibration error (ECE), 'l2' the root mean square (RMSCE), 'max' the maximum (MCE). */
export type CalibrationNorm = 'l1' | 'l2' | 'max';

export interface CalibrationOptions {
  /** Classes per row (≥ 2: MulticlassCalibrationError). Omitted: binary, each value the probability of class 1 and targets 0/1. */
  classes?: number;
  /** Equal-width bins over [0, 1]; default 15. */
  bins?: number;
  /** Default 'l1'. */
  norm?: CalibrationNorm;
  /** The input is logits (softmax, or sigmoid when binary); otherwise probabilities in [0, 1]. Default false. */
  fromLogits?: boolean;
}

export type CalibrationErrorFn = (input: Values, target: Labels, options?: CalibrationOptions) => number;

/** Per bin (bins + 1 of them: the last holds the confidences equal to 1, as torchmetrics' bucketize does). */
export interface ReliabilityBinsResult {
  /** The bins' lower edges and the upper edge 1: torch.linspace(0, 1, bins + 1) in float32. */
  edges: Float64Array;
  count: Float64Array;
  /** Mean confidence per bin (0 where empty). */
  confidence: Float64Array;
  /** Accuracy per bin (0 where empty). */
  accuracy: Float64Array;
}

export type ReliabilityBins = (input: Values, target: Labels, options?: Omit<CalibrationOptions, 'norm'>) => ReliabilityBinsResult;

export interface FitTemperatureOptions {
  /** Classes per row. */
  classes: number;
  /** A target that marks a row not to use. Default −100. */
  ignoreIndex?: number;
}

export interface FitTemperatureResult {
  /** T > 0 minimising the mean NLL of softmax(logits / T). */
  temperature: number;
  /** The mean NLL at T. */
  nll: number;
  /** The mean NLL at T = 1. */
  nllBefore: number;
}

export type FitTemperature = (logits: Values, target: Labels, options: FitTemperatureOptions) => FitTemperatureResult;

/** Scoring and calibration of model outputs. */
export interface ScoringApi {
  /**
   * The k most probable tokens of each row and their log-probabilities, from one pass over the row.
   * @example topLogProbs([2, 1, 0], { classes: 3, k: 2 }) // { indices: Int32Array [0, 1], values: Float64Array [−0.4076…, −1.4076…] }
   */
  readonly topLogProbs: TopLogProbs;
  /**
   * The entropy of softmax(row) for each row, from the logits; `grad` receives its gradient.
   * @example softmaxEntropy([0, 0, 0, 0], { base: 2 }) // 2
   */
  readonly softmaxEntropy: SoftmaxEntropy;
  /**
   * lm-evaluation-harness's loglikelihood of a continuation: its summed log-probability and is_greedy.
   * @example continuationScore([2, 1, 0, 0, 3, 1], [0, 1], { classes: 3, start: 1 }) // { logLikelihood: −0.1698…, isGreedy: true, tokens: 1 }
   */
  readonly continuationScore: ContinuationScore;
  /**
   * lm-evaluation-harness's brier_score: Σ (p − onehot(target))² per row, their mean.
   * @example brierScore([0.7, 0.3], [0], { classes: 2 }) // 0.18
   */
  readonly brierScore: BrierScore;
  /**
   * torchmetrics' calibration error (ECE by default) of top-label confidences.
   * @example calibrationError([0.25, 0.25, 0.55, 0.75, 0.75], [0, 0, 1, 1, 1], { bins: 2 }) // 0.29
   */
  readonly calibrationError: CalibrationErrorFn;
  /**
   * The bins of a reliability diagram: count, mean confidence and accuracy per bin.
   * @example reliabilityBins(probs, labels, { classes: 10, bins: 10 }).accuracy
   */
  readonly reliabilityBins: ReliabilityBins;
  /**
   * The temperature that minimises the NLL of softmax(logits / T) on held-out data (Guo et al. 2017).
   * @example fitTemperature(logits, labels, { classes: 10 }).temperature
   */
  readonly fitTemperature: FitTemperature;
}

export interface LanguageModelApi {
  /**
   * log softmax(row)[target] for each row of logits (tokens × vocabulary), from one log-sum-exp
   * pass; ignored rows hold 0. `ranks` receives each target's rank among its row's logits.
   * @example tokenLogProbs(logits, targets, { classes: 50257 }) // Float64Array, one per token
   */
  readonly tokenLogProbs: TokenLogProbs;
  /**
   * exp of the mean negative log-likelihood of the targets over the rows not ignored: exp(softmaxCrossEntropy(…, 'mean')).
   * @example perplexity(logits, targets, { classes: 50257 })
   */
  readonly perplexity: Perplexity;
  /**
   * The windows that score every token of a text of `tokens` tokens exactly once (token 0, with no
   * context, is never scored), each with the most context the stride allows.
   * @example slidingWindows(10, { maxLength: 4, stride: 2 }) // [{ start: 0, end: 4, scoreFrom: 1 }, { start: 2, end: 6, scoreFrom: 4 }, …]
   */
  readonly slidingWindows: (tokens: number, options: SlidingWindowOptions) => Window[];
  /**
   * A mergeable accumulator of a reduced function, or of perplexity.
   * @example const acc = accumulator('perplexity', { classes: 50257 }); acc.update(logits, targets); acc.compute().perplexity
   */
  readonly accumulator: <F extends AccumulatedName>(fn: F, options?: Accumulated[F]['options']) => Accumulator<F>;
  /**
   * An accumulator from the JSON of `toJSON()` (sent from a worker or another process).
   * @example const acc = restoreAccumulator(JSON.parse(text))
   */
  readonly restoreAccumulator: (state: unknown) => Accumulator;
  /**
   * Marks a Uint16Array as float16 bit patterns, for any function's float arguments.
   * @example tokenLogProbs(float16(halfBits), targets, { classes: 32000 })
   */
  readonly float16: (bits: Uint16Array) => Float16Bits;
}

/** Everything an entry exports; `xentropy` and `xentropy/js` both export exactly this. */
export interface Api extends LossApi, FocalLossApi, BufferApi, LanguageModelApi, CtcApi, ScoringApi {
  /** Which kernel set computes the numbers in this entry. */
  readonly backend: Backend;
  /**
   * Shannon entropy per row, H(p) = −Σ p·log p (0·log 0 = 0).
   * @example entropy([0.25, 0.25, 0.25, 0.25], { base: 2 }) // 2
   */
  readonly entropy: UnaryMeasure;
  /**
   * Cross entropy per row, H(p, q) = −Σ p·log q = H(p) + KL(p‖q); `grad` receives ∂/∂q.
   * @example crossEntropy([0.5, 0.5], [0.9, 0.1]) // 1.2039…
   */
  readonly crossEntropy: GradMeasure;
  /**
   * Kullback–Leibler divergence per row, KL(p‖q) = Σ p·log(p/q); +Infinity where q = 0 < p; `grad` receives ∂/∂q.
   * @example klDivergence([9, 12, 4], [10, 10, 10], { normalize: true }) // 0.0852… (scipy.stats.entropy)
   */
  readonly klDivergence: GradMeasure;
  /**
   * Jensen–Shannon divergence per row, ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2; symmetric, ≤ ln 2.
   * @example jsDivergence([1, 0], [0, 1], { base: 2 }) // 1
   */
  readonly jsDivergence: BinaryMeasure;
}

/**
 * Class indices: one per row, in any integer typed array (read in place, never copied) or a
 * number[]. A BigInt64Array's values must fit: a value outside [0, classes) that is not
 * `ignoreIndex` is an error. The default `ignoreIndex`, −100, cannot occur in an unsigned array
 * (Uint8Array, Uint16Array, Uint32Array): give the value your data uses (`ignoreIndex: 255`, the
 * segmentation convention, on a Uint8Array mask).
 */
export type Labels =
  | Int32Array
  | Uint32Array
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Uint16Array
  | Int16Array
  | BigInt64Array
  | BigUint64Array
  | readonly number[];

export interface BinaryCrossEntropyOptions {
  /**
   * Weight of each element: one per element (the input's length), or, with `classes`, one per
   * class, applied along every row (PyTorch's broadcasting of a [C] weight over [N, C]).
   */
  weight?: Values;
  /** Row length (for a per-class `weight` and for `sampleWeight`). Omitted: one row. */
  classes?: number;
  /**
   * One finite weight ≥ 0 per row (TF.js's weights of shape [N], broadcast over the row's
   * elements): 'none' gives each element's loss times its row's weight, 'mean'
   * Σ s·Σ loss / (classes·Σ s), 'sumByNonzeroWeights' the weighted sum over classes × the number
   * of nonzero weights. The gradient is that of the weighted loss.
   */
  sampleWeight?: Values;
  /**
   * Label smoothing ε in [0, 1] (TF.js's sigmoidCrossEntropy, Keras' label_smoothing): the target
   * becomes target·(1 − ε) + ε/2. Default 0.
   */
  labelSmoothing?: number;
  /**
   * 'mean' over elements (default), 'sum', 'none' (one value per element), or
   * 'sumByNonzeroWeights' (TF.js's SUM_BY_NONZERO_WEIGHTS).
   */
  reduction?: WeightedReduction;
  /**
   * Filled with ∂loss/∂input ('none' is treated as 'sum'). binaryCrossEntropy's is PyTorch's:
   * w·(input − target)/max(input·(1 − input), 1e-12), which near 0 and 1 is not the derivative of
   * the clamped logs (README, "Loss semantics and decisions").
   */
  grad?: FloatArray;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive term, one per class (column); applied along every row. */
  posWeight?: Values;
  /** Row length (posWeight, a per-class weight, sampleWeight). Omitted: posWeight's length, or the whole input. */
  classes?: number;
  /** Filled with ∂loss/∂input ('none' is treated as 'sum'). */
  grad?: FloatArray;
}

export interface SoftmaxCrossEntropyOptions {
  /** Classes per row (logits are rows × classes). Required unless `shape` is given. */
  classes?: number;
  /**
   * PyTorch's shape of K-dimensional logits, [N, C, d1, …, dk], class axis 1, row-major: the
   * element of class c at position (n, d1, …, dk) is at (n·C + c)·d1·…·dk + (d1, …, dk)'s index.
   * Each position is one item (a target, a loss), in (n, d1, …, dk) order.
   * Instead of (or agreeing with) `classes`; [N, C] is `classes: C`.
   */
  shape?: readonly number[];
  /** Per-class weight, length classes. */
  weight?: Values;
  /** A target index whose rows are skipped (index targets only). Default −100. */
  ignoreIndex?: number;
  /** Mix the target with the uniform distribution: (1−ε)·target + ε/classes. Default 0. */
  labelSmoothing?: number;
  /**
   * Per-sample weights (Keras' sample_weight, TF.js's weights of shape [N]): one finite weight ≥ 0
   * per row (per position with `shape`, or one per sample N, applied to its positions). 'none'
   * gives each row's loss times its weight; 'mean' is Σ s·c·loss / Σ s·c (c the class weight of the
   * row's target, 0 on an ignored row; 1 without class weights); 'sumByNonzeroWeights' the weighted
   * sum over the number of rows whose s·c is nonzero. Gradients are those of the weighted loss.
   */
  sampleWeight?: Values;
  /** 'mean' (default), 'sum', 'none' (one value per row), or 'sumByNonzeroWeights' (TF.js's SUM_BY_NONZERO_WEIGHTS). */
  reduction?: WeightedReduction;
  /** Filled with ∂loss/∂logits ('none' is treated as 'sum'). */
  grad?: FloatArray;
}

export interface NllLossOptions {
  /** Classes per row (logProbs are rows × classes). Required unless `shape` is given. */
  classes?: number;
  /**
   * PyTorch's shape of K-dimensional logits, [N, C, d1, …, dk], class axis 1, row-major: the
   * element of class c at position (n, d1, …, dk) is at (n·C + c)·d1·…·dk + (d1, …, dk)'s index.
   * Each position is one item (a target, a loss), in (n, d1, …, dk) order.
   * Instead of (or agreeing with) `classes`; [N, C] is `classes: C`.
   */
  shape?: readonly number[];
  weight?: Values;
  ignoreIndex?: number;
  /**
   * Per-sample weights (Keras' sample_weight, TF.js's weights of shape [N]): one finite weight ≥ 0
   * per row (per position with `shape`, or one per sample N, applied to its positions). 'none'
   * gives each row's loss times its weight; 'mean' is Σ s·c·loss / Σ s·c (c the class weight of the
   * row's target, 0 on an ignored row; 1 without class weights); 'sumByNonzeroWeights' the weighted
   * sum over the number of rows whose s·c is nonzero. Gradients are those of the weighted loss.
   */
  sampleWeight?: Values;
  /** 'mean' (default), 'sum', 'none' (one value per row), or 'sumByNonzeroWeights' (TF.js's SUM_BY_NONZERO_WEIGHTS). */
  reduction?: WeightedReduction;
  /** Filled with ∂loss/∂logProbs: −w[target] at each row's target, 0 elsewhere and on ignored rows ('none' is treated as 'sum'). */
  grad?: FloatArray;
}

export type KlDivReduction = WeightedReduction | 'batchmean';

export interface KlDivOptions {
  /** Row length, for 'batchmean'. Omitted: one row. */
  classes?: number;
  /** 'mean' over all elements (PyTorch's default), 'batchmean' (sum / rows: the true KL), 'sum', 'none'. */
  reduction?: KlDivReduction;
  /** The target holds log-probabilities. Default false. */
  logTarget?: boolean;
  /**
   * One finite weight ≥ 0 per row (needs `classes`), applied to each of its elements: 'none'
   * gives each element times its row's weight, 'mean' Σ s·Σ loss / (classes·Σ s), 'batchmean'
   * Σ s·Σ loss / Σ s, 'sumByNonzeroWeights' the weighted sum over classes × the nonzero weights.
   */
  sampleWeight?: Values;
  /** Filled with ∂loss/∂input: −target, or −exp(target) with logTarget ('none' is treated as 'sum'). */
  grad?: FloatArray;
}

export interface SoftmaxOptions<O extends FloatArray = FloatArray> {
  /** Row length. Omitted: one row. */
  classes?: number;
  /**
   * PyTorch's shape of K-dimensional logits, [N, C, d1, …, dk], class axis 1, row-major: the
   * element of class c at position (n, d1, …, dk) is at (n·C + c)·d1·…·dk + (d1, …, dk)'s index.
   * Instead of (or agreeing with) `classes`; [N, C] is `classes: C`.
   */
  shape?: readonly number[];
  /** Filled with the result (and returned). */
  out?: O;
}

export interface ElementwiseLoss<O> {
  (input: Values, target: Values, options: Unreduced<O>): Float64Array;
  (input: Values, target: Values, options?: Reduced<O, 'mean' | 'sum' | 'sumByNonzeroWeights'>): number;
  (input: Values, target: Values, options?: O): number | Float64Array;
}

export interface SoftmaxCrossEntropy {
  (logits: Values, target: Labels | Values, options: Unreduced<SoftmaxCrossEntropyOptions>): Float64Array;
  (logits: Values, target: Labels | Values, options: Reduced<SoftmaxCrossEntropyOptions, 'mean' | 'sum' | 'sumByNonzeroWeights'>): number;
  (logits: Values, target: Labels | Values, options: SoftmaxCrossEntropyOptions): number | Float64Array;
}

export interface NllLoss {
  (logProbs: Values, target: Labels, options: Unreduced<NllLossOptions>): Float64Array;
  (logProbs: Values, target: Labels, options: Reduced<NllLossOptions, 'mean' | 'sum' | 'sumByNonzeroWeights'>): number;
  (logProbs: Values, target: Labels, options: NllLossOptions): number | Float64Array;
}

export interface KlDiv {
  (input: Values, target: Values, options: Unreduced<KlDivOptions>): Float64Array;
  (input: Values, target: Values, options?: Reduced<KlDivOptions, 'mean' | 'sum' | 'batchmean' | 'sumByNonzeroWeights'>): number;
  (input: Values, target: Values, options?: KlDivOptions): number | Float64Array;
}

/** logSumExp's options: `classes` (rows × classes), or `shape` [N, C, d1, …, dk] (one value per position (n, d1, …, dk)). */
export interface LogSumExpOptions {
  classes?: number;
  shape?: readonly number[];
  /**
   * Weights of the exponentials, the input's length, any sign (scipy.special.logsumexp's b):
   * log Σ b·e^x per row. Without `returnSign`, a row whose sum is negative gives NaN (as SciPy).
   */
  b?: Values;
  /**
   * Return log|Σ b·e^x| and the sum's sign, as `{ value, sign }` (SciPy's pair): numbers for one
   * row, Float64Arrays (one entry per row) with `classes` or `shape`. A sum of exactly 0 gives
   * value −∞ and sign 0.
   */
  returnSign?: boolean;
}

/** logSumExp with `returnSign`: log|Σ b·e^x| and sign(Σ b·e^x) (1, −1, or 0 for a sum of exactly 0). */
export interface SignedLogSumExp<T extends number | Float64Array> {
  value: T;
  sign: T;
}

type Rows = { classes: number; shape?: readonly number[] } | { classes?: number; shape: readonly number[] };
type OneRow = { classes?: undefined; shape?: undefined };

export interface LogSumExp {
  (x: Values, options: LogSumExpOptions & Rows & { returnSign: true }): SignedLogSumExp<Float64Array>;
  (x: Values, options: LogSumExpOptions & OneRow & { returnSign: true }): SignedLogSumExp<number>;
  (x: Values, options: Omit<LogSumExpOptions, 'returnSign'> & Rows & { returnSign?: false }): Float64Array;
  (x: Values, options?: Omit<LogSumExpOptions, 'returnSign'> & OneRow & { returnSign?: false }): number;
  (x: Values, options?: LogSumExpOptions): number | Float64Array | SignedLogSumExp<number> | SignedLogSumExp<Float64Array>;
}

export interface Softmax {
  <O extends FloatArray>(x: Values, options: SoftmaxOptions<O> & { out: O }): O;
  (x: Float32Array | Float16Input, options?: SoftmaxOptions): Float32Array;
  (x: Float64Array | readonly number[], options?: SoftmaxOptions): Float64Array;
  (x: Values, options?: SoftmaxOptions): FloatArray;
}

/** The machine-learning losses; `xentropy` and `xentropy/js` both export them. */
export interface LossApi {
  /**
   * PyTorch's F.binary_cross_entropy on probabilities: −w·(y·log ŷ + (1−y)·log(1−ŷ)), logs clamped at −100.
   * @example binaryCrossEntropy([0.9, 0.2, 0.6], [1, 0, 1]) // 0.2797…
   */
  readonly binaryCrossEntropy: ElementwiseLoss<BinaryCrossEntropyOptions>;
  /**
   * PyTorch's F.binary_cross_entropy_with_logits, computed stably, with an optional gradient.
   * @example binaryCrossEntropyWithLogits([2, -1, 0.5, 3], [1, 0, 0, 1], { posWeight: [2, 1], grad: new Float64Array(4) }) // 0.3974…
   */
  readonly binaryCrossEntropyWithLogits: ElementwiseLoss<BinaryCrossEntropyWithLogitsOptions>;
  /**
   * PyTorch's F.cross_entropy on logits (rows × classes), index or probability targets, optional gradient.
   * @example softmaxCrossEntropy([2, 0.5, -1, 0.1, 0.2, 3], [0, 2], { classes: 3 }) // 0.1754…
   */
  readonly softmaxCrossEntropy: SoftmaxCrossEntropy;
  /**
   * PyTorch's F.nll_loss on log-probabilities (rows × classes).
   * @example nllLoss(logSoftmax(logits, { classes: 3 }), [0, 2], { classes: 3 }) // = softmaxCrossEntropy(logits, [0, 2], { classes: 3 })
   */
  readonly nllLoss: NllLoss;
  /**
   * PyTorch's F.kl_div(input = log q, target = p). 'mean' (the default) averages over elements;
   * 'batchmean' (sum / rows) is the true KL.
   * @example klDiv([0.25, 0.75].map(Math.log), [0.5, 0.5], { reduction: 'batchmean' }) // = klDivergence([0.5, 0.5], [0.25, 0.75])
   */
  readonly klDiv: KlDiv;
  /**
   * log Σ exp x per row of `classes` (a number when classes is omitted), without overflow.
   * @example logSumExp([1000, 1000]) // 1000.6931…
   */
  readonly logSumExp: LogSumExp;
  /**
   * x − logSumExp(x) per row; an array of the input's float type unless `out` is given.
   * @example logSoftmax([0, 0], { classes: 2 }) // Float64Array [−0.6931…, −0.6931…]
   */
  readonly logSoftmax: Softmax;
  /**
   * exp(x − logSumExp(x)) per row; an array of the input's float type unless `out` is given.
   * @example softmax(new Float32Array([1, 2, 3])) // Float32Array [0.0900…, 0.2447…, 0.6652…]
   */
  readonly softmax: Softmax;
}

export interface SigmoidFocalLossOptions {
  /**
   * Weight of the positive class: each element's loss is multiplied by
   * alpha·target + (1 − alpha)·(1 − target). A number in [0, 1], or −1 for no weighting. Default 0.25.
   */
  alpha?: number;
  /** The focusing exponent γ on (1 − p_t), a finite number ≥ 0. Default 2; 0 gives (alpha-weighted) BCE with logits. */
  gamma?: number;
  /** 'mean' over elements (default; torchvision's default is 'none'), 'sum', or 'none' (one value per element). */
  reduction?: Reduction;
  /** Filled with ∂loss/∂input ('none' is treated as 'sum'). */
  grad?: FloatArray;
}

/** The focal loss; `xentropy` and `xentropy/js` both export it. */
export interface FocalLossApi {
  /**
   * torchvision's sigmoid_focal_loss on logits: alpha_t·BCE-with-logits·(1 − p_t)^gamma per element, computed
   * stably (logits of ±800, a confident correct logit's tiny loss kept), with an optional gradient.
   * Default reduction 'mean' (torchvision's is 'none').
   * @example sigmoidFocalLoss([2, -1, 0.5, -3], [1, 0, 0, 1], { grad: new Float64Array(4) }) // 0.2480…
   */
  readonly sigmoidFocalLoss: ElementwiseLoss<SigmoidFocalLossOptions>;
}

export interface CtcLossOptions {
  /** C, the number of classes, blank included: each frame is C values. Required. */
  classes: number;
  /** Each sample's frames (N = its length), each in [0, T]. Required. */
  inputLengths: Labels;
  /** Each sample's number of labels, one per sample. Required. */
  targetLengths: Labels;
  /** The blank's class index. Default 0. */
  blank?: number;
  /** The input is [N, T, C] (transformers.js, ONNX models) instead of PyTorch's [T, N, C]. Default false. */
  batchFirst?: boolean;
  /** The input is raw logits: the log-softmax of each frame is taken inside the kernel; `grad` is then ∂loss/∂logits. Default false. */
  fromLogits?: boolean;
  /**
   * How `targets` holds the labels: 'concatenated' (default: every sample's labels one after the
   * other, Σ targetLengths in all) or 'padded' (N rows of S = targets.length / N, each sample's
   * labels first; the rest is never read). Never guessed from the lengths.
   */
  targetLayout?: 'concatenated' | 'padded';
  /**
   * 'mean' (default, PyTorch's: each sample's loss divided by its target length, at least 1, then
   * the mean over the batch), 'sum', or 'none' (a Float64Array, one loss per sample).
   */
  reduction?: Reduction;
  /** An impossible alignment's loss (+Infinity) and its gradient become 0. Default false. */
  zeroInfinity?: boolean;
  /**
   * Filled with the gradient, in the input's layout: PyTorch's for log_probs, exp(logProbs) − γ
   * (γ the posterior occupancy of each class at each frame), or softmax − γ with `fromLogits`;
   * for the chosen reduction ('none' as 'sum'); 0 for frames past a sample's input length.
   */
  grad?: FloatArray;
}

export interface CtcLoss {
  (logProbs: Values, targets: Labels, options: CtcLossOptions & { reduction: 'none' }): Float64Array;
  (logProbs: Values, targets: Labels, options: CtcLossOptions & { reduction?: 'mean' | 'sum' }): number;
  (logProbs: Values, targets: Labels, options: CtcLossOptions): number | Float64Array;
}

export interface CtcGreedyDecodeOptions {
  /** C, the number of classes, blank included. Required. */
  classes: number;
  /** Each sample's frames (N = its length), each in [0, T]. Required. */
  inputLengths: Labels;
  /** The blank's class index. Default 0. */
  blank?: number;
  /** The input is [N, T, C] instead of [T, N, C]. Default false. */
  batchFirst?: boolean;
}

/**
 * A decoded label sequence and the frame at which each of its labels starts. From ctcGreedyDecode,
 * the labels of one call's paths are views of one Int32Array, their frames of another.
 */
export interface CtcPath {
  readonly labels: Int32Array;
  /** frames[i]: the first frame of labels[i]'s run (for word timings: frame · the model's stride). */
  readonly frames: Int32Array;
}

export type CtcGreedyDecode = (logProbs: Values, options: CtcGreedyDecodeOptions) => CtcPath[];

export interface CtcBeamSearchOptions extends CtcGreedyDecodeOptions {
  /** The prefixes kept after each frame. Default 16. */
  beamWidth?: number;
  /** The sequences returned per sample, best first, at most beamWidth. Default 1. */
  topPaths?: number;
}

/** A label sequence from ctcBeamSearch and its log-probability (over the alignments the beam kept). */
export interface CtcBeam {
  readonly labels: Int32Array;
  readonly logProb: number;
}

export type CtcBeamSearch = (logProbs: Values, options: CtcBeamSearchOptions) => CtcBeam[][];

/** Connectionist Temporal Classification; `xentropy` and `xentropy/js` both export it. */
export interface CtcApi {
  /**
   * PyTorch's F.ctc_loss: −log p(target | frames), summed over every alignment, per sample, with
   * PyTorch's reductions, zeroInfinity and gradient.
   * @example ctcLoss(logProbs, [1, 2, 2], { classes: 3, inputLengths: [5], targetLengths: [3] })
   */
  readonly ctcLoss: CtcLoss;
  /**
   * The best path of each sample: the arg-max class of each frame, repeats merged, blanks dropped.
   * @example ctcGreedyDecode(logits, { classes: 32, inputLengths: [T], batchFirst: true })[0].labels
   */
  readonly ctcGreedyDecode: CtcGreedyDecode;
  /**
   * CTC prefix beam search without a language model: the topPaths most probable label sequences
   * of each sample, with their log-probabilities.
   * @example ctcBeamSearch(logProbs, { classes: 32, inputLengths: [T], beamWidth: 8 })[0][0].labels
   */
  readonly ctcBeamSearch: CtcBeamSearch;
}
