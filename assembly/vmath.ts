// Vector natural log and exp, written for xentropy: f64x2 (fdlibm's algorithms, lane-parallel)
// and f32x4 (fdlibm's logf, Cephes' expf polynomial). Each `fast` function is valid on a domain
// stated next to it; `…Domain` tests whether every lane is inside it, and the full functions
// (log64, exp64, log32, exp32) take a scalar path (Math.log/Math.exp in f64) for any vector with
// a lane outside it: 0, subnormals, negatives, ±∞, NaN and the ends of exp's range. The accuracy
// is proved by test/vmath.log.test.ts and test/vmath.exp.test.ts (every f32 input; 10^7 random
// f64 inputs) through the exports of assembly/testing.ts.

const MIN_NORMAL64: f64 = 2.2250738585072014e-308;
const MIN_NORMAL32: f32 = 1.17549435e-38;

// ---- f64x2 log: fdlibm e_log.c --------------------------------------------------------------
// x = 2^k·m with m in [√2/2, √2), f = m − 1, s = f/(2+f),
// log x = k·ln2_hi − ((½f² − (s·(½f² + R(s²)) + k·ln2_lo)) − f). Error < 1 ulp.
const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;

/** log x for lanes in [2^-1022, ∞): normal, positive, finite. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function fastLog64(x: v128): v128 {
  // Shift the exponent so that m lands in [√2/2, √2): add (0x3ff00000 − 0x3fe6a09e) to the
  // high word, read k from the exponent field, and rebuild m with the exponent of 0x3fe6a09e.
  let ix = i64x2.add(x, i64x2.splat(0x00095f6200000000));
  let kbits = i64x2.shr_u(ix, 52);
  // k as f64, exactly: 2^52 + e as a double, minus (2^52 + 1023).
  let k = f64x2.sub(v128.or(kbits, i64x2.splat(0x4330000000000000)), f64x2.splat(4503599627371519.0));
  let m = i64x2.add(v128.and(ix, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3fe6a09e00000000));
  let f = f64x2.sub(m, f64x2.splat(1.0));
  let s = f64x2.div(f, f64x2.add(f64x2.splat(2.0), f));
  let z = f64x2.mul(s, s);
  let w = f64x2.mul(z, z);
  let t1 = f64x2.mul(w, f64x2.add(f64x2.splat(LG2), f64x2.mul(w, f64x2.add(f64x2.splat(LG4), f64x2.mul(w, f64x2.splat(LG6))))));
  let t2 = f64x2.mul(
    z,
    f64x2.add(f64x2.splat(LG1), f64x2.mul(w, f64x2.add(f64x2.splat(LG3), f64x2.mul(w, f64x2.add(f64x2.splat(LG5), f64x2.mul(w, f64x2.splat(LG7))))))),
  );
  let r = f64x2.add(t2, t1);
  let hfsq = f64x2.mul(f64x2.splat(0.5), f64x2.mul(f, f));
  let inner = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, r)), f64x2.mul(k, f64x2.splat(LN2_LO)));
  return f64x2.sub(f64x2.mul(k, f64x2.splat(LN2_HI)), f64x2.sub(f64x2.sub(hfsq, inner), f));
}

/** True when every lane is in fastLog64's domain. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function logDomain64(x: v128): bool {
  return i64x2.all_true(v128.and(f64x2.ge(x, f64x2.splat(MIN_NORMAL64)), f64x2.lt(x, f64x2.splat(Infinity))));
}

// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function scalarLog64(x: v128): v128 {
  return f64x2.replace_lane(f64x2.splat(Math.log(f64x2.extract_lane(x, 0))), 1, Math.log(f64x2.extract_lane(x, 1)));
}

/** log x for every lane: 0 → −∞, negative or NaN → NaN, ∞ → ∞, subnormals exact to < 1 ulp. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function log64(x: v128): v128 {
  return logDomain64(x) ? fastLog64(x) : scalarLog64(x);
}

// ---- f64x2 exp: fdlibm e_exp.c --------------------------------------------------------------
// k = round(x/ln2), r = hi − lo with hi = x − k·ln2_hi, lo = k·ln2_lo,
// c = r − r²·P(r²), exp(x) = 2^k·(1 − ((lo − r·c/(2 − c)) − hi)). Error < 1 ulp.
const INV_LN2: f64 = 1.44269504088896338700e+00;
const P1: f64 = 1.66666666666666019037e-01;
const P2: f64 = -2.77777777770155933842e-03;
const P3: f64 = 6.61375632143793436117e-05;
const P4: f64 = -1.65339022054652515390e-06;
const P5: f64 = 4.13813679705723846039e-08;
// 1.5·2^52: adding it rounds to an integer, and leaves that integer in the low mantissa bits.
const SHIFT64: f64 = 6755399441055744.0;
/** exp64's fast domain: k in [−1021, 1023], so that 2^k is a normal double and the result too. */
const EXP64_LO: f64 = -708.0;
const EXP64_HI: f64 = 709.0;

/** exp x for lanes in [−708, 709]. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function fastExp64(x: v128): v128 {
  let kd = f64x2.add(f64x2.mul(x, f64x2.splat(INV_LN2)), f64x2.splat(SHIFT64));
  let k = f64x2.sub(kd, f64x2.splat(SHIFT64));
  // The low bits of kd hold k (two's complement): k << 52 plus the bias is 2^k's bit pattern.
  let scale = i64x2.add(i64x2.shl(kd, 52), i64x2.splat(0x3ff0000000000000));
  let hi = f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI)));
  let lo = f64x2.mul(k, f64x2.splat(LN2_LO));
  let r = f64x2.sub(hi, lo);
  let t = f64x2.mul(r, r);
  let p = f64x2.add(f64x2.splat(P4), f64x2.mul(t, f64x2.splat(P5)));
  p = f64x2.add(f64x2.splat(P3), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P2), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P1), f64x2.mul(t, p));
  let c = f64x2.sub(r, f64x2.mul(t, p));
  let q = f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2.0), c));
  let y = f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, q), hi));
  return f64x2.mul(y, scale);
}

/** True when every lane is in fastExp64's domain. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function expDomain64(x: v128): bool {
  return i64x2.all_true(v128.and(f64x2.ge(x, f64x2.splat(EXP64_LO)), f64x2.le(x, f64x2.splat(EXP64_HI))));
}

// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function scalarExp64(x: v128): v128 {
  return f64x2.replace_lane(f64x2.splat(Math.exp(f64x2.extract_lane(x, 0))), 1, Math.exp(f64x2.extract_lane(x, 1)));
}

/** exp x for every lane (subnormal results, overflow to ∞, −∞ → 0, NaN → NaN on the scalar path). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function exp64(x: v128): v128 {
  return expDomain64(x) ? fastExp64(x) : scalarExp64(x);
}

// ---- f32x4 log: fdlibm e_logf.c (musl's coefficients) -----------------------------------------
const LGF1: f32 = 0.66666662693; // 0xaaaaaa.0p-24
const LGF2: f32 = 0.40000972152; // 0xccce13.0p-25
const LGF3: f32 = 0.28498786688; // 0x91e9ee.0p-25
const LGF4: f32 = 0.24279078841; // 0xf89e26.0p-26
const LN2F_HI: f32 = 6.9313812256e-01;
const LN2F_LO: f32 = 9.0580006145e-06;

/** log x for lanes in [2^-126, ∞). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function fastLog32(x: v128): v128 {
  let ix = i32x4.add(x, i32x4.splat(0x3f800000 - 0x3f3504f3));
  let k = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_s(ix, 23), i32x4.splat(127)));
  let m = i32x4.add(v128.and(ix, i32x4.splat(0x007fffff)), i32x4.splat(0x3f3504f3));
  let f = f32x4.sub(m, f32x4.splat(1.0));
  let s = f32x4.div(f, f32x4.add(f32x4.splat(2.0), f));
  let z = f32x4.mul(s, s);
  let w = f32x4.mul(z, z);
  let t1 = f32x4.mul(w, f32x4.add(f32x4.splat(LGF2), f32x4.mul(w, f32x4.splat(LGF4))));
  let t2 = f32x4.mul(z, f32x4.add(f32x4.splat(LGF1), f32x4.mul(w, f32x4.splat(LGF3))));
  let r = f32x4.add(t2, t1);
  let hfsq = f32x4.mul(f32x4.splat(0.5), f32x4.mul(f, f));
  // s·(hfsq + R) + k·ln2_lo − hfsq + f + k·ln2_hi
  let a = f32x4.add(f32x4.mul(s, f32x4.add(hfsq, r)), f32x4.mul(k, f32x4.splat(LN2F_LO)));
  return f32x4.add(f32x4.add(f32x4.sub(a, hfsq), f), f32x4.mul(k, f32x4.splat(LN2F_HI)));
}

/** True when every lane is in fastLog32's domain. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function logDomain32(x: v128): bool {
  return logDomain32x2(x, x);
}

/**
 * True when every lane of a and b is in fastLog32's domain: bit patterns 0x00800000 (2^-126) to
 * 0x7f7fffff (the largest finite f32), i.e. bits − 0x00800000 below 0x7f000000 unsigned.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function logDomain32x2(a: v128, b: v128): bool {
  let lo = i32x4.splat(0x00800000);
  let top = i32x4.max_u(i32x4.sub(a, lo), i32x4.sub(b, lo));
  return i32x4.all_true(i32x4.lt_u(top, i32x4.splat(0x7f000000)));
}

// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function scalarLog32(x: v128): v128 {
  let v = f32x4.splat(<f32>Math.log(<f64>f32x4.extract_lane(x, 0)));
  v = f32x4.replace_lane(v, 1, <f32>Math.log(<f64>f32x4.extract_lane(x, 1)));
  v = f32x4.replace_lane(v, 2, <f32>Math.log(<f64>f32x4.extract_lane(x, 2)));
  return f32x4.replace_lane(v, 3, <f32>Math.log(<f64>f32x4.extract_lane(x, 3)));
}

/** log x for every f32 lane. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function log32(x: v128): v128 {
  return logDomain32(x) ? fastLog32(x) : scalarLog32(x);
}

// ---- f32x4 exp: Cephes expf ---------------------------------------------------------------------
// k = round(x·log2 e), r = x − k·C1 − k·C2 (C1 + C2 = ln 2, C1 with few bits so k·C1 is exact),
// exp(r) = 1 + r + r²·P(r), scaled by 2^k through the exponent bits.
const LOG2EF: f32 = 1.44269504088896341;
const C1: f32 = 0.693359375;
const C2: f32 = -2.12194440e-4;
const Q0: f32 = 1.9875691500e-4;
const Q1: f32 = 1.3981999507e-3;
const Q2: f32 = 8.3334519073e-3;
const Q3: f32 = 4.1665795894e-2;
const Q4: f32 = 1.6666665459e-1;
const Q5: f32 = 5.0000001201e-1;
// 1.5·2^23: adding it rounds to an integer held in the low mantissa bits.
const SHIFT32: f32 = 12582912.0;
/** exp32's fast domain: k in [−125, 127] with exp(r) in [√2/2, √2], so 2^k·exp(r) is normal. */
export const EXP32_LO: f32 = -86.0;
const EXP32_HI: f32 = 88.0;

/** exp x for lanes in [−86, 88]. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function fastExp32(x: v128): v128 {
  let kf = f32x4.add(f32x4.mul(x, f32x4.splat(LOG2EF)), f32x4.splat(SHIFT32));
  let k = f32x4.sub(kf, f32x4.splat(SHIFT32));
  let r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, f32x4.splat(C1))), f32x4.mul(k, f32x4.splat(C2)));
  let z = f32x4.mul(r, r);
  let p = f32x4.add(f32x4.mul(f32x4.splat(Q0), r), f32x4.splat(Q1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(Q2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(Q3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(Q4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(Q5));
  let y = f32x4.add(f32x4.add(f32x4.mul(p, z), r), f32x4.splat(1.0));
  // kf's low bits hold k: k << 23 added to y's bits multiplies y by 2^k.
  return i32x4.add(y, i32x4.shl(kf, 23));
}

/**
 * fastExp32 with its constants passed in (EXP32_K's vectors, loaded into locals before a loop:
 * V8 11.3 rebuilds an inline SIMD constant at each use), the polynomial in Estrin form.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function expf(
  x: v128, log2e: v128, shift: v128, c1: v128, c2: v128,
  q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, one: v128,
): v128 {
  let kf = f32x4.add(f32x4.mul(x, log2e), shift);
  let k = f32x4.sub(kf, shift);
  let r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, c1)), f32x4.mul(k, c2));
  return i32x4.add(expPoly32(r, q0, q1, q2, q3, q4, q5, one), i32x4.shl(kf, 23));
}

/**
 * expf of x + c, c a correction below half x's ulp (the rounding error of x as a difference,
 * subErr32), taken into the reduced argument: r = (x − k·C1) − (k·C2 − c), whose one rounding is
 * expf's own (x − k·C1 is exact). The same cost as expf plus one subtraction, and no rounding of
 * its own, where exp(x)·(1 + c) after expf rounds once more (up to half an ulp of the result).
 * A lane where c is NaN (x = −∞) gives NaN.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function expfc(
  x: v128, c: v128, log2e: v128, shift: v128, c1: v128, c2: v128,
  q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, one: v128,
): v128 {
  let kf = f32x4.add(f32x4.mul(x, log2e), shift);
  let k = f32x4.sub(kf, shift);
  let r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, c1)), f32x4.sub(f32x4.mul(k, c2), c));
  return i32x4.add(expPoly32(r, q0, q1, q2, q3, q4, q5, one), i32x4.shl(kf, 23));
}

/**
 * exp(r) = 1 + r + r²·P(r) for f32 lanes with |r| ≤ ln 2/2, P Cephes' expf polynomial in Estrin
 * form (`q0` … `q5`, `one`: EXP32_K's vectors 4 to 10).
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function expPoly32(r: v128, q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, one: v128): v128 {
  let z = f32x4.mul(r, r);
  let z2 = f32x4.mul(z, z);
  let pa = f32x4.add(f32x4.mul(q0, r), q1);
  let pb = f32x4.add(f32x4.mul(q2, r), q3);
  let pc = f32x4.add(f32x4.mul(q4, r), q5);
  let p = f32x4.add(f32x4.add(f32x4.mul(pa, z2), f32x4.mul(pb, z)), pc);
  return f32x4.add(f32x4.add(f32x4.mul(p, z), r), one);
}

/**
 * exp(r) = 1 + r + r²·P(r) for f32 lanes with |r| ≤ ln 2/2, P of degree 4: our minimax fit of
 * exp's relative error with f32 coefficients (scripts/gen-exp32.py, which checks it; `p0` …
 * `p4`, `one`: EXP32_P's vectors and 1). Its own error is 0.03 f32 ulp, so the f32 evaluation's
 * roundings decide: worst 0.845 ulp over 4·10^7 arguments against Cephes' degree-5 P's 0.822, with
 * two operations and one constant fewer.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function expPoly32s(r: v128, p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, one: v128): v128 {
  let z = f32x4.mul(r, r);
  let pa = f32x4.add(f32x4.mul(p1, r), p0);
  let pb = f32x4.add(f32x4.mul(p3, r), p2);
  let p = f32x4.add(f32x4.add(pa, f32x4.mul(pb, z)), f32x4.mul(p4, f32x4.mul(z, z)));
  return f32x4.add(f32x4.add(f32x4.mul(p, z), r), one);
}

/**
 * exp(x − cn) with expPoly32s, cn a correction below half x's ulp given negated (the rounding
 * error of x as a difference, negated: a Fast2Sum's comes out so at no cost), taken into the
 * reduced argument as expfc's: r = (x − k·C1) − (k·C2 + cn).
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function expfs(
  x: v128, cn: v128, log2e: v128, shift: v128, c1: v128, c2: v128,
  p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, one: v128,
): v128 {
  let kf = f32x4.add(f32x4.mul(x, log2e), shift);
  let k = f32x4.sub(kf, shift);
  let r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, c1)), f32x4.add(f32x4.mul(k, c2), cn));
  return i32x4.add(expPoly32s(r, p0, p1, p2, p3, p4, one), i32x4.shl(kf, 23));
}

/** expPoly32s's coefficients P0 … P4 (f32 bit patterns), each splatted: 5 vectors. */
export const EXP32_P: usize = memory.data<u32>([
  0x3efffffe, 0x3efffffe, 0x3efffffe, 0x3efffffe, 0x3e2aaa49, 0x3e2aaa49, 0x3e2aaa49, 0x3e2aaa49,
  0x3d2aac56, 0x3d2aac56, 0x3d2aac56, 0x3d2aac56, 0x3c091cbc, 0x3c091cbc, 0x3c091cbc, 0x3c091cbc,
  0x3ab52875, 0x3ab52875, 0x3ab52875, 0x3ab52875,
], 16);

/** expf's constants, 11 splatted vectors: log2 e, 1.5·2^23, C1, C2, Q0 … Q5, 1. */
export const EXP32_K: usize = memory.data<f32>([
  LOG2EF, LOG2EF, LOG2EF, LOG2EF, SHIFT32, SHIFT32, SHIFT32, SHIFT32, C1, C1, C1, C1, C2, C2, C2, C2,
  Q0, Q0, Q0, Q0, Q1, Q1, Q1, Q1, Q2, Q2, Q2, Q2, Q3, Q3, Q3, Q3, Q4, Q4, Q4, Q4, Q5, Q5, Q5, Q5,
  1.0, 1.0, 1.0, 1.0,
], 16);

/** True when every lane is in fastExp32's domain. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function expDomain32(x: v128): bool {
  return i32x4.all_true(v128.and(f32x4.ge(x, f32x4.splat(EXP32_LO)), f32x4.le(x, f32x4.splat(EXP32_HI))));
}

// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function scalarExp32(x: v128): v128 {
  let v = f32x4.splat(<f32>Math.exp(<f64>f32x4.extract_lane(x, 0)));
  v = f32x4.replace_lane(v, 1, <f32>Math.exp(<f64>f32x4.extract_lane(x, 1)));
  v = f32x4.replace_lane(v, 2, <f32>Math.exp(<f64>f32x4.extract_lane(x, 2)));
  return f32x4.replace_lane(v, 3, <f32>Math.exp(<f64>f32x4.extract_lane(x, 3)));
}

/** exp x for every f32 lane. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function exp32(x: v128): v128 {
  return expDomain32(x) ? fastExp32(x) : scalarExp32(x);
}

/** The low two f32 lanes of x, widened to f64x2. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function lo64(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

/** The high two f32 lanes of x, widened to f64x2. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function hi64(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<u32>(x, x, 2, 3, 2, 3));
}

/** Two elements i, i+1 as f64x2 (f32 elements are widened exactly). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function load2<T>(ptr: usize, i: usize): v128 {
  if (sizeof<T>() == 8) return v128.load(ptr + (i << 3));
  return f64x2.promote_low_f32x4(v128.load64_zero(ptr + (i << 2)));
}


// ---- element access shared by the kernels ------------------------------------------------------

/** Element i of a T array at ptr, as f64 (f32 widened exactly). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function at<T>(ptr: usize, i: usize): f64 {
  return <f64>load<T>(ptr + (i << alignof<T>()));
}

/** Element i of an f64 array at ptr (per-row and per-column arrays are f64). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function f64at(ptr: usize, i: usize): f64 {
  return load<f64>(ptr + (i << 3));
}

// The two-lane loss kernels take elements two at a time; a row's odd last element goes through
// the same code with its value in both lanes (`last`), and only lane 0 is kept, so that each
// formula is written once.

/** Elements i, i+1 as f64x2, or element i in both lanes when `last`. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function pair<T>(ptr: usize, i: usize, last: bool): v128 {
  return last ? f64x2.splat(at<T>(ptr, i)) : load2<T>(ptr, i);
}

/**
 * Stores both f64 lanes at elements i, i+1 of a T array (an output in the kernel's element type:
 * f32 lanes rounded once), or lane 0 alone at i when `last`.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function storePair<T>(ptr: usize, i: usize, v: v128, last: bool): void {
  if (sizeof<T>() == 8) {
    if (last) store<f64>(ptr + (i << 3), f64x2.extract_lane(v, 0));
    else v128.store(ptr + (i << 3), v);
  } else {
    if (last) store<f32>(ptr + (i << 2), <f32>f64x2.extract_lane(v, 0));
    else v128.store64_lane(ptr + (i << 2), f32x4.demote_f64x2_zero(v), 0);
  }
}

/** Both lanes, or lane 0 alone (lane 1 zeroed) when `last`, for adding into a sum. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function kept(v: v128, last: bool): v128 {
  return last ? f64x2.replace_lane(v, 1, 0) : v;
}

/** The sum of the two lanes. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function addLanes(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * log1p(z) for two lanes with z ≥ −1: Goldberg's u = 1 + z, log1p(z) = log(u)·z/(u − 1) (z itself
 * where u rounds to 1), within a few ulp; log64 takes u = 0 (z = −1, giving −∞) on its scalar path.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function log1p64(z: v128): v128 {
  let one = f64x2.splat(1.0);
  let u = f64x2.add(one, z);
  let q = f64x2.div(f64x2.mul(log64(u), z), f64x2.sub(u, one));
  return v128.bitselect(z, q, f64x2.eq(u, one));
}

// ---- exact differences (TwoSum) ------------------------------------------------------------------
// exp(x − m) of a rounded difference is off by |x − m|·2^-53 relative (2^-24 in f32): 340 ulp at a
// gap of 600. Carrying the difference's rounding error c into the exp, exp(s)·(1 + c), removes it.

/** The rounding error of s = fl(a − b), exactly: a − b = s + subErr(a, b, s) (Knuth's TwoSum). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function subErr(a: f64, b: f64, s: f64): f64 {
  let t = s - a;
  return (a - (s - t)) - (b + t);
}

/** subErr for f64x2 lanes. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function subErr64(a: v128, b: v128, s: v128): v128 {
  let t = f64x2.sub(s, a);
  return f64x2.sub(f64x2.sub(a, f64x2.sub(s, t)), f64x2.add(b, t));
}

/** subErr for f32x4 lanes. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function subErr32(a: v128, b: v128, s: v128): v128 {
  let t = f32x4.sub(s, a);
  return f32x4.sub(f32x4.sub(a, f32x4.sub(s, t)), f32x4.add(b, t));
}

/** subErr32 negated: (b + t) − (a − (s − t)), as cheap. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline export function subErrNeg32(a: v128, b: v128, s: v128): v128 {
  let t = f32x4.sub(s, a);
  return f32x4.sub(f32x4.add(b, t), f32x4.sub(a, f32x4.sub(s, t)));
}

/** exp(a − b) with the rounding of a − b carried into it (a few ulp of the exact value). */
export function expDiff(a: f64, b: f64): f64 {
  let s = a - b;
  let e = Math.exp(s);
  let c = subErr(a, b, s);
  return c - c == 0 ? e + e * c : e; // c is NaN where a or b is infinite
}
