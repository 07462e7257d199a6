// Scoring and calibration of model outputs: the top-k log-probabilities of each row, the entropy
// of softmax(row) with its gradient, lm-evaluation-harness's log-likelihood scoring and Brier
// score, torchmetrics' calibration error and its bins, and temperature scaling.
import { lengthOf, typedArrayTag } from '../intrinsics.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import { deliver, floats, type Input, labels, output, outputTarget, overlaps, seen, settle, valueAt, viewOfInput } from './arrays.js';
import { fail, show } from './errors.js';
import { booleanOf, integerOf, layoutOf, logBaseOf, readOptions, reductionOf } from './options.js';
import { gradScale, reduced, sum } from './reductions.js';
import { scoped, scratch } from './scratch.js';
import type {
  BrierScore,
  CalibrationErrorFn,
  CalibrationNorm,
  CalibrationOptions,
  ContinuationScore,
  FitTemperature,
  Labels,
  ReliabilityBins,
  SoftmaxEntropy,
  TopLogProbs,
  Values,
} from './types.js';

const IGNORE_INDEX = -100;

/** A positive whole number option (bins, k) in [lo, hi]. */
export function wholeOption(fn: string, name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    fail(
      fn,
      `option "${name}" must be an integer in [${lo}, ${hi}]; got ${show(value)}`,
      typeof value === 'number' ? RangeError : TypeError,
    );
  }
  return value;
}

/** The class indices of `targets` (one per row), read once, checked in [0, classes) (ignoreIndex: −1). */
function targetsOf(fn: string, targets: unknown, name: string): { array: ArrayLike<number>; view: ArrayBufferView | null; seen: number } {
  const s = seen(targets);
  const t = labels(fn, targets, 'class indices (Int32Array, Uint32Array or number[])', name);
  if (t.float) fail(fn, `"${name}" must be class indices (Int32Array, Uint32Array or number[]); got ${show(targets)}`, TypeError);
  return { array: t.array, view: t.plain ? null : (t.array as unknown as ArrayBufferView), seen: s };
}

function checkTargets(
  fn: string,
  name: string,
  t: ArrayLike<number>,
  rows: number,
  classes: number,
  ignoreIndex: number | null,
  from = 0,
): Int32Array {
  const label = new Int32Array(rows);
  for (let r = from; r < rows; r++) {
    const v = t[r];
    if (ignoreIndex !== null && v === ignoreIndex) label[r] = -1;
    else if (Number.isInteger(v) && v >= 0 && v < classes) label[r] = v;
    else {
      const also = ignoreIndex === null ? '' : ` or ignoreIndex (${show(ignoreIndex)})`;
      fail(fn, `"${name}"[${r}] must be a class index in [0, ${classes})${also}; got ${show(v)}`);
    }
  }
  return label;
}

/** The calibration norms of torchmetrics' _ce_compute. */
const NORMS = ['l1', 'l2', 'max'] as const;

/**
 * torchmetrics' bin edges, torch.linspace(0, 1, bins + 1, dtype=torch.float32), as its CPU kernel's
 * scalar path computes them: step = fl32(1/bins); the first half start + step·i, the second half
 * end − step·(bins − i), each rounded to f32 (test/fixtures/gen_scoring.py checks 15, 10, 7, 1).
 */
export function binEdges(bins: number): Float64Array {
  const e = new Float64Array(bins + 1);
  const step = Math.fround(1 / bins);
  const half = Math.floor((bins + 1) / 2);
  for (let i = 0; i <= bins; i++) e[i] = i < half ? Math.fround(step * i) : Math.fround(1 - Math.fround(step * (bins - i)));
  return e;
}

/** torch.bucketize(conf, edges, right=True) − 1: the number of edges ≤ conf, less one (conf in [0, 1]). */
function binOf(edges: Float64Array, bins: number, conf: number): number {
  let b = Math.min(bins, Math.floor(conf * bins));
  while (b < bins && edges[b + 1] <= conf) b++;
  while (b > 0 && edges[b] > conf) b--;
  return b;
}

/** A sum with Neumaier's compensation (as the accumulators'). */
export interface Sum {
  s: number;
  c: number;
}

export function addTo(x: Sum, v: number): void {
  const t = x.s + v;
  x.c += Math.abs(x.s) >= Math.abs(v) ? x.s - t + v : v - t + x.s;
  x.s = t;
}

export function sumOf(x: Sum): number {
  return Number.isFinite(x.s) ? x.s + x.c : x.s;
}

/**
 * The per-bin sums of a calibration error (bins + 1 entries): count and Σ accuracy (whole numbers,
 * exact), Σ confidence with Neumaier's compensation (confS + confC).
 */
export interface BinSums {
  bins: number;
  count: Float64Array;
  correct: Float64Array;
  confS: Float64Array;
  confC: Float64Array;
}

export function emptyBins(bins: number): BinSums {
  const n = bins + 1;
  return { bins, count: new Float64Array(n), correct: new Float64Array(n), confS: new Float64Array(n), confC: new Float64Array(n) };
}

/** Σ confidence of bin i. */
export function confOf(b: BinSums, i: number): number {
  const s = b.confS[i];
  return Number.isFinite(s) ? s + b.confC[i] : s;
}

/** torchmetrics' _ce_compute from the bin sums: per bin accuracy and confidence (0 when empty), prop = count / N. */
export function calibrationOf(b: BinSums, norm: CalibrationNorm): number {
  let n = 0;
  for (let i = 0; i <= b.bins; i++) n += b.count[i];
  let l1 = 0;
  let l2 = 0;
  let mx = 0;
  for (let i = 0; i <= b.bins; i++) {
    const c = b.count[i];
    if (c === 0) continue;
    const gap = Math.abs(b.correct[i] / c - confOf(b, i) / c);
    const prop = c / n;
    l1 += gap * prop;
    l2 += gap * gap * prop;
    if (gap > mx) mx = gap;
  }
  if (n === 0) return Number.NaN; // torchmetrics: 0/0 proportions
  if (norm === 'l1') return l1;
  if (norm === 'max') return mx;
  return l2 > 0 ? Math.sqrt(l2) : 0;
}

export function scoring(kernels: Kernels) {
  // ---- topLogProbs ----------------------------------------------------------------------------

  function topLogProbs(logits: Values, options: { classes: number; k: number; indices?: Int32Array; values?: FloatArray }) {
    const fn = 'topLogProbs';
    const seenX = seen(logits);
    if (options === undefined || options === null) fail(fn, 'options "classes" and "k" are required', TypeError);
    const o = readOptions(fn, options, ['classes', 'k', 'indices', 'values']) as Partial<typeof options>;
    const seenI = seen(o.indices);
    const seenV = seen(o.values);
    const x = floats(fn, 'logits', logits);
    if (o.indices !== undefined && typedArrayTag(o.indices) !== 'Int32Array')
      fail(fn, `option "indices" must be an Int32Array; got ${show(o.indices)}`, TypeError);
    const givenV = output(fn, 'values', o.values);
    const givenI = (o.indices as Int32Array | undefined) ?? null;
    // No caller code runs from here on.
    const L = layoutOf(fn, settle(fn, 'logits', x, seenX), o.classes, undefined, true);
    const { rows, classes } = L;
    if (o.k === undefined) fail(fn, 'option "k" is required (how many alternatives per row)', TypeError);
    const k = wholeOption(fn, 'k', o.k, 1, classes);
    settle(fn, 'indices', givenI, seenI);
    settle(fn, 'values', givenV, seenV);
    const n = rows * k;
    const inputs = [['logits', x]] as const;
    const valuesOut = givenV === null ? new Float64Array(n) : outputTarget(fn, 'values', givenV, n, inputs);
    if (givenI !== null) {
      if (lengthOf(givenI) !== n) fail(fn, `option "indices" must have rows × k (${n}) entries; got length ${lengthOf(givenI)}`);
      if (overlaps(givenI, viewOfInput(x)))
        fail(fn, `option "indices" shares memory with "logits"; inputs are never overwritten, pass a separate buffer`);
      if (givenV !== null && overlaps(givenI, givenV))
        fail(fn, `option "indices" shares memory with option "values"; pass separate buffers`);
    }
    const max = scratch(rows);
    const rest = scratch(rows);
    const vals = scratch(n);
    const idx = scratch(n);
    kernels.topRows({ x, rows, classes, k, check: false, max, rest, values: vals, indices: idx });
    // written into a new array and copied at the end: the given one may share memory with the
    // logits through two SharedArrayBuffer objects, and fillRest reads the logits row by row
    const indicesOut = new Int32Array(n);
    for (let r = 0; r < rows; r++) {
      const o0 = r * k;
      // slots the selection left empty (NaN and −∞ elements are never selected): the lowest ids not taken
      if (idx[o0 + k - 1] < 0) fillRest(x, r, classes, k, vals, idx);
      const m = max[r];
      const l = rest[r];
      const bad = m === Infinity; // PyTorch's log_softmax of a row holding +∞ is NaN throughout
      for (let j = 0; j < k; j++) {
        valuesOut[o0 + j] = bad ? Number.NaN : vals[o0 + j] - m - l;
        indicesOut[o0 + j] = idx[o0 + j];
      }
    }
    deliver(givenV, valuesOut as FloatArray);
    if (givenI === null) return { indices: indicesOut, values: givenV ?? valuesOut };
    for (let i = 0; i < n; i++) givenI[i] = indicesOut[i];
    return { indices: givenI, values: givenV ?? valuesOut };
  }

  /** Row r's list completed with the lowest class ids not yet in it (its −∞ and NaN elements). */
  function fillRest(x: Input, r: number, classes: number, k: number, vals: Float64Array, idx: Float64Array): void {
    const o0 = r * k;
    let filled = 0;
    while (filled < k && idx[o0 + filled] >= 0) filled++;
    const taken = new Set<number>();
    for (let j = 0; j < filled; j++) taken.add(idx[o0 + j]);
    // −∞ elements first (log-probability −∞), then NaN ones, each in id order
    for (const pass of [0, 1]) {
      for (let c = 0; c < classes && filled < k; c++) {
        if (taken.has(c)) continue;
        const v = valueAt(x, r * classes + c);
        if (pass === 0 ? v === -Infinity : Number.isNaN(v)) {
          vals[o0 + filled] = v;
          idx[o0 + filled] = c;
          filled++;
        }
      }
    }
  }

  // ---- softmaxEntropy -------------------------------------------------------------------------

  function softmaxEntropy(logits: Values, options?: { classes?: number; base?: number; reduction?: string; grad?: FloatArray }) {
    const fn = 'softmaxEntropy';
    const seenX = seen(logits);
    const o = readOptions(fn, options, ['classes', 'base', 'reduction', 'grad']) as NonNullable<typeof options>;
    const seenG = seen(o.grad);
    const lnBase = logBaseOf(fn, o.base);
    const reduction = reductionOf(fn, o.reduction);
    const x = floats(fn, 'logits', logits);
    const gradOut = output(fn, 'grad', o.grad);
    const L = layoutOf(fn, settle(fn, 'logits', x, seenX), o.classes, undefined, false);
    const { rows, classes } = L;
    settle(fn, 'grad', gradOut, seenG);
    const grad = gradOut && outputTarget(fn, 'grad', gradOut, rows * classes, [['logits', x]]);
    const max = scratch(rows);
    const s = scratch(rows);
    const dot = scratch(rows);
    kernels.entropyRows({ x, rows, classes, max, sum: s, dot });
    const h = scratch(rows);
    const rest = scratch(rows);
    for (let r = 0; r < rows; r++) {
      const m = max[r];
      rest[r] = Math.log1p(s[r]);
      // +∞ or NaN in the row, or only −∞: softmax is undefined (PyTorch: NaN)
      h[r] = m === Infinity || !(m > -Infinity) ? Number.NaN : rest[r] - dot[r] / (1 + s[r]);
    }
    const values = reduction === 'none' ? new Float64Array(rows) : scratch(rows);
    for (let r = 0; r < rows; r++) values[r] = h[r] / lnBase;
    if (grad !== null) {
      kernels.entropyGradRows({ x, max, rest, h, rows, classes, scale: gradScale(reduction, rows) / lnBase, grad });
      deliver(gradOut, grad);
    }
    return reduced(values, sum(values), reduction, rows);
  }

  // ---- continuationScore ----------------------------------------------------------------------

  function continuationScore(logits: Values, targets: Labels, options: { classes: number; start: number }) {
    const fn = 'continuationScore';
    const seenX = seen(logits);
    if (options === undefined || options === null) fail(fn, 'options "classes" and "start" are required', TypeError);
    const o = readOptions(fn, options, ['classes', 'start']) as Partial<typeof options>;
    const x = floats(fn, 'logits', logits);
    const t = targetsOf(fn, targets, 'targets');
    const L = layoutOf(fn, settle(fn, 'logits', x, seenX), o.classes, undefined, true);
    const { rows, classes } = L;
    const nt = settle(fn, 'targets', t.view, t.seen);
    const n = t.view === null ? (t.array as Float64Array).length : nt;
    if (n !== rows) fail(fn, `"targets" must hold one class index per row (${rows}); got length ${n}`);
    if (o.start === undefined) fail(fn, 'option "start" is required (the first row of the continuation)', TypeError);
    if (rows === 0) fail(fn, `option "start" must be a row of the logits, but they have no rows`);
    const start = wholeOption(fn, 'start', o.start, 0, rows - 1);
    // the context rows' targets are not read (they are not scored)
    const label = checkTargets(fn, 'targets', t.array, rows, classes, null, start);
    const max = scratch(rows);
    const rest = scratch(rows);
    kernels.lseRows({ x, rows, classes, max, rest });
    const picked = scratch(rows, Infinity);
    const lp = scratch(rows - start);
    for (let r = start; r < rows; r++) {
      const v = valueAt(x, r * classes + label[r]);
      picked[r] = v;
      lp[r - start] = max[r] === Infinity ? Number.NaN : v - max[r] - rest[r];
    }
    const count = scratch(rows);
    kernels.countAbove({ x, threshold: picked, rows, classes, count });
    let greedy = true;
    for (let r = start; r < rows && greedy; r++) {
      if (count[r] !== 0 || Number.isNaN(picked[r])) greedy = false;
      else {
        // lm-eval's argmax (torch's): the first maximal index; a lower id tied with the target wins
        for (let c = 0; c < label[r]; c++) {
          if (valueAt(x, r * classes + c) === picked[r]) {
            greedy = false;
            break;
          }
        }
      }
    }
    return { logLikelihood: sum(lp), isGreedy: greedy, tokens: rows - start };
  }

  // ---- brierScore -----------------------------------------------------------------------------

  function brierScore(input: Values, target: Labels, options: { classes: number; fromLogits?: boolean; reduction?: string }) {
    const fn = 'brierScore';
    const seenX = seen(input);
    if (options === undefined || options === null) fail(fn, 'option "classes" is required (the number of classes per row)', TypeError);
    const o = readOptions(fn, options, ['classes', 'fromLogits', 'reduction']) as Partial<typeof options>;
    const fromLogits = booleanOf(fn, 'fromLogits', o.fromLogits);
    const reduction = reductionOf(fn, o.reduction);
    const x = floats(fn, 'input', input);
    const t = targetsOf(fn, target, 'target');
    const L = layoutOf(fn, settle(fn, 'input', x, seenX), o.classes, undefined, true);
    const { rows, classes } = L;
    const nt = settle(fn, 'target', t.view, t.seen);
    const n = t.view === null ? (t.array as Float64Array).length : nt;
    if (n !== rows) fail(fn, `"target" must hold one class index per row (${rows}); got length ${n}`);
    const label = checkTargets(fn, 'target', t.array, rows, classes, null);
    const values = reduction === 'none' ? new Float64Array(rows) : scratch(rows);
    if (fromLogits) {
      const max = scratch(rows);
      const rest = scratch(rows);
      kernels.lseRows({ x, rows, classes, max, rest });
      for (let r = 0; r < rows; r++) {
        const m = max[r];
        const l = rest[r];
        if (m === Infinity || !(m > -Infinity)) {
          values[r] = Number.NaN;
          continue;
        }
        // (1 − p_t)² + Σ_{k≠t} p_k², 1 − p_t = −expm1(log p_t): no cancellation for a confident class
        let s = 0;
        for (let c = 0; c < classes; c++) {
          if (c === label[r]) continue;
          const p = Math.exp(valueAt(x, r * classes + c) - m - l);
          s += p * p;
        }
        const q = -Math.expm1(valueAt(x, r * classes + label[r]) - m - l);
        values[r] = q * q + s;
      }
    } else {
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let c = 0; c < classes; c++) {
          const i = r * classes + c;
          const p = valueAt(x, i);
          if (!(p >= 0 && p <= 1)) fail(fn, `"input"[${i}] must be a probability in [0, 1] (or pass fromLogits: true); got ${show(p)}`);
          const d = c === label[r] ? 1 - p : p;
          s += d * d;
        }
        values[r] = s;
      }
    }
    return reduced(values, sum(values), reduction, rows);
  }

  // ---- calibration ----------------------------------------------------------------------------

  /**
   * Adds the confidences and accuracies of the rows of `input` to bin sums: the checked
   * arguments, then per row the top-label confidence (multiclass: the max probability, or
   * 1/Σ exp(x − max) from logits, with its first arg-max as the prediction; binary: the value, or
   * sigmoid of it) and whether the prediction is the target.
   */
  function binInto(fn: string, input: Values, target: Labels, o: CalibrationOptions, into: BinSums | null): BinSums {
    const seenX = seen(input);
    const x = floats(fn, 'input', input);
    const t = targetsOf(fn, target, 'target');
    const fromLogits = booleanOf(fn, 'fromLogits', o.fromLogits);
    const binary = o.classes === undefined;
    const total = settle(fn, 'input', x, seenX);
    const L = binary ? { rows: total, classes: 1 } : layoutOf(fn, total, o.classes, undefined, true);
    const { rows, classes } = L;
    if (!binary && classes < 2)
      fail(fn, `option "classes" must be at least 2 (omit it for binary calibration: one probability per row); got ${show(classes)}`);
    const nt = settle(fn, 'target', t.view, t.seen);
    const n = t.view === null ? (t.array as Float64Array).length : nt;
    if (n !== rows) fail(fn, `"target" must hold one ${binary ? '0/1 label' : 'class index'} per row (${rows}); got length ${n}`);
    const label = checkTargets(fn, 'target', t.array, rows, binary ? 2 : classes, null);
    const bins = into === null ? (o.bins === undefined ? 15 : wholeOption(fn, 'bins', o.bins, 1, 2 ** 24)) : into.bins;
    const b = into ?? emptyBins(bins);
    const edges = binEdges(bins);
    let conf: Float64Array;
    let acc: Float64Array;
    if (binary) {
      conf = scratch(rows);
      acc = scratch(rows);
      for (let r = 0; r < rows; r++) {
        const v = valueAt(x, r);
        let p: number;
        if (fromLogits) {
          if (Number.isNaN(v)) fail(fn, `"input"[${r}] must be a logit (not NaN); got NaN`);
          p = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
        } else {
          if (!(v >= 0 && v <= 1)) fail(fn, `"input"[${r}] must be a probability in [0, 1] (or pass fromLogits: true); got ${show(v)}`);
          p = v;
        }
        conf[r] = p;
        acc[r] = label[r];
      }
    } else {
      const max = scratch(rows);
      const rest = scratch(rows);
      const vals = scratch(rows);
      const idx = scratch(rows);
      const ok = kernels.topRows({ x, rows, classes, k: 1, check: !fromLogits, max, rest, values: vals, indices: idx });
      if (!ok) {
        for (let i = 0; i < rows * classes; i++) {
          const v = valueAt(x, i);
          if (!(v >= 0 && v <= 1)) fail(fn, `"input"[${i}] must be a probability in [0, 1] (or pass fromLogits: true); got ${show(v)}`);
        }
      }
      // the confidences and accuracies written over rest and vals, read once (no more arrays of rows)
      conf = rest;
      acc = vals;
      for (let r = 0; r < rows; r++) {
        const c = fromLogits ? Math.exp(-rest[r]) : max[r];
        if (!(c >= 0 && c <= 1) || max[r] === Infinity || !(max[r] > -Infinity)) {
          fail(fn, `row ${r} of "input" has no confidence (a logit of NaN or +Infinity, or only -Infinity); got ${show(c)}`);
        }
        conf[r] = c;
        acc[r] = idx[r] === label[r] ? 1 : 0;
      }
    }
    const { count, correct, confS, confC } = b;
    for (let r = 0; r < rows; r++) {
      const v = conf[r];
      const k = binOf(edges, bins, v);
      count[k] += 1;
      correct[k] += acc[r];
      const s = confS[k];
      const t = s + v;
      confC[k] += Math.abs(s) >= v ? s - t + v : v - t + s;
      confS[k] = t;
    }
    return b;
  }

  function normOf(fn: string, norm: unknown): CalibrationNorm {
    if (norm === undefined) return 'l1';
    if (!NORMS.includes(norm as CalibrationNorm)) {
      fail(fn, `option "norm" must be one of 'l1', 'l2', 'max'; got ${show(norm)}`, typeof norm === 'string' ? RangeError : TypeError);
    }
    return norm as CalibrationNorm;
  }

  const CAL_OPTIONS = ['classes', 'bins', 'norm', 'fromLogits'];

  function calibrationError(input: Values, target: Labels, options?: CalibrationOptions): number {
    const fn = 'calibrationError';
    const o = readOptions(fn, options, CAL_OPTIONS) as CalibrationOptions;
    const norm = normOf(fn, o.norm);
    return calibrationOf(binInto(fn, input, target, o, null), norm);
  }

  function reliabilityBins(input: Values, target: Labels, options?: CalibrationOptions) {
    const fn = 'reliabilityBins';
    const o = readOptions(fn, options, ['classes', 'bins', 'fromLogits']) as CalibrationOptions;
    return binsResult(binInto(fn, input, target, o, null));
  }

  // ---- fitTemperature -------------------------------------------------------------------------

  function fitTemperature(logits: Values, target: Labels, options: { classes: number; ignoreIndex?: number }) {
    const fn = 'fitTemperature';
    const seenX = seen(logits);
    if (options === undefined || options === null) fail(fn, 'option "classes" is required (the number of classes per row)', TypeError);
    const o = readOptions(fn, options, ['classes', 'ignoreIndex']) as Partial<typeof options>;
    const ignoreIndex = integerOf(fn, 'ignoreIndex', o.ignoreIndex, IGNORE_INDEX);
    const x = floats(fn, 'logits', logits);
    const t = targetsOf(fn, target, 'target');
    const L = layoutOf(fn, settle(fn, 'logits', x, seenX), o.classes, undefined, true);
    const { rows, classes } = L;
    const nt = settle(fn, 'target', t.view, t.seen);
    const n = t.view === null ? (t.array as Float64Array).length : nt;
    if (n !== rows) fail(fn, `"target" must hold one class index per row (${rows}); got length ${n}`);
    const label = checkTargets(fn, 'target', t.array, rows, classes, ignoreIndex);
    // the rows that count, their max and target logit
    const keep: number[] = [];
    for (let r = 0; r < rows; r++) if (label[r] >= 0) keep.push(r);
    if (keep.length === 0) fail(fn, `no row has a target (every one is ignoreIndex ${show(ignoreIndex)})`);
    const max = scratch(rows);
    const rest = scratch(rows);
    kernels.lseRows({ x, rows, classes, max, rest });
    for (const r of keep) {
      if (!Number.isFinite(max[r]) || Number.isNaN(rest[r]))
        fail(fn, `row ${r} of "logits" holds NaN or +Infinity, or only -Infinity: its NLL is not finite`);
      if (valueAt(x, r * classes + label[r]) === -Infinity)
        fail(fn, `row ${r}'s target logit is -Infinity: its NLL is infinite at every temperature`);
    }
    // One fused pass over the kept rows at β = 1/T: with d = x − max (≤ 0) and w = exp(β·d), each
    // element read once for Σ w, Σ w·d and Σ w·d², the mean over rows of
    //   f(β)   = log Σ w − β·d_t                (the NLL at T = 1/β: lse(βx) − βx_t)
    //   f'(β)  = E[d] − d_t                      (E under softmax(βx))
    //   f''(β) = E[d²] − E[d]² ≥ 0               (a variance: f is convex in β)
    // the rows' terms added with Neumaier's compensation. f' decides the root, exactly as its
    // terms are computed; f'' (whose difference may lose digits) only sizes the Newton step,
    // which the bracket below keeps safe.
    const nk = keep.length;
    const f0 = scratch(nk);
    const f1 = scratch(nk);
    const f2 = scratch(nk);
    const pass = (beta: number) => {
      for (let q = 0; q < nk; q++) {
        const r = keep[q];
        const m = max[r];
        let sw = 0;
        let sd = 0;
        let sdd = 0;
        for (let c = 0; c < classes; c++) {
          const d = valueAt(x, r * classes + c) - m;
          if (d === -Infinity) continue;
          const w = Math.exp(beta * d);
          sw += w;
          sd += w * d;
          sdd += w * d * d;
        }
        const mean = sd / sw;
        const dt = valueAt(x, r * classes + label[r]) - m;
        f0[q] = Math.log(sw) - beta * dt;
        f1[q] = mean - dt;
        f2[q] = Math.max(0, sdd / sw - mean * mean);
      }
      return { f: sum(f0) / nk, g: sum(f1) / nk, h: sum(f2) / nk };
    };
    // Bracket the root of f' (increasing in β): f'(lo) < 0 < f'(hi).
    let beta = 1;
    let at = pass(beta);
    const nllBefore = at.f;
    let lo = 0;
    let hi = Infinity;
    const none = (why: string): never => fail(fn, `no temperature T > 0 minimises the NLL: ${why}`);
    for (;;) {
      // f'' = 0: every row's softmax(βx) is one class (or the rows are constant): f is linear there
      if (at.h === 0)
        none(
          at.g <= 0
            ? 'the NLL keeps decreasing as T → 0 (every target is its row’s arg-max)'
            : 'the NLL is flat or keeps decreasing as T grows',
        );
      if (at.g < 0) lo = beta;
      else if (at.g > 0) hi = beta;
      else break; // f'(β) = 0 exactly
      if (lo > 0 && hi < Infinity) break;
      beta = lo > 0 ? beta * 2 : beta / 2;
      if (beta > 2 ** 60) none('the NLL keeps decreasing as T → 0 (every target is its row’s arg-max, or nearly)');
      if (beta < 2 ** -60) none('the NLL keeps decreasing as T → ∞ (the targets are below their rows’ mean logit)');
      at = pass(beta);
    }
    // Safeguarded Newton in β: the Newton step where it stays inside the bracket, else bisection.
    for (let i = 0; i < 200 && at.g !== 0; i++) {
      let next = beta - at.g / at.h;
      if (!(next > lo && next < hi)) next = (lo + hi) / 2;
      const step = Math.abs(next - beta);
      beta = next;
      at = pass(beta);
      if (at.g < 0) lo = beta;
      else if (at.g > 0) hi = beta;
      if (step <= 1e-15 * beta || hi - lo <= 4e-16 * beta) break;
    }
    return { temperature: 1 / beta, nll: at.f, nllBefore };
  }

  return {
    // (scoped: their per-row arrays come from the per-call arena, ./scratch.ts)
    topLogProbs: scoped(topLogProbs) as TopLogProbs,
    softmaxEntropy: scoped(softmaxEntropy) as SoftmaxEntropy,
    continuationScore: scoped(continuationScore) as ContinuationScore,
    brierScore: scoped(brierScore) as BrierScore,
    calibrationError: scoped(calibrationError) as CalibrationErrorFn,
    reliabilityBins: scoped(reliabilityBins) as ReliabilityBins,
    fitTemperature: scoped(fitTemperature) as FitTemperature,
    /** For the calibration accumulator: bin a batch into existing sums, with the function's checks. */
    _binInto: scoped(binInto),
  };
}

/** The reliability diagram's bins from bin sums: edges, count, mean confidence, accuracy (0 where empty). */
export function binsResult(b: BinSums) {
  const count = Float64Array.from(b.count);
  const confidence = new Float64Array(b.bins + 1);
  const accuracy = new Float64Array(b.bins + 1);
  for (let i = 0; i <= b.bins; i++) {
    if (count[i] === 0) continue;
    confidence[i] = confOf(b, i) / count[i];
    accuracy[i] = b.correct[i] / count[i];
  }
  return { edges: binEdges(b.bins), count, confidence, accuracy };
}
