// xentropy WebAssembly kernels: raw pointers in, numbers out.
//
// The TypeScript glue (src/kernels/wasm.ts) copies typed arrays chunk by chunk into a fixed
// scratch region allocated once at start-up, calls these kernels, and reads results back.
// Nothing here validates options; the only check is the element test (negative or NaN),
// reported as a return flag so that the API layer can find and name the bad element.

/** Elements per array per chunk. */
export const CHUNK: i32 = 16384;

/** Scratch slots of 8·CHUNK bytes each; the glue (src/kernels/wasm.ts) lays them out. */
export const SLOTS: i32 = 16;
const SCRATCH_BYTES: usize = <usize>CHUNK * 8 * <usize>SLOTS;
const scratchBase: usize = heap.alloc(SCRATCH_BYTES);

export function scratch(): usize {
  return scratchBase;
}

import { at, bceLogitsRows, bceRows, klDivRows, lseRows, softDotRows, softmaxGradRows, softmaxRows } from './losses';

// Kinds of elementwise term; the numbering is shared with src/kernels/types.ts.
const ENTROPY: i32 = 0; // −p·log p
const CROSS: i32 = 1; //   −p·log q
const KL: i32 = 2; //      p·log(p/q)
const JS: i32 = 3; //      ½·(p·log(p/m) + q·log(q/m)), m = (p+q)/2

const MIN_NORMAL: f64 = 2.2250738585072014e-308;

// p·log(p/q) for p > 0, q > 0. The quotient is what SciPy's rel_entr uses; where it overflows
// or loses precision to underflow (q subnormal, or p/q subnormal) the difference of logs is exact
// enough and finite.
// @ts-ignore: decorator
@inline function xlogRatio(p: f64, q: f64): f64 {
  let r = p / q;
  if (r < MIN_NORMAL || r == Infinity) return p * (Math.log(p) - Math.log(q));
  return p * Math.log(r);
}

// @ts-ignore: decorator
@inline function term(kind: i32, p: f64, q: f64): f64 {
  if (kind == ENTROPY) return p > 0 ? -p * Math.log(p) : 0;
  if (kind == CROSS) return p > 0 ? -p * Math.log(q) : 0;
  if (kind == KL) {
    if (!(p > 0)) return 0;
    return q > 0 ? xlogRatio(p, q) : Infinity;
  }
  // JS: m ≥ p/2 and m ≥ q/2, so each part is finite for finite inputs.
  let m = 0.5 * p + 0.5 * q;
  let t: f64 = 0;
  if (p > 0) t += xlogRatio(p, m);
  if (q > 0) t += xlogRatio(q, m);
  return 0.5 * t;
}

// ---- f64x2 natural logarithm -------------------------------------------------------------
// fdlibm's e_log.c, lane-parallel: x = 2^k·m with m in [√2/2, √2), f = m − 1, s = f/(2+f),
// log x = k·ln2_hi − ((½f² − (s·(½f² + R(s²)) + k·ln2_lo)) − f). Error < 1 ulp. Valid for
// normal, positive, finite lanes only: callers test `allNormal` first and take the scalar
// path (Math.log) for any vector with a special lane (0, subnormal, ∞, NaN, negative).
const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;

// @ts-ignore: decorator
@inline function vlog(x: v128): v128 {
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

/** True when every lane is a normal, positive, finite number: vlog's domain. */
// @ts-ignore: decorator
@inline function allNormal(x: v128): bool {
  return i64x2.all_true(v128.and(f64x2.ge(x, f64x2.splat(MIN_NORMAL)), f64x2.lt(x, f64x2.splat(Infinity))));
}

/** x, with lanes where `zero` is 0 replaced by 1 (so that their log is 0, and p·log(·) is 0). */
// @ts-ignore: decorator
@inline function unitWhereZero(x: v128, zero: v128): v128 {
  return v128.bitselect(f64x2.splat(1.0), x, f64x2.eq(zero, f64x2.splat(0.0)));
}

/** Two elements i, i+1 as f64x2 (f32 elements are widened exactly). */
// @ts-ignore: decorator
@inline function load2<T>(ptr: usize, i: usize): v128 {
  if (sizeof<T>() == 8) return v128.load(ptr + (i << 3));
  return f64x2.promote_low_f32x4(v128.load64_zero(ptr + (i << 2)));
}

// A module-level flag set by `vterms` when a vector needs the scalar path.
let special: bool = false;

/**
 * term(kind, p, q) for two lanes at once. Zeros of p are handled in the vector path; any other
 * value outside vlog's domain sets `special`, and the caller recomputes both lanes with `term`.
 */
// @ts-ignore: decorator
@inline function vterms(kind: i32, p: v128, q: v128): v128 {
  if (kind == ENTROPY) {
    let a = unitWhereZero(p, p);
    special = !allNormal(a);
    return f64x2.neg(f64x2.mul(p, vlog(a)));
  }
  if (kind == CROSS) {
    special = !allNormal(q);
    return f64x2.neg(f64x2.mul(p, vlog(q))); // p = 0 gives −0·log q = 0
  }
  if (kind == KL) {
    let a = unitWhereZero(f64x2.div(p, q), p);
    special = !allNormal(q) || !allNormal(a);
    return f64x2.mul(p, vlog(a));
  }
  let m = f64x2.add(f64x2.mul(f64x2.splat(0.5), p), f64x2.mul(f64x2.splat(0.5), q));
  let a = unitWhereZero(f64x2.div(p, m), p);
  let b = unitWhereZero(f64x2.div(q, m), q);
  special = !allNormal(a) || !allNormal(b);
  return f64x2.mul(f64x2.splat(0.5), f64x2.add(f64x2.mul(p, vlog(a)), f64x2.mul(q, vlog(b))));
}

/** Two lanes through the scalar path. */
// @ts-ignore: decorator
@inline function sterms(kind: i32, p: v128, q: v128): v128 {
  let t0 = term(kind, f64x2.extract_lane(p, 0), f64x2.extract_lane(q, 0));
  let t1 = term(kind, f64x2.extract_lane(p, 1), f64x2.extract_lane(q, 1));
  return f64x2.replace_lane(f64x2.splat(t0), 1, t1);
}

/**
 * For each of `rows` rows of `classes` elements, out[r] = Σ term(kind, p·sp[r], q·sq[r]).
 * `sp` = 0 means no scaling (sp, sq: one f64 per row). Returns 1 if any element of p (or q, unless kind is ENTROPY) is
 * negative or NaN, else 0. Inlined into one copy per (kind, element type), so that `kind`
 * is a constant in each loop.
 */
// @ts-ignore: decorator
@inline function rowTerms<T>(kind: i32, p: usize, q: usize, rows: i32, classes: i32, sp: usize, sq: usize, out: usize): i32 {
  let zero = f64x2.splat(0.0);
  let ok = i64x2.splat(-1); // lanes stay all-ones while every element read is ≥ 0
  let hasQ = kind != ENTROPY;
  for (let r = 0; r < rows; r++) {
    let ip: f64 = 1, iq: f64 = 1;
    if (sp) {
      ip = load<f64>(sp + (<usize>r << 3));
      iq = load<f64>(sq + (<usize>r << 3));
    }
    let vip = f64x2.splat(ip), viq = f64x2.splat(iq);
    let i = <usize>r * <usize>classes;
    let end = i + <usize>classes;
    // Two independent f64x2 accumulators (four partial sums): a short dependency chain, and
    // sums whose rounding grows with n/4 rather than n.
    let s0 = zero, s1 = zero;
    for (; i + 4 <= end; i += 4) {
      let p0 = load2<T>(p, i), p1 = load2<T>(p, i + 2);
      let q0 = zero, q1 = zero;
      if (hasQ) {
        q0 = load2<T>(q, i);
        q1 = load2<T>(q, i + 2);
        ok = v128.and(ok, v128.and(f64x2.ge(q0, zero), f64x2.ge(q1, zero)));
      }
      ok = v128.and(ok, v128.and(f64x2.ge(p0, zero), f64x2.ge(p1, zero)));
      p0 = f64x2.mul(p0, vip);
      p1 = f64x2.mul(p1, vip);
      q0 = f64x2.mul(q0, viq);
      q1 = f64x2.mul(q1, viq);
      let t0 = vterms(kind, p0, q0);
      if (special) t0 = sterms(kind, p0, q0);
      let t1 = vterms(kind, p1, q1);
      if (special) t1 = sterms(kind, p1, q1);
      s0 = f64x2.add(s0, t0);
      s1 = f64x2.add(s1, t1);
    }
    let v = f64x2.add(s0, s1);
    let tail: f64 = 0;
    for (; i < end; i++) {
      let p0 = at<T>(p, i);
      let q0: f64 = 0;
      if (hasQ) {
        q0 = at<T>(q, i);
        if (!(q0 >= 0)) ok = zero;
      }
      if (!(p0 >= 0)) ok = zero;
      tail += term(kind, p0 * ip, q0 * iq);
    }
    store<f64>(out + (<usize>r << 3), f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1) + tail);
  }
  return i64x2.all_true(ok) ? 0 : 1;
}

/** out[r] = Σ of row r (for normalize). */
function rowSums<T>(p: usize, rows: i32, classes: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    let base = <usize>r * <usize>classes;
    let end = base + <usize>classes;
    let s0: f64 = 0, s1: f64 = 0;
    let i = base;
    for (; i + 1 < end; i += 2) {
      s0 += at<T>(p, i);
      s1 += at<T>(p, i + 1);
    }
    if (i < end) s0 += at<T>(p, i);
    store<f64>(out + (<usize>r << 3), s0 + s1);
  }
}

export function rowTermsF64(kind: i32, p: usize, q: usize, rows: i32, classes: i32, sp: usize, sq: usize, out: usize): i32 {
  if (kind == ENTROPY) return rowTerms<f64>(ENTROPY, p, q, rows, classes, sp, sq, out);
  if (kind == CROSS) return rowTerms<f64>(CROSS, p, q, rows, classes, sp, sq, out);
  if (kind == KL) return rowTerms<f64>(KL, p, q, rows, classes, sp, sq, out);
  return rowTerms<f64>(JS, p, q, rows, classes, sp, sq, out);
}

export function rowTermsF32(kind: i32, p: usize, q: usize, rows: i32, classes: i32, sp: usize, sq: usize, out: usize): i32 {
  if (kind == ENTROPY) return rowTerms<f32>(ENTROPY, p, q, rows, classes, sp, sq, out);
  if (kind == CROSS) return rowTerms<f32>(CROSS, p, q, rows, classes, sp, sq, out);
  if (kind == KL) return rowTerms<f32>(KL, p, q, rows, classes, sp, sq, out);
  return rowTerms<f32>(JS, p, q, rows, classes, sp, sq, out);
}

export function rowSumsF64(p: usize, rows: i32, classes: i32, out: usize): void {
  rowSums<f64>(p, rows, classes, out);
}

export function rowSumsF32(p: usize, rows: i32, classes: i32, out: usize): void {
  rowSums<f32>(p, rows, classes, out);
}

// ---- loss kernels (assembly/losses.ts), one export per element type --------------------------

export function lseRowsF64(x: usize, k: i32, len: i32, out: usize): void { lseRows<f64>(x, k, len, out); }
export function lseRowsF32(x: usize, k: i32, len: i32, out: usize): void { lseRows<f32>(x, k, len, out); }

export function softmaxRowsF64(x: usize, lse: usize, k: i32, len: i32, log: i32, out: usize): void { softmaxRows<f64>(x, lse, k, len, log, out); }
export function softmaxRowsF32(x: usize, lse: usize, k: i32, len: i32, log: i32, out: usize): void { softmaxRows<f32>(x, lse, k, len, log, out); }

export function softDotRowsF64(x: usize, t: usize, w: usize, lse: usize, b1: usize, b0: usize, k: i32, len: i32, loss: usize, mass: usize): void {
  softDotRows<f64>(x, t, w, lse, b1, b0, k, len, loss, mass);
}
export function softDotRowsF32(x: usize, t: usize, w: usize, lse: usize, b1: usize, b0: usize, k: i32, len: i32, loss: usize, mass: usize): void {
  softDotRows<f32>(x, t, w, lse, b1, b0, k, len, loss, mass);
}

export function softmaxGradRowsF64(x: usize, lse: usize, gm: usize, y: usize, gh: usize, t: usize, w: usize, gb1: usize, gb0: usize, k: i32, len: i32, off: i32, out: usize): void {
  softmaxGradRows<f64>(x, lse, gm, y, gh, t, w, gb1, gb0, k, len, off, out);
}
export function softmaxGradRowsF32(x: usize, lse: usize, gm: usize, y: usize, gh: usize, t: usize, w: usize, gb1: usize, gb0: usize, k: i32, len: i32, off: i32, out: usize): void {
  softmaxGradRows<f32>(x, lse, gm, y, gh, t, w, gb1, gb0, k, len, off, out);
}

export function bceRowsF64(x: usize, y: usize, w: usize, k: i32, len: i32, out: usize, sum: usize): i32 { return bceRows<f64>(x, y, w, k, len, out, sum); }
export function bceRowsF32(x: usize, y: usize, w: usize, k: i32, len: i32, out: usize, sum: usize): i32 { return bceRows<f32>(x, y, w, k, len, out, sum); }

export function bceLogitsRowsF64(x: usize, y: usize, w: usize, pw: usize, k: i32, len: i32, gs: f64, out: usize, grad: usize, sum: usize): void {
  bceLogitsRows<f64>(x, y, w, pw, k, len, gs, out, grad, sum);
}
export function bceLogitsRowsF32(x: usize, y: usize, w: usize, pw: usize, k: i32, len: i32, gs: f64, out: usize, grad: usize, sum: usize): void {
  bceLogitsRows<f32>(x, y, w, pw, k, len, gs, out, grad, sum);
}

export function klDivRowsF64(x: usize, t: usize, logTarget: i32, k: i32, len: i32, out: usize, sum: usize): void { klDivRows<f64>(x, t, logTarget, k, len, out, sum); }
export function klDivRowsF32(x: usize, t: usize, logTarget: i32, k: i32, len: i32, out: usize, sum: usize): void { klDivRows<f32>(x, t, logTarget, k, len, out, sum); }
