// float16 → f32 / f64, in place in a scratch slot: the glue (src/kernels/wasm.ts) copies a
// block's float16 bits to the start of the slot, and widenHalf turns them into the f32 (or f64)
// elements the kernel reads from the same slot. It runs from the end of the block to its start,
// so that no element is overwritten before it is read (element i's bits are at 2i, its wider
// value at 4i or 8i, which only overlaps the bits of elements ≥ i/2 … already read).
//
// The conversion is exact: the bits shifted into an f32's place, (h & 0x7fff) << 13, read as an
// f32 and multiplied by 2^112, give the value of every finite float16, subnormals included (the
// product rescales the exponent bias from 15 to 127 and normalises a subnormal's significand);
// exponent 31 (±∞, NaN) is given exponent 255 with the same significand (a NaN stays a NaN);
// the sign is put back last.

// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function widen4(h: v128, scale: v128, mag: v128, expMask: v128, f32Exp: v128): v128 {
  let m = v128.and(h, mag); // |h| bits
  let v = f32x4.mul(i32x4.shl(m, 13), scale);
  let special = i32x4.ge_u(m, expMask); // exponent 31: ±∞ or NaN
  v = v128.bitselect(v128.or(i32x4.shl(m, 13), f32Exp), v, special);
  return v128.or(v, i32x4.shl(v128.andnot(h, mag), 16)); // the sign bit, 0x8000 → 0x80000000
}

// @ts-ignore: decorator
@inline export function widen1(h: u32): f32 {
  let m = h & 0x7fff;
  let v = reinterpret<f32>(m << 13) * reinterpret<f32>(0x77800000); // 2^112
  if (m >= 0x7c00) v = reinterpret<f32>((m << 13) | 0x7f800000);
  return reinterpret<f32>(reinterpret<u32>(v) | ((h & 0x8000) << 16));
}

/** Widens the n float16 values at ptr (bits) into f32 (toF64 false) or f64 values at ptr. */
export function widenHalf(ptr: usize, n: i32, toF64: bool): void {
  let i = n;
  let scale = f32x4.splat(reinterpret<f32>(0x77800000));
  let mag = i32x4.splat(0x7fff);
  let expMask = i32x4.splat(0x7c00);
  let f32Exp = i32x4.splat(0x7f800000);
  // the tail first (it is the end of the block), one at a time, down to a multiple of 8
  while (i & 7) {
    i--;
    let v = widen1(<u32>load<u16>(ptr + (<usize>i << 1)));
    if (toF64) store<f64>(ptr + (<usize>i << 3), <f64>v);
    else store<f32>(ptr + (<usize>i << 2), v);
  }
  let exp16 = i16x8.splat(0x7c00), zero = i16x8.splat(0);
  let keep = i32x4.splat(0x8fffe000), bias = i32x4.splat(0x38000000);
  while (i > 0) {
    i -= 8;
    let h = v128.load(ptr + (<usize>i << 1)); // 8 × u16, read before anything at ≥ 4i is written
    let a: v128, b: v128;
    let e = v128.and(h, exp16);
    if (!v128.any_true(v128.or(i16x8.eq(e, zero), i16x8.eq(e, exp16)))) {
      // eight normal values (the usual logits): sign-extended and shifted, the sign lands in bit
      // 31 and the rest in bits 13–27 (bits 28–30, copies of the sign, cleared); adding 112 to
      // the exponent rebiases it (15 → 127) with no multiply, whose subnormal operands would cost
      // a slow path on x86
      a = i32x4.add(v128.and(i32x4.shl(i32x4.extend_low_i16x8_s(h), 13), keep), bias);
      b = i32x4.add(v128.and(i32x4.shl(i32x4.extend_high_i16x8_s(h), 13), keep), bias);
    } else {
      // a zero, subnormal, ±∞ or NaN among them
      a = widen4(i32x4.extend_low_i16x8_u(h), scale, mag, expMask, f32Exp);
      b = widen4(i32x4.extend_high_i16x8_u(h), scale, mag, expMask, f32Exp);
    }
    if (toF64) {
      let p = ptr + (<usize>i << 3);
      v128.store(p, f64x2.promote_low_f32x4(a));
      v128.store(p, f64x2.promote_low_f32x4(i8x16.shuffle(a, a, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), 16);
      v128.store(p, f64x2.promote_low_f32x4(b), 32);
      v128.store(p, f64x2.promote_low_f32x4(i8x16.shuffle(b, b, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)), 48);
    } else {
      let p = ptr + (<usize>i << 2);
      v128.store(p, a);
      v128.store(p, b, 16);
    }
  }
}

/**
 * Elements 0–3 (low) or 4–7 of eight finite float16 values h (bits) as f32, zeros and subnormals
 * included: each f32's low half, h << 13, and high half, the sign and h's other bits >> 3
 * (keep = 0x8fff clears the sign's copies), interleaved, times 2^112 (scale), which rebiases the
 * exponent and normalises a subnormal (exact: the product is a normal f32). Not for ±∞ or NaN.
 */
// @ts-ignore: decorator
@inline export function halfLow8(h: v128, keep: v128, scale: v128): v128 {
  let u = v128.and(i16x8.shr_s(h, 3), keep);
  return f32x4.mul(i8x16.shuffle(i16x8.shl(h, 13), u, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), scale);
}

// @ts-ignore: decorator
@inline export function halfHigh8(h: v128, keep: v128, scale: v128): v128 {
  let u = v128.and(i16x8.shr_s(h, 3), keep);
  return f32x4.mul(i8x16.shuffle(i16x8.shl(h, 13), u, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), scale);
}

/**
 * The largest and least of the float16 values at x[start … end) (bits), as f32: the largest
 * returned, the least in halfLeast; NaN when one of them is +∞ or NaN (as rowMax32). Compared as
 * i16 keys, the bits with the magnitude flipped where the sign is set (h ^ 0x7fff): ordered as the
 * values are, −0 just below +0 (which compare equal as values either way), −∞ (0x83ff) below every
 * number, a negative NaN below −∞, +∞ (0x7c00) above every number, a positive NaN above +∞.
 */
export function rowMaxHalf(x: usize, start: usize, end: usize): f32 {
  let hi = i16x8.splat(-32768), lo = i16x8.splat(32767);
  let i = start;
  let hi2 = hi, lo2 = lo;
  for (; i + 16 <= end; i += 16) {
    let h = v128.load(x + (i << 1)), h2 = v128.load(x + (i << 1), 16);
    let k = v128.xor(h, i16x8.shr_u(i16x8.shr_s(h, 15), 1));
    let k2 = v128.xor(h2, i16x8.shr_u(i16x8.shr_s(h2, 15), 1));
    hi = i16x8.max_s(hi, k);
    lo = i16x8.min_s(lo, k);
    hi2 = i16x8.max_s(hi2, k2);
    lo2 = i16x8.min_s(lo2, k2);
  }
  hi = i16x8.max_s(hi, hi2);
  lo = i16x8.min_s(lo, lo2);
  // the lanes folded: halves, quarters, pairs
  hi = i16x8.max_s(hi, i8x16.shuffle(hi, hi, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  lo = i16x8.min_s(lo, i8x16.shuffle(lo, lo, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  hi = i16x8.max_s(hi, i8x16.shuffle(hi, hi, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3));
  lo = i16x8.min_s(lo, i8x16.shuffle(lo, lo, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3));
  let top = max(<i32>i16x8.extract_lane_s(hi, 0), <i32>i16x8.extract_lane_s(hi, 1));
  let least = min(<i32>i16x8.extract_lane_s(lo, 0), <i32>i16x8.extract_lane_s(lo, 1));
  for (; i < end; i++) {
    let h = <i32>load<i16>(x + (i << 1));
    let k = h ^ ((h >> 15) & 0x7fff);
    top = max(top, k);
    least = min(least, k);
  }
  // the key's flip undone: the same xor
  halfLeast = widen1(<u32>(least ^ ((least >> 15) & 0x7fff)) & 0xffff);
  if (top >= 0x7c00 || least < -31745) return NaN; // +∞ or a NaN of either sign
  return widen1(<u32>(top ^ ((top >> 15) & 0x7fff)) & 0xffff);
}

/** The least value rowMaxHalf last found (meaningful when it returned a number). */
export let halfLeast: f32 = 0;
