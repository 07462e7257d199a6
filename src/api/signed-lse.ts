// logSumExp with weights b and the sign of the sum, as scipy.special.logsumexp(a, b=b,
// return_sign=…): log |Σ b·e^x| per row, the b allowed to be negative (log-differences of
// probabilities, importance weights). O(n) in the API layer, for both entries alike: one pass for
// the max, one for the terms.
//
// Cancellation: with m the row's max (over the elements whose b is nonzero) and d = x − m (its
// rounding error e carried: e^(d+e) ≈ e^d·(1 + e)), the sum S = Σ b·e^d is formed one of two
// ways, whichever has the smaller error bound for the row:
//   direct: Σ b·e^d — each term to an ulp of itself: error ≈ ulp·Σ|b·e^d|;
//   split:  Σ b + Σ b·expm1(d) — error ≈ ulp·(|Σ b| + Σ|b·expm1(d)|): where the terms cancel
//           (b = [1, −1] on x close together: log(p − q) from log p, log q) each expm1 keeps the
//           digits the direct 1 − e^d loses;
// both summed with Neumaier's compensation (then split into hi + lo), and log|S| taken as
// log1p(|hi| − 1 + lo) near 1 (a dominant term keeps the others: SciPy gh-18295).
// Non-finite input (NaN, ±∞ in x with nonzero b, non-finite b) takes SciPy's own formula,
// Σ b·e^(x − m) with m replaced by 0 where it is not finite, so the special values are SciPy's.
import { expDiff, subErr } from '../kernels/exact.js';
import { type Input, valueAt } from './arrays.js';
import { indexOf } from './layout.js';
import type { Layout } from './options.js';

/** One row's log|S| and sign(S) (−∞ and 0 for a sum of exactly 0; NaN and NaN for a NaN sum). */
function signedRow(x: Input, b: Input | null, L: Layout, r: number, out: { value: number; sign: number }): void {
  const C = L.classes;
  let m = -Infinity;
  let special = false;
  for (let c = 0; c < C; c++) {
    const i = indexOf(L, r, c);
    const w = b === null ? 1 : valueAt(b, i);
    if (w === 0) continue;
    const v = valueAt(x, i);
    if (!(w - w === 0) || Number.isNaN(v) || v === Infinity) special = true;
    if (v > m) m = v;
  }
  if (special || m === -Infinity) {
    // SciPy: a_max = 0 where not finite; tmp = b·exp(a − a_max) (b = 0 terms dropped: a = −∞ there)
    const shift = Number.isFinite(m) ? m : 0;
    let s = 0;
    for (let c = 0; c < C; c++) {
      const i = indexOf(L, r, c);
      const w = b === null ? 1 : valueAt(b, i);
      if (w !== 0) s += w * Math.exp(valueAt(x, i) - shift);
    }
    out.sign = Number.isNaN(s) ? NaN : Math.sign(s);
    out.value = Math.log(Math.abs(s)) + shift;
    return;
  }
  // Two compensated sums at once: direct (s1, c1) and split (s2, c2), with their error bounds.
  let s1 = 0;
  let c1 = 0;
  let s2 = 0;
  let c2 = 0;
  let bound1 = 0;
  let bound2 = 0;
  for (let k = 0; k < C; k++) {
    const i = indexOf(L, r, k);
    const w = b === null ? 1 : valueAt(b, i);
    if (w === 0) continue;
    const v = valueAt(x, i);
    const d = v - m;
    let u: number;
    let q: number;
    if (d === -Infinity) {
      u = 0;
      q = -w;
    } else {
      const e = subErr(v, m, d);
      const E = Math.exp(d);
      u = w * expDiff(v, m);
      q = w * (Math.expm1(d) + E * e);
    }
    bound1 += Math.abs(u);
    bound2 += Math.abs(q);
    // split: Σ b and Σ b·expm1(d) into one sum
    let z = s2 + w;
    c2 += Math.abs(s2) >= Math.abs(w) ? s2 - z + w : w - z + s2;
    s2 = z;
    z = s2 + q;
    c2 += Math.abs(s2) >= Math.abs(q) ? s2 - z + q : q - z + s2;
    s2 = z;
    z = s1 + u;
    c1 += Math.abs(s1) >= Math.abs(u) ? s1 - z + u : u - z + s1;
    s1 = z;
  }
  bound2 += Math.abs(s2 + c2);
  const [s, c] = bound2 < bound1 ? [s2, c2] : [s1, c1];
  // hi + lo = s + c exactly (TwoSum)
  const hi = Number.isFinite(s) ? s + c : s; // an overflowing sum: its compensation would be NaN
  const t = hi - s;
  const lo = s - (hi - t) + (c - t);
  if (!Number.isFinite(hi)) {
    out.sign = Number.isNaN(hi) ? NaN : Math.sign(hi);
    out.value = Math.abs(hi) + m;
    return;
  }
  if (hi === 0) {
    out.value = -Infinity;
    out.sign = 0;
    return;
  }
  const sign = hi > 0 ? 1 : -1;
  const a = Math.abs(hi);
  const l = sign * lo;
  out.sign = sign;
  out.value = m + (a >= 0.5 && a <= 2 ? Math.log1p(a - 1 + l) : Math.log(a) + l / a);
}

/** log|Σ b·e^x| and its sign for each row (or position) of the layout. */
export function signedLogSumExp(x: Input, b: Input | null, L: Layout): { value: Float64Array; sign: Float64Array } {
  const value = new Float64Array(L.rows);
  const sign = new Float64Array(L.rows);
  const one = { value: 0, sign: 0 };
  for (let r = 0; r < L.rows; r++) {
    signedRow(x, b, L, r, one);
    value[r] = one.value;
    sign[r] = one.sign;
  }
  return { value, sign };
}
