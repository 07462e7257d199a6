// Loss kernels: blocks of `rows` × `classes` row-major elements; per-row parameters and results
// are f64. `offset` is the class of the block's first element within its row (a row longer than
// the glue's chunk arrives in pieces). Pointers that are 0 mean "absent". Descriptors, argument
// names and order: src/kernels/table.ts; the exports are generated into assembly/index.ts.

import { at, exp64, EXP32_K, EXP32_LO, EXP32_P, expDiff, expfs, expPoly32, subErrNeg32, f64at, subErr, subErr64, fastExp64, hi64, kept, addLanes, lo64, log1p64, log64, pair, storePair } from './vmath';
import { bceLogitsRows32, bceRows32, klDivRows32 } from './bce32';
import { halfHigh8, halfLeast, halfLow8, rowMaxHalf, widen1, widenHalf } from './half';

// ---- log-sum-exp in two parts -------------------------------------------------------------------
//
// log Σ_j exp x_j = m + log1p(s): m the row's max, s = Σ exp(x_j − m) over the other elements.
// The max's own 1 is kept apart from s (SciPy gh-18295: 1 + e^-40 rounds to 1 before its log):
// one element equal to the max is "the max"; when the max grows, the old one becomes an ordinary
// term; an element equal to the max is an ordinary term of 1. Terms whose exp underflows are their
// (subnormal) value or 0, never clamped to the edge of exp's range.

/** The state of a log-sum-exp in progress (lseScalar's in and out): max m, sum s of the others. */
let stM: f64 = -Infinity;
let stS: f64 = 0;

/**
 * Adds n elements from element i to the state (stM, stS), one at a time. Equal values (±∞
 * included) add exp(0) = 1 without forming ∞ − ∞, so a row of −∞ gives (−∞, …) and a row holding
 * +∞ gives max +∞ (PyTorch's logsumexp); NaN propagates (into s). The scalar path: short rows,
 * tails, and rows holding +∞ or NaN.
 */
function lseScalar<T>(x: usize, i: usize, n: usize): void {
  let m = stM, s = stS;
  for (let j: usize = 0; j < n; j++) {
    let v = at<T>(x, i + j);
    if (v > m) {
      s = (s + 1) * expDiff(m, v);
      m = v;
    } else if (v == m) {
      s += 1;
    } else {
      s += expDiff(v, m);
    }
  }
  stM = m;
  stS = s;
}

/** Elements summed into a block accumulator before it joins the row's sum (as in rowTerms). */
export const LSE_BLOCK: usize = 64;

const laneMax = new StaticArray<f64>(4);
const laneSum = new StaticArray<f64>(4);
const laneCount = new StaticArray<f64>(4);

/**
 * The lanes' states — max M, sum S of the terms below M, count C of the elements equal to M —
 * merged into (stM, stS), the tail of the row added by the scalar path, and the row's parts stored.
 * The counts are exact integers: removing the one max's 1 from them loses nothing.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function finish<T>(x: usize, i: usize, n: usize, lanes: i32, maxOut: usize, restOut: usize, r: usize): void {
  let mx = -Infinity;
  for (let l = 0; l < lanes; l++) mx = max(mx, unchecked(laneMax[l]));
  let ones: f64 = -1, s: f64 = 0;
  if (mx == -Infinity) ones = 0;
  else {
    for (let l = 0; l < lanes; l++) {
      let m = unchecked(laneMax[l]);
      if (m == mx) {
        ones += unchecked(laneCount[l]);
        s += unchecked(laneSum[l]);
      } else if (m > -Infinity) {
        s += (unchecked(laneSum[l]) + unchecked(laneCount[l])) * expDiff(m, mx);
      }
    }
  }
  stM = mx;
  stS = ones + s;
  lseScalar<T>(x, i, n);
  storeParts(maxOut, restOut, r);
}

/** Row r's parts from the state: max[r] = stM, rest[r] = log1p(stS). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function storeParts(maxOut: usize, restOut: usize, r: usize): void {
  store<f64>(maxOut + (r << 3), stM);
  store<f64>(restOut + (r << 3), Math.log1p(stS));
}

/** exp of the lanes of d (f64) in (−746, lo): the terms the fast exp does not cover; 0 elsewhere. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function tinyExp(d0: f64, d1: f64, lo: f64): v128 {
  let e0 = d0 < lo && d0 > -746 ? Math.exp(d0) : 0;
  let e1 = d1 < lo && d1 > -746 ? Math.exp(d1) : 0;
  return f64x2.replace_lane(f64x2.splat(e0), 1, e1);
}

/** Constants of the lse kernels, loaded into locals before their loops (see assembly/vlog.ts). */
export const LSE_K64: usize = memory.data<f64>([-708.0, -708.0, Infinity, Infinity, 1.0, 1.0], 16);
export const LSE_K32: usize = memory.data<f32>([EXP32_LO, EXP32_LO, EXP32_LO, EXP32_LO, Infinity, Infinity, Infinity, Infinity, 1.0, 1.0, 1.0, 1.0], 16);

/**
 * lseRows for f64 data, two f64x2 vectors per step: each lane keeps its own running max M, sum S
 * of exp(x − M) over the elements below M (fastExp64, < 1 ulp) and count C of those equal to M; a
 * step whose elements exceed M turns the old count into ordinary terms and rescales S by
 * exp(M_old − M_new) (Math.exp, per lane). exp of an argument below −708 is not on fastExp64's
 * fast path: 0 from the vector, and its subnormal value (down to −746) added by tinyExp. A row
 * holding +∞ or NaN is recomputed by the scalar path.
 */
function lseRows64(x: usize, rows: i32, classes: i32, maxOut: usize, restOut: usize): void {
  let n = <usize>classes;
  let lo = v128.load(LSE_K64), inf = v128.load(LSE_K64, 16), one = v128.load(LSE_K64, 32);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n, end = i + n;
    let M = f64x2.splat(-Infinity);
    let S = f64x2.splat(0), C = f64x2.splat(0);
    let fin = i64x2.splat(-1);
    while (i + 4 <= end) {
      let stop = min(i + LSE_BLOCK, end);
      let B = f64x2.splat(0);
      for (; i + 4 <= stop; i += 4) {
        let a = v128.load(x + (i << 3)), b = v128.load(x + (i << 3) + 16);
        fin = v128.and(fin, v128.and(f64x2.lt(a, inf), f64x2.lt(b, inf)));
        let mx = f64x2.pmax(a, b); // pmax: one instruction; NaN rows are redone by the scalar path (fin)
        if (v128.any_true(f64x2.gt(mx, M))) {
          let Mn = f64x2.pmax(M, mx);
          let grew = f64x2.gt(Mn, M);
          let m0 = f64x2.extract_lane(M, 0), n0 = f64x2.extract_lane(Mn, 0);
          let m1 = f64x2.extract_lane(M, 1), n1 = f64x2.extract_lane(Mn, 1);
          let f = f64x2.replace_lane(f64x2.splat(n0 > m0 ? expDiff(m0, n0) : 1), 1, n1 > m1 ? expDiff(m1, n1) : 1);
          S = f64x2.mul(f64x2.add(S, v128.and(C, grew)), f);
          C = v128.andnot(C, grew);
          B = f64x2.mul(B, f);
          M = Mn;
        }
        let da = f64x2.sub(a, M), db = f64x2.sub(b, M);
        let qa = f64x2.eq(a, M), qb = f64x2.eq(b, M);
        C = f64x2.add(C, f64x2.add(v128.and(qa, one), v128.and(qb, one)));
        // exp(a − M)·(1 + c), c the rounding error of a − M (subErr64)
        let ea = fastExp64(f64x2.pmax(lo, da)), eb = fastExp64(f64x2.pmax(lo, db));
        ea = f64x2.add(ea, f64x2.mul(ea, subErr64(a, M, da)));
        eb = f64x2.add(eb, f64x2.mul(eb, subErr64(b, M, db)));
        let ga = f64x2.ge(da, lo), gb = f64x2.ge(db, lo);
        ea = v128.and(ea, v128.andnot(ga, qa));
        eb = v128.and(eb, v128.andnot(gb, qb));
        B = f64x2.add(B, f64x2.add(ea, eb));
        // a lane below exp's fast range (or −∞): its term, if not 0, from tinyExp
        if (!i64x2.all_true(v128.and(ga, gb))) {
          B = f64x2.add(B, tinyExp(f64x2.extract_lane(da, 0), f64x2.extract_lane(da, 1), -708));
          B = f64x2.add(B, tinyExp(f64x2.extract_lane(db, 0), f64x2.extract_lane(db, 1), -708));
        }
      }
      S = f64x2.add(S, B);
    }
    if (!i64x2.all_true(fin)) {
      stM = -Infinity;
      stS = 0;
      lseScalar<f64>(x, r * n, n);
      storeParts(maxOut, restOut, r);
    } else {
      unchecked((laneMax[0] = f64x2.extract_lane(M, 0)));
      unchecked((laneMax[1] = f64x2.extract_lane(M, 1)));
      unchecked((laneSum[0] = f64x2.extract_lane(S, 0)));
      unchecked((laneSum[1] = f64x2.extract_lane(S, 1)));
      unchecked((laneCount[0] = f64x2.extract_lane(C, 0)));
      unchecked((laneCount[1] = f64x2.extract_lane(C, 1)));
      finish<f64>(x, i, end - i, 2, maxOut, restOut, r);
    }
  }
}

/**
 * The max of the f32 elements x[start … end), or NaN when one of them is +∞ or NaN (−∞ for an
 * empty range or one of −∞ alone). pmax: one instruction a vector; the finite test catches NaN.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function rowMax32(x: usize, start: usize, end: usize, inf: v128): f32 {
  let Ma = f32x4.splat(-Infinity), Mb = Ma;
  let Na = f32x4.splat(Infinity), Nb = Na;
  let fin = i32x4.splat(-1);
  let i = start;
  for (; i + 8 <= end; i += 8) {
    let a = v128.load(x + (i << 2)), b = v128.load(x + (i << 2) + 16);
    fin = v128.and(fin, v128.and(f32x4.lt(a, inf), f32x4.lt(b, inf)));
    Ma = f32x4.pmax(Ma, a);
    Mb = f32x4.pmax(Mb, b);
    Na = f32x4.pmin(Na, a);
    Nb = f32x4.pmin(Nb, b);
  }
  Ma = f32x4.pmax(Ma, Mb);
  Na = f32x4.pmin(Na, Nb);
  let m = max(max(f32x4.extract_lane(Ma, 0), f32x4.extract_lane(Ma, 1)), max(f32x4.extract_lane(Ma, 2), f32x4.extract_lane(Ma, 3)));
  let n = min(min(f32x4.extract_lane(Na, 0), f32x4.extract_lane(Na, 1)), min(f32x4.extract_lane(Na, 2), f32x4.extract_lane(Na, 3)));
  let ok = i32x4.all_true(fin);
  for (; i < end; i++) {
    let v = load<f32>(x + (i << 2));
    ok = ok && v < Infinity;
    if (v > m) m = v;
    if (v < n) n = v;
  }
  rowMin32 = n;
  return ok ? m : NaN;
}

/**
 * The least element of the row rowMax32 last read (NaN-free rows only: pmin keeps the first
 * operand where the other is NaN, so it is meaningful when rowMax32 returned a number): for
 * othersSum32's `least`, right after rowMax32 on the same row.
 */
export let rowMin32: f32 = 0;

/**
 * fl(a − M) − (a − M) for d = fl(a − M) (the rounding error, negated), as MODE finds it: Fast2Sum
 * with −M the larger operand (u8: |a| ≤ M), with a the larger (u16: M ≤ 0), else TwoSum
 * (subErrNeg32). Exact in every case (Fast2Sum's condition is the mode's).
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function diffErrNeg32<MODE>(a: v128, M: v128, d: v128): v128 {
  if (sizeof<MODE>() == 1) return f32x4.sub(f32x4.add(d, M), a);
  if (sizeof<MODE>() == 2) return f32x4.add(M, f32x4.sub(d, a));
  return subErrNeg32(a, M, d);
}

/**
 * othersSum32's fast loop on x[i …), 16 elements a step, for a row whose every x − m is in
 * expfs's range: the f64 sum of the terms of the elements not equal to m, their count in
 * fastTies32, the end of the whole steps in fastEnd32, and (DOT u16: entropyOthers32's loop in
 * scoring.ts) Σ exp(x − m)·(x − m) in fastDot32, each product in f32 (an element equal to m adds
 * 0); DOT u8: no dot. A function of its own (an instance per MODE and DOT, not one per caller of
 * the inlined othersSum32). fl(x − m)'s rounding error goes into each exp (expfs: < 1 f32 ulp
 * where exp(fl(x − m)) would be |x − m|/2 ulp off); how it is found is MODE's:
 * - u8, every |x| ≤ m (m ≥ 0 and the row's least ≥ −m: the usual logits): Fast2Sum with −m the
 *   larger operand, 2 operations;
 * - u16, m ≤ 0 (every x ≤ m ≤ 0, so |x| ≥ |m|: log-probabilities, GPT-2's logits): Fast2Sum
 *   with x the larger, 2 operations;
 * - u64, any other row: TwoSum (subErrNeg32), 5.
 * Four terms a lane are added in f32 (two roundings, a tree: at most 2^-23 relative more than
 * pairs, all terms positive) before the f64 lane sums; elements equal to m are counted in i32
 * lanes and left out of the sums, so that the max's 1 does not round the others away.
 * Kernel time at 50257 classes (scratch A/B, one process): 1.093 ns per element with TwoSum and
 * Cephes' P, 1.038 with expPoly32s, 0.928 with Fast2Sum (u8) as well.
 */
export function othersFast32<MODE, DOT, SRC>(x: usize, i: usize, end: usize, m: f32): f64 {
  let M = f32x4.splat(m);
  let log2e = v128.load(EXP32_K), shift = v128.load(EXP32_K, 16), c1 = v128.load(EXP32_K, 32), c2 = v128.load(EXP32_K, 48);
  let one = v128.load(EXP32_K, 160);
  let p0 = v128.load(EXP32_P), p1 = v128.load(EXP32_P, 16), p2 = v128.load(EXP32_P, 32), p3 = v128.load(EXP32_P, 48), p4 = v128.load(EXP32_P, 64);
  let S0 = f64x2.splat(0), S1 = f64x2.splat(0), D0 = f64x2.splat(0), D1 = f64x2.splat(0);
  let C = i32x4.splat(0); // the count of elements equal to m, per lane (a true comparison is −1: subtracted)
  let keep = i16x8.splat(<i16>0x8fff), scale = f32x4.splat(reinterpret<f32>(0x77800000)); // SRC u16's
  // SRC u16: the next step's 16 values widened a step ahead (the widening's latency off the chain)
  let A = f32x4.splat(0), B = A, A2 = A, B2 = A;
  if (sizeof<SRC>() == 2 && i + 16 <= end) {
    let h = v128.load(x + (i << 1)), h2 = v128.load(x + (i << 1) + 16);
    A = halfLow8(h, keep, scale);
    B = halfHigh8(h, keep, scale);
    A2 = halfLow8(h2, keep, scale);
    B2 = halfHigh8(h2, keep, scale);
  }
  for (; i + 16 <= end; i += 16) {
    let a: v128, b: v128, a2: v128, b2: v128;
    if (sizeof<SRC>() == 2) {
      a = A;
      b = B;
      a2 = A2;
      b2 = B2;
      if (i + 32 <= end) {
        let h = v128.load(x + (i << 1) + 32), h2 = v128.load(x + (i << 1) + 48);
        A = halfLow8(h, keep, scale);
        B = halfHigh8(h, keep, scale);
        A2 = halfLow8(h2, keep, scale);
        B2 = halfHigh8(h2, keep, scale);
      }
    } else {
      a = v128.load(x + (i << 2));
      b = v128.load(x + (i << 2) + 16);
      a2 = v128.load(x + (i << 2) + 32);
      b2 = v128.load(x + (i << 2) + 48);
    }
    let da = f32x4.sub(a, M), db = f32x4.sub(b, M), da2 = f32x4.sub(a2, M), db2 = f32x4.sub(b2, M);
    let na = diffErrNeg32<MODE>(a, M, da), nb = diffErrNeg32<MODE>(b, M, db);
    let na2 = diffErrNeg32<MODE>(a2, M, da2), nb2 = diffErrNeg32<MODE>(b2, M, db2);
    let ea = expfs(da, na, log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
    let eb = expfs(db, nb, log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
    let ea2 = expfs(da2, na2, log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
    let eb2 = expfs(db2, nb2, log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
    // x = m exactly where fl(x − m) = 0 (finite operands: a nonzero difference never rounds to 0)
    let zero = f32x4.splat(0);
    let qa = f32x4.eq(da, zero), qb = f32x4.eq(db, zero), qa2 = f32x4.eq(da2, zero), qb2 = f32x4.eq(db2, zero);
    C = i32x4.sub(i32x4.sub(i32x4.sub(i32x4.sub(C, qa), qb), qa2), qb2);
    let e = f32x4.add(f32x4.add(v128.andnot(ea, qa), v128.andnot(eb, qb)), f32x4.add(v128.andnot(ea2, qa2), v128.andnot(eb2, qb2)));
    S0 = f64x2.add(S0, lo64(e));
    S1 = f64x2.add(S1, hi64(e));
    if (sizeof<DOT>() == 2) {
      let t = f32x4.add(f32x4.add(f32x4.mul(ea, da), f32x4.mul(eb, db)), f32x4.add(f32x4.mul(ea2, da2), f32x4.mul(eb2, db2)));
      D0 = f64x2.add(D0, lo64(t));
      D1 = f64x2.add(D1, hi64(t));
    }
  }
  fastEnd32 = i;
  fastTies32 = i32x4.extract_lane(C, 0) + i32x4.extract_lane(C, 1) + i32x4.extract_lane(C, 2) + i32x4.extract_lane(C, 3);
  if (sizeof<DOT>() == 2) fastDot32 = (f64x2.extract_lane(D0, 0) + f64x2.extract_lane(D1, 0)) + (f64x2.extract_lane(D0, 1) + f64x2.extract_lane(D1, 1));
  return (f64x2.extract_lane(S0, 0) + f64x2.extract_lane(S1, 0)) + (f64x2.extract_lane(S0, 1) + f64x2.extract_lane(S1, 1));
}

/** othersFast32's results besides its sum: where its steps ended, its count of elements equal to m, its dot sum (DOT u16). */
export let fastEnd32: usize = 0;
export let fastTies32: i32 = 0;
export let fastDot32: f64 = 0;

/**
 * othersSum32's step of eight elements a, b (f32x4 each, m splatted in M): exp(x − m) with
 * TwoSum's rounding error of x − m, 0 where x = m or where the lane's `ga`/`gb` mask is off (below
 * expfs's range), the two vectors' terms added in f32.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function pairTerms(
  a: v128, b: v128, M: v128, ga: v128, gb: v128, log2e: v128, shift: v128, c1: v128, c2: v128,
  p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, one: v128,
): v128 {
  let da = f32x4.sub(a, M), db = f32x4.sub(b, M);
  let ea = expfs(da, subErrNeg32(a, M, da), log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
  let eb = expfs(db, subErrNeg32(b, M, db), log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
  return f32x4.add(v128.and(ea, v128.andnot(ga, f32x4.eq(a, M))), v128.and(eb, v128.andnot(gb, f32x4.eq(b, M))));
}

/**
 * Σ exp(x − m) over the f32 elements x[i … end) below their max m (finite), plus the count of
 * those equal to m less one: the sum of lseRows's other terms. Where `least` (a lower bound of the
 * row's elements: rowMax32's rowMin32 or topRows's select32 minimum, −∞ when none is known) shows
 * every x − m in expfs's range (fl(x − m) ≥ fl(least − m), rounding being monotonic), othersFast32
 * takes 16 elements a step. The rest, eight at a time: expfs with TwoSum's rounding error, pairs
 * of terms added in f32, elements equal to m counted, a lane below −86 (or −∞) given its term from
 * the f64 difference by tinyExp (expfs does not reach there). The tail in f64. (`one` … `c2`
 * are EXP32_K's vectors, which the callers load once for all their rows; the polynomial's
 * coefficients, EXP32_P's, are loaded here.)
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function othersSum32(
  x: usize, i: usize, end: usize, m: f32, least: f32, lo: v128, one: v128, log2e: v128, shift: v128, c1: v128, c2: v128,
): f64 {
  let sum: f64 = 0;
  let ones: f64 = 0;
  if (least - m >= EXP32_LO && i + 16 <= end) {
    sum = m >= 0 && least >= -m ? othersFast32<u8, u8, f32>(x, i, end, m) : m <= 0 ? othersFast32<u16, u8, f32>(x, i, end, m) : othersFast32<u64, u8, f32>(x, i, end, m);
    i = fastEnd32;
    ones = <f64>fastTies32;
  }
  let M = f32x4.splat(m);
  let S0 = f64x2.splat(0), S1 = f64x2.splat(0);
  let C = i32x4.splat(0); // the count of elements equal to m, per lane
  let p0 = v128.load(EXP32_P), p1 = v128.load(EXP32_P, 16), p2 = v128.load(EXP32_P, 32), p3 = v128.load(EXP32_P, 48), p4 = v128.load(EXP32_P, 64);
  for (; i + 8 <= end; i += 8) {
    let a = v128.load(x + (i << 2)), b = v128.load(x + (i << 2) + 16);
    let ga = f32x4.ge(f32x4.sub(a, M), lo), gb = f32x4.ge(f32x4.sub(b, M), lo);
    C = i32x4.sub(i32x4.sub(C, f32x4.eq(a, M)), f32x4.eq(b, M));
    let e = pairTerms(a, b, M, ga, gb, log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
    S0 = f64x2.add(S0, lo64(e));
    S1 = f64x2.add(S1, hi64(e));
    // a lane below expfs's range (or −∞): its term, if not 0, from tinyExp
    if (!i32x4.all_true(v128.and(ga, gb))) {
      // the differences again in f64 (exact for f32 operands of like size)
      let Mw = lo64(M);
      let wa0 = f64x2.sub(lo64(a), Mw), wa1 = f64x2.sub(hi64(a), Mw);
      let wb0 = f64x2.sub(lo64(b), Mw), wb1 = f64x2.sub(hi64(b), Mw);
      let L = <f64>EXP32_LO;
      S0 = f64x2.add(S0, f64x2.add(tinyExp(f64x2.extract_lane(wa0, 0), f64x2.extract_lane(wa0, 1), L), tinyExp(f64x2.extract_lane(wb0, 0), f64x2.extract_lane(wb0, 1), L)));
      S1 = f64x2.add(S1, f64x2.add(tinyExp(f64x2.extract_lane(wa1, 0), f64x2.extract_lane(wa1, 1), L), tinyExp(f64x2.extract_lane(wb1, 0), f64x2.extract_lane(wb1, 1), L)));
    }
  }
  sum += (f64x2.extract_lane(S0, 0) + f64x2.extract_lane(S1, 0)) + (f64x2.extract_lane(S0, 1) + f64x2.extract_lane(S1, 1));
  ones += <f64>(i32x4.extract_lane(C, 0) + i32x4.extract_lane(C, 1) + i32x4.extract_lane(C, 2) + i32x4.extract_lane(C, 3));
  for (; i < end; i++) {
    let v = at<f32>(x, i);
    if (v == <f64>m) ones += 1;
    else sum += expDiff(v, m);
  }
  // ones ≥ 1 (m is an element); the counts are exact integers, so the max's 1 leaves them unrounded
  return (ones - 1) + sum;
}

/**
 * lseRows for f32 data in two reads of each row: its max (rowMax32), then the sum of the other
 * terms relative to it (othersSum32). A row holding +∞ or NaN, or only −∞, takes the scalar path
 * (lseScalar).
 */
function lseRows32(x: usize, rows: i32, classes: i32, maxOut: usize, restOut: usize): void {
  let n = <usize>classes;
  let lo = v128.load(LSE_K32), inf = v128.load(LSE_K32, 16), one = v128.load(LSE_K32, 32);
  let log2e = v128.load(EXP32_K), shift = v128.load(EXP32_K, 16), c1 = v128.load(EXP32_K, 32), c2 = v128.load(EXP32_K, 48);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n, end = i + n;
    let m = rowMax32(x, i, end, inf);
    stM = -Infinity;
    stS = 0;
    if (!(m > -Infinity)) lseScalar<f32>(x, i, n);
    else {
      stM = <f64>m;
      stS = othersSum32(x, i, end, m, rowMin32, lo, one, log2e, shift, c1, c2);
    }
    storeParts(maxOut, restOut, r);
  }
}

/**
 * lseRows32 for float16 data (bits), unwidened: the max and least from the bits (rowMaxHalf),
 * then othersFast32 reading the bits (each value widened in registers, a step ahead) where the row
 * takes one of its two Fast2Sum ways (every |x| ≤ m, or m ≤ 0: the usual logits), and the tail
 * (under 16 elements) summed as othersSum32 sums it, so that the result is lseRows32's on the same
 * values, bit for bit. Against widening the block into scratch for lseRows32 (a pass that writes
 * the row out at twice its size, then reads it back): float16 tokenLogProbs at 512 × 50257 took
 * 0.84× the time (interleaved A/B). Any other row (TwoSum's, below expfs's range, −∞, +∞, NaN,
 * under 16 elements): the rest of the block widened where it is (the glue leaves room for it: the
 * descriptor's `half`) and given to lseRows32.
 */
function lseRowsF16(x: usize, rows: i32, classes: i32, maxOut: usize, restOut: usize): void {
  let n = <usize>classes;
  let one = v128.load(EXP32_K, 160);
  let log2e = v128.load(EXP32_K), shift = v128.load(EXP32_K, 16), c1 = v128.load(EXP32_K, 32), c2 = v128.load(EXP32_K, 48);
  let p0 = v128.load(EXP32_P), p1 = v128.load(EXP32_P, 16), p2 = v128.load(EXP32_P, 32), p3 = v128.load(EXP32_P, 48), p4 = v128.load(EXP32_P, 64);
  let keep = i16x8.splat(<i16>0x8fff), scale = f32x4.splat(reinterpret<f32>(0x77800000));
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n, end = i + n;
    let m = rowMaxHalf(x, i, end);
    let least = halfLeast;
    let inside = m >= 0 && least >= -m; // every |x| ≤ m
    if (!(m > -Infinity && least - m >= EXP32_LO && n >= 16 && (inside || m <= 0))) {
      widenHalf(x, rows * classes, false);
      lseRows32(x + (i << 2), rows - <i32>r, classes, maxOut + (r << 3), restOut + (r << 3));
      return;
    }
    let sum = inside ? othersFast32<u8, u8, u16>(x, i, end, m) : othersFast32<u16, u8, u16>(x, i, end, m);
    // the tail (under 16 elements) summed as othersSum32 sums it after its fast loop, for the
    // same result (its steps of eight, here at most one and every lane in expfs's range; then f64)
    let t = fastEnd32;
    let ones = <f64>fastTies32;
    if (t + 8 <= end) {
      let h = v128.load(x + (t << 1));
      let a = halfLow8(h, keep, scale), b = halfHigh8(h, keep, scale);
      let M = f32x4.splat(m);
      let all = i32x4.splat(-1); // every lane in expfs's range (the row's least shows it)
      let C = i32x4.sub(i32x4.sub(i32x4.splat(0), f32x4.eq(a, M)), f32x4.eq(b, M));
      let e = pairTerms(a, b, M, all, all, log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
      let S0 = lo64(e), S1 = hi64(e);
      sum += (f64x2.extract_lane(S0, 0) + f64x2.extract_lane(S1, 0)) + (f64x2.extract_lane(S0, 1) + f64x2.extract_lane(S1, 1));
      ones += <f64>(i32x4.extract_lane(C, 0) + i32x4.extract_lane(C, 1) + i32x4.extract_lane(C, 2) + i32x4.extract_lane(C, 3));
      t += 8;
    }
    for (; t < end; t++) {
      let v = <f64>widen1(<u32>load<u16>(x + (t << 1)));
      if (v == <f64>m) ones += 1;
      else sum += expDiff(v, m);
    }
    stM = <f64>m;
    // ones ≥ 1 (m is an element); the counts are exact integers, so the max's 1 leaves them unrounded
    stS = (ones - 1) + sum;
    storeParts(maxOut, restOut, r);
  }
}

/** lseRows64, lseRows32 or (T = u16, float16 bits) lseRowsF16 by element type (the descriptor: src/kernels/table.ts). */
export function lseRows<T>(x: usize, rows: i32, classes: i32, max: usize, rest: usize): void {
  if (sizeof<T>() == 8) lseRows64(x, rows, classes, max, rest);
  else if (sizeof<T>() == 2) lseRowsF16(x, rows, classes, max, rest);
  else lseRows32(x, rows, classes, max, rest);
}

/**
 * The rounding error of d = (x − m) − rest, given s = fl(x − m) and d (both steps' TwoSum errors,
 * added), 0 in lanes where it is not finite (x = −∞): exp(d)·(1 + error) is then exp of the exact
 * difference (to an ulp or two), where exp(fl(x − m)) would be off by |x − m|·2^-53 relative.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function diffErr(x: v128, m: v128, rest: v128, s: v128, d: v128): v128 {
  let c = f64x2.add(subErr64(x, m, s), subErr64(s, rest, d));
  return v128.and(c, f64x2.eq(c, c));
}

/** exp(d)·(1 + c): exp of d + c, c a correction below d's ulp. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function expC(d: v128, c: v128): v128 {
  let e = exp64(d);
  return f64x2.add(e, f64x2.mul(e, c));
}

/**
 * Constants of softmaxRows32, loaded into locals before its loop (V8 11.3 rebuilds an inline SIMD
 * constant at each use): f64 1/ln 2, 1.5·2^52 (adding it rounds to an integer held in the low
 * bits), ln 2, −87 (below it exp is not a normal f32); the f32 polynomial's are EXP32_K's.
 */
export const SOFTMAX_K: usize = memory.data<f64>([
  1.4426950408889634, 1.4426950408889634, 6755399441055744.0, 6755399441055744.0,
  0.6931471805599453, 0.6931471805599453, -87.0, -87.0,
], 16);

/**
 * exp(d) of four f64 differences (d0: lanes 0–1, d1: lanes 2–3) as f32 lanes: the range reduction
 * d = k·ln 2 + r in f64 (SOFTMAX_K's invLn2, shift, ln2), exp(r) for |r| ≤ ln 2/2 by the f32
 * polynomial (EXP32_K's q0 … q5, one), 2^k through the exponent bits: ≤ 2 f32 ulp for d ≥ −87.
 * The one exp of softmaxRows32, softmaxGradRows32 and their column twins.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function expD32(
  d0: v128, d1: v128, invLn2: v128, shift: v128, ln2: v128,
  q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, one: v128,
): v128 {
  let k0 = f64x2.add(f64x2.mul(d0, invLn2), shift), k1 = f64x2.add(f64x2.mul(d1, invLn2), shift);
  let r0 = f64x2.sub(d0, f64x2.mul(f64x2.sub(k0, shift), ln2));
  let r1 = f64x2.sub(d1, f64x2.mul(f64x2.sub(k1, shift), ln2));
  let z = v128.shuffle<u32>(f32x4.demote_f64x2_zero(r0), f32x4.demote_f64x2_zero(r1), 0, 1, 4, 5);
  let k = v128.shuffle<u32>(k0, k1, 0, 2, 4, 6); // the low words of k0, k1: the integers k
  return i32x4.add(expPoly32(z, q0, q1, q2, q3, q4, q5, one), i32x4.shl(k, 23));
}

/**
 * softmaxRows for f32 data, four elements a step, output written as f32 directly: d = (x − max) −
 * rest in f64 (x − max of two f32 values is exact there), and for softmax the range reduction
 * d = k·ln 2 + r in f64 too (rounding d or r to f32 first costs up to 16 ulp at large |d|), then
 * exp(r) for |r| ≤ ln 2/2 by Cephes' f32 polynomial and 2^k through the exponent bits: ≤ 2 f32
 * ulp. A step with a lane whose exp is not a normal f32 (d < −87, −∞, NaN) takes Math.exp per lane.
 */
function softmaxRows32(x: usize, max: usize, rest: usize, rows: i32, classes: i32, log: bool, out: usize): void {
  let n = <usize>classes;
  let invLn2 = v128.load(SOFTMAX_K), shift = v128.load(SOFTMAX_K, 16), ln2 = v128.load(SOFTMAX_K, 32), floor = v128.load(SOFTMAX_K, 48);
  let q0 = v128.load(EXP32_K, 64), q1 = v128.load(EXP32_K, 80), q2 = v128.load(EXP32_K, 96);
  let q3 = v128.load(EXP32_K, 112), q4 = v128.load(EXP32_K, 128), q5 = v128.load(EXP32_K, 144), one = v128.load(EXP32_K, 160);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let m = f64at(max, r), l = f64at(rest, r);
    let Mx = f64x2.splat(m), L = f64x2.splat(l);
    let i = r * n, end = i + n;
    for (; i + 4 <= end; i += 4) {
      let a = v128.load(x + (i << 2));
      let d0 = f64x2.sub(f64x2.sub(lo64(a), Mx), L);
      let d1 = f64x2.sub(f64x2.sub(hi64(a), Mx), L);
      if (log) {
        v128.store(out + (i << 2), v128.shuffle<u32>(f32x4.demote_f64x2_zero(d0), f32x4.demote_f64x2_zero(d1), 0, 1, 4, 5));
        continue;
      }
      if (!i64x2.all_true(v128.and(f64x2.ge(d0, floor), f64x2.ge(d1, floor)))) {
        for (let j: usize = 0; j < 4; j++) store<f32>(out + ((i + j) << 2), <f32>Math.exp(at<f32>(x, i + j) - m - l));
        continue;
      }
      v128.store(out + (i << 2), expD32(d0, d1, invLn2, shift, ln2, q0, q1, q2, q3, q4, q5, one));
    }
    for (; i < end; i++) {
      let d = at<f32>(x, i) - m - l;
      store<f32>(out + (i << 2), <f32>(log ? d : Math.exp(d)));
    }
  }
}

/** out = (x − max) − rest (log) or its exp, per row: two parts of one sign. */
export function softmaxRows<T>(x: usize, max: usize, rest: usize, rows: i32, classes: i32, log: bool, out: usize): void {
  if (sizeof<T>() == 4) return softmaxRows32(x, max, rest, rows, classes, log, out);
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let Mx = f64x2.splat(f64at(max, r)), L = f64x2.splat(f64at(rest, r));
    let i = r * n;
    // exp64: < 1 ulp; lanes outside its fast range (exp(−1000), NaN) take its scalar path.
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let v = pair<T>(x, i + j, last);
      let s = f64x2.sub(v, Mx);
      let d = f64x2.sub(s, L);
      let c = diffErr(v, Mx, L, s, d);
      storePair<T>(out, i + j, log ? f64x2.add(d, c) : expC(d, c), last);
    }
  }
}

/** Bits of the f32 NaN that a row holding +∞ or NaN, or only −∞, gives throughout (Math.exp(NaN) rounded). */
const NAN32: i32 = 0x7fc00000;

/**
 * Below this difference x − max an f32 softmax is 0 whatever the row's sum (exp(−104) is below half
 * the least subnormal, and the sum is at least 1): terms between it and EXP32_LO are recomputed.
 */
const SOFTMAX_ZERO32: f32 = -104.0;

/**
 * softmaxFused32's pass 2 on x[i …) in whole steps of 8, for a row whose every x − m is in expfs's
 * range: out = exp(x − m) with fl(x − m)'s rounding error found as othersFast32's MODE says (no
 * lane test: none is below the range). Returns the end of its steps.
 */
function expFast32<MODE>(x: usize, i: usize, end: usize, m: f32, out: usize): usize {
  let M = f32x4.splat(m);
  let log2e = v128.load(EXP32_K), shift = v128.load(EXP32_K, 16), c1 = v128.load(EXP32_K, 32), c2 = v128.load(EXP32_K, 48);
  let one = v128.load(EXP32_K, 160);
  let p0 = v128.load(EXP32_P), p1 = v128.load(EXP32_P, 16), p2 = v128.load(EXP32_P, 32), p3 = v128.load(EXP32_P, 48), p4 = v128.load(EXP32_P, 64);
  for (; i + 8 <= end; i += 8) {
    let a = v128.load(x + (i << 2)), b = v128.load(x + (i << 2) + 16);
    let da = f32x4.sub(a, M), db = f32x4.sub(b, M);
    let na = diffErrNeg32<MODE>(a, M, da), nb = diffErrNeg32<MODE>(b, M, db);
    v128.store(out + (i << 2), expfs(da, na, log2e, shift, c1, c2, p0, p1, p2, p3, p4, one));
    v128.store(out + (i << 2) + 16, expfs(db, nb, log2e, shift, c1, c2, p0, p1, p2, p3, p4, one));
  }
  return i;
}

/**
 * softmaxFusedRows for f32 data, one exp per element (the scheme of XNNPACK's): pass 1 the row's
 * max m (rowMax32, which also finds +∞ and NaN); pass 2 e = exp(x − m) into `out` as f32, then
 * Σ e, each e widened into f64 lane sums; pass 3 out = e·(1/Σ) in f64, rounded once to f32. e is
 * expfs of the f32 difference d and its rounding (found as expFast32 finds it where the row
 * allows, else by TwoSum): exp(fl(x − m)) would be off by up to 64 ulp at d = −87. The max's own
 * 1 needs no keeping apart here: Σ ≥ 1 in f64 holds the other terms to 2^-53 of it, and an f32
 * output needs 2^-24. A term whose d is below expfs's range
 * (EXP32_LO) is 0 in Σ (below 2^-124 of it); its output, a normal f32 only for d in [−87.4, −86)
 * and 0 below −104, is exp(d − log Σ) in f64 from x (pass 3's slower loop, for a row that has such
 * a term). A row holding +∞ or NaN, or only −∞, is NaN throughout, as softmaxRows of rowShifts's
 * parts gives (PyTorch's softmax). Error: e within an ulp, then two roundings (e, and the output):
 * 1.8 f32 ulp at worst measured. `log`: pass 2 is lseRows32's sum (othersSum32: the max's 1 kept
 * apart), pass 3 out = (x − m) − log1p(Σ others) in f64, rounded once, as softmaxRows32 writes it.
 */
function softmaxFused32(x: usize, rows: i32, classes: i32, log: bool, out: usize): void {
  let n = <usize>classes;
  let lo = v128.load(LSE_K32), inf = v128.load(LSE_K32, 16), one = v128.load(LSE_K32, 32);
  let log2e = v128.load(EXP32_K), shift = v128.load(EXP32_K, 16), c1 = v128.load(EXP32_K, 32), c2 = v128.load(EXP32_K, 48);
  let p0 = v128.load(EXP32_P), p1 = v128.load(EXP32_P, 16), p2 = v128.load(EXP32_P, 32), p3 = v128.load(EXP32_P, 48), p4 = v128.load(EXP32_P, 64);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let start = r * n, end = start + n;
    let m = rowMax32(x, start, end, inf);
    let i = start;
    if (!(m > -Infinity)) {
      for (; i < end; i++) store<i32>(out + (i << 2), NAN32);
      continue;
    }
    if (log) {
      // (x − m) − log1p(Σ others) in f64 (x − m of two f32 values is exact there), rounded once
      let Mx = f64x2.splat(<f64>m), L = f64x2.splat(Math.log1p(othersSum32(x, start, end, m, rowMin32, lo, one, log2e, shift, c1, c2)));
      for (; i + 4 <= end; i += 4) {
        let a = v128.load(x + (i << 2));
        let d0 = f64x2.sub(f64x2.sub(lo64(a), Mx), L), d1 = f64x2.sub(f64x2.sub(hi64(a), Mx), L);
        v128.store(out + (i << 2), v128.shuffle<u32>(f32x4.demote_f64x2_zero(d0), f32x4.demote_f64x2_zero(d1), 0, 1, 4, 5));
      }
      let l = f64x2.extract_lane(L, 0);
      for (; i < end; i++) store<f32>(out + (i << 2), <f32>(at<f32>(x, i) - <f64>m - l));
      continue;
    }
    // pass 2: e = exp(x − m) into out, then Σ e
    let M = f32x4.splat(m);
    let S0 = f64x2.splat(0), S1 = f64x2.splat(0);
    let s: f64 = 0;
    let tiny: bool = false;
    let least = rowMin32;
    i = start;
    if (least - m >= EXP32_LO && i + 8 <= end) {
      i = m >= 0 && least >= -m ? expFast32<u8>(x, i, end, m, out) : m <= 0 ? expFast32<u16>(x, i, end, m, out) : expFast32<u64>(x, i, end, m, out);
    }
    for (; i + 8 <= end; i += 8) {
      let a = v128.load(x + (i << 2)), b = v128.load(x + (i << 2) + 16);
      let da = f32x4.sub(a, M), db = f32x4.sub(b, M);
      let ea = expfs(da, subErrNeg32(a, M, da), log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
      let eb = expfs(db, subErrNeg32(b, M, db), log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
      let ga = f32x4.ge(da, lo), gb = f32x4.ge(db, lo);
      // a lane below expfs's range (where it gives no meaningful value): 0, and a term for pass 3
      // to recompute unless its output is 0
      if (!i32x4.all_true(v128.and(ga, gb))) {
        ea = v128.and(ea, ga);
        eb = v128.and(eb, gb);
        let z = f32x4.splat(SOFTMAX_ZERO32);
        tiny = tiny || v128.any_true(v128.or(v128.andnot(f32x4.ge(da, z), ga), v128.andnot(f32x4.ge(db, z), gb)));
      }
      v128.store(out + (i << 2), ea);
      v128.store(out + (i << 2) + 16, eb);
    }
    for (let j = start; j + 8 <= end; j += 8) {
      let ea = v128.load(out + (j << 2)), eb = v128.load(out + (j << 2) + 16);
      S0 = f64x2.add(S0, f64x2.add(lo64(ea), lo64(eb)));
      S1 = f64x2.add(S1, f64x2.add(hi64(ea), hi64(eb)));
    }
    for (; i < end; i++) {
      let d = at<f32>(x, i) - <f64>m;
      let e: f64 = 0;
      if (d >= <f64>EXP32_LO) e = Math.exp(d);
      else if (d >= <f64>SOFTMAX_ZERO32) tiny = true;
      s += e;
      store<f32>(out + (i << 2), <f32>e);
    }
    // pass 3: out = e/Σ
    let sum = (f64x2.extract_lane(S0, 0) + f64x2.extract_lane(S1, 0)) + (f64x2.extract_lane(S0, 1) + f64x2.extract_lane(S1, 1)) + s;
    let inv = 1 / sum;
    let I = f64x2.splat(inv);
    if (!tiny) {
      for (i = start; i + 4 <= end; i += 4) {
        let e = v128.load(out + (i << 2));
        let p0 = f32x4.demote_f64x2_zero(f64x2.mul(lo64(e), I)), p1 = f32x4.demote_f64x2_zero(f64x2.mul(hi64(e), I));
        v128.store(out + (i << 2), v128.shuffle<u32>(p0, p1, 0, 1, 4, 5));
      }
      for (; i < end; i++) store<f32>(out + (i << 2), <f32>(at<f32>(out, i) * inv));
    } else {
      let logSum = Math.log(sum);
      for (i = start; i < end; i++) {
        let e = at<f32>(out, i);
        let d = at<f32>(x, i) - <f64>m;
        store<f32>(out + (i << 2), <f32>(e != 0 ? e * inv : d >= <f64>SOFTMAX_ZERO32 ? Math.exp(d - logSum) : 0));
      }
    }
  }
}

/** Bytes for the two parts (max, rest) of one row, for softmaxFusedRows's f64 path. */
const ROW_PARTS: usize = memory.data(16, 16);

/**
 * The softmax (or its log) of each whole row. f32: softmaxFused32; f64: lseRows64 and softmaxRows
 * per row, as the two-kernel path computes it (a +∞ max made NaN, as rowShifts does).
 */
export function softmaxFusedRows<T>(x: usize, rows: i32, classes: i32, log: bool, out: usize): void {
  if (sizeof<T>() == 4) return softmaxFused32(x, rows, classes, log, out);
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let o = (r * n) << 3;
    lseRows64(x + o, 1, classes, ROW_PARTS, ROW_PARTS + 8);
    if (load<f64>(ROW_PARTS) == Infinity) store<f64>(ROW_PARTS, NaN);
    softmaxRows<f64>(x + o, ROW_PARTS, ROW_PARTS + 8, 1, classes, log, out + o);
  }
}

/**
 * The soft-target cross entropy of each row. With c_j = classWeight_j·(targetScale_r·target_rj + uniform_r)
 * (classWeight, target absent: 1, 0): loss[r] = Σ_j c_j·((max_r − x_rj) + rest_r), mass[r] = Σ_j c_j;
 * both 0 on a row whose targetScale and uniform are 0.
 */
export function softTargetRows<T>(
  x: usize, target: usize, classWeight: usize, max: usize, rest: usize, targetScale: usize, uniform: usize,
  rows: i32, classes: i32, loss: usize, mass: usize,
): void {
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let m = f64at(max, r), l = f64at(rest, r), a = f64at(targetScale, r), b = f64at(uniform, r);
    let i = r * n;
    let s: f64 = 0, c: f64 = 0;
    if (a == 0 && b == 0) {
      // A row with no target mass (an ignored row) is 0, whatever its logits and weights hold
      // (0·∞ would be NaN): PyTorch masks such rows.
      store<f64>(loss + (r << 3), 0);
      store<f64>(mass + (r << 3), 0);
      continue;
    }
    for (let j: usize = 0; j < n; j++) {
      let cj = b;
      if (target) cj += a * at<T>(target, i + j);
      if (classWeight) cj *= f64at(classWeight, j);
      s += cj * (m - at<T>(x, i + j) + l);
      c += cj;
    }
    store<f64>(loss + (r << 3), s);
    store<f64>(mass + (r << 3), c);
  }
}

/**
 * grad_rj = softmaxScale_r·p_rj − classWeight_j·(targetScale_r·target_rj + uniform_r)
 *           − [offset + j = label_r]·labelScale_r, p_rj = exp((x_rj − max_r) − rest_r);
 * exactly 0 on a row whose four scales are 0. At the label column the value is formed again as
 * (softmaxScale − labelScale)·p + labelScale·expm1(d) − c: its p − 1 part is −(1 − p), which a
 * confident correct class needs (−Σ others, not p − 1 rounded to 0).
 */
export function softmaxGradRows<T>(
  x: usize, target: usize, classWeight: usize, max: usize, rest: usize, softmaxScale: usize, label: usize, labelScale: usize,
  targetScale: usize, uniform: usize, rows: i32, classes: i32, offset: i32, grad: usize,
): void {
  if (sizeof<T>() == 4) {
    softmaxGradRows32(x, target, classWeight, max, rest, softmaxScale, label, labelScale, targetScale, uniform, rows, classes, offset, grad);
    return;
  }
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let Mx = f64x2.splat(f64at(max, r)), L = f64x2.splat(f64at(rest, r)), G = f64x2.splat(f64at(softmaxScale, r));
    let A = f64x2.splat(f64at(targetScale, r)), B = f64x2.splat(f64at(uniform, r));
    let i = r * n;
    if (f64at(softmaxScale, r) == 0 && f64at(targetScale, r) == 0 && f64at(uniform, r) == 0 && (!label || f64at(labelScale, r) == 0)) {
      // A row that carries no weight (an ignored row) has a gradient of exactly 0, whatever its
      // logits hold (0·exp(NaN) would be NaN).
      memory.fill(grad + (i << alignof<T>()), 0, n << alignof<T>());
      continue;
    }
    // The class weights scale only the target and uniform terms: a row with neither (an index
    // target without smoothing) never reads them (an infinite weight would give ∞·0 = NaN).
    let weighted = classWeight != 0 && (f64at(targetScale, r) != 0 || f64at(uniform, r) != 0);
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let c = B;
      if (target) c = f64x2.add(c, f64x2.mul(A, pair<T>(target, i + j, last)));
      if (weighted) c = f64x2.mul(c, pair<f64>(classWeight, j, last));
      let v = pair<T>(x, i + j, last);
      let s = f64x2.sub(v, Mx);
      let d = f64x2.sub(s, L);
      storePair<T>(grad, i + j, f64x2.sub(f64x2.mul(G, expC(d, diffErr(v, Mx, L, s, d))), c), last);
    }
    if (label) labelColumn<T>(x, target, classWeight, weighted, max, rest, softmaxScale, label, labelScale, targetScale, uniform, r, i, classes, offset, grad);
  }
}

/**
 * softmaxGradRows at the label column of row r (its first element at i), formed again as
 * (softmaxScale − labelScale)·p + labelScale·expm1(d) − c: its p − 1 part is −(1 − p), which a
 * confident correct class needs (−Σ others, not p − 1 rounded to 0).
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function labelColumn<T>(
  x: usize, target: usize, classWeight: usize, weighted: bool, max: usize, rest: usize, softmaxScale: usize, label: usize,
  labelScale: usize, targetScale: usize, uniform: usize, r: usize, i: usize, classes: i32, offset: i32, grad: usize,
): void {
  let col = <i64>f64at(label, r) - <i64>offset;
  if (col >= 0 && col < <i64>classes) {
    let k = i + <usize>col;
    let c = f64at(uniform, r);
    if (target) c += f64at(targetScale, r) * at<T>(target, k);
    if (weighted) c *= f64at(classWeight, <usize>col);
    let xk = at<T>(x, k), m = f64at(max, r), l = f64at(rest, r);
    let s1 = xk - m, d = s1 - l;
    let e = subErr(xk, m, s1) + subErr(s1, l, d);
    if (e - e != 0) e = 0;
    let p = Math.exp(d);
    let ls = f64at(labelScale, r);
    // p = exp(d + e), p − 1 = expm1(d + e) ≈ expm1(d) + p·e
    let g = (f64at(softmaxScale, r) - ls) * (p + p * e) + ls * (Math.expm1(d) + p * e) - c;
    if (sizeof<T>() == 8) store<f64>(grad + (k << 3), g);
    else store<f32>(grad + (k << 2), <f32>g);
  }
}

/**
 * softmaxGradRows for f32 data: p = exp((x − max) − rest) four lanes at a time as softmaxRows32
 * forms it (the difference and the range reduction in f64, exp(r) by the f32 polynomial, 2^k
 * through the exponent bits: ≤ 2 f32 ulp), then softmaxScale·p − classWeight·(targetScale·target +
 * uniform) in f64 lanes, rounded to f32 once. A step with a lane whose exp is not a normal f32
 * (d < −87, −∞, NaN) takes Math.exp per lane; the label column is formed again by labelColumn
 * (its p − 1 part).
 */
function softmaxGradRows32(
  x: usize, target: usize, classWeight: usize, max: usize, rest: usize, softmaxScale: usize, label: usize, labelScale: usize,
  targetScale: usize, uniform: usize, rows: i32, classes: i32, offset: i32, grad: usize,
): void {
  let n = <usize>classes;
  let invLn2 = v128.load(SOFTMAX_K), shift = v128.load(SOFTMAX_K, 16), ln2 = v128.load(SOFTMAX_K, 32), floor = v128.load(SOFTMAX_K, 48);
  let q0 = v128.load(EXP32_K, 64), q1 = v128.load(EXP32_K, 80), q2 = v128.load(EXP32_K, 96);
  let q3 = v128.load(EXP32_K, 112), q4 = v128.load(EXP32_K, 128), q5 = v128.load(EXP32_K, 144), one = v128.load(EXP32_K, 160);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let m = f64at(max, r), l = f64at(rest, r), gs = f64at(softmaxScale, r), b = f64at(uniform, r);
    let ts: f64 = target ? f64at(targetScale, r) : 0;
    let i = r * n, end = i + n;
    if (gs == 0 && ts == 0 && b == 0 && (!label || f64at(labelScale, r) == 0)) {
      // an ignored row: exactly 0, whatever its logits hold (as softmaxGradRows)
      memory.fill(grad + (i << 2), 0, n << 2);
      continue;
    }
    // the class weights scale only the target and uniform terms (as softmaxGradRows)
    let weighted = classWeight != 0 && (ts != 0 || b != 0);
    let Mx = f64x2.splat(m), L = f64x2.splat(l), G = f64x2.splat(gs), A = f64x2.splat(ts), B = f64x2.splat(b);
    let j: usize = 0;
    for (; i + 4 <= end; i += 4, j += 4) {
      let c0 = B, c1 = B;
      if (target) {
        let t = v128.load(target + (i << 2));
        c0 = f64x2.add(B, f64x2.mul(A, lo64(t)));
        c1 = f64x2.add(B, f64x2.mul(A, hi64(t)));
      }
      if (weighted) {
        c0 = f64x2.mul(c0, v128.load(classWeight + (j << 3)));
        c1 = f64x2.mul(c1, v128.load(classWeight + (j << 3), 16));
      }
      let a = v128.load(x + (i << 2));
      let d0 = f64x2.sub(f64x2.sub(lo64(a), Mx), L);
      let d1 = f64x2.sub(f64x2.sub(hi64(a), Mx), L);
      if (!i64x2.all_true(v128.and(f64x2.ge(d0, floor), f64x2.ge(d1, floor)))) {
        for (let u: usize = 0; u < 4; u++) {
          let c = b;
          if (target) c += ts * at<f32>(target, i + u);
          if (weighted) c *= f64at(classWeight, j + u);
          store<f32>(grad + ((i + u) << 2), <f32>(gs * Math.exp(at<f32>(x, i + u) - m - l) - c));
        }
        continue;
      }
      let p = expD32(d0, d1, invLn2, shift, ln2, q0, q1, q2, q3, q4, q5, one);
      let g0 = f64x2.sub(f64x2.mul(G, lo64(p)), c0), g1 = f64x2.sub(f64x2.mul(G, hi64(p)), c1);
      v128.store(grad + (i << 2), v128.shuffle<u32>(f32x4.demote_f64x2_zero(g0), f32x4.demote_f64x2_zero(g1), 0, 1, 4, 5));
    }
    for (; i < end; i++, j++) {
      let c = b;
      if (target) c += ts * at<f32>(target, i);
      if (weighted) c *= f64at(classWeight, j);
      store<f32>(grad + (i << 2), <f32>(gs * Math.exp(at<f32>(x, i) - m - l) - c));
    }
    if (label) labelColumn<f32>(x, target, classWeight, weighted, max, rest, softmaxScale, label, labelScale, targetScale, uniform, r, r * n, classes, offset, grad);
  }
}

/**
 * PyTorch's binary_cross_entropy: −weight·(target·max(log input, −100) + (1−target)·max(log1p(−input), −100)).
 * Per-row sums to `sum`; per element to `loss` when given. Returns 1 if any input is outside
 * [0, 1] or NaN.
 */
export function bceRows<T>(input: usize, target: usize, weight: usize, rows: i32, classes: i32, loss: usize, sum: usize): i32 {
  if (sizeof<T>() == 4) return bceRows32(input, target, weight, rows, classes, loss, sum);
  let n = <usize>classes;
  let zero = f64x2.splat(0), ones = f64x2.splat(1.0), floor = f64x2.splat(-100.0);
  let ok = i64x2.splat(-1); // lanes stay all-ones while every input is in [0, 1]
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n;
    let S = zero;
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let p = pair<T>(input, i + j, last), t = pair<T>(target, i + j, last);
      ok = v128.and(ok, v128.and(f64x2.ge(p, zero), f64x2.le(p, ones)));
      // −(1−t)·max(log(1−p), −100) − t·max(log p, −100); pmax(−100, −∞) is −100
      let a = f64x2.pmax(floor, log1p64(f64x2.neg(p)));
      let b = f64x2.pmax(floor, log64(p));
      let v = f64x2.sub(f64x2.mul(f64x2.sub(t, ones), a), f64x2.mul(t, b));
      if (weight) v = f64x2.mul(v, pair<T>(weight, i + j, last));
      if (loss) storePair<T>(loss, i + j, v, last);
      S = f64x2.add(S, kept(v, last));
    }
    store<f64>(sum + (r << 3), addLanes(S));
  }
  return i64x2.all_true(ok) ? 0 : 1;
}

/**
 * PyTorch's binary_cross_entropy_with_logits, with one positive weight P per class:
 * loss = weight·((1 − t)·x + pw·(log1p(e^−|x|) + max(−x, 0))), pw = 1 + (P − 1)·t;
 * grad = gradScale·weight·(1 − t − pw·σ(−x)). Both are formed as sums of parts of one sign (for
 * t in [0, 1]), with σ = e/(1 + e), e = e^−|x|: for x ≥ 0, (1 − t)·x + pw·log1p(e) and
 * (1 − t) − pw·σ; for x < 0, P·t·(−x) + pw·log1p(e) and pw·σ − P·t (x ≤ −20 with t = 0 would
 * otherwise add x and −x around a tiny log1p(e^x)).
 */
export function bceLogitsRows<T>(
  input: usize, target: usize, weight: usize, posWeight: usize, rows: i32, classes: i32, gradScale: f64,
  loss: usize, grad: usize, sum: usize,
): void {
  if (sizeof<T>() == 4) return bceLogitsRows32(input, target, weight, posWeight, rows, classes, gradScale, loss, grad, sum);
  let n = <usize>classes;
  let zero = f64x2.splat(0), ones = f64x2.splat(1.0), G = f64x2.splat(gradScale);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n;
    let S = zero;
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let x = pair<T>(input, i + j, last), t = pair<T>(target, i + j, last);
      let P = posWeight ? pair<f64>(posWeight, j, last) : ones;
      let pw = posWeight ? f64x2.add(ones, f64x2.mul(f64x2.sub(P, ones), t)) : ones;
      let e = exp64(f64x2.neg(f64x2.abs(x))); // never overflows
      let pos = f64x2.ge(x, zero);
      let u = f64x2.sub(ones, t), Pt = f64x2.mul(P, t);
      let l = f64x2.add(v128.bitselect(f64x2.mul(u, x), f64x2.mul(Pt, f64x2.neg(x)), pos), f64x2.mul(pw, log1p64(e)));
      let w = weight ? pair<T>(weight, i + j, last) : ones;
      l = f64x2.mul(l, w);
      if (loss) storePair<T>(loss, i + j, l, last);
      S = f64x2.add(S, kept(l, last));
      if (grad) {
        let ps = f64x2.mul(pw, f64x2.div(e, f64x2.add(ones, e)));
        let g = v128.bitselect(f64x2.sub(u, ps), f64x2.sub(ps, Pt), pos);
        storePair<T>(grad, i + j, f64x2.mul(f64x2.mul(G, w), g), last);
      }
    }
    store<f64>(sum + (r << 3), addLanes(S));
  }
}

/**
 * PyTorch's kl_div: t·(log t − x) with 0·log 0 = 0 (xlogy), or exp(t)·(t − x) for log targets.
 */
export function klDivRows<T>(input: usize, target: usize, logTarget: bool, rows: i32, classes: i32, loss: usize, sum: usize): void {
  if (sizeof<T>() == 4 && !logTarget) return klDivRows32(input, target, rows, classes, loss, sum);
  let n = <usize>classes;
  let zero = f64x2.splat(0);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n;
    let S = zero;
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let a = pair<T>(input, i + j, last), b = pair<T>(target, i + j, last);
      let v: v128;
      if (logTarget) v = f64x2.mul(exp64(b), f64x2.sub(b, a)); // exp(t)·(t − x)
      else {
        // xlogy(t, t) − t·x: the log of 1 where t is 0, so that 0·log 0 is 0
        let z = f64x2.eq(b, zero);
        let xl = v128.bitselect(zero, f64x2.mul(b, log64(v128.bitselect(f64x2.splat(1.0), b, z))), z);
        v = f64x2.sub(xl, f64x2.mul(b, a));
      }
      if (loss) storePair<T>(loss, i + j, v, last);
      S = f64x2.add(S, kept(v, last));
    }
    store<f64>(sum + (r << 3), addLanes(S));
  }
}

// ---- ranks ----------------------------------------------------------------------------------------

/**
 * count[r] = the number of elements of row r greater than threshold[r] (NaN is greater than
 * nothing, and nothing is greater than NaN). Exact in either element type: the f32 kernel
 * compares in f32, and a threshold read from the same f32 data narrows back exactly.
 */
export function countAbove<T>(x: usize, threshold: usize, rows: i32, classes: i32, count: usize): void {
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let t = load<f64>(threshold + (r << 3));
    let i = r * n;
    let j: usize = 0;
    // lanes hold 0 or −1 per comparison: subtracting the mask counts; 2^31 − 1 per lane is out of reach (n ≤ CHUNK)
    let acc = i32x4.splat(0);
    if (sizeof<T>() == 4) {
      let tv = f32x4.splat(<f32>t);
      for (; j + 4 <= n; j += 4) acc = i32x4.sub(acc, f32x4.gt(v128.load(x + ((i + j) << 2)), tv));
    } else {
      let tv = f64x2.splat(t);
      for (; j + 4 <= n; j += 4) {
        let a = f64x2.gt(v128.load(x + ((i + j) << 3)), tv);
        let b = f64x2.gt(v128.load(x + ((i + j) << 3), 16), tv);
        acc = i32x4.sub(acc, i32x4.add(a, b)); // each f64 lane is two i32 lanes of −1: counted twice, halved below
      }
    }
    let c: i32 =
      i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
    if (sizeof<T>() == 8) c >>= 1;
    for (; j < n; j++) if (at<T>(x, i + j) > t) c++;
    store<f64>(count + (r << 3), <f64>c);
  }
}
