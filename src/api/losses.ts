import { lengthOf, typedArrayTag } from '../intrinsics.js';
import { Half } from '../kernels/half.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import {
  checkLength,
  classIndices,
  deliver,
  floats,
  INDEX_TYPES,
  type Input,
  labels,
  optionalFloats,
  output,
  outputTarget,
  sameLength,
  seen,
  settle,
  toF64,
  valueAt,
} from './arrays.js';
import { fail, rejectFirst, show } from './errors.js';
import { nllGrad } from './grads.js';
import { classAxisKernels, indexOf } from './layout.js';
import { booleanOf, integerOf, type Layout, layoutOf, numberIn, readOptions, reductionOf, shapeOf, shapeOption } from './options.js';
import { gradScale, reduced, sum } from './reductions.js';
import { scoped, scratch } from './scratch.js';
import { signedLogSumExp } from './signed-lse.js';
import type {
  BinaryCrossEntropyOptions,
  BinaryCrossEntropyWithLogitsOptions,
  ElementwiseLoss,
  KlDiv,
  KlDivOptions,
  KlDivReduction,
  Labels,
  LogSumExp,
  LogSumExpOptions,
  LossApi,
  NllLoss,
  NllLossOptions,
  Softmax,
  SoftmaxCrossEntropy,
  SoftmaxCrossEntropyOptions,
  SoftmaxOptions,
  Values,
} from './types.js';
import { elementWeights, nonzero, rowFactors, sampleWeightsOf, WEIGHTED_REDUCTIONS } from './weights.js';

const IGNORE_INDEX = -100; // PyTorch's default

/** Phase 2: sampleWeight for a class-axis loss: one per item (row or position), or one per sample N of a K-dimensional input. */
function sampleOf(fn: string, x: Input | null, n: number, L: Layout): Float64Array | null {
  const what = L.positions > 1 ? `one weight per position (${L.rows}) or per sample (${L.batch})` : 'one weight per row';
  return sampleWeightsOf(fn, x, n, L.rows, what, L.batch, L.positions);
}

/**
 * Weights each row's loss (already times its class weight c) by its sample weight s, in place,
 * and returns the reduction's divisor: Σ s·c for 'mean' (Σ c, PyTorch's, without sample
 * weights), the number of rows whose s·c is nonzero for 'sumByNonzeroWeights'.
 */
function weightedLabels(loss: Float64Array, labelWeight: Float64Array, sample: Float64Array | null, reduction: string): number {
  if (sample !== null) for (let r = 0; r < loss.length; r++) loss[r] *= sample[r];
  const w = sample === null ? labelWeight : labelWeight.map((v, r) => v * sample[r]);
  return reduction === 'sumByNonzeroWeights' ? nonzero(w) : sum(w);
}

/** weightedLabels for losses without class weights on the divisor: Σ s (rows without), or the nonzero s (rows without). */
function weightedRows(loss: Float64Array, sample: Float64Array | null, reduction: string): number {
  if (sample === null) return loss.length;
  for (let r = 0; r < loss.length; r++) loss[r] *= sample[r];
  return reduction === 'sumByNonzeroWeights' ? nonzero(sample) : sum(sample);
}

/**
 * Phase 2: the length of a per-element loss's `weight` (n settled): the input's length, or, with
 * `classes` given, one per class (broadcast along every row). Returns whether it is per class.
 */
function elementWeightLength(fn: string, n: number, weight: Input | null, length: number, classes: number | undefined): boolean {
  if (weight === null || n === length) return false;
  if (classes !== undefined && n === classes) return true;
  const per = classes === undefined ? '' : ` or one weight per class (${classes})`;
  return fail(fn, `option "weight" must have the input's length (${length})${per}; got length ${n}`);
}

/**
 * The divisor of a per-element loss of n = rows × classes elements: n (and for
 * 'sumByNonzeroWeights' too) without sample weights; with them, classes·Σ s for 'mean' (TF.js's
 * MEAN of [N] weights broadcast over [N, C]) and classes × the nonzero s for 'sumByNonzeroWeights'.
 */
function elementDivisor(sample: Float64Array | null, reduction: string, n: number, classes: number): number {
  if (sample === null) return n;
  return classes * (reduction === 'sumByNonzeroWeights' ? nonzero(sample) : sum(sample));
}

/** Label smoothing of binary targets, t·(1 − ε) + ε/2, in a new array of the target's type (ε = 0: the target itself). */
function smoothed(y: Input, eps: number): Input {
  if (eps === 0) return y;
  const n = y instanceof Half ? y.bits.length : lengthOf(y);
  const out = !(y instanceof Half) && typedArrayTag(y) === 'Float32Array' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = valueAt(y, i) * (1 - eps) + eps / 2;
  return out;
}

export function losses(kernels: Kernels): LossApi {
  /**
   * log Σ exp of each row in lseRows's two parts, max + rest (rest = log1p of the other terms
   * relative to the max, so that a dominant term keeps them).
   */
  function lseParts(x: Input, L: Layout): { max: Float64Array; rest: Float64Array } {
    const { rows, classes } = L;
    const max = scratch(rows);
    const rest = scratch(rows);
    classAxisKernels(kernels, L).lseRows({ x, rows, classes, max, rest });
    return { max, rest };
  }

  /**
   * The parts as log_softmax and cross_entropy use them: PyTorch's log_softmax of a row holding
   * +∞ is NaN throughout (x − max is NaN there), so such a row's max is NaN.
   */
  function rowShifts(x: Input, L: Layout): { max: Float64Array; rest: Float64Array } {
    const parts = lseParts(x, L);
    for (let r = 0; r < L.rows; r++) if (parts.max[r] === Infinity) parts.max[r] = NaN;
    return parts;
  }

  function binaryCrossEntropy(input: Values, target: Values, options?: BinaryCrossEntropyOptions) {
    const fn = 'binaryCrossEntropy';
    const seenX = seen(input);
    const seenY = seen(target);
    const o = readOptions(fn, options, ['weight', 'classes', 'sampleWeight', 'labelSmoothing', 'reduction', 'grad']);
    const seenW = seen(o.weight);
    const seenS = seen(o.sampleWeight);
    const seenG = seen(o.grad);
    const reduction = reductionOf(fn, o.reduction, WEIGHTED_REDUCTIONS);
    const eps = numberIn(fn, 'labelSmoothing', o.labelSmoothing, 0, 1, 0);
    const x = floats(fn, 'input', input);
    const y = floats(fn, 'target', target);
    const weight = optionalFloats(fn, 'weight', o.weight);
    const sampleIn = optionalFloats(fn, 'sampleWeight', o.sampleWeight);
    const gradOut = output(fn, 'grad', o.grad);
    // No caller code runs from here on (src/api/arrays.ts).
    const n = settle(fn, 'input', x, seenX);
    sameLength(fn, 'input', n, 'target', settle(fn, 'target', y, seenY));
    const { rows, classes } = shapeOf(fn, n, o.classes);
    const perClass = elementWeightLength(fn, settle(fn, 'weight', weight, seenW), weight, n, o.classes);
    const sample = sampleWeightsOf(fn, sampleIn, settle(fn, 'sampleWeight', sampleIn, seenS), rows);
    settle(fn, 'grad', gradOut, seenG);
    const grad =
      gradOut &&
      outputTarget(fn, 'grad', gradOut, n, [
        ['input', x],
        ['target', y],
        ['weight', weight],
        ['sampleWeight', sampleIn],
      ]);
    const w = elementWeights(x, weight, perClass, sample, rows, classes);
    const t = smoothed(y, eps);
    const loss = reduction === 'none' ? new Float64Array(n) : null;
    const perRow = scratch(rows); // returned only as its sum (a 'none' result is `loss`)
    if (!kernels.bceRows({ input: x, target: t, weight: w, rows, classes, loss, sum: perRow })) {
      rejectFirst(fn, [['input', x]], (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
    }
    const divisor = elementDivisor(sample, reduction, n, classes);
    if (grad !== null) {
      kernels.bceGradRows({ input: x, target: t, weight: w, rows, classes, scale: gradScale(reduction, divisor), grad });
      deliver(gradOut, grad);
    }
    return reduced(loss ?? perRow, sum(perRow), reduction, divisor);
  }

  function binaryCrossEntropyWithLogits(input: Values, target: Values, options?: BinaryCrossEntropyWithLogitsOptions) {
    const fn = 'binaryCrossEntropyWithLogits';
    const seenX = seen(input);
    const seenY = seen(target);
    const o = readOptions(fn, options, ['weight', 'posWeight', 'classes', 'sampleWeight', 'labelSmoothing', 'reduction', 'grad']);
    const seenW = seen(o.weight);
    const seenP = seen(o.posWeight);
    const seenS = seen(o.sampleWeight);
    const seenG = seen(o.grad);
    const reduction = reductionOf(fn, o.reduction, WEIGHTED_REDUCTIONS);
    const eps = numberIn(fn, 'labelSmoothing', o.labelSmoothing, 0, 1, 0);
    const x = floats(fn, 'input', input);
    const y = floats(fn, 'target', target);
    const weight = optionalFloats(fn, 'weight', o.weight);
    const posWeight = optionalFloats(fn, 'posWeight', o.posWeight);
    const sampleIn = optionalFloats(fn, 'sampleWeight', o.sampleWeight);
    const gradOut = output(fn, 'grad', o.grad);
    // No caller code runs from here on (src/api/arrays.ts).
    const n = settle(fn, 'input', x, seenX);
    sameLength(fn, 'input', n, 'target', settle(fn, 'target', y, seenY));
    const nw = settle(fn, 'weight', weight, seenW);
    const ns = settle(fn, 'sampleWeight', sampleIn, seenS);
    const m = settle(fn, 'posWeight', posWeight, seenP);
    settle(fn, 'grad', gradOut, seenG);
    let classesOpt = o.classes;
    if (classesOpt === undefined && posWeight !== null) {
      // The row length comes from posWeight: say so when it does not fit the input.
      if (m === 0 || n % m !== 0)
        fail(fn, `option "posWeight" must have one weight per class, a length that divides the input's length ${n}; got length ${m}`);
      classesOpt = m;
    }
    const { rows, classes } = shapeOf(fn, n, classesOpt);
    checkLength(fn, 'posWeight', m, posWeight, classes, 'one weight per class');
    const perClass = elementWeightLength(fn, nw, weight, n, classesOpt);
    const sample = sampleWeightsOf(fn, sampleIn, ns, rows);
    const grad =
      gradOut &&
      outputTarget(fn, 'grad', gradOut, n, [
        ['input', x],
        ['target', y],
        ['weight', weight],
        ['posWeight', posWeight],
        ['sampleWeight', sampleIn],
      ]);
    const loss = reduction === 'none' ? new Float64Array(n) : null;
    const perRow = scratch(rows); // returned only as its sum (a 'none' result is `loss`)
    const divisor = elementDivisor(sample, reduction, n, classes);
    kernels.bceLogitsRows({
      input: x,
      target: smoothed(y, eps),
      weight: elementWeights(x, weight, perClass, sample, rows, classes),
      posWeight: toF64(posWeight),
      rows,
      classes,
      gradScale: gradScale(reduction, divisor),
      loss,
      grad,
      sum: perRow,
    });
    deliver(gradOut, grad);
    return reduced(loss ?? perRow, sum(perRow), reduction, divisor);
  }

  function softmaxCrossEntropy(logits: Values, target: Labels | Values, options: SoftmaxCrossEntropyOptions) {
    const fn = 'softmaxCrossEntropy';
    const seenX = seen(logits);
    const seenT = seen(target);
    const o = readOptions(fn, options, [
      'classes',
      'shape',
      'weight',
      'ignoreIndex',
      'labelSmoothing',
      'sampleWeight',
      'reduction',
      'grad',
    ]);
    const shape = shapeOption(fn, o.shape);
    const seenW = seen(o.weight);
    const seenS = seen(o.sampleWeight);
    const seenG = seen(o.grad);
    const reduction = reductionOf(fn, o.reduction, WEIGHTED_REDUCTIONS);
    const eps = numberIn(fn, 'labelSmoothing', o.labelSmoothing, 0, 1, 0);
    const ignoreIndex = integerOf(fn, 'ignoreIndex', o.ignoreIndex, IGNORE_INDEX);
    const x = floats(fn, 'logits', logits);
    const weight = optionalFloats(fn, 'weight', o.weight);
    const sampleIn = optionalFloats(fn, 'sampleWeight', o.sampleWeight);
    const gradOut = output(fn, 'grad', o.grad);
    // The target's form: probabilities (a float typed array, or number[], of rows × classes) or
    // class indices (an integer typed array, or number[], of one per row).
    const tgt = labels(fn, target, `class indices (${INDEX_TYPES}) or probabilities (Float64Array, Float32Array, float16, number[])`);
    // No caller code runs from here on (src/api/arrays.ts).
    const L = layoutOf(fn, settle(fn, 'logits', x, seenX), o.classes, shape, true);
    const { rows, classes } = L;
    const k = classAxisKernels(kernels, L);
    checkLength(fn, 'weight', settle(fn, 'weight', weight, seenW), weight, classes, 'one weight per class');
    const sample = sampleOf(fn, sampleIn, settle(fn, 'sampleWeight', sampleIn, seenS), L);
    settle(fn, 'grad', gradOut, seenG);
    const n = settle(fn, 'target', tgt.array as unknown as ArrayBufferView, seenT);
    const classWeight = toF64(weight);
    const asIndices = n === rows && !tgt.float;
    if (!asIndices && n !== rows * classes) {
      fail(
        fn,
        `"target" must hold one class index per ${L.item} (${rows}) or one probability per logit (${rows * classes}); got length ${n}`,
      );
    }
    if (!asIndices && !tgt.float && !tgt.plain) {
      fail(
        fn,
        `"target" of length ${n} would be probabilities, which must be a Float64Array, Float32Array or number[]; got ${show(target)}`,
        TypeError,
      );
    }
    const t = asIndices ? null : (tgt.array as FloatArray);
    const grad =
      gradOut &&
      outputTarget(fn, 'grad', gradOut, rows * classes, [
        ['logits', x],
        ['target', tgt.plain ? null : (tgt.array as unknown as ArrayBufferView)],
        ['weight', weight],
        ['sampleWeight', sampleIn],
      ]);

    const { max, rest } = rowShifts(x, L);
    const loss = reduction === 'none' ? new Float64Array(rows) : scratch(rows);
    const mass = scratch(rows);

    if (asIndices) {
      // label[r]: the row's class, or −1 where it is ignored; labelWeight[r] its class weight (0 if ignored).
      const { label, labelWeight } = classIndices(fn, tgt.array, rows, classes, ignoreIndex, classWeight);
      // smooth[r] = Σ_c w_c·(lse_r − x_rc) on rows that count: the label-smoothing term.
      const smooth = scratch(rows);
      if (eps > 0) {
        const counts = label.map((v) => (v < 0 ? 0 : 1));
        k.softTargetRows({
          x,
          target: null,
          classWeight,
          max,
          rest,
          targetScale: scratch(rows),
          uniform: counts,
          rows,
          classes,
          loss: smooth,
          mass,
        });
      }
      for (let r = 0; r < rows; r++) {
        // lse − x as (max − x) + rest: two parts of one sign (a confident correct class does not cancel)
        const nll = label[r] < 0 ? 0 : labelWeight[r] * (max[r] - valueAt(x, indexOf(L, r, label[r])) + rest[r]);
        loss[r] = eps > 0 ? (1 - eps) * nll + (eps / classes) * smooth[r] : nll;
      }
      // PyTorch's mean divides both parts by Σ w[y] over the rows that are not ignored; with
      // sample weights, Σ s·w[y] (each row's loss weighted by its s).
      const divisor = weightedLabels(loss, labelWeight, sample, reduction);
      if (grad !== null) {
        const g = gradScale(reduction, divisor);
        // each row's gradient scaled by its sample weight, in the kernel's one pass
        const gs = sample === null ? null : rowFactors(sample, reduction, divisor);
        const labelScale = labelWeight.map((v, r) => (gs === null ? g : gs[r]) * (1 - eps) * v);
        k.softmaxGradRows({
          x,
          target: null,
          classWeight,
          max,
          rest,
          softmaxScale: labelScale.map((v, r) => v + (gs === null ? g : gs[r]) * (eps / classes) * mass[r]),
          label,
          labelScale,
          targetScale: scratch(rows),
          uniform: label.map((v, r) => (v < 0 ? 0 : ((gs === null ? g : gs[r]) * eps) / classes)),
          rows,
          classes,
          grad,
        });
        deliver(gradOut, grad);
      }
      return reduced(loss, sum(loss), reduction, divisor);
    }

    // Probabilities: t' = (1−ε)·t + ε/classes; loss_r = Σ_c w_c·t'_rc·(lse_r − x_rc); mean over rows.
    const targetScale = scratch(rows, 1 - eps);
    const uniform = scratch(rows, eps / classes);
    k.softTargetRows({ x, target: t!, classWeight, max, rest, targetScale, uniform, rows, classes, loss, mass });
    const divisor = weightedRows(loss, sample, reduction);
    if (grad !== null) {
      const g = gradScale(reduction, divisor);
      const gs = sample === null ? null : rowFactors(sample, reduction, divisor);
      k.softmaxGradRows({
        x,
        target: t!,
        classWeight,
        max,
        rest,
        softmaxScale: mass.map((v, r) => (gs === null ? g : gs[r]) * v),
        label: null,
        labelScale: scratch(rows),
        targetScale: targetScale.map((v, r) => (gs === null ? g : gs[r]) * v),
        uniform: uniform.map((v, r) => (gs === null ? g : gs[r]) * v),
        rows,
        classes,
        grad,
      });
      deliver(gradOut, grad);
    }
    return reduced(loss, sum(loss), reduction, divisor);
  }

  function nllLoss(logProbs: Values, target: Labels, options: NllLossOptions) {
    const fn = 'nllLoss';
    const seenX = seen(logProbs);
    const seenT = seen(target);
    const o = readOptions(fn, options, ['classes', 'shape', 'weight', 'ignoreIndex', 'sampleWeight', 'reduction', 'grad']);
    const shape = shapeOption(fn, o.shape);
    const seenW = seen(o.weight);
    const seenS = seen(o.sampleWeight);
    const seenG = seen(o.grad);
    const reduction = reductionOf(fn, o.reduction, WEIGHTED_REDUCTIONS);
    const ignoreIndex = integerOf(fn, 'ignoreIndex', o.ignoreIndex, IGNORE_INDEX);
    const x = floats(fn, 'logProbs', logProbs);
    const weight = optionalFloats(fn, 'weight', o.weight);
    const sampleIn = optionalFloats(fn, 'sampleWeight', o.sampleWeight);
    const gradOut = output(fn, 'grad', o.grad);
    const tgt = labels(fn, target, `class indices (${INDEX_TYPES})`);
    if (tgt.float) fail(fn, `"target" must be class indices (${INDEX_TYPES}); got ${show(target)}`, TypeError);
    // No caller code runs from here on (src/api/arrays.ts).
    const L = layoutOf(fn, settle(fn, 'logProbs', x, seenX), o.classes, shape, true);
    const { rows, classes } = L;
    checkLength(fn, 'weight', settle(fn, 'weight', weight, seenW), weight, classes, 'one weight per class');
    const sample = sampleOf(fn, sampleIn, settle(fn, 'sampleWeight', sampleIn, seenS), L);
    settle(fn, 'grad', gradOut, seenG);
    const n = settle(fn, 'target', tgt.array as unknown as ArrayBufferView, seenT);
    const classWeight = toF64(weight);
    if (n !== rows) fail(fn, `"target" must hold one class index per ${L.item} (${rows}); got length ${n}`);
    const grad =
      gradOut &&
      outputTarget(fn, 'grad', gradOut, rows * classes, [
        ['logProbs', x],
        ['target', tgt.plain ? null : (tgt.array as unknown as ArrayBufferView)],
        ['weight', weight],
        ['sampleWeight', sampleIn],
      ]);
    const { label, labelWeight } = classIndices(fn, tgt.array, rows, classes, ignoreIndex, classWeight);
    // A gather of one element per row: O(rows), the same for both kernel sets.
    const loss = reduction === 'none' ? new Float64Array(rows) : scratch(rows);
    for (let r = 0; r < rows; r++) loss[r] = label[r] < 0 ? 0 : -labelWeight[r] * valueAt(x, indexOf(L, r, label[r]));
    const divisor = weightedLabels(loss, labelWeight, sample, reduction);
    if (grad !== null) {
      // PyTorch's 'mean' scale is 1/Σ w[y] even when that is 1/0 (src/api/grads.ts); each row's
      // target weight times its sample weight
      const mean = reduction === 'mean' || reduction === 'sumByNonzeroWeights';
      if (sample === null) nllGrad(grad, label, labelWeight, classes, mean ? 1 / divisor : 1, L.positions);
      else
        nllGrad(
          grad,
          label,
          labelWeight.map((v, r) => v * (mean ? sample[r] / divisor : sample[r])),
          classes,
          1,
          L.positions,
        );
      deliver(gradOut, grad);
    }
    return reduced(loss, sum(loss), reduction, divisor);
  }

  function klDiv(input: Values, target: Values, options?: KlDivOptions) {
    const fn = 'klDiv';
    const seenX = seen(input);
    const seenT = seen(target);
    const o = readOptions(fn, options, ['classes', 'reduction', 'logTarget', 'sampleWeight', 'grad']);
    const seenS = seen(o.sampleWeight);
    const seenG = seen(o.grad);
    const reduction = reductionOf<KlDivReduction>(fn, o.reduction, ['mean', 'batchmean', 'sum', 'none', 'sumByNonzeroWeights']);
    const logTarget = booleanOf(fn, 'logTarget', o.logTarget);
    const x = floats(fn, 'input', input);
    const t = floats(fn, 'target', target);
    const sampleIn = optionalFloats(fn, 'sampleWeight', o.sampleWeight);
    const gradOut = output(fn, 'grad', o.grad);
    // No caller code runs from here on (src/api/arrays.ts).
    const n = settle(fn, 'input', x, seenX);
    sameLength(fn, 'input', n, 'target', settle(fn, 'target', t, seenT));
    const ns = settle(fn, 'sampleWeight', sampleIn, seenS);
    settle(fn, 'grad', gradOut, seenG);
    const { rows, classes } = shapeOf(fn, n, o.classes);
    const sample = sampleWeightsOf(fn, sampleIn, ns, rows);
    const grad =
      gradOut &&
      outputTarget(fn, 'grad', gradOut, n, [
        ['input', x],
        ['target', t],
        ['sampleWeight', sampleIn],
      ]);
    const loss = reduction === 'none' ? new Float64Array(n) : null;
    const perRow = scratch(rows); // returned only as its sum (a 'none' result is `loss`)
    // 'batchmean' is a mean over rows: Σ s with sample weights, as 'mean' is over elements (C·Σ s)
    const divisor = reduction === 'batchmean' ? (sample === null ? rows : sum(sample)) : elementDivisor(sample, reduction, n, classes);
    kernels.klDivRows({ input: x, target: t, logTarget, rows, classes, loss, sum: perRow });
    if (sample !== null) {
      // a row's weight on each of its elements: the row sums, and the elements for 'none'
      for (let r = 0; r < rows; r++) perRow[r] *= sample[r];
      if (loss !== null) for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < classes; c++, i++) loss[i] *= sample[r];
    }
    if (grad !== null) {
      const rowScale = sample === null ? null : rowFactors(sample, reduction, divisor);
      kernels.klDivGradRows({
        target: t,
        logTarget,
        rows,
        classes,
        scale: rowScale === null ? gradScale(reduction, divisor) : 1,
        rowScale,
        grad,
      });
      deliver(gradOut, grad);
    }
    return reduced(loss ?? perRow, sum(perRow), reduction, divisor);
  }

  function logSumExp(x: Values, options?: LogSumExpOptions) {
    const fn = 'logSumExp';
    const seenX = seen(x);
    const o = readOptions(fn, options, ['classes', 'shape', 'b', 'returnSign']);
    const shape = shapeOption(fn, o.shape);
    const seenB = seen(o.b);
    const returnSign = booleanOf(fn, 'returnSign', o.returnSign);
    const v = floats(fn, 'x', x);
    const b = optionalFloats(fn, 'b', o.b);
    // No caller code runs from here on (src/api/arrays.ts).
    const n = settle(fn, 'x', v, seenX);
    const L = layoutOf(fn, n, o.classes, shape, false);
    const one = o.classes === undefined && shape === undefined;
    if (b !== null || returnSign) {
      // scipy.special.logsumexp(x, b=b, return_sign=returnSign) per row (src/api/signed-lse.ts)
      checkLength(fn, 'b', settle(fn, 'b', b, seenB), b, n, "the input's length");
      const { value, sign } = signedLogSumExp(v, b, L);
      if (!returnSign) for (let r = 0; r < L.rows; r++) if (sign[r] < 0) value[r] = NaN; // SciPy: log of a negative sum
      if (!returnSign) return one ? value[0] : value;
      return one ? { value: value[0], sign: sign[0] } : { value, sign };
    }
    const { max, rest } = lseParts(v, L);
    const lse = max.map((m, r) => m + rest[r]);
    return one ? lse[0] : lse;
  }

  function softmaxes(fn: string, log: boolean) {
    return (x: Values, options?: SoftmaxOptions) => {
      const seenX = seen(x);
      const o = readOptions(fn, options, ['classes', 'shape', 'out']);
      const shape = shapeOption(fn, o.shape);
      const seenO = seen(o.out);
      const v = floats(fn, 'x', x);
      const given = output(fn, 'out', o.out);
      // No caller code runs from here on (src/api/arrays.ts).
      const n = settle(fn, 'x', v, seenX);
      settle(fn, 'out', given, seenO);
      const L = layoutOf(fn, n, o.classes, shape, false);
      const out: FloatArray =
        given !== null
          ? outputTarget(fn, 'out', given, n, [['x', v]])
          : v instanceof Half || typedArrayTag(v) === 'Float32Array' // float16 results widen to f32
            ? new Float32Array(n)
            : new Float64Array(n);
      // rows × classes: one kernel where it can (rows within the WASM glue's chunk), else two;
      // (N, C, d1, …, dk): the column kernels' log-sum-exp, then their softmax
      if (L.positions > 1 || !kernels.softmaxFusedRows({ x: v, rows: L.rows, classes: L.classes, log, out }))
        classAxisKernels(kernels, L).softmaxRows({ x: v, ...rowShifts(v, L), rows: L.rows, classes: L.classes, log, out });
      deliver(given, out);
      return given ?? out;
    };
  }

  return {
    binaryCrossEntropy: scoped(binaryCrossEntropy) as ElementwiseLoss<BinaryCrossEntropyOptions>,
    binaryCrossEntropyWithLogits: scoped(binaryCrossEntropyWithLogits) as ElementwiseLoss<BinaryCrossEntropyWithLogitsOptions>,
    // (scoped: their per-row arrays come from the per-call arena, ./scratch.ts)
    softmaxCrossEntropy: scoped(softmaxCrossEntropy) as SoftmaxCrossEntropy,
    nllLoss: scoped(nllLoss) as NllLoss,
    klDiv: scoped(klDiv) as KlDiv,
    logSumExp: scoped(logSumExp) as LogSumExp,
    logSoftmax: scoped(softmaxes('logSoftmax', true)) as Softmax,
    softmax: scoped(softmaxes('softmax', false)) as Softmax,
  };
}
