// The pure-TypeScript loss kernels; assembly/losses.ts is their WASM twin, loop for loop.
import { expDiff, subErr } from './exact.js';
import type { LoopFunctions } from './types.js';

type LossKernels = Pick<
  LoopFunctions,
  | 'lseRows'
  | 'countAbove'
  | 'softmaxRows'
  | 'softmaxFusedRows'
  | 'softTargetRows'
  | 'softmaxGradRows'
  | 'bceRows'
  | 'bceLogitsRows'
  | 'klDivRows'
>;

export const tsLossKernels: LossKernels = {
  lseRows({ x, rows, classes, max, rest }) {
    // One read of each row: a running max m and the sum s of exp(x − m) over the other elements,
    // the max's own 1 kept apart (see assembly/losses.ts): when the max grows, the old one
    // becomes an ordinary term; an element equal to the max is an ordinary term of 1.
    // The terms are summed in blocks of 64 (b), each block then added to s with Neumaier's
    // compensation (c): the error does not grow with the row's length (a 50257-long row).
    for (let r = 0; r < rows; r++) {
      let m = -Infinity;
      let s = 0;
      let c = 0;
      let b = 0;
      for (let i = r * classes, end = i + classes; i < end; ) {
        for (const stop = Math.min(i + 64, end); i < stop; i++) {
          const v = x[i];
          if (v > m) {
            const f = expDiff(m, v);
            s = (s + (c + b + 1)) * f;
            c = 0;
            b = 0;
            m = v;
          } else if (v === m) {
            b += 1;
          } else {
            b += expDiff(v, m);
          }
        }
        const t = s + b;
        c += Math.abs(s) >= Math.abs(b) ? s - t + b : b - t + s;
        s = t;
        b = 0;
      }
      max[r] = m;
      rest[r] = Math.log1p(s + c);
    }
  },

  countAbove({ x, threshold, rows, classes, count }) {
    for (let r = 0, i = 0; r < rows; r++) {
      const t = threshold[r];
      let c = 0;
      for (const end = i + classes; i < end; i++) if (x[i] > t) c++;
      count[r] = c;
    }
  },

  softmaxRows({ x, max, rest, rows, classes, log, out }) {
    for (let r = 0, i = 0; r < rows; r++) {
      const m = max[r];
      const l = rest[r];
      const end = i + classes;
      // (x − max) − rest: two parts of one sign; exp of it with the roundings carried in
      if (log) for (; i < end; i++) out[i] = x[i] - m - l;
      else for (; i < end; i++) out[i] = expDiff(x[i], m, -l);
    }
  },

  softmaxFusedRows({ x, rows, classes, log, out }) {
    // The two-kernel path (the TS kernels need no fusing): lseRows's parts, a +∞ max made NaN
    // (PyTorch's softmax and log_softmax of a row holding +∞), softmaxRows.
    const max = new Float64Array(rows);
    const rest = new Float64Array(rows);
    tsLossKernels.lseRows({ x, rows, classes, max, rest });
    for (let r = 0; r < rows; r++) if (max[r] === Infinity) max[r] = NaN;
    tsLossKernels.softmaxRows({ x, max, rest, rows, classes, log, out });
    return true;
  },

  softTargetRows({ x, target, classWeight, max, rest, targetScale, uniform, rows, classes, loss, mass }) {
    for (let r = 0; r < rows; r++) {
      const m = max[r];
      const l = rest[r];
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
        s += cj * (m - x[i + j] + l);
        c += cj;
      }
      loss[r] = s;
      mass[r] = c;
    }
  },

  softmaxGradRows({ x, target, classWeight, max, rest, softmaxScale, label, labelScale, targetScale, uniform, rows, classes, grad }) {
    for (let r = 0; r < rows; r++) {
      const m = max[r];
      const l = rest[r];
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
      const ls = labelScale[r];
      // class weights scale only the target and uniform terms (see assembly/losses.ts)
      const weighted = classWeight !== null && (a !== 0 || b !== 0);
      for (let j = 0; j < classes; j++) {
        let cj = b;
        if (target !== null) cj += a * target[i + j];
        if (weighted) cj *= classWeight[j];
        if (j !== col) {
          grad[i + j] = g * expDiff(x[i + j], m, -l) - cj;
          continue;
        }
        // At the label, softmaxScale·p − labelScale with its p − 1 part as expm1(d) = −(1 − p):
        // the gradient of a confident correct class is −Σ others, not p − 1 rounded to 0. d + e is
        // (x − max) − rest with the roundings (e) kept. Before the store: `grad` may be a Float32Array.
        const s1 = x[i + j] - m;
        const d = s1 - l;
        const e = subErr(x[i + j], m, s1) + subErr(s1, l, d);
        const p = Math.exp(d);
        grad[i + j] = (g - ls) * (p + p * e) + ls * (Math.expm1(d) + p * e) - cj;
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
        // pw: the positive weight P folded in. e = exp(−|x|) never overflows; σ = e/(1+e) is σ(−|x|).
        // Each loss and gradient is a sum of parts of one sign (for t in [0, 1]): for x ≥ 0,
        // (1−t)·x + pw·log1p(e) and (1−t) − pw·σ; for x < 0, P·t·(−x) + pw·log1p(e) and pw·σ − P·t
        // (the same values as (1−t)·x + pw·(log1p(e) + max(−x, 0)), without their cancellation).
        const P = posWeight !== null ? posWeight[j] : 1;
        const pw = posWeight !== null ? 1 + (P - 1) * t : 1;
        const e = Math.exp(-Math.abs(x));
        const w = weight !== null ? weight[i] : 1;
        const l = w * ((x >= 0 ? (1 - t) * x : P * t * -x) + pw * Math.log1p(e));
        if (loss !== null) loss[i] = l;
        s += l;
        if (grad !== null) {
          const sig = e / (1 + e);
          grad[i] = gradScale * w * (x >= 0 ? 1 - t - pw * sig : pw * sig - P * t);
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
