// fast-check arbitraries for hostile fuzzing (test/fuzz-hostile.test.ts): an otherwise valid call
// of any function (shape, dtype, options; its data drawn from a seed, so that calls are small to
// print and shrink), and hostile wrappers around each of its arrays, its options and its output
// buffers. `build` turns one drawn case into the hostile call, the honest call (plain arrays of
// the same data), and what the check needs to judge the outcome.
//
// Wrappers come in two kinds. Transparent ones change nothing the engine would see (an honest
// subclass, a view at an offset, a resizable or shared buffer left alone, a Proxy of an Array, an
// alloc array, getters or a Proxy for the options): the result must equal the honest one exactly
// (or the honest call's own error). Hostile ones lie (length, buffer, byteOffset, overridden
// methods, a Proxy of a typed array, a swapped prototype, an option that changes on its second
// read), re-enter the library, or change buffers mid-call (resizable buffers shrunk, alloc arrays
// freed or detached by memory growth from an option getter, outputs aliasing an input through a
// structuredClone of a SharedArrayBuffer): the result must equal the honest one, or be the
// library's named TypeError/RangeError; freed arrays must be a named error.
import fc from 'fast-check';
import type { Entry } from './entries.js';
import { rng } from './helpers.js';
import { grow, type Resizable, realLength, reenter, resizable, snapshot } from './hostile-helpers.js';

export const FNS = [
  'entropy',
  'crossEntropy',
  'klDivergence',
  'jsDivergence',
  'binaryCrossEntropy',
  'binaryCrossEntropyWithLogits',
  'softmaxCrossEntropy',
  'nllLoss',
  'klDiv',
  'logSumExp',
  'logSoftmax',
  'softmax',
  'sigmoidFocalLoss',
] as const;
export type Fn = (typeof FNS)[number];

/** The names of each function's positional arrays, as its error messages spell them. */
export const ARG_NAMES: Record<Fn, string[]> = {
  entropy: ['p'],
  crossEntropy: ['p', 'q'],
  klDivergence: ['p', 'q'],
  jsDivergence: ['p', 'q'],
  binaryCrossEntropy: ['input', 'target'],
  binaryCrossEntropyWithLogits: ['input', 'target'],
  softmaxCrossEntropy: ['logits', 'target'],
  nllLoss: ['logProbs', 'target'],
  klDiv: ['input', 'target'],
  logSumExp: ['x'],
  logSoftmax: ['x'],
  softmax: ['x'],
  sigmoidFocalLoss: ['input', 'target'],
};

export type Dtype = 'f64' | 'f32' | 'array';

/** A valid call, as plain data. */
export interface ValidCall {
  fn: Fn;
  rows: number;
  classes: number;
  dtype: Dtype;
  /** seed of the data */
  seed: number;
  /** option choices, each an index into a small list (see `materialise`) */
  o: number[];
}

export const WRAPS_TRANSPARENT = ['plain', 'subclass', 'offsetView', 'proxyArray', 'rab', 'sab', 'alloc'] as const;
export const WRAPS_HOSTILE = [
  'reentrantElement',
  'lyingLength',
  'lyingBuffer',
  'overriddenMethods',
  'typedProxy',
  'protoSwap',
  'rabShrink',
  'freedMidCall',
  'detachMidCall',
] as const;
export type Wrap = (typeof WRAPS_TRANSPARENT)[number] | (typeof WRAPS_HOSTILE)[number];
export const OPTION_WRAPS = ['plain', 'getters', 'proxy', 'reentrant', 'twoFaced'] as const;
export type OptionWrap = (typeof OPTION_WRAPS)[number];
export const OUTPUT_WRAPS = [
  'plain',
  'subclass',
  'alloc',
  'noopSet',
  'reentrantSet',
  'sharedAlias',
  'lyingBuffer',
  'freedMidCall',
  'rabShrink',
] as const;
export type OutputWrap = (typeof OUTPUT_WRAPS)[number];
const TRANSPARENT = new Set<string>([...WRAPS_TRANSPARENT, 'getters', 'proxy', 'subclass', 'alloc']);

export interface HostileCase {
  call: ValidCall;
  /** one wrapper per positional array */
  args: Wrap[];
  /** wrappers of the array options (weight, posWeight) present in the call */
  arrayOptions: Wrap[];
  options: OptionWrap;
  output: OutputWrap;
  /** seed of the hostile choices (lengths lied about, garbage) */
  hseed: number;
}

const shape = fc.oneof(
  { arbitrary: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 })), weight: 6 },
  { arbitrary: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 10, max: 300 })), weight: 3 },
  { arbitrary: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 9000, max: 17_000 })), weight: 1 },
);

export const validCall: fc.Arbitrary<ValidCall> = fc
  .record({
    fn: fc.constantFrom(...FNS),
    shape,
    dtype: fc.constantFrom<Dtype>('f64', 'f32', 'array'),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    o: fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 8, maxLength: 8 }),
  })
  .map(({ fn, shape: [rows, classes], dtype, seed, o }) => ({ fn, rows, classes, dtype, seed, o }));

const wrap = fc.oneof(
  { arbitrary: fc.constantFrom<Wrap>(...WRAPS_TRANSPARENT), weight: 3 },
  { arbitrary: fc.constantFrom<Wrap>(...WRAPS_HOSTILE), weight: 2 },
);

export const hostileCase: fc.Arbitrary<HostileCase> = fc.record({
  call: validCall,
  args: fc.array(wrap, { minLength: 2, maxLength: 2 }),
  arrayOptions: fc.array(wrap, { minLength: 2, maxLength: 2 }),
  options: fc.constantFrom<OptionWrap>(...OPTION_WRAPS),
  output: fc.constantFrom<OutputWrap>(...OUTPUT_WRAPS),
  hseed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

// ---- the valid call's data ------------------------------------------------------------------------

interface Plain {
  /** positional arrays as numbers, and whether each is class indices */
  args: { data: number[]; index: boolean }[];
  /** scalar options */
  scalars: Record<string, unknown>;
  /** array options (weight, posWeight) as numbers */
  arrays: Record<string, number[]>;
  /** the output buffer the call fills, if any */
  output: { name: 'grad' | 'out'; dtype: 'f64' | 'f32'; length: number } | null;
}

export function materialise(c: ValidCall): Plain {
  const next = rng(c.seed);
  const n = c.rows * c.classes;
  const prob = (k: number) => Array.from({ length: k }, () => next());
  const logit = (k: number) => Array.from({ length: k }, () => 60 * next() - 30);
  const index = (k: number) => Array.from({ length: k }, () => Math.floor(next() * c.classes));
  const weight = (k: number) => Array.from({ length: k }, () => 0.1 + 2.9 * next());
  const pick = <T>(i: number, list: readonly T[]) => list[c.o[i] % list.length];
  const scalars: Record<string, unknown> = { classes: c.classes };
  const arrays: Record<string, number[]> = {};
  let output: Plain['output'] = null;
  let args: Plain['args'];
  const reductions = ['mean', 'sum', 'none'];
  switch (c.fn) {
    case 'entropy':
    case 'crossEntropy':
    case 'klDivergence':
    case 'jsDivergence':
      args = (c.fn === 'entropy' ? [0] : [0, 1]).map(() => ({ data: prob(n), index: false }));
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 3 === 0) scalars.base = pick(2, [2, 10, 0.5]);
      if (c.o[3] % 2 === 0) scalars.normalize = true;
      break;
    case 'binaryCrossEntropy':
      delete scalars.classes;
      args = [
        { data: prob(n), index: false },
        { data: prob(n), index: false },
      ];
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 2 === 0) arrays.weight = weight(n);
      break;
    case 'binaryCrossEntropyWithLogits':
      args = [
        { data: logit(n), index: false },
        { data: prob(n), index: false },
      ];
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 2 === 0) arrays.weight = weight(n);
      if (c.o[2] % 2 === 0) arrays.posWeight = weight(c.classes);
      if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break;
    case 'softmaxCrossEntropy': {
      // With classes 1, a number[] target of length rows is read as indices (the documented rule),
      // and a typed wrapper (alloc) would make the same data probabilities: draw indices there.
      const indices = c.o[5] % 3 !== 0 || (c.classes === 1 && c.dtype === 'array');
      args = [{ data: logit(n), index: false }, indices ? { data: index(c.rows), index: true } : { data: prob(n), index: false }];
      if (indices && c.o[6] % 3 === 0) {
        scalars.ignoreIndex = 0; // rows whose class is 0 are ignored
      }
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 2 === 0) arrays.weight = weight(c.classes);
      if (c.o[2] % 2 === 0) scalars.labelSmoothing = pick(7, [0.1, 0.5, 1]);
      if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break;
    }
    case 'nllLoss':
      args = [
        { data: logit(n).map((v) => v - 31), index: false },
        { data: index(c.rows), index: true },
      ];
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 2 === 0) arrays.weight = weight(c.classes);
      if (c.o[6] % 3 === 0) scalars.ignoreIndex = 0;
      break;
    case 'klDiv':
      args = [
        { data: logit(n).map((v) => v - 31), index: false },
        { data: prob(n), index: false },
      ];
      scalars.reduction = pick(0, [...reductions, 'batchmean']);
      if (c.o[1] % 2 === 0) scalars.logTarget = true;
      break;
    case 'logSumExp':
      args = [{ data: logit(n), index: false }];
      break;
    case 'sigmoidFocalLoss':
      delete scalars.classes;
      args = [
        { data: logit(n), index: false },
        { data: prob(n), index: false },
      ];
      scalars.reduction = pick(0, reductions);
      if (c.o[1] % 2 === 0) scalars.alpha = pick(2, [-1, 0, 0.25, 1]);
      if (c.o[2] % 2 === 0) scalars.gamma = pick(5, [0, 0.5, 2, 7]);
      if (c.o[3] % 2 === 0) output = { name: 'grad', dtype: pick(4, ['f64', 'f32'] as const), length: n };
      break;
    default:
      args = [{ data: logit(n), index: false }];
      if (c.o[3] % 2 === 0) output = { name: 'out', dtype: pick(4, ['f64', 'f32'] as const), length: n };
  }
  return { args, scalars, arrays, output };
}

// ---- building the two calls ------------------------------------------------------------------------

type FloatCtor = Float64ArrayConstructor | Float32ArrayConstructor;

/** What `build` hands the check. */
export interface Built {
  fn: Fn;
  hostileArgs: unknown[];
  honestArgs: unknown[];
  /** honest arguments built from the arrays' state after the call (resizable buffers shrunk) */
  honestAfter: (() => unknown[]) | null;
  /** the slots that lie, re-enter or change mid-call (their names), empty when all are transparent */
  hostile: string[];
  /** the call must be a named error (a freed alloc array was used) */
  mustFail: boolean;
  /** every name an error may give */
  names: string[];
  /** inputs to compare with their data after the call: [name, read the current contents, data] */
  inputs: [string, () => ArrayLike<number> | null, number[]][];
  /** [hostile output, honest output] */
  outputs: [unknown, Float64Array | Float32Array][];
  cleanup: () => void;
}

/** Memory growth is at least a doubling: only a few per WASM instance and process. */
const growthBudget = new WeakMap<Entry, number>();
const GROWTHS = 3;

export function build(m: Entry, h: HostileCase): Built {
  const c = h.call;
  const plain = materialise(c);
  const next = rng(h.hseed);
  const names = [
    ...ARG_NAMES[c.fn],
    ...Object.keys(plain.arrays),
    ...Object.keys(plain.scalars),
    ...(plain.output ? [plain.output.name] : []),
    'options',
  ];
  const hostile: string[] = [];
  let mustFail = false;
  const allocated: (Float64Array | Float32Array)[] = [];
  const midCall: (() => void)[] = [];
  const inputs: Built['inputs'] = [];
  const rabs: { name: string; rab: Resizable; view: Float64Array | Float32Array; index: number }[] = [];
  const sabs = new Map<string, { sab: SharedArrayBuffer; offset: number }>();
  const buffers = new Map<string, { buf: ArrayBuffer; offset: number }>();

  const Ctor = (dtype: Dtype): FloatCtor => (dtype === 'f32' ? Float32Array : Float64Array);
  const honestOf = (data: number[], dtype: Dtype, index: boolean): unknown =>
    index ? data.slice() : dtype === 'array' ? data.slice() : Ctor(dtype).from(data);

  /** The hostile form of one array; records what the check needs. */
  function wrapArray(name: string, data: number[], dtype: Dtype, index: boolean, w: Wrap): unknown {
    const typed = !index && dtype !== 'array';
    const T = Ctor(dtype === 'array' ? 'f64' : dtype);
    const n = data.length;
    const record = (kind: Wrap, read: () => ArrayLike<number> | null) => {
      if (!TRANSPARENT.has(kind)) hostile.push(name);
      inputs.push([name, read, dtype === 'f32' && !index ? Array.from(Float32Array.from(data)) : data]);
    };
    switch (w) {
      case 'plain':
        break;
      case 'subclass': {
        if (!typed) {
          const A = class extends Array<number> {};
          const a = new A();
          for (const v of data) a.push(v);
          record(w, () => a);
          return a;
        }
        const S = class extends T {};
        const a = new S(data);
        record(w, () => snapshot(a));
        return a;
      }
      case 'offsetView': {
        if (!typed) break;
        const buf = new ArrayBuffer((n + 4) * T.BYTES_PER_ELEMENT);
        const a = new T(buf, 2 * T.BYTES_PER_ELEMENT, n);
        a.set(data);
        buffers.set(name, { buf, offset: 2 * T.BYTES_PER_ELEMENT });
        record(w, () => snapshot(a));
        return a;
      }
      case 'proxyArray': {
        if (typed) break;
        const a = data.slice();
        record(w, () => a);
        return new Proxy(a, {});
      }
      case 'rab':
      case 'rabShrink': {
        if (!typed) break;
        const rab = resizable(n * T.BYTES_PER_ELEMENT);
        const a = new T(rab);
        a.set(data);
        if (w === 'rabShrink') {
          const to = next() < 0.5 ? 0 : Math.floor(n / 2);
          midCall.push(() => rab.resize(to * T.BYTES_PER_ELEMENT));
          rabs.push({ name, rab, view: a, index: -1 });
          hostile.push(name);
          return a; // not compared afterwards: shrunk
        }
        record(w, () => snapshot(a));
        return a;
      }
      case 'sab': {
        if (!typed) break;
        const sab = new SharedArrayBuffer((n + 2) * T.BYTES_PER_ELEMENT);
        const a = new T(sab as unknown as ArrayBuffer, T.BYTES_PER_ELEMENT, n);
        a.set(data);
        sabs.set(name, { sab, offset: T.BYTES_PER_ELEMENT });
        record(w, () => snapshot(a));
        return a;
      }
      case 'alloc':
      case 'freedMidCall':
      case 'detachMidCall': {
        if (index) break;
        const a = m.alloc(T, n);
        a.set(data);
        allocated.push(a);
        if (w === 'freedMidCall') {
          mustFail = true;
          hostile.push(name);
          midCall.push(() => {
            m.free(a);
            allocated.splice(allocated.indexOf(a), 1);
            const z = m.alloc(T, n);
            z.fill(0.25);
            allocated.push(z);
          });
          return a;
        }
        if (w === 'detachMidCall') {
          const left = growthBudget.get(m) ?? GROWTHS;
          if (m.backend === 'wasm' && left > 0) {
            growthBudget.set(m, left - 1);
            hostile.push(name);
            midCall.push(() => allocated.push(...grow(m, a)));
            return a;
          }
        }
        record('alloc', () => (realLength(a) === n ? snapshot(a) : snapshot(m.refresh(a))));
        return a;
      }
      case 'reentrantElement': {
        if (typed) break;
        const a = data.slice();
        const v0 = a[0];
        if (n > 0) Object.defineProperty(a, 0, { enumerable: true, get: () => (reenter(m), v0) });
        record(w, () => data); // the getter itself cannot change
        return a;
      }
      case 'lyingLength': {
        const lie = [0, 1, n - 1, n + 1, 2 * n, 20_000][Math.floor(next() * 6)];
        if (!typed) {
          // a Proxy of an Array whose length is honest on its first read only
          const a = data.slice();
          let reads = 0;
          record(w, () => a);
          return new Proxy(a, { get: (t, k) => (k === 'length' ? (reads++ === 0 ? n : lie) : Reflect.get(t, k)) });
        }
        const S = class extends T {};
        Object.defineProperty(S.prototype, 'length', { get: () => lie });
        const a = new S(data);
        record(w, () => snapshot(a));
        return a;
      }
      case 'lyingBuffer': {
        if (!typed) break;
        const a = T.from(data);
        const lies: PropertyDescriptorMap = [
          { buffer: { get: () => new ArrayBuffer(8) } },
          { byteOffset: { get: () => 1e9 } },
          { byteLength: { get: () => 0 } },
        ][Math.floor(next() * 3)];
        Object.setPrototypeOf(a, Object.create(T.prototype, lies));
        record(w, () => snapshot(a));
        return a;
      }
      case 'overriddenMethods': {
        if (!typed) break;
        const S = class extends T {};
        const garbage = new T(Math.max(n, 1)).fill(0.125);
        const boom = () => {
          throw new Error('the library called a method of the instance');
        };
        Object.defineProperty(S.prototype, 'subarray', { value: (a?: number, b?: number) => garbage.subarray(a, b) });
        Object.defineProperty(S.prototype, 'set', { value: () => {} });
        for (const k of ['slice', 'map', 'forEach', 'at', 'values', Symbol.iterator])
          Object.defineProperty(S.prototype, k, { value: boom });
        const a = new S(data);
        record(w, () => snapshot(a));
        return a;
      }
      case 'typedProxy': {
        if (!typed) break;
        const a = T.from(data);
        record(w, () => snapshot(a));
        return new Proxy(a, {
          get: (t, k) => {
            const v = Reflect.get(t, k, t);
            return typeof v === 'function' ? v.bind(t) : v;
          },
        });
      }
      case 'protoSwap': {
        if (!typed) break;
        const a = T.from(data);
        Object.setPrototypeOf(a, T === Float32Array ? Float64Array.prototype : Float32Array.prototype);
        record(w, () => snapshot(a));
        return a;
      }
    }
    // the plain form (and wrappers that do not apply to this kind of array)
    const a = honestOf(data, dtype, index);
    record('plain', () => (Array.isArray(a) ? a : snapshot(a)));
    return a;
  }

  const hostileArgs = plain.args.map((a, i) => wrapArray(ARG_NAMES[c.fn][i], a.data, c.dtype, a.index, h.args[i % h.args.length]));
  const honestArgs = plain.args.map((a) => honestOf(a.data, c.dtype, a.index));
  const arrayOptionsHostile: Record<string, unknown> = {};
  const arrayOptionsHonest: Record<string, unknown> = {};
  Object.entries(plain.arrays).forEach(([k, data], i) => {
    arrayOptionsHostile[k] = wrapArray(k, data, c.dtype, false, h.arrayOptions[i % h.arrayOptions.length]);
    arrayOptionsHonest[k] = honestOf(data, c.dtype, false);
  });

  // the output buffer
  const outputs: Built['outputs'] = [];
  let outHostile: unknown;
  let outHonest: Float64Array | Float32Array | undefined;
  if (plain.output) {
    const { name, length: n } = plain.output;
    const T: FloatCtor = plain.output.dtype === 'f32' ? Float32Array : Float64Array;
    outHonest = new T(n);
    const first = ARG_NAMES[c.fn][0];
    const w = h.output;
    if (!['plain', 'subclass', 'alloc'].includes(w)) hostile.push(name);
    switch (w) {
      case 'subclass':
        outHostile = new (class extends T {})(n);
        break;
      case 'alloc': {
        const a = m.alloc(T, n);
        allocated.push(a);
        outHostile = a;
        break;
      }
      case 'noopSet':
      case 'reentrantSet': {
        const S = class extends T {};
        Object.defineProperty(S.prototype, 'set', {
          value(this: Float64Array, src: ArrayLike<number>, off?: number) {
            if (w === 'noopSet') return;
            reenter(m);
            Float64Array.prototype.set.call(this, src, off);
          },
        });
        outHostile = new S(n);
        break;
      }
      case 'sharedAlias': {
        // over a structuredClone of the first input's SharedArrayBuffer, shifted by one element
        const s = sabs.get(first);
        if (s && s.sab.byteLength >= n * T.BYTES_PER_ELEMENT) {
          const twin = structuredClone(s.sab);
          // whole elements of the output's type (the input may be f32 under an f64 output)
          const room = Math.min(T.BYTES_PER_ELEMENT, s.sab.byteLength - n * T.BYTES_PER_ELEMENT);
          const shift = room - (room % T.BYTES_PER_ELEMENT);
          outHostile = new T(twin as unknown as ArrayBuffer, shift > 0 ? shift : 0, n);
          inputs.splice(
            inputs.findIndex(([k]) => k === first),
            1,
          ); // written through the alias by design
        } else outHostile = new T(n);
        break;
      }
      case 'lyingBuffer': {
        // over the first input's own ArrayBuffer when it is a view at an offset (the overlap is
        // provable by the engine), its accessors lying; elsewhere only the lie
        const b = buffers.get(first);
        const alias = !!b && b.buf.byteLength >= n * T.BYTES_PER_ELEMENT && n * T.BYTES_PER_ELEMENT > b.offset;
        const a = alias ? new T(b!.buf, 0, n) : new T(n);
        if (alias) mustFail = true;
        Object.setPrototypeOf(a, Object.create(T.prototype, { buffer: { get: () => new ArrayBuffer(8) }, byteOffset: { get: () => 1e9 } }));
        outHostile = a;
        break;
      }
      case 'freedMidCall': {
        const a = m.alloc(T, n);
        allocated.push(a);
        mustFail = true;
        midCall.push(() => {
          m.free(a);
          allocated.splice(allocated.indexOf(a), 1);
          const z = m.alloc(T, n);
          z.fill(3);
          allocated.push(z);
        });
        outHostile = a;
        break;
      }
      case 'rabShrink': {
        const rab = resizable(n * T.BYTES_PER_ELEMENT);
        outHostile = new T(rab);
        if (n > 0) {
          mustFail = true;
          midCall.push(() => rab.resize(0));
        }
        break;
      }
      default:
        outHostile = new T(n);
    }
    if (w !== 'freedMidCall' && w !== 'rabShrink') outputs.push([outHostile, outHonest]);
  }

  // options
  const honestOptions: Record<string, unknown> = {
    ...plain.scalars,
    ...arrayOptionsHonest,
    ...(plain.output ? { [plain.output.name]: outHonest } : {}),
  };
  const values: Record<string, unknown> = {
    ...plain.scalars,
    ...arrayOptionsHostile,
    ...(plain.output ? { [plain.output.name]: outHostile } : {}),
  };
  const trigger = c.fn === 'binaryCrossEntropy' || c.fn === 'sigmoidFocalLoss' ? 'reduction' : 'classes';
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    for (const f of midCall) f();
  };
  const reads: Record<string, number> = {};
  const value = (k: string) => {
    reads[k] = (reads[k] ?? 0) + 1;
    if (k === trigger) fire();
    if (h.options === 'reentrant') reenter(m);
    const v = values[k];
    if (h.options === 'twoFaced' && reads[k] > 1 && k in arrayOptionsHostile) return new Float64Array(plain.arrays[k].length).fill(1e6);
    return v;
  };
  if (h.options === 'reentrant' || h.options === 'twoFaced') hostile.push('options');
  let options: unknown;
  if (h.options === 'proxy') {
    options = new Proxy({ ...values }, { get: (_t, k) => (typeof k === 'string' ? value(k) : undefined) });
  } else {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(values)) {
      if (h.options === 'plain' && k !== trigger) o[k] = values[k];
      else Object.defineProperty(o, k, { enumerable: true, get: () => value(k) });
    }
    options = o;
  }
  if (midCall.length && !(trigger in values)) throw new Error('test bug: no option to trigger the mid-call changes');

  const honestAfter = rabs.length
    ? () => {
        const args = plain.args.map((a, i) => {
          const r = rabs.find((x) => x.name === ARG_NAMES[c.fn][i]);
          return r ? snapshot(r.view) : honestOf(a.data, c.dtype, a.index);
        });
        const opts: Record<string, unknown> = { ...honestOptions };
        for (const r of rabs) if (r.name in opts) opts[r.name] = snapshot(r.view);
        if (plain.output) opts[plain.output.name] = new (plain.output.dtype === 'f32' ? Float32Array : Float64Array)(plain.output.length);
        return [...args, opts];
      }
    : null;

  return {
    fn: c.fn,
    hostileArgs: [...hostileArgs, options],
    honestArgs: [...honestArgs, honestOptions],
    honestAfter,
    hostile: [...new Set(hostile)],
    mustFail,
    names,
    inputs,
    outputs,
    cleanup: () => {
      for (const a of allocated) {
        try {
          m.free(m.refresh(a));
        } catch {
          // already released (a case freed it), or the allocator is broken: the known-good call says so
        }
      }
    },
  };
}
