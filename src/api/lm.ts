// Language-model evaluation: the log-probability of each row's target token (and its rank), and
// perplexity, from one log-sum-exp pass over the logits: no softmax array, no one-hot.
import { lengthOf, typedArrayTag } from '../intrinsics.js';
import { Half } from '../kernels/half.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import {
  classIndices,
  deliver,
  floats,
  INDEX_TYPES,
  labels,
  output,
  outputTarget,
  overlaps,
  seen,
  settle,
  valueAt,
  viewOfInput,
} from './arrays.js';
import { fail, show } from './errors.js';
import { classAxisKernels, indexOf } from './layout.js';
import { integerOf, layoutOf, readOptions, shapeOption } from './options.js';
import { reduced, sum } from './reductions.js';
import { scoped, scratch } from './scratch.js';
import type {
  Labels,
  Perplexity,
  PerplexityOptions,
  SlidingWindowOptions,
  TokenLogProbs,
  TokenLogProbsOptions,
  Values,
  Window,
} from './types.js';

const IGNORE_INDEX = -100; // PyTorch's default, as in softmaxCrossEntropy

/** The `ranks` option: an Int32Array or Uint32Array the library fills, one entry per row. */
function ranksOutput(fn: string, x: unknown): Int32Array | Uint32Array | null {
  if (x === undefined) return null;
  const tag = typedArrayTag(x);
  if (tag !== 'Int32Array' && tag !== 'Uint32Array')
    fail(fn, `option "ranks" must be an Int32Array or Uint32Array; got ${show(x)}`, TypeError);
  return x as Int32Array | Uint32Array;
}

/**
 * What tokenLogProbs and perplexity share: the checked arguments, each row's label (−1 where
 * ignored) and log-probability of its label (0 where ignored), from lseRows's two parts:
 * log p = (x_t − max) − rest, two parts of one sign (a dominant target keeps its tiny log p).
 */
export function lm(kernels: Kernels) {
  function score(fn: string, logits: Values, targets: Labels, options: TokenLogProbsOptions, known: readonly string[]) {
    const seenX = seen(logits);
    const seenT = seen(targets);
    const o = readOptions(fn, options, known) as TokenLogProbsOptions;
    const shape = shapeOption(fn, o.shape);
    const seenO = seen(o.out);
    const seenR = seen(o.ranks);
    const ignoreIndex = integerOf(fn, 'ignoreIndex', o.ignoreIndex, IGNORE_INDEX);
    const x = floats(fn, 'logits', logits);
    const tgt = labels(fn, targets, `class indices (${INDEX_TYPES})`, 'targets');
    if (tgt.float) fail(fn, `"targets" must be class indices (${INDEX_TYPES}); got ${show(targets)}`, TypeError);
    const given = output(fn, 'out', o.out);
    const ranks = ranksOutput(fn, o.ranks);
    // No caller code runs from here on (src/api/arrays.ts).
    const L = layoutOf(fn, settle(fn, 'logits', x, seenX), o.classes, shape, true);
    const { rows, classes } = L;
    const k = classAxisKernels(kernels, L);
    const n = settle(fn, 'targets', tgt.array as unknown as ArrayBufferView, seenT);
    if (n !== rows) fail(fn, `"targets" must hold one class index per ${L.item} (${rows}); got length ${n}`);
    settle(fn, 'out', given, seenO);
    settle(fn, 'ranks', ranks, seenR);
    const inputs = [
      ['logits', x],
      ['targets', tgt.plain ? null : (tgt.array as unknown as ArrayBufferView)],
    ] as const;
    const out = given === null ? new Float64Array(rows) : outputTarget(fn, 'out', given, rows, inputs);
    if (ranks !== null) {
      if (lengthOf(ranks) !== rows) fail(fn, `option "ranks" must have one entry per ${L.item} (${rows}); got length ${lengthOf(ranks)}`);
      for (const [name, input] of inputs) {
        if (input !== null && overlaps(ranks, input instanceof Half ? viewOfInput(input) : input))
          fail(fn, `option "ranks" shares memory with "${name}"; inputs are never overwritten, pass a separate buffer`);
      }
      // the two outputs: one would overwrite the other
      if (given !== null && overlaps(ranks, given)) fail(fn, `option "ranks" shares memory with option "out"; pass separate buffers`);
    }
    const { label } = classIndices(fn, tgt.array, rows, classes, ignoreIndex, null, 'targets');
    const max = scratch(rows);
    const rest = scratch(rows);
    k.lseRows({ x, rows, classes, max, rest });
    const picked = scratch(rows);
    for (let r = 0; r < rows; r++) {
      if (label[r] < 0) {
        out[r] = 0; // an ignored row: documented as 0 (a given `out` is overwritten there too)
        continue;
      }
      const v = valueAt(x, indexOf(L, r, label[r]));
      picked[r] = v;
      // PyTorch's log_softmax of a row holding +∞ is NaN throughout (x − max is NaN there)
      out[r] = max[r] === Infinity ? NaN : v - max[r] - rest[r];
    }
    if (ranks !== null) {
      const count = scratch(rows);
      k.countAbove({ x, threshold: picked, rows, classes, count });
      for (let r = 0; r < rows; r++) ranks[r] = label[r] < 0 ? -1 : count[r];
    }
    return { out, given, label, rows };
  }

  function tokenLogProbs(logits: Values, targets: Labels, options: TokenLogProbsOptions) {
    const { out, given } = score('tokenLogProbs', logits, targets, options, ['classes', 'shape', 'ignoreIndex', 'out', 'ranks']);
    deliver(given, out as FloatArray);
    return given ?? out;
  }

  function perplexity(logits: Values, targets: Labels, options: PerplexityOptions) {
    const { out, label, rows } = score('perplexity', logits, targets, options, ['classes', 'shape', 'ignoreIndex']);
    let tokens = 0;
    for (let r = 0; r < rows; r++) if (label[r] >= 0) tokens++;
    // exp of the mean negative log-likelihood over the tokens that count (NaN when none does, as
    // exp(F.cross_entropy) over only ignored targets); `reduced` records the sum and the count
    // for an accumulator
    return Math.exp(reduced(out as Float64Array, -sum(out, rows), 'mean', tokens) as number);
  }

  return { tokenLogProbs: scoped(tokenLogProbs) as TokenLogProbs, perplexity: scoped(perplexity) as Perplexity, slidingWindows };
}

/** A whole number option or argument in [lo, hi]. */
function wholeIn(fn: string, name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < lo || value > hi) {
    fail(fn, `${name} must be an integer in [${lo}, ${hi}]; got ${show(value)}`, typeof value === 'number' ? RangeError : TypeError);
  }
  return value;
}

/**
 * The windows over a text of `tokens` tokens for a model whose context is `maxLength` tokens:
 * window k starts at k·stride (the last one earlier, so that it is full: more context for what
 * it scores) and scores the tokens the previous windows did not reach. Every token from 1 on is
 * scored exactly once (token 0 has no context to be predicted from), each with at least
 * maxLength − stride tokens of context (all of them before that). The Hugging Face recipe's
 * "trg_len" is end − scoreFrom here.
 */
function slidingWindows(tokens: number, options: SlidingWindowOptions): Window[] {
  const fn = 'slidingWindows';
  const n = wholeIn(fn, '"tokens"', tokens, 0, Number.MAX_SAFE_INTEGER);
  if (options === undefined || options === null) fail(fn, `option "maxLength" is required (the model's context length)`, TypeError);
  const o = readOptions(fn, options, ['maxLength', 'stride']) as Partial<SlidingWindowOptions>;
  if (o.maxLength === undefined) fail(fn, `option "maxLength" is required (the model's context length)`, TypeError);
  const L = wholeIn(fn, 'option "maxLength"', o.maxLength, 2, Number.MAX_SAFE_INTEGER);
  // stride = maxLength would leave each window's first token unscored (no context in its window)
  const S = o.stride === undefined ? Math.floor(L / 2) : wholeIn(fn, 'option "stride"', o.stride, 1, L - 1);
  const windows: Window[] = [];
  let scored = 1; // the next token to score
  for (let start = 0; scored < n; start += S) {
    const last = start + L >= n;
    const s = last ? Math.max(0, n - L) : start;
    const end = last ? n : start + L;
    windows.push(Object.freeze({ start: s, end, scoreFrom: scored }));
    scored = end;
  }
  return windows;
}
