// Errors in ulps of a float format, and the row fixture of cancel.json: shared by the accuracy
// tests (test/cancel.test.ts, test/kdim.cancel.test.ts).

export type Dtype = 'f64' | 'f32';

/** The smallest normal and largest finite number of each format, and its mantissa bits. */
const FORMAT = {
  f64: { minNormal: 2 ** -1022, max: Number.MAX_VALUE, mantissa: 52 },
  f32: { minNormal: 2 ** -126, max: (2 - 2 ** -23) * 2 ** 127, mantissa: 23 },
} as const;

/** One ulp of a normal |x| in the format: 2^(exponent of x − mantissa bits), the binade exactly. */
export function ulp(x: number, dtype: Dtype): number {
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - FORMAT[dtype].mantissa);
}

/** Whether the format has `x` as a normal number. */
export function normal(x: number, dtype: Dtype): boolean {
  const a = Math.abs(x);
  return a >= FORMAT[dtype].minNormal && a <= FORMAT[dtype].max;
}

/**
 * |got − exact| in ulps of `scale` (|exact| unless a bound says otherwise), in the format of
 * `dtype`; NaN when the comparison is skipped (exact not normal), ∞ for a non-finite result.
 */
export function ulpError(got: number, exact: number, dtype: Dtype, scale = Math.abs(exact)): number {
  if (!normal(exact, dtype)) return NaN;
  const e = Math.abs(got - exact);
  return Number.isFinite(e) ? e / ulp(scale, dtype) : Infinity;
}

/** cancel.json: rows of logits with one term dominating, and their mpmath values (base64 f64). */
export interface RowGroup {
  classes: number;
  rows: number;
  x: string;
  lse: string;
  scale: string;
  argmax: number[];
  other: number[];
  logSoftmax: string;
  softmax: string;
  gradLabel: string;
}

/** cancel.json: a vocabulary-sized row described by its levels, expanded by the tests. */
export interface VocabRow {
  name: string;
  classes: number;
  levels: string;
  counts: number[];
  seed: number;
  maxAt: number;
  other: number;
  lse: number;
  scale: number;
  logSoftmax: string;
  softmax: string;
  gradLabel: number;
}
