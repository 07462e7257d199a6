import type { Kernels } from './types.js';

type LossKernels = Pick<
  Kernels,
  'lseRows' | 'softmaxRows' | 'softDotRows' | 'softmaxGradRows' | 'bceRows' | 'bceLogitsRows' | 'klDivRows'
>;

/** The pure-TypeScript loss kernels; assembly/losses.ts is their WASM twin, loop for loop. */
export const jsLossKernels: LossKernels = {
  lseRows(x, rows, classes, out) {
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

  softmaxRows(x, lse, rows, classes, log, out) {
    for (let r = 0, i = 0; r < rows; r++) {
      const l = lse[r];
      const end = i + classes;
      if (log) for (; i < end; i++) out[i] = x[i] - l;
      else for (; i < end; i++) out[i] = Math.exp(x[i] - l);
    }
  },

  softDotRows(x, t, w, lse, b1, b0, rows, classes, loss, mass) {
    for (let r = 0; r < rows; r++) {
      const l = lse[r];
      const a = b1[r];
      const b = b0[r];
      const i = r * classes;
      let s = 0;
      let c = 0;
      for (let j = 0; j < classes; j++) {
        let cj = b;
        if (t !== null) cj += a * t[i + j];
        if (w !== null) cj *= w[j];
        s += cj * (l - x[i + j]);
        c += cj;
      }
      loss[r] = s;
      mass[r] = c;
    }
  },

  softmaxGradRows(x, lse, gm, y, gh, t, w, gb1, gb0, rows, classes, out) {
    for (let r = 0; r < rows; r++) {
      const l = lse[r];
      const g = gm[r];
      const a = gb1[r];
      const b = gb0[r];
      const i = r * classes;
      const col = y === null ? -1 : y[r];
      for (let j = 0; j < classes; j++) {
        let cj = b;
        if (t !== null) cj += a * t[i + j];
        if (w !== null) cj *= w[j];
        let v = g * Math.exp(x[i + j] - l) - cj;
        if (j === col) v -= gh[r]; // before the store: `out` may be a Float32Array
        out[i + j] = v;
      }
    }
  },

  bceRows(x, y, w, rows, classes, out, sum) {
    let ok = true;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let i = r * classes, end = i + classes; i < end; i++) {
        const p = x[i];
        const t = y[i];
        if (!(p >= 0 && p <= 1)) ok = false;
        let v = (t - 1) * Math.max(Math.log1p(-p), -100) - t * Math.max(Math.log(p), -100);
        if (w !== null) v *= w[i];
        if (out !== null) out[i] = v;
        s += v;
      }
      sum[r] = s;
    }
    return ok;
  },

  bceLogitsRows(x, y, w, pw, rows, classes, gs, out, grad, sum) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0, i = r * classes; j < classes; j++, i++) {
        const v = x[i];
        const t = y[i];
        const lw = pw !== null ? 1 + (pw[j] - 1) * t : 1;
        const e = Math.exp(-Math.abs(v));
        const ww = w !== null ? w[i] : 1;
        const loss = ww * ((1 - t) * v + lw * (Math.log1p(e) + Math.max(-v, 0)));
        if (out !== null) out[i] = loss;
        s += loss;
        if (grad !== null) {
          const sig = v >= 0 ? e / (1 + e) : 1 / (1 + e); // σ(−v) without overflow
          grad[i] = gs * ww * (1 - t - lw * sig);
        }
      }
      sum[r] = s;
    }
  },

  klDivRows(x, t, logTarget, rows, classes, out, sum) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let i = r * classes, end = i + classes; i < end; i++) {
        const a = x[i];
        const b = t[i];
        const v = logTarget ? Math.exp(b) * (b - a) : (b === 0 ? 0 : b * Math.log(b)) - b * a;
        if (out !== null) out[i] = v;
        s += v;
      }
      sum[r] = s;
    }
  },
};
