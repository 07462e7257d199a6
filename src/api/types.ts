import type { FloatArray } from '../kernels/types.js';

/** A Float64Array or Float32Array: float data in, and the buffers the library fills (`grad`, `out`). */
export type { FloatArray };

/** Numbers in: a float typed array or a plain array of numbers. */
export type Values = FloatArray | readonly number[];

/** How per-row results are combined: their mean, their sum, or none (one value per row). */
export type Reduction = 'mean' | 'sum' | 'none';

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

/** Everything an entry exports; `xentropy` and `xentropy/js` both export exactly this. */
export interface Api extends LossApi, BufferApi {
  /** Which kernel set computes the numbers in this entry. */
  readonly backend: Backend;
  /**
   * Shannon entropy per row, H(p) = −Σ p·log p (0·log 0 = 0).
   * @example entropy([0.25, 0.25, 0.25, 0.25], { base: 2 }) // 2
   */
  readonly entropy: UnaryMeasure;
  /**
   * Cross entropy per row, H(p, q) = −Σ p·log q = H(p) + KL(p‖q).
   * @example crossEntropy([0.5, 0.5], [0.9, 0.1]) // 1.2039…
   */
  readonly crossEntropy: BinaryMeasure;
  /**
   * Kullback–Leibler divergence per row, KL(p‖q) = Σ p·log(p/q); +Infinity where q = 0 < p.
   * @example klDivergence([9, 12, 4], [10, 10, 10], { normalize: true }) // 0.0852… (scipy.stats.entropy)
   */
  readonly klDivergence: BinaryMeasure;
  /**
   * Jensen–Shannon divergence per row, ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2; symmetric, ≤ ln 2.
   * @example jsDivergence([1, 0], [0, 1], { base: 2 }) // 1
   */
  readonly jsDivergence: BinaryMeasure;
}

/** Class indices: one per row. */
export type Labels = Int32Array | Uint32Array | readonly number[];

export interface BinaryCrossEntropyOptions {
  /** Per-element weight, the input's length. */
  weight?: Values;
  /** 'mean' over elements (default), 'sum', or 'none' (one value per element). */
  reduction?: Reduction;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive term, one per class (column); applied along every row. */
  posWeight?: Values;
  /** Row length for posWeight. Omitted: posWeight's length, or the whole input. */
  classes?: number;
  /** Filled with ∂loss/∂input ('none' is treated as 'sum'). */
  grad?: FloatArray;
}

export interface SoftmaxCrossEntropyOptions {
  /** Classes per row (logits are rows × classes). Required. */
  classes: number;
  /** Per-class weight, length classes. */
  weight?: Values;
  /** A target index whose rows are skipped (index targets only). Default −100. */
  ignoreIndex?: number;
  /** Mix the target with the uniform distribution: (1−ε)·target + ε/classes. Default 0. */
  labelSmoothing?: number;
  /** 'mean' (default), 'sum', or 'none' (one value per row). */
  reduction?: Reduction;
  /** Filled with ∂loss/∂logits ('none' is treated as 'sum'). */
  grad?: FloatArray;
}

export interface NllLossOptions {
  /** Classes per row (logProbs are rows × classes). Required. */
  classes: number;
  weight?: Values;
  ignoreIndex?: number;
  reduction?: Reduction;
}

export type KlDivReduction = Reduction | 'batchmean';

export interface KlDivOptions {
  /** Row length, for 'batchmean'. Omitted: one row. */
  classes?: number;
  /** 'mean' over all elements (PyTorch's default), 'batchmean' (sum / rows: the true KL), 'sum', 'none'. */
  reduction?: KlDivReduction;
  /** The target holds log-probabilities. Default false. */
  logTarget?: boolean;
}

export interface SoftmaxOptions<O extends FloatArray = FloatArray> {
  /** Row length. Omitted: one row. */
  classes?: number;
  /** Filled with the result (and returned). */
  out?: O;
}

export interface ElementwiseLoss<O> {
  (input: Values, target: Values, options: Unreduced<O>): Float64Array;
  (input: Values, target: Values, options?: Reduced<O>): number;
  (input: Values, target: Values, options?: O): number | Float64Array;
}

export interface SoftmaxCrossEntropy {
  (logits: Values, target: Labels | Values, options: Unreduced<SoftmaxCrossEntropyOptions>): Float64Array;
  (logits: Values, target: Labels | Values, options: Reduced<SoftmaxCrossEntropyOptions>): number;
  (logits: Values, target: Labels | Values, options: SoftmaxCrossEntropyOptions): number | Float64Array;
}

export interface NllLoss {
  (logProbs: Values, target: Labels, options: Unreduced<NllLossOptions>): Float64Array;
  (logProbs: Values, target: Labels, options: Reduced<NllLossOptions>): number;
  (logProbs: Values, target: Labels, options: NllLossOptions): number | Float64Array;
}

export interface KlDiv {
  (input: Values, target: Values, options: Unreduced<KlDivOptions>): Float64Array;
  (input: Values, target: Values, options?: Reduced<KlDivOptions, 'mean' | 'sum' | 'batchmean'>): number;
  (input: Values, target: Values, options?: KlDivOptions): number | Float64Array;
}

export interface LogSumExp {
  (x: Values, options: { classes: number }): Float64Array;
  (x: Values, options?: { classes?: undefined }): number;
  (x: Values, options?: { classes?: number }): number | Float64Array;
}

export interface Softmax {
  <O extends FloatArray>(x: Values, options: SoftmaxOptions<O> & { out: O }): O;
  (x: Float32Array, options?: SoftmaxOptions): Float32Array;
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
