// The pure-TypeScript gradient kernels; assembly/grads.ts is their WASM twin, the same operations
// in the same order (f64 arithmetic, one rounding to a Float32Array output at the store).
import type { LoopFunctions } from './types.js';

type GradKernels = Pick<LoopFunctions, 'bceGradRows' | 'klDivGradRows' | 'crossGradRows'>;

/** PyTorch's EPSILON in binary_cross_entropy's backward: fl32(1e-12), a float constant (see assembly/grads.ts). */
const BCE_EPS = 9.999999960041972e-13;

export const tsGradKernels: GradKernels = {
  bceGradRows({ input, target, weight, rows, classes, scale, grad }) {
    for (let i = 0, n = rows * classes; i < n; i++) {
      const x = input[i];
      let g = (x - target[i]) / Math.max(BCE_EPS, x * (1 - x));
      if (weight !== null) g *= weight[i];
      grad[i] = g * scale;
    }
  },

  klDivGradRows({ target, logTarget, rows, classes, scale, rowScale, grad }) {
    for (let r = 0, i = 0; r < rows; r++) {
      // a row's scale: scale, times its rowScale (a sample weight) when given
      const s = -(rowScale === null ? scale : scale * rowScale[r]);
      const end = i + classes;
      if (logTarget) for (; i < end; i++) grad[i] = s * Math.exp(target[i]);
      else for (; i < end; i++) grad[i] = s * target[i];
    }
  },

  crossGradRows({ p, q, rows, classes, pScale, qScale, scale: scale0, rowScale, grad }) {
    for (let r = 0, i = 0; r < rows; r++) {
      const end = i + classes;
      const scale = rowScale === null ? scale0 : scale0 * rowScale[r];
      if (pScale === null || qScale === null) {
        const s = -scale;
        for (; i < end; i++) {
          const a = p[i];
          grad[i] = a === 0 ? 0 : s * (a / q[i]);
        }
        continue;
      }
      const ps = pScale[r];
      const qs = qScale[r];
      const atZero = scale * qs;
      for (; i < end; i++) {
        const a = p[i];
        const b = q[i];
        grad[i] = a === 0 ? atZero : scale * ((b * qs - a * ps) / b);
      }
    }
  },
};
