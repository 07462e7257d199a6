// The pure-TypeScript column kernels (K-dimensional inputs, class axis 1); assembly/columns.ts is
// their WASM twin. Data are rows × classes × positions, element (r, c, s) at
// (r·classes + c)·positions + s; per-position arrays are rows × positions. Each position gets,
// operation for operation, what the row kernel of ./ts-losses.ts does along a row, so that the
// results equal those of the transposed input's rows bit for bit; the loops run class by class
// with the positions innermost, reading the input in its own order.
import { expDiff, subErr } from './exact.js';
import type { LoopFunctions } from './types.js';

type ColumnKernels = Pick<LoopFunctions, 'lseCols' | 'countAboveCols' | 'softmaxCols' | 'softTargetCols' | 'softmaxGradCols'>;

export const tsColumnKernels: ColumnKernels = {
  lseCols({ x, rows, classes, positions: W, max, sum }) {
    // lseRows's state per position: max m, sum s of the blocks, compensation c, block sum b
    // (blocks of 64 classes, Neumaier's compensation between them).
    const m = new Float64Array(W);
    const s = new Float64Array(W);
    const c = new Float64Array(W);
    const b = new Float64Array(W);
    for (let r = 0; r < rows; r++) {
      m.fill(-Infinity);
      s.fill(0);
      c.fill(0);
      b.fill(0);
      for (let j = 0; j < classes; j++) {
        const i = (r * classes + j) * W;
        for (let p = 0; p < W; p++) {
          const v = x[i + p];
          const mp = m[p];
          if (v > mp) {
            const f = expDiff(mp, v);
            s[p] = (s[p] + (c[p] + b[p] + 1)) * f;
            c[p] = 0;
            b[p] = 0;
            m[p] = v;
          } else if (v === mp) {
            b[p] += 1;
          } else {
            b[p] += expDiff(v, mp);
          }
        }
        if ((j + 1) % 64 === 0 || j + 1 === classes) {
          for (let p = 0; p < W; p++) {
            const sp = s[p];
            const bp = b[p];
            const t = sp + bp;
            c[p] += Math.abs(sp) >= Math.abs(bp) ? sp - t + bp : bp - t + sp;
            s[p] = t;
            b[p] = 0;
          }
        }
      }
      for (let p = 0; p < W; p++) {
        max[r * W + p] = m[p];
        sum[r * W + p] = s[p] + c[p]; // lseRows's rest is log1p of this (taken by the API layer)
      }
    }
  },

  countAboveCols({ x, threshold, rows, classes, positions: W, count }) {
    for (let r = 0; r < rows; r++) {
      const q = r * W;
      for (let p = 0; p < W; p++) count[q + p] = 0;
      for (let j = 0; j < classes; j++) {
        const i = (r * classes + j) * W;
        for (let p = 0; p < W; p++) if (x[i + p] > threshold[q + p]) count[q + p]++;
      }
    }
  },

  softmaxCols({ x, max, rest, rows, classes, positions: W, log, out }) {
    for (let r = 0; r < rows; r++) {
      const q = r * W;
      for (let j = 0; j < classes; j++) {
        const i = (r * classes + j) * W;
        if (log) for (let p = 0; p < W; p++) out[i + p] = x[i + p] - max[q + p] - rest[q + p];
        else for (let p = 0; p < W; p++) out[i + p] = expDiff(x[i + p], max[q + p], -rest[q + p]);
      }
    }
  },

  softTargetCols({ x, target, classWeight, max, rest, targetScale, uniform, rows, classes, positions: W, loss, mass }) {
    for (let r = 0; r < rows; r++) {
      const q = r * W;
      for (let p = 0; p < W; p++) {
        loss[q + p] = 0;
        mass[q + p] = 0;
      }
      for (let j = 0; j < classes; j++) {
        const i = (r * classes + j) * W;
        const w = classWeight === null ? 1 : classWeight[j];
        for (let p = 0; p < W; p++) {
          let cj = uniform[q + p];
          if (target !== null) cj += targetScale[q + p] * target[i + p];
          if (classWeight !== null) cj *= w;
          loss[q + p] += cj * (max[q + p] - x[i + p] + rest[q + p]);
          mass[q + p] += cj;
        }
      }
      // a position with no target mass (an ignored one): 0, as PyTorch masks it (0·∞ would be NaN)
      for (let p = 0; p < W; p++) {
        if (targetScale[q + p] === 0 && uniform[q + p] === 0) {
          loss[q + p] = 0;
          mass[q + p] = 0;
        }
      }
    }
  },

  softmaxGradCols({
    x,
    target,
    classWeight,
    max,
    rest,
    softmaxScale,
    label,
    labelScale,
    targetScale,
    uniform,
    rows,
    classes,
    positions: W,
    grad,
  }) {
    for (let r = 0; r < rows; r++) {
      const q = r * W;
      for (let j = 0; j < classes; j++) {
        const i = (r * classes + j) * W;
        for (let p = 0; p < W; p++) {
          const k = q + p;
          const g = softmaxScale[k];
          const a = targetScale[k];
          const b = uniform[k];
          const ls = labelScale[k];
          if (g === 0 && a === 0 && b === 0 && (label === null || ls === 0)) {
            // a position that carries no weight (an ignored one): exactly 0 (0·exp(NaN) would be NaN)
            grad[i + p] = 0;
            continue;
          }
          let cj = b;
          if (target !== null) cj += a * target[i + p];
          // class weights scale only the target and uniform terms (see assembly/losses.ts)
          if (classWeight !== null && (a !== 0 || b !== 0)) cj *= classWeight[j];
          const v = x[i + p];
          if (label === null || label[k] !== j) {
            grad[i + p] = g * expDiff(v, max[k], -rest[k]) - cj;
            continue;
          }
          // the label's element with its p − 1 part as expm1 (ts-losses.ts's softmaxGradRows)
          const s1 = v - max[k];
          const d = s1 - rest[k];
          const e = subErr(v, max[k], s1) + subErr(s1, rest[k], d);
          const pk = Math.exp(d);
          grad[i + p] = (g - ls) * (pk + pk * e) + ls * (Math.expm1(d) + pk * e) - cj;
        }
      }
    }
  },
};
