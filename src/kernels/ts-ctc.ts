// The CTC lattice kernel, pure TS: the loss of one sample (the forward, α, recursion) and its
// gradient (the backward, β, recursion and the posterior occupancy γ), in log space, in f64
// whatever the input's type. Its WASM twin is assembly/ctc.ts (same arguments, same results to
// rounding); the API layer (src/api/ctc.ts) checks everything and calls it once per sample.
//
// Graves et al. 2006, "Connectionist Temporal Classification", eqs. 6–16, 0-based: the extended
// target l' = (blank, l1, blank, l2, …, lS, blank) of L = 2S + 1 states; lp(t, c) the input's
// log-probability of class c at frame t (with fromLogits, x(t, c) − log Σ_c exp x(t, c));
//   α_0(0) = lp(0, blank), α_0(1) = lp(0, l'_1), α_0(s) = −∞ otherwise;
//   α_t(s) = lse(α_{t−1}(s), α_{t−1}(s−1), [α_{t−1}(s−2) if l'_s ≠ blank and l'_s ≠ l'_{s−2}]) + lp(t, l'_s);
//   loss = −lse(α_{T−1}(L−1), α_{T−1}(L−2));
//   β_{T−1}(L−1) = lp(T−1, blank), β_{T−1}(L−2) = lp(T−1, l'_{L−2});
//   β_t(s) = lse(β_{t+1}(s), β_{t+1}(s+1), [β_{t+1}(s+2) if l'_{s+2} ≠ l'_s]) + lp(t, l'_s);
//   γ_t(c) = Σ_{s: l'_s = c} exp(α_t(s) + β_t(s) − lp(t, c) + loss)   (β_t includes lp(t, ·) once more);
//   grad(t, c) = gradScale·(exp(lp(t, c)) − γ_t(c)).
// That is PyTorch's gradient for log_probs (aten/src/ATen/native/LossCTC.cpp,
// ctc_loss_backward_cpu_template: "(exp(lp) − exp(res + nll − lp))·gr"): the gradient as if
// through a log-softmax, not the bare −γ. With fromLogits it is the gradient w.r.t. the logits
// exactly (softmax − γ: Σ_c of PyTorch's gradient is 1 − 1 = 0, so the log-softmax's Jacobian
// leaves it unchanged). The log-sum-exp of two or three terms: m + log(Σ exp(v − m)), m their
// maximum, −∞ when all are −∞ (as PyTorch's).
import type { FloatArray, LoopFunctions } from './types.js';

/** The arguments of the CTC kernel, for one sample; both kernel sets take these. */
export interface CtcSampleArgs {
  /** The whole input (log-probabilities, or logits with fromLogits), in its layout. */
  x: FloatArray;
  /** The index in `x` of class 0 of the sample's frame 0. */
  start: number;
  /** Elements between consecutive frames of the sample: N·C time-major, C batch-first. */
  stride: number;
  /** The sample's input length, ≥ 1. */
  frames: number;
  classes: number;
  /** The sample's labels, each in [0, classes) and not blank (checked by the API layer). */
  target: Int32Array;
  blank: number;
  fromLogits: boolean;
  /** Where the gradient goes (null: none), at the same indices as `x`: frames [0, frames). */
  grad: FloatArray | null;
  /** d(reduced loss)/d(this sample's loss). */
  gradScale: number;
  /** The gradient of a sample whose loss is +∞: 0 (zeroInfinity) or NaN (PyTorch's otherwise). */
  zeroInfinity: boolean;
}

/** Runs the recursions of one sample; returns its loss, −log p(target | x) (+∞ when no alignment exists). */
export type CtcKernel = (args: CtcSampleArgs) => number;

/** lse of three log values, −∞ when all three are. */
function lse3(a: number, b: number, c: number): number {
  const m = Math.max(a, b, c);
  if (m === -Infinity) return -Infinity;
  return Math.log(Math.exp(a - m) + Math.exp(b - m) + Math.exp(c - m)) + m;
}

export const tsCtc: CtcKernel = ({ x, start, stride, frames: T, classes: C, target, blank, fromLogits, grad, gradScale, zeroInfinity }) => {
  const S = target.length;
  const L = 2 * S + 1;
  const label = new Int32Array(L);
  const skip = new Uint8Array(L); // whether α_t(s) takes α_{t−1}(s−2)
  for (let s = 0; s < L; s++) {
    label[s] = s & 1 ? target[s >> 1] : blank;
    skip[s] = s >= 2 && s & 1 && label[s] !== label[s - 2] ? 1 : 0;
  }
  // log Σ_c exp x(t, c) per frame with fromLogits (0 otherwise): max + log Σ exp(x − max)
  const norm = new Float64Array(T);
  if (fromLogits) {
    for (let t = 0; t < T; t++) {
      const o = start + t * stride;
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, x[o + c]);
      // a frame holding +∞ is NaN throughout, as PyTorch's log_softmax (x − max is NaN there)
      if (m === -Infinity || m === Infinity) norm[t] = m === Infinity ? Number.NaN : m;
      else {
        let sum = 0;
        for (let c = 0; c < C; c++) sum += Math.exp(x[o + c] - m);
        norm[t] = m + Math.log(sum);
      }
    }
  }
  // the probability-space recursion first; the log-space one where it cannot vouch for its result
  const viaProb = probCtc(x, start, stride, T, C, label, skip, norm, grad, gradScale);
  if (viaProb !== null) return viaProb;
  const alpha = new Float64Array(T * L).fill(-Infinity);
  alpha[0] = x[start + blank] - norm[0];
  if (L > 1) alpha[1] = x[start + label[1]] - norm[0];
  for (let t = 1; t < T; t++) {
    const o = start + t * stride;
    const p = (t - 1) * L;
    const q = t * L;
    for (let s = 0; s < L; s++) {
      const a1 = s > 0 ? alpha[p + s - 1] : -Infinity;
      const a2 = skip[s] ? alpha[p + s - 2] : -Infinity;
      alpha[q + s] = lse3(alpha[p + s], a1, a2) + (x[o + label[s]] - norm[t]);
    }
  }
  const end = (T - 1) * L;
  const nll = -lse3(alpha[end + L - 1], L > 1 ? alpha[end + L - 2] : -Infinity, -Infinity);
  if (grad === null) return probOk ? probLoss : nll;

  // no alignment (+∞: 0 with zeroInfinity, else NaN as PyTorch's exp(lp) − exp(−∞ + ∞ − lp)), or a
  // NaN or −∞ loss (NaN or +∞ input): PyTorch's formula is NaN at every element, so is ours
  if (!(nll > -Infinity && nll < Infinity)) {
    const v = zeroInfinity && nll === Infinity ? 0 : Number.NaN;
    for (let t = 0; t < T; t++) for (let c = 0, o = start + t * stride; c < C; c++) grad[o + c] = v;
    return probOk ? probLoss : nll;
  }
  let beta = new Float64Array(L).fill(-Infinity);
  let next = new Float64Array(L);
  const g = new Float64Array(C);
  for (let t = T - 1; t >= 0; t--) {
    const o = start + t * stride;
    if (t === T - 1) {
      beta[L - 1] = x[o + blank] - norm[t];
      if (L > 1) beta[L - 2] = x[o + label[L - 2]] - norm[t];
    } else {
      [beta, next] = [next, beta]; // next: β_{t+1}
      for (let s = 0; s < L; s++) {
        const b1 = s + 1 < L ? next[s + 1] : -Infinity;
        const b2 = s + 2 < L && skip[s + 2] ? next[s + 2] : -Infinity;
        beta[s] = lse3(next[s], b1, b2) + (x[o + label[s]] - norm[t]);
      }
    }
    for (let c = 0; c < C; c++) g[c] = Math.exp(x[o + c] - norm[t]);
    const q = t * L;
    for (let s = 0; s < L; s++) {
      const ab = alpha[q + s] + beta[s];
      if (ab === -Infinity) continue; // no alignment passes through (t, s): γ gets nothing
      g[label[s]] -= Math.exp(ab - (x[o + label[s]] - norm[t]) + nll);
    }
    for (let c = 0; c < C; c++) grad[o + c] = g[c] * gradScale;
  }
  return probOk ? probLoss : nll;
};

// The probability-space recursion (Graves et al. 2006, section 4.1, rows rescaled by powers of
// two), as assembly/ctc.ts's probSample (whose comment has the derivation and the error bound), in
// the same order of operations: the two give the same values but for the exp and log, each within
// 2 ulp. Events (a product of nonzero factors below 2^-1000, a log-probability below −708) are
// allowed and bounded by every frame's Σ_s α̂β̃ ≥ 2^-900; null where a lattice log-probability is
// NaN, +∞ or above 1, a row is all 0 (no alignment), or a frame's Σ_s α̂β̃ is below 2^-900 (the
// loss then stands, probOk, if the forward pass had no event). The log-space recursion then runs.
const LP_LO = -708;
const LP_HI = 1;
const TINY = 2 ** -1000;
const Z_MIN = 2 ** -900;
const LN2_HI = 0.6931471803691238; // fdlibm's: 32 significant bits, K·LN2_HI is exact for |K| < 2^21
const LN2_LO = 1.9082149292705877e-10;

/** probCtc's loss, and whether it stands where probCtc gave up on the gradient only. */
let probLoss = 0;
let probOk = false;

/** p(t, l'_s) into p from the log-probabilities; false where one is NaN, +∞ or above LP_HI; events[0] set for one below LP_LO. */
function emissions(x: FloatArray, o: number, label: Int32Array, nt: number, p: Float64Array, events: boolean[]): boolean {
  for (let s = 0; s < label.length; s++) {
    const lp = x[o + label[s]] - nt;
    if (lp === -Infinity) p[s] = 0;
    else if (lp <= LP_HI) {
      if (lp < LP_LO) events[0] = true;
      p[s] = Math.exp(Math.max(lp, LP_LO));
    } else return false;
  }
  return true;
}

function probCtc(
  x: FloatArray,
  start: number,
  stride: number,
  T: number,
  C: number,
  label: Int32Array,
  skip: Uint8Array,
  norm: Float64Array,
  grad: FloatArray | null,
  gradScale: number,
): number | null {
  probOk = false;
  const L = label.length;
  const alpha = new Float64Array(T * L);
  const p = new Float64Array(L);
  const events = [false];
  let scale = 1;
  let K = 0;
  for (let t = 0; t < T; t++) {
    if (!emissions(x, start + t * stride, label, norm[t], p, events)) return null;
    const q = t * L;
    const r = q - L; // α̂_{t−1}
    let mx = 0;
    for (let s = 0; s < L; s++) {
      // α_{−1} is 1 at state 0 (a virtual row): α_0(0) = p(0, blank), α_0(1) = p(0, l'_1)
      const v = t === 0 ? (s <= 1 ? 1 : 0) : (alpha[r + s] + (s > 0 ? alpha[r + s - 1] : 0) + (skip[s] ? alpha[r + s - 2] : 0)) * scale;
      const a = v * p[s];
      if (a < TINY && v > 0 && p[s] > 0) events[0] = true;
      alpha[q + s] = a;
      if (a > mx) mx = a;
    }
    if (mx === 0) return null;
    if (t + 1 < T) {
      const e = Math.floor(Math.log2(mx)); // any power of two near mx does: the scaling is exact
      scale = 2 ** -e;
      K += e;
    }
  }
  const end = (T - 1) * L;
  const pm = alpha[end + L - 1] + (L > 1 ? alpha[end + L - 2] : 0);
  if (!(pm > 0)) return null;
  const nll = -(Math.log(pm) + (K * LN2_HI + K * LN2_LO));
  probLoss = nll;
  probOk = !events[0];
  if (grad === null && probOk) return nll;

  // β_T is 1 at state L − 1 (a virtual row), so that β̃_{T−1} is 1 at L − 1 and L − 2
  let next = new Float64Array(L + 2);
  let cur = new Float64Array(L + 2);
  next[L - 1] = 1;
  scale = 1;
  const g = new Float64Array(C);
  const u = new Float64Array(L);
  for (let t = T - 1; t >= 0; t--) {
    const o = start + t * stride;
    if (grad !== null) {
      for (let c = 0; c < C; c++) g[c] = Math.exp(x[o + c] - norm[t]);
      for (let s = 0; s < L; s++) p[s] = g[label[s]];
    } else emissions(x, o, label, norm[t], p, events);
    const q = t * L;
    let mx = 0;
    let z0 = 0; // Σ u over even and odd states apart, as the WASM kernel's two lanes
    let z1 = 0;
    for (let s = 0; s < L; s++) {
      const w = (next[s] + next[s + 1] + (s + 2 < L && skip[s + 2] ? next[s + 2] : 0)) * scale;
      const b = w * p[s];
      cur[s] = b;
      if (b > mx) mx = b;
      const us = alpha[q + s] * w;
      u[s] = us;
      if (s & 1) z1 += us;
      else z0 += us;
    }
    const z = z0 + z1;
    // every frame's Σ u must be at least 2^-900: then what any event lost is below 2^-97 of it
    if (!(z >= Z_MIN)) return null;
    [next, cur] = [cur, next];
    if (mx > 0) scale = 2 ** -Math.floor(Math.log2(mx));
    if (grad === null) continue;
    const inv = 1 / z;
    // γ/p(target): the blank's from the even states' Σ u at once, each label's from its state
    g[label[0]] -= z0 * inv;
    for (let s = 1; s < L; s += 2) g[label[s]] -= u[s] * inv;
    for (let c = 0; c < C; c++) grad[o + c] = g[c] * gradScale;
  }
  probOk = true;
  return nll;
}

/** The table's CTC kernel (./table.ts): the arg-max of each row, for greedy decoding. */
export const tsCtcKernels: Pick<LoopFunctions, 'argMaxRows'> = {
  argMaxRows({ x, rows, classes, index }) {
    for (let r = 0, o = 0; r < rows; r++, o += classes) {
      let best = 0;
      let v = x[o];
      for (let c = 1; c < classes; c++) {
        const w = x[o + c];
        if (w > v || (Number.isNaN(w) && !Number.isNaN(v))) {
          v = w;
          best = c;
        }
      }
      index[r] = best;
    }
    return true;
  },
};
