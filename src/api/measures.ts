import { type FloatArray, type Kernels, Kind } from '../kernels/types.js';
import { deliver, floatLength, floats, type Input, optionalFloats, output, outputTarget, sameLength, seen, settle } from './arrays.js';
import { checkBuffer } from './buffers.js';
import { rejectFirst } from './errors.js';
import { measureGrad } from './grads.js';
import { booleanOf, logBaseOf, readOptions, reductionOf, shapeOf } from './options.js';
import { gradScale, reduced, sum } from './reductions.js';
import { mark, release, scratch } from './scratch.js';
import type { BinaryMeasure, GradMeasure, GradMeasureOptions, MeasureOptions, UnaryMeasure, Values, WeightedReduction } from './types.js';
import { nonzero, rowFactors, sampleWeightsOf } from './weights.js';

const MEASURE_OPTIONS = ['base', 'classes', 'reduction', 'normalize'] as const;
/** crossEntropy and klDivergence also fill a gradient with respect to q. */
const GRAD_MEASURE_OPTIONS = [...MEASURE_OPTIONS, 'sampleWeight', 'grad'] as const;
/** crossEntropy's and klDivergence's reductions: a measure's, and TF.js's SUM_BY_NONZERO_WEIGHTS. */
const WEIGHTED_REDUCTIONS: readonly WeightedReduction[] = ['mean', 'sum', 'none', 'sumByNonzeroWeights'];

/**
 * 1/Σ of each row of p (and q) for `normalize`, plus the rows that sum to 0: those have no
 * distribution to normalise to, and give NaN (as SciPy's 0/0).
 */
function normalizers(kernels: Kernels, p: Input, q: Input | null, rows: number, classes: number) {
  const pScale = scratch(rows);
  const qScale = scratch(rows);
  kernels.rowSums({ x: p, rows, classes, sum: pScale });
  if (q !== null) kernels.rowSums({ x: q, rows, classes, sum: qScale });
  const zero: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (classes > 0 && (pScale[r] === 0 || (q !== null && qScale[r] === 0))) zero.push(r);
    pScale[r] = 1 / pScale[r];
    qScale[r] = q === null ? 1 : 1 / qScale[r];
  }
  return { pScale, qScale, zero };
}

/** The fast path's one-row result, reused: an 8-element call allocates nothing. */
const oneRow = new Float64Array(1);

/** Throws for the first element of p or q that is not a non-negative number (the kernel saw one). */
function rejectTerms(fn: string, p: Input, q: Input | null): never {
  return rejectFirst(
    fn,
    q === null
      ? [['p', p]]
      : [
          ['p', p],
          ['q', q],
        ],
    (v) => v >= 0,
    'a non-negative number',
  );
}

/**
 * The common call in few steps: float typed arrays of one length, no options. No caller code can
 * run in it (there is no options object to read and nothing to convert), so the lengths read
 * here are the lengths the kernel reads, and need not be read again; the memory is checked as
 * `settle` checks it. Anything else takes `general`, which reads everything from the start (it
 * reads only through the engine's accessors, so nothing the caller can observe is read twice).
 * An 8-element call spends more on its checks than on its terms: 1.85× a hand-written loop on
 * the general path before this one, 1.4× here (bench/limits.md).
 */
function measure(
  kernels: Kernels,
  fn: string,
  kind: Kind,
  pIn: Values,
  qIn: Values | undefined,
  options: GradMeasureOptions | undefined,
): number | Float64Array {
  if (options === undefined) {
    const n = floatLength(pIn);
    if (n >= 0 && (kind === Kind.Entropy || floatLength(qIn) === n)) {
      const p = pIn as FloatArray;
      const q = kind === Kind.Entropy ? null : (qIn as FloatArray);
      checkBuffer(fn, 'p', p, n);
      if (q !== null) checkBuffer(fn, 'q', q, n);
      const out = oneRow;
      if (!kernels.rowTerms({ kind, p, q, rows: 1, classes: n, pScale: null, qScale: null, out })) rejectTerms(fn, p, q);
      return reduced(out, out[0], 'mean', 1) as number; // the mean of one row in nats, as `general` computes it
    }
  }
  return general(kernels, fn, kind, pIn, qIn, options);
}

/**
 * One implementation of every measure: checks, shape, normalisation, kernel, reduction. Its
 * per-row arrays come from the per-call arena (./scratch.ts), given back at the end (a `finally`
 * of its own: `scoped`'s wrapper measured 10–16% on an 8-element call with options).
 */
function general(
  kernels: Kernels,
  fn: string,
  kind: Kind,
  pIn: Values,
  qIn: Values | undefined,
  options: GradMeasureOptions | undefined,
): number | Float64Array {
  const pSeen = seen(pIn);
  const qSeen = kind === Kind.Entropy ? -1 : seen(qIn);
  const withGrad = kind === Kind.Cross || kind === Kind.KL;
  const o = readOptions(fn, options, withGrad ? GRAD_MEASURE_OPTIONS : MEASURE_OPTIONS);
  const gSeen = seen(o.grad);
  const sSeen = seen(o.sampleWeight);
  const reduction = withGrad ? reductionOf<WeightedReduction>(fn, o.reduction, WEIGHTED_REDUCTIONS) : reductionOf(fn, o.reduction);
  const logBase = logBaseOf(fn, o.base);
  const normalize = booleanOf(fn, 'normalize', o.normalize);
  const p = floats(fn, 'p', pIn);
  const q = kind === Kind.Entropy ? null : floats(fn, 'q', qIn as Values);
  const sampleIn = optionalFloats(fn, 'sampleWeight', o.sampleWeight);
  const gradOut = output(fn, 'grad', o.grad);
  // No caller code runs from here on (src/api/arrays.ts).
  const n = settle(fn, 'p', p, pSeen);
  if (q !== null) sameLength(fn, 'p', n, 'q', settle(fn, 'q', q, qSeen));
  const ns = settle(fn, 'sampleWeight', sampleIn, sSeen);
  settle(fn, 'grad', gradOut, gSeen);
  const { rows, classes } = shapeOf(fn, n, o.classes);
  const sample = sampleWeightsOf(fn, sampleIn, ns, rows);
  const grad =
    gradOut &&
    outputTarget(fn, 'grad', gradOut, n, [
      ['p', p],
      ['q', q],
      ['sampleWeight', sampleIn],
    ]);

  const taken = mark();
  try {
    // Per-row results: a new array for 'none' (it is returned); otherwise the fast path's one row
    // (no caller code runs from here on: nothing else can use it meanwhile), or the arena's.
    const out = reduction === 'none' ? new Float64Array(rows) : rows === 1 ? oneRow : scratch(rows);
    const norm = normalize ? normalizers(kernels, p, q, rows, classes) : null;
    if (!kernels.rowTerms({ kind, p, q, rows, classes, pScale: norm && norm.pScale, qScale: norm && norm.qScale, out })) {
      rejectTerms(fn, p, q);
    }
    if (norm) for (const r of norm.zero) out[r] = NaN;
    // Sample weights: each row times its weight; 'mean' over Σ s, 'sumByNonzeroWeights' over the
    // number of nonzero weights (without weights, both over the rows).
    let divisor = rows;
    if (sample !== null) {
      for (let r = 0; r < rows; r++) out[r] *= sample[r];
      divisor = reduction === 'sumByNonzeroWeights' ? nonzero(sample) : sum(sample);
    }
    if (grad !== null && q !== null) {
      // ∂/∂q: 'none' as 'sum', a mean over rows, in units of `base`; each row scaled by its weight
      const rowScale = sample === null ? null : rowFactors(sample, reduction, divisor);
      measureGrad(kernels, p, q, rows, classes, norm, (rowScale === null ? gradScale(reduction, divisor) : 1) / logBase, grad, rowScale);
      deliver(gradOut, grad);
    }
    // In units of `base`: ln(base) divides each row ('none') or the reduced value.
    if (reduction === 'none' && logBase !== 1) for (let r = 0; r < rows; r++) out[r] /= logBase;
    return reduced(out, reduction === 'none' ? 0 : sum(out, rows) / logBase, reduction, divisor);
  } finally {
    release(taken);
  }
}

export function measures(kernels: Kernels) {
  const entropy = ((p: Values, options?: MeasureOptions) =>
    measure(kernels, 'entropy', Kind.Entropy, p, undefined, options)) as UnaryMeasure;
  const binary = (fn: string, kind: Kind) => (p: Values, q: Values, options?: GradMeasureOptions) =>
    measure(kernels, fn, kind, p, q, options);
  return {
    entropy,
    crossEntropy: binary('crossEntropy', Kind.Cross) as GradMeasure,
    klDivergence: binary('klDivergence', Kind.KL) as GradMeasure,
    jsDivergence: binary('jsDivergence', Kind.JensenShannon) as BinaryMeasure,
  };
}
