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

// p and q are ≥ 0 or NaN (a NaN input was rejected; NaN arises from normalising a row holding ∞):
// 0·log(·) is 0, and NaN propagates, as in SciPy (and the WASM kernels).
function klTerm(p: number, q: number): number {
  if (p === 0) return 0;
  return q === 0 ? Infinity : xlogRatio(p, q);
}

// g(d)/d² = G(d²), g(d) = (1+d)·log1p(d) + (1−d)·log1p(−d), for d² < 1/4: 13 coefficients of
// a Chebyshev fit (error 2^-56; scripts/gen-vlog.py, the same as assembly/vlog-table.ts's JS_G).
const G = [
  1.0, 0.16666666666665914, 0.06666666666834865, 0.03571428556716924, 0.022222228885653575, 0.015151336251909375, 0.010992078451474438,
  0.008298327091145986, 0.00680678099178135, 0.0038454510862695767, 0.009217619538886054, -0.006739560728896578, 0.014368805567745852,
] as const;

/**
 * ½(p·log(p/m) + q·log(q/m)), m = (p+q)/2. Where d = (p − q)/(p + q) has d² < 1/4 the halves
 * nearly cancel; the term is then ¼(p+q)·d²·G(d²) = ¼·(p − q)·d·G(d²), a product of same-signed
 * factors.
 */
function jensenShannonTerm(p: number, q: number): number {
  const s = p + q;
  if (s < Infinity && s > 0) {
    const D = p - q;
    const d = D / s;
    const x = d * d;
    if (x < 0.25) {
      const x2 = x * x,
        x4 = x2 * x2,
        x8 = x4 * x4;
      const a = G[0] + G[1] * x + x2 * (G[2] + G[3] * x);
      const b = G[4] + G[5] * x + x2 * (G[6] + G[7] * x);
      const c = G[8] + G[9] * x + x2 * (G[10] + G[11] * x);
      return 0.25 * D * d * (a + x4 * b + x8 * (c + x4 * G[12]));
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
