// sigmoidFocalLoss: torchvision.ops.sigmoid_focal_loss, on the sigmoidFocalRows kernel.
import { Half, halfTable } from '../kernels/half.js';
import type { Kernels } from '../kernels/types.js';
import { deliver, floats, type Input, lengthOf, output, outputTarget, sameLength, seen, settle } from './arrays.js';
import { fail, rejectFirst, show } from './errors.js';
import { readOptions, reductionOf } from './options.js';
import { gradScale, reduced } from './reductions.js';
import type { ElementwiseLoss, FocalLossApi, SigmoidFocalLossOptions, Values } from './types.js';

/** torchvision's defaults. */
const ALPHA = 0.25;
const GAMMA = 2;

const isProbability = (v: number) => v >= 0 && v <= 1;

/** Whether every element is a probability in [0, 1] (NaN is not). */
function probabilities(t: Input): boolean {
  if (t instanceof Half) {
    const table = halfTable();
    for (const b of t.bits) if (!isProbability(table[b])) return false;
    return true;
  }
  for (let i = 0, n = lengthOf(t); i < n; i++) if (!isProbability(t[i])) return false;
  return true;
}

export function focal(kernels: Kernels): FocalLossApi {
  function sigmoidFocalLoss(input: Values, target: Values, options?: SigmoidFocalLossOptions) {
    const fn = 'sigmoidFocalLoss';
    const seenX = seen(input);
    const seenY = seen(target);
    const o = readOptions(fn, options, ['alpha', 'gamma', 'reduction', 'grad']);
    const seenG = seen(o.grad);
    const reduction = reductionOf(fn, o.reduction);
    const alpha = o.alpha === undefined ? ALPHA : o.alpha;
    // torchvision weights with alpha >= 0 and not at all with a negative one: −1 is its "none"
    if (typeof alpha !== 'number' || !((alpha >= 0 && alpha <= 1) || alpha === -1)) {
      fail(
        fn,
        `option "alpha" must be a number in [0, 1], or -1 for no weighting; got ${show(alpha)}`,
        typeof alpha === 'number' ? RangeError : TypeError,
      );
    }
    const gamma = o.gamma === undefined ? GAMMA : o.gamma;
    if (typeof gamma !== 'number' || !(gamma >= 0 && gamma < Infinity)) {
      fail(fn, `option "gamma" must be a finite number >= 0; got ${show(gamma)}`, typeof gamma === 'number' ? RangeError : TypeError);
    }
    const x = floats(fn, 'input', input);
    const y = floats(fn, 'target', target);
    const gradOut = output(fn, 'grad', o.grad);
    // No caller code runs from here on (src/api/arrays.ts).
    const n = settle(fn, 'input', x, seenX);
    sameLength(fn, 'input', n, 'target', settle(fn, 'target', y, seenY));
    settle(fn, 'grad', gradOut, seenG);
    const grad =
      gradOut &&
      outputTarget(fn, 'grad', gradOut, n, [
        ['input', x],
        ['target', y],
      ]);
    // `grad` is written only when the call succeeds: where one is asked for, the targets are checked
    // before the kernel writes it (a pass over them, about 1 ns per element, 8% of the f32 kernel's
    // time with a gradient, 3% of the f64's); without, the kernel's own check finds a bad one.
    if (grad !== null && !probabilities(y)) rejectFirst(fn, [['target', y]], isProbability, 'a probability in [0, 1]');
    const loss = reduction === 'none' ? new Float64Array(n) : null;
    const total = new Float64Array(1);
    const ok = kernels.sigmoidFocalRows({
      input: x,
      target: y,
      rows: 1,
      classes: n,
      alpha,
      gamma,
      gradScale: gradScale(reduction, n),
      loss,
      grad,
      sum: total,
    });
    if (!ok) rejectFirst(fn, [['target', y]], isProbability, 'a probability in [0, 1]');
    deliver(gradOut, grad);
    return reduced(loss ?? total, total[0], reduction, n);
  }

  return { sigmoidFocalLoss: sigmoidFocalLoss as ElementwiseLoss<SigmoidFocalLossOptions> };
}
