import { Kind, type FloatArray, type Kernels } from '../kernels/types.js';
import {
  booleanOf,
  floats,
  logBaseOf,
  readOptions,
  reduce,
  reductionOf,
  rejectFirst,
  sameLength,
  shapeOf,
} from './checks.js';
import type { BinaryMeasure, MeasureOptions, UnaryMeasure, Values } from './types.js';

const MEASURE_OPTIONS = ['base', 'classes', 'reduction', 'normalize'] as const;

/**
 * 1/Σ of each row of p (and q) for `normalize`, plus the rows that sum to 0: those have no
 * distribution to normalise to, and give NaN (as SciPy's 0/0).
 */
function normalizers(kernels: Kernels, p: FloatArray, q: FloatArray | null, rows: number, classes: number) {
  const sp = new Float64Array(rows);
  const sq = new Float64Array(rows);
  kernels.rowSums(p, rows, classes, sp);
  if (q !== null) kernels.rowSums(q, rows, classes, sq);
  const zero: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (classes > 0 && (sp[r] === 0 || (q !== null && sq[r] === 0))) zero.push(r);
    sp[r] = 1 / sp[r];
    sq[r] = q === null ? 1 : 1 / sq[r];
  }
  return { sp, sq, zero };
}

let cached = new Float64Array(64);
function rowBuffer(rows: number): Float64Array {
  if (rows > cached.length) cached = new Float64Array(rows);
  return cached;
}

/** One implementation of every measure: checks, shape, normalisation, kernel, reduction. */
function measure(
  kernels: Kernels,
  fn: string,
  kind: Kind,
  pIn: Values,
  qIn: Values | null,
  options: MeasureOptions | undefined,
): number | Float64Array {
  const o = readOptions(fn, options, MEASURE_OPTIONS);
  const reduction = reductionOf(fn, o.reduction);
  const logBase = logBaseOf(fn, o.base);
  const normalize = booleanOf(fn, 'normalize', o.normalize);
  const p = floats(fn, 'p', pIn);
  const q = qIn === null ? null : floats(fn, 'q', qIn);
  if (q !== null) sameLength(fn, 'p', p, 'q', q);
  const { rows, classes } = shapeOf(fn, p.length, o.classes);

  // Per-row results: a new array for 'none' (it is returned); otherwise a reused one, so that a
  // small call allocates nothing (an 8-element call is then within 2× of a hand-written loop).
  const out = reduction === 'none' ? new Float64Array(rows) : rowBuffer(rows);
  const norm = normalize ? normalizers(kernels, p, q, rows, classes) : null;
  if (!kernels.rowTerms(kind, p, q, rows, classes, norm && norm.sp, norm && norm.sq, out)) {
    rejectFirst(fn, q === null ? [['p', p]] : [['p', p], ['q', q]], (v) => v >= 0, 'a non-negative number');
  }
  if (norm) for (const r of norm.zero) out[r] = NaN;
  return reduce(out, reduction, logBase, rows);
}

export function measures(kernels: Kernels) {
  const entropy = ((p: Values, options?: MeasureOptions) =>
    measure(kernels, 'entropy', Kind.Entropy, p, null, options)) as UnaryMeasure;
  const binary = (fn: string, kind: Kind) =>
    ((p: Values, q: Values, options?: MeasureOptions) => measure(kernels, fn, kind, p, q, options)) as BinaryMeasure;
  return {
    entropy,
    crossEntropy: binary('crossEntropy', Kind.Cross),
    klDivergence: binary('klDivergence', Kind.KL),
    jsDivergence: binary('jsDivergence', Kind.JS),
  };
}
