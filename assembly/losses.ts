// Loss kernels: rows × len blocks of row-major data; per-row parameters and results are f64.
// `off` is the column of the block's first element within its row (a row longer than the
// glue's chunk arrives in pieces). Pointers that are 0 mean "absent".

import { exp64, EXP32_LO, fastExp32, fastExp64, hi64, lo64, load2, log64 } from './vmath';

/** Element i of a T array at ptr, as f64 (f32 widened exactly). Shared with index.ts. */
// @ts-ignore: decorator
@inline export function at<T>(ptr: usize, i: usize): f64 {
  return <f64>load<T>(ptr + (i << alignof<T>()));
}

// @ts-ignore: decorator
@inline function f64at(ptr: usize, i: usize): f64 {
  return load<f64>(ptr + (i << 3));
}

/**
 * log Σ exp over n elements from element i, in one read: a running max m and a sum s of
 * exp(x − m), rescaled when the max grows. Equal values (±∞ included) add exp(0) = 1 without
 * forming ∞ − ∞, so a row of −∞ gives −∞ and a row holding +∞ gives +∞ (PyTorch's logsumexp);
 * NaN propagates. The scalar path: short rows, tails, and rows holding +∞ or NaN.
 */
function lseScalar<T>(x: usize, i: usize, n: usize, m: f64, s: f64): f64 {
  for (let j: usize = 0; j < n; j++) {
    let v = at<T>(x, i + j);
    if (v > m) {
      s = s * Math.exp(m - v) + 1;
      m = v;
    } else if (v == m) {
      s += 1;
    } else {
      s += Math.exp(v - m);
    }
  }
  return m + Math.log(s);
}

/** Elements summed into a block accumulator before it joins the row's sum (as in rowTerms). */
const LSE_BLOCK: usize = 64;

/**
 * The running (max, sum) of every lane, combined into one (max, sum), then the tail of the row
 * through the scalar path. Lanes whose max is −∞ hold nothing.
 */
// @ts-ignore: decorator
@inline function finish<T>(x: usize, i: usize, n: usize, m: StaticArray<f64>, s: StaticArray<f64>, lanes: i32): f64 {
  let mx = -Infinity;
  for (let l = 0; l < lanes; l++) mx = max(mx, unchecked(m[l]));
  let sum: f64 = 0;
  if (mx > -Infinity) for (let l = 0; l < lanes; l++) if (unchecked(m[l]) > -Infinity) sum += unchecked(s[l]) * Math.exp(unchecked(m[l]) - mx);
  return lseScalar<T>(x, i, n, mx, sum);
}

const laneMax = new StaticArray<f64>(4);
const laneSum = new StaticArray<f64>(4);

/**
 * lseRows for f64 data, two f64x2 vectors per step: each lane keeps its own running max M and
 * sum S of exp(x − M) (fastExp64, < 1 ulp); a step whose elements exceed M rescales S by
 * exp(M_old − M_new) (Math.exp, per lane). exp's argument is clamped below at −708: such terms
 * are < 2^-1021 against a lane sum ≥ 1, so they cannot change it, and the clamp keeps every
 * vector on the fast path. A row holding +∞ or NaN is recomputed by the scalar path.
 */
export function lseRows64(x: usize, k: i32, len: i32, out: usize): void {
  let n = <usize>len;
  let lo = f64x2.splat(-708.0);
  let inf = f64x2.splat(Infinity);
  for (let r: usize = 0; r < <usize>k; r++) {
    let i = r * n, end = i + n;
    let M = f64x2.splat(-Infinity);
    let S = f64x2.splat(0);
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
          let m0 = f64x2.extract_lane(M, 0), n0 = f64x2.extract_lane(Mn, 0);
          let m1 = f64x2.extract_lane(M, 1), n1 = f64x2.extract_lane(Mn, 1);
          let f = f64x2.replace_lane(f64x2.splat(n0 > m0 ? Math.exp(m0 - n0) : 1), 1, n1 > m1 ? Math.exp(m1 - n1) : 1);
          S = f64x2.mul(S, f);
          B = f64x2.mul(B, f);
          M = Mn;
        }
        let ea = fastExp64(f64x2.pmax(lo, f64x2.sub(a, M)));
        let eb = fastExp64(f64x2.pmax(lo, f64x2.sub(b, M)));
        B = f64x2.add(B, f64x2.add(ea, eb));
      }
      S = f64x2.add(S, B);
    }
    let res: f64;
    if (!i64x2.all_true(fin)) {
      res = lseScalar<f64>(x, r * n, n, -Infinity, 0);
    } else {
      unchecked((laneMax[0] = f64x2.extract_lane(M, 0)));
      unchecked((laneMax[1] = f64x2.extract_lane(M, 1)));
      unchecked((laneSum[0] = f64x2.extract_lane(S, 0)));
      unchecked((laneSum[1] = f64x2.extract_lane(S, 1)));
      res = finish<f64>(x, i, end - i, laneMax, laneSum, 2);
    }
    store<f64>(out + (r << 3), res);
  }
}

/**
 * lseRows for f32 data: as lseRows64 with four f32 lanes, fastExp32 (< 1 f32 ulp, argument
 * clamped at −86: terms < 2^-124 against a lane sum ≥ 1), pairs of terms added in f32 and
 * widened into f64 lane sums. The row's lse is within ~2 f32 ulps of 1 (absolute) of the f64 value.
 */
export function lseRows32(x: usize, k: i32, len: i32, out: usize): void {
  let n = <usize>len;
  let lo = f32x4.splat(EXP32_LO);
  let inf = f32x4.splat(Infinity);
  for (let r: usize = 0; r < <usize>k; r++) {
    let i = r * n, end = i + n;
    let M = f32x4.splat(-Infinity);
    let S0 = f64x2.splat(0), S1 = f64x2.splat(0);
    let fin = i32x4.splat(-1);
    while (i + 8 <= end) {
      let stop = min(i + LSE_BLOCK, end);
      let B0 = f64x2.splat(0), B1 = f64x2.splat(0);
      for (; i + 8 <= stop; i += 8) {
        let a = v128.load(x + (i << 2)), b = v128.load(x + (i << 2) + 16);
        fin = v128.and(fin, v128.and(f32x4.lt(a, inf), f32x4.lt(b, inf)));
        let mx = f32x4.pmax(a, b); // pmax: one instruction; NaN rows are redone by the scalar path (fin)
        if (v128.any_true(f32x4.gt(mx, M))) {
          let Mn = f32x4.pmax(M, mx);
          let f0 = rescale(f32x4.extract_lane(M, 0), f32x4.extract_lane(Mn, 0));
          let f1 = rescale(f32x4.extract_lane(M, 1), f32x4.extract_lane(Mn, 1));
          let f2 = rescale(f32x4.extract_lane(M, 2), f32x4.extract_lane(Mn, 2));
          let f3 = rescale(f32x4.extract_lane(M, 3), f32x4.extract_lane(Mn, 3));
          let F0 = f64x2.replace_lane(f64x2.splat(f0), 1, f1);
          let F1 = f64x2.replace_lane(f64x2.splat(f2), 1, f3);
          S0 = f64x2.mul(S0, F0);
          S1 = f64x2.mul(S1, F1);
          B0 = f64x2.mul(B0, F0);
          B1 = f64x2.mul(B1, F1);
          M = Mn;
        }
        let e = f32x4.add(fastExp32(f32x4.pmax(lo, f32x4.sub(a, M))), fastExp32(f32x4.pmax(lo, f32x4.sub(b, M))));
        B0 = f64x2.add(B0, lo64(e));
        B1 = f64x2.add(B1, hi64(e));
      }
      S0 = f64x2.add(S0, B0);
      S1 = f64x2.add(S1, B1);
    }
    let res: f64;
    if (!i32x4.all_true(fin)) {
      res = lseScalar<f32>(x, r * n, n, -Infinity, 0);
    } else {
      unchecked((laneMax[0] = <f64>f32x4.extract_lane(M, 0)));
      unchecked((laneMax[1] = <f64>f32x4.extract_lane(M, 1)));
      unchecked((laneMax[2] = <f64>f32x4.extract_lane(M, 2)));
      unchecked((laneMax[3] = <f64>f32x4.extract_lane(M, 3)));
      unchecked((laneSum[0] = f64x2.extract_lane(S0, 0)));
      unchecked((laneSum[1] = f64x2.extract_lane(S0, 1)));
      unchecked((laneSum[2] = f64x2.extract_lane(S1, 0)));
      unchecked((laneSum[3] = f64x2.extract_lane(S1, 1)));
      res = finish<f32>(x, i, end - i, laneMax, laneSum, 4);
    }
    store<f64>(out + (r << 3), res);
  }
}

/** exp(m − mn) when the lane's max grew from m to mn, else 1 (also for −∞ → −∞). */
// @ts-ignore: decorator
@inline function rescale(m: f32, mn: f32): f64 {
  return mn > m ? Math.exp(<f64>m - <f64>mn) : 1;
}

/** out = x − lse (log) or exp(x − lse), per row. */
export function softmaxRows<T>(x: usize, lse: usize, k: i32, len: i32, log: i32, out: usize): void {
  let n = <usize>len;
  for (let r: usize = 0; r < <usize>k; r++) {
    let l = f64at(lse, r);
    let L = f64x2.splat(l);
    let i = r * n, end = i + n, j = i;
    // Two lanes at a time, exp64 (< 1 ulp; lanes outside its fast range, such as exp(−1000) or
    // a NaN, on the scalar path); then the odd element.
    if (log) for (; j + 2 <= end; j += 2) v128.store(out + (j << 3), f64x2.sub(load2<T>(x, j), L));
    else for (; j + 2 <= end; j += 2) v128.store(out + (j << 3), exp64(f64x2.sub(load2<T>(x, j), L)));
    if (j < end) store<f64>(out + (j << 3), log ? at<T>(x, j) - l : Math.exp(at<T>(x, j) - l));
  }
}

/**
 * With c_j = w_j·(b1_r·t_rj + b0_r) (w, t absent: 1, 0):
 * loss[r] = Σ_j c_j·(lse_r − x_rj), mass[r] = Σ_j c_j.
 */
export function softDotRows<T>(
  x: usize, t: usize, w: usize, lse: usize, b1: usize, b0: usize, k: i32, len: i32, loss: usize, mass: usize,
): void {
  let n = <usize>len;
  for (let r: usize = 0; r < <usize>k; r++) {
    let l = f64at(lse, r), a = f64at(b1, r), b = f64at(b0, r);
    let i = r * n;
    let s: f64 = 0, c: f64 = 0;
    for (let j: usize = 0; j < n; j++) {
      let cj = b;
      if (t) cj += a * at<T>(t, i + j);
      if (w) cj *= f64at(w, j);
      s += cj * (l - at<T>(x, i + j));
      c += cj;
    }
    store<f64>(loss + (r << 3), s);
    store<f64>(mass + (r << 3), c);
  }
}

/**
 * grad_rj = gm_r·exp(x_rj − lse_r) − w_j·(gb1_r·t_rj + gb0_r) − [off + j = y_r]·gh_r.
 */
export function softmaxGradRows<T>(
  x: usize, lse: usize, gm: usize, y: usize, gh: usize, t: usize, w: usize, gb1: usize, gb0: usize,
  k: i32, len: i32, off: i32, out: usize,
): void {
  let n = <usize>len;
  for (let r: usize = 0; r < <usize>k; r++) {
    let l = f64at(lse, r), g = f64at(gm, r), a = f64at(gb1, r), b = f64at(gb0, r);
    let i = r * n;
    let L = f64x2.splat(l), G = f64x2.splat(g), A = f64x2.splat(a), B = f64x2.splat(b);
    let j: usize = 0;
    // Two lanes at a time (the same operations as the scalar loop below, with exp64).
    for (; j + 2 <= n; j += 2) {
      let c = B;
      if (t) c = f64x2.add(c, f64x2.mul(A, load2<T>(t, i + j)));
      if (w) c = f64x2.mul(c, v128.load(w + (j << 3)));
      v128.store(out + ((i + j) << 3), f64x2.sub(f64x2.mul(G, exp64(f64x2.sub(load2<T>(x, i + j), L))), c));
    }
    for (; j < n; j++) {
      let cj = b;
      if (t) cj += a * at<T>(t, i + j);
      if (w) cj *= f64at(w, j);
      store<f64>(out + ((i + j) << 3), g * Math.exp(at<T>(x, i + j) - l) - cj);
    }
    if (y) {
      let col = <i64>f64at(y, r) - <i64>off;
      if (col >= 0 && col < <i64>len) {
        let p = out + ((i + <usize>col) << 3);
        store<f64>(p, load<f64>(p) - f64at(gh, r));
      }
    }
  }
}

/**
 * PyTorch's binary_cross_entropy: −w·(y·max(log x, −100) + (1−y)·max(log1p(−x), −100)).
 * Per-row sums to `sum`; per element to `out` when given. Returns 1 if any x is outside
 * [0, 1] or NaN.
 */
/**
 * log1p(z) for two lanes with z ≥ −1: Goldberg's u = 1 + z, log1p(z) = log(u)·z/(u − 1) (z itself
 * where u rounds to 1), within a few ulp; log64 takes u = 0 (z = −1, giving −∞) on its scalar path.
 */
// @ts-ignore: decorator
@inline function log1p64(z: v128): v128 {
  let one = f64x2.splat(1.0);
  let u = f64x2.add(one, z);
  let q = f64x2.div(f64x2.mul(log64(u), z), f64x2.sub(u, one));
  return v128.bitselect(z, q, f64x2.eq(u, one));
}

export function bceRows<T>(x: usize, y: usize, w: usize, k: i32, len: i32, out: usize, sum: usize): i32 {
  let n = <usize>len;
  let bad = false;
  let zero = f64x2.splat(0), one = f64x2.splat(1.0), floor = f64x2.splat(-100.0);
  let ok = i64x2.splat(-1);
  for (let r: usize = 0; r < <usize>k; r++) {
    let s: f64 = 0;
    let i = r * n;
    let j: usize = 0;
    // Two lanes at a time: the scalar loop's operations with log64 and log1p64.
    let S = zero;
    for (; j + 2 <= n; j += 2) {
      let p = load2<T>(x, i + j), t = load2<T>(y, i + j);
      ok = v128.and(ok, v128.and(f64x2.ge(p, zero), f64x2.le(p, one)));
      let a = f64x2.pmax(floor, log1p64(f64x2.neg(p))); // pmax: −∞ → −100
      let b = f64x2.pmax(floor, log64(p));
      let v = f64x2.sub(f64x2.mul(f64x2.sub(t, one), a), f64x2.mul(t, b));
      if (w) v = f64x2.mul(v, load2<T>(w, i + j));
      if (out) v128.store(out + ((i + j) << 3), v);
      S = f64x2.add(S, v);
    }
    s = f64x2.extract_lane(S, 0) + f64x2.extract_lane(S, 1);
    for (; j < n; j++) {
      let p = at<T>(x, i + j), t = at<T>(y, i + j);
      bad = bad | !(p >= 0 && p <= 1);
      let v = (t - 1) * max(Math.log1p(-p), -100.0) - t * max(Math.log(p), -100.0);
      if (w) v *= at<T>(w, i + j);
      if (out) store<f64>(out + ((i + j) << 3), v);
      s += v;
    }
    store<f64>(sum + (r << 3), s);
  }
  return bad || !i64x2.all_true(ok) ? 1 : 0;
}

export function bceLogitsRows<T>(
  x: usize, y: usize, w: usize, pw: usize, k: i32, len: i32, gs: f64, out: usize, grad: usize, sum: usize,
): void {
  let n = <usize>len;
  let zero = f64x2.splat(0), one = f64x2.splat(1.0), G = f64x2.splat(gs);
  for (let r: usize = 0; r < <usize>k; r++) {
    let s: f64 = 0;
    let i = r * n;
    let j: usize = 0;
    // Two lanes at a time: the scalar loop's operations with exp64 and log1p64.
    let S = zero;
    for (; j + 2 <= n; j += 2) {
      let v = load2<T>(x, i + j), t = load2<T>(y, i + j);
      let lw = pw ? f64x2.add(one, f64x2.mul(f64x2.sub(v128.load(pw + (j << 3)), one), t)) : one;
      let e = exp64(f64x2.neg(f64x2.abs(v)));
      let loss = f64x2.add(f64x2.mul(f64x2.sub(one, t), v), f64x2.mul(lw, f64x2.add(log1p64(e), f64x2.pmax(zero, f64x2.neg(v)))));
      let ww = w ? load2<T>(w, i + j) : one;
      loss = f64x2.mul(loss, ww);
      if (out) v128.store(out + ((i + j) << 3), loss);
      S = f64x2.add(S, loss);
      if (grad) {
        // σ(−v) from e = exp(−|v|) without overflow
        let d = f64x2.add(one, e);
        let sig = v128.bitselect(f64x2.div(e, d), f64x2.div(one, d), f64x2.ge(v, zero));
        v128.store(grad + ((i + j) << 3), f64x2.mul(f64x2.mul(G, ww), f64x2.sub(f64x2.sub(one, t), f64x2.mul(lw, sig))));
      }
    }
    s = f64x2.extract_lane(S, 0) + f64x2.extract_lane(S, 1);
    for (; j < n; j++) {
      let v = at<T>(x, i + j), t = at<T>(y, i + j);
      let lw: f64 = pw ? 1 + (f64at(pw, j) - 1) * t : 1;
      let e = Math.exp(-Math.abs(v));
      let loss = (1 - t) * v + lw * (Math.log1p(e) + max(-v, 0.0));
      let ww: f64 = w ? at<T>(w, i + j) : 1;
      loss *= ww;
      if (out) store<f64>(out + ((i + j) << 3), loss);
      s += loss;
      if (grad) {
        // σ(−v), computed from e = exp(−|v|) without overflow
        let sig = v >= 0 ? e / (1 + e) : 1 / (1 + e);
        store<f64>(grad + ((i + j) << 3), gs * ww * ((1 - t) - lw * sig));
      }
    }
    store<f64>(sum + (r << 3), s);
  }
}

/**
 * PyTorch's kl_div: t·(log t − x) with 0·log 0 = 0 (xlogy), or exp(t)·(t − x) for log targets.
 */
export function klDivRows<T>(x: usize, t: usize, logTarget: i32, k: i32, len: i32, out: usize, sum: usize): void {
  let n = <usize>len;
  for (let r: usize = 0; r < <usize>k; r++) {
    let s: f64 = 0;
    let i = r * n;
    let j: usize = 0;
    // Two lanes at a time: the scalar loop's operations with exp64 and log64 (log of 1 where
    // the target is 0, so that 0·log 0 is 0 as xlogy makes it).
    let S = f64x2.splat(0);
    for (; j + 2 <= n; j += 2) {
      let a = load2<T>(x, i + j), b = load2<T>(t, i + j);
      let v: v128;
      if (logTarget) v = f64x2.mul(exp64(b), f64x2.sub(b, a));
      else {
        let zero = f64x2.eq(b, f64x2.splat(0));
        let xl = v128.bitselect(f64x2.splat(0), f64x2.mul(b, log64(v128.bitselect(f64x2.splat(1.0), b, zero))), zero);
        v = f64x2.sub(xl, f64x2.mul(b, a));
      }
      if (out) v128.store(out + ((i + j) << 3), v);
      S = f64x2.add(S, v);
    }
    s = f64x2.extract_lane(S, 0) + f64x2.extract_lane(S, 1);
    for (; j < n; j++) {
      let a = at<T>(x, i + j), b = at<T>(t, i + j);
      let v: f64;
      if (logTarget) v = Math.exp(b) * (b - a);
      else v = (b == 0 ? 0 : b * Math.log(b)) - b * a;
      if (out) store<f64>(out + ((i + j) << 3), v);
      s += v;
    }
    store<f64>(sum + (r << 3), s);
  }
}
