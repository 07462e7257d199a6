// The scoring accumulators, with the contract of ./accumulators.ts (update / merge / compute /
// reset / toJSON, restoreAccumulator): multipleChoice (lm-evaluation-harness's acc, acc_norm,
// their standard errors and brier_score, one question per update) and calibrationError
// (torchmetrics' bins: per-bin count, Σ confidence, Σ accuracy). State: counts and compensated
// sums, so that any split into batches merged in any order gives the one-call result.
import { floats, seen, settle, valueAt } from './arrays.js';
import { fail, show } from './errors.js';
import { readOptions } from './options.js';
import { addTo, type BinSums, calibrationOf, emptyBins, type Sum, sumOf } from './scoring.js';
import type { Accumulator, AccumulatorState, CalibrationNorm, CalibrationOptions, Labels, MultipleChoiceResult, Values } from './types.js';

export const SCORING = ['multipleChoice', 'calibrationError'] as const;
type ScoringName = (typeof SCORING)[number];

/** The calibration binning of the entry's API (src/api/scoring.ts): a batch's checks and bins, added into `into`. */
export type BinInto = (fn: string, input: Values, target: Labels, o: CalibrationOptions, into: BinSums | null) => BinSums;

export function isScoringAccumulator(name: unknown): name is ScoringName {
  return typeof name === 'string' && (SCORING as readonly string[]).includes(name);
}

interface McState {
  count: number;
  acc: number;
  accNorm: number;
  brier: Sum;
}

interface CalState {
  options: CalibrationOptions;
  norm: CalibrationNorm;
  key: string;
  bins: BinSums;
}

/** Every scoring accumulator's state, by the accumulator (of either entry). */
const mcStates = new WeakMap<object, McState>();
const calStates = new WeakMap<object, CalState>();

function encode(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function decode(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === 'Infinity' || v === '-Infinity' || v === 'NaN') return Number(v);
  return undefined;
}

/** The first index of the largest value (np.argmax; NaN never wins). */
function argmax(v: Float64Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best] || Number.isNaN(v[best])) best = i;
  return best;
}

/** lm-eval's mean_stderr of 0/1 scores with mean p over n: √(p(1 − p)/(n − 1)); NaN below 2. */
function stderrOf(p: number, n: number): number {
  return n < 2 ? Number.NaN : Math.sqrt((p * (1 - p)) / (n - 1));
}

function multipleChoice(options: unknown): Accumulator<'multipleChoice'> {
  readOptions(`accumulator('multipleChoice')`, options as object | undefined, []);
  const state: McState = { count: 0, acc: 0, accNorm: 0, brier: { s: 0, c: 0 } };
  const acc = {
    fn: 'multipleChoice' as const,
    update(...args: unknown[]) {
      const where = `accumulator('multipleChoice').update`;
      if (args.length < 2 || args.length > 3)
        fail(
          where,
          `takes the choices' log-likelihoods, the gold index and an optional { lengths }; got ${args.length} arguments`,
          TypeError,
        );
      const batch = args.length > 2 ? (readOptions(where, args[2] as object, ['lengths']) as { lengths?: Values }) : {};
      const seenL = seen(args[0]);
      const seenN = seen(batch.lengths);
      const lls = floats(where, 'logLikelihoods', args[0] as Values);
      const lens = batch.lengths === undefined ? null : floats(where, 'lengths', batch.lengths);
      const n = settle(where, 'logLikelihoods', lls, seenL);
      const m = settle(where, 'lengths', lens, seenN);
      if (n === 0) fail(where, `"logLikelihoods" must hold one value per choice; got none`);
      const gold = args[1];
      if (typeof gold !== 'number' || !Number.isInteger(gold) || gold < 0 || gold >= n)
        fail(
          where,
          `"gold" must be the index of a choice, an integer in [0, ${n}); got ${show(gold)}`,
          typeof gold === 'number' ? RangeError : TypeError,
        );
      if (lens !== null && m !== n) fail(where, `option "lengths" must have one entry per choice (${n}); got length ${m}`);
      const ll = new Float64Array(n);
      const norm = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = valueAt(lls, i);
        if (!(v <= 0)) fail(where, `"logLikelihoods"[${i}] must be a log-likelihood (≤ 0); got ${show(v)}`);
        ll[i] = v;
        if (lens !== null) {
          const l = valueAt(lens, i);
          if (!(l > 0 && l < Infinity)) fail(where, `option "lengths"[${i}] must be a length > 0; got ${show(l)}`);
          norm[i] = v / l;
        } else norm[i] = v;
      }
      // brier_score's item: softmax(lls) against the one-hot gold, (1 − p_g)² + Σ others p²
      let mx = -Infinity;
      for (let i = 0; i < n; i++) if (ll[i] > mx) mx = ll[i];
      let brier: number;
      if (mx === -Infinity) brier = Number.NaN;
      else {
        let s = 0;
        for (let i = 0; i < n; i++) s += Math.exp(ll[i] - mx);
        const lse = mx + Math.log(s);
        let b = 0;
        for (let i = 0; i < n; i++) {
          if (i === gold) continue;
          const p = Math.exp(ll[i] - lse);
          b += p * p;
        }
        const q = -Math.expm1(ll[gold] - lse);
        brier = q * q + b;
      }
      state.count += 1;
      if (argmax(ll) === gold) state.acc += 1;
      if (argmax(norm) === gold) state.accNorm += 1;
      addTo(state.brier, brier);
      return acc;
    },
    merge(other: unknown) {
      const where = `accumulator('multipleChoice').merge`;
      const o = typeof other === 'object' && other !== null ? mcStates.get(other) : undefined;
      if (o === undefined) fail(where, `"other" must be an accumulator of multipleChoice; got ${show(other)}`, TypeError);
      state.count += o.count;
      state.acc += o.acc;
      state.accNorm += o.accNorm;
      const b = { ...o.brier };
      addTo(state.brier, b.s);
      addTo(state.brier, b.c);
      return acc;
    },
    compute(): MultipleChoiceResult {
      const n = state.count;
      const a = state.acc / n;
      const an = state.accNorm / n;
      return {
        acc: a,
        accNorm: an,
        accStderr: stderrOf(a, n),
        accNormStderr: stderrOf(an, n),
        brierScore: sumOf(state.brier) / n,
        count: n,
      };
    },
    reset() {
      state.count = 0;
      state.acc = 0;
      state.accNorm = 0;
      state.brier = { s: 0, c: 0 };
      return acc;
    },
    toJSON(): AccumulatorState {
      return {
        xentropy: 'accumulator',
        version: 1,
        fn: 'multipleChoice',
        options: {},
        state: { count: state.count, acc: state.acc, accNorm: state.accNorm, brier: [encode(state.brier.s), encode(state.brier.c)] },
      };
    },
  };
  Object.freeze(acc);
  mcStates.set(acc, state);
  return acc as unknown as Accumulator<'multipleChoice'>;
}

function calibration(options: unknown, binInto: BinInto): Accumulator<'calibrationError'> {
  const fn = `accumulator('calibrationError')`;
  const o = readOptions(fn, options as object | undefined, ['classes', 'bins', 'norm', 'fromLogits']) as CalibrationOptions;
  const norm = o.norm === undefined ? 'l1' : o.norm;
  if (!['l1', 'l2', 'max'].includes(norm as string))
    fail(fn, `option "norm" must be one of 'l1', 'l2', 'max'; got ${show(norm)}`, typeof norm === 'string' ? RangeError : TypeError);
  // a dry run on no data: every option checked by the function's own code
  const bins = binInto(fn, [], [], { ...o }, null);
  const call: CalibrationOptions = { ...o };
  const key = JSON.stringify({ classes: o.classes ?? null, bins: bins.bins, norm, fromLogits: o.fromLogits === true });
  const state: CalState = { options: call, norm: norm as CalibrationNorm, key, bins };
  const acc = {
    fn: 'calibrationError' as const,
    update(...args: unknown[]) {
      const where = `accumulator('calibrationError').update`;
      if (args.length !== 2) fail(where, `takes 2 data arguments (input, target); got ${args.length} arguments`, TypeError);
      binInto(where, args[0] as Values, args[1] as Labels, state.options, state.bins);
      return acc;
    },
    merge(other: unknown) {
      const where = `accumulator('calibrationError').merge`;
      const s = typeof other === 'object' && other !== null ? calStates.get(other) : undefined;
      if (s === undefined) fail(where, `"other" must be an accumulator of calibrationError; got ${show(other)}`, TypeError);
      if (s.key !== state.key) fail(where, `cannot merge accumulators with different options: ${state.key} and ${s.key}`);
      const b = state.bins;
      const o = s.bins;
      const n = b.bins + 1;
      // read before writing (a merge with itself)
      const add = Float64Array.from([...o.count, ...o.correct, ...o.confS, ...o.confC]);
      for (let i = 0; i < n; i++) {
        b.count[i] += add[i];
        b.correct[i] += add[n + i];
        const sum = { s: b.confS[i], c: b.confC[i] };
        addTo(sum, add[2 * n + i]);
        addTo(sum, add[3 * n + i]);
        b.confS[i] = sum.s;
        b.confC[i] = sum.c;
      }
      return acc;
    },
    compute(): number {
      return calibrationOf(state.bins, state.norm);
    },
    reset() {
      state.bins = emptyBins(state.bins.bins);
      return acc;
    },
    toJSON(): AccumulatorState {
      const b = state.bins;
      return {
        xentropy: 'accumulator',
        version: 1,
        fn: 'calibrationError',
        options: {
          ...(o.classes === undefined ? {} : { classes: o.classes }),
          bins: b.bins,
          norm: state.norm,
          fromLogits: o.fromLogits === true,
        },
        state: {
          count: Array.from(b.count),
          correct: Array.from(b.correct),
          confidence: Array.from(b.confS, (v, i) => [encode(v), encode(b.confC[i])]),
        },
      };
    },
  };
  Object.freeze(acc);
  calStates.set(acc, state);
  return acc as unknown as Accumulator<'calibrationError'>;
}

export function scoringAccumulator(name: ScoringName, options: unknown, binInto: BinInto): Accumulator {
  return (name === 'multipleChoice' ? multipleChoice(options) : calibration(options, binInto)) as unknown as Accumulator;
}

export function restoreScoring(j: Record<string, unknown>, binInto: BinInto): Accumulator {
  const fn = 'restoreAccumulator';
  const bad = (why: string): never => fail(fn, `"state" is not an accumulator's state (toJSON()): ${why}`, TypeError);
  if (j.xentropy !== 'accumulator' || j.version !== 1) bad(`its "xentropy" must be 'accumulator' and "version" 1`);
  const options = j.options;
  const st = j.state;
  if (typeof options !== 'object' || options === null || typeof st !== 'object' || st === null)
    bad(`"options" and "state" must be objects`);
  const s = st as Record<string, unknown>;
  const pair = (v: unknown, what: string): Sum => {
    if (!Array.isArray(v) || v.length !== 2) return bad(`"${what}" must be two numbers`);
    const a = decode(v[0]);
    const b = decode(v[1]);
    if (a === undefined || b === undefined) return bad(`"${what}" must be two numbers`);
    return { s: a, c: b };
  };
  const whole = (v: unknown, what: string): number =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : bad(`"${what}" must be a whole number ≥ 0`);
  if (j.fn === 'multipleChoice') {
    const acc = multipleChoice(options);
    const state = mcStates.get(acc) as McState;
    state.count = whole(s.count, 'state.count');
    state.acc = whole(s.acc, 'state.acc');
    state.accNorm = whole(s.accNorm, 'state.accNorm');
    if (state.acc > state.count || state.accNorm > state.count) bad(`"state.acc" and "state.accNorm" cannot exceed "state.count"`);
    state.brier = pair(s.brier, 'state.brier');
    return acc as unknown as Accumulator;
  }
  const acc = calibration(options, binInto);
  const state = calStates.get(acc) as CalState;
  const n = state.bins.bins + 1;
  const { count, correct, confidence } = s;
  if (
    !Array.isArray(count) ||
    !Array.isArray(correct) ||
    !Array.isArray(confidence) ||
    count.length !== n ||
    correct.length !== n ||
    confidence.length !== n
  )
    bad(`"state.count", "state.correct" and "state.confidence" must have bins + 1 (${n}) entries`);
  for (let i = 0; i < n; i++) {
    state.bins.count[i] = whole((count as unknown[])[i], `state.count[${i}]`);
    state.bins.correct[i] = whole((correct as unknown[])[i], `state.correct[${i}]`);
    if (state.bins.correct[i] > state.bins.count[i]) bad(`"state.correct[${i}]" cannot exceed "state.count[${i}]"`);
    const c = pair((confidence as unknown[])[i], `state.confidence[${i}]`);
    state.bins.confS[i] = c.s;
    state.bins.confC[i] = c.c;
  }
  return acc as unknown as Accumulator;
}
