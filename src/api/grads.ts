// Gradients the API layer forms around the kernels: nllLoss's, a scatter of one value per row
// (no arithmetic for a kernel to do: a kernel would only fill zeros in WASM scratch and copy them
// out), and the measures', whose rows that `normalize` cannot normalise are NaN like their values.
import { fillInto } from '../intrinsics.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import type { Input } from './arrays.js';

/**
 * nll_loss's gradient with respect to the log-probabilities: −labelWeight[r]·scale at each counted
 * row's target (label[r] ≥ 0), 0 elsewhere and on ignored rows. With PyTorch's 'mean' scale,
 * 1/Σ w[y], a divisor of 0 gives NaN at the targets of counted rows (weight 0 times ∞) and 0 when
 * every row is ignored (nothing is written), as torch.autograd does.
 */
export function nllGrad(
  grad: FloatArray,
  label: Float64Array,
  labelWeight: Float64Array,
  classes: number,
  scale: number,
  positions = 1,
): void {
  fillInto(grad, 0, 0, label.length * classes);
  // item r = n·positions + s (K-dimensional input, the `shape` option) has class c at (n·classes + c)·positions + s
  for (let r = 0; r < label.length; r++) {
    const s = r % positions;
    if (label[r] >= 0) grad[(r - s) * classes + label[r] * positions + s] = -labelWeight[r] * scale;
  }
}

/**
 * The gradient of crossEntropy or klDivergence with respect to q (crossGradRows); with `normalize`,
 * through the normalisation of both, and NaN on the rows that sum to 0 (whose values are NaN).
 */
export function measureGrad(
  kernels: Kernels,
  p: Input,
  q: Input,
  rows: number,
  classes: number,
  norm: { pScale: Float64Array; qScale: Float64Array; zero: number[] } | null,
  scale: number,
  grad: FloatArray,
  rowScale: Float64Array | null = null,
): void {
  kernels.crossGradRows({
    p,
    q,
    rows,
    classes,
    pScale: norm ? norm.pScale : null,
    qScale: norm ? norm.qScale : null,
    scale,
    rowScale,
    grad,
  });
  if (norm) for (const r of norm.zero) fillInto(grad, NaN, r * classes, (r + 1) * classes);
}
