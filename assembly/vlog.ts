// Division-free vector logarithms for the measure kernels (assembly/measures.ts):
//
// - f32x4: x = 2^k·(1 + r) with 1 + r in [2/3, 4/3) (r = m − 1 is exact), log1p(r) ≈ r + r²·Q(r)
//   with Q of degree 7 in Estrin form (a degree-9 polynomial), k·ln 2 split in a 16-bit high
//   part (k·LN2F_HI exact) and a low part, and the rounding error of k·LN2F_HI + r recovered
//   exactly (Fast2Sum). Error ≤ 1.35 f32 ulp over every normal f32 (test/vlog.test.ts).
// - f64x2: x = 2^k·z, z in [0.6865, 1.373); the top 8 bits of z's offset bit pattern pick a
//   table entry {1/c, c, log c hi, log c lo} (assembly/vlog-table.ts); r = (z − c)·(1/c), exact
//   but for one rounding (z − c is exact; c·(1/c) is 1 within 2^-63), |r| < 2^-9, and
//   log z = log c + r + r²·P(r), P of degree 5 (a degree-7 polynomial; Taylor's coefficients:
//   the truncation, r^8/8, is below 2^-75). k·LN2_HI + log c hi is exact (both are multiples of
//   2^-32), its sum with r is split exactly, and the small parts are added last. Error ≤ 1 ulp
//   from musl's log over 10^7 random doubles (test/vlog.test.ts).
//
// Both are "fast" functions: valid for normal, positive, finite lanes only. The kernels test
// their inputs once per block and take a scalar path when a block holds anything else.
//
// Constants. V8 11.3 (Node 20) rebuilds an inline SIMD constant at every use inside a loop
// (three instructions); binaryen would fold a `let c = f32x4.splat(K)` back into each use. So the
// constants live in a table in memory (LOGF_K, LOG_K), a kernel loads them into locals once,
// before its loop, and passes them in: the loop then reads them from registers (or, when
// registers run out, from the stack as a memory operand).

import { LOGF_K, LOG_TABLE } from './vlog-table';
export { LOGF_K, LOG_TABLE };

// ---- f32x4 --------------------------------------------------------------------------------------

/**
 * Q(r) for f32 lanes, log1p(r) ≈ r + r²·Q(r) on about [−1/3, 1/3], in Estrin form:
 * Q = (q0 + q1·r) + r²·(q2 + q3·r) + r⁴·((q4 + q5·r) + r²·(q6 + q7·r)). `q0`…`q7` are LOGF_K's
 * vectors 3 to 10.
 */
// @ts-ignore: decorator
@inline export function logfQ(r: v128, q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128): v128 {
  let r2 = f32x4.mul(r, r);
  let r4 = f32x4.mul(r2, r2);
  let a = f32x4.add(q0, f32x4.mul(q1, r));
  let b = f32x4.add(q2, f32x4.mul(q3, r));
  let c = f32x4.add(q4, f32x4.mul(q5, r));
  let d = f32x4.add(q6, f32x4.mul(q7, r));
  return f32x4.add(f32x4.add(a, f32x4.mul(b, r2)), f32x4.mul(f32x4.add(c, f32x4.mul(d, r2)), r4));
}

/**
 * k·ln 2 + log1p(r) for f32 lanes: r in about [−1/3, 1/3], k an integer as f32. `q0`…`q7`, `ln2hi`,
 * `ln2lo` are LOGF_K's vectors 3 to 12.
 */
// @ts-ignore: decorator
@inline export function log1pf(
  r: v128, k: v128,
  q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128, ln2hi: v128, ln2lo: v128,
): v128 {
  let r2 = f32x4.mul(r, r);
  let q = logfQ(r, q0, q1, q2, q3, q4, q5, q6, q7);
  let lo = f32x4.add(f32x4.mul(r2, q), f32x4.mul(k, ln2lo));
  let kh = f32x4.mul(k, ln2hi); // exact: k has ≤ 8 bits, LN2F_HI 16
  let hi = f32x4.add(kh, r);
  // The rounding error of hi, exactly (|kh| ≥ ln 2 > |r| when k ≠ 0; 0 when k = 0).
  let e = f32x4.add(f32x4.sub(kh, hi), r);
  return f32x4.add(hi, f32x4.add(e, lo));
}

/**
 * log x for f32 lanes in [2^-126, 2^128): `off`, `mask`, `one` are LOGF_K's vectors 0 to 2
 * (0x3f2aaaab = 2/3, 0x007fffff, 1.0). Other lanes give finite garbage (0 gives −127·ln 2), NaN
 * and ∞ excepted.
 */
// @ts-ignore: decorator
@inline export function logf(
  x: v128, off: v128, mask: v128, one: v128,
  q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128, ln2hi: v128, ln2lo: v128,
): v128 {
  let t = i32x4.sub(x, off);
  let k = f32x4.convert_i32x4_s(i32x4.shr_s(t, 23));
  let r = f32x4.sub(i32x4.add(v128.and(t, mask), off), one);
  return log1pf(r, k, q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo);
}

/**
 * As logf, but where x is in [2/3, 4/3) (k = 0) log1p(u) is returned instead: for x a rounded
 * ratio p/q and u = (p − q)/q (p − q exact there), so that the rounding of the ratio does not
 * reach the log where the log is small.
 */
// @ts-ignore: decorator
@inline export function logfU(
  x: v128, u: v128, off: v128, mask: v128, one: v128,
  q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128, ln2hi: v128, ln2lo: v128,
): v128 {
  let t = i32x4.sub(x, off);
  let ki = i32x4.shr_s(t, 23);
  let r = f32x4.sub(i32x4.add(v128.and(t, mask), off), one);
  r = v128.bitselect(u, r, i32x4.eq(ki, i32x4.splat(0)));
  return log1pf(r, f32x4.convert_i32x4_s(ki), q0, q1, q2, q3, q4, q5, q6, q7, ln2hi, ln2lo);
}

/**
 * The block test of the f32 kernels: bits − 0x00800000, taken as unsigned, is below 0x7f000000
 * exactly for the normal positive finite f32 values (zero, subnormals, negatives, ∞ and NaN land
 * above). A kernel keeps the running unsigned maximum of this over a block.
 */
export const NORMAL32_OFF: i32 = 0x00800000;
export const NORMAL32_TOP: u32 = 0x7f000000;

// ---- f64x2 --------------------------------------------------------------------------------------

// LOG_K: the f64x2 log constants as 10 splatted vectors: the offset OFF (bits), the exponent
// mask, LN2_HI, LN2_LO, P's coefficients (−1/2, 1/3, −1/4, 1/5, −1/6, 1/7).
export const LOG_K: usize = memory.data<u64>([
  0x3fe5f80000000000, 0x3fe5f80000000000,
  0xfff0000000000000, 0xfff0000000000000,
  0x3fe62e42fee00000, 0x3fe62e42fee00000, // fdlibm's ln2_hi: 32 significant bits
  0x3dea39ef35793c76, 0x3dea39ef35793c76, // ln2_lo = 1.9082149292705877e-10
  0xbfe0000000000000, 0xbfe0000000000000, // −1/2
  0x3fd5555555555555, 0x3fd5555555555555, // 1/3
  0xbfd0000000000000, 0xbfd0000000000000, // −1/4
  0x3fc999999999999a, 0x3fc999999999999a, // 1/5
  0xbfc5555555555555, 0xbfc5555555555555, // −1/6
  0x3fc2492492492492, 0x3fc2492492492492, // 1/7
], 16);

/**
 * log x for f64 lanes in [2^-1022, 2^1024) (other lanes: finite garbage, 0 gives −1023·ln 2;
 * NaN and ∞ excepted). The arguments are LOG_K's vectors in order.
 */
// @ts-ignore: decorator
@inline export function logd(
  x: v128, off: v128, himask: v128, ln2hi: v128, ln2lo: v128,
  c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128,
): v128 {
  return logdU(x, x, false, x, off, himask, ln2hi, ln2lo, c2, c3, c4, c5, c6, c7);
}

/**
 * logd, and when `useU` (a constant): where k = 0 (x in [0.6865, 1.373)), log(1 + u) with
 * r = ((1 − c) + u)·(1/c) instead of (x − c)·(1/c): for x a rounded ratio p/q and u = (p − q)/q,
 * so that the ratio's rounding does not reach the log where it is small. `one` is 1.0 (both lanes).
 */
// @ts-ignore: decorator
@inline export function logdU(
  x: v128, u: v128, useU: bool, one: v128, off: v128, himask: v128, ln2hi: v128, ln2lo: v128,
  c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128,
): v128 {
  let t = i64x2.sub(x, off);
  let z = i64x2.sub(x, v128.and(t, himask));
  // k = t >> 52 (arithmetic), as the high words of t shifted by 20 (i64x2.shr_s has no x64
  // instruction below AVX-512: V8 emulates it), converted.
  let k = f64x2.convert_low_i32x4_s(i32x4.shr_s(v128.shuffle<u32>(t, t, 1, 3, 1, 3), 20));
  // The two lanes' table entries: 32 bytes each, {1/c, c} then {log c hi, log c lo}.
  let e0 = LOG_TABLE + ((<usize>(i64x2.extract_lane(t, 0) >>> 44) & 0xff) << 5);
  let e1 = LOG_TABLE + ((<usize>(i64x2.extract_lane(t, 1) >>> 44) & 0xff) << 5);
  let a0 = v128.load(e0), a1 = v128.load(e1);
  let b0 = v128.load(e0, 16), b1 = v128.load(e1, 16);
  let invc = v128.shuffle<u64>(a0, a1, 0, 2);
  let c = v128.shuffle<u64>(a0, a1, 1, 3);
  let lch = v128.shuffle<u64>(b0, b1, 0, 2);
  let lcl = v128.shuffle<u64>(b0, b1, 1, 3);
  let r = f64x2.mul(f64x2.sub(z, c), invc);
  if (useU) r = v128.bitselect(f64x2.mul(f64x2.add(f64x2.sub(one, c), u), invc), r, f64x2.eq(k, f64x2.splat(0)));
  let w = f64x2.add(f64x2.mul(k, ln2hi), lch); // exact
  let hi = f64x2.add(w, r);
  let e = f64x2.add(f64x2.sub(w, hi), r); // exact: |w| ≥ |r| or w = 0
  let r2 = f64x2.mul(r, r);
  let p = f64x2.add(
    f64x2.add(f64x2.add(c2, f64x2.mul(c3, r)), f64x2.mul(r2, f64x2.add(c4, f64x2.mul(c5, r)))),
    f64x2.mul(f64x2.mul(r2, r2), f64x2.add(c6, f64x2.mul(c7, r))),
  );
  let lo = f64x2.add(f64x2.add(f64x2.mul(k, ln2lo), lcl), f64x2.add(f64x2.mul(r2, p), e));
  return f64x2.add(hi, lo);
}
