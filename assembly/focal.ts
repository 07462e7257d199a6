// Sigmoid focal loss (torchvision.ops.sigmoid_focal_loss), element by element, with its gradient:
// the kernel sigmoidFocalRows (descriptor: src/kernels/table.ts; TS twin: src/kernels/ts-focal.ts).
//
// torchvision's formula, for logit x and target t in [0, 1]:
//   p = σ(x), ce = BCE-with-logits(x, t), p_t = p·t + (1 − p)·(1 − t),
//   loss = alpha_t·ce·(1 − p_t)^γ,  alpha_t = alpha·t + (1 − alpha)·(1 − t) (1 when alpha < 0).
// Written so that nothing cancels and nothing overflows. With a = |x|, e = exp(−a) (in (0, 1]: no
// overflow at any logit), c = 1/(1 + e), s = e·c = σ(−a), and v the target's weight on the class
// the logit argues against (1 − t for x ≥ 0, t for x < 0), u = 1 − v:
//   ce      = v·a + log1p(e)                                  (parts of one sign)
//   1 − p_t = p·(1 − t) + (1 − p)·t = c·w,  w = v + u·e      (never 1 − 0.999…)
//   (1 − p_t)^γ = exp(γ·(log w − log1p(e))),  log w = −a exactly where v = 0
//   ∂loss/∂x = alpha_t·(1 − p_t)^γ·(±(v − s) + γ·ce·(1 − 2t)·s/w)   (±: the sign of x; s/w ≤ 1)
// The last from ∂ce/∂x = p − t = ±(v − s) and ∂(1 − p_t)/∂x = p·(1 − p)·(1 − 2t) = c·s·(1 − 2t).
// For a hard target both gradient parts have one sign. A confident correct logit (v = 0: t = 1
// and x > 0, or t = 0 and x < 0) has 1 − p_t = s and log(1 − p_t) = −a − log1p(e) from the exact
// a: the roundings of that sum and of γ times it are carried into the exp (TwoSum and Dekker's
// product), so that its loss ≈ alpha_t·e^(1+γ) keeps its digits at any |x| (each element within a
// few ulp of the exact value: test/focal.test.ts against mpmath at 50 digits).
//
// f64 data runs in f64x2 lanes (focal64), f32 data in f32x4 lanes with f64 where the last bits are
// decided (sigmoidFocalRows32), or, for γ > GAMMA32, in the f64 lanes too (widened exactly, outputs
// rounded once to f32). Measured (CPU time per element, 10^5 elements, gamma 2, hard targets): the
// f32 lanes 9 ns, f64 lanes 27 ns for either dtype, torchvision's formula as a JS loop 40 ns. The
// f32 lanes cost 2.9 KB of module; two elements per step instead of four, 0.9 KB less, was 27%
// slower.

import { LOG_K, LOGF_K, logdU, logfQ } from './vlog';
import { addLanes, EXP32_K, exp64, hi64 as hi, kept, lo64 as lo, pair, storePair, subErr64 } from './vmath';

/**
 * The largest γ for which f32 data runs in f32 lanes (sigmoidFocalRows32): the f32 polynomials'
 * error in log(1 − p_t), a few 2^-28, is multiplied by γ in (1 − p_t)^γ; up to here every output
 * stays within 2.5 f32 ulps (measured: test/focal.test.ts), beyond it f32 data takes the f64 lanes.
 */
const GAMMA32: f64 = 6;

/** Elements per block: partial sums over a block, then added to the row's total. */
const BLOCK: usize = 64;

/** Dekker's splitter 2^27 + 1: x·SPLIT − (x·SPLIT − x) is x's high 26 bits. */
const SPLIT: f64 = 134217729.0;

/**
 * Splatted constants, loaded into locals before the loop (see assembly/vlog.ts): 1, SPLIT, 2, −0
 * (the sign bit), 2^-1022, 0.373046875 (2·0.6865234375 − 1: logdU's interval for 1 + u), 1/2, ln 2.
 */
const K: usize = memory.data<f64>([
  1.0, 1.0, SPLIT, SPLIT, 2.0, 2.0, -0.0, -0.0, 2.2250738585072014e-308, 2.2250738585072014e-308,
  0.373046875, 0.373046875, 0.5, 0.5, 0.6931471805599453, 0.6931471805599453,
], 16);

/**
 * loss[i] = alpha_t·ce·(1 − p_t)^γ (when `loss` is given), grad[i] = gradScale·∂loss_i/∂x_i (when
 * `grad` is given), sum[r] = Σ over the row; alpha < 0: no alpha_t; gamma = 0: (1 − p_t)^0 = 1.
 * Returns 1 when a target is outside [0, 1] or NaN (the values are then computed anyway).
 */
export function sigmoidFocalRows<T>(
  input: usize, target: usize, rows: i32, classes: i32, alpha: f64, gamma: f64, gradScale: f64,
  loss: usize, grad: usize, sum: usize,
): i32 {
  if (sizeof<T>() == 4 && gamma <= GAMMA32) return sigmoidFocalRows32(input, target, rows, classes, alpha, gamma, gradScale, loss, grad, sum);
  return focal64(input, target, sizeof<T>() == 4, rows, classes, alpha, gamma, gradScale, loss, grad, sum);
}

/** exp64, called (not inlined: the kernel takes two exps, and the module's size matters more than a call). */
function exp2(x: v128): v128 {
  return exp64(x);
}

/** The table log (logdU), called; its constants loaded from memory at each call. */
function tableLog(x: v128, u: v128, useU: bool): v128 {
  return logdU(
    x, u, useU, v128.load(K), v128.load(LOG_K), v128.load(LOG_K, 16), v128.load(LOG_K, 32), v128.load(LOG_K, 48),
    v128.load(LOG_K, 64), v128.load(LOG_K, 80), v128.load(LOG_K, 96), v128.load(LOG_K, 112), v128.load(LOG_K, 128), v128.load(LOG_K, 144),
  );
}

/** log of each lane by Math.log: subnormal lanes, which the table log does not take. */
function scalarLogs(x: v128): v128 {
  return f64x2.replace_lane(f64x2.splat(Math.log(f64x2.extract_lane(x, 0))), 1, Math.log(f64x2.extract_lane(x, 1)));
}

/**
 * sigmoidFocalRows in f64x2 lanes, for f64 data, and for f32 data (`single`: widened exactly,
 * outputs rounded once to f32) where γ > GAMMA32.
 */
function focal64(
  input: usize, target: usize, single: bool, rows: i32, classes: i32, alpha: f64, gamma: f64, gradScale: f64,
  loss: usize, grad: usize, sum: usize,
): i32 {
  let one = v128.load(K), split = v128.load(K, 16), two = v128.load(K, 32), sign = v128.load(K, 48);
  let minNormal = v128.load(K, 64), k373 = v128.load(K, 80), half = v128.load(K, 96), ln2 = v128.load(K, 112);
  let zero = f64x2.splat(0);
  let G = f64x2.splat(gamma);
  let gc = gamma * SPLIT;
  let ghs = gc - (gc - gamma);
  let gh = f64x2.splat(ghs), gl = f64x2.splat(gamma - ghs);
  let scale = f64x2.splat(gradScale);
  let A = f64x2.splat(alpha), A1 = f64x2.splat(1 - alpha);
  let weighted = alpha >= 0, powered = gamma != 0;
  let bad = zero; // all ones in a lane that met a target outside [0, 1] or NaN
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let j = r * n, end = j + n;
    let total: f64 = 0;
    while (j < end) {
      let stop = min(j + BLOCK, end);
      let S = zero;
      for (; j < stop; j += 2) {
        let last = j + 1 == end;
        let x = single ? pair<f32>(input, j, last) : pair<f64>(input, j, last);
        let t = single ? pair<f32>(target, j, last) : pair<f64>(target, j, last);
        bad = v128.or(bad, v128.not(v128.and(f64x2.ge(t, zero), f64x2.le(t, one))));
        let pos = f64x2.ge(x, zero);
        let a = f64x2.abs(x);
        let e = exp2(f64x2.neg(a)); // its scalar path for a > 708 (subnormal or 0), ∞ and NaN
        let d = f64x2.add(one, e);
        // log1p(e) = K·ln 2 + log1p(u), u = e (K = 0) or (e − 1)/2 (K = 1, e ≥ 0.373…): logdU takes
        // u itself (not the rounded 1 + u) for 1 + u in [0.6865…, 1.373…), which d and d/2 then are
        let big = f64x2.ge(e, k373);
        let l1 = tableLog(v128.bitselect(f64x2.mul(d, half), d, big), v128.bitselect(f64x2.mul(f64x2.sub(e, one), half), e, big), true);
        l1 = f64x2.add(v128.and(big, ln2), l1);
        let tc = f64x2.sub(one, t);
        let v = v128.bitselect(tc, t, pos);
        let u = v128.bitselect(t, tc, pos);
        let ce = f64x2.add(f64x2.mul(v, a), l1);
        let w = f64x2.add(v, f64x2.mul(u, e));
        let vz = f64x2.eq(v, zero);
        let q = one;
        if (powered) {
          // log w: −a where v = 0 (w = e), 0 where u = 0 (w = 1); the table log only for soft targets
          let soft = v128.andnot(f64x2.ne(u, zero), vz);
          let lw = zero;
          if (v128.any_true(soft)) {
            // the table log for normal w (w in [e, 1], and w ≥ v: subnormal only for a subnormal target)
            let ws = v128.bitselect(w, one, soft);
            lw = v128.any_true(f64x2.lt(ws, minNormal)) ? scalarLogs(ws) : tableLog(ws, ws, false);
          }
          lw = v128.bitselect(f64x2.neg(a), lw, vz);
          // y + yErr = γ·(lw − log1p(e)) exactly but for the roundings of lw and l1
          let hi = f64x2.sub(lw, l1);
          let lo = subErr64(lw, l1, hi);
          let y = f64x2.mul(G, hi);
          let ch = f64x2.mul(split, hi);
          let hh = f64x2.sub(ch, f64x2.sub(ch, hi));
          let hl = f64x2.sub(hi, hh);
          let yErr = f64x2.add(f64x2.sub(f64x2.mul(gh, hh), y), f64x2.mul(gh, hl));
          yErr = f64x2.add(f64x2.add(f64x2.add(yErr, f64x2.mul(gl, hh)), f64x2.mul(gl, hl)), f64x2.mul(G, lo));
          q = exp2(y);
          // q·(1 + yErr), where yErr is finite (it is not where a logit is ±∞ or γ·hi overflows the split)
          q = f64x2.add(q, v128.and(f64x2.mul(q, yErr), f64x2.eq(f64x2.sub(yErr, yErr), zero)));
        }
        let at = weighted ? f64x2.add(f64x2.mul(A, t), f64x2.mul(A1, tc)) : one;
        let l = f64x2.mul(f64x2.mul(at, ce), q);
        if (loss) {
          if (single) storePair<f32>(loss, j, l, last);
          else storePair<f64>(loss, j, l, last);
        }
        S = f64x2.add(S, kept(l, last));
        if (grad) {
          // ±(v − s) = σ(x) − t, s = e/d; where v = 0, s/w = s/e = 1/d (no 0/0 where e underflows)
          let c = f64x2.div(one, d);
          let s = f64x2.mul(e, c);
          let dd = v128.xor(f64x2.sub(v, s), v128.andnot(sign, pos));
          if (powered) {
            let rw = v128.bitselect(c, f64x2.div(s, w), vz);
            dd = f64x2.add(dd, f64x2.mul(f64x2.mul(f64x2.mul(G, ce), f64x2.sub(one, f64x2.mul(two, t))), rw));
          }
          let gv = f64x2.mul(f64x2.mul(f64x2.mul(scale, at), q), dd);
          if (single) storePair<f32>(grad, j, gv, last);
          else storePair<f64>(grad, j, gv, last);
        }
      }
      total += addLanes(S);
    }
    store<f64>(sum + (r << 3), total);
  }
  return v128.any_true(bad) ? 1 : 0;
}

// ---- f32 data -------------------------------------------------------------------------------------
//
// Four f32 lanes do what f32 accuracy allows, the polynomials of exp and log (Cephes' expf E and
// the f32 log's Q, on arguments rounded to f32); what decides the last bits is done in f64 on lane
// pairs (as in assembly/bce32.ts): the argument reductions, exp(ρ) = 1 + ρ + ρ²·E(ρ) and
// log1p(ρ) = ρ + ρ²·Q(ρ) with ρ and ρ² in f64 (so that only the small ρ²-term carries E's and Q's
// f32 error, about 2^-28 of the result), the scaling by 2^n, and the products and sums. So e,
// log1p(e), log w and (1 − p_t)^γ = exp(γ·(log w − log1p(e))) are each within a few 2^-28 of
// their value, whatever γ (an exp of an argument rounded to f32 would be off by |y|·2^-24), and
// every output is its f64 value, within a few 2^-26 of the exact one, rounded once to f32.
// A block of BLOCK elements holding |x| ≥ 128, a target outside [+0, 1] (−0, NaN included) or an
// exponent γ·(log w − log1p(e)) below −708 (2^n would not be normal) is computed again by the f64
// lanes (focal64, which takes every special value and flags bad targets), and so are the row tails.

const LN2: f64 = 0.6931471805599453;
/** fdlibm's ln 2 = LN2_HI + LN2_LO, LN2_HI with 32 significant bits: n·LN2_HI is exact for |n| < 2^21. */
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = 1.4426950408889634;
/** 1.5·2^52: adding it rounds to an integer, held in the low mantissa bits. */
const SHIFT64: f64 = 6755399441055744.0;

// f64 constants of the f32 kernel, splatted: 1, 1/3, 1/2, ln 2, LN2_HI, LN2_LO, 1/ln 2, SHIFT64, −708, −0, 2.
const K64: usize = memory.data<f64>([
  1.0, 1.0, 0.3333333333333333, 0.3333333333333333, 0.5, 0.5, LN2, LN2, LN2_HI, LN2_HI, LN2_LO, LN2_LO,
  INV_LN2, INV_LN2, SHIFT64, SHIFT64, -708.0, -708.0, -0.0, -0.0, 2.0, 2.0,
], 16);
// Bit patterns: f64 2/3 and the f64 mantissa mask (log w's reduction); f32 |x| mask, 128.0, 1.0.
const KBITS: usize = memory.data<u64>([
  0x3fe5555555555555, 0x3fe5555555555555, 0x000fffffffffffff, 0x000fffffffffffff,
  0x7fffffff7fffffff, 0x7fffffff7fffffff, 0x4300000043000000, 0x4300000043000000, 0x3f8000003f800000, 0x3f8000003f800000,
], 16);

/** Set by focalRange when a target is outside [0, 1] or NaN (reset by each call of sigmoidFocalRows32). */
let badTarget: bool = false;

/** The f64 sum focalRange returns through (focal64 writes row sums to memory). */
const RANGE_SUM: usize = memory.data<f64>([0.0]);

/**
 * Elements [from, to) of f32 data by focal64 (f64 lanes, the f64 kernel's formulas): the tails and
 * the blocks the f32 lanes do not take. Stores their losses and gradients (f32), returns their sum;
 * a target outside [0, 1] or NaN sets badTarget.
 */
function focalRange(
  input: usize, target: usize, alpha: f64, gamma: f64, gradScale: f64, loss: usize, grad: usize, from: usize, to: usize,
): f64 {
  if (to <= from) return 0;
  let o = from << 2;
  let bad = focal64(
    input + o, target + o, true, 1, <i32>(to - from), alpha, gamma, gradScale, loss ? loss + o : 0, grad ? grad + o : 0, RANGE_SUM,
  );
  if (bad) badTarget = true;
  return load<f64>(RANGE_SUM);
}

/** Two f64x2 (lanes 0–1 and 2–3) rounded to f32 and stored as four f32 at p. */
// @ts-ignore: decorator
@inline function store4(p: usize, a: v128, b: v128): void {
  v128.store(p, v128.shuffle<u32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5));
}

/** Two f64x2 rounded to one f32x4. */
// @ts-ignore: decorator
@inline function narrow(a: v128, b: v128): v128 {
  return v128.shuffle<u32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/** Cephes' expf polynomial E, exp(ρ) = 1 + ρ + ρ²·E(ρ), in Estrin form on f32 lanes. */
// @ts-ignore: decorator
@inline function expE(r: v128, e0: v128, e1: v128, e2: v128, e3: v128, e4: v128, e5: v128): v128 {
  let r2 = f32x4.mul(r, r);
  return f32x4.add(
    f32x4.add(f32x4.add(e0, f32x4.mul(e1, r)), f32x4.mul(r2, f32x4.add(e2, f32x4.mul(e3, r)))),
    f32x4.mul(f32x4.mul(r2, r2), f32x4.add(e4, f32x4.mul(e5, r))),
  );
}

/**
 * sigmoidFocalRows for f32 data (see the section's comment). Per four elements: e = e^−a as
 * 2^-n·(1 + ρ + ρ²·E(ρ)), n = round(a/ln 2) from the f32 lanes, ρ = n·ln 2 − a in f64; log1p(e)
 * = K·ln 2 + ρ' + ρ'²·Q(ρ'), ρ' = e (K = 0) or (e − 1)/2 (K = 1, e ≥ 1/3), as bceLogitsRows32;
 * for soft targets log w = k·ln 2 + r + r²·Q(r) from w's f64 bits, w = 2^k·(1 + r), 1 + r in
 * [2/3, 4/3); (1 − p_t)^γ = exp(y), y = γ·(log w − log1p(e)) in f64, as 2^m·(1 + ρ + ρ²·E(ρ)),
 * m = round(y/ln 2), ρ = y − m·ln 2. The gradient's c = w·R and s/w = e·R come from one f64
 * reciprocal R = 1/((1 + e)·w).
 */
function sigmoidFocalRows32(
  input: usize, target: usize, rows: i32, classes: i32, alpha: f64, gamma: f64, gradScale: f64,
  loss: usize, grad: usize, sum: usize,
): i32 {
  let log2e = v128.load(EXP32_K), shift = v128.load(EXP32_K, 16);
  // E(ρ) = e0 + e1·ρ + … + e5·ρ^5: EXP32_K's Q5 … Q0
  let e0 = v128.load(EXP32_K, 144), e1 = v128.load(EXP32_K, 128), e2 = v128.load(EXP32_K, 112);
  let e3 = v128.load(EXP32_K, 96), e4 = v128.load(EXP32_K, 80), e5 = v128.load(EXP32_K, 64);
  let q0 = v128.load(LOGF_K, 48), q1 = v128.load(LOGF_K, 64), q2 = v128.load(LOGF_K, 80), q3 = v128.load(LOGF_K, 96);
  let q4 = v128.load(LOGF_K, 112), q5 = v128.load(LOGF_K, 128), q6 = v128.load(LOGF_K, 144), q7 = v128.load(LOGF_K, 160);
  let one = v128.load(K64), third = v128.load(K64, 16), half = v128.load(K64, 32), ln2 = v128.load(K64, 48);
  let ln2hi = v128.load(K64, 64), ln2lo = v128.load(K64, 80), invln2 = v128.load(K64, 96), shift64 = v128.load(K64, 112);
  let floorY = v128.load(K64, 128), sign = v128.load(K64, 144), two = v128.load(K64, 160);
  let twoThirds = v128.load(KBITS), mant = v128.load(KBITS, 16), absMask = v128.load(KBITS, 32), aTop = v128.load(KBITS, 48);
  let tTop = i32x4.add(v128.load(KBITS, 64), i32x4.splat(1)); // bits of t (unsigned) must stay below: t in [+0, 1]
  let zero = f64x2.splat(0), izero = i32x4.splat(0);
  let G = f64x2.splat(gamma), scale = f64x2.splat(gradScale);
  let A = f64x2.splat(alpha), A1 = f64x2.splat(1 - alpha);
  let weighted = alpha >= 0, powered = gamma != 0;
  badTarget = false;
  let n = <usize>classes;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n, end = i + n;
    let total: f64 = 0;
    while (i + 4 <= end) {
      let stop = min(i + BLOCK, end);
      let from = i;
      let S = zero;
      let mx = izero, mt = izero; // running maxima (unsigned) of |x|'s and t's bits
      let low = izero; // lanes whose y fell below −708
      for (; i + 4 <= stop; i += 4) {
        let x4 = v128.load(input + (i << 2)), t4 = v128.load(target + (i << 2));
        let a4 = v128.and(x4, absMask);
        mx = i32x4.max_u(mx, a4);
        mt = i32x4.max_u(mt, t4);
        // e = e^−a = 2^-n·e^ρ: n from the f32 lanes, ρ = n·ln 2 − a in f64 (n·LN2_HI exact)
        let nf = f32x4.add(f32x4.mul(a4, log2e), shift);
        let nn = f32x4.sub(nf, shift);
        let aA = lo(a4), aB = hi(a4);
        let nA = lo(nn), nB = hi(nn);
        let rA = f64x2.add(f64x2.sub(f64x2.mul(nA, ln2hi), aA), f64x2.mul(nA, ln2lo));
        let rB = f64x2.add(f64x2.sub(f64x2.mul(nB, ln2hi), aB), f64x2.mul(nB, ln2lo));
        let E = expE(narrow(rA, rB), e0, e1, e2, e3, e4, e5);
        let nsh = i32x4.shl(nf, 20); // n in the exponent field of an f64's high word
        let eA = i32x4.sub(f64x2.add(one, f64x2.add(rA, f64x2.mul(f64x2.mul(rA, rA), lo(E)))), v128.shuffle<u32>(izero, nsh, 0, 4, 1, 5));
        let eB = i32x4.sub(f64x2.add(one, f64x2.add(rB, f64x2.mul(f64x2.mul(rB, rB), hi(E)))), v128.shuffle<u32>(izero, nsh, 2, 6, 3, 7));
        // log1p(e) = K·ln 2 + log1p(ρ'), ρ' = e (K = 0) or (e − 1)/2 (K = 1, e ≥ 1/3)
        let kA = f64x2.ge(eA, third), kB = f64x2.ge(eB, third);
        let pA = v128.bitselect(f64x2.mul(f64x2.sub(eA, one), half), eA, kA);
        let pB = v128.bitselect(f64x2.mul(f64x2.sub(eB, one), half), eB, kB);
        let ql = logfQ(narrow(pA, pB), q0, q1, q2, q3, q4, q5, q6, q7);
        let lA = f64x2.add(f64x2.add(v128.and(ln2, kA), pA), f64x2.mul(f64x2.mul(pA, pA), lo(ql)));
        let lB = f64x2.add(f64x2.add(v128.and(ln2, kB), pB), f64x2.mul(f64x2.mul(pB, pB), hi(ql)));
        // v: the target's weight on the class the logit argues against, u = 1 − v
        let xA = lo(x4), xB = hi(x4), tA = lo(t4), tB = hi(t4);
        let posA = f64x2.ge(xA, zero), posB = f64x2.ge(xB, zero);
        let tcA = f64x2.sub(one, tA), tcB = f64x2.sub(one, tB);
        let vA = v128.bitselect(tcA, tA, posA), vB = v128.bitselect(tcB, tB, posB);
        let uA = v128.bitselect(tA, tcA, posA), uB = v128.bitselect(tB, tcB, posB);
        let ceA = f64x2.add(f64x2.mul(vA, aA), lA), ceB = f64x2.add(f64x2.mul(vB, aB), lB);
        let wA = f64x2.add(vA, f64x2.mul(uA, eA)), wB = f64x2.add(vB, f64x2.mul(uB, eB));
        let qA = one, qB = one;
        if (powered) {
          let vzA = f64x2.eq(vA, zero), vzB = f64x2.eq(vB, zero);
          let softA = v128.andnot(f64x2.ne(uA, zero), vzA), softB = v128.andnot(f64x2.ne(uB, zero), vzB);
          let lwA = zero, lwB = zero;
          if (v128.any_true(v128.or(softA, softB))) {
            // w in [e, 1], normal: w = 2^k·(1 + ρ), 1 + ρ in [2/3, 4/3), from its bits
            let iA = i64x2.sub(wA, twoThirds), iB = i64x2.sub(wB, twoThirds);
            let mA = f64x2.sub(i64x2.add(v128.and(iA, mant), twoThirds), one);
            let mB = f64x2.sub(i64x2.add(v128.and(iB, mant), twoThirds), one);
            let k = v128.shuffle<u32>(i64x2.shr_s(iA, 52), i64x2.shr_s(iB, 52), 0, 2, 4, 6);
            let qw = logfQ(narrow(mA, mB), q0, q1, q2, q3, q4, q5, q6, q7);
            lwA = f64x2.add(f64x2.mul(f64x2.convert_low_i32x4_s(k), ln2), f64x2.add(mA, f64x2.mul(f64x2.mul(mA, mA), lo(qw))));
            lwB = f64x2.add(
              f64x2.mul(f64x2.convert_low_i32x4_s(v128.shuffle<u32>(k, k, 2, 3, 2, 3)), ln2),
              f64x2.add(mB, f64x2.mul(f64x2.mul(mB, mB), hi(qw))),
            );
            lwA = v128.and(lwA, softA);
            lwB = v128.and(lwB, softB);
          }
          lwA = v128.bitselect(f64x2.neg(aA), lwA, vzA);
          lwB = v128.bitselect(f64x2.neg(aB), lwB, vzB);
          // (1 − p_t)^γ = exp(y) = 2^m·(1 + ρ + ρ²·E(ρ)), m = round(y/ln 2), ρ = y − m·ln 2
          let yA = f64x2.mul(G, f64x2.sub(lwA, lA)), yB = f64x2.mul(G, f64x2.sub(lwB, lB));
          low = v128.or(low, v128.or(f64x2.lt(yA, floorY), f64x2.lt(yB, floorY)));
          let kdA = f64x2.add(f64x2.mul(yA, invln2), shift64), kdB = f64x2.add(f64x2.mul(yB, invln2), shift64);
          let mmA = f64x2.sub(kdA, shift64), mmB = f64x2.sub(kdB, shift64);
          let rhoA = f64x2.sub(f64x2.sub(yA, f64x2.mul(mmA, ln2hi)), f64x2.mul(mmA, ln2lo));
          let rhoB = f64x2.sub(f64x2.sub(yB, f64x2.mul(mmB, ln2hi)), f64x2.mul(mmB, ln2lo));
          let Ey = expE(narrow(rhoA, rhoB), e0, e1, e2, e3, e4, e5);
          qA = i64x2.add(f64x2.add(one, f64x2.add(rhoA, f64x2.mul(f64x2.mul(rhoA, rhoA), lo(Ey)))), i64x2.shl(kdA, 52));
          qB = i64x2.add(f64x2.add(one, f64x2.add(rhoB, f64x2.mul(f64x2.mul(rhoB, rhoB), hi(Ey)))), i64x2.shl(kdB, 52));
        }
        let atA = one, atB = one;
        if (weighted) {
          atA = f64x2.add(f64x2.mul(A, tA), f64x2.mul(A1, tcA));
          atB = f64x2.add(f64x2.mul(A, tB), f64x2.mul(A1, tcB));
        }
        let LA = f64x2.mul(f64x2.mul(atA, ceA), qA), LB = f64x2.mul(f64x2.mul(atB, ceB), qB);
        if (loss) store4(loss + (i << 2), LA, LB);
        S = f64x2.add(S, f64x2.add(LA, LB));
        if (grad) {
          // R = 1/((1 + e)·w): c = w·R, s = e·c, s/w = e·R (= c where v = 0 and w = e)
          let RA = f64x2.div(one, f64x2.mul(f64x2.add(one, eA), wA)), RB = f64x2.div(one, f64x2.mul(f64x2.add(one, eB), wB));
          let sA = f64x2.mul(eA, f64x2.mul(wA, RA)), sB = f64x2.mul(eB, f64x2.mul(wB, RB));
          let dA = v128.xor(f64x2.sub(vA, sA), v128.andnot(sign, posA)), dB = v128.xor(f64x2.sub(vB, sB), v128.andnot(sign, posB));
          if (powered) {
            dA = f64x2.add(dA, f64x2.mul(f64x2.mul(f64x2.mul(G, ceA), f64x2.sub(one, f64x2.mul(two, tA))), f64x2.mul(eA, RA)));
            dB = f64x2.add(dB, f64x2.mul(f64x2.mul(f64x2.mul(G, ceB), f64x2.sub(one, f64x2.mul(two, tB))), f64x2.mul(eB, RB)));
          }
          store4(grad + (i << 2), f64x2.mul(f64x2.mul(f64x2.mul(scale, atA), qA), dA), f64x2.mul(f64x2.mul(f64x2.mul(scale, atB), qB), dB));
        }
      }
      if (i32x4.all_true(i32x4.lt_u(mx, aTop)) && i32x4.all_true(i32x4.lt_u(mt, tTop)) && !v128.any_true(low)) {
        total += addLanes(S);
      } else {
        total += focalRange(input, target, alpha, gamma, gradScale, loss, grad, from, i);
      }
    }
    total += focalRange(input, target, alpha, gamma, gradScale, loss, grad, i, end);
    store<f64>(sum + (r << 3), total);
  }
  return badTarget ? 1 : 0;
}
