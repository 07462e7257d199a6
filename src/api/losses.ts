import { typedArrayTag } from '../intrinsics.js';
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

const IGNORE_INDEX = -100; // PyTorch's default

export function losses(kernels: Kernels): LossApi {
  /**
   * log Σ exp of each row in lseRows's two parts, max + rest (rest = log1p of the other terms
   * relative to the max, so that a dominant term keeps them).
   */
  function lseParts(x: Input, L: Layout): { max: Float64Array; rest: Float64Array } {
    const { rows, classes } = L;
    const max = new Float64Array(rows);
    const rest = new Float64Array(rows);
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
    const o = readOptions(fn, options, ['weight', 'reduction', 'grad']);
    const seenW = seen(o.weight);
    const seenG = seen(o.grad);
    const reduction = reductionOf(fn, o.reduction);
    const x = floats(fn, 'input', input);
    const y = floats(fn, 'target', target);
    const weight = optionalFloats(fn, 'weight', o.weight);
    const gradOut = output(fn, 'grad', o.grad);
    // No caller code runs from here on (src/api/arrays.ts).
    const n = settle(fn, 'input', x, seenX);
    sameLength(fn, 'input', n, 'target', settle(fn, 'target', y, seenY));
    checkLength(fn, 'weight', settle(fn, 'weight', weight, seenW), weight, n, "the input's length");
    settle(fn, 'grad', gradOut, seenG);
    const grad =
      gradOut &&
      outputTarget(fn, 'grad', gradOut, n, [
        ['input', x],
        ['target', y],
        ['weight', weight],
      ]);
    const loss = reduction === 'none' ? new Float64Array(n) : null;
    const total = new Float64Array(1);
    if (!kernels.bceRows({ input: x, target: y, weight, rows: 1, classes: n, loss, sum: total })) {
      rejectFirst(fn, [['input', x]], (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
    }
    if (grad !== null) {
      kernels.bceGradRows({ input: x, target: y, weight, rows: 1, classes: n, scale: gradScale(reduction, n), grad });
      deliver(gradOut, grad);
    }
    return reduced(loss ?? total, total[0], reduction, n);
  }

  function binaryCrossEntropyWithLogits(input: Values, target: Values, options?: BinaryCrossEntropyWithLogitsOptions) {
    const fn = 'binaryCrossEntropyWithLogits';
    const seenX = seen(input);
    const seenY = seen(target);
    const o = readOptions(fn, options, ['weight', 'posWeight', 'classes', 'reduction', 'grad']);
    const seenW = seen(o.weight);
    const seenP = seen(o.posWeight);
    const seenG = seen(o.grad);
    const reduction = reductionOf(fn, o.reduction);
    const x = floats(fn, 'input', input);
    const y = floats(fn, 'target', target);
    const weight = optionalFloats(fn, 'weight', o.weight);
    const posWeight = optionalFloats(fn, 'posWeight', o.posWeight);
    const gradOut = output(fn, 'grad', o.grad);
    // No caller code runs from here on (src/api/arrays.ts).
    const n = settle(fn, 'input', x, seenX);
    sameLength(fn, 'input', n, 'target', settle(fn, 'target', y, seenY));
    checkLength(fn, 'weight', settle(fn, 'weight', weight, seenW), weight, n, "the input's length");
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
    const grad =
      gradOut &&
      outputTarget(fn, 'grad', gradOut, n, [
        ['input', x],
        ['target', y],
        ['weight', weight],
        ['posWeight', posWeight],
      ]);
    const loss = reduction === 'none' ? new Float64Array(n) : null;
    const perRow = new Float64Array(rows);
    kernels.bceLogitsRows({
      input: x,
      target: y,
      weight,
      posWeight: toF64(posWeight),
      rows,
      classes,
      gradScale: gradScale(reduction, n),
      loss,
      grad,
      sum: perRow,
    });
    deliver(gradOut, grad);
    return reduced(loss ?? perRow, sum(perRow), reduction, n);
  }

  function softmaxCrossEntropy(logits: Values, target: Labels | Values, options: SoftmaxCrossEntropyOptions) {
    const fn = 'softmaxCrossEntropy';
    const seenX = seen(logits);
    const seenT = seen(target);
    const o = readOptions(fn, options, ['classes', 'shape', 'weight', 'ignoreIndex', 'labelSmoothing', 'reduction', 'grad']);
    const shape = shapeOption(fn, o.shape);
    const seenW = seen(o.weight);
    const seenG = seen(o.grad);
    const reduction = reductionOf(fn, o.reduction);
    const eps = numberIn(fn, 'labelSmoothing', o.labelSmoothing, 0, 1, 0);
    const ignoreIndex = integerOf(fn, 'ignoreIndex', o.ignoreIndex, IGNORE_INDEX);
    const x = floats(fn, 'logits', logits);
    const weight = optionalFloats(fn, 'weight', o.weight);
    const gradOut = output(fn, 'grad', o.grad);
    // The target's form: probabilities (a float typed array, or number[], of rows × classes) or
    // class indices (an integer typed array, or number[], of one per row).
    const tgt = labels(fn, target, `class indices (${INDEX_TYPES}) or probabilities (Float64Array, Float32Array, float16, number[])`);
    // No caller code runs from here on (src/api/arrays.ts).
    const L = layoutOf(fn, settle(fn, 'logits', x, seenX), o.classes, shape, true);
    const { rows, classes } = L;
    const k = classAxisKernels(kernels, L);
    checkLength(fn, 'weight', settle(fn, 'weight', weight, seenW), weight, classes, 'one weight per class');
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
      ]);

    const { max, rest } = rowShifts(x, L);
    const loss = new Float64Array(rows);
    const mass = new Float64Array(rows);

    if (asIndices) {
      // label[r]: the row's class, or −1 where it is ignored; labelWeight[r] its class weight (0 if ignored).
      const { label, labelWeight } = classIndices(fn, tgt.array, rows, classes, ignoreIndex, classWeight);
      // smooth[r] = Σ_c w_c·(lse_r − x_rc) on rows that count: the label-smoothing term.
      const smooth = new Float64Array(rows);
      if (eps > 0) {
        const counts = label.map((v) => (v < 0 ? 0 : 1));
        k.softTargetRows({
          x,
          target: null,
          classWeight,
          max,
          rest,
          targetScale: new Float64Array(rows),
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
      // PyTorch's mean divides both parts by Σ w[y] over the rows that are not ignored.
      const divisor = sum(labelWeight);
      if (grad !== null) {
        const g = gradScale(reduction, divisor);
        const labelScale = labelWeight.map((v) => g * (1 - eps) * v);
        k.softmaxGradRows({
          x,
          target: null,
          classWeight,
          max,
          rest,
          softmaxScale: labelScale.map((v, r) => v + g * (eps / classes) * mass[r]),
          label,
          labelScale,
          targetScale: new Float64Array(rows),
          uniform: label.map((v) => (v < 0 ? 0 : (g * eps) / classes)),
          rows,
          classes,
          grad,
        });
        deliver(gradOut, grad);
      }
      return reduced(loss, sum(loss), reduction, divisor);
    }

    // Probabilities: t' = (1−ε)·t + ε/classes; loss_r = Σ_c w_c·t'_rc·(lse_r − x_rc); mean over rows.
    const targetScale = new Float64Array(rows).fill(1 - eps);
    const uniform = new Float64Array(rows).fill(eps / classes);
    k.softTargetRows({ x, target: t!, classWeight, max, rest, targetScale, uniform, rows, classes, loss, mass });
    if (grad !== null) {
      const g = gradScale(reduction, rows);
      k.softmaxGradRows({
        x,
        target: t!,
        classWeight,
        max,
        rest,
        softmaxScale: mass.map((v) => g * v),
        label: null,
        labelScale: new Float64Array(rows),
        targetScale: targetScale.map((v) => g * v),
        uniform: uniform.map((v) => g * v),
        rows,
        classes,
        grad,
      });
      deliver(gradOut, grad);
    }
    return reduced(loss, sum(loss), reduction, rows);
  }

  function nllLoss(logProbs: Values, target: Labels, options: NllLossOptions) {
    const fn = 'nllLoss';
    const seenX = seen(logProbs);
    const seenT = seen(target);
    const o = readOptions(fn, options, ['classes', 'shape', 'weight', 'ignoreIndex', 'reduction', 'grad']);
    const shape = shapeOption(fn, o.shape);
    const seenW = seen(o.weight);
    const seenG = seen(o.grad);
    const reduction = reductionOf(fn, o.reduction);
    const ignoreIndex = integerOf(fn, 'ignoreIndex', o.ignoreIndex, IGNORE_INDEX);
    const x = floats(fn, 'logProbs', logProbs);
    const weight = optionalFloats(fn, 'weight', o.weight);
    const gradOut = output(fn, 'grad', o.grad);
    const tgt = labels(fn, target, `class indices (${INDEX_TYPES})`);
    if (tgt.float) fail(fn, `"target" must be class indices (${INDEX_TYPES}); got ${show(target)}`, TypeError);
    // No caller code runs from here on (src/api/arrays.ts).
    const L = layoutOf(fn, settle(fn, 'logProbs', x, seenX), o.classes, shape, true);
    const { rows, classes } = L;
    checkLength(fn, 'weight', settle(fn, 'weight', weight, seenW), weight, classes, 'one weight per class');
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
      ]);
    const { label, labelWeight } = classIndices(fn, tgt.array, rows, classes, ignoreIndex, classWeight);
    // A gather of one element per row: O(rows), the same for both kernel sets.
    const loss = new Float64Array(rows);
    for (let r = 0; r < rows; r++) loss[r] = label[r] < 0 ? 0 : -labelWeight[r] * valueAt(x, indexOf(L, r, label[r]));
    const divisor = sum(labelWeight);
    if (grad !== null) {
      // PyTorch's 'mean' scale is 1/Σ w[y] even when that is 1/0 (src/api/grads.ts)
      nllGrad(grad, label, labelWeight, classes, reduction === 'mean' ? 1 / divisor : 1, L.positions);
      deliver(gradOut, grad);
    }
    return reduced(loss, sum(loss), reduction, divisor);
  }

  function klDiv(input: Values, target: Values, options?: KlDivOptions) {
    const fn = 'klDiv';
    const seenX = seen(input);
    const seenT = seen(target);
    const o = readOptions(fn, options, ['classes', 'reduction', 'logTarget', 'grad']);
    const seenG = seen(o.grad);
    const reduction = reductionOf<KlDivReduction>(fn, o.reduction, ['mean', 'batchmean', 'sum', 'none']);
    const logTarget = booleanOf(fn, 'logTarget', o.logTarget);
    const x = floats(fn, 'input', input);
    const t = floats(fn, 'target', target);
    const gradOut = output(fn, 'grad', o.grad);
    // No caller code runs from here on (src/api/arrays.ts).
    const n = settle(fn, 'input', x, seenX);
    sameLength(fn, 'input', n, 'target', settle(fn, 'target', t, seenT));
    settle(fn, 'grad', gradOut, seenG);
    const { rows, classes } = shapeOf(fn, n, o.classes);
    const grad =
      gradOut &&
      outputTarget(fn, 'grad', gradOut, n, [
        ['input', x],
        ['target', t],
      ]);
    const loss = reduction === 'none' ? new Float64Array(n) : null;
    const perRow = new Float64Array(rows);
    const divisor = reduction === 'batchmean' ? rows : n;
    kernels.klDivRows({ input: x, target: t, logTarget, rows, classes, loss, sum: perRow });
    if (grad !== null) {
      kernels.klDivGradRows({ target: t, logTarget, rows, classes, scale: gradScale(reduction, divisor), grad });
      deliver(gradOut, grad);
    }
    return reduced(loss ?? perRow, sum(perRow), reduction, divisor);
  }

  function logSumExp(x: Values, options?: LogSumExpOptions) {
    const fn = 'logSumExp';
    const seenX = seen(x);
    const o = readOptions(fn, options, ['classes', 'shape']);
    const shape = shapeOption(fn, o.shape);
    const v = floats(fn, 'x', x);
    const L = layoutOf(fn, settle(fn, 'x', v, seenX), o.classes, shape, false);
    const { max, rest } = lseParts(v, L);
    const lse = max.map((m, r) => m + rest[r]);
    return o.classes === undefined && shape === undefined ? lse[0] : lse;
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
    binaryCrossEntropy: binaryCrossEntropy as ElementwiseLoss<BinaryCrossEntropyOptions>,
    binaryCrossEntropyWithLogits: binaryCrossEntropyWithLogits as ElementwiseLoss<BinaryCrossEntropyWithLogitsOptions>,
    softmaxCrossEntropy: softmaxCrossEntropy as SoftmaxCrossEntropy,
    nllLoss: nllLoss as NllLoss,
    klDiv: klDiv as KlDiv,
    logSumExp: logSumExp as LogSumExp,
    logSoftmax: softmaxes('logSoftmax', true) as Softmax,
    softmax: softmaxes('softmax', false) as Softmax,
  };
}
