// Shared by test/hostile.test.ts and test/fuzz-hostile.test.ts: deterministic data, the
// engine's own view of a typed array (read through %TypedArray%.prototype getters captured here,
// so that a hostile subclass cannot lie to the tests either), a "poison" call that fills the WASM
// scratch region with data unlike any test's, the known-good call run after every hostile case,
// and the two acceptable outcomes of a hostile call: the honest call's result, or a named error.
//
// Public API only: everything goes through an Entry from ./entries.ts.
import { expect } from 'vitest';
import type { Entry } from './entries.js';
import { randomDist, rng } from './helpers.js';

export type AnyFn = (...a: unknown[]) => unknown;
/** Calls `fn` of entry `m` with any arguments (hostile ones do not type-check, on purpose). */
export function call(m: Entry, fn: string, ...args: unknown[]): unknown {
  return (m as unknown as Record<string, AnyFn>)[fn](...args);
}

// ---- the engine's view of a typed array --------------------------------------------------------

const TA = Object.getPrototypeOf(Uint8Array.prototype) as object;
const getter = (k: PropertyKey) => Object.getOwnPropertyDescriptor(TA, k)!.get! as (this: unknown) => unknown;
const taLength = getter('length');
const taBuffer = getter('buffer');
const taByteOffset = getter('byteOffset');
const taTag = getter(Symbol.toStringTag);
const taSet = (TA as { set: (this: unknown, src: unknown, offset?: number) => void }).set;

/** The engine's type name of a typed array ('Float64Array', …), or undefined for anything else. */
export function realType(x: unknown): string | undefined {
  return taTag.call(x) as string | undefined;
}
export function realLength(x: unknown): number {
  return taLength.call(x) as number;
}
export function realBuffer(x: unknown): ArrayBufferLike {
  return taBuffer.call(x) as ArrayBufferLike;
}
export function realByteOffset(x: unknown): number {
  return taByteOffset.call(x) as number;
}
/** A plain copy of a typed array's current contents, of its real type, read by the engine. */
export function snapshot(x: unknown): Float64Array | Float32Array {
  const type = realType(x);
  const n = realLength(x); // 0 for a detached or out-of-bounds view
  const c = type === 'Float32Array' ? new Float32Array(n) : new Float64Array(n);
  if (n > 0) taSet.call(c, x);
  return c;
}

// ---- data ----------------------------------------------------------------------------------------

/** A probability vector of n entries (several rows of it still sum to 1 per row only if classes = n). */
export function probs(n: number, seed = 1): Float64Array {
  return randomDist(rng(seed), n, 0.05);
}
/** Logits uniform in [-5, 5). */
export function logits(n: number, seed = 2): Float64Array {
  const next = rng(seed);
  return Float64Array.from({ length: n }, () => 10 * next() - 5);
}
/** Class indices in [0, classes). */
export function labels(rows: number, classes: number, seed = 3): number[] {
  const next = rng(seed);
  return Array.from({ length: rows }, () => Math.floor(next() * classes));
}
/** Targets in [0, 1). */
export function unit(n: number, seed = 4): Float64Array {
  const next = rng(seed);
  return Float64Array.from({ length: n }, () => next());
}

/** The float16 bit pattern nearest to v (ties to even; beyond the largest finite, ±∞; NaN: 0x7e00). */
export function halfBits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00;
  const even = (x: number) => {
    const f = Math.floor(x);
    const d = x - f;
    return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
  };
  if (a < 2 ** -14) return sign | even(a * 2 ** 24); // subnormal (1024: the least normal, as it should)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // the mantissa's carry (2048) moves into the exponent, as it should
  return sign | (((e + 15) << 10) + even(a * 2 ** (10 - e)) - 1024);
}

// ---- poison: the scratch region filled with data no test uses ------------------------------------

const P_N = 20_000; // > CHUNK (16384): every per-element slot is written, in two blocks
const P_C = 100;
const secretLogits = Float64Array.from({ length: P_N }, (_, i) => 40 + (i % 7)); // logits no test uses
const secretProbs = (() => {
  const t = new Float64Array(P_N);
  for (let r = 0; r < P_N / P_C; r++) t[r * P_C + (r % P_C)] = 1; // one-hot rows: entropy 0
  return t;
})();
const secretW = Float64Array.from({ length: P_C }, (_, i) => 1000 + i);

/**
 * Fills every scratch slot of a WASM binding (per-element inputs, per-column weights, per-row
 * inputs, outputs and sums) with secret data, so that a result computed from stale scratch
 * differs from the honest one. Call it after computing the honest value, right before the
 * hostile call. On the pure-TS entry it is a harmless computation.
 */
export function poison(m: Entry): void {
  m.softmaxCrossEntropy(secretLogits, secretProbs, { classes: P_C, weight: secretW, grad: new Float64Array(P_N), labelSmoothing: 0.3 });
  m.binaryCrossEntropyWithLogits(secretLogits, secretProbs, {
    weight: secretLogits,
    posWeight: secretW,
    grad: new Float64Array(P_N),
    reduction: 'none',
  });
  m.jsDivergence(secretProbs, secretProbs, { classes: P_C, normalize: true, reduction: 'none' });
}

const R_N = 400; // above the crossover: a re-entrant call reaches the WASM scratch
const R_C = 20;
const reLogits = secretLogits.subarray(0, R_N);
const reProbs = secretProbs.subarray(0, R_N);
/**
 * A small call that still writes every kind of scratch slot (per-element inputs, per-column
 * weights, per-row inputs, outputs, sums): what a getter or method calls re-entrantly.
 */
export function reenter(m: Entry): void {
  m.softmaxCrossEntropy(reLogits, reProbs, {
    classes: R_C,
    weight: secretW.subarray(0, R_C),
    grad: new Float64Array(R_N),
    labelSmoothing: 0.3,
  });
  m.binaryCrossEntropyWithLogits(reLogits, reProbs, {
    weight: reLogits,
    posWeight: secretW.subarray(0, R_C),
    grad: new Float64Array(R_N),
    reduction: 'none',
  });
}

// ---- the known-good call -------------------------------------------------------------------------

const G8p = probs(8, 11);
const G8q = probs(8, 12);
const G300p = Float32Array.from(probs(300, 13));
const G300q = Float32Array.from(probs(300, 14));
const G20k = probs(20_000, 15);
const GL = logits(20_000, 16);
const GT = labels(200, 100, 17);
const GW = Float64Array.from({ length: 100 }, (_, i) => 0.5 + (i % 5) / 4);
const GL40k = logits(40_000, 18); // one row longer than a chunk: the long-row path
const GA = probs(300, 19);
const GH = Uint16Array.from(logits(4000, 20), halfBits); // float16 logits, 40 rows of 100
const GHT = Int32Array.from(labels(40, 100, 21), (v, i) => (i % 9 === 0 ? -100 : v));

/**
 * A fixed set of calls covering both kernel sets, every slot kind and both streaming paths:
 * cross entropy (8, f64), KL with normalize (300, f32), per-row entropy (20000, classes 100),
 * softmax cross entropy with smoothing, weights and a gradient (20000), a 40000-logit
 * log-sum-exp, entropy of an `alloc` array, and token log-probabilities with ranks of float16
 * logits (4000, widened in scratch; some rows ignored). Returned as one flat list of numbers.
 */
export function knownGood(m: Entry): number[] {
  const out: number[] = [];
  out.push(m.crossEntropy(G8p, G8q));
  out.push(m.klDivergence(G300p, G300q, { normalize: true }));
  out.push(...m.entropy(G20k, { classes: 100, reduction: 'none' }));
  const grad = new Float64Array(GL.length);
  out.push(m.softmaxCrossEntropy(GL, GT, { classes: 100, weight: GW, labelSmoothing: 0.1, grad }));
  out.push(...grad);
  out.push(m.logSumExp(GL40k));
  const a = m.alloc(Float64Array, 300);
  a.set(GA);
  out.push(m.entropy(a));
  m.free(a);
  const ranks = new Int32Array(GHT.length);
  out.push(...m.tokenLogProbs(m.float16(GH), GHT, { classes: 100, ranks }));
  out.push(...ranks);
  return out;
}

/** Asserts that the known-good call gives, bit for bit, what it gave at the start of the file. */
export function expectKnownGood(m: Entry, start: number[]): void {
  let now: number[];
  try {
    now = knownGood(m);
  } catch (e) {
    throw new Error(`known-good call threw after the case: ${(e as Error).constructor.name}: ${(e as Error).message}`);
  }
  let bad = 0;
  let first = -1;
  for (let i = 0; i < start.length; i++) {
    if (!Object.is(now[i], start[i])) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0 || now.length !== start.length) {
    expect.fail(
      `known-good call changed after the case: ${bad} of ${start.length} numbers differ (first at ${first}: ${now[first]} vs ${start[first]})`,
    );
  }
}

// ---- outcomes --------------------------------------------------------------------------------------

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export function outcome(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}

export function describeOutcome(o: Outcome): string {
  if (!o.ok) {
    const e = o.error as Error;
    return e instanceof Error ? `${e.constructor.name}: ${e.message}` : `a thrown ${typeof e} ${String(e)}`;
  }
  return `the value ${brief(o.value)}`;
}

function brief(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (ArrayBuffer.isView(v)) {
    const a = snapshot(v);
    return `${realType(v)}(${a.length}) [${Array.from(a.subarray(0, 4)).join(', ')}${a.length > 4 ? ', …' : ''}]`;
  }
  return String(v);
}

/** Same number, NaN equal to NaN, -0 distinct from 0 (the entries are deterministic). */
export function sameNumber(a: number, b: number): boolean {
  return Object.is(a, b);
}

/**
 * Whether two results are the same: numbers bit for bit, typed arrays of the same type and
 * length element by element. The honest call runs on the same entry with the same data, through
 * the same kernels, so no tolerance applies.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return typeof a === 'number' && typeof b === 'number' && sameNumber(a, b);
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    if (realType(a) !== realType(b)) return false;
    const x = snapshot(a);
    const y = snapshot(b);
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  // the decoders' results: arrays of plain objects of typed arrays and numbers, compared deeply
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  // a result object (topLogProbs's, continuationScore's): the same fields, each the same
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !ArrayBuffer.isView(a) && !ArrayBuffer.isView(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.join() === kb.join() && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

export interface Named {
  /** the function in the message prefix `xentropy.<fn>:` */
  fn: string;
  /** the argument or option the message must name, as `"name"` */
  arg: string;
  /** the error class required (default: TypeError or RangeError) */
  type?: typeof TypeError | typeof RangeError;
  /** more the message must match (an index and value, a wording) */
  match?: RegExp;
  /** what the message must not say */
  not?: RegExp;
}

/** Whether an outcome is the library's own error, naming the argument. */
export function isNamed(o: Outcome, n: Named): boolean {
  if (o.ok) return false;
  const e = o.error;
  const types = n.type ? [n.type] : [TypeError, RangeError];
  if (!types.some((T) => e instanceof T && (e as Error).constructor === T)) return false;
  const msg = (e as Error).message;
  if (!msg.startsWith(`xentropy.${n.fn}: `)) return false;
  if (!msg.includes(`"${n.arg}"`)) return false;
  if (n.match && !n.match.test(msg)) return false;
  if (n.not && n.not.test(msg)) return false;
  return true;
}

const namedText = (n: Named) =>
  `${n.type ? n.type.name : 'a TypeError or RangeError'} "xentropy.${n.fn}: …" naming "${n.arg}"${n.match ? ` matching ${n.match}` : ''}${n.not ? ` not matching ${n.not}` : ''}`;

export function expectNamed(o: Outcome, n: Named): void {
  if (!isNamed(o, n)) expect.fail(`expected ${namedText(n)}; got ${describeOutcome(o)}`);
}

/** The outcome is the honest value (`want` must be a value). */
export function expectHonest(o: Outcome, want: Outcome, what = 'result'): void {
  if (!want.ok) throw new Error(`test bug: the honest call threw ${describeOutcome(want)}`);
  if (!o.ok || !sameValue(o.value, want.value))
    expect.fail(`expected the honest ${what} ${describeOutcome(want)}; got ${describeOutcome(o)}`);
}

/** Either the honest value, or the library's error naming the argument. */
export function expectHonestOrNamed(o: Outcome, wants: Outcome | Outcome[], n: Named): void {
  const list = Array.isArray(wants) ? wants : [wants];
  if (o.ok && list.some((w) => w.ok && sameValue(o.value, w.value))) return;
  if (isNamed(o, n)) return;
  expect.fail(
    `expected ${list.map((w) => `the honest ${describeOutcome(w)}`).join(' or ')}, or ${namedText(n)}; got ${describeOutcome(o)}`,
  );
}

/** Element-by-element equality of two arrays' current contents (read by the engine). */
export function expectSameArray(label: string, got: unknown, want: unknown): void {
  if (!sameValue(got, want)) expect.fail(`${label}: expected ${brief(want)}, got ${brief(got)}`);
}

// ---- resizable buffers (ES2024; typed loosely: the project's lib is ES2022) -------------------------

export interface Resizable extends ArrayBuffer {
  resize(n: number): void;
  readonly resizable: boolean;
}
export function resizable(bytes: number, max = bytes): Resizable {
  return new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable)(bytes, { maxByteLength: max });
}

/**
 * Grows the WASM memory behind `view` (an `alloc` array of entry m) until the engine detaches
 * the view: one block as large as the whole memory cannot fit in it. Returns the blocks to free.
 * Does nothing on the pure-TS entry, whose arrays are not in WASM memory. (TLSF grows memory by
 * at least doubling it; the tests that call this are few, so memory stays in the tens of MiB.)
 */
export function grow(m: Entry, view: Float64Array | Float32Array): (Float64Array | Float32Array)[] {
  if (m.backend === 'js') return [];
  const made: (Float64Array | Float32Array)[] = [];
  for (let i = 0; i < 4 && realLength(view) !== 0; i++) {
    const bytes = realBuffer(view).byteLength;
    made.push(m.alloc(Float64Array, Math.ceil(bytes / 8)));
  }
  if (realLength(view) !== 0) throw new Error('test bug: could not grow WASM memory');
  return made;
}

export function freeAll(m: Entry, xs: (Float64Array | Float32Array)[]): void {
  for (const x of xs) m.free(m.refresh(x));
}
