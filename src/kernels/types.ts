/** A float array a kernel reads. The API layer turns `number[]` into a Float64Array first. */
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
 * implement this interface and must agree to rounding.
 */
export interface Kernels {
  /** out[r] = Σ_j x[r·classes + j] for r < rows. */
  rowSums(x: FloatArray, rows: number, classes: number, out: Float64Array): void;
  /**
   * out[r] = Σ_j term(kind, p[i]·sp, q[i]·sq), i = r·classes + j, where (sp, sq) =
   * (scales[2r], scales[2r+1]) or (1, 1) when `scales` is null. `q` is ignored (may be null) for
   * Kind.Entropy. Returns false when any element read is negative or NaN (the caller finds it).
   */
  rowTerms(
    kind: Kind,
    p: FloatArray,
    q: FloatArray | null,
    rows: number,
    classes: number,
    scales: Float64Array | null,
    out: Float64Array,
  ): boolean;
}
