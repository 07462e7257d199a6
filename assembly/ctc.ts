// The CTC lattice kernel: the loss of one sample and its gradient, the forward (α) and backward
// (β) recursions in log space with SIMD across lattice states. The formulas, and the TS twin with
// the same arguments, are in src/kernels/ts-ctc.ts; the glue that calls this once per sample is
// src/kernels/wasm-ctc.ts (it is not a row kernel of the table: see there).
//
// The lattice state s depends on states s, s−1 and s−2 of the previous frame (β: s, s+1, s+2 of
// the next): neighbours in memory, so two states at a time are one aligned load and two shifted
// (unaligned) loads of the previous row. Each row of α has two −∞ cells before state 0 (state s
// at cell s + 2), so that s−1 and s−2 exist for every s; β's rows have −∞ cells after state L−1.
// Whether α_t(s) takes α_{t−1}(s−2) is a lane mask per state (all ones: taken; else −∞ is
// selected, so that a NaN there is not read, as the twin does not read it; the same for β's s+2),
// so the recursion has no branch. L = 2S + 1 is odd: the last pair of states
// holds one cell past the lattice, whose log-probability is −∞ so that it stays −∞.
//
// lse of three values: m = max; m' = m, or 0 where m = −∞ (as PyTorch), e = Σ exp(max(v − m', −708))
// (a term below e^-708 adds nothing to a sum ≥ 1 but keeps exp on its fast path; where every term
// is −∞, e ≈ 1e-307 and the result is replaced by −∞), log e + m + lp. Arithmetic in f64 for both
// element types (f32 data are widened exactly on load; the gradient is rounded once to f32 on
// store): the loss is a chain of T log-sum-exps whose roundings f32 would multiply by |α|, up to
// hundreds; the vector exp and log are fdlibm's (assembly/vmath.ts, < 1 ulp).
//
// Work memory (f64 cells, from the glue, 16-byte aligned; W = L rounded up to even, + 4):
//   alpha  frames·W     every frame's α row (the gradient reads them back)
//   beta   2·W          β of frames t and t+1
//   maskA  W            all ones / 0 (i64): α_t(s) takes s−2
//   maskB  W            all ones / 0 (i64): β_t(s) takes s+2
//   lpl    W            lp(t, l'_s) of the current frame (−∞ past L)
//   tmp    W            γ terms of the current frame
//   label  W            l'_s as i32 (in W f64 cells: room to spare)
//   norm   frames       the frame's log Σ exp (fromLogits), else 0
//   g      C + 2        the gradient of the current frame, f64
import { addLanes, exp64, expDomain64, fastExp64, fastLog64, load2 } from './vmath';

const NEG_INF: f64 = -Infinity;

/** exp64, called (not inlined: the module's size matters more here than a call per two elements). */
function expv(x: v128): v128 {
  return exp64(x);
}
const EXP_LO: f64 = -708.0;

/** The f64 cells of work memory the kernel needs for a sample (the glue asks this export). */
export function ctcWorkCells(frames: i32, S: i32, classes: i32): i32 {
  const W = width(S);
  return frames * W + 7 * W + frames + classes + 2;
}

// @ts-ignore: decorator
@inline function width(S: i32): i32 {
  return ((2 * S + 1 + 1) & ~1) + 4;
}

/**
 * lse of (v0, v1, v2) plus lp, two lanes; −∞ + lp where all three are −∞. The three are ordered
 * per lane (m the largest, o1 and o2 the others), so that the sum is 1 + e^(o1 − m) + e^(o2 − m):
 * two exps, not three. Their arguments are clamped to [−708, 0], inside fastExp64's domain (a NaN
 * gives NaN there); the sum is in [1, 3] (about 1e-307 where all three are −∞, a normal number),
 * inside fastLog64's, except NaN, which is put back after it (fastLog64 of NaN is not NaN).
 */
// @ts-ignore: decorator
@inline function lse3(v0: v128, v1: v128, v2: v128, lp: v128, ninf: v128, lo: v128, zero: v128, one: v128): v128 {
  const hi01 = f64x2.max(v0, v1);
  const o1 = f64x2.min(v0, v1);
  const m = f64x2.max(hi01, v2);
  const o2 = f64x2.min(hi01, v2);
  const empty = f64x2.eq(m, ninf);
  const ms = v128.bitselect(zero, m, empty);
  const e = f64x2.add(
    f64x2.add(one, fastExp64(f64x2.max(f64x2.sub(o1, ms), lo))),
    fastExp64(f64x2.max(f64x2.sub(o2, ms), lo)),
  );
  // + (ms − ms): NaN where the largest is +∞ (e^(∞ − ∞) in the twin's and PyTorch's sum)
  const l = f64x2.add(v128.bitselect(e, fastLog64(e), f64x2.ne(e, e)), f64x2.sub(ms, ms));
  // −∞ where all three are, before lp is added (−∞ + NaN is NaN, as PyTorch's log(0) + 0 + lp)
  return f64x2.add(v128.bitselect(ninf, f64x2.add(l, ms), empty), lp);
}

/**
 * The loss of one sample, −log p(target | x), and (grad ≠ 0) its gradient times gradScale at
 * grad[t·classes + c] (compact, frames × classes; f64 when gradF64, else f32). x: frame t at x + t·stride elements.
 * target: S i32 labels. Returns +∞ where no alignment exists (gradient 0 or NaN, by zeroInfinity).
 */
export function ctcSample<T>(
  x: usize, stride: i32, frames: i32, classes: i32, target: usize, S: i32, blank: i32, fromLogits: i32,
  work: usize, grad: usize, gradF64: i32, gradScale: f64, zeroInfinity: i32,
): f64 {
  const L = 2 * S + 1;
  const W = width(S);
  const Wb = <usize>W << 3;
  const alpha = work;
  const beta = alpha + <usize>frames * Wb;
  const maskA = beta + 2 * Wb;
  const maskB = maskA + Wb;
  const lpl = maskB + Wb;
  const tmp = lpl + Wb;
  const label = tmp + Wb;
  const norm = label + Wb;
  const g = norm + (<usize>frames << 3);
  const C = classes;
  const ninf = f64x2.splat(NEG_INF);
  const lo = f64x2.splat(EXP_LO);
  const zero = f64x2.splat(0.0);
  const one = f64x2.splat(1.0);

  for (let s = 0; s < W; s++) {
    const l = s < L ? ((s & 1) != 0 ? load<i32>(target + (<usize>(s >> 1) << 2)) : blank) : -1;
    store<i32>(label + (<usize>s << 2), l);
  }
  for (let s = 0; s < W; s++) {
    const l = load<i32>(label + (<usize>s << 2));
    const skipA = s >= 2 && s < L && (s & 1) != 0 && l != load<i32>(label + (<usize>(s - 2) << 2));
    store<i64>(maskA + (<usize>s << 3), skipA ? -1 : 0);
  }
  for (let s = 0; s < W; s++) store<i64>(maskB + (<usize>s << 3), s + 2 < W ? load<i64>(maskA + (<usize>(s + 2) << 3)) : 0);

  // log Σ_c exp x(t, c) per frame (fromLogits), 0 otherwise
  for (let t = 0; t < frames; t++) {
    let v: f64 = 0;
    if (fromLogits) v = logSumExp<T>(x + <usize>t * <usize>stride * sizeof<T>(), C, ninf, lo, zero);
    store<f64>(norm + (<usize>t << 3), v);
  }

  // the probability-space recursion first; the log-space one where it cannot vouch for its result
  if (probSample<T>(x, stride, frames, C, blank, L, W, alpha, beta, maskA, maskB, lpl, tmp, label, norm, g, grad, gradF64, gradScale)) return probNll;
  const lossOk = probLossOk; // the probability path's loss stands where only its gradient was given up

  // α_0
  for (let k = 0; k < W; k++) store<f64>(alpha + (<usize>k << 3), NEG_INF);
  const n0 = load<f64>(norm);
  store<f64>(alpha + 16, <f64>load<T>(x + (<usize>blank) * sizeof<T>()) - n0);
  if (L > 1) store<f64>(alpha + 24, <f64>load<T>(x + (<usize>load<i32>(label + 4)) * sizeof<T>()) - n0);
  for (let t = 1; t < frames; t++) {
    const xt = x + <usize>t * <usize>stride * sizeof<T>();
    gather<T>(xt, label, lpl, L, W, load<f64>(norm + (<usize>t << 3)));
    const prev = alpha + <usize>(t - 1) * Wb;
    alphaRow(prev, prev + Wb, maskA, lpl, L);
  }
  const last = alpha + <usize>(frames - 1) * Wb;
  const a1 = load<f64>(last + (<usize>(L - 1 + 2) << 3));
  const a2 = L > 1 ? load<f64>(last + (<usize>(L - 2 + 2) << 3)) : NEG_INF;
  let m = max(a1, a2);
  const nll: f64 = m == NEG_INF ? Infinity : -(Math.log(Math.exp(a1 - m) + Math.exp(a2 - m)) + m);
  if (grad == 0) return lossOk ? probNll : nll;

  const gw: usize = gradF64 ? 8 : 4;
  const gb = <usize>C * gw;
  // no alignment (0 with zeroInfinity, else NaN), or a NaN or −∞ loss: NaN everywhere (as PyTorch's formula)
  if (!(nll > NEG_INF && nll < Infinity)) {
    const v: f64 = zeroInfinity && nll == Infinity ? 0.0 : NaN;
    if (gradF64) for (let i = 0; i < frames * C; i++) store<f64>(grad + (<usize>i << 3), v);
    else for (let i = 0; i < frames * C; i++) store<f32>(grad + (<usize>i << 2), <f32>v);
    return lossOk ? probNll : nll;
  }
  let bcur = beta;
  let bnext = beta + Wb;
  const nllv = f64x2.splat(nll);
  for (let t = frames - 1; t >= 0; t--) {
    const xt = x + <usize>t * <usize>stride * sizeof<T>();
    const nt = load<f64>(norm + (<usize>t << 3));
    gather<T>(xt, label, lpl, L, W, nt);
    if (t == frames - 1) {
      for (let k = 0; k < 2 * W; k++) store<f64>(beta + (<usize>k << 3), NEG_INF);
      store<f64>(bcur + (<usize>(L - 1) << 3), load<f64>(lpl + (<usize>(L - 1) << 3)));
      if (L > 1) store<f64>(bcur + (<usize>(L - 2) << 3), load<f64>(lpl + (<usize>(L - 2) << 3)));
    } else {
      const swap = bcur;
      bcur = bnext;
      bnext = swap; // bnext: β_{t+1}
      betaRow(bnext, bcur, maskB, lpl, L);
    }
    // γ terms: exp(α + β − lp + nll), 0 where α + β = −∞ (or below e^-708)
    const arow = alpha + <usize>t * Wb + 16;
    for (let s = 0; s < L; s += 2) {
      const at = <usize>s << 3;
      const ab = f64x2.add(v128.load(arow + at), v128.load(bcur + at));
      const e = f64x2.add(f64x2.sub(ab, v128.load(lpl + at)), nllv);
      const r = expv(f64x2.max(e, lo));
      // 0 where no alignment passes through (t, s), even where lp is −∞ there (−∞ − (−∞) is NaN)
      v128.store(tmp + at, v128.bitselect(zero, r, v128.or(f64x2.eq(ab, ninf), f64x2.lt(e, lo))));
    }
    // g = exp(lp(t, ·)) − γ, scaled, stored in T
    const ntv = f64x2.splat(nt);
    let c = 0;
    for (; c + 2 <= C; c += 2) v128.store(g + (<usize>c << 3), expv(f64x2.sub(load2<T>(xt, c), ntv)));
    if (c < C) store<f64>(g + (<usize>c << 3), Math.exp(<f64>load<T>(xt + <usize>c * sizeof<T>()) - nt));
    for (let s = 0; s < L; s++) {
      const at = g + (<usize>load<i32>(label + (<usize>s << 2)) << 3);
      store<f64>(at, load<f64>(at) - load<f64>(tmp + (<usize>s << 3)));
    }
    const out = grad + <usize>t * gb;
    if (gradF64) for (let k = 0; k < C; k++) store<f64>(out + (<usize>k << 3), load<f64>(g + (<usize>k << 3)) * gradScale);
    else for (let k = 0; k < C; k++) store<f32>(out + (<usize>k << 2), <f32>(load<f64>(g + (<usize>k << 3)) * gradScale));
  }
  return lossOk ? probNll : nll;
}

// ---- the probability-space recursion (Graves et al. 2006, section 4.1: rescaled α and β) ----------
//
// α_t(s) = (α_{t−1}(s) + α_{t−1}(s−1) + [α_{t−1}(s−2)])·p(t, l'_s), p = exp lp, with no exp or log
// per cell: one exp per lattice state and frame (the gather), an add, two multiplies. Each row is
// rescaled by a power of two, 2^−k with 2^k ≤ the row's largest cell < 2^(k+1) (applied to the
// next frame's sums): exact, so the loss is −(log(α̂_{T−1}(L−1) + α̂_{T−1}(L−2)) + K·ln 2), K the
// sum of the k, and every other rounding is relative (≤ 1/2 ulp per add or multiply: the loss
// has a smaller error here than in log space, where each lse rounds to ε·|α|, |α| in the hundreds).
// β the same way from a virtual row β_T(L−1) = 1; the gradient per frame from
// u_s = α̂_t(s)·β̃_t(s) (β̃: β before the frame's p, so that α_t β_t / p_t needs no division),
// γ_t(c)/p(target) = Σ_{s: l'_s = c} u_s / Σ_s u_s (the frame's Σ_s α_t(s) β_t(s)/p_t(s) is p(target)).
//
// Exactness is checked, not assumed. An "event" is a product of nonzero factors below 2^-1000 (a
// cell flushed to 0 or to a subnormal: a path 2^-1000 below the frame's largest), or a finite
// log-probability below −708 (its p taken as e^-708). An event at frame t loses less than 2^-1000
// in frame t's units, and what it loses reaches p(target) only through β̃_t ≤ 6 (rows scaled so
// that their largest cell is below 2), while p(target) is Σ_s α̂_t(s)·β̃_t(s) = Σ u in the same
// units: so where every frame's Σ u is at least 2^-900, all events (fewer than 2^40) together
// lose less than 2^-57 of p(target), a few ulp below the rounding. Long inputs have events
// routinely (states hundreds of frames behind the bulk), and they are harmless there; a path that
// an event lost and that dominates later leaves some frame's Σ u tiny. The result is given up
// (false; the caller then runs the log-space recursion, exact for any input) where:
//   - a frame's log-probability at a lattice state is NaN, +∞ or above 1 (the bounds above);
//   - a row is all 0 (no alignment: the log path gives +∞ and the gradient by zeroInfinity);
//   - a frame's Σ_s u_s is below 2^-900 (checked in the backward pass, which also runs, without
//     the gradient, for a loss alone whose forward pass had events). Without events the loss
//     stands even there (probLossOk): only the gradient (u_s that underflow) is given up.

/** The loss found by probSample (a global: AssemblyScript functions return one value). */
let probNll: f64 = 0;
/** alphaProb / betaProb's outputs: a product fell below 2^-1000, the row's largest cell, Σ u (even, odd states). */
let rowBad: bool = false;
let rowMax: f64 = 0;
let rowSum: f64 = 0;
let rowSumOdd: f64 = 0;
/** probRow's: a finite log-probability below LP_LO. */
let rowTiny: bool = false;
/** Whether probNll stands (set by probSample even where it gives up on the gradient). */
let probLossOk: bool = false;

const LP_LO: f64 = -708.0; // expPoly's domain
const LP_HI: f64 = 1.0;
const TINY: f64 = reinterpret<f64>(<u64>(1023 - 1000) << 52); // 2^-1000
const Z_MIN: f64 = reinterpret<f64>(<u64>(1023 - 900) << 52); // 2^-900
const LN2_HI: f64 = 6.93147180369123816490e-1; // fdlibm's: 32 significant bits, K·LN2_HI is exact for |K| < 2^21
const LN2_LO: f64 = 1.90821492927058770002e-10;

/** 2^−k for the row's largest cell m (normal, > 0): the power of two that brings m into [1, 2). */
// @ts-ignore: decorator
@inline function scaleOf(m: f64): f64 {
  return reinterpret<f64>(<u64>(2046 - <i32>((reinterpret<u64>(m) >> 52) & 0x7ff)) << 52);
}

/**
 * A frame's lattice row for probSample, before probRow: the log-probabilities (less the frame's
 * norm nt) of the S labels at 0 … S − 1, −∞ at S and S + 1, the blank's at S + 2, −∞ at S + 3 and
 * S + 4. The forward pass and the backward pass's check build it the same way.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function frameRow<T>(xt: usize, label: usize, S: i32, bl: usize, nt: f64, pl: usize): void {
  for (let i = 0; i < S; i++) {
    store<f64>(pl + (<usize>i << 3), <f64>load<T>(xt + <usize>load<i32>(label + (<usize>(2 * i + 1) << 2)) * sizeof<T>()) - nt);
  }
  store<f64>(pl + (<usize>S << 3), NEG_INF);
  store<f64>(pl + (<usize>(S + 1) << 3), NEG_INF);
  store<f64>(pl + (<usize>(S + 2) << 3), <f64>load<T>(xt + bl * sizeof<T>()) - nt);
  store<f64>(pl + (<usize>(S + 3) << 3), NEG_INF);
  store<f64>(pl + (<usize>(S + 4) << 3), NEG_INF);
}

/**
 * The sample on the probability-space recursion; false where it cannot vouch for its result (see
 * above). Same memory as the log path: alpha (frames rows, state s at cell s + 2), beta (two rows),
 * maskA/maskB (kept lanes all ones, so `and` keeps them and gives +0 elsewhere), lpl (the frame's
 * p of the S labels, pl[i] = p(t, l'_{2i+1}), a 0 at pl[S] for the cell past the lattice, the
 * blank's at pl[S + 2] (in the forward pass; pl[S + 1], pl[S + 3], pl[S + 4] −∞, so that whole pairs are read):
 * the lattice's L states have S + 1 distinct classes, the blank on every even state, so a pair of
 * states (2i, 2i + 1) takes (p(t, blank), pl[i])), tmp (the virtual α_{−1} row, then u), g.
 */
function probSample<T>(
  x: usize, stride: i32, frames: i32, C: i32, blank: i32, L: i32, W: i32,
  // ctcSample's work block, laid out there (pl: its lattice row, here probabilities)
  alpha: usize, beta: usize, maskA: usize, maskB: usize, pl: usize, tmp: usize, label: usize, norm: usize, g: usize,
  grad: usize, gradF64: i32, gradScale: f64,
): bool {
  const S = L >> 1;
  const Wb = <usize>W << 3;
  const bl = <usize>blank;

  probLossOk = false;
  let events = false;
  // α_{−1}: state 0 (cell 2) 1, so that α_0(0) = p(0, blank) and α_0(1) = p(0, l'_1)
  memory.fill(tmp, 0, Wb);
  store<f64>(tmp + 16, 1.0);
  let prev = tmp;
  let scale: f64 = 1;
  let K: i32 = 0;
  for (let t = 0; t < frames; t++) {
    const xt = x + <usize>t * <usize>stride * sizeof<T>();
    const nt = load<f64>(norm + (<usize>t << 3));
    frameRow<T>(xt, label, S, bl, nt, pl);
    // p of the S labels, the 0 past them, and of the blank (at S + 2), each checked
    if (!probRow(pl, (S + 5) & ~1)) return false;
    const cur = alpha + <usize>t * Wb;
    alphaProb(prev, cur, maskA, pl, load<f64>(pl + (<usize>(S + 2) << 3)), S, scale);
    if (rowMax == 0) return false;
    if (rowBad || rowTiny) events = true;
    prev = cur;
    if (t + 1 < frames) {
      scale = scaleOf(rowMax);
      K += <i32>((reinterpret<u64>(rowMax) >> 52) & 0x7ff) - 1023;
    }
  }
  const last = alpha + <usize>(frames - 1) * Wb;
  const pm = load<f64>(last + (<usize>(L - 1 + 2) << 3)) + (L > 1 ? load<f64>(last + (<usize>(L - 2 + 2) << 3)) : 0.0);
  if (!(pm > 0)) return false;
  probNll = -(Math.log(pm) + (<f64>K * LN2_HI + <f64>K * LN2_LO));
  probLossOk = !events;
  if (grad == 0 && !events) return true;

  // β_T: state L − 1 (a virtual row) 1, so that β̃_{T−1} is 1 at L − 1 and L − 2, 0 elsewhere
  memory.fill(beta, 0, 2 * Wb);
  let next = beta;
  let cur = beta + Wb;
  store<f64>(next + (<usize>(L - 1) << 3), 1.0);
  scale = 1;
  const gw: usize = gradF64 ? 8 : 4;
  const gb = <usize>C * gw;
  for (let t = frames - 1; t >= 0; t--) {
    const xt = x + <usize>t * <usize>stride * sizeof<T>();
    // exp(lp(t, ·)) of every class (the gradient's first term), and the p of the lattice from
    // it: the forward pass checked these log-probabilities and took the same exp of them
    const nt = load<f64>(norm + (<usize>t << 3));
    let pb: f64;
    if (grad != 0) {
      expRow<T>(xt, C, nt, g);
      for (let i = 0; i < S; i++) {
        store<f64>(pl + (<usize>i << 3), load<f64>(g + (<usize>load<i32>(label + (<usize>(2 * i + 1) << 2)) << 3)));
      }
      store<f64>(pl + (<usize>S << 3), 0.0);
      pb = load<f64>(g + (bl << 3));
    } else {
      // the loss alone, with events in the forward pass: the same p as the forward pass, for the checks
      frameRow<T>(xt, label, S, bl, nt, pl);
      probRow(pl, (S + 5) & ~1);
      pb = load<f64>(pl + (<usize>(S + 2) << 3));
    }
    betaProb(next, cur, maskB, pl, pb, alpha + <usize>t * Wb + 16, tmp, S, scale);
    const z = rowSum + rowSumOdd;
    // every frame's Σ u must be at least 2^-900: then what any event lost is below 2^-97 of it
    if (!(z >= Z_MIN)) return false;
    scale = scaleOf(rowMax);
    if (grad == 0) {
      const swap = next;
      next = cur;
      cur = swap;
      continue;
    }
    const inv = 1.0 / z;
    // γ/p(target): the blank's from the even states' Σ u at once, each label's from its state
    store<f64>(g + (bl << 3), load<f64>(g + (bl << 3)) - rowSum * inv);
    for (let s = 1; s < L; s += 2) {
      const at = g + (<usize>load<i32>(label + (<usize>s << 2)) << 3);
      store<f64>(at, load<f64>(at) - load<f64>(tmp + (<usize>s << 3)) * inv);
    }
    storeGrad(grad + <usize>t * gb, g, C, gradF64, gradScale);
    const swap = next;
    next = cur;
    cur = swap;
  }
  probLossOk = true;
  return true;
}

const E_INV_LN2: f64 = 1.44269504088896338700e0;
const E_SHIFT: f64 = 6755399441055744.0; // 1.5·2^52: x·(1/ln 2) + E_SHIFT rounds to an integer in the low bits
const E_LN2_HI: f64 = 6.93147180369123816490e-1;
const E_LN2_LO: f64 = 1.90821492927058770002e-10;

/**
 * exp x for lanes in [−708, 709] (fastExp64's domain) without a division: x = k·ln 2 + r,
 * |r| ≤ ln 2 / 2 (+ the rounding of k·ln 2 in two parts, as fastExp64), e^r by its Taylor series
 * to r^13 (the remainder is below r^14/14! < 4.3e-18 of the result), in Estrin's scheme (a chain
 * of five multiply-adds, not thirteen), times 2^k by the exponent bits. Within 2 ulp of e^x
 * (the sum's roundings; measured by test/ctc.prob.test.ts against exp on 2e5 arguments). The f64
 * division in fastExp64 (r·c/(2 − c)) is the longest step of its chain, and the CTC gradient
 * takes an exp of every input element.
 */
/** expPoly's constants, splatted (a v128 load each: V8 rebuilds an inline SIMD constant at every use in a loop). */
const EK: usize = memory.data<f64>([
  E_INV_LN2, E_INV_LN2, E_SHIFT, E_SHIFT, E_LN2_HI, E_LN2_HI, E_LN2_LO, E_LN2_LO,
  0.5, 0.5, 0.16666666666666666, 0.16666666666666666, // 1/2!, 1/3!
  0.041666666666666664, 0.041666666666666664, 0.008333333333333333, 0.008333333333333333,
  0.001388888888888889, 0.001388888888888889, 0.0001984126984126984, 0.0001984126984126984,
  2.48015873015873e-5, 2.48015873015873e-5, 2.7557319223985893e-6, 2.7557319223985893e-6,
  2.755731922398589e-7, 2.755731922398589e-7, 2.505210838544172e-8, 2.505210838544172e-8,
  2.08767569878681e-9, 2.08767569878681e-9, 1.6059043836821613e-10, 1.6059043836821613e-10, // 1/12!, 1/13!
  1.0, 1.0,
], 16);

// @ts-ignore: decorator
@inline function expPoly(x: v128): v128 {
  const kd = f64x2.add(f64x2.mul(x, v128.load(EK)), v128.load(EK, 16));
  const k = f64x2.sub(kd, v128.load(EK, 16));
  const scale = i64x2.add(i64x2.shl(kd, 52), v128.load(EK, 256)); // 2^k: k + 1023 in the exponent bits (1.0's bits are 1023 << 52)
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, v128.load(EK, 32))), f64x2.mul(k, v128.load(EK, 48)));
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const p23 = f64x2.add(v128.load(EK, 64), f64x2.mul(r, v128.load(EK, 80)));
  const p45 = f64x2.add(v128.load(EK, 96), f64x2.mul(r, v128.load(EK, 112)));
  const p67 = f64x2.add(v128.load(EK, 128), f64x2.mul(r, v128.load(EK, 144)));
  const p89 = f64x2.add(v128.load(EK, 160), f64x2.mul(r, v128.load(EK, 176)));
  const pab = f64x2.add(v128.load(EK, 192), f64x2.mul(r, v128.load(EK, 208)));
  const pcd = f64x2.add(v128.load(EK, 224), f64x2.mul(r, v128.load(EK, 240)));
  const q2 = f64x2.add(p23, f64x2.mul(r2, p45)); // r^2.. r^5 over r^2
  const q6 = f64x2.add(p67, f64x2.mul(r2, p89)); // r^6.. r^9 over r^6
  const qa = f64x2.add(pab, f64x2.mul(r2, pcd)); // r^10.. r^13 over r^10
  const hi = f64x2.add(q6, f64x2.mul(r4, qa)); // r^6.. r^13 over r^6
  const tail = f64x2.mul(r2, f64x2.add(q2, f64x2.mul(r4, hi))); // r^2.. r^13
  // 1 + (r + tail): the 1 last, so that the small terms keep their bits
  return f64x2.mul(f64x2.add(v128.load(EK, 256), f64x2.add(r, tail)), scale);
}

/**
 * g[c] = exp(x(t, c) − nt) for the C classes: four at a time, fastExp64 inline on two pairs (two
 * independent chains: the exp's latency, not its instructions, bounds this loop), exp64 (the
 * scalar path outside fastExp64's domain) for a pair with a lane outside it; the same values as exp64.
 */
function expRow<T>(xt: usize, C: i32, nt: f64, g: usize): void {
  const ntv = f64x2.splat(nt);
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const a = f64x2.sub(load2<T>(xt, c), ntv);
    const b = f64x2.sub(load2<T>(xt, c + 2), ntv);
    if (expDomain64(a) && expDomain64(b)) {
      v128.store(g + (<usize>c << 3), expPoly(a));
      v128.store(g + (<usize>c << 3) + 16, expPoly(b));
    } else {
      v128.store(g + (<usize>c << 3), expv(a));
      v128.store(g + (<usize>c << 3) + 16, expv(b));
    }
  }
  for (; c + 2 <= C; c += 2) {
    const a = f64x2.sub(load2<T>(xt, c), ntv);
    v128.store(g + (<usize>c << 3), expDomain64(a) ? expPoly(a) : expv(a));
  }
  if (c < C) {
    const a = f64x2.splat(<f64>load<T>(xt + <usize>c * sizeof<T>()) - nt);
    store<f64>(g + (<usize>c << 3), f64x2.extract_lane(expDomain64(a) ? expPoly(a) : expv(a), 0));
  }
}

/** out[k] = g[k]·gs for the C classes, in f64 (gradF64) or f32 (rounded once, as a scalar store), four at a time. */
function storeGrad(out: usize, g: usize, C: i32, gradF64: i32, gs: f64): void {
  const gsv = f64x2.splat(gs);
  let k = 0;
  if (gradF64) {
    for (; k + 2 <= C; k += 2) v128.store(out + (<usize>k << 3), f64x2.mul(v128.load(g + (<usize>k << 3)), gsv));
  } else {
    for (; k + 4 <= C; k += 4) {
      const lo = f32x4.demote_f64x2_zero(f64x2.mul(v128.load(g + (<usize>k << 3)), gsv));
      const hi = f32x4.demote_f64x2_zero(f64x2.mul(v128.load(g + (<usize>k << 3) + 16), gsv));
      v128.store(out + (<usize>k << 2), v128.shuffle<f32>(lo, hi, 0, 1, 4, 5));
    }
  }
  for (; k < C; k++) {
    const v = load<f64>(g + (<usize>k << 3)) * gs;
    if (gradF64) store<f64>(out + (<usize>k << 3), v);
    else store<f32>(out + (<usize>k << 2), <f32>v);
  }
}

/**
 * lp values (at v, n cells, n even) to p = exp lp in place; false where one is NaN, +∞ or above
 * LP_HI. Sets rowTiny where a finite one is below LP_LO (its p, e^LP_LO there, is an event).
 */
function probRow(v: usize, n: i32): bool {
  const ninf = f64x2.splat(NEG_INF);
  const lo = f64x2.splat(LP_LO);
  const hi = f64x2.splat(LP_HI);
  const zero = f64x2.splat(0.0);
  let ok = i64x2.splat(-1);
  let tiny = zero;
  for (let s = 0; s < n; s += 2) {
    const at = v + (<usize>s << 3);
    const lp = v128.load(at);
    const inf = f64x2.eq(lp, ninf);
    ok = v128.and(ok, v128.or(f64x2.le(lp, hi), inf));
    tiny = v128.or(tiny, v128.andnot(f64x2.lt(lp, lo), inf));
    v128.store(at, v128.bitselect(zero, expPoly(f64x2.max(lp, lo)), inf));
  }
  rowTiny = v128.any_true(tiny);
  return i64x2.all_true(ok);
}

/**
 * α̂_t (at cur) from α̂_{t−1} (at prev) scaled by `scale`, p(t, blank) = pb and the labels' p at
 * pl; sets rowBad and rowMax.
 */
function alphaProb(prev: usize, cur: usize, maskA: usize, pl: usize, pb: f64, S: i32, scale: f64): void {
  const zero = f64x2.splat(0.0);
  const tiny = f64x2.splat(TINY);
  const sc = f64x2.splat(scale);
  const pbv = f64x2.splat(pb);
  let mx = zero;
  let bad = zero;
  store<f64>(cur, 0.0);
  store<f64>(cur + 8, 0.0);
  for (let i = 0; i <= S; i++) {
    const at = <usize>i << 4; // states 2i and 2i + 1
    const v0 = v128.load(prev + at + 16);
    const v1 = v128.load(prev + at + 8);
    const v2 = v128.and(v128.load(prev + at), v128.load(maskA + at));
    const v = f64x2.mul(f64x2.add(f64x2.add(v0, v1), v2), sc);
    const pp = f64x2.replace_lane(pbv, 1, load<f64>(pl + (<usize>i << 3)));
    const r = f64x2.mul(v, pp);
    v128.store(cur + at + 16, r);
    mx = f64x2.max(mx, r);
    bad = v128.or(bad, v128.and(f64x2.lt(r, tiny), v128.and(f64x2.gt(v, zero), f64x2.gt(pp, zero))));
  }
  rowBad = v128.any_true(bad);
  rowMax = max(f64x2.extract_lane(mx, 0), f64x2.extract_lane(mx, 1));
}

/**
 * β̂_t (at cur) from β̂_{t+1} (at next) scaled by `scale`, pb and pl as alphaProb's; u_s =
 * α̂_t(s)·β̃_t(s) at tmp (arow: α̂_t's state 0); sets rowBad, rowMax, and rowSum and rowSumOdd (Σ u
 * over the even states, the blank's, and over the odd ones).
 */
function betaProb(next: usize, cur: usize, maskB: usize, pl: usize, pb: f64, arow: usize, tmp: usize, S: i32, scale: f64): void {
  const zero = f64x2.splat(0.0);
  const tiny = f64x2.splat(TINY);
  const sc = f64x2.splat(scale);
  const pbv = f64x2.splat(pb);
  let mx = zero;
  let bad = zero;
  let z = zero;
  for (let i = 0; i <= S; i++) {
    const at = <usize>i << 4;
    const w0 = v128.load(next + at);
    const w1 = v128.load(next + at + 8);
    const w2 = v128.and(v128.load(next + at + 16), v128.load(maskB + at));
    const w = f64x2.mul(f64x2.add(f64x2.add(w0, w1), w2), sc);
    const pp = f64x2.replace_lane(pbv, 1, load<f64>(pl + (<usize>i << 3)));
    const b = f64x2.mul(w, pp);
    v128.store(cur + at, b);
    const u = f64x2.mul(v128.load(arow + at), w);
    v128.store(tmp + at, u);
    z = f64x2.add(z, u);
    mx = f64x2.max(mx, b);
    bad = v128.or(bad, v128.and(f64x2.lt(b, tiny), v128.and(f64x2.gt(w, zero), f64x2.gt(pp, zero))));
  }
  rowBad = v128.any_true(bad);
  rowMax = max(f64x2.extract_lane(mx, 0), f64x2.extract_lane(mx, 1));
  rowSum = f64x2.extract_lane(z, 0);
  rowSumOdd = f64x2.extract_lane(z, 1);
}

/** α_t (at cur) from α_{t−1} (at prev): f64 cells whatever the element type, one copy in the module. */
function alphaRow(prev: usize, cur: usize, maskA: usize, lpl: usize, L: i32): void {
  const ninf = f64x2.splat(NEG_INF);
  const lo = f64x2.splat(EXP_LO);
  const zero = f64x2.splat(0.0);
  const one = f64x2.splat(1.0);
  store<f64>(cur, NEG_INF);
  store<f64>(cur + 8, NEG_INF);
  for (let s = 0; s < L; s += 2) {
    const at = <usize>s << 3;
    const v0 = v128.load(prev + at + 16);
    const v1 = v128.load(prev + at + 8);
    const v2 = v128.bitselect(v128.load(prev + at), ninf, v128.load(maskA + at));
    v128.store(cur + at + 16, lse3(v0, v1, v2, v128.load(lpl + at), ninf, lo, zero, one));
  }
}

/** β_t (at cur) from β_{t+1} (at next). */
function betaRow(next: usize, cur: usize, maskB: usize, lpl: usize, L: i32): void {
  const ninf = f64x2.splat(NEG_INF);
  const lo = f64x2.splat(EXP_LO);
  const zero = f64x2.splat(0.0);
  const one = f64x2.splat(1.0);
  for (let s = 0; s < L; s += 2) {
    const at = <usize>s << 3;
    const w0 = v128.load(next + at);
    const w1 = v128.load(next + at + 8);
    const w2 = v128.bitselect(v128.load(next + at + 16), ninf, v128.load(maskB + at));
    v128.store(cur + at, lse3(w0, w1, w2, v128.load(lpl + at), ninf, lo, zero, one));
  }
}

/** lpl[s] = x(t, l'_s) − norm for s < L, −∞ for the cells past it. */
// @ts-ignore: decorator
@inline function gather<T>(xt: usize, label: usize, lpl: usize, L: i32, W: i32, norm: f64): void {
  for (let s = 0; s < L; s++) {
    store<f64>(lpl + (<usize>s << 3), <f64>load<T>(xt + <usize>load<i32>(label + (<usize>s << 2)) * sizeof<T>()) - norm);
  }
  for (let s = L; s < W; s++) store<f64>(lpl + (<usize>s << 3), NEG_INF);
}

/** log Σ_c exp x_c of one frame: max, then Σ exp(x − max) in two lanes (a term below e^-708 as 0). */
function logSumExp<T>(xt: usize, C: i32, ninf: v128, lo: v128, zero: v128): f64 {
  let mv = ninf;
  let c = 0;
  for (; c + 2 <= C; c += 2) mv = f64x2.max(mv, load2<T>(xt, c));
  let m = max(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
  if (c < C) m = max(m, <f64>load<T>(xt + <usize>c * sizeof<T>()));
  // a frame holding +∞ is NaN throughout, as PyTorch's log_softmax (x − max is NaN there)
  if (m == Infinity) return NaN;
  if (m == NEG_INF || isNaN(m)) return m;
  const mm = f64x2.splat(m);
  let sv = zero;
  c = 0;
  for (; c + 2 <= C; c += 2) {
    const d = f64x2.sub(load2<T>(xt, c), mm);
    sv = f64x2.add(sv, v128.bitselect(zero, expv(f64x2.max(d, lo)), f64x2.lt(d, lo)));
  }
  let sum = addLanes(sv);
  if (c < C) sum += Math.exp(<f64>load<T>(xt + <usize>c * sizeof<T>()) - m);
  return m + Math.log(sum);
}

export function ctcSampleF64(
  x: usize, stride: i32, frames: i32, classes: i32, target: usize, S: i32, blank: i32, fromLogits: i32,
  work: usize, grad: usize, gradF64: i32, gradScale: f64, zeroInfinity: i32,
): f64 {
  return ctcSample<f64>(x, stride, frames, classes, target, S, blank, fromLogits, work, grad, gradF64, gradScale, zeroInfinity);
}

export function ctcSampleF32(
  x: usize, stride: i32, frames: i32, classes: i32, target: usize, S: i32, blank: i32, fromLogits: i32,
  work: usize, grad: usize, gradF64: i32, gradScale: f64, zeroInfinity: i32,
): f64 {
  return ctcSample<f32>(x, stride, frames, classes, target, S, blank, fromLogits, work, grad, gradF64, gradScale, zeroInfinity);
}

/**
 * index[r] = the class of row r's largest element, the first of equal maxima; a NaN wins (the
 * first NaN), as torch.argmax (descriptor argMaxRows: src/kernels/table.ts; TS twin
 * src/kernels/ts-ctc.ts). f32 rows of at least four classes: the row's maximum by f32x4.max
 * (pmax, two accumulators; NaNs looked for apart), then the first class equal to it, four compares and a bitmask at a time
 * (±0 compare equal: the first zero wins, as with the strict comparison of the scalar loop); a row whose maximum is NaN is redone element by element.
 */
export function argMaxRows<T>(x: usize, rows: i32, classes: i32, index: usize): void {
  const nv = classes >> 2;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * <usize>classes * sizeof<T>();
    let best = -1;
    if (sizeof<T>() == 4 && nv > 0) {
      // pmax (one maxps; f32x4.max's NaN and ±0 rules cost V8 several instructions); NaNs apart
      let m1 = v128.load(row);
      let m2 = m1;
      let nan = f32x4.ne(m1, m1);
      let k = 1;
      for (; k + 2 <= nv; k += 2) {
        const a = v128.load(row + (<usize>k << 4));
        const b = v128.load(row + (<usize>k << 4) + 16);
        m1 = f32x4.pmax(m1, a);
        m2 = f32x4.pmax(m2, b);
        nan = v128.or(nan, v128.or(f32x4.ne(a, a), f32x4.ne(b, b)));
      }
      if (k < nv) {
        const a = v128.load(row + (<usize>k << 4));
        m1 = f32x4.pmax(m1, a);
        nan = v128.or(nan, f32x4.ne(a, a));
      }
      m1 = f32x4.pmax(m1, m2);
      m1 = f32x4.pmax(m1, v128.shuffle<f32>(m1, m1, 2, 3, 0, 1));
      m1 = f32x4.pmax(m1, v128.shuffle<f32>(m1, m1, 1, 0, 3, 2));
      let m: f32 = v128.any_true(nan) ? <f32>NaN : f32x4.extract_lane(m1, 0);
      for (let c = nv << 2; c < classes; c++) {
        const w = load<f32>(row + (<usize>c << 2));
        if (w > m || isNaN(w)) m = w; // a NaN: the row is redone below
      }
      if (!isNaN(m)) {
        const mv = f32x4.splat(m);
        for (k = 0; k < nv; k++) {
          const bits = i32x4.bitmask(f32x4.eq(v128.load(row + (<usize>k << 4)), mv));
          if (bits != 0) {
            best = (k << 2) + ctz(bits);
            break;
          }
        }
        if (best < 0) for (let c = nv << 2; c < classes; c++) if (load<f32>(row + (<usize>c << 2)) == m) {
          best = c;
          break;
        }
      }
    }
    if (best < 0) {
      best = 0;
      let v: f64 = <f64>load<T>(row);
      for (let c = 1; c < classes; c++) {
        const w = <f64>load<T>(row + <usize>c * sizeof<T>());
        if (w > v || (isNaN(w) && !isNaN(v))) {
          v = w;
          best = c;
        }
      }
    }
    store<f64>(index + (<usize>r << 3), <f64>best);
  }
}
