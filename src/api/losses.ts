import type { FloatArray, Kernels } from '../kernels/types.js';
import { classIndices, floats, inputAndTarget, optionalFloats, outputOf, toF64 } from './arrays.js';
import { fail, rejectFirst, show } from './errors.js';
import { booleanOf, integerOf, numberIn, readOptions, reductionOf, requiredShape, shapeOf } from './options.js';
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
   * log Σ exp per row, as log_softmax and cross_entropy use it: PyTorch's log_softmax of a row
   * holding +∞ is NaN throughout (x − max is NaN there), so such a row's shift is NaN.
   */
  function rowShifts(x: FloatArray, rows: number, classes: number): Float64Array {
    const lse = new Float64Array(rows);
    kernels.lseRows({ x, rows, classes, out: lse });
    for (let r = 0; r < rows; r++) if (lse[r] === Infinity) lse[r] = NaN;
    return lse;
  }

  function binaryCrossEntropy(input: Values, target: Values, options?: BinaryCrossEntropyOptions) {
    const fn = 'binaryCrossEntropy';
    const o = readOptions(fn, options, ['weight', 'reduction']);
    const reduction = reductionOf(fn, o.reduction);
    const [x, y] = inputAndTarget(fn, input, target);
    const n = x.length;
    const weight = optionalFloats(fn, 'weight', o.weight, n, "the input's length");
    const loss = reduction === 'none' ? new Float64Array(n) : null;
    const total = new Float64Array(1);
    if (!kernels.bceRows({ input: x, target: y, weight, rows: 1, classes: n, loss, sum: total })) {
      rejectFirst(fn, [['input', x]], (v) => v >= 0 && v <= 1, 'a probability in [0, 1]');
    }
    return reduced(loss ?? total, total[0], reduction, n);
  }

  function binaryCrossEntropyWithLogits(input: Values, target: Values, options?: BinaryCrossEntropyWithLogitsOptions) {
    const fn = 'binaryCrossEntropyWithLogits';
    const o = readOptions(fn, options, ['weight', 'posWeight', 'classes', 'reduction', 'grad']);
    const reduction = reductionOf(fn, o.reduction);
    const [x, y] = inputAndTarget(fn, input, target);
    const n = x.length;
    const weight = optionalFloats(fn, 'weight', o.weight, n, "the input's length");
    const posWeight = o.posWeight === undefined ? null : floats(fn, 'posWeight', o.posWeight);
    const { rows, classes } = shapeOf(fn, n, o.classes ?? (posWeight === null ? undefined : posWeight.length));
    if (posWeight !== null && posWeight.length !== classes) {
      fail(fn, `option "posWeight" must have one weight per class (${classes}); got length ${posWeight.length}`);
    }
    const grad = outputOf(fn, 'grad', o.grad, n, [['input', input], ['target', target], ['weight', o.weight], ['posWeight', o.posWeight]]);
    const loss = reduction === 'none' ? new Float64Array(n) : null;
    const perRow = new Float64Array(rows);
    kernels.bceLogitsRows({
      input: x, target: y, weight, posWeight: toF64(posWeight), rows, classes,
      gradScale: gradScale(reduction, n), loss, grad, sum: perRow,
    });
    return reduced(loss ?? perRow, sum(perRow), reduction, n);
  }

  function softmaxCrossEntropy(logits: Values, target: Labels | Values, options: SoftmaxCrossEntropyOptions) {
    const fn = 'softmaxCrossEntropy';
    const o = readOptions(fn, options, ['classes', 'weight', 'ignoreIndex', 'labelSmoothing', 'reduction', 'grad']);
    const reduction = reductionOf(fn, o.reduction);
    const x = floats(fn, 'logits', logits);
    const { rows, classes } = requiredShape(fn, x.length, o.classes);
    const classWeight = toF64(optionalFloats(fn, 'weight', o.weight, classes, 'one weight per class'));
    const eps = numberIn(fn, 'labelSmoothing', o.labelSmoothing, 0, 1, 0);
    const ignoreIndex = integerOf(fn, 'ignoreIndex', o.ignoreIndex, IGNORE_INDEX);
    const grad = outputOf(fn, 'grad', o.grad, x.length, [['logits', logits], ['target', target], ['weight', o.weight]]);

    // The target's form: probabilities (a float typed array, or number[], of rows × classes) or
    // class indices (an integer typed array, or number[], of one per row).
    const isTyped = ArrayBuffer.isView(target);
    const isFloat = target instanceof Float64Array || target instanceof Float32Array;
    if (!Array.isArray(target) && !(isTyped && (isFloat || target instanceof Int32Array || target instanceof Uint32Array))) {
      fail(fn, `"target" must be class indices (Int32Array, Uint32Array, number[]) or probabilities (Float64Array, Float32Array, number[]); got ${show(target)}`, TypeError);
    }
    const n = (target as ArrayLike<number>).length;
    const asIndices = n === rows && !isFloat;
    if (!asIndices && n !== rows * classes) {
      fail(fn, `"target" must hold one class index per row (${rows}) or one probability per logit (${rows * classes}); got length ${n}`);
    }
    if (!asIndices && isTyped && !isFloat) {
      fail(fn, `"target" of length ${n} would be probabilities, which must be a Float64Array, Float32Array or number[]; got ${show(target)}`, TypeError);
    }

    const lse = rowShifts(x, rows, classes);
    const loss = new Float64Array(rows);
    const mass = new Float64Array(rows);

    if (asIndices) {
      // label[r]: the row's class, or −1 where it is ignored; labelWeight[r] its class weight (0 if ignored).
      const { label, labelWeight } = classIndices(fn, target as ArrayLike<number>, rows, classes, ignoreIndex, classWeight);
      // smooth[r] = Σ_c w_c·(lse_r − x_rc) on rows that count: the label-smoothing term.
      const smooth = new Float64Array(rows);
      if (eps > 0) {
        const counts = label.map((v) => (v < 0 ? 0 : 1));
        kernels.softTargetRows({
          x, target: null, classWeight, lse, targetScale: new Float64Array(rows), uniform: counts, rows, classes, loss: smooth, mass,
        });
      }
      for (let r = 0; r < rows; r++) {
        const nll = label[r] < 0 ? 0 : labelWeight[r] * (lse[r] - x[r * classes + label[r]]);
        loss[r] = eps > 0 ? (1 - eps) * nll + (eps / classes) * smooth[r] : nll;
      }
      // PyTorch's mean divides both parts by Σ w[y] over the rows that are not ignored.
      const divisor = sum(labelWeight);
      if (grad !== null) {
        const g = gradScale(reduction, divisor);
        const labelScale = labelWeight.map((v) => g * (1 - eps) * v);
        kernels.softmaxGradRows({
          x, target: null, classWeight, lse,
          softmaxScale: labelScale.map((v, r) => v + g * (eps / classes) * mass[r]),
          label, labelScale,
          targetScale: new Float64Array(rows),
          uniform: label.map((v) => (v < 0 ? 0 : (g * eps) / classes)),
          rows, classes, grad,
        });
      }
      return reduced(loss, sum(loss), reduction, divisor);
    }

    // Probabilities: t' = (1−ε)·t + ε/classes; loss_r = Σ_c w_c·t'_rc·(lse_r − x_rc); mean over rows.
    const t = floats(fn, 'target', target as Values);
    const targetScale = new Float64Array(rows).fill(1 - eps);
    const uniform = new Float64Array(rows).fill(eps / classes);
    kernels.softTargetRows({ x, target: t, classWeight, lse, targetScale, uniform, rows, classes, loss, mass });
    if (grad !== null) {
      const g = gradScale(reduction, rows);
      kernels.softmaxGradRows({
        x, target: t, classWeight, lse,
        softmaxScale: mass.map((v) => g * v),
        label: null, labelScale: new Float64Array(rows),
        targetScale: targetScale.map((v) => g * v),
        uniform: uniform.map((v) => g * v),
        rows, classes, grad,
      });
    }
    return reduced(loss, sum(loss), reduction, rows);
  }

  function nllLoss(logProbs: Values, target: Labels, options: NllLossOptions) {
    const fn = 'nllLoss';
    const o = readOptions(fn, options, ['classes', 'weight', 'ignoreIndex', 'reduction']);
    const reduction = reductionOf(fn, o.reduction);
    const x = floats(fn, 'logProbs', logProbs);
    const { rows, classes } = requiredShape(fn, x.length, o.classes);
    const classWeight = toF64(optionalFloats(fn, 'weight', o.weight, classes, 'one weight per class'));
    const ignoreIndex = integerOf(fn, 'ignoreIndex', o.ignoreIndex, IGNORE_INDEX);
    if (!Array.isArray(target) && !(target instanceof Int32Array || target instanceof Uint32Array)) {
      fail(fn, `"target" must be class indices (Int32Array, Uint32Array or number[]); got ${show(target)}`, TypeError);
    }
    if (target.length !== rows) fail(fn, `"target" must hold one class index per row (${rows}); got length ${target.length}`);
    const { label, labelWeight } = classIndices(fn, target, rows, classes, ignoreIndex, classWeight);
    // A gather of one element per row: O(rows), the same for both kernel sets.
    const loss = new Float64Array(rows);
    for (let r = 0; r < rows; r++) loss[r] = label[r] < 0 ? 0 : -labelWeight[r] * x[r * classes + label[r]];
    return reduced(loss, sum(loss), reduction, sum(labelWeight));
  }

  function klDiv(input: Values, target: Values, options?: KlDivOptions) {
    const fn = 'klDiv';
    const o = readOptions(fn, options, ['classes', 'reduction', 'logTarget']);
    const reduction = reductionOf<KlDivReduction>(fn, o.reduction, ['mean', 'batchmean', 'sum', 'none']);
    const logTarget = booleanOf(fn, 'logTarget', o.logTarget);
    const [x, t] = inputAndTarget(fn, input, target);
    const { rows, classes } = shapeOf(fn, x.length, o.classes);
    const loss = reduction === 'none' ? new Float64Array(x.length) : null;
    const perRow = new Float64Array(rows);
    kernels.klDivRows({ input: x, target: t, logTarget, rows, classes, loss, sum: perRow });
    return reduced(loss ?? perRow, sum(perRow), reduction, reduction === 'batchmean' ? rows : x.length);
  }

  function logSumExp(x: Values, options?: { classes?: number }) {
    const fn = 'logSumExp';
    const o = readOptions(fn, options, ['classes']);
    const v = floats(fn, 'x', x);
    const { rows, classes } = shapeOf(fn, v.length, o.classes);
    const lse = new Float64Array(rows);
    kernels.lseRows({ x: v, rows, classes, out: lse });
    return o.classes === undefined ? lse[0] : lse;
  }

  function softmaxes(fn: string, log: boolean) {
    return (x: Values, options?: SoftmaxOptions) => {
      const o = readOptions(fn, options, ['classes', 'out']);
      const v = floats(fn, 'x', x);
      const { rows, classes } = shapeOf(fn, v.length, o.classes);
      const out: FloatArray =
        outputOf(fn, 'out', o.out, v.length, [['x', x]]) ?? (v instanceof Float32Array ? new Float32Array(v.length) : new Float64Array(v.length));
      kernels.softmaxRows({ x: v, lse: rowShifts(v, rows, classes), rows, classes, log, out });
      return out;
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
