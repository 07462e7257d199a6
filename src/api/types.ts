/** Numbers in: a float typed array or a plain array of numbers. */
export type Values = Float64Array | Float32Array | readonly number[];

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

/** Options whose reduction returns one value per row. */
export type PerRow<O> = O & { reduction: 'none' };
/** Options whose reduction returns a single number. */
export type Reduced<O> = O & { reduction?: 'mean' | 'sum' };

export interface UnaryMeasure {
  (p: Values, options: PerRow<MeasureOptions>): Float64Array;
  (p: Values, options?: Reduced<MeasureOptions>): number;
  (p: Values, options?: MeasureOptions): number | Float64Array;
}

export interface BinaryMeasure {
  (p: Values, q: Values, options: PerRow<MeasureOptions>): Float64Array;
  (p: Values, q: Values, options?: Reduced<MeasureOptions>): number;
  (p: Values, q: Values, options?: MeasureOptions): number | Float64Array;
}

/** Everything an entry exports; `xentropy` and `xentropy/js` both export exactly this. */
export interface Api {
  /** Which kernel set computes the numbers in this entry. */
  readonly backend: Backend;
  /** Shannon entropy per row, H(p) = −Σ p·log p (0·log 0 = 0). */
  readonly entropy: UnaryMeasure;
  /** Cross entropy per row, H(p, q) = −Σ p·log q. */
  readonly crossEntropy: BinaryMeasure;
  /** Kullback–Leibler divergence per row, KL(p‖q) = Σ p·log(p/q). */
  readonly klDivergence: BinaryMeasure;
  /** Jensen–Shannon divergence per row, ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2. */
  readonly jsDivergence: BinaryMeasure;
}
