// Reductions: how per-row (or per-element) values become the returned result, and the factor
// the gradient of a reduced loss carries.
import type { Reduction } from './types.js';

/** The sum of the first n elements of x (all of them by default). */
export function sum(x: ArrayLike<number>, n = x.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  return s;
}

/**
 * The reduced result: `values` for 'none'; otherwise `total` (the sum of the values), divided by
 * `divisor` for a mean ('mean' and 'batchmean').
 */
export function reduced(values: Float64Array, total: number, reduction: Reduction | 'batchmean', divisor: number): number | Float64Array {
  if (reduction === 'none') return values;
  return reduction === 'sum' ? total : total / divisor;
}

/**
 * d(reduced loss)/d(summed loss): 1 for 'sum' and 'none' (treated as 'sum'), 1/divisor for a
 * mean, and 0 for a mean over nothing (every row ignored), where PyTorch's gradient is 0.
 */
export function gradScale(reduction: Reduction, divisor: number): number {
  if (reduction !== 'mean') return 1;
  return divisor === 0 ? 0 : 1 / divisor;
}
