// Per-sample weights (`sampleWeight`: Keras' sample_weight, TF.js's `weights` of shape [N]) and
// the reductions they bring: TF.js's MEAN (Σ s·l / Σ s) and SUM_BY_NONZERO_WEIGHTS (Σ s·l over
// the number of nonzero weights), and, for the per-element losses, the per-element weight that
// carries a row's sample weight (and a per-class weight broadcast along the rows) into the
// kernels, so that each loss and each gradient element is weighted in the kernel's one pass.
import { setInto, typedArrayTag } from '../intrinsics.js';
import { Half } from '../kernels/half.js';
import { checkLength, type Input, toF64 } from './arrays.js';
import { fail, show } from './errors.js';

/** The reductions of the functions that take `sampleWeight`. */
export const WEIGHTED_REDUCTIONS = ['mean', 'sum', 'none', 'sumByNonzeroWeights'] as const;

/**
 * Phase 2: the `sampleWeight` option as one f64 per row, checked: `rows` weights, or, for a
 * K-dimensional input (`positions` > 1), one per sample (`batch`), applied to each of its
 * positions; each finite and ≥ 0 (the first that is not is an error naming its index and value).
 * Null when absent.
 */
export function sampleWeightsOf(
  fn: string,
  x: Input | null,
  n: number,
  rows: number,
  what = 'one weight per row',
  batch = rows,
  positions = 1,
): Float64Array | null {
  if (x === null) return null;
  if (!(n === rows || (positions > 1 && n === batch))) checkLength(fn, 'sampleWeight', n, x, rows, what);
  // Always the library's own copy: the caller's array may be a subclass whose `length`, `map` or
  // species lie (only its elements, read by index, are the engine's).
  const w = new Float64Array(n);
  setInto(w, toF64(x) as Float64Array, 0);
  for (let i = 0; i < n; i++) {
    const v = w[i];
    if (!(v >= 0 && v < Infinity)) fail(fn, `option "sampleWeight"[${i}] must be a finite number ≥ 0; got ${show(v)}`);
  }
  if (n === rows) return w;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = w[Math.floor(r / positions)];
  return out;
}

/** The number of nonzero entries of x (SUM_BY_NONZERO_WEIGHTS's divisor). */
export function nonzero(x: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) k++;
  return k;
}

/**
 * The per-element weight of a per-element loss of rows × classes: elementWeight[i] (given with
 * the input's length), or classWeight[c] (one per class, broadcast along every row, as PyTorch
 * broadcasts a [C] weight over [N, C]), times the row's sample weight. One pass, written in the
 * input's element type (a Float32Array for f32 data, so that the f32 kernels still run). Null
 * when there is nothing to weight.
 */
export function elementWeights(
  input: Input,
  weight: Input | null,
  perClass: boolean,
  sample: Float64Array | null,
  rows: number,
  classes: number,
): Input | null {
  if (sample === null && (weight === null || !perClass)) return weight;
  const w = toF64(weight);
  const n = rows * classes;
  const out = typedArrayTag(input instanceof Half ? null : input) === 'Float32Array' ? new Float32Array(n) : new Float64Array(n);
  for (let r = 0, i = 0; r < rows; r++) {
    const s = sample === null ? 1 : sample[r];
    for (let c = 0; c < classes; c++, i++) out[i] = w === null ? s : (perClass ? w[c] : w[i]) * s;
  }
  return out;
}

/**
 * Each row's gradient factor for sample weights s: s/divisor for the means ('mean', 'batchmean',
 * 'sumByNonzeroWeights'; 0 when the divisor is 0, as gradScale), s otherwise. Formed as one
 * division (not s·(1/divisor), which overflows for a subnormal Σ s and then makes ∞·s).
 */
export function rowFactors(sample: Float64Array, reduction: string, divisor: number): Float64Array {
  if (reduction !== 'mean' && reduction !== 'batchmean' && reduction !== 'sumByNonzeroWeights') return sample;
  return sample.map((v) => (divisor === 0 ? 0 : v / divisor));
}
