// The pure-TypeScript loss kernels; assembly/losses.ts is their WASM twin, loop for loop.
import type { KernelFunctions } from './types.js';

type LossKernels = Pick<
  KernelFunctions,
  'lseRows' | 'softmaxRows' | 'softTargetRows' | 'softmaxGradRows' | 'bceRows' | 'bceLogitsRows' | 'klDivRows'
>;

export const tsLossKernels: LossKernels = {
  lseRows({ x, rows, classes, out }) {
    // One read of each row: running max and rescaled sum (see assembly/losses.ts).
    for (let r = 0; r < rows; r++) {
      let m = -Infinity;
      let s = 0;
      for (let i = r * classes, end = i + classes; i < end; i++) {
        const v = x[i];
        if (v > m) {
          s = s * Math.exp(m - v) + 1;
          m = v;
        } else if (v === m) {
          s += 1;
        } else {
          s += Math.exp(v - m);
        }
      }
      out[r] = m + Math.log(s);
    }
  },

  softmaxRows({ x, lse, rows, classes, log, out }) {
    for (let r = 0, i = 0; r < rows; r++) {
      const l = lse[r];
      const end = i + classes;
      if (log) for (; i < end; i++) out[i] = x[i] - l;
      else for (; i < end; i++) out[i] = Math.exp(x[i] - l);
    }
  },

  softTargetRows({ x, target, classWeight, lse, targetScale, uniform, rows, classes, loss, mass }) {
    for (let r = 0; r < rows; r++) {
      const l = lse[r];
      const a = targetScale[r];
      const b = uniform[r];
      const i = r * classes;
      if (a === 0 && b === 0) {
        // a row with no target mass (an ignored row): 0, as PyTorch masks it (0·∞ would be NaN)
        loss[r] = 0;
        mass[r] = 0;
        continue;
      }
      let s = 0;
      let c = 0;
      for (let j = 0; j < classes; j++) {
        let cj = b;
        if (target !== null) cj += a * target[i + j];
        if (classWeight !== null) cj *= classWeight[j];
        s += cj * (l - x[i + j]);
        c += cj;
      }
      loss[r] = s;
      mass[r] = c;
    }
  },

  softmaxGradRows({ x, target, classWeight, lse, softmaxScale, label, labelScale, targetScale, uniform, rows, classes, grad }) {
    for (let r = 0; r < rows; r++) {
      const l = lse[r];
      const g = softmaxScale[r];
      const a = targetScale[r];
      const b = uniform[r];
      const i = r * classes;
      if (g === 0 && a === 0 && b === 0 && (label === null || labelScale[r] === 0)) {
        // a row that carries no weight (an ignored row): exactly 0 (0·exp(NaN) would be NaN)
        for (let j = 0; j < classes; j++) grad[i + j] = 0;
        continue;
      }
      const col = label === null ? -1 : label[r];
      // class weights scale only the target and uniform terms (see assembly/losses.ts)
      const weighted = classWeight !== null && (a !== 0 || b !== 0);
      for (let j = 0; j < classes; j++) {
        let cj = b;
        if (target !== null) cj += a * target[i + j];
        if (weighted) cj *= classWeight[j];
        let v = g * Math.exp(x[i + j] - l) - cj;
        if (j === col) v -= labelScale[r]; // before the store: `grad` may be a Float32Array
        grad[i + j] = v;
      }
    }
  },

  bceRows({ input, target, weight, rows, classes, loss, sum }) {
    let ok = true;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let i = r * classes, end = i + classes; i < end; i++) {
        const p = input[i];
        const t = target[i];
        if (!(p >= 0 && p <= 1)) ok = false;
        let v = (t - 1) * Math.max(Math.log1p(-p), -100) - t * Math.max(Math.log(p), -100);
        if (weight !== null) v *= weight[i];
        if (loss !== null) loss[i] = v;
        s += v;
      }
      sum[r] = s;
    }
    return ok;
  },

  bceLogitsRows({ input, target, weight, posWeight, rows, classes, gradScale, loss, grad, sum }) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0, i = r * classes; j < classes; j++, i++) {
        const x = input[i];
        const t = target[i];
        const pw = posWeight !== null ? 1 + (posWeight[j] - 1) * t : 1; // the positive weight folded in
        const e = Math.exp(-Math.abs(x));
        const w = weight !== null ? weight[i] : 1;
        const l = w * ((1 - t) * x + pw * (Math.log1p(e) + Math.max(-x, 0)));
        if (loss !== null) loss[i] = l;
        s += l;
        if (grad !== null) {
          const sig = x >= 0 ? e / (1 + e) : 1 / (1 + e); // σ(−x) without overflow
          grad[i] = gradScale * w * (1 - t - pw * sig);
        }
      }
      sum[r] = s;
    }
  },

  klDivRows({ input, target, logTarget, rows, classes, loss, sum }) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let i = r * classes, end = i + classes; i < end; i++) {
        const a = input[i];
        const b = target[i];
        const v = logTarget ? Math.exp(b) * (b - a) : (b === 0 ? 0 : b * Math.log(b)) - b * a;
        if (loss !== null) loss[i] = v;
        s += v;
      }
      sum[r] = s;
    }
  },
};
