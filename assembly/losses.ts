// Loss kernels: blocks of `rows` × `classes` row-major elements; per-row parameters and results
// are f64. `offset` is the class of the block's first element within its row (a row longer than
// the glue's chunk arrives in pieces). Pointers that are 0 mean "absent". Descriptors, argument
// names and order: src/kernels/table.ts; the exports are generated into assembly/index.ts.

import { at, exp64, EXP32_LO, f64at, fastExp32, fastExp64, hi64, kept, addLanes, lo64, log1p64, log64, pair, storePair } from './vmath';

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
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
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
function lseRows64(x: usize, rows: i32, classes: i32, out: usize): void {
  let n = <usize>classes;
  let lo = f64x2.splat(-708.0);
  let inf = f64x2.splat(Infinity);
  for (let r: usize = 0; r < <usize>rows; r++) {
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
function lseRows32(x: usize, rows: i32, classes: i32, out: usize): void {
  let n = <usize>classes;
  let lo = f32x4.splat(EXP32_LO);
  let inf = f32x4.splat(Infinity);
  for (let r: usize = 0; r < <usize>rows; r++) {
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

/** out[r] = log Σ_j exp x[r, j]: lseRows64 or lseRows32 by element type. */
export function lseRows<T>(x: usize, rows: i32, classes: i32, out: usize): void {
  if (sizeof<T>() == 8) lseRows64(x, rows, classes, out);
  else lseRows32(x, rows, classes, out);
}

/** exp(m − mn) when the lane's max grew from m to mn, else 1 (also for −∞ → −∞). */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function rescale(m: f32, mn: f32): f64 {
  return mn > m ? Math.exp(<f64>m - <f64>mn) : 1;
}

/** out = x − lse (log) or exp(x − lse), per row. */
export function softmaxRows<T>(x: usize, lse: usize, rows: i32, classes: i32, log: bool, out: usize): void {
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let L = f64x2.splat(f64at(lse, r));
    let i = r * n;
    // exp64: < 1 ulp; lanes outside its fast range (exp(−1000), NaN) take its scalar path.
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let d = f64x2.sub(pair<T>(x, i + j, last), L);
      storePair(out, i + j, log ? d : exp64(d), last);
    }
  }
}

/**
 * The soft-target cross entropy of each row. With c_j = classWeight_j·(targetScale_r·target_rj + uniform_r)
 * (classWeight, target absent: 1, 0): loss[r] = Σ_j c_j·(lse_r − x_rj), mass[r] = Σ_j c_j;
 * both 0 on a row whose targetScale and uniform are 0.
 */
export function softTargetRows<T>(
  x: usize, target: usize, classWeight: usize, lse: usize, targetScale: usize, uniform: usize,
  rows: i32, classes: i32, loss: usize, mass: usize,
): void {
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let l = f64at(lse, r), a = f64at(targetScale, r), b = f64at(uniform, r);
    let i = r * n;
    let s: f64 = 0, c: f64 = 0;
    if (a == 0 && b == 0) {
      // A row with no target mass (an ignored row) is 0, whatever its logits and weights hold
      // (0·∞ would be NaN): PyTorch masks such rows.
      store<f64>(loss + (r << 3), 0);
      store<f64>(mass + (r << 3), 0);
      continue;
    }
    for (let j: usize = 0; j < n; j++) {
      let cj = b;
      if (target) cj += a * at<T>(target, i + j);
      if (classWeight) cj *= f64at(classWeight, j);
      s += cj * (l - at<T>(x, i + j));
      c += cj;
    }
    store<f64>(loss + (r << 3), s);
    store<f64>(mass + (r << 3), c);
  }
}

/**
 * grad_rj = softmaxScale_r·exp(x_rj − lse_r) − classWeight_j·(targetScale_r·target_rj + uniform_r)
 *           − [offset + j = label_r]·labelScale_r; exactly 0 on a row whose four scales are 0.
 */
export function softmaxGradRows<T>(
  x: usize, target: usize, classWeight: usize, lse: usize, softmaxScale: usize, label: usize, labelScale: usize,
  targetScale: usize, uniform: usize, rows: i32, classes: i32, offset: i32, grad: usize,
): void {
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let L = f64x2.splat(f64at(lse, r)), G = f64x2.splat(f64at(softmaxScale, r));
    let A = f64x2.splat(f64at(targetScale, r)), B = f64x2.splat(f64at(uniform, r));
    let i = r * n;
    if (f64at(softmaxScale, r) == 0 && f64at(targetScale, r) == 0 && f64at(uniform, r) == 0 && (!label || f64at(labelScale, r) == 0)) {
      // A row that carries no weight (an ignored row) has a gradient of exactly 0, whatever its
      // logits hold (0·exp(NaN) would be NaN).
      memory.fill(grad + (i << 3), 0, n << 3);
      continue;
    }
    // The class weights scale only the target and uniform terms: a row with neither (an index
    // target without smoothing) never reads them (an infinite weight would give ∞·0 = NaN).
    let weighted = classWeight != 0 && (f64at(targetScale, r) != 0 || f64at(uniform, r) != 0);
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let c = B;
      if (target) c = f64x2.add(c, f64x2.mul(A, pair<T>(target, i + j, last)));
      if (weighted) c = f64x2.mul(c, pair<f64>(classWeight, j, last));
      storePair(grad, i + j, f64x2.sub(f64x2.mul(G, exp64(f64x2.sub(pair<T>(x, i + j, last), L))), c), last);
    }
    if (label) {
      let col = <i64>f64at(label, r) - <i64>offset;
      if (col >= 0 && col < <i64>classes) {
        let p = grad + ((i + <usize>col) << 3);
        store<f64>(p, load<f64>(p) - f64at(labelScale, r));
      }
    }
  }
}

/**
 * PyTorch's binary_cross_entropy: −weight·(target·max(log input, −100) + (1−target)·max(log1p(−input), −100)).
 * Per-row sums to `sum`; per element to `loss` when given. Returns 1 if any input is outside
 * [0, 1] or NaN.
 */
export function bceRows<T>(input: usize, target: usize, weight: usize, rows: i32, classes: i32, loss: usize, sum: usize): i32 {
  let n = <usize>classes;
  let zero = f64x2.splat(0), ones = f64x2.splat(1.0), floor = f64x2.splat(-100.0);
  let ok = i64x2.splat(-1); // lanes stay all-ones while every input is in [0, 1]
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n;
    let S = zero;
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let p = pair<T>(input, i + j, last), t = pair<T>(target, i + j, last);
      ok = v128.and(ok, v128.and(f64x2.ge(p, zero), f64x2.le(p, ones)));
      // −(1−t)·max(log(1−p), −100) − t·max(log p, −100); pmax(−100, −∞) is −100
      let a = f64x2.pmax(floor, log1p64(f64x2.neg(p)));
      let b = f64x2.pmax(floor, log64(p));
      let v = f64x2.sub(f64x2.mul(f64x2.sub(t, ones), a), f64x2.mul(t, b));
      if (weight) v = f64x2.mul(v, pair<T>(weight, i + j, last));
      if (loss) storePair(loss, i + j, v, last);
      S = f64x2.add(S, kept(v, last));
    }
    store<f64>(sum + (r << 3), addLanes(S));
  }
  return i64x2.all_true(ok) ? 0 : 1;
}

/**
 * PyTorch's binary_cross_entropy_with_logits, with one positive weight per class:
 * loss = weight·((1 − t)·x + pw·(log1p(e^−|x|) + max(−x, 0))), pw = 1 + (posWeight − 1)·t;
 * grad = gradScale·weight·(1 − t − pw·σ(−x)).
 */
export function bceLogitsRows<T>(
  input: usize, target: usize, weight: usize, posWeight: usize, rows: i32, classes: i32, gradScale: f64,
  loss: usize, grad: usize, sum: usize,
): void {
  let n = <usize>classes;
  let zero = f64x2.splat(0), ones = f64x2.splat(1.0), G = f64x2.splat(gradScale);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n;
    let S = zero;
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let x = pair<T>(input, i + j, last), t = pair<T>(target, i + j, last);
      // the positive weight folded in; e = exp(−|x|) never overflows
      let pw = posWeight ? f64x2.add(ones, f64x2.mul(f64x2.sub(pair<f64>(posWeight, j, last), ones), t)) : ones;
      let e = exp64(f64x2.neg(f64x2.abs(x)));
      let l = f64x2.add(f64x2.mul(f64x2.sub(ones, t), x), f64x2.mul(pw, f64x2.add(log1p64(e), f64x2.pmax(zero, f64x2.neg(x)))));
      let w = weight ? pair<T>(weight, i + j, last) : ones;
      l = f64x2.mul(l, w);
      if (loss) storePair(loss, i + j, l, last);
      S = f64x2.add(S, kept(l, last));
      if (grad) {
        // σ(−x) from e = exp(−|x|) without overflow
        let d = f64x2.add(ones, e);
        let sig = v128.bitselect(f64x2.div(e, d), f64x2.div(ones, d), f64x2.ge(x, zero));
        storePair(grad, i + j, f64x2.mul(f64x2.mul(G, w), f64x2.sub(f64x2.sub(ones, t), f64x2.mul(pw, sig))), last);
      }
    }
    store<f64>(sum + (r << 3), addLanes(S));
  }
}

/**
 * PyTorch's kl_div: t·(log t − x) with 0·log 0 = 0 (xlogy), or exp(t)·(t − x) for log targets.
 */
export function klDivRows<T>(input: usize, target: usize, logTarget: bool, rows: i32, classes: i32, loss: usize, sum: usize): void {
  let n = <usize>classes;
  let zero = f64x2.splat(0);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n;
    let S = zero;
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let a = pair<T>(input, i + j, last), b = pair<T>(target, i + j, last);
      let v: v128;
      if (logTarget) v = f64x2.mul(exp64(b), f64x2.sub(b, a)); // exp(t)·(t − x)
      else {
        // xlogy(t, t) − t·x: the log of 1 where t is 0, so that 0·log 0 is 0
        let z = f64x2.eq(b, zero);
        let xl = v128.bitselect(zero, f64x2.mul(b, log64(v128.bitselect(f64x2.splat(1.0), b, z))), z);
        v = f64x2.sub(xl, f64x2.mul(b, a));
      }
      if (loss) storePair(loss, i + j, v, last);
      S = f64x2.add(S, kept(v, last));
    }
    store<f64>(sum + (r << 3), addLanes(S));
  }
}
