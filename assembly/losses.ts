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

// The vectorised loss kernels take elements two at a time; a row's odd last element goes through
// the same code with its value in both lanes (`one`), and only lane 0 is kept, so that each
// formula is written once.

/** Elements i, i+1 as f64x2, or element i in both lanes when `one`. */
// @ts-ignore: decorator
@inline function pair<T>(ptr: usize, i: usize, one: bool): v128 {
  return one ? f64x2.splat(at<T>(ptr, i)) : load2<T>(ptr, i);
}

/** Stores both lanes at elements i, i+1, or lane 0 alone at i when `one`. */
// @ts-ignore: decorator
@inline function storePair(ptr: usize, i: usize, v: v128, one: bool): void {
  if (one) store<f64>(ptr + (i << 3), f64x2.extract_lane(v, 0));
  else v128.store(ptr + (i << 3), v);
}

/** Both lanes, or lane 0 alone when `one`, for adding into a sum. */
// @ts-ignore: decorator
@inline function kept(v: v128, one: bool): v128 {
  return one ? f64x2.replace_lane(v, 1, 0) : v;
}

/** The two lanes' sum. */
// @ts-ignore: decorator
@inline function lanes(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
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
    let L = f64x2.splat(f64at(lse, r));
    let i = r * n;
    // exp64: < 1 ulp; lanes outside its fast range (exp(−1000), NaN) take its scalar path.
    for (let j: usize = 0; j < n; j += 2) {
      let one = j + 1 == n;
      let d = f64x2.sub(pair<T>(x, i + j, one), L);
      storePair(out, i + j, log ? d : exp64(d), one);
    }
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
    let L = f64x2.splat(f64at(lse, r)), G = f64x2.splat(f64at(gm, r));
    let A = f64x2.splat(f64at(gb1, r)), B = f64x2.splat(f64at(gb0, r));
    let i = r * n;
    for (let j: usize = 0; j < n; j += 2) {
      let one = j + 1 == n;
      let c = B;
      if (t) c = f64x2.add(c, f64x2.mul(A, pair<T>(t, i + j, one)));
      if (w) c = f64x2.mul(c, pair<f64>(w, j, one));
      storePair(out, i + j, f64x2.sub(f64x2.mul(G, exp64(f64x2.sub(pair<T>(x, i + j, one), L))), c), one);
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
  let zero = f64x2.splat(0), one1 = f64x2.splat(1.0), floor = f64x2.splat(-100.0);
  let ok = i64x2.splat(-1); // lanes stay all-ones while every input is in [0, 1]
  for (let r: usize = 0; r < <usize>k; r++) {
    let i = r * n;
    let S = zero;
    for (let j: usize = 0; j < n; j += 2) {
      let one = j + 1 == n;
      let p = pair<T>(x, i + j, one), t = pair<T>(y, i + j, one);
      ok = v128.and(ok, v128.and(f64x2.ge(p, zero), f64x2.le(p, one1)));
      // −(1−t)·max(log(1−p), −100) − t·max(log p, −100); pmax(−100, −∞) is −100
      let a = f64x2.pmax(floor, log1p64(f64x2.neg(p)));
      let b = f64x2.pmax(floor, log64(p));
      let v = f64x2.sub(f64x2.mul(f64x2.sub(t, one1), a), f64x2.mul(t, b));
      if (w) v = f64x2.mul(v, pair<T>(w, i + j, one));
      if (out) storePair(out, i + j, v, one);
      S = f64x2.add(S, kept(v, one));
    }
    store<f64>(sum + (r << 3), lanes(S));
  }
  return i64x2.all_true(ok) ? 0 : 1;
}

export function bceLogitsRows<T>(
  x: usize, y: usize, w: usize, pw: usize, k: i32, len: i32, gs: f64, out: usize, grad: usize, sum: usize,
): void {
  let n = <usize>len;
  let zero = f64x2.splat(0), one1 = f64x2.splat(1.0), G = f64x2.splat(gs);
  for (let r: usize = 0; r < <usize>k; r++) {
    let i = r * n;
    let S = zero;
    for (let j: usize = 0; j < n; j += 2) {
      let one = j + 1 == n;
      let v = pair<T>(x, i + j, one), t = pair<T>(y, i + j, one);
      // pos_weight folded in: lw = 1 + (pw − 1)·t; e = exp(−|v|) never overflows
      let lw = pw ? f64x2.add(one1, f64x2.mul(f64x2.sub(pair<f64>(pw, j, one), one1), t)) : one1;
      let e = exp64(f64x2.neg(f64x2.abs(v)));
      let loss = f64x2.add(f64x2.mul(f64x2.sub(one1, t), v), f64x2.mul(lw, f64x2.add(log1p64(e), f64x2.pmax(zero, f64x2.neg(v)))));
      let ww = w ? pair<T>(w, i + j, one) : one1;
      loss = f64x2.mul(loss, ww);
      if (out) storePair(out, i + j, loss, one);
      S = f64x2.add(S, kept(loss, one));
      if (grad) {
        // σ(−v) from e = exp(−|v|) without overflow
        let d = f64x2.add(one1, e);
        let sig = v128.bitselect(f64x2.div(e, d), f64x2.div(one1, d), f64x2.ge(v, zero));
        storePair(grad, i + j, f64x2.mul(f64x2.mul(G, ww), f64x2.sub(f64x2.sub(one1, t), f64x2.mul(lw, sig))), one);
      }
    }
    store<f64>(sum + (r << 3), lanes(S));
  }
}

/**
 * PyTorch's kl_div: t·(log t − x) with 0·log 0 = 0 (xlogy), or exp(t)·(t − x) for log targets.
 */
export function klDivRows<T>(x: usize, t: usize, logTarget: i32, k: i32, len: i32, out: usize, sum: usize): void {
  let n = <usize>len;
  let zero = f64x2.splat(0);
  for (let r: usize = 0; r < <usize>k; r++) {
    let i = r * n;
    let S = zero;
    for (let j: usize = 0; j < n; j += 2) {
      let one = j + 1 == n;
      let a = pair<T>(x, i + j, one), b = pair<T>(t, i + j, one);
      let v: v128;
      if (logTarget) v = f64x2.mul(exp64(b), f64x2.sub(b, a)); // exp(t)·(t − x)
      else {
        // xlogy(t, t) − t·x: the log of 1 where t is 0, so that 0·log 0 is 0
        let z = f64x2.eq(b, zero);
        let xl = v128.bitselect(zero, f64x2.mul(b, log64(v128.bitselect(f64x2.splat(1.0), b, z))), z);
        v = f64x2.sub(xl, f64x2.mul(b, a));
      }
      if (out) storePair(out, i + j, v, one);
      S = f64x2.add(S, kept(v, one));
    }
    store<f64>(sum + (r << 3), lanes(S));
  }
}
