// Measure kernels: entropy, cross entropy, KL and Jensen–Shannon divergence as row sums of
// elementwise terms, and the row sums that `normalize` divides by. Raw pointers in, numbers out;
// nothing here validates options: the only check is the element test (negative or NaN), reported
// as a return flag so that the API layer can find and name the bad element. Descriptors, argument
// names and order: src/kernels/table.ts; the exports are generated into assembly/index.ts.

import { at, fastLog32, fastLog64, hi64, lo64, load2, logDomain32x2, logDomain64 } from './vmath';

// Kinds of elementwise term; the numbering is shared with src/kernels/types.ts.
const ENTROPY: i32 = 0; // −p·log p
const CROSS: i32 = 1; //   −p·log q
const KL: i32 = 2; //      p·log(p/q)
const JENSEN_SHANNON: i32 = 3; // ½·(p·log(p/m) + q·log(q/m)), m = (p+q)/2

const MIN_NORMAL: f64 = 2.2250738585072014e-308;

// p·log(p/q) for p > 0, q > 0. The quotient is what SciPy's rel_entr uses; where it overflows
// or loses precision to underflow (q subnormal, or p/q subnormal) the difference of logs is exact
// enough and finite.
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function xlogRatio(p: f64, q: f64): f64 {
  let r = p / q;
  if (r < MIN_NORMAL || r == Infinity) return p * (Math.log(p) - Math.log(q));
  return p * Math.log(r);
}

// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function term(kind: i32, p: f64, q: f64): f64 {
  // p and q are ≥ 0 or NaN here (a NaN input was rejected; NaN arises from normalising a row
  // holding ∞, ∞·0): 0·log(·) is 0, and NaN propagates, as in SciPy.
  if (kind == ENTROPY) return p == 0 ? 0 : -p * Math.log(p);
  if (kind == CROSS) return p == 0 ? 0 : -p * Math.log(q);
  if (kind == KL) {
    if (p == 0) return 0;
    return q == 0 ? Infinity : xlogRatio(p, q);
  }
  // Jensen–Shannon: m ≥ p/2 and m ≥ q/2, so each part is finite for finite inputs.
  let m = 0.5 * p + 0.5 * q;
  let t: f64 = 0;
  if (p != 0) t += xlogRatio(p, m);
  if (q != 0) t += xlogRatio(q, m);
  return 0.5 * t;
}


/** x, with lanes where `zero` is 0 replaced by 1 (so that their log is 0, and p·log(·) is 0). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function unitWhereZero(x: v128, zero: v128): v128 {
  return v128.bitselect(f64x2.splat(1.0), x, f64x2.eq(zero, f64x2.splat(0.0)));
}

// A module-level flag set by `vterms` when a vector needs the scalar path.
let special: bool = false;

/**
 * term(kind, p, q) for two lanes at once. Zeros of p are handled in the vector path; any other
 * value outside fastLog64's domain sets `special`, and the caller recomputes both lanes with `term`.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function vterms(kind: i32, p: v128, q: v128): v128 {
  if (kind == ENTROPY) {
    let a = unitWhereZero(p, p);
    special = !logDomain64(a);
    return f64x2.neg(f64x2.mul(p, fastLog64(a)));
  }
  if (kind == CROSS) {
    special = !logDomain64(q);
    return f64x2.neg(f64x2.mul(p, fastLog64(q))); // p = 0 gives −0·log q = 0
  }
  if (kind == KL) {
    let a = unitWhereZero(f64x2.div(p, q), p);
    special = !logDomain64(q) || !logDomain64(a);
    return f64x2.mul(p, fastLog64(a));
  }
  let m = f64x2.add(f64x2.mul(f64x2.splat(0.5), p), f64x2.mul(f64x2.splat(0.5), q));
  let a = unitWhereZero(f64x2.div(p, m), p);
  let b = unitWhereZero(f64x2.div(q, m), q);
  special = !logDomain64(a) || !logDomain64(b);
  return f64x2.mul(f64x2.splat(0.5), f64x2.add(f64x2.mul(p, fastLog64(a)), f64x2.mul(q, fastLog64(b))));
}

/** Two lanes through the scalar path. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function sterms(kind: i32, p: v128, q: v128): v128 {
  let t0 = term(kind, f64x2.extract_lane(p, 0), f64x2.extract_lane(q, 0));
  let t1 = term(kind, f64x2.extract_lane(p, 1), f64x2.extract_lane(q, 1));
  return f64x2.replace_lane(f64x2.splat(t0), 1, t1);
}

// Set by scalarTerms when an element it reads is negative or NaN (reset by each termRows call).
let badElement: bool = false;

/**
 * Σ term(kind, p[j]·ps, q[j]·qs) over j in [from, to), in f64, reading q only when `hasQ`: the
 * scalar path of both termRows kernels (row tails, and vectors with a special lane). Sets
 * `badElement` for an element that is negative or NaN.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function scalarTerms<T>(kind: i32, hasQ: bool, p: usize, q: usize, from: usize, to: usize, ps: f64, qs: f64): f64 {
  let s: f64 = 0;
  for (let j = from; j < to; j++) {
    let pj = at<T>(p, j);
    let qj: f64 = 0;
    if (hasQ) {
      qj = at<T>(q, j);
      if (!(qj >= 0)) badElement = true;
    }
    if (!(pj >= 0)) badElement = true;
    s += term(kind, pj * ps, qj * qs);
  }
  return s;
}

/** Elements summed into a block's partial sums before the block joins the row total. */
const BLOCK: usize = 64;

/**
 * For each of `rows` rows of `classes` elements, out[r] = Σ term(kind, p·pScale[r], q·qScale[r]).
 * `pScale` = 0 means no scaling (pScale, qScale: one f64 per row). Returns 1 if any element of p
 * (or q, unless kind is ENTROPY) is negative or NaN, else 0. Inlined into one copy per (kind,
 * element type), so that `kind` is a constant in each loop.
 *
 * Sums are blocked: four partial sums (two f64x2 accumulators, a short dependency chain) over
 * BLOCK elements, then the block joins the row total, so rounding grows with BLOCK/4 + n/BLOCK
 * rather than n. f32 entropy and cross entropy take termRows32 instead.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function termRows<T>(kind: i32, p: usize, q: usize, rows: i32, classes: i32, pScale: usize, qScale: usize, out: usize): i32 {
  let zero = f64x2.splat(0.0);
  let ok = i64x2.splat(-1); // lanes stay all-ones while every element read is ≥ 0
  let hasQ = kind != ENTROPY;
  badElement = false;
  for (let r = 0; r < rows; r++) {
    let ps: f64 = 1, qs: f64 = 1;
    if (pScale) {
      ps = load<f64>(pScale + (<usize>r << 3));
      qs = load<f64>(qScale + (<usize>r << 3));
    }
    let vps = f64x2.splat(ps), vqs = f64x2.splat(qs);
    let i = <usize>r * <usize>classes;
    let end = i + <usize>classes;
    let total = zero;
    while (i + 4 <= end) {
      let stop = min(i + BLOCK, end);
      let s0 = zero, s1 = zero;
      for (; i + 4 <= stop; i += 4) {
        let p0 = load2<T>(p, i), p1 = load2<T>(p, i + 2);
        let q0 = zero, q1 = zero;
        if (hasQ) {
          q0 = load2<T>(q, i);
          q1 = load2<T>(q, i + 2);
          ok = v128.and(ok, v128.and(f64x2.ge(q0, zero), f64x2.ge(q1, zero)));
        }
        ok = v128.and(ok, v128.and(f64x2.ge(p0, zero), f64x2.ge(p1, zero)));
        if (pScale) {
          p0 = f64x2.mul(p0, vps);
          p1 = f64x2.mul(p1, vps);
          q0 = f64x2.mul(q0, vqs);
          q1 = f64x2.mul(q1, vqs);
        }
        let t0 = vterms(kind, p0, q0);
        if (special) t0 = sterms(kind, p0, q0);
        let t1 = vterms(kind, p1, q1);
        if (special) t1 = sterms(kind, p1, q1);
        s0 = f64x2.add(s0, t0);
        s1 = f64x2.add(s1, t1);
      }
      total = f64x2.add(total, f64x2.add(s0, s1));
    }
    let tail = scalarTerms<T>(kind, hasQ, p, q, i, end, ps, qs);
    store<f64>(out + (<usize>r << 3), f64x2.extract_lane(total, 0) + f64x2.extract_lane(total, 1) + tail);
  }
  return i64x2.all_true(ok) && !badElement ? 0 : 1;
}

/**
 * termRows for f32 data and kind ENTROPY or CROSS: the log in f32x4 (fastLog32, < 1 ulp), the
 * product p·log(·) rounded to f32 once, and the sum in f64 (each f32x4 of terms widened and added
 * to f64x2 accumulators, blocked as in termRows: widening per term rather than summing blocks in
 * f32 measured no slower here, and keeps each term within 1.5 f32 ulp). Vectors with a special
 * lane (q zero, subnormal, ∞, NaN, negative) are summed through `term` in f64.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function termRows32(kind: i32, p: usize, q: usize, rows: i32, classes: i32, pScale: usize, qScale: usize, out: usize): i32 {
  let zero = f64x2.splat(0.0);
  let zero32 = f32x4.splat(0.0);
  let ok = i32x4.splat(-1);
  let cross = kind == CROSS;
  badElement = false;
  for (let r = 0; r < rows; r++) {
    let ps: f64 = 1, qs: f64 = 1;
    if (pScale) {
      ps = load<f64>(pScale + (<usize>r << 3));
      qs = load<f64>(qScale + (<usize>r << 3));
    }
    let vps = f32x4.splat(<f32>ps), vqs = f32x4.splat(<f32>qs);
    let i = <usize>r * <usize>classes;
    let end = i + <usize>classes;
    let total = zero;
    while (i + 8 <= end) {
      let stop = min(i + BLOCK, end);
      let s0 = zero, s1 = zero;
      for (; i + 8 <= stop; i += 8) {
        let p0 = v128.load(p + (i << 2)), p1 = v128.load(p + (i << 2) + 16);
        // Lanes of `ok` stay all-ones while every p is ≥ 0 (NaN compares false). q outside the
        // log's domain (negative and NaN included) takes the scalar path, which checks it.
        ok = v128.and(ok, v128.and(f32x4.ge(p0, zero32), f32x4.ge(p1, zero32)));
        let a0 = p0, a1 = p1;
        if (cross) {
          a0 = v128.load(q + (i << 2));
          a1 = v128.load(q + (i << 2) + 16);
        }
        if (pScale) {
          p0 = f32x4.mul(p0, vps);
          p1 = f32x4.mul(p1, vps);
          a0 = f32x4.mul(a0, cross ? vqs : vps);
          a1 = f32x4.mul(a1, cross ? vqs : vps);
        }
        if (!cross) {
          // −0·log 0 is 0: take the log of 1 where p is 0.
          a0 = v128.bitselect(f32x4.splat(1.0), a0, f32x4.eq(p0, zero32));
          a1 = v128.bitselect(f32x4.splat(1.0), a1, f32x4.eq(p1, zero32));
        }
        if (logDomain32x2(a0, a1)) {
          let t0 = f32x4.mul(p0, fastLog32(a0));
          let t1 = f32x4.mul(p1, fastLog32(a1));
          s0 = f64x2.sub(s0, f64x2.add(lo64(t0), lo64(t1)));
          s1 = f64x2.sub(s1, f64x2.add(hi64(t0), hi64(t1)));
        } else {
          // Scalar terms in f64 from the unscaled elements (as termRows does).
          s0 = f64x2.add(s0, f64x2.replace_lane(zero, 0, scalarTerms<f32>(kind, cross, p, q, i, i + 8, ps, qs)));
        }
      }
      total = f64x2.add(total, f64x2.add(s0, s1));
    }
    let tail = scalarTerms<f32>(kind, cross, p, q, i, end, ps, qs);
    store<f64>(out + (<usize>r << 3), f64x2.extract_lane(total, 0) + f64x2.extract_lane(total, 1) + tail);
  }
  return i32x4.all_true(ok) && !badElement ? 0 : 1;
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
 * The measure kernel: termRows, with `kind` made a constant in each loop, and termRows32 for f32
 * entropy and cross entropy.
 */
export function rowTerms<T>(kind: i32, p: usize, q: usize, rows: i32, classes: i32, pScale: usize, qScale: usize, out: usize): i32 {
  if (sizeof<T>() == 4) {
    if (kind == ENTROPY) return termRows32(ENTROPY, p, q, rows, classes, pScale, qScale, out);
    if (kind == CROSS) return termRows32(CROSS, p, q, rows, classes, pScale, qScale, out);
  } else {
    if (kind == ENTROPY) return termRows<T>(ENTROPY, p, q, rows, classes, pScale, qScale, out);
    if (kind == CROSS) return termRows<T>(CROSS, p, q, rows, classes, pScale, qScale, out);
  }
  if (kind == KL) return termRows<T>(KL, p, q, rows, classes, pScale, qScale, out);
  return termRows<T>(JENSEN_SHANNON, p, q, rows, classes, pScale, qScale, out);
}
