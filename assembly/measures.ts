// Measure kernels: entropy, cross entropy, KL and Jensen–Shannon divergence as row sums of
// elementwise terms, and the row sums that `normalize` divides by, f32 and f64, on the
// division-free logarithms of assembly/vlog.ts. Raw pointers in, numbers out; nothing here
// validates options: the only check is the element test (negative or NaN), reported as a return
// flag so that the API layer can find and name the bad element. Descriptors, argument names and
// order: src/kernels/table.ts; the exports are generated into assembly/index.ts.
//
//
// - f32 data: f32x4 throughout (four lanes), each term rounded to f32 once and summed in f64.
//   Entropy and cross entropy: p·log(·) by logf. KL: log of the ratio a = p/q in f32 (lanes with
//   p = 0 take a = 1), and where a is in [2/3, 4/3), log1p((p − q)/q) instead (p − q is exact
//   there), so that the ratio's rounding does not reach a small log. JS: ¼(p+q)·g(d),
//   d = (p − q)/(p + q), g(d) = d²·G(d²) by a polynomial (11 terms) where d² < JSF_NEAR (0.7),
//   with the roundings of p − q and p + q put back, and elsewhere the two logs
//   ½(p·log(2p/s) + q·log(2q/s)) less the first-order effect of rounding 2p/s and 2q/s
//   (src/kernels/ts-measures.ts's jensenShannonTerm says why each).
// - f64 data: the same formulas in f64x2 on the table log (logd / logdU); JS's boundary is
//   JS_NEAR (1/2), G's polynomial has 18 terms, and a·log(2a/s) (a the larger of p and q) is
//   a·ln 2 + a·log(a/s), a·ln 2 split exactly.
// - Validity is tested once per block of BLOCK elements, not per vector: running unsigned maxima
//   (and minima) of bit patterns offset so that zero, subnormals, negatives, ∞ and NaN land
//   beyond a threshold. A block that trips is summed again on the scalar f64 path (`term`),
//   which also finds bad elements (negative or NaN) and sets the return flag.
// - Sums: a block's terms go to two f64x2 partial sums, the block's total joins the row's.

import {
  JSF_NEAR, JSF_G1, JSF_G2, JSF_G3, JSF_G4, JSF_G5, JSF_G6, JSF_G7, JSF_G8, JSF_G9, JSF_G10, JSF_G11,
} from './vlog-table';
import {
  JS_LN2_HI, JS_LN2_LO, JS_NEAR, JS_G1, JS_G2, JS_G3, JS_G4, JS_G5, JS_G6, JS_G7, JS_G8, JS_G9, JS_G10, JS_G11, JS_G12, JS_G13,
  JS_G14, JS_G15, JS_G16, JS_G17, JS_G18,
} from './vlog-table';
import { LOGF_K, LOG_K, logf, logfU, logd, logdU } from './vlog';
import { at } from './vmath';

// Kinds of elementwise term; the numbering is shared with src/kernels/types.ts.
const ENTROPY: i32 = 0; // −p·log p
const CROSS: i32 = 1; //   −p·log q
const KL: i32 = 2; //      p·log(p/q)
const JENSEN_SHANNON: i32 = 3; // ½·(p·log(p/m) + q·log(q/m)), m = (p+q)/2

const MIN_NORMAL: f64 = 2.2250738585072014e-308;

/** Elements per block: the unit of the validity test and of the partial sums. */
const BLOCK: usize = 64;

// ---- the scalar path (f64): row tails and blocks that hold a special value --------------------

/** G1 of g(d)/d² = G(d²) = 1 + d²·G1(d²) for d² < JS_NEAR, f64 (18 terms; d²·G1 within 2^-55). */
// @ts-ignore: decorator
@inline function jsG1(s: f64): f64 {
  let s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
  let a = (JS_G1 + JS_G2 * s) + s2 * (JS_G3 + JS_G4 * s);
  let b = (JS_G5 + JS_G6 * s) + s2 * (JS_G7 + JS_G8 * s);
  let c = (JS_G9 + JS_G10 * s) + s2 * (JS_G11 + JS_G12 * s);
  let d = (JS_G13 + JS_G14 * s) + s2 * (JS_G15 + JS_G16 * s);
  return a + s4 * b + s8 * (c + s4 * d + s8 * (JS_G17 + JS_G18 * s));
}

/** p·log(p/q) for p > 0, q > 0, finite or not; log1p((p − q)/q) where p/q is in [1/2, 2]. */
// @ts-ignore: decorator
@inline function xlogRatio(p: f64, q: f64): f64 {
  let r = p / q;
  if (r >= 0.5 && r <= 2) return p * Math.log1p((p - q) / q); // p − q exact (Sterbenz)
  if (r < MIN_NORMAL || r == Infinity) return p * (Math.log(p) - Math.log(q));
  return p * Math.log(r);
}

/**
 * The Jensen–Shannon term in f64, as src/kernels/ts-measures.ts's jensenShannonTerm (whose comment
 * says why). Not inlined: the scalar path inlines `term` six times, and this is most of its code.
 */
function jsTerm(p: f64, q: f64): f64 {
  let s = p + q;
  if (s < Infinity && s > 0) {
    let a = max(p, q), b = min(p, q);
    let D = a - b; // |p − q|: the term is even in p − q
    let d = D / s;
    let x = d * d;
    if (x < JS_NEAR) {
      // Where the halves nearly cancel: ¼·D²/s·G(d²), with the roundings of D and s (Fast2Sum)
      // put back: D²/s = D·d + d·(2·Dl − d·sl) to first order.
      let sl = b - (s - a);
      let Dl = (a - D) - b;
      let t = D * d;
      return 0.25 * (t + (d * (2 * Dl - d * sl) + t * (x * jsG1(x))));
    }
    // The two logs, u = 2a/s, v = 2b/s, less (s/2)·(u + v − 2): the first-order effect of
    // rounding u and v. a·log u = a·ln 2 + a·log h, h = u/2, with a·ln 2 split exactly.
    let v = 2 * (b / s);
    if ((v >= MIN_NORMAL || b == 0) && a < 1e300) {
      let h = a / s;
      let c = 134217729 * a;
      let a1 = c - (c - a); // a's top 26 bits (Veltkamp)
      let t = (a - a1) * JS_LN2_HI + a * JS_LN2_LO + a * Math.log(h) - 0.5 * s * ((2 * h - 2) + v);
      if (b != 0) t += b * Math.log(v);
      return 0.5 * (a1 * JS_LN2_HI + t);
    }
  }
  // m ≥ p/2 and m ≥ q/2: each part is finite for finite inputs.
  let m = 0.5 * p + 0.5 * q;
  let t: f64 = 0;
  if (p != 0) t += xlogRatio(p, m);
  if (q != 0) t += xlogRatio(q, m);
  return 0.5 * t;
}

/** One term in f64. p and q are ≥ 0 or NaN here (NaN propagates, as in SciPy). */
// @ts-ignore: decorator
@inline function term(kind: i32, p: f64, q: f64): f64 {
  if (kind == ENTROPY) return p == 0 ? 0 : -p * Math.log(p);
  if (kind == CROSS) return p == 0 ? 0 : -p * Math.log(q);
  if (kind == KL) {
    if (p == 0) return 0;
    return q == 0 ? Infinity : xlogRatio(p, q);
  }
  return jsTerm(p, q);
}

// Set by scalarTerms when an element it reads is negative or NaN (reset by each kernel call).
let badElement: bool = false;

/** Σ term(kind, p[j]·ps, q[j]·qs) over j in [from, to), in f64; q is read unless ENTROPY. */
// @ts-ignore: decorator
@inline function scalarTerms<T>(kind: i32, p: usize, q: usize, from: usize, to: usize, ps: f64, qs: f64): f64 {
  let s: f64 = 0;
  for (let j = from; j < to; j++) {
    let pj = <f64>load<T>(p + (j << alignof<T>()));
    let qj: f64 = 0;
    if (kind != ENTROPY) {
      qj = <f64>load<T>(q + (j << alignof<T>()));
      if (!(qj >= 0)) badElement = true;
    }
    if (!(pj >= 0)) badElement = true;
    s += term(kind, pj * ps, qj * qs);
  }
  return s;
}

// ---- constants, loaded into locals once per kernel call ------------------------------------------

// f32: ¼, ½, 2, JSF_NEAR, G1's 11 coefficients; f64: ¼, ½, 1, 2, JS_NEAR, JS_LN2_HI, JS_LN2_LO,
// G1's 18 coefficients (splatted).
const K32: usize = memory.data<f32>([
  0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5, 2, 2, 2, 2, JSF_NEAR, JSF_NEAR, JSF_NEAR, JSF_NEAR,
  JSF_G1, JSF_G1, JSF_G1, JSF_G1, JSF_G2, JSF_G2, JSF_G2, JSF_G2, JSF_G3, JSF_G3, JSF_G3, JSF_G3,
  JSF_G4, JSF_G4, JSF_G4, JSF_G4, JSF_G5, JSF_G5, JSF_G5, JSF_G5, JSF_G6, JSF_G6, JSF_G6, JSF_G6,
  JSF_G7, JSF_G7, JSF_G7, JSF_G7, JSF_G8, JSF_G8, JSF_G8, JSF_G8, JSF_G9, JSF_G9, JSF_G9, JSF_G9,
  JSF_G10, JSF_G10, JSF_G10, JSF_G10, JSF_G11, JSF_G11, JSF_G11, JSF_G11,
], 16);
const K64: usize = memory.data<f64>([
  0.25, 0.25, 0.5, 0.5, 1, 1, 2, 2, JS_NEAR, JS_NEAR, JS_LN2_HI, JS_LN2_HI, JS_LN2_LO, JS_LN2_LO,
  JS_G1, JS_G1, JS_G2, JS_G2, JS_G3, JS_G3, JS_G4, JS_G4, JS_G5, JS_G5, JS_G6, JS_G6, JS_G7, JS_G7,
  JS_G8, JS_G8, JS_G9, JS_G9, JS_G10, JS_G10, JS_G11, JS_G11, JS_G12, JS_G12, JS_G13, JS_G13,
  JS_G14, JS_G14, JS_G15, JS_G15, JS_G16, JS_G16, JS_G17, JS_G17, JS_G18, JS_G18,
], 16);
// Integer thresholds of the block tests (splatted i32): 0x00800000, 0x7f000000, 0x7f800000,
// 1, 0x007fffff, 0x00100000, 0x7fe00000, 0x7ff00000; then js64's mask of an f64's top 26 bits
// (0xfffffffff8000000, splatted i64).
const KI: usize = memory.data<u32>([
  0x00800000, 0x00800000, 0x00800000, 0x00800000, 0x7f000000, 0x7f000000, 0x7f000000, 0x7f000000,
  0x7f800000, 0x7f800000, 0x7f800000, 0x7f800000, 1, 1, 1, 1, 0x007fffff, 0x007fffff, 0x007fffff, 0x007fffff,
  0x00100000, 0x00100000, 0x00100000, 0x00100000, 0x7fe00000, 0x7fe00000, 0x7fe00000, 0x7fe00000,
  0x7ff00000, 0x7ff00000, 0x7ff00000, 0x7ff00000,
  0xf8000000, 0xffffffff, 0xf8000000, 0xffffffff,
], 16);

/** True when every lane of a (unsigned) is below the same lane of b. */
// @ts-ignore: decorator
@inline function below(a: v128, b: v128): bool {
  return i32x4.all_true(i32x4.lt_u(a, b));
}

// ---- f32 ----------------------------------------------------------------------------------------

/**
 * For each of `rows` rows of `classes` f32 elements, out[r] = Σ term(kind, p·pScale[r], q·qScale[r])
 * (pScale = 0: no scaling). Returns 1 if an element of p (or q, unless ENTROPY) is negative or NaN.
 */
// @ts-ignore: decorator
@inline function rows32(kind: i32, p: usize, q: usize, rows: i32, classes: i32, pScale: usize, qScale: usize, out: usize): i32 {
  let off = v128.load(LOGF_K), mask = v128.load(LOGF_K, 16), one = v128.load(LOGF_K, 32);
  let q0 = v128.load(LOGF_K, 48), q1 = v128.load(LOGF_K, 64), q2 = v128.load(LOGF_K, 80), q3 = v128.load(LOGF_K, 96);
  let q4 = v128.load(LOGF_K, 112), q5 = v128.load(LOGF_K, 128), q6 = v128.load(LOGF_K, 144), q7 = v128.load(LOGF_K, 160);
  let ln2hi = v128.load(LOGF_K, 176), ln2lo = v128.load(LOGF_K, 192);
  let quarter = v128.load(K32), half = v128.load(K32, 16);
  let nOff = v128.load(KI), nTop = v128.load(KI, 16), fTop = v128.load(KI, 32), iOne = v128.load(KI, 48), sTop = v128.load(KI, 64);
  let zero = f64x2.splat(0);
  let zero32 = f32x4.splat(0);
  badElement = false;
  for (let r = 0; r < rows; r++) {
    let ps: f64 = 1, qs: f64 = 1;
    if (pScale) {
      ps = load<f64>(pScale + (<usize>r << 3));
      qs = load<f64>(qScale + (<usize>r << 3));
    }
    let vip = f32x4.splat(<f32>ps), viq = f32x4.splat(<f32>qs);
    let i = <usize>r * <usize>classes;
    let end = i + <usize>classes;
    let total: f64 = 0;
    if (!(ps > 0 && ps < Infinity && qs > 0 && qs < Infinity)) {
      // A row whose sum (normalize) is negative, NaN, ∞ or 0 may hold a bad element that its
      // scale makes look valid to the block test (−1·(1/−1) = 1, −1·(1/∞) = −0·…): the scalar
      // path checks the elements as given.
      store<f64>(out + (<usize>r << 3), scalarTerms<f32>(kind, p, q, i, end, ps, qs));
      continue;
    }
    while (i + 8 <= end) {
      let stop = min(i + BLOCK, end);
      let from = i;
      let s0 = zero, s1 = zero;
      // Running maxima (mx: must stay below nTop; fx: below fTop) and minimum (mn: must stay at
      // or above sTop) of offset bit patterns.
      let mx = i32x4.splat(0), fx = i32x4.splat(0), mn = i32x4.splat(-1);
      // With scales (normalize): the OR of the elements as given, whose sign bits must stay clear
      // (a negative element scaled to −0 or to a positive value would pass the tests above).
      let sg = i32x4.splat(0);
      for (; i + 8 <= stop; i += 8) {
        let p0 = v128.load(p + (i << 2)), p1 = v128.load(p + (i << 2) + 16);
        let a0 = p0, a1 = p1;
        if (kind != ENTROPY) {
          a0 = v128.load(q + (i << 2));
          a1 = v128.load(q + (i << 2) + 16);
        }
        if (pScale) {
          sg = v128.or(sg, v128.or(v128.or(p0, p1), v128.or(a0, a1)));
          p0 = f32x4.mul(p0, vip);
          p1 = f32x4.mul(p1, vip);
          a0 = f32x4.mul(a0, kind == ENTROPY ? vip : viq);
          a1 = f32x4.mul(a1, kind == ENTROPY ? vip : viq);
        }
        let t0: v128, t1: v128;
        if (kind == ENTROPY) {
          // p in {0} ∪ normal: bits < 0x7f800000 and bits − 1 ≥ 0x007fffff (0 wraps to the top).
          // logf(0) is finite, and −0·finite is 0.
          fx = i32x4.max_u(fx, i32x4.max_u(p0, p1));
          mn = i32x4.min_u(mn, i32x4.min_u(i32x4.sub(p0, iOne), i32x4.sub(p1, iOne)));
          t0 = f32x4.mul(p0, logf(p0, off, mask, one, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo));
          t1 = f32x4.mul(p1, logf(p1, off, mask, one, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo));
        } else if (kind == CROSS) {
          // p ≥ 0 and finite (bits < 0x7f800000), q normal.
          fx = i32x4.max_u(fx, i32x4.max_u(p0, p1));
          mx = i32x4.max_u(mx, i32x4.max_u(i32x4.sub(a0, nOff), i32x4.sub(a1, nOff)));
          t0 = f32x4.mul(p0, logf(a0, off, mask, one, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo));
          t1 = f32x4.mul(p1, logf(a1, off, mask, one, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo));
        } else if (kind == KL) {
          // The ratio (1 where p = 0) and q normal; p's sign and NaN reach the ratio.
          let r0 = v128.bitselect(one, f32x4.div(p0, a0), f32x4.eq(p0, zero32));
          let r1 = v128.bitselect(one, f32x4.div(p1, a1), f32x4.eq(p1, zero32));
          mx = i32x4.max_u(mx, i32x4.max_u(i32x4.max_u(i32x4.sub(r0, nOff), i32x4.sub(r1, nOff)), i32x4.max_u(i32x4.sub(a0, nOff), i32x4.sub(a1, nOff))));
          let u0 = f32x4.div(f32x4.sub(p0, a0), a0);
          let u1 = f32x4.div(f32x4.sub(p1, a1), a1);
          t0 = f32x4.mul(p0, logfU(r0, u0, off, mask, one, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo));
          t1 = f32x4.mul(p1, logfU(r1, u1, off, mask, one, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo));
        } else {
          // s normal (1 where p = q = 0); p, q ≥ 0 and finite; 2p/s and 2q/s in {0} ∪ normal.
          let sa = f32x4.add(p0, a0), sb = f32x4.add(p1, a1);
          sa = v128.bitselect(one, sa, f32x4.eq(sa, zero32));
          sb = v128.bitselect(one, sb, f32x4.eq(sb, zero32));
          // 2·(p/s), not 2p/s: 2p overflows for p ≥ 2^127 (the same rounding otherwise).
          let xa = f32x4.div(p0, sa), ya = f32x4.div(a0, sa), xb = f32x4.div(p1, sb), yb = f32x4.div(a1, sb);
          xa = f32x4.add(xa, xa);
          ya = f32x4.add(ya, ya);
          xb = f32x4.add(xb, xb);
          yb = f32x4.add(yb, yb);
          mx = i32x4.max_u(mx, i32x4.max_u(i32x4.sub(sa, nOff), i32x4.sub(sb, nOff)));
          fx = i32x4.max_u(fx, i32x4.max_u(i32x4.max_u(p0, a0), i32x4.max_u(p1, a1)));
          mn = i32x4.min_u(mn, i32x4.min_u(
            i32x4.min_u(i32x4.sub(xa, iOne), i32x4.sub(ya, iOne)),
            i32x4.min_u(i32x4.sub(xb, iOne), i32x4.sub(yb, iOne)),
          ));
          t0 = js32(p0, a0, sa, xa, ya, one, quarter, half, off, mask, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo);
          t1 = js32(p1, a1, sb, xb, yb, one, quarter, half, off, mask, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo);
        }
        // The two vectors' terms added in f32 (one rounding, 2^-24 of |t0| + |t1|), then widened
        // and summed in f64.
        let t = f32x4.add(t0, t1);
        if (kind == ENTROPY || kind == CROSS) {
          s0 = f64x2.sub(s0, f64x2.promote_low_f32x4(t));
          s1 = f64x2.sub(s1, f64x2.promote_low_f32x4(v128.shuffle<u32>(t, t, 2, 3, 2, 3)));
        } else {
          s0 = f64x2.add(s0, f64x2.promote_low_f32x4(t));
          s1 = f64x2.add(s1, f64x2.promote_low_f32x4(v128.shuffle<u32>(t, t, 2, 3, 2, 3)));
        }
      }
      if (below(mx, nTop) && below(fx, fTop) && !v128.any_true(i32x4.lt_u(mn, sTop)) && i32x4.bitmask(sg) == 0) {
        let s = f64x2.add(s0, s1);
        total += f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
      } else {
        total += scalarTerms<f32>(kind, p, q, from, i, ps, qs);
      }
    }
    total += scalarTerms<f32>(kind, p, q, i, end, ps, qs);
    store<f64>(out + (<usize>r << 3), total);
  }
  return badElement ? 1 : 0;
}

/**
 * Jensen–Shannon terms of four f32 lanes, as the scalar `term` (and src/kernels/ts-measures.ts, whose
 * comment says why): a = max(p, q), b = min(p, q), D = a − b, d = D/s; where d² < JSF_NEAR,
 * ¼·(D·d + d·(2·Dl − d·sl))·G(d²) with the roundings Dl of D and sl of s = p + q (Fast2Sum), else
 * ½(p·log x + q·log y − (s/2)·(x + y − 2)), x = 2p/s, y = 2q/s (without js64's split of a·ln 2: within
 * 3.2 f32 ulp as it is, over 10^6 pairs); lanes with p = q = 0 give 0 (s taken
 * as 1), and log 0's finite garbage is multiplied by 0. For lanes outside the kernel's block test
 * the value is finite garbage (the block is redone).
 */
// @ts-ignore: decorator
@inline function js32(
  p: v128, q: v128, s: v128, x: v128, y: v128, one: v128, quarter: v128, half: v128,
  off: v128, mask: v128, q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128, ln2hi: v128, ln2lo: v128,
): v128 {
  let a = f32x4.pmax(p, q), b = f32x4.pmin(p, q);
  let D = f32x4.sub(a, b);
  let d = f32x4.div(D, s);
  let d2 = f32x4.mul(d, d);
  let near = f32x4.lt(d2, v128.load(K32, 48));
  // Each form only when a lane takes it: all four lanes are near about 7 times in 10 on uniform
  // data, and the two logs cost more than the branch.
  let series = f32x4.splat(0), logs = f32x4.splat(0);
  if (v128.any_true(near)) {
    let d4 = f32x4.mul(d2, d2);
    let d8 = f32x4.mul(d4, d4);
    // G1's 11 coefficients (K32's vectors 4 to 14) as memory operands, as in js64.
    let A = f32x4.add(
      f32x4.add(v128.load(K32, 64), f32x4.mul(v128.load(K32, 80), d2)),
      f32x4.mul(d4, f32x4.add(v128.load(K32, 96), f32x4.mul(v128.load(K32, 112), d2))),
    );
    let B = f32x4.add(
      f32x4.add(v128.load(K32, 128), f32x4.mul(v128.load(K32, 144), d2)),
      f32x4.mul(d4, f32x4.add(v128.load(K32, 160), f32x4.mul(v128.load(K32, 176), d2))),
    );
    let C = f32x4.add(f32x4.add(v128.load(K32, 192), f32x4.mul(v128.load(K32, 208), d2)), f32x4.mul(d4, v128.load(K32, 224)));
    let G1 = f32x4.add(A, f32x4.mul(d8, f32x4.add(B, f32x4.mul(d8, C))));
    let sl = f32x4.sub(b, f32x4.sub(s, a));
    let Dl = f32x4.sub(f32x4.sub(a, D), b);
    let t = f32x4.mul(D, d);
    let c = f32x4.mul(d, f32x4.sub(f32x4.add(Dl, Dl), f32x4.mul(d, sl)));
    series = f32x4.mul(quarter, f32x4.add(t, f32x4.add(c, f32x4.mul(t, f32x4.mul(d2, G1)))));
  }
  if (!i32x4.all_true(near)) {
    let la = logf(x, off, mask, one, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo);
    let lb = logf(y, off, mask, one, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo);
    let e = f32x4.add(f32x4.sub(f32x4.pmax(x, y), v128.load(K32, 32)), f32x4.pmin(x, y)); // x + y − 2, exactly
    logs = f32x4.mul(half, f32x4.sub(f32x4.add(f32x4.mul(p, la), f32x4.mul(q, lb)), f32x4.mul(f32x4.mul(half, s), e)));
  }
  return v128.bitselect(series, logs, near);
}

// ---- f64 ----------------------------------------------------------------------------------------

/** The high 32-bit words of the four f64 lanes of a and b, as one i32x4. */
// @ts-ignore: decorator
@inline function highs(a: v128, b: v128): v128 {
  return v128.shuffle<u32>(a, b, 1, 3, 5, 7);
}

/** As rows32 for f64 elements. */
// @ts-ignore: decorator
@inline function rows64(kind: i32, p: usize, q: usize, rows: i32, classes: i32, pScale: usize, qScale: usize, out: usize): i32 {
  let off = v128.load(LOG_K), himask = v128.load(LOG_K, 16), ln2hi = v128.load(LOG_K, 32), ln2lo = v128.load(LOG_K, 48);
  let c2 = v128.load(LOG_K, 64), c3 = v128.load(LOG_K, 80), c4 = v128.load(LOG_K, 96), c5 = v128.load(LOG_K, 112);
  let c6 = v128.load(LOG_K, 128), c7 = v128.load(LOG_K, 144);
  let quarter = v128.load(K64), half = v128.load(K64, 16), one = v128.load(K64, 32);
  let hOff = v128.load(KI, 80), hTop = v128.load(KI, 96), hFin = v128.load(KI, 112);
  let zero = f64x2.splat(0);
  badElement = false;
  for (let r = 0; r < rows; r++) {
    let ps: f64 = 1, qs: f64 = 1;
    if (pScale) {
      ps = load<f64>(pScale + (<usize>r << 3));
      qs = load<f64>(qScale + (<usize>r << 3));
    }
    let vip = f64x2.splat(ps), viq = f64x2.splat(qs);
    let i = <usize>r * <usize>classes;
    let end = i + <usize>classes;
    let total: f64 = 0;
    if (!(ps > 0 && ps < Infinity && qs > 0 && qs < Infinity)) {
      // A row whose sum (normalize) is negative, NaN, ∞ or 0 may hold a bad element that its
      // scale makes look valid to the block test (−1·(1/−1) = 1, −1·(1/∞) = −0·…): the scalar
      // path checks the elements as given.
      store<f64>(out + (<usize>r << 3), scalarTerms<f64>(kind, p, q, i, end, ps, qs));
      continue;
    }
    while (i + 4 <= end) {
      let stop = min(i + BLOCK, end);
      let from = i;
      let s0 = zero, s1 = zero;
      // High words: mx of (normal-required values − 0x00100000) below 0x7fe00000; fx of values
      // that must be ≥ 0 and finite below 0x7ff00000.
      let mx = i32x4.splat(0), fx = i32x4.splat(0);
      let sg = i32x4.splat(0); // as in rows32: the OR of the elements as given (normalize)
      for (; i + 4 <= stop; i += 4) {
        let p0 = v128.load(p + (i << 3)), p1 = v128.load(p + (i << 3) + 16);
        let a0 = p0, a1 = p1;
        if (kind != ENTROPY) {
          a0 = v128.load(q + (i << 3));
          a1 = v128.load(q + (i << 3) + 16);
        }
        if (pScale) {
          sg = v128.or(sg, v128.or(v128.or(p0, p1), v128.or(a0, a1)));
          p0 = f64x2.mul(p0, vip);
          p1 = f64x2.mul(p1, vip);
          a0 = f64x2.mul(a0, kind == ENTROPY ? vip : viq);
          a1 = f64x2.mul(a1, kind == ENTROPY ? vip : viq);
        }
        let t0: v128, t1: v128;
        if (kind == ENTROPY) {
          let x0 = v128.bitselect(one, p0, f64x2.eq(p0, zero));
          let x1 = v128.bitselect(one, p1, f64x2.eq(p1, zero));
          mx = i32x4.max_u(mx, i32x4.sub(highs(x0, x1), hOff));
          t0 = f64x2.mul(p0, logd(x0, off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7));
          t1 = f64x2.mul(p1, logd(x1, off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7));
        } else if (kind == CROSS) {
          fx = i32x4.max_u(fx, highs(p0, p1));
          mx = i32x4.max_u(mx, i32x4.sub(highs(a0, a1), hOff));
          t0 = f64x2.mul(p0, logd(a0, off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7));
          t1 = f64x2.mul(p1, logd(a1, off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7));
        } else if (kind == KL) {
          let r0 = v128.bitselect(one, f64x2.div(p0, a0), f64x2.eq(p0, zero));
          let r1 = v128.bitselect(one, f64x2.div(p1, a1), f64x2.eq(p1, zero));
          mx = i32x4.max_u(mx, i32x4.max_u(i32x4.sub(highs(r0, r1), hOff), i32x4.sub(highs(a0, a1), hOff)));
          let u0 = f64x2.div(f64x2.sub(p0, a0), a0);
          let u1 = f64x2.div(f64x2.sub(p1, a1), a1);
          t0 = f64x2.mul(p0, logdU(r0, u0, true, one, off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7));
          t1 = f64x2.mul(p1, logdU(r1, u1, true, one, off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7));
        } else {
          let sa = f64x2.add(p0, a0), sb = f64x2.add(p1, a1);
          sa = v128.bitselect(one, sa, f64x2.eq(sa, zero));
          sb = v128.bitselect(one, sb, f64x2.eq(sb, zero));
          let ra = f64x2.div(one, sa), rb = f64x2.div(one, sb);
          // 2p/s and 2q/s as computed (xr…, for js64's correction of their rounding), and with 1
          // where p (q) is 0 (xa…, for the logs): normal; s normal.
          let xra = f64x2.mul(f64x2.add(p0, p0), ra), yra = f64x2.mul(f64x2.add(a0, a0), ra);
          let xrb = f64x2.mul(f64x2.add(p1, p1), rb), yrb = f64x2.mul(f64x2.add(a1, a1), rb);
          let xa = v128.bitselect(one, xra, f64x2.eq(p0, zero));
          let ya = v128.bitselect(one, yra, f64x2.eq(a0, zero));
          let xb = v128.bitselect(one, xrb, f64x2.eq(p1, zero));
          let yb = v128.bitselect(one, yrb, f64x2.eq(a1, zero));
          mx = i32x4.max_u(mx, i32x4.max_u(
            i32x4.max_u(i32x4.sub(highs(xa, ya), hOff), i32x4.sub(highs(xb, yb), hOff)),
            i32x4.sub(highs(sa, sb), hOff),
          ));
          t0 = js64(p0, a0, sa, xra, yra, xa, ya, quarter, half, off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7);
          t1 = js64(p1, a1, sb, xrb, yrb, xb, yb, quarter, half, off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7);
        }
        if (kind == ENTROPY || kind == CROSS) {
          s0 = f64x2.sub(s0, t0);
          s1 = f64x2.sub(s1, t1);
        } else {
          s0 = f64x2.add(s0, t0);
          s1 = f64x2.add(s1, t1);
        }
      }
      if (below(mx, hTop) && below(fx, hFin) && i64x2.bitmask(sg) == 0) {
        let s = f64x2.add(s0, s1);
        total += f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
      } else {
        total += scalarTerms<f64>(kind, p, q, from, i, ps, qs);
      }
    }
    total += scalarTerms<f64>(kind, p, q, i, end, ps, qs);
    store<f64>(out + (<usize>r << 3), total);
  }
  return badElement ? 1 : 0;
}

/**
 * Jensen–Shannon terms of two f64 lanes, as js32 with JS_NEAR, G1's 18 coefficients and a·ln 2 split
 * exactly (s = p + q, xr = 2p/s, yr = 2q/s as computed, x and y the same with 1 where p or q is 0).
 */
// @ts-ignore: decorator
@inline function js64(
  p: v128, q: v128, s: v128, xr: v128, yr: v128, x: v128, y: v128, quarter: v128, half: v128,
  off: v128, himask: v128, ln2hi: v128, ln2lo: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128,
): v128 {
  let a = f64x2.pmax(p, q), b = f64x2.pmin(p, q);
  let D = f64x2.sub(a, b);
  let d = f64x2.div(D, s);
  let d2 = f64x2.mul(d, d);
  let near = f64x2.lt(d2, v128.load(K64, 64));
  // Each path only when a lane takes it (both lanes agree about 7 times in 10 on uniform data).
  let series = f64x2.splat(0), logs = f64x2.splat(0);
  if (v128.any_true(near)) {
    let d4 = f64x2.mul(d2, d2);
    let d8 = f64x2.mul(d4, d4);
    // G1's 18 coefficients are read from memory here: registers are short in this loop, and a
    // memory operand costs one load (unlike an inline constant).
    let A = f64x2.add(
      f64x2.add(v128.load(K64, 112), f64x2.mul(v128.load(K64, 128), d2)),
      f64x2.mul(d4, f64x2.add(v128.load(K64, 144), f64x2.mul(v128.load(K64, 160), d2))),
    );
    let B = f64x2.add(
      f64x2.add(v128.load(K64, 176), f64x2.mul(v128.load(K64, 192), d2)),
      f64x2.mul(d4, f64x2.add(v128.load(K64, 208), f64x2.mul(v128.load(K64, 224), d2))),
    );
    let C = f64x2.add(
      f64x2.add(v128.load(K64, 240), f64x2.mul(v128.load(K64, 256), d2)),
      f64x2.mul(d4, f64x2.add(v128.load(K64, 272), f64x2.mul(v128.load(K64, 288), d2))),
    );
    let E = f64x2.add(
      f64x2.add(v128.load(K64, 304), f64x2.mul(v128.load(K64, 320), d2)),
      f64x2.mul(d4, f64x2.add(v128.load(K64, 336), f64x2.mul(v128.load(K64, 352), d2))),
    );
    let F = f64x2.add(v128.load(K64, 368), f64x2.mul(v128.load(K64, 384), d2));
    let d16 = f64x2.mul(d8, d8);
    let G1 = f64x2.add(f64x2.add(A, f64x2.mul(d8, B)), f64x2.mul(d16, f64x2.add(f64x2.add(C, f64x2.mul(d8, E)), f64x2.mul(d16, F))));
    let sl = f64x2.sub(b, f64x2.sub(s, a));
    let Dl = f64x2.sub(f64x2.sub(a, D), b);
    let t = f64x2.mul(D, d);
    let c = f64x2.mul(d, f64x2.sub(f64x2.add(Dl, Dl), f64x2.mul(d, sl)));
    series = f64x2.mul(quarter, f64x2.add(t, f64x2.add(c, f64x2.mul(t, f64x2.mul(d2, G1)))));
  }
  if (!i64x2.all_true(near)) {
    // u = 2a/s = max(xr, yr) ≥ 1, v = min(x, y) (1 where b = 0): a·log u = a·ln 2 + a·log(u/2),
    // a·ln 2 = a1·JS_LN2_HI (exact: a1 is a's top 26 bits) + the rest.
    let u = f64x2.pmax(xr, yr);
    let la = logd(f64x2.mul(half, u), off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7);
    let lb = logd(f64x2.pmin(x, y), off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7);
    let e = f64x2.add(f64x2.sub(u, v128.load(K64, 48)), f64x2.pmin(xr, yr)); // u + v − 2, exactly
    let a1 = v128.and(a, v128.load(KI, 128));
    let t = f64x2.add(f64x2.mul(f64x2.sub(a, a1), v128.load(K64, 80)), f64x2.mul(a, v128.load(K64, 96)));
    t = f64x2.sub(f64x2.add(f64x2.add(t, f64x2.mul(a, la)), f64x2.mul(b, lb)), f64x2.mul(f64x2.mul(half, s), e));
    logs = f64x2.mul(half, f64x2.add(f64x2.mul(a1, v128.load(K64, 80)), t));
  }
  return v128.bitselect(series, logs, near);
}

/** sum[r] = Σ of row r (for normalize). */
export function rowSums<T>(x: usize, rows: i32, classes: i32, sum: usize): void {
  for (let r = 0; r < rows; r++) {
    let base = <usize>r * <usize>classes;
    let end = base + <usize>classes;
    let s0: f64 = 0, s1: f64 = 0;
    let i = base;
    for (; i + 1 < end; i += 2) {
      s0 += at<T>(x, i);
      s1 += at<T>(x, i + 1);
    }
    if (i < end) s0 += at<T>(x, i);
    store<f64>(sum + (<usize>r << 3), s0 + s1);
  }
}

/**
 * The measure kernel: rows64 or rows32 by element type, with `kind` made a constant in each loop.
 */
export function rowTerms<T>(kind: i32, p: usize, q: usize, rows: i32, classes: i32, pScale: usize, qScale: usize, out: usize): i32 {
  if (sizeof<T>() == 8) {
    if (kind == ENTROPY) return rows64(ENTROPY, p, q, rows, classes, pScale, qScale, out);
    if (kind == CROSS) return rows64(CROSS, p, q, rows, classes, pScale, qScale, out);
    if (kind == KL) return rows64(KL, p, q, rows, classes, pScale, qScale, out);
    return rows64(JENSEN_SHANNON, p, q, rows, classes, pScale, qScale, out);
  }
  if (kind == ENTROPY) return rows32(ENTROPY, p, q, rows, classes, pScale, qScale, out);
  if (kind == CROSS) return rows32(CROSS, p, q, rows, classes, pScale, qScale, out);
  if (kind == KL) return rows32(KL, p, q, rows, classes, pScale, qScale, out);
  return rows32(JENSEN_SHANNON, p, q, rows, classes, pScale, qScale, out);
}
