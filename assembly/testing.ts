// Accuracy sweeps for assembly/vmath.ts, compiled into a separate test-only module
// (by test/vmath.ts, for test/vmath.log.test.ts and test/vmath.exp.test.ts) so that the published module carries none of it.

import { EXP32_K, EXP32_P, exp32, exp64, expfc, expfs, log32, log64, lo64, hi64, subErr32 } from './vmath';
import { diffErrNeg32 } from './losses';

const F32_MIN_ULP: f64 = 1.401298464324817e-45; // 2^-149, the f32 ulp below 2^-126

/** |got − want| in units of the f32 ulp at `want` (an f64 reference), for two lanes. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function ulps32(got: v128, want: v128): v128 {
  // 2^e of |want| (its exponent bits alone), times 2^-23: the f32 ulp at want.
  let pow = v128.and(want, i64x2.splat(0x7ff0000000000000));
  let ulp = f64x2.max(f64x2.mul(pow, f64x2.splat(1.1920928955078125e-7)), f64x2.splat(F32_MIN_ULP));
  // Equal values (±∞ included) are 0 ulps apart; ∞ − ∞ would otherwise be NaN.
  return v128.bitselect(f64x2.splat(0), f64x2.div(f64x2.abs(f64x2.sub(got, want)), ulp), f64x2.eq(got, want));
}

/** The largest error, in f32 ulps, of log32 over the f32 values with bit patterns [from, to). */
export function sweepLog32(from: u32, to: u32): f64 {
  let worst = f64x2.splat(0);
  let step = i32x4(0, 1, 2, 3);
  for (let b = from; b < to; b += 4) {
    let x = i32x4.add(i32x4.splat(b), step);
    let got = log32(x);
    worst = f64x2.max(worst, ulps32(lo64(got), log64(lo64(x))));
    worst = f64x2.max(worst, ulps32(hi64(got), log64(hi64(x))));
  }
  return Math.max(f64x2.extract_lane(worst, 0), f64x2.extract_lane(worst, 1));
}

/** The largest error, in f32 ulps, of exp32 over the f32 values with bit patterns [from, to). */
export function sweepExp32(from: u32, to: u32): f64 {
  let worst = f64x2.splat(0);
  let step = i32x4(0, 1, 2, 3);
  for (let b = from; b < to; b += 4) {
    let x = i32x4.add(i32x4.splat(b), step);
    let got = exp32(x);
    worst = f64x2.max(worst, ulps32(lo64(got), exp64(lo64(x))));
    worst = f64x2.max(worst, ulps32(hi64(got), exp64(hi64(x))));
  }
  return Math.max(f64x2.extract_lane(worst, 0), f64x2.extract_lane(worst, 1));
}

/**
 * The largest error, in f32 ulps, of expfs (the log-sum-exp, softmax and entropy loops' exp, with
 * expPoly32s's polynomial; no correction) over the f32 values with bit patterns [from, to): the
 * loops take it on x − max in [−86, 0].
 */
export function sweepExpS32(from: u32, to: u32): f64 {
  let worst = f64x2.splat(0);
  let step = i32x4(0, 1, 2, 3);
  let log2e = k32(0), shift = k32(1), c1 = k32(2), c2 = k32(3), one = k32(10);
  let p0 = v128.load(EXP32_P), p1 = v128.load(EXP32_P, 16), p2 = v128.load(EXP32_P, 32), p3 = v128.load(EXP32_P, 48), p4 = v128.load(EXP32_P, 64);
  let zero = f32x4.splat(0);
  for (let b = from; b < to; b += 4) {
    let x = i32x4.add(i32x4.splat(b), step);
    let got = expfs(x, zero, log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
    worst = f64x2.max(worst, ulps32(lo64(got), exp64(lo64(x))));
    worst = f64x2.max(worst, ulps32(hi64(got), exp64(hi64(x))));
  }
  return Math.max(f64x2.extract_lane(worst, 0), f64x2.extract_lane(worst, 1));
}

let state: u64 = 0x9e3779b97f4a7c15;
function next(): u64 {
  // xorshift64*
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1d;
}

export function seed(s: u64): void {
  state = s | 1;
}

/** Distance in representable doubles between a and b (same sign, both finite). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function ulpDistance(a: f64, b: f64): u64 {
  let x = reinterpret<i64>(a), y = reinterpret<i64>(b);
  return <u64>(x > y ? x - y : y - x);
}

/**
 * The largest distance (in f64 ulps) between log64 and the standard library's Math.log (musl,
 * < 0.52 ulp) over n random positive finite doubles, uniform in bit pattern (so uniform over
 * exponents, subnormals included). Distance ≤ 1 here means ≤ 2 ulp from the correctly rounded log.
 */
export function randomLog64(n: i32): f64 {
  let worst: u64 = 0;
  for (let i = 0; i < n; i += 2) {
    let a = reinterpret<f64>((next() >> 1) % 0x7ff0000000000000);
    let b = reinterpret<f64>((next() >> 1) % 0x7ff0000000000000);
    let got = log64(f64x2.replace_lane(f64x2.splat(a), 1, b));
    let da = ulpDistance(f64x2.extract_lane(got, 0), Math.log(a));
    let db = ulpDistance(f64x2.extract_lane(got, 1), Math.log(b));
    if (da > worst) worst = da;
    if (db > worst) worst = db;
  }
  return <f64>worst;
}

/**
 * As randomLog64 for exp64 against Math.exp (musl, < 0.51 ulp): half the inputs uniform on
 * exp's finite range [−745.1, 709.78], half random doubles of magnitude 2^-1074 to 512 of
 * either sign (every exponent), both through the fast path and the scalar ends.
 */
export function randomExp64(n: i32): f64 {
  let worst: u64 = 0;
  for (let i = 0; i < n; i += 2) {
    let u = <f64>(next() >> 11) * 1.1102230246251565e-16; // [0, 1)
    let a = -745.1 + u * (709.78 + 745.1);
    let bits = (next() >> 1) % 0x4080000000000000; // |b| < 512
    let b = reinterpret<f64>(bits | (next() & 0x8000000000000000));
    let got = exp64(f64x2.replace_lane(f64x2.splat(a), 1, b));
    let ea = Math.exp(a), eb = Math.exp(b);
    let da = ulpDistance(f64x2.extract_lane(got, 0), ea);
    let db = ulpDistance(f64x2.extract_lane(got, 1), eb);
    if (da > worst) worst = da;
    if (db > worst) worst = db;
  }
  return <f64>worst;
}

/** Cephes' expf constants (EXP32_K's vectors, as the kernels load them). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function k32(i: i32): v128 {
  return v128.load(EXP32_K + (<usize>i << 4));
}

/**
 * The largest error, in f32 ulps, of expfc(fl(a − m), subErr32(a, m, ·)) against the f64 exp of
 * the exact difference a − m (f32 operands: exact in f64), over n random pairs of f32 values: m of
 * either sign and magnitude 2^-20 to 2^12, a = m + d rounded to f32 for d uniform in [−85.9, 0]
 * (the kernels' softmax and log-sum-exp terms, whose x − max rounds where x and max differ in
 * binade).
 */
const PAIRS: usize = memory.data(32, 16);

export function randomExpDiff32(n: i32): f64 {
  let worst = f64x2.splat(0);
  let log2e = k32(0), shift = k32(1), c1 = k32(2), c2 = k32(3), q0 = k32(4), q1 = k32(5), q2 = k32(6), q3 = k32(7), q4 = k32(8), q5 = k32(9), one = k32(10);
  for (let i = 0; i < n; i += 4) {
    for (let l: usize = 0; l < 4; l++) {
      let u = <f64>(next() >> 11) * 1.1102230246251565e-16; // [0, 1)
      let e = <i32>(next() % 33) - 20;
      let m = <f32>((1 + u) * Math.pow(2, e) * ((next() & 1) != 0 ? -1 : 1));
      let d = -85.9 * (<f64>(next() >> 11) * 1.1102230246251565e-16);
      let a = <f32>(<f64>m + d);
      if (<f64>a - <f64>m < -85.9) a = m; // rounded out of the range: exp(0) instead
      store<f32>(PAIRS + (l << 2), a);
      store<f32>(PAIRS + 16 + (l << 2), m);
    }
    let A = v128.load(PAIRS), M = v128.load(PAIRS, 16);
    let s = f32x4.sub(A, M);
    let got = expfc(s, subErr32(A, M, s), log2e, shift, c1, c2, q0, q1, q2, q3, q4, q5, one);
    worst = f64x2.max(worst, ulps32(lo64(got), exp64(f64x2.sub(lo64(A), lo64(M)))));
    worst = f64x2.max(worst, ulps32(hi64(got), exp64(f64x2.sub(hi64(A), hi64(M)))));
  }
  return Math.max(f64x2.extract_lane(worst, 0), f64x2.extract_lane(worst, 1));
}

/** log64 / exp64 / log32 / exp32 of one value (lane 0), for the special-value tests. */
export function one(fn: i32, x: f64): f64 {
  if (fn == 0) return f64x2.extract_lane(log64(f64x2.splat(x)), 0);
  if (fn == 1) return f64x2.extract_lane(exp64(f64x2.splat(x)), 0);
  if (fn == 2) return <f64>f32x4.extract_lane(log32(f32x4.splat(<f32>x)), 0);
  return <f64>f32x4.extract_lane(exp32(f32x4.splat(<f32>x)), 0);
}

/** The same with a second lane holding `other`, so that a special lane forces the scalar path. */
export function oneBeside(fn: i32, x: f64, other: f64): f64 {
  if (fn == 0) return f64x2.extract_lane(log64(f64x2.replace_lane(f64x2.splat(x), 1, other)), 0);
  if (fn == 1) return f64x2.extract_lane(exp64(f64x2.replace_lane(f64x2.splat(x), 1, other)), 0);
  if (fn == 2) return <f64>f32x4.extract_lane(log32(f32x4.replace_lane(f32x4.splat(<f32>x), 1, <f32>other)), 0);
  return <f64>f32x4.extract_lane(exp32(f32x4.replace_lane(f32x4.splat(<f32>x), 1, <f32>other)), 0);
}

// ---- assembly/vlog.ts: the division-free f32x4 log and the f64x2 table log ---------------------

import { LOGF_K, LOG_K, logf, logd } from './vlog';
import { logDomain32, logDomain64 } from './vmath';

// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function scalarLogf(x: v128): v128 {
  let v = f32x4.splat(<f32>Math.log(<f64>f32x4.extract_lane(x, 0)));
  v = f32x4.replace_lane(v, 1, <f32>Math.log(<f64>f32x4.extract_lane(x, 1)));
  v = f32x4.replace_lane(v, 2, <f32>Math.log(<f64>f32x4.extract_lane(x, 2)));
  return f32x4.replace_lane(v, 3, <f32>Math.log(<f64>f32x4.extract_lane(x, 3)));
}

/**
 * The largest error, in f32 ulps, of vlog's logf over the f32 values with bit patterns
 * [from, to), against the f64 log (fdlibm, < 1 f64 ulp). Vectors with a lane outside the fast
 * domain go through Math.log in f64 as the kernels' scalar path does.
 */
export function sweepLogf(from: u32, to: u32): f64 {
  let off = v128.load(LOGF_K), mask = v128.load(LOGF_K, 16), one = v128.load(LOGF_K, 32);
  let q0 = v128.load(LOGF_K, 48), q1 = v128.load(LOGF_K, 64), q2 = v128.load(LOGF_K, 80), q3 = v128.load(LOGF_K, 96);
  let q4 = v128.load(LOGF_K, 112), q5 = v128.load(LOGF_K, 128), q6 = v128.load(LOGF_K, 144), q7 = v128.load(LOGF_K, 160);
  let ln2hi = v128.load(LOGF_K, 176), ln2lo = v128.load(LOGF_K, 192);
  let worst = f64x2.splat(0);
  let step = i32x4(0, 1, 2, 3);
  for (let b = from; b < to; b += 4) {
    let x = i32x4.add(i32x4.splat(b), step);
    let got = logDomain32(x) ? logf(x, off, mask, one, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo) : scalarLogf(x);
    worst = f64x2.max(worst, ulps32(lo64(got), log64(lo64(x))));
    worst = f64x2.max(worst, ulps32(hi64(got), log64(hi64(x))));
  }
  return Math.max(f64x2.extract_lane(worst, 0), f64x2.extract_lane(worst, 1));
}

// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function logdFull(x: v128): v128 {
  if (!logDomain64(x)) return f64x2.replace_lane(f64x2.splat(Math.log(f64x2.extract_lane(x, 0))), 1, Math.log(f64x2.extract_lane(x, 1)));
  return logd(
    x, v128.load(LOG_K), v128.load(LOG_K, 16), v128.load(LOG_K, 32), v128.load(LOG_K, 48),
    v128.load(LOG_K, 64), v128.load(LOG_K, 80), v128.load(LOG_K, 96), v128.load(LOG_K, 112), v128.load(LOG_K, 128), v128.load(LOG_K, 144),
  );
}

/** As randomLog64, for vlog's table log (logd; the scalar path for lanes outside its domain). */
export function randomLogd(n: i32): f64 {
  let worst: u64 = 0;
  for (let i = 0; i < n; i += 2) {
    let a = reinterpret<f64>((next() >> 1) % 0x7ff0000000000000);
    let b = reinterpret<f64>((next() >> 1) % 0x7ff0000000000000);
    let got = logdFull(f64x2.replace_lane(f64x2.splat(a), 1, b));
    let da = ulpDistance(f64x2.extract_lane(got, 0), Math.log(a));
    let db = ulpDistance(f64x2.extract_lane(got, 1), Math.log(b));
    if (da > worst) worst = da;
    if (db > worst) worst = db;
  }
  return <f64>worst;
}

/** As randomLogd, inputs uniform in [lo, hi) (the neighbourhood of 1, where log is smallest). */
export function uniformLogd(n: i32, lo: f64, hi: f64): f64 {
  let worst: u64 = 0;
  for (let i = 0; i < n; i += 2) {
    let a = lo + (hi - lo) * (<f64>(next() >> 11) * 1.1102230246251565e-16);
    let b = lo + (hi - lo) * (<f64>(next() >> 11) * 1.1102230246251565e-16);
    let got = logdFull(f64x2.replace_lane(f64x2.splat(a), 1, b));
    let da = ulpDistance(f64x2.extract_lane(got, 0), Math.log(a));
    let db = ulpDistance(f64x2.extract_lane(got, 1), Math.log(b));
    if (da > worst) worst = da;
    if (db > worst) worst = db;
  }
  return <f64>worst;
}

/** vlog's logd (fn 0) or logf (fn 1) of one value, lane 0, on the fast path (no domain test). */
export function oneVlog(fn: i32, x: f64): f64 {
  if (fn == 0) {
    return f64x2.extract_lane(logd(
      f64x2.splat(x), v128.load(LOG_K), v128.load(LOG_K, 16), v128.load(LOG_K, 32), v128.load(LOG_K, 48),
      v128.load(LOG_K, 64), v128.load(LOG_K, 80), v128.load(LOG_K, 96), v128.load(LOG_K, 112), v128.load(LOG_K, 128), v128.load(LOG_K, 144),
    ), 0);
  }
  return <f64>f32x4.extract_lane(logf(
    f32x4.splat(<f32>x), v128.load(LOGF_K), v128.load(LOGF_K, 16), v128.load(LOGF_K, 32),
    v128.load(LOGF_K, 48), v128.load(LOGF_K, 64), v128.load(LOGF_K, 80), v128.load(LOGF_K, 96),
    v128.load(LOGF_K, 112), v128.load(LOGF_K, 128), v128.load(LOGF_K, 144), v128.load(LOGF_K, 160),
    v128.load(LOGF_K, 176), v128.load(LOGF_K, 192),
  ), 0);
}

/**
 * randomExpDiff32 for expfs with fl(a − m)'s rounding error found as the loops find it (diffErrNeg32):
 * `mode` 1, m > 0 and a in [max(−m, m − 85.9), m] (Fast2Sum with −m first); 2, m ≤ 0 (Fast2Sum
 * with a first); 0, any sign (TwoSum). m of magnitude 2^-20 to 2^12 as randomExpDiff32's, a = m + d
 * rounded to f32 for d uniform in [−85.9, 0] (clamped into mode 1's range).
 */
export function randomExpDiffS32(n: i32, mode: i32): f64 {
  let worst = f64x2.splat(0);
  let log2e = k32(0), shift = k32(1), c1 = k32(2), c2 = k32(3), one = k32(10);
  let p0 = v128.load(EXP32_P), p1 = v128.load(EXP32_P, 16), p2 = v128.load(EXP32_P, 32), p3 = v128.load(EXP32_P, 48), p4 = v128.load(EXP32_P, 64);
  for (let i = 0; i < n; i += 4) {
    // one m for the four lanes (the loops' M is one value)
    let u = <f64>(next() >> 11) * 1.1102230246251565e-16; // [0, 1)
    let e = <i32>(next() % 33) - 20;
    let sign: f64 = mode == 1 ? 1 : mode == 2 ? -1 : (next() & 1) != 0 ? -1 : 1;
    let m = <f32>((1 + u) * Math.pow(2, e) * sign);
    for (let l: usize = 0; l < 4; l++) {
      let d = -85.9 * (<f64>(next() >> 11) * 1.1102230246251565e-16);
      let a = <f32>(<f64>m + d);
      if (mode == 1 && a < -m) a = -m;
      if (<f64>a - <f64>m < -85.9) a = m; // rounded out of the range: exp(0) instead
      store<f32>(PAIRS + (l << 2), a);
    }
    let A = v128.load(PAIRS), M = f32x4.splat(m);
    let s = f32x4.sub(A, M);
    let cn = mode == 1 ? diffErrNeg32<u8>(A, M, s) : mode == 2 ? diffErrNeg32<u16>(A, M, s) : diffErrNeg32<u64>(A, M, s);
    let got = expfs(s, cn, log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
    worst = f64x2.max(worst, ulps32(lo64(got), exp64(f64x2.sub(lo64(A), lo64(M)))));
    worst = f64x2.max(worst, ulps32(hi64(got), exp64(f64x2.sub(hi64(A), hi64(M)))));
  }
  return Math.max(f64x2.extract_lane(worst, 0), f64x2.extract_lane(worst, 1));
}
