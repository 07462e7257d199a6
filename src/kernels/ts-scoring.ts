// The pure-TypeScript scoring kernels; assembly/scoring.ts is their WASM twin (same results to
// rounding: the selection is exact, the sums agree to the lse kernels' bounds).
import { expDiff } from './exact.js';
import type { LoopFunctions } from './types.js';

type ScoringKernels = Pick<LoopFunctions, 'topRows' | 'entropyRows' | 'entropyGradRows'>;

/** One row's entropy parts (see entropyRows): max, sum of the others' exp, their dot with x − max. */
const part = { m: -Infinity, s: 0, t: 0 };

/**
 * The entropy parts of x[i … end) in one read: a running max m, the sum s of exp(x − m) over the
 * other elements (the max's 1 apart; an element equal to it is a term of 1), t = Σ exp(x − m)·(x − m),
 * rescaled when the max grows; terms summed in blocks of 64 added with Neumaier's compensation
 * (as lseRows's TS twin). A −∞ element adds nothing; NaN makes s NaN; +∞ makes t NaN.
 */
function entropyParts(x: ArrayLike<number>, i: number, end: number): void {
  let m = -Infinity;
  let s = 0;
  let c = 0;
  let t = 0;
  while (i < end) {
    let b = 0;
    let d = 0;
    for (const stop = Math.min(i + 64, end); i < stop; i++) {
      const v = x[i];
      if (v === -Infinity) continue;
      if (v > m) {
        if (m > -Infinity) {
          const f = expDiff(m, v);
          const S = s + c + b;
          t = (t + d + (m - v) * (1 + S)) * f;
          s = (S + 1) * f;
          c = 0;
          b = 0;
          d = 0;
        }
        m = v;
      } else if (v === m) {
        b += 1;
      } else if (v < m) {
        const e = expDiff(v, m);
        b += e;
        d += e * (v - m);
      } else {
        b = Number.NaN; // v is NaN
      }
    }
    const u = s + b;
    c += Math.abs(s) >= Math.abs(b) ? s - u + b : b - u + s;
    s = u;
    t += d;
  }
  part.m = m;
  part.s = Number.isFinite(s) ? s + c : s;
  part.t = t;
}

export const tsScoringKernels: ScoringKernels = {
  topRows({ x, rows, classes, k, check, max, rest, values, indices }) {
    let ok = true;
    for (let r = 0; r < rows; r++) {
      const i0 = r * classes;
      const end = i0 + classes;
      const o = r * k;
      for (let j = 0; j < k; j++) {
        values[o + j] = -Infinity;
        indices[o + j] = -1;
      }
      // the selection: an element enters when above the list's last value (ties keep the lower index)
      let t = -Infinity;
      for (let i = i0; i < end; i++) {
        const v = x[i];
        if (check && !(v >= 0 && v <= 1)) ok = false;
        if (v > t) {
          let p = o + k - 1;
          while (p > o && values[p - 1] < v) {
            values[p] = values[p - 1];
            indices[p] = indices[p - 1];
            p--;
          }
          values[p] = v;
          indices[p] = i - i0;
          t = values[o + k - 1];
        }
      }
      entropyParts(x, i0, end);
      max[r] = part.m;
      rest[r] = Math.log1p(part.s);
    }
    return ok;
  },

  entropyRows({ x, rows, classes, max, sum, dot }) {
    for (let r = 0; r < rows; r++) {
      entropyParts(x, r * classes, (r + 1) * classes);
      max[r] = part.m;
      sum[r] = part.s;
      dot[r] = part.t;
    }
  },

  entropyGradRows({ x, max, rest, h, rows, classes, scale, grad }) {
    for (let r = 0, i = 0; r < rows; r++) {
      const m = max[r];
      const l = rest[r];
      const H = h[r];
      for (const end = i + classes; i < end; i++) {
        const v = x[i];
        if (v === -Infinity) {
          grad[i] = 0;
          continue;
        }
        const lp = v - m - l;
        grad[i] = -scale * Math.exp(lp) * (lp + H);
      }
    }
  },
};
