// The pure-TypeScript focal-loss kernel; assembly/focal.ts is its WASM twin, formula for formula.
import { subErr } from './exact.js';
import type { LoopFunctions } from './types.js';

type FocalKernels = Pick<LoopFunctions, 'sigmoidFocalRows'>;

/** 2^27 + 1: Dekker's splitter, which cuts a double into two halves of 26 bits whose products are exact. */
const SPLIT = 134217729;

/** The high half of x (Dekker's split); x − high is the low half. */
function high(x: number): number {
  const c = SPLIT * x;
  return c - (c - x);
}

/** The rounding error of p = fl(a·b), exactly, from a's halves ah + al = a (Dekker's product); NaN or ±∞ where it overflows. */
function productErr(ah: number, al: number, b: number, p: number): number {
  const bh = high(b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

export const tsFocalKernels: FocalKernels = {
  sigmoidFocalRows({ input, target, rows, classes, alpha, gamma, gradScale, loss, grad, sum }) {
    // See assembly/focal.ts for the derivation. With a = |x|, e = exp(−a), c = 1/(1 + e),
    // s = e·c = σ(−a), v the target's weight on the class the logit argues against (1 − t for
    // x ≥ 0, t for x < 0) and u = 1 − v:
    //   ce = v·a + log1p(e),  1 − p_t = c·w with w = v + u·e,
    //   loss = alpha_t·ce·exp(γ·(log w − log1p(e))),
    //   ∂loss/∂x = alpha_t·(1 − p_t)^γ·(±(v − s) + γ·ce·(1 − 2t)·s/w)   (±: the sign of x).
    // log w = −a exactly where v = 0 (a hard target the logit agrees with), and the rounding of
    // log w − log1p(e) and of γ times it are carried into the exp: a confident correct logit's
    // tiny loss keeps its digits.
    const gh = high(gamma);
    const gl = gamma - gh;
    const weighted = alpha >= 0;
    let ok = true;
    for (let r = 0; r < rows; r++) {
      // blocks of 64 summed plainly, the blocks with Neumaier's compensation (as lseRows)
      let total = 0;
      let comp = 0;
      for (let i = r * classes, end = i + classes; i < end; ) {
        let b = 0;
        for (const stop = Math.min(i + 64, end); i < stop; i++) {
          const x = input[i];
          const t = target[i];
          if (!(t >= 0 && t <= 1)) ok = false;
          const pos = x >= 0;
          const a = Math.abs(x);
          const e = Math.exp(-a);
          const c = 1 / (1 + e);
          const s = e * c;
          const l1 = Math.log1p(e);
          const tc = 1 - t;
          const v = pos ? tc : t;
          const u = pos ? t : tc;
          const ce = v * a + l1;
          const w = v + u * e;
          let q = 1; // (1 − p_t)^γ; 1 for γ = 0 (as PyTorch's 0 ** 0)
          if (gamma !== 0) {
            const lw = v === 0 ? -a : Math.log(w);
            const hi = lw - l1;
            const lo = subErr(lw, l1, hi);
            const y = gamma * hi;
            const yErr = productErr(gh, gl, hi, y) + gamma * lo;
            q = Math.exp(y);
            if (yErr - yErr === 0) q += q * yErr;
          }
          const at = weighted ? alpha * t + (1 - alpha) * tc : 1;
          const l = at * ce * q;
          if (loss !== null) loss[i] = l;
          b += l;
          if (grad !== null) {
            // ±(v − s) is σ(x) − t; s/w ≤ 1, and where v = 0, w = e and s/w = c (no 0/0 where e underflows)
            let d = pos ? v - s : s - v;
            if (gamma !== 0) d += gamma * ce * (1 - 2 * t) * (v === 0 ? c : s / w);
            grad[i] = gradScale * at * q * d;
          }
        }
        const sum2 = total + b;
        comp += Math.abs(total) >= Math.abs(b) ? total - sum2 + b : b - sum2 + total;
        total = sum2;
      }
      sum[r] = Number.isFinite(total) ? total + comp : total;
    }
    return ok;
  },
};
