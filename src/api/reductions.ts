// Reductions: how per-row (or per-element) values become the returned result, and the factor
// the gradient of a reduced loss carries.
import type { Reduction } from './types.js';

/**
 * The sum of the first n elements of x (all of them by default), with Neumaier's compensation:
 * accurate to a few roundings of the result whatever n, so that a sum in batches (an
 * accumulator's) and one over the whole agree. An infinite or NaN sum is returned as it is (its
 * compensation would be NaN).
 */
export function sum(x: ArrayLike<number>, n = x.length): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * The total and divisor of the latest reduced call (set by `reduced`, which every reduced
 * function returns through): what an accumulator adds up after calling the function itself, so
 * that an update makes exactly the function's checks and computation.
 */
export const last = { total: 0, divisor: 0 };

/**
 * The reduced result: `values` for 'none'; otherwise `total` (the sum of the values), divided by
 * `divisor` for a mean ('mean', 'batchmean', and 'sumByNonzeroWeights', whose divisor is the
 * number of nonzero weights).
 */
export function reduced(
  values: Float64Array,
  total: number,
  reduction: Reduction | 'batchmean' | 'sumByNonzeroWeights',
  divisor: number,
): number | Float64Array {
  last.total = total;
  last.divisor = divisor;
  if (reduction === 'none') return values;
  return reduction === 'sum' ? total : total / divisor;
}

/**
 * d(reduced loss)/d(summed loss): 1 for 'sum' and 'none' (treated as 'sum'), 1/divisor for a
 * mean ('mean', and klDiv's 'batchmean'), and 0 for a mean over nothing (every row ignored), where
 * PyTorch's gradient is 0.
 */
export function gradScale(reduction: Reduction | 'batchmean' | 'sumByNonzeroWeights', divisor: number): number {
  if (reduction !== 'mean' && reduction !== 'batchmean' && reduction !== 'sumByNonzeroWeights') return 1;
  return divisor === 0 ? 0 : 1 / divisor;
}
