// Gradient kernels: ∂loss/∂input where it is a per-element formula of the inputs
// (binaryCrossEntropy, klDiv, and crossEntropy / klDivergence with respect to q). Elements are read
// as f64 (f32 widened exactly), each formula is computed in f64x2, and each gradient is rounded once
// to the output's element type: these kernels are bound by loads and stores, not by arithmetic, and
// an f64 formula on f32 data gives the correctly rounded f32 of the f64 value (within an ulp),
// where an f32 formula would round x − y, 1 − x and x·(1 − x) in f32 first. Descriptors, argument
// names and order: src/kernels/table.ts; the exports are generated into assembly/index.ts; the TS
// twins are src/kernels/ts-grads.ts (the same operations in the same order).

import { exp64, f64at, pair, storePair } from './vmath';

/**
 * PyTorch's EPSILON in binary_cross_entropy's backward, fl32(1e-12) = 9.999999960041972e-13: a
 * float constant in aten/src/ATen/native/Loss.cpp, widened to double for double tensors too
 * (torch 1.13's gradient at input 0, target 1 is −1.0000000039958e12, not −1e12).
 */
const BCE_EPS: f64 = 9.999999960041972e-13;

/**
 * PyTorch's gradient of binary_cross_entropy with respect to the input, as its backward computes it:
 * grad = scale·((input − target) / max(input·(1 − input), EPS))·weight (weight absent: 1).
 * Elementwise: a block is rows·classes consecutive elements.
 */
export function bceGradRows<T>(input: usize, target: usize, weight: usize, rows: i32, classes: i32, scale: f64, grad: usize): void {
  let n = <usize>rows * <usize>classes;
  let S = f64x2.splat(scale), eps = f64x2.splat(BCE_EPS), one = f64x2.splat(1.0);
  for (let i: usize = 0; i < n; i += 2) {
    let last = i + 1 == n;
    let x = pair<T>(input, i, last), y = pair<T>(target, i, last);
    // input is in [0, 1] here (the loss kernel rejected anything else): pmax never meets NaN
    let g = f64x2.div(f64x2.sub(x, y), f64x2.pmax(eps, f64x2.mul(x, f64x2.sub(one, x))));
    if (weight) g = f64x2.mul(g, pair<T>(weight, i, last));
    storePair<T>(grad, i, f64x2.mul(g, S), last);
  }
}

/**
 * The gradient of kl_div with respect to the input: −scale·target, or −scale·exp(target) for log
 * targets (exp64: < 1 ulp; −∞ gives −0, +∞ gives −∞). It does not depend on the input (PyTorch's
 * autograd gives the same for an input of −∞ or NaN, where the loss itself is NaN). Elementwise.
 */
export function klDivGradRows<T>(
  target: usize, logTarget: bool, rows: i32, classes: i32, scale: f64, rowScale: usize, grad: usize,
): void {
  if (!rowScale) {
    klDivGradRun<T>(target, logTarget, 0, <usize>rows * <usize>classes, f64x2.splat(-scale), grad);
    return;
  }
  // per-sample weights: each row its own scale, in the same pass
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    klDivGradRun<T>(target, logTarget, r * n, r * n + n, f64x2.splat(-(scale * f64at(rowScale, r))), grad);
  }
}

/** klDivGradRows on elements [from, to), scaled by S (−scale in both lanes). */
// @ts-ignore: decorator
@inline function klDivGradRun<T>(target: usize, logTarget: bool, from: usize, to: usize, S: v128, grad: usize): void {
  for (let i: usize = from; i < to; i += 2) {
    let last = i + 1 == to;
    let t = pair<T>(target, i, last);
    storePair<T>(grad, i, f64x2.mul(S, logTarget ? exp64(t) : t), last);
  }
}

/**
 * ∂/∂q of −Σ p·log q (cross entropy; KL differs by a term free of q), times scale:
 *   without scales: −scale·(p/q), and exactly 0 where p = 0 (whatever q: the term 0·log q is the
 *     constant 0), −∞ where q = 0 < p;
 *   with pScale and qScale (normalize: p̂ = p·pScale, q̂ = q·qScale, qScale = 1/Σq), the derivative of
 *     −Σ p̂·log(q/Σq) with respect to the raw q: scale·(q̂ − p̂)/q = scale·(qScale − p̂/q) (Σ p̂ = 1),
 *     and scale·qScale where p = 0 (q enters through Σq only).
 * p and q are ≥ 0 here (the loss kernel rejected anything else).
 */
export function crossGradRows<T>(
  p: usize, q: usize, rows: i32, classes: i32, pScale: usize, qScale: usize, scale: f64, rowScale: usize, grad: usize,
): void {
  let n = <usize>classes;
  let zero = f64x2.splat(0), S = f64x2.splat(scale), minusS = f64x2.splat(-scale);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n;
    if (rowScale) {
      // per-sample weights: the row's own scale
      let sr = scale * f64at(rowScale, r);
      S = f64x2.splat(sr);
      minusS = f64x2.splat(-sr);
    }
    let scaled = pScale != 0;
    let ps = scaled ? f64x2.splat(f64at(pScale, r)) : zero;
    let qs = scaled ? f64x2.splat(f64at(qScale, r)) : zero;
    let atZero = scaled ? f64x2.mul(S, qs) : zero; // p = 0: 0 without scales (whatever the scale), scale·qScale with them
    for (let j: usize = 0; j < n; j += 2) {
      let last = j + 1 == n;
      let a = pair<T>(p, i + j, last), b = pair<T>(q, i + j, last);
      let g = scaled
        ? f64x2.mul(S, f64x2.div(f64x2.sub(f64x2.mul(b, qs), f64x2.mul(a, ps)), b))
        : f64x2.mul(minusS, f64x2.div(a, b));
      storePair<T>(grad, i + j, v128.bitselect(atZero, g, f64x2.eq(a, zero)), last);
    }
  }
}
