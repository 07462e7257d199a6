// Mergeable accumulators (torchmetrics' update / compute / merge / reset): an update calls the
// function itself, so it makes exactly its checks and computation, and adds the call's total and
// divisor (recorded by `reduced`) to compensated sums. State is a few f64 numbers, never a list.
import { isArray, lengthOf, setInto } from '../intrinsics.js';
import { floats, seen, settle, toF64, valueAt } from './arrays.js';
import { fail, show } from './errors.js';
import { readOptions } from './options.js';
import { last, sum } from './reductions.js';
import { type BinInto, isScoringAccumulator, restoreScoring, SCORING, scoringAccumulator } from './scoring-accumulators.js';
import type { Accumulated, AccumulatedName, Accumulator, AccumulatorState, PerplexityResult, Values } from './types.js';

interface Spec {
  /** How many data arguments `update` takes before its optional batch object. */
  arity: number;
  /** Options fixed at creation. */
  options: readonly string[];
  /** Per-batch options, given to `update` after the data. */
  batch: readonly string[];
  /** The reductions an accumulator may compute. */
  reductions: readonly string[];
  /** Options that are arrays (snapshotted as f64 at creation). */
  arrays: readonly string[];
}

const MEAN_SUM = ['mean', 'sum'] as const;
const measure: Spec = { arity: 2, options: ['base', 'classes', 'normalize', 'reduction'], batch: [], reductions: MEAN_SUM, arrays: [] };
// sampleWeight (one weight per row of the batch) is a per-batch option: the functions' 'mean' is
// then Σ s·loss / Σ s (with class weights Σ s·c·l / Σ s·c), whose total and divisor add up across batches
const SPECS: Record<Exclude<AccumulatedName, (typeof SCORING)[number]>, Spec> = {
  entropy: { ...measure, arity: 1 },
  crossEntropy: { ...measure, batch: ['sampleWeight'] },
  klDivergence: { ...measure, batch: ['sampleWeight'] },
  jsDivergence: measure,
  binaryCrossEntropy: {
    arity: 2,
    options: ['classes', 'labelSmoothing', 'reduction'],
    batch: ['weight', 'sampleWeight'],
    reductions: MEAN_SUM,
    arrays: [],
  },
  binaryCrossEntropyWithLogits: {
    arity: 2,
    options: ['posWeight', 'classes', 'labelSmoothing', 'reduction'],
    batch: ['weight', 'sampleWeight'],
    reductions: MEAN_SUM,
    arrays: ['posWeight'],
  },
  softmaxCrossEntropy: {
    arity: 2,
    options: ['classes', 'weight', 'ignoreIndex', 'labelSmoothing', 'reduction'],
    batch: ['sampleWeight'],
    reductions: MEAN_SUM,
    arrays: ['weight'],
  },
  nllLoss: {
    arity: 2,
    options: ['classes', 'weight', 'ignoreIndex', 'reduction'],
    batch: ['sampleWeight'],
    reductions: MEAN_SUM,
    arrays: ['weight'],
  },
  klDiv: {
    arity: 2,
    options: ['classes', 'reduction', 'logTarget'],
    batch: ['sampleWeight'],
    reductions: ['mean', 'sum', 'batchmean'],
    arrays: [],
  },
  sigmoidFocalLoss: { arity: 2, options: ['alpha', 'gamma', 'reduction'], batch: [], reductions: MEAN_SUM, arrays: [] },
  perplexity: { arity: 2, options: ['classes', 'ignoreIndex'], batch: ['bytes', 'words'], reductions: ['mean'], arrays: [] },
};

/** Options whose default, given explicitly, makes no difference to what an accumulator computes. */
const DEFAULTS: Record<string, unknown> = { ignoreIndex: -100, labelSmoothing: 0, normalize: false, logTarget: false };

/** A sum with Neumaier's compensation: s + c is the sum to a few roundings, whatever the count. */
interface Sum {
  s: number;
  c: number;
}

function add(x: Sum, v: number): void {
  const t = x.s + v;
  x.c += Math.abs(x.s) >= Math.abs(v) ? x.s - t + v : v - t + x.s;
  x.s = t;
}

function value(x: Sum): number {
  return Number.isFinite(x.s) ? x.s + x.c : x.s;
}

/** JSON has no ±∞ or NaN: those are written as strings. */
function encode(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function decode(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === 'Infinity' || v === '-Infinity' || v === 'NaN') return Number(v);
  return undefined;
}

interface State {
  fn: Exclude<AccumulatedName, (typeof SCORING)[number]>;
  spec: Spec;
  /** The options as the function is called with them (arrays as Float64Array copies). */
  call: Record<string, unknown>;
  /** The options as JSON (arrays as number[]), and its text, which merge compares. */
  json: Record<string, unknown>;
  key: string;
  reduction: string;
  total: Sum;
  divisor: Sum;
  bytes: number;
  words: number;
}

type Fn = (...args: unknown[]) => unknown;

/** Every accumulator's state, by the accumulator (of either entry: merge takes one from the other). */
const states = new WeakMap<object, State>();

/** The accumulators of one entry's functions (`api`: the entry's own, so each computes on its kernels). */
export function accumulators(api: Record<Exclude<AccumulatedName, (typeof SCORING)[number]>, unknown>, binInto: BinInto) {
  function stateOf(fn: string, x: unknown, name: string): State {
    const s = typeof x === 'object' && x !== null ? states.get(x) : undefined;
    if (s === undefined)
      fail(fn, `"${name}" must be an accumulator made by accumulator() or restoreAccumulator(); got ${show(x)}`, TypeError);
    return s;
  }

  function create(fnName: unknown, options: unknown): Accumulator {
    const fn = 'accumulator';
    if (typeof fnName === 'string' && (SCORING as readonly string[]).includes(fnName))
      return scoringAccumulator(fnName as (typeof SCORING)[number], options, binInto);
    if (typeof fnName !== 'string' || !Object.hasOwn(SPECS, fnName)) {
      fail(
        fn,
        `"fn" must be one of ${[...Object.keys(SPECS), ...SCORING].map((k) => `'${k}'`).join(', ')}; got ${show(fnName)}`,
        TypeError,
      );
    }
    const name = fnName as Exclude<AccumulatedName, (typeof SCORING)[number]>;
    const spec = SPECS[name];
    const o = readOptions(`accumulator('${name}')`, options as object | undefined, spec.options) as Record<string, unknown>;
    const reduction = o.reduction === undefined ? 'mean' : o.reduction;
    if (!spec.reductions.includes(reduction as string)) {
      fail(
        fn,
        `option "reduction" of an accumulator of ${name} must be ${spec.reductions.map((r) => `'${r}'`).join(' or ')}; got ${show(reduction)}`,
      );
    }
    const call: Record<string, unknown> = {};
    const json: Record<string, unknown> = {};
    for (const k of spec.options) {
      const v = o[k];
      if (v === undefined) continue;
      if (spec.arrays.includes(k)) {
        // a copy made once, through the function's own conversion below (a dry run checks it)
        call[k] = v;
      } else {
        call[k] = v;
        // reduction is kept apart; an option at its default is the same as none (merge compares these)
        if (k !== 'reduction' && !(k in DEFAULTS && DEFAULTS[k] === v)) json[k] = v;
      }
    }
    const state: State = {
      fn: name,
      spec,
      call,
      json,
      key: '',
      reduction: reduction as string,
      total: { s: 0, c: 0 },
      divisor: { s: 0, c: 0 },
      bytes: 0,
      words: 0,
    };
    // Array options: copied now (the caller may change theirs later), as f64 numbers.
    for (const k of spec.arrays) {
      if (call[k] === undefined) continue;
      const copy = snapshot(name, k, call[k]);
      call[k] = copy;
      json[k] = Array.from(copy, encode);
    }
    state.key = JSON.stringify(json);
    // A dry run on no data: every option is checked now, by the function itself, with its messages.
    const empty = spec.arity === 1 ? [[]] : [[], []];
    (api[name] as Fn)(...empty, { ...call });
    return make(state);
  }

  /** An array option as a Float64Array copy, read once through the library's conversion (typed arrays, float16, number[]). */
  function snapshot(name: string, k: string, v: unknown): Float64Array {
    const where = `accumulator('${name}')`;
    const x = floats(where, k, v as Values);
    settle(where, k, x, seen(v));
    const f = toF64(x)!;
    const copy = new Float64Array(lengthOf(f));
    setInto(copy, f, 0);
    return copy;
  }

  function make(state: State): Accumulator {
    const acc = {
      fn: state.fn,
      update(...args: unknown[]) {
        const { spec } = state;
        const where = `accumulator('${state.fn}').update`;
        // perplexity from token log-probabilities (an API's logprobs): update(logProbs, { bytes, words }?)
        if (state.fn === 'perplexity' && (args.length === 1 || (args.length === 2 && !isDataArgument(args[1])))) {
          const batch = args.length > 1 ? (readOptions(where, args[1] as object, spec.batch) as Record<string, unknown>) : {};
          const counts = batchCounts(where, batch);
          const before = seen(args[0]);
          const lp = floats(where, 'logProbs', args[0] as Values);
          const n = settle(where, 'logProbs', lp, before);
          const nll = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            const v = valueAt(lp, i);
            if (!(v <= 0)) fail(where, `"logProbs"[${i}] must be a log-probability (≤ 0); got ${show(v)}`);
            nll[i] = -v;
          }
          add(state.total, sum(nll));
          add(state.divisor, n);
          state.bytes += counts.bytes;
          state.words += counts.words;
          return acc;
        }
        if (args.length < spec.arity || args.length > spec.arity + 1) {
          fail(
            where,
            `takes ${spec.arity} data argument${spec.arity > 1 ? 's' : ''}${spec.batch.length ? ` and an optional { ${spec.batch.join(', ')} }` : ''}; got ${args.length} arguments`,
            TypeError,
          );
        }
        const batch =
          args.length > spec.arity ? (readOptions(where, args[spec.arity] as object, spec.batch) as Record<string, unknown>) : {};
        const { bytes, words } = batchCounts(where, batch);
        const callOptions: Record<string, unknown> = { ...state.call };
        if (state.fn !== 'perplexity') callOptions.reduction = state.reduction;
        for (const k of spec.batch) {
          const v = batch[k];
          if (v !== undefined && k !== 'bytes' && k !== 'words') callOptions[k] = v;
        }
        (api[state.fn] as Fn)(...args.slice(0, spec.arity), callOptions);
        add(state.total, last.total);
        add(state.divisor, last.divisor);
        state.bytes += bytes;
        state.words += words;
        return acc;
      },
      merge(other: unknown) {
        const where = `accumulator('${state.fn}').merge`;
        const o = stateOf(where, other, 'other');
        if (o.fn !== state.fn) fail(where, `cannot merge an accumulator of ${o.fn} into one of ${state.fn}`);
        if (o.key !== state.key || o.reduction !== state.reduction) {
          fail(
            where,
            `cannot merge accumulators with different options: ${state.key} (reduction '${state.reduction}') and ${o.key} (reduction '${o.reduction}')`,
          );
        }
        const t = { ...o.total };
        const d = { ...o.divisor };
        add(state.total, t.s);
        add(state.total, t.c);
        add(state.divisor, d.s);
        add(state.divisor, d.c);
        state.bytes += o.bytes;
        state.words += o.words;
        return acc;
      },
      compute() {
        const total = value(state.total);
        const divisor = value(state.divisor);
        if (state.fn === 'perplexity') return perplexityOf(total, divisor, state.bytes, state.words);
        return state.reduction === 'sum' ? total : total / divisor;
      },
      reset() {
        state.total = { s: 0, c: 0 };
        state.divisor = { s: 0, c: 0 };
        state.bytes = 0;
        state.words = 0;
        return acc;
      },
      toJSON(): AccumulatorState {
        return {
          xentropy: 'accumulator',
          version: 1,
          fn: state.fn,
          options: { ...state.json, reduction: state.reduction },
          state: {
            total: [encode(state.total.s), encode(state.total.c)],
            divisor: [encode(state.divisor.s), encode(state.divisor.c)],
            ...(state.fn === 'perplexity' ? { bytes: state.bytes, words: state.words } : {}),
          },
        };
      },
    };
    Object.freeze(acc);
    states.set(acc, state);
    return acc as unknown as Accumulator;
  }

  function restore(json: unknown): Accumulator {
    const fn = 'restoreAccumulator';
    if (typeof json === 'object' && json !== null && isScoringAccumulator((json as Record<string, unknown>).fn))
      return restoreScoring(json as Record<string, unknown>, binInto);
    const bad = (why: string): never => fail(fn, `"state" is not an accumulator's state (toJSON()): ${why}`, TypeError);
    if (typeof json !== 'object' || json === null) bad(`got ${show(json)}`);
    const j = json as Record<string, unknown>;
    const tag = j.xentropy;
    const version = j.version;
    const name = j.fn;
    const options = j.options;
    const st = j.state;
    if (tag !== 'accumulator' || version !== 1) bad(`its "xentropy" must be 'accumulator' and "version" 1`);
    if (typeof name !== 'string' || !Object.hasOwn(SPECS, name)) bad(`unknown function ${show(name)}`);
    if (typeof options !== 'object' || options === null || typeof st !== 'object' || st === null)
      bad(`"options" and "state" must be objects`);
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(options as object))
      o[k] = Array.isArray(v) ? v.map((e) => decode(e) ?? bad(`option "${k}" holds ${show(e)}`)) : v;
    if ((name as string) === 'perplexity' && o.reduction === 'mean') delete o.reduction;
    const acc = create(name, o);
    const s = st as Record<string, unknown>;
    const pair = (k: string): Sum => {
      const v = s[k];
      if (!Array.isArray(v) || v.length !== 2) return bad(`"state.${k}" must be two numbers`);
      const a = decode(v[0]);
      const b = decode(v[1]);
      if (a === undefined || b === undefined) return bad(`"state.${k}" must be two numbers`);
      return { s: a, c: b };
    };
    const state = states.get(acc)!;
    state.total = pair('total');
    state.divisor = pair('divisor');
    if (name === 'perplexity') {
      const bytes = s.bytes;
      const words = s.words;
      if (typeof bytes !== 'number' || typeof words !== 'number' || !(bytes >= 0) || !(words >= 0) || !Number.isFinite(bytes + words))
        bad(`"state.bytes" and "state.words" must be finite numbers ≥ 0`);
      state.bytes = bytes as number;
      state.words = words as number;
    }
    return acc;
  }

  return {
    accumulator: create as <F extends AccumulatedName>(fn: F, options?: Accumulated[F]['options']) => Accumulator<F>,
    restoreAccumulator: restore,
  };
}

/** Whether an argument is data (an array or typed array: perplexity's targets), not a batch options object. */
function isDataArgument(x: unknown): boolean {
  if (seen(x) >= 0) return true;
  try {
    return isArray(x);
  } catch {
    return true; // a revoked Proxy: let the targets' conversion name it
  }
}

/** The batch options bytes and words: finite numbers ≥ 0 (0 when absent). */
function batchCounts(where: string, batch: Record<string, unknown>): { bytes: number; words: number } {
  const out = { bytes: 0, words: 0 };
  for (const k of ['bytes', 'words'] as const) {
    const v = batch[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      fail(where, `option "${k}" must be a finite number ≥ 0; got ${show(v)}`, typeof v === 'number' ? RangeError : TypeError);
    out[k] = v;
  }
  return out;
}

/** lm-evaluation-harness's definitions: bits per byte Σ NLL / (bytes · ln 2), word perplexity exp(Σ NLL / words). */
function perplexityOf(nllSum: number, tokens: number, bytes: number, words: number): PerplexityResult {
  const nll = nllSum / tokens;
  return {
    perplexity: Math.exp(nll),
    nll,
    bits: nll / Math.LN2,
    tokens,
    bytes,
    words,
    bitsPerByte: bytes > 0 ? nllSum / bytes / Math.LN2 : NaN,
    bytePerplexity: bytes > 0 ? Math.exp(nllSum / bytes) : NaN,
    wordPerplexity: words > 0 ? Math.exp(nllSum / words) : NaN,
  };
}
