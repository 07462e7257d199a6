// The pure-TypeScript measure kernels; assembly/measures.ts is their WASM twin.
import { type FloatArray, Kind, type LoopFunctions } from './types.js';

const MIN_NORMAL = 2.2250738585072014e-308;
/** Elements per block of partial sums (see rowTerms). */
const BLOCK = 64;

/**
 * p·log(p/q) for p, q > 0: log1p((p − q)/q) where p/q is in [1/2, 2] (p − q is exact there, so
 * the ratio's rounding does not reach a small log: SciPy gh-20710); the difference of logs where
 * the quotient overflows or underflows. As assembly/measures.ts.
 */
function xlogRatio(p: number, q: number): number {
  const r = p / q;
  if (r >= 0.5 && r <= 2) return p * Math.log1p((p - q) / q);
  if (r < MIN_NORMAL || r === Infinity) return p * (Math.log(p) - Math.log(q));
  return p * Math.log(r);
}

/**
 * +∞ for klTerm to return. Returned as the global `Infinity`, it made V8's loop over the terms
 * 1.2× slower (an 8-element klDivergence: 157 against 131 ns), though that branch never ran.
 */
const INFINITY = Number.POSITIVE_INFINITY;

// p and q are ≥ 0 or NaN (a NaN input was rejected; NaN arises from normalising a row holding ∞):
// 0·log(·) is 0, and NaN propagates, as in SciPy (and the WASM kernels).
function klTerm(p: number, q: number): number {
  if (p === 0) return 0;
  return q === 0 ? INFINITY : xlogRatio(p, q);
}

// g(d)/d² = G(d²) = 1 + d²·G1(d²), g(d) = (1+d)·log1p(d) + (1−d)·log1p(−d), for d² < NEAR: G1's 18
// coefficients (a Chebyshev fit, d²·G1 within 2^-55; scripts/gen-vlog.py, the same as
// assembly/vlog-table.ts's JS_NEAR and JS_G1…JS_G18).
const NEAR = 0.5;
/** ln 2 = LN2_HI + LN2_LO, LN2_HI of 26 bits (its product with a 27-bit number is exact). */
const LN2_HI = 0.6931471824645996;
const LN2_LO = -1.904654299957768e-9;
const G = [
  0.16666666666666663, 0.06666666666669716, 0.03571428570774392, 0.022222222776802553, 0.015151490436649801, 0.010989678790034955,
  0.008321435864957346, 0.006683369725351733, 0.003947346067983746, 0.012982339044783126, -0.03886462055207306, 0.15961152404130205,
  -0.42867783539645776, 0.8795728004219987, -1.2797333821308823, 1.2799018989362314, -0.7833108142593741, 0.22940751555219668,
] as const;

/**
 * ½(p·log(p/m) + q·log(q/m)), m = (p+q)/2 = s/2, as ¼·s·g(d), d = (p − q)/(p + q), in two ways
 * (as assembly/measures.ts), each within 3 ulp over 10^6 pairs against mpmath:
 * - d² < NEAR, where the halves nearly cancel: ¼·D²/s·G(d²) (D = |p − q|), a product of
 *   same-signed factors. The roundings of D and s are put back to first order (Fast2Sum gives
 *   them exactly): with D + Dl and s + sl exact, D²/s is D·d + d·(2·Dl − d·sl), d = fl(D/s).
 *   (Without, the roundings of D, s, D/s and the products reached 6 ulp.)
 * - elsewhere the two logs ½(a·log u + b·log v), a ≥ b the two of p and q, u = 2a/s, v = 2b/s,
 *   whose parts cancel by up to 2.3× (at d² = 1/2). u and v are rounded, but a·log u + b·log v is
 *   stationary along u + v = 2 (its derivative there is s/2 − s/2): their rounding moves it by
 *   (s/2)·(u + v − 2) to first order, and u + v − 2 is exact as (u − 2) + v (u ≥ 1 ≥ v), so it is
 *   taken off (without: 9 ulp). Then the largest error left is log u's, which a multiplies:
 *   log u = ln 2 + log(u/2) moves it to a log of at most 0.35, and a·ln 2 is split exactly
 *   (4 ulp without).
 * Where s is 0, ∞ or NaN, v is not normal, or a ≥ 1e300 (where the split would overflow):
 * p·log(p/m) + q·log(q/m) by xlogRatio.
 */
function jensenShannonTerm(p: number, q: number): number {
  const s = p + q;
  if (s < Infinity && s > 0) {
    const a = Math.max(p, q);
    const b = Math.min(p, q);
    const D = a - b;
    const d = D / s;
    const x = d * d;
    if (x < NEAR) {
      const sl = b - (s - a);
      const Dl = a - D - b;
      const x2 = x * x,
        x4 = x2 * x2,
        x8 = x4 * x4;
      const g0 = G[0] + G[1] * x + x2 * (G[2] + G[3] * x);
      const g1 = G[4] + G[5] * x + x2 * (G[6] + G[7] * x);
      const g2 = G[8] + G[9] * x + x2 * (G[10] + G[11] * x);
      const g3 = G[12] + G[13] * x + x2 * (G[14] + G[15] * x);
      const g4 = G[16] + G[17] * x;
      const g = g0 + x4 * g1 + x8 * (g2 + x4 * g3 + x8 * g4);
      const t = D * d;
      return 0.25 * (t + (d * (2 * Dl - d * sl) + t * (x * g)));
    }
    const v = 2 * (b / s);
    if ((v >= MIN_NORMAL || b === 0) && a < 1e300) {
      const h = a / s; // u/2
      const c = 134217729 * a;
      const a1 = c - (c - a); // a's top 26 bits (Veltkamp): a1·LN2_HI and (a − a1)·LN2_HI are exact
      let t = (a - a1) * LN2_HI + a * LN2_LO + a * Math.log(h) - 0.5 * s * (2 * h - 2 + v);
      if (b !== 0) t += b * Math.log(v);
      return 0.5 * (a1 * LN2_HI + t);
    }
  }
  const m = 0.5 * p + 0.5 * q;
  let t = 0;
  if (p !== 0) t += xlogRatio(p, m);
  if (q !== 0) t += xlogRatio(q, m);
  return 0.5 * t;
}

/**
 * The term of `kind`. A branch on a loop-invariant kind, rather than a table of functions: each
 * call site below stays monomorphic, so V8 inlines the term into the loop (a function table made
 * crossEntropy 2× slower than a hand-written loop; bench/run.mjs).
 */
function term(kind: number, p: number, q: number): number {
  // The two hot terms written out (V8 did not inline them through two calls).
  if (kind === Kind.Cross) return p === 0 ? 0 : -p * Math.log(q);
  if (kind === Kind.Entropy) return p === 0 ? 0 : -p * Math.log(p);
  if (kind === Kind.KL) return klTerm(p, q);
  return jensenShannonTerm(p, q);
}

/**
 * rowTerms for cross entropy (entropy: q = p) without normalisation: the hot case, with the term
 * written out so that no call is left in the loop (V8 did not inline `term` into the generic loop
 * for small inputs, which made an 8-element call 2.5× a hand-written loop). Summed as rowTerms.
 */
function crossRows(p: FloatArray, q: FloatArray, rows: number, classes: number, out: Float64Array): boolean {
  let ok = true;
  if (classes <= BLOCK) {
    // Rows of one block: a plain sum (what the blocked loop below does for its first block).
    for (let r = 0, i = 0; r < rows; r++) {
      let s = 0;
      for (const end = i + classes; i < end; i++) {
        const a = p[i];
        const b = q[i];
        if (!(a >= 0 && b >= 0)) ok = false;
        s -= a === 0 ? 0 : a * Math.log(b);
      }
      out[r] = s;
    }
    return ok;
  }
  for (let r = 0, i = 0; r < rows; r++) {
    let total = 0;
    let comp = 0;
    const end = i + classes;
    while (i < end) {
      const stop = Math.min(i + BLOCK, end);
      let s = 0;
      for (; i < stop; i++) {
        const a = p[i];
        const b = q[i];
        if (!(a >= 0 && b >= 0)) ok = false;
        s -= a === 0 ? 0 : a * Math.log(b);
      }
      const sum = total + s;
      comp += Math.abs(total) >= Math.abs(s) ? total - sum + s : s - sum + total;
      total = sum;
    }
    out[r] = Number.isFinite(total) ? total + comp : total;
  }
  return ok;
}

export const tsMeasureKernels: Pick<LoopFunctions, 'rowSums' | 'rowTerms'> = {
  rowSums({ x, rows, classes, sum }) {
    for (let r = 0, i = 0; r < rows; r++) {
      let s0 = 0;
      let s1 = 0;
      const end = i + classes;
      for (; i + 1 < end; i += 2) {
        s0 += x[i];
        s1 += x[i + 1];
      }
      if (i < end) s0 += x[i++];
      sum[r] = s0 + s1;
    }
  },

  rowTerms({ kind, p, q, rows, classes, pScale, qScale, out }) {
    if (pScale === null && (kind === Kind.Cross || kind === Kind.Entropy)) {
      return crossRows(p, kind === Kind.Cross && q !== null ? q : p, rows, classes, out);
    }
    const second: FloatArray = kind === Kind.Entropy || q === null ? p : q;
    let ok = true;
    for (let r = 0, i = 0; r < rows; r++) {
      const a = pScale === null ? 1 : pScale[r];
      const b = qScale === null ? 1 : qScale[r];
      // Two accumulators over blocks of BLOCK elements; each block joins the row's total with
      // Neumaier's compensation (once per block, so it costs nothing measurable): the error is
      // that of a BLOCK/2-term sum, whatever n (a 10^6-term row is within 1e-14, test/sums.test.ts).
      let total = 0;
      let comp = 0;
      const end = i + classes;
      while (i + 1 < end) {
        const stop = Math.min(i + BLOCK, end);
        let s0 = 0;
        let s1 = 0;
        for (; i + 1 < stop; i += 2) {
          const p0 = p[i];
          const p1 = p[i + 1];
          const q0 = second[i];
          const q1 = second[i + 1];
          if (!(p0 >= 0 && p1 >= 0 && q0 >= 0 && q1 >= 0)) ok = false;
          s0 += term(kind, p0 * a, q0 * b);
          s1 += term(kind, p1 * a, q1 * b);
        }
        const t = s0 + s1;
        const sum = total + t;
        comp += Math.abs(total) >= Math.abs(t) ? total - sum + t : t - sum + total;
        total = sum;
      }
      if (i < end) {
        const p0 = p[i];
        const q0 = second[i];
        if (!(p0 >= 0 && q0 >= 0)) ok = false;
        total += term(kind, p0 * a, q0 * b);
        i++;
      }
      out[r] = Number.isFinite(total) ? total + comp : total; // ∞ − ∞ in comp would be NaN
    }
    return ok;
  },
};
