// Binary cross entropy for f32 data, four f32 lanes at a time: bceRows32 and bceLogitsRows32,
// which bceRows<f32> and bceLogitsRows<f32> (assembly/losses.ts) return. Same parameters and
// semantics as the generic kernels (descriptors: src/kernels/table.ts): per-element outputs are
// written in f32, per-row sums are f64.
//
// The f32 lanes do the work that f32 accuracy allows: argument reduction and the polynomials of
// log and exp (Q and E below). What decides the last bits is done in f64 on lane pairs (widened
// exactly): k·ln 2 + r + r²·Q(r) with r² exact, e = (1 + z)·2^-n, the products with the target and
// the weights, the sums of same-signed parts, and the row sums. So each per-element output is its
// f64 value rounded once to f32, and the f64 value carries the polynomials' error only (measured
// over every f32 input with t = 0 and 1: below 0.91·2^-24 of itself for BCE, 1.42·2^-24 for BCE
// with logits), so that an output is within that many f32 ulps plus ½ of the exact value, whatever
// the target in [0, 1] and the weights (test/bce32.test.ts checks both kernels against independent
// f64 references).
//
// - Constants are loaded from memory tables into locals before the loops (see assembly/vlog.ts:
//   V8 11.3 rebuilds an inline SIMD constant at every use inside a loop).
// - Validity is tested once per block of BLOCK elements by running unsigned maxima and minima of
//   bit patterns (as in assembly/measures.ts); a block that trips is computed again on the scalar
//   f64 path, the generic kernel's formulas element by element (which also sets bceRows's flag),
//   and so are the row tails.

import { LOGF_K, logfQ } from './vlog';
import { addLanes, EXP32_K, hi64 as hi, lo64 as lo } from './vmath';

/** Elements per block: the unit of the validity test and of the partial sums. */
const BLOCK: usize = 64;

const LN2: f64 = 0.6931471805599453;

// i32 and f32 constants, splatted: bceRows's block test and clamp, and the logits' block test.
// (The logits' exp takes Cephes' expf constants from EXP32_K, assembly/vmath.ts.)
const K32: usize = memory.data<u32>([
  1, 1, 1, 1, // 0: 1
  0x3f800001, 0x3f800001, 0x3f800001, 0x3f800001, // 16: bits of x (BCE) must stay below: x ≤ 1
  0x007fffff, 0x007fffff, 0x007fffff, 0x007fffff, // 32: bits − 1 must stay at or above: x = 0 or normal
  0xc2c80000, 0xc2c80000, 0xc2c80000, 0xc2c80000, // 48: −100.0, PyTorch's clamp of the logs
  0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, // 64: |x|
  0x43000000, 0x43000000, 0x43000000, 0x43000000, // 80: |x| (logits) must stay below 128.0
], 16);

// f64 constants (splatted): ln 2, 1, 1/3, 1/2, −ln 2, −0 (the sign bit).
const K64: usize = memory.data<f64>([LN2, LN2, 1.0, 1.0, 0.3333333333333333, 0.3333333333333333, 0.5, 0.5, -LN2, -LN2, -0.0, -0.0], 16);

// ---- helpers ------------------------------------------------------------------------------------

/** k·(−ln 2) − (r + r²·Q): −log x in f64, from k (i32), r and Q (f64x2; r² is exact in f64). */
// @ts-ignore: decorator
@inline function negLog(k: v128, r: v128, q: v128, nln2: v128): v128 {
  return f64x2.sub(f64x2.mul(k, nln2), f64x2.add(r, f64x2.mul(f64x2.mul(r, r), q)));
}

/** The low two i32 lanes of k as f64x2. */
// @ts-ignore: decorator
@inline function loI(k: v128): v128 {
  return f64x2.convert_low_i32x4_s(k);
}

/** The high two i32 lanes of k as f64x2. */
// @ts-ignore: decorator
@inline function hiI(k: v128): v128 {
  return f64x2.convert_low_i32x4_s(v128.shuffle<u32>(k, k, 2, 3, 2, 3));
}

/** Two f64x2 (lanes 0–1 and 2–3) rounded to f32 and stored as four f32 at p. */
// @ts-ignore: decorator
@inline function store4(p: usize, a: v128, b: v128): void {
  v128.store(p, v128.shuffle<u32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5));
}

// ---- binary cross entropy -----------------------------------------------------------------------

/** Set by the scalar path when an input is outside [0, 1] or NaN (reset by each call of bceRows32). */
let badInput: bool = false;

/**
 * The generic kernel's formula for elements [from, to), in f64: losses stored (f32), their sum
 * returned; an input outside [0, 1] or NaN sets badInput.
 */
function bceScalar(input: usize, target: usize, weight: usize, loss: usize, from: usize, to: usize): f64 {
  let s: f64 = 0;
  for (let j = from; j < to; j++) {
    let p = <f64>load<f32>(input + (j << 2)), t = <f64>load<f32>(target + (j << 2));
    if (!(p >= 0 && p <= 1)) badInput = true;
    // max(·, −100) as the generic kernel's pmax(−100, ·): NaN gives −100 (a flagged input)
    let a = Math.log1p(-p), b = Math.log(p);
    a = -100 < a ? a : -100;
    b = -100 < b ? b : -100;
    let v = (t - 1) * a - t * b;
    if (weight) v *= <f64>load<f32>(weight + (j << 2));
    if (loss) store<f32>(loss + (j << 2), <f32>v);
    s += v;
  }
  return s;
}

/**
 * The losses of four elements (x, t, w at i) as two f64x2 (lanes 0–1, 2–3): stored at `loss` when
 * given, and returned added lane-wise; see bceRows32.
 */
// @ts-ignore: decorator
@inline function bce4(
  x: v128, t: v128, weight: usize, loss: usize, i: usize,
  off: v128, mask: v128, one: v128, m100: v128, nln2: v128, one64: v128,
  q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128,
): v128 {
  let z0 = i32x4.eq(x, f32x4.splat(0)), z1 = i32x4.eq(x, one);
  // log x: k1, r1
  let tx = i32x4.sub(x, off);
  let k1 = i32x4.shr_s(tx, 23);
  let r1 = f32x4.sub(i32x4.add(v128.and(tx, mask), off), one);
  // log(1 − x): k2, r2
  let k2 = i32x4.shr_s(i32x4.sub(f32x4.sub(one, x), off), 23);
  let sh = i32x4.shl(k2, 23);
  let r2 = f32x4.sub(f32x4.sub(i32x4.sub(one, sh), one), i32x4.sub(x, sh));
  // In f64: −log x = k·(−ln 2) − (r + r²·Q(r)), the same for log(1 − x), and
  // loss = (t·(−log x) + (1 − t)·(−log(1 − x)))·w.
  let va: v128, vb: v128;
  let tOne = f32x4.eq(t, one);
  if (i32x4.all_true(v128.or(tOne, f32x4.eq(t, f32x4.splat(0))))) {
    // Hard labels (every t is 0 or 1, the common case): one log per lane, log x where t = 1 and
    // log(1 − x) where t = 0; the same value, bit for bit, as the two products below (1·a + 0·b = a
    // for the finite, clamped logs), at one polynomial instead of two.
    let z = v128.bitselect(z0, z1, tOne);
    let k = v128.andnot(v128.bitselect(k1, k2, tOne), z);
    let r = v128.bitselect(r1, r2, tOne);
    let q = v128.andnot(logfQ(r, q0, q1, q2, q3, q4, q5, q6, q7), z);
    r = v128.bitselect(m100, r, z);
    va = negLog(loI(k), lo(r), lo(q), nln2);
    vb = negLog(hiI(k), hi(r), hi(q), nln2);
  } else {
    k1 = v128.andnot(k1, z0);
    let q1v = v128.andnot(logfQ(r1, q0, q1, q2, q3, q4, q5, q6, q7), z0);
    r1 = v128.bitselect(m100, r1, z0);
    let q2v = v128.andnot(logfQ(r2, q0, q1, q2, q3, q4, q5, q6, q7), z1);
    k2 = v128.andnot(k2, z1);
    r2 = v128.bitselect(m100, r2, z1);
    let ta = lo(t), tb = hi(t);
    let la = negLog(loI(k1), lo(r1), lo(q1v), nln2), lb = negLog(hiI(k1), hi(r1), hi(q1v), nln2);
    let ma = negLog(loI(k2), lo(r2), lo(q2v), nln2), mb = negLog(hiI(k2), hi(r2), hi(q2v), nln2);
    va = f64x2.add(f64x2.mul(ta, la), f64x2.mul(f64x2.sub(one64, ta), ma));
    vb = f64x2.add(f64x2.mul(tb, lb), f64x2.mul(f64x2.sub(one64, tb), mb));
  }
  if (weight) {
    let w = v128.load(weight + (i << 2));
    va = f64x2.mul(va, lo(w));
    vb = f64x2.mul(vb, hi(w));
  }
  if (loss) store4(loss + (i << 2), va, vb);
  return f64x2.add(va, vb);
}

/**
 * bceRows for f32 data: −w·(t·max(log x, −100) + (1 − t)·max(log(1 − x), −100)) per element.
 *
 * log x: x = 2^k·(1 + r), 1 + r in [2/3, 4/3) (r exact), log x = k·ln 2 + r + r²·Q(r).
 * log(1 − x): k and the interval from u = fl(1 − x), and r = 2^-k·(1 − x) − 1 formed exactly as
 * (2^-k − 1) − 2^-k·x (for k = 0 it is −x; for k = −1, 1 − 2x with 2x in [2/3, 4/3]; for k ≤ −2,
 * x ≥ 1/2 and u is exact): no rounding of 1 − x reaches the log, so log(1 − x) for x near 0 is
 * log1p(−x) to the polynomial's accuracy. The two products t·log x and (1 − t)·log(1 − x) are kept
 * apart and added in f64 (same signs for t in [0, 1]).
 *
 * The fast path takes x = 0 or x in [2^-126, 1]: x = 0 and x = 1 give r = 0 and a garbage k, which
 * are replaced by k = 0, r = −100, Q = 0 (the clamped log; the other log is exactly 0 there). A block
 * holding anything else (subnormal, negative, > 1, NaN, −0) is done again by bceScalar.
 * Error: within 1.15 f32 ulp of the exact loss over every f32 x in [2^-126, 1) with t = 0 and 1,
 * 1.30 over 6·10^7 random soft targets and weights; at most 0.91 + ½ by the f64 values' error (the
 * bound asked is 1.6).
 */
export function bceRows32(input: usize, target: usize, weight: usize, rows: i32, classes: i32, loss: usize, sum: usize): i32 {
  let off = v128.load(LOGF_K), mask = v128.load(LOGF_K, 16), one = v128.load(LOGF_K, 32);
  let q0 = v128.load(LOGF_K, 48), q1 = v128.load(LOGF_K, 64), q2 = v128.load(LOGF_K, 80), q3 = v128.load(LOGF_K, 96);
  let q4 = v128.load(LOGF_K, 112), q5 = v128.load(LOGF_K, 128), q6 = v128.load(LOGF_K, 144), q7 = v128.load(LOGF_K, 160);
  let iOne = v128.load(K32), xTop = v128.load(K32, 16), xLow = v128.load(K32, 32), m100 = v128.load(K32, 48);
  let nln2 = v128.load(K64, 64), one64 = v128.load(K64, 16);
  let zero = f64x2.splat(0);
  badInput = false;
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n, end = i + n;
    let total: f64 = 0;
    while (i + 4 <= end) {
      let stop = min(i + BLOCK, end);
      let from = i;
      let s = zero;
      // Running maximum of the bits (must stay below xTop) and minimum of bits − 1 (at or above xLow).
      let mx = i32x4.splat(0), mn = i32x4.splat(-1);
      for (; i + 4 <= stop; i += 4) {
        let x0 = v128.load(input + (i << 2));
        let t0 = v128.load(target + (i << 2));
        mx = i32x4.max_u(mx, x0);
        mn = i32x4.min_u(mn, i32x4.sub(x0, iOne));
        s = f64x2.add(s, bce4(x0, t0, weight, loss, i, off, mask, one, m100, nln2, one64, q0, q1, q2, q3, q4, q5, q6, q7));
      }
      if (i32x4.all_true(i32x4.lt_u(mx, xTop)) && !v128.any_true(i32x4.lt_u(mn, xLow))) {
        total += addLanes(s);
      } else {
        total += bceScalar(input, target, weight, loss, from, i);
      }
    }
    total += bceScalar(input, target, weight, loss, i, end);
    store<f64>(sum + (r << 3), total);
  }
  return badInput ? 1 : 0;
}

// ---- binary cross entropy with logits ---------------------------------------------------------

/** The generic kernel's formulas for elements [from, to) of a row (j0: the class of `from`), in f64. */
function logitsScalar(
  input: usize, target: usize, weight: usize, posWeight: usize, gradScale: f64, loss: usize, grad: usize,
  from: usize, to: usize, j0: usize,
): f64 {
  let s: f64 = 0;
  for (let i = from, j = j0; i < to; i++, j++) {
    let x = <f64>load<f32>(input + (i << 2)), t = <f64>load<f32>(target + (i << 2));
    let P: f64 = posWeight ? load<f64>(posWeight + (j << 3)) : 1;
    let pw: f64 = posWeight ? 1 + (P - 1) * t : 1;
    let e = Math.exp(-Math.abs(x));
    let pos = x >= 0;
    let u = 1 - t, Pt = P * t;
    let w: f64 = weight ? <f64>load<f32>(weight + (i << 2)) : 1;
    let l = ((pos ? u * x : Pt * -x) + pw * Math.log1p(e)) * w;
    if (loss) store<f32>(loss + (i << 2), <f32>l);
    s += l;
    if (grad) {
      let ps = pw * (e / (1 + e));
      store<f32>(grad + (i << 2), <f32>(gradScale * w * (pos ? u - ps : ps - Pt)));
    }
  }
  return s;
}

/**
 * The losses of four elements (x, a = |x|, t at i, class j) as two f64x2 (lanes 0–1, 2–3): stored
 * at `loss`, and their gradients at `grad`, when given; returned added lane-wise. See bceLogitsRows32.
 */
// @ts-ignore: decorator
@inline function logits4(
  x: v128, a: v128, t: v128, weight: usize, posWeight: usize, loss: usize, grad: usize, i: usize, j: usize, G: v128,
  log2e: v128, shift: v128, c1: v128, c2: v128,
  e0: v128, e1: v128, e2: v128, e3: v128, e4: v128, e5: v128,
  q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128,
  ln2: v128, one64: v128, third: v128, half: v128, sign: v128,
): v128 {
  // exp(−a) = 2^-n·exp(ρ), ρ = n·ln 2 − a in [−ln 2/2, ln 2/2]; nf's low bits hold n.
  let nf = f32x4.add(f32x4.mul(a, log2e), shift);
  let nn = f32x4.sub(nf, shift);
  let rr = f32x4.add(f32x4.sub(f32x4.mul(nn, c1), a), f32x4.mul(nn, c2));
  let r2 = f32x4.mul(rr, rr);
  let ep = f32x4.add(
    f32x4.add(f32x4.add(e0, f32x4.mul(e1, rr)), f32x4.mul(r2, f32x4.add(e2, f32x4.mul(e3, rr)))),
    f32x4.mul(f32x4.mul(r2, r2), f32x4.add(e4, f32x4.mul(e5, rr))),
  );
  let z = f32x4.add(rr, f32x4.mul(r2, ep)); // expm1(ρ)
  let nsh = i32x4.shl(nf, 20); // n in the exponent field of an f64's high word
  // e in f64: (1 + z)·2^-n, the exponent lowered by n (an integer subtraction on the high words)
  let zero = i32x4.splat(0);
  let ea = i32x4.sub(f64x2.add(one64, lo(z)), v128.shuffle<u32>(zero, nsh, 0, 4, 1, 5));
  let eb = i32x4.sub(f64x2.add(one64, hi(z)), v128.shuffle<u32>(zero, nsh, 2, 6, 3, 7));
  // log1p(e) = K·ln 2 + log1p(ρ'), ρ' = e (K = 0) or (e − 1)/2 (K = 1, e ≥ 1/3)
  let ga = f64x2.ge(ea, third), gb = f64x2.ge(eb, third);
  let ra = v128.bitselect(f64x2.mul(f64x2.sub(ea, one64), half), ea, ga);
  let rb = v128.bitselect(f64x2.mul(f64x2.sub(eb, one64), half), eb, gb);
  let ql = logfQ(v128.shuffle<u32>(f32x4.demote_f64x2_zero(ra), f32x4.demote_f64x2_zero(rb), 0, 1, 4, 5), q0, q1, q2, q3, q4, q5, q6, q7);
  let La = f64x2.add(f64x2.add(v128.and(ln2, ga), ra), f64x2.mul(f64x2.mul(ra, ra), lo(ql)));
  let Lb = f64x2.add(f64x2.add(v128.and(ln2, gb), rb), f64x2.mul(f64x2.mul(rb, rb), hi(ql)));
  // In f64: A = x·c, c = 1 − t for x ≥ 0 and −P·t for x < 0; loss = (A + pw·log1p(e))·w.
  let xa = lo(x), xb = hi(x), ta = lo(t), tb = hi(t);
  let posa = f64x2.ge(xa, f64x2.splat(0)), posb = f64x2.ge(xb, f64x2.splat(0));
  let ca: v128, cb: v128, pwa = one64, pwb = one64;
  if (posWeight) {
    let Pa = v128.load(posWeight + (j << 3)), Pb = v128.load(posWeight + (j << 3), 16);
    pwa = f64x2.add(one64, f64x2.mul(f64x2.sub(Pa, one64), ta));
    pwb = f64x2.add(one64, f64x2.mul(f64x2.sub(Pb, one64), tb));
    ca = v128.bitselect(f64x2.sub(one64, ta), f64x2.mul(v128.xor(Pa, sign), ta), posa);
    cb = v128.bitselect(f64x2.sub(one64, tb), f64x2.mul(v128.xor(Pb, sign), tb), posb);
    La = f64x2.mul(pwa, La);
    Lb = f64x2.mul(pwb, Lb);
  } else {
    // P = 1: c = (x ≥ 0 ? 1 : 0) − t
    ca = f64x2.sub(v128.and(posa, one64), ta);
    cb = f64x2.sub(v128.and(posb, one64), tb);
  }
  let la = f64x2.add(f64x2.mul(xa, ca), La);
  let lb = f64x2.add(f64x2.mul(xb, cb), Lb);
  let wa = one64, wb = one64;
  if (weight) {
    let w = v128.load(weight + (i << 2));
    wa = lo(w);
    wb = hi(w);
    la = f64x2.mul(la, wa);
    lb = f64x2.mul(lb, wb);
  }
  if (loss) store4(loss + (i << 2), la, lb);
  if (grad) {
    // g = c − pw·σ for x ≥ 0 and c + pw·σ for x < 0 (that is, (1 − t) − pw·σ and pw·σ − P·t),
    // σ = e/(1 + e); grad = gradScale·w·g
    let psa = f64x2.div(ea, f64x2.add(one64, ea));
    let psb = f64x2.div(eb, f64x2.add(one64, eb));
    if (posWeight) {
      psa = f64x2.mul(pwa, psa);
      psb = f64x2.mul(pwb, psb);
    }
    let gA = f64x2.add(ca, v128.xor(psa, v128.and(posa, sign)));
    let gB = f64x2.add(cb, v128.xor(psb, v128.and(posb, sign)));
    store4(grad + (i << 2), f64x2.mul(f64x2.mul(G, wa), gA), f64x2.mul(f64x2.mul(G, wb), gB));
  }
  return f64x2.add(la, lb);
}

/**
 * bceLogitsRows for f32 data. With e = exp(−|x|), P = posWeight[j] (or 1), pw = 1 + (P − 1)·t:
 * loss = w·(A + pw·log1p(e)), A = (1 − t)·x for x ≥ 0 and P·t·(−x) for x < 0 (parts of one sign:
 * no cancellation), grad = gradScale·w·g, g = (1 − t) − pw·σ for x ≥ 0 and pw·σ − P·t for x < 0,
 * σ = e/(1 + e).
 *
 * e = 2^-n·(1 + z): n and the polynomial z = expm1(ρ) in f32, 1 + z and the scaling by 2^-n in f64
 * (to 2^-53, and never subnormal for |x| < 128: e keeps the polynomial's accuracy where its f32
 * value would be subnormal or 0). log1p(e) = K·ln 2 + ρ' + ρ'²·Q(ρ') with ρ' = e (K = 0) for
 * e < 1/3 and ρ' = (e − 1)/2 (K = 1) otherwise, ρ' and ρ'² in f64 and ρ' rounded to f32 for Q
 * only. Blocks holding |x| ≥ 128, ±∞ or NaN take the scalar path. As in the generic
 * kernel, x = −0 counts as x ≥ 0.
 * Error of the loss: within 1.33 f32 ulp of the exact value over every f32 x in [0, 128) with
 * t = 0 and 1, 1.68 over 5·10^7 random soft targets and weights; at most 1.42 + ½ by the f64 values'
 * error (the bound asked is 2.7). The gradient: within 1.06 ulp of itself over every f32 x in
 * [0, 128) with t = 0 and 1, and within 1.12 ulp of its terms' size |c| + pw·σ with soft targets
 * (it is their difference, which cancels near the loss's minimum: there σ's f32-polynomial error,
 * 2^-24 of σ, is what remains).
 */
export function bceLogitsRows32(
  input: usize, target: usize, weight: usize, posWeight: usize, rows: i32, classes: i32, gradScale: f64,
  loss: usize, grad: usize, sum: usize,
): void {
  let q0 = v128.load(LOGF_K, 48), q1 = v128.load(LOGF_K, 64), q2 = v128.load(LOGF_K, 80), q3 = v128.load(LOGF_K, 96);
  let q4 = v128.load(LOGF_K, 112), q5 = v128.load(LOGF_K, 128), q6 = v128.load(LOGF_K, 144), q7 = v128.load(LOGF_K, 160);
  let log2e = v128.load(EXP32_K), shift = v128.load(EXP32_K, 16), c1 = v128.load(EXP32_K, 32), c2 = v128.load(EXP32_K, 48);
  // E(ρ) = e0 + e1·ρ + … + e5·ρ^5: EXP32_K's Q5 … Q0
  let e0 = v128.load(EXP32_K, 144), e1 = v128.load(EXP32_K, 128), e2 = v128.load(EXP32_K, 112);
  let e3 = v128.load(EXP32_K, 96), e4 = v128.load(EXP32_K, 80), e5 = v128.load(EXP32_K, 64);
  let absMask = v128.load(K32, 64), aTop = v128.load(K32, 80);
  let ln2 = v128.load(K64), one64 = v128.load(K64, 16), third = v128.load(K64, 32), half = v128.load(K64, 48);
  let sign = v128.load(K64, 80);
  let G = f64x2.splat(gradScale);
  let zero = f64x2.splat(0);
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let row = r * n;
    let i = row, end = row + n;
    let total: f64 = 0;
    while (i + 4 <= end) {
      let stop = min(i + BLOCK, end);
      let from = i;
      let s = zero;
      let mx = i32x4.splat(0); // running maximum of |x|'s bits: must stay below aTop
      for (; i + 4 <= stop; i += 4) {
        let x0 = v128.load(input + (i << 2));
        let t0 = v128.load(target + (i << 2));
        let a0 = v128.and(x0, absMask);
        mx = i32x4.max_u(mx, a0);
        s = f64x2.add(s, logits4(
          x0, a0, t0, weight, posWeight, loss, grad, i, i - row, G, log2e, shift, c1, c2, e0, e1, e2, e3, e4, e5,
          q0, q1, q2, q3, q4, q5, q6, q7, ln2, one64, third, half, sign,
        ));
      }
      if (i32x4.all_true(i32x4.lt_u(mx, aTop))) {
        total += addLanes(s);
      } else {
        total += logitsScalar(input, target, weight, posWeight, gradScale, loss, grad, from, i, from - row);
      }
    }
    total += logitsScalar(input, target, weight, posWeight, gradScale, loss, grad, i, end, i - row);
    store<f64>(sum + (r << 3), total);
  }
}

// ---- kl_div -------------------------------------------------------------------------------------

/** The generic kernel's formula for elements [from, to), in f64: losses stored (f32), their sum returned. */
function klDivScalar(input: usize, target: usize, loss: usize, from: usize, to: usize): f64 {
  let s: f64 = 0;
  for (let j = from; j < to; j++) {
    let x = <f64>load<f32>(input + (j << 2)), t = <f64>load<f32>(target + (j << 2));
    // xlogy(t, t) − t·x: the log of 1 where t is 0, so that 0·log 0 is 0
    let v = (t == 0 ? 0 : t * Math.log(t)) - t * x;
    if (loss) store<f32>(loss + (j << 2), <f32>v);
    s += v;
  }
  return s;
}

/**
 * klDivRows for f32 data without logTarget: PyTorch's t·(log t − x) as xlogy(t, t) − t·x, 0 where
 * t = 0 (and NaN there only if x is ±∞ or NaN, as the generic kernel: 0·x).
 *
 * log t by the f32 reduction and polynomial of bceRows32 (t = 2^k·(1 + r), 1 + r in [2/3, 4/3),
 * r exact), assembled in f64 on lane pairs: k·ln 2 + r + r²·Q(r), so that log t carries only Q's
 * error (r²·Q is small beside r), far below an f32 ulp of log t; t·L − t·x then in f64, each output
 * rounded to f32 once. t = 0 lanes take log 1 = 0 exactly (k = 0, r = 0). The fast path takes t = 0
 * or t a positive normal f32 (tested once per block by running unsigned extremes of the bits);
 * a block holding anything else (negative, subnormal, −0, ∞, NaN) is done again by klDivScalar,
 * and so are the row tails.
 */
export function klDivRows32(input: usize, target: usize, rows: i32, classes: i32, loss: usize, sum: usize): void {
  let off = v128.load(LOGF_K), mask = v128.load(LOGF_K, 16), one = v128.load(LOGF_K, 32);
  let q0 = v128.load(LOGF_K, 48), q1 = v128.load(LOGF_K, 64), q2 = v128.load(LOGF_K, 80), q3 = v128.load(LOGF_K, 96);
  let q4 = v128.load(LOGF_K, 112), q5 = v128.load(LOGF_K, 128), q6 = v128.load(LOGF_K, 144), q7 = v128.load(LOGF_K, 160);
  let iOne = v128.load(K32), xLow = v128.load(K32, 32);
  let tTop = i32x4.splat(0x7f800000); // bits of t must stay below: t finite and not negative
  let nln2 = v128.load(K64, 64);
  let zero = f64x2.splat(0);
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n, end = i + n;
    let total: f64 = 0;
    while (i + 4 <= end) {
      let stop = min(i + BLOCK, end);
      let from = i;
      let s = zero;
      let mx = i32x4.splat(0), mn = i32x4.splat(-1);
      for (; i + 4 <= stop; i += 4) {
        let t = v128.load(target + (i << 2));
        let x = v128.load(input + (i << 2));
        mx = i32x4.max_u(mx, t);
        mn = i32x4.min_u(mn, i32x4.sub(t, iOne));
        let tt = v128.bitselect(one, t, i32x4.eq(t, f32x4.splat(0)));
        let tx = i32x4.sub(tt, off);
        let k = i32x4.shr_s(tx, 23);
        let rr = f32x4.sub(i32x4.add(v128.and(tx, mask), off), one);
        let q = logfQ(rr, q0, q1, q2, q3, q4, q5, q6, q7);
        // −log t as f64 pairs (negLog), then t·(−(−log t)) − t·x = −t·(nlog + x)
        let ta = lo(t), tb = hi(t);
        let va = f64x2.neg(f64x2.mul(ta, f64x2.add(negLog(loI(k), lo(rr), lo(q), nln2), lo(x))));
        let vb = f64x2.neg(f64x2.mul(tb, f64x2.add(negLog(hiI(k), hi(rr), hi(q), nln2), hi(x))));
        if (loss) store4(loss + (i << 2), va, vb);
        s = f64x2.add(s, f64x2.add(va, vb));
      }
      if (i32x4.all_true(i32x4.lt_u(mx, tTop)) && !v128.any_true(i32x4.lt_u(mn, xLow))) {
        total += addLanes(s);
      } else {
        total += klDivScalar(input, target, loss, from, i);
      }
    }
    total += klDivScalar(input, target, loss, i, end);
    store<f64>(sum + (r << 3), total);
  }
}
