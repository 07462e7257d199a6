// xentropy WebAssembly kernels: raw pointers in, numbers out.
//
// The TypeScript glue (src/kernels/wasm.ts) copies typed arrays chunk by chunk into a fixed
// scratch region allocated once at start-up, calls these kernels, and reads results back.
// Nothing here validates options; the only check is the element test (negative or NaN),
// reported as a return flag so that the API layer can find and name the bad element.

/** Elements per array per chunk. */
export const CHUNK: i32 = 16384;

// Scratch layout (bytes from `scratch`):
//   P     [0,        8·CHUNK)   first operand  (f64 or f32 elements)
//   Q     [8·CHUNK,  16·CHUNK)  second operand (f64 or f32 elements)
//   OUT   [16·CHUNK, 24·CHUNK)  one f64 per row
//   SCALE [24·CHUNK, 40·CHUNK)  two f64 per row: 1/Σp, 1/Σq (normalize)
const SCRATCH_BYTES: usize = <usize>CHUNK * 40;
const scratchBase: usize = heap.alloc(SCRATCH_BYTES);

export function scratch(): usize {
  return scratchBase;
}

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

// @ts-ignore: decorator
@inline function elem<T>(ptr: usize, i: usize): f64 {
  return <f64>load<T>(ptr + (i << alignof<T>()));
}

/**
 * For each of `rows` rows of `classes` elements, out[r] = Σ term(kind, p·sp[r], q·sq[r]).
 * `sc` = 0 means no scaling. Returns 1 if any element of p (or q, unless kind is ENTROPY) is
 * negative or NaN, else 0.
 */
function rowTerms<T>(kind: i32, p: usize, q: usize, rows: i32, classes: i32, sc: usize, out: usize): i32 {
  let ok = true;
  let hasQ = kind != ENTROPY;
  for (let r = 0; r < rows; r++) {
    let ip: f64 = 1, iq: f64 = 1;
    if (sc) {
      ip = load<f64>(sc + (<usize>r << 4));
      iq = load<f64>(sc + (<usize>r << 4) + 8);
    }
    let base = <usize>r * <usize>classes;
    let end = base + <usize>classes;
    // Two independent accumulators: shorter dependency chain, and pairwise-ish rounding.
    let s0: f64 = 0, s1: f64 = 0;
    let i = base;
    for (; i + 1 < end; i += 2) {
      let p0 = elem<T>(p, i), p1 = elem<T>(p, i + 1);
      let q0: f64 = 0, q1: f64 = 0;
      if (hasQ) {
        q0 = elem<T>(q, i);
        q1 = elem<T>(q, i + 1);
        ok = ok & (q0 >= 0) & (q1 >= 0);
      }
      ok = ok & (p0 >= 0) & (p1 >= 0);
      s0 += term(kind, p0 * ip, q0 * iq);
      s1 += term(kind, p1 * ip, q1 * iq);
    }
    if (i < end) {
      let p0 = elem<T>(p, i);
      let q0: f64 = 0;
      if (hasQ) {
        q0 = elem<T>(q, i);
        ok = ok & (q0 >= 0);
      }
      ok = ok & (p0 >= 0);
      s0 += term(kind, p0 * ip, q0 * iq);
    }
    store<f64>(out + (<usize>r << 3), s0 + s1);
  }
  return ok ? 0 : 1;
}

/** out[r] = Σ of row r (for normalize). */
function rowSums<T>(p: usize, rows: i32, classes: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    let base = <usize>r * <usize>classes;
    let end = base + <usize>classes;
    let s0: f64 = 0, s1: f64 = 0;
    let i = base;
    for (; i + 1 < end; i += 2) {
      s0 += elem<T>(p, i);
      s1 += elem<T>(p, i + 1);
    }
    if (i < end) s0 += elem<T>(p, i);
    store<f64>(out + (<usize>r << 3), s0 + s1);
  }
}

export function rowTermsF64(kind: i32, p: usize, q: usize, rows: i32, classes: i32, sc: usize, out: usize): i32 {
  return rowTerms<f64>(kind, p, q, rows, classes, sc, out);
}

export function rowTermsF32(kind: i32, p: usize, q: usize, rows: i32, classes: i32, sc: usize, out: usize): i32 {
  return rowTerms<f32>(kind, p, q, rows, classes, sc, out);
}

export function rowSumsF64(p: usize, rows: i32, classes: i32, out: usize): void {
  rowSums<f64>(p, rows, classes, out);
}

export function rowSumsF32(p: usize, rows: i32, classes: i32, out: usize): void {
  rowSums<f32>(p, rows, classes, out);
}
