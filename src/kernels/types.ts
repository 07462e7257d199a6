import type { Buffers } from './registry.js';

/** A float array a kernel reads or writes. The API layer turns `number[]` into a Float64Array. */
export type FloatArray = Float64Array | Float32Array;

/** Which elementwise term a row sum adds up; the numbering is shared with assembly/index.ts. */
export const Kind = {
  /** −p·log p */
  Entropy: 0,
  /** −p·log q */
  Cross: 1,
  /** p·log(p/q) */
  KL: 2,
  /** ½·(p·log(p/m) + q·log(q/m)), m = (p+q)/2 */
  JS: 3,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/**
 * Arithmetic only: no option checks, no error messages. Both kernel sets (pure TS and WASM)
 * implement this interface and agree to rounding. Data are `rows × classes`, row-major;
 * "per row" arrays have `rows` f64 entries, "per column" arrays `classes`. Absent is null.
 */
export interface Kernels {
  /** Arrays the kernels read in place (zero-copy): WASM memory for the WASM kernels. */
  buffers: Buffers;
  /** out[r] = Σ_j x[r, j]. */
  rowSums(x: FloatArray, rows: number, classes: number, out: Float64Array): void;
  /**
   * out[r] = Σ_j term(kind, p[r, j]·sp[r], q[r, j]·sq[r]) (sp, sq null: 1). `q` is ignored for
   * Kind.Entropy. Returns false when any element read is negative or NaN (the caller finds it).
   */
  rowTerms(
    kind: Kind,
    p: FloatArray,
    q: FloatArray | null,
    rows: number,
    classes: number,
    sp: Float64Array | null,
    sq: Float64Array | null,
    out: Float64Array,
  ): boolean;

  /** out[r] = log Σ_j exp x[r, j], shifted by the row's max (by 0 where the max is ±∞). */
  lseRows(x: FloatArray, rows: number, classes: number, out: Float64Array): void;
  /** out[r, j] = x[r, j] − lse[r] (log) or exp(x[r, j] − lse[r]). */
  softmaxRows(x: FloatArray, lse: Float64Array, rows: number, classes: number, log: boolean, out: FloatArray): void;
  /**
   * With c[r, j] = w[j]·(b1[r]·t[r, j] + b0[r]) (w null: 1; t null: 0):
   * loss[r] = Σ_j c[r, j]·(lse[r] − x[r, j]), mass[r] = Σ_j c[r, j].
   */
  softDotRows(
    x: FloatArray,
    t: FloatArray | null,
    w: Float64Array | null,
    lse: Float64Array,
    b1: Float64Array,
    b0: Float64Array,
    rows: number,
    classes: number,
    loss: Float64Array,
    mass: Float64Array,
  ): void;
  /**
   * out[r, j] = gm[r]·exp(x[r, j] − lse[r]) − w[j]·(gb1[r]·t[r, j] + gb0[r]) − [j = y[r]]·gh[r]
   * (y null: no index term).
   */
  softmaxGradRows(
    x: FloatArray,
    lse: Float64Array,
    gm: Float64Array,
    y: Float64Array | null,
    gh: Float64Array,
    t: FloatArray | null,
    w: Float64Array | null,
    gb1: Float64Array,
    gb0: Float64Array,
    rows: number,
    classes: number,
    out: FloatArray,
  ): void;
  /**
   * PyTorch's binary_cross_entropy per element, −w·(y·max(log x, −100) + (1−y)·max(log1p(−x), −100));
   * out[i] (when given) per element, sum[r] per row. False when some x is outside [0, 1] or NaN.
   */
  bceRows(
    x: FloatArray,
    y: FloatArray,
    w: FloatArray | null,
    rows: number,
    classes: number,
    out: Float64Array | null,
    sum: Float64Array,
  ): boolean;
  /**
   * PyTorch's binary_cross_entropy_with_logits per element, with pos_weight per column `pw`;
   * out per element, grad[i] = gs·∂loss_i/∂x_i (when given), sum[r] per row.
   */
  bceLogitsRows(
    x: FloatArray,
    y: FloatArray,
    w: FloatArray | null,
    pw: Float64Array | null,
    rows: number,
    classes: number,
    gs: number,
    out: Float64Array | null,
    grad: FloatArray | null,
    sum: Float64Array,
  ): void;
  /** PyTorch's kl_div per element: xlogy(t, t) − t·x, or exp(t)·(t − x) for log targets. */
  klDivRows(
    x: FloatArray,
    t: FloatArray,
    logTarget: boolean,
    rows: number,
    classes: number,
    out: Float64Array | null,
    sum: Float64Array,
  ): void;
}
