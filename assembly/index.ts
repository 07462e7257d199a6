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

import { fastLog32, fastLog64, hi64, lo64, load2, logDomain32x2, logDomain64 } from './vmath';
import { at, bceLogitsRows, bceRows, klDivRows, lseRows32, lseRows64, softDotRows, softmaxGradRows, softmaxRows } from './losses';

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
  // p and q are ≥ 0 or NaN here (a NaN input was rejected; NaN arises from normalising a row
  // holding ∞, ∞·0): 0·log(·) is 0, and NaN propagates, as in SciPy.
  if (kind == ENTROPY) return p == 0 ? 0 : -p * Math.log(p);
  if (kind == CROSS) return p == 0 ? 0 : -p * Math.log(q);
  if (kind == KL) {
    if (p == 0) return 0;
    return q == 0 ? Infinity : xlogRatio(p, q);
  }
  // JS: m ≥ p/2 and m ≥ q/2, so each part is finite for finite inputs.
  let m = 0.5 * p + 0.5 * q;
  let t: f64 = 0;
  if (p != 0) t += xlogRatio(p, m);
  if (q != 0) t += xlogRatio(q, m);
  return 0.5 * t;
}


/** x, with lanes where `zero` is 0 replaced by 1 (so that their log is 0, and p·log(·) is 0). */
// @ts-ignore: decorator
@inline function unitWhereZero(x: v128, zero: v128): v128 {
  return v128.bitselect(f64x2.splat(1.0), x, f64x2.eq(zero, f64x2.splat(0.0)));
}

// A module-level flag set by `vterms` when a vector needs the scalar path.
let special: bool = false;

/**
 * term(kind, p, q) for two lanes at once. Zeros of p are handled in the vector path; any other
 * value outside fastLog64's domain sets `special`, and the caller recomputes both lanes with `term`.
 */
// @ts-ignore: decorator
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
// @ts-ignore: decorator
@inline function sterms(kind: i32, p: v128, q: v128): v128 {
  let t0 = term(kind, f64x2.extract_lane(p, 0), f64x2.extract_lane(q, 0));
  let t1 = term(kind, f64x2.extract_lane(p, 1), f64x2.extract_lane(q, 1));
  return f64x2.replace_lane(f64x2.splat(t0), 1, t1);
}

// Set by scalarTerms when an element it reads is negative or NaN (reset by each rowTerms call).
let badElement: bool = false;

/**
 * Σ term(kind, p[j]·ip, q[j]·iq) over j in [from, to), in f64, reading q only when `hasQ`: the
 * scalar path of both rowTerms kernels (row tails, and vectors with a special lane). Sets
 * `badElement` for an element that is negative or NaN.
 */
// @ts-ignore: decorator
@inline function scalarTerms<T>(kind: i32, hasQ: bool, p: usize, q: usize, from: usize, to: usize, ip: f64, iq: f64): f64 {
  let s: f64 = 0;
  for (let j = from; j < to; j++) {
    let pj = at<T>(p, j);
    let qj: f64 = 0;
    if (hasQ) {
      qj = at<T>(q, j);
      if (!(qj >= 0)) badElement = true;
    }
    if (!(pj >= 0)) badElement = true;
    s += term(kind, pj * ip, qj * iq);
  }
  return s;
}

/** Elements summed into a block's partial sums before the block joins the row total. */
const BLOCK: usize = 64;

/**
 * For each of `rows` rows of `classes` elements, out[r] = Σ term(kind, p·sp[r], q·sq[r]).
 * `sp` = 0 means no scaling (sp, sq: one f64 per row). Returns 1 if any element of p (or q, unless
 * kind is ENTROPY) is negative or NaN, else 0. Inlined into one copy per (kind, element type), so
 * that `kind` is a constant in each loop.
 *
 * Sums are blocked: four partial sums (two f64x2 accumulators, a short dependency chain) over
 * BLOCK elements, then the block joins the row total, so rounding grows with BLOCK/4 + n/BLOCK
 * rather than n. f32 entropy and cross entropy take rowTerms32 instead.
 */
// @ts-ignore: decorator
@inline function rowTerms<T>(kind: i32, p: usize, q: usize, rows: i32, classes: i32, sp: usize, sq: usize, out: usize): i32 {
  let zero = f64x2.splat(0.0);
  let ok = i64x2.splat(-1); // lanes stay all-ones while every element read is ≥ 0
  let hasQ = kind != ENTROPY;
  badElement = false;
  for (let r = 0; r < rows; r++) {
    let ip: f64 = 1, iq: f64 = 1;
    if (sp) {
      ip = load<f64>(sp + (<usize>r << 3));
      iq = load<f64>(sq + (<usize>r << 3));
    }
    let vip = f64x2.splat(ip), viq = f64x2.splat(iq);
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
        if (sp) {
          p0 = f64x2.mul(p0, vip);
          p1 = f64x2.mul(p1, vip);
          q0 = f64x2.mul(q0, viq);
          q1 = f64x2.mul(q1, viq);
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
    let tail = scalarTerms<T>(kind, hasQ, p, q, i, end, ip, iq);
    store<f64>(out + (<usize>r << 3), f64x2.extract_lane(total, 0) + f64x2.extract_lane(total, 1) + tail);
  }
  return i64x2.all_true(ok) && !badElement ? 0 : 1;
}

/**
 * rowTerms for f32 data and kind ENTROPY or CROSS: the log in f32x4 (fastLog32, < 1 ulp), the
 * product p·log(·) rounded to f32 once, and the sum in f64 (each f32x4 of terms widened and added
 * to f64x2 accumulators, blocked as in rowTerms: widening per term rather than summing blocks in
 * f32 measured no slower here, and keeps each term within 1.5 f32 ulp). Vectors with a special
 * lane (q zero, subnormal, ∞, NaN, negative) are summed through `term` in f64.
 */
// @ts-ignore: decorator
@inline function rowTerms32(kind: i32, p: usize, q: usize, rows: i32, classes: i32, sp: usize, sq: usize, out: usize): i32 {
  let zero = f64x2.splat(0.0);
  let zero32 = f32x4.splat(0.0);
  let ok = i32x4.splat(-1);
  let cross = kind == CROSS;
  badElement = false;
  for (let r = 0; r < rows; r++) {
    let ip: f64 = 1, iq: f64 = 1;
    if (sp) {
      ip = load<f64>(sp + (<usize>r << 3));
      iq = load<f64>(sq + (<usize>r << 3));
    }
    let vip = f32x4.splat(<f32>ip), viq = f32x4.splat(<f32>iq);
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
        if (sp) {
          p0 = f32x4.mul(p0, vip);
          p1 = f32x4.mul(p1, vip);
          a0 = f32x4.mul(a0, cross ? viq : vip);
          a1 = f32x4.mul(a1, cross ? viq : vip);
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
          // Scalar terms in f64 from the unscaled elements (as rowTerms does).
          s0 = f64x2.add(s0, f64x2.replace_lane(zero, 0, scalarTerms<f32>(kind, cross, p, q, i, i + 8, ip, iq)));
        }
      }
      total = f64x2.add(total, f64x2.add(s0, s1));
    }
    let tail = scalarTerms<f32>(kind, cross, p, q, i, end, ip, iq);
    store<f64>(out + (<usize>r << 3), f64x2.extract_lane(total, 0) + f64x2.extract_lane(total, 1) + tail);
  }
  return i32x4.all_true(ok) && !badElement ? 0 : 1;
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
  if (kind == ENTROPY) return rowTerms32(ENTROPY, p, q, rows, classes, sp, sq, out);
  if (kind == CROSS) return rowTerms32(CROSS, p, q, rows, classes, sp, sq, out);
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

export function lseRowsF64(x: usize, k: i32, len: i32, out: usize): void { lseRows64(x, k, len, out); }
export function lseRowsF32(x: usize, k: i32, len: i32, out: usize): void { lseRows32(x, k, len, out); }

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

// ---- zero-copy buffers (src/kernels/wasm.ts `buffers`) ---------------------------------------
// The heap is AssemblyScript's TLSF allocator (runtime "minimal"; nothing here is garbage
// collected: only the glue allocates, and it frees explicitly). Allocation is the only thing
// that can grow memory; kernels never allocate.

/** A 16-byte aligned block of `bytes` bytes, or a trap if memory cannot grow (the glue bounds sizes). */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}
