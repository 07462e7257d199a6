// Array arguments, read in two phases so that hostile input cannot change what a call computes on:
//   1. conversion (`floats`, `output`, `labels`): the only place caller code can run (a Proxy's
//      traps, getters on array elements); a plain array is read exactly once into a new array,
//      a typed array is only brand-checked;
//   2. checks (`lengthOf`, `checkBuffer`, `outputTarget`, `classIndices`): after every argument
//      is converted, through the engine's own accessors; no caller code runs from here to the
//      end of the call, so what is checked is what the kernels read.
import { bufferOf, byteOffsetOf, isArray, isDetached, isShared, lengthOf, setInto, typedArrayTag } from '../intrinsics.js';
import { Half, halfTable } from '../kernels/half.js';
import type { FloatArray } from '../kernels/types.js';
import { checkBuffer } from './buffers.js';
import { fail, show } from './errors.js';
import { scratch } from './scratch.js';
import type { Float16Bits, Values } from './types.js';

/** A float argument as the API layer passes it on: a float typed array, or float16 bits. */
export type Input = FloatArray | Half;

/** The Uint16Arrays marked by float16(), by their marker (a marker cannot be forged: it is a key here). */
const marked = new WeakMap<object, Uint16Array>();

/** Marks a Uint16Array as float16 bit patterns (the `float16` export). */
export function float16(bits: Uint16Array): Float16Bits {
  if (typedArrayTag(bits) !== 'Uint16Array')
    fail('float16', `"bits" must be a Uint16Array of float16 bit patterns; got ${show(bits)}`, TypeError);
  const marker = Object.freeze({ bits }) as unknown as Float16Bits;
  marked.set(marker, bits);
  return marker;
}

/** The typed array behind a float argument: itself, or a float16 marker's Uint16Array. */
function arrayOf(x: unknown): ArrayBufferView | undefined {
  if (typedArrayTag(x) !== undefined) return x as ArrayBufferView;
  return typeof x === 'object' && x !== null ? marked.get(x) : undefined;
}

/** Our own plain view of float16 data (a Float16Array, or marked bits): no species, no getters. */
function halfOf(x: ArrayBufferView): Half {
  // a detached buffer (transferred) cannot be viewed: an empty Half, which settle names as detached
  const b = bufferOf(x);
  if (isDetached(b)) return new Half(new Uint16Array(0), x);
  return new Half(new Uint16Array(b, byteOffsetOf(x), lengthOf(x)), x);
}

/** Element i of a float argument (float16 decoded): for the API layer's gathers and error messages. */
export function valueAt(x: Input, i: number): number {
  return x instanceof Half ? halfTable()[x.bits[i]] : x[i];
}

/** The typed array a float argument reads (float16: its bits), for memory checks. */
export function viewOfInput(x: Input): ArrayBufferView {
  return x instanceof Half ? x.bits : x;
}

export { lengthOf };

/** Whether `x` is an array (a revoked Proxy, which the engine refuses to inspect, is an error). */
function isPlainArray(fn: string, name: string, x: unknown): x is readonly unknown[] {
  try {
    return isArray(x);
  } catch {
    return fail(fn, `"${name}" cannot be read (a revoked Proxy?); got ${show(x)}`, TypeError);
  }
}

/**
 * Reads a plain array once into a new Float64Array, checking each element is a number. Element 0
 * is read before anything is allocated (a sparse `new Array(2 ** 32 − 1)` fails there, not in a
 * 32 GiB allocation); an allocation that fails is the library's RangeError.
 */
function copyNumbers(fn: string, name: string, x: readonly unknown[]): Float64Array {
  const n: unknown = x.length;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) fail(fn, `"${name}" has an invalid length ${show(n)}`, TypeError);
  if (n === 0) return new Float64Array(0);
  const first: unknown = x[0];
  if (typeof first !== 'number') fail(fn, `"${name}"[0] must be a number; got ${show(first)}`, TypeError);
  let out: Float64Array;
  try {
    out = new Float64Array(n);
  } catch {
    return fail(fn, `"${name}" has ${n} elements, more than can be copied into a Float64Array`);
  }
  out[0] = first;
  for (let i = 1; i < n; i++) {
    const v: unknown = x[i];
    if (typeof v !== 'number') fail(fn, `"${name}"[${i}] must be a number; got ${show(v)}`, TypeError);
    out[i] = v;
  }
  return out;
}

/**
 * Phase 1: a float argument. A typed array is returned as it is; a plain array is copied once;
 * float16 data (a Float16Array, or bits marked by float16()) becomes a Half over its memory.
 */
export function floats(fn: string, name: string, x: Values): Input {
  const tag = typedArrayTag(x);
  if (tag === 'Float64Array' || tag === 'Float32Array') return x as FloatArray;
  return converted(fn, name, x, tag);
}

// Here and below, a helper's common case is a few lines and the rest a function of its own: V8
// inlines small helpers into the call that uses them, where the whole of each would use up its
// inlining budget for that call and leave the later helpers as calls (bench/limits.md).

/** floats for anything but an f64/f32 typed array: float16 as a Half, a plain array copied once, or the error. */
function converted(fn: string, name: string, x: Values, tag: string | undefined): Input {
  if (tag === 'Float16Array') return halfOf(x as ArrayBufferView);
  if (tag === undefined && x !== null && typeof x === 'object') {
    const bits = marked.get(x);
    if (bits !== undefined) return halfOf(bits);
    if (isPlainArray(fn, name, x)) return copyNumbers(fn, name, x);
  }
  const hint = tag === 'Uint16Array' ? ' (a Uint16Array of float16 bits is taken as such only when marked: float16(bits))' : '';
  return fail(
    fn,
    `"${name}" must be a Float64Array, a Float32Array, float16 data or an array of numbers; got ${show(x)}${hint}`,
    TypeError,
  );
}

/** Phase 1: an optional float array option (undefined: absent). */
export function optionalFloats(fn: string, name: string, x: unknown): Input | null {
  return x === undefined ? null : floats(fn, name, x as Values);
}

/** Phase 1: a buffer the library fills (`grad`, `out`): a Float32Array or Float64Array. */
export function output(fn: string, name: string, x: unknown): FloatArray | null {
  if (x === undefined) return null;
  const tag = typedArrayTag(x);
  if (tag !== 'Float64Array' && tag !== 'Float32Array') {
    fail(fn, `option "${name}" must be a Float64Array or Float32Array; got ${show(x)}`, TypeError);
  }
  return x as FloatArray;
}

/**
 * The integer typed arrays taken as class indices, as they are (no conversion copy): segmentation
 * masks (Uint8Array), tokenizer outputs (Uint16Array, Int32Array), ONNX int64 tensors
 * (BigInt64Array). Their elements are read by `classIndices`, once, through the engine's own
 * integer-indexed access (a typed array's elements cannot be redefined by a getter or a subclass).
 */
const INTEGER_LABELS: readonly string[] = [
  'Int32Array',
  'Uint32Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'BigInt64Array',
  'BigUint64Array',
];

/** What the functions taking class indices say they take, in their errors. */
export const INDEX_TYPES = 'an integer typed array (Int32Array, Uint8Array, Uint16Array, BigInt64Array, …) or number[]';

/** Phase 1: class indices or probabilities: an integer or float typed array as it is, a plain array copied once. */
export function labels(
  fn: string,
  x: unknown,
  what: string,
  name = 'target',
): { array: ArrayLike<number>; float: boolean; plain: boolean } {
  const tag = typedArrayTag(x);
  if (tag === 'Int32Array' || (tag !== undefined && INTEGER_LABELS.includes(tag)))
    return { array: x as ArrayLike<number>, float: false, plain: false };
  if (tag === 'Float64Array' || tag === 'Float32Array') return { array: x as FloatArray, float: true, plain: false };
  if (tag === 'Float16Array') return { array: halfOf(x as ArrayBufferView) as unknown as ArrayLike<number>, float: true, plain: false };
  const bits = tag === undefined && x !== null && typeof x === 'object' ? marked.get(x) : undefined;
  if (bits !== undefined) return { array: halfOf(bits) as unknown as ArrayLike<number>, float: true, plain: false };
  if (tag === undefined && x !== null && typeof x === 'object' && isPlainArray(fn, name, x)) {
    return { array: copyNumbers(fn, name, x), float: false, plain: true };
  }
  return fail(fn, `"${name}" must be ${what}; got ${show(x)}`, TypeError);
}

/**
 * The length of a typed-array argument when the call first sees it (before any caller code runs:
 * an options getter or a Proxy trap could resize its buffer), or -1 for anything else.
 */
export function seen(x: unknown): number {
  const a = arrayOf(x);
  return a === undefined ? -1 : lengthOf(a);
}

/**
 * The length of a Float64Array or Float32Array, or -1 for anything else: `seen` and `floats` at
 * once, for a fast path that takes float typed arrays alone.
 */
export function floatLength(x: unknown): number {
  const tag = typedArrayTag(x);
  return tag === 'Float64Array' || tag === 'Float32Array' ? lengthOf(x as ArrayBufferView) : -1;
}

/**
 * Phase 2: the argument's length, checked: still the length it had when the call first saw it
 * (`before`, from `seen`; a buffer resized by a getter or Proxy trap is an error naming it), and
 * its memory still the caller's (checkBuffer). A converted plain array (before = -1) is the
 * library's own. Null: 0.
 */
export function settle(fn: string, name: string, input: ArrayBufferView | Half | null, before: number): number {
  if (input === null) return 0;
  const x = input instanceof Half ? input.source : input;
  if (before < 0) return (x as Float64Array).length;
  const n = lengthOf(x);
  if (n !== before) changedLength(fn, name, before, n);
  checkBuffer(fn, name, x as FloatArray, n);
  return n;
}

function changedLength(fn: string, name: string, before: number, n: number): never {
  return fail(
    fn,
    `"${name}" changed length during the call (from ${before} to ${n}): its buffer was resized by code the call ran (a getter or a Proxy trap)`,
  );
}

export function sameLength(fn: string, a: string, n: number, b: string, m: number): void {
  if (n !== m) differentLengths(fn, a, n, b, m);
}

function differentLengths(fn: string, a: string, n: number, b: string, m: number): never {
  return fail(fn, `"${a}" and "${b}" must have the same length; got ${n} and ${m}`);
}

/** Phase 2: an optional array option (of settled length `n`) has `length` elements. */
export function checkLength(fn: string, name: string, n: number, x: ArrayBufferView | Half | null, length: number, what: string): void {
  if (x !== null && n !== length) fail(fn, `option "${name}" must have ${what} (${length}); got length ${n}`);
}

/** The array as a Float64Array (copied through the engine's `set`, never the caller's iterator). */
export function toF64(x: Input | null): Float64Array | null {
  if (x instanceof Half) return Float64Array.from(x.bits, (h) => halfTable()[h]);
  if (x === null || typedArrayTag(x) === 'Float64Array') return x as Float64Array | null;
  const y = new Float64Array(lengthOf(x));
  setInto(y, x, 0);
  return y;
}

/** Whether two typed arrays share bytes of one buffer. */
export function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (bufferOf(a) !== bufferOf(b)) return false;
  const a0 = byteOffsetOf(a);
  const b0 = byteOffsetOf(b);
  const a1 = a0 + lengthOf(a) * bytesPer(a);
  const b1 = b0 + lengthOf(b) * bytesPer(b);
  return a0 < b1 && b0 < a1;
}

const BYTES: Record<string, number> = {
  Float64Array: 8,
  BigInt64Array: 8,
  BigUint64Array: 8,
  Float32Array: 4,
  Int32Array: 4,
  Uint32Array: 4,
  Float16Array: 2,
  Uint16Array: 2,
  Int16Array: 2,
};

function bytesPer(x: ArrayBufferView): number {
  return BYTES[typedArrayTag(x) as string] ?? 1;
}

/**
 * Phase 2: where the kernels write for a buffer the library fills. It must have `length`
 * elements, and share no memory with any input (an input is never modified). Two
 * SharedArrayBuffer objects can be views of one memory without the engine saying so: when the
 * output and an input are both shared, the kernels write into a new array, and `deliver` copies
 * it into the output once everything is computed.
 */
export function outputTarget(
  fn: string,
  name: string,
  out: FloatArray,
  length: number,
  inputs: readonly (readonly [string, ArrayBufferView | Half | null])[],
): FloatArray {
  checkBuffer(fn, name, out, lengthOf(out));
  if (lengthOf(out) !== length) fail(fn, `option "${name}" must have the input's length ${length}; got length ${lengthOf(out)}`);
  let mayShare = false;
  const shared = isShared(bufferOf(out));
  for (const [inName, arg] of inputs) {
    const input = arg instanceof Half ? arg.bits : arg;
    if (input === null || typedArrayTag(input) === undefined) continue;
    if (overlaps(out, input)) {
      fail(fn, `option "${name}" shares memory with "${inName}"; inputs are never overwritten, pass a separate buffer`);
    }
    if (shared && isShared(bufferOf(input))) mayShare = true;
  }
  if (!mayShare) return out;
  return typedArrayTag(out) === 'Float32Array' ? new Float32Array(length) : new Float64Array(length);
}

/** Copies what the kernels wrote into the caller's output, where they wrote elsewhere (outputTarget). */
export function deliver(out: FloatArray | null, written: FloatArray | null): void {
  if (out !== null && written !== null && written !== out) setInto(out, written, 0);
}

/**
 * Phase 2: class indices, one per row, as f64 (`label`: −1 for rows whose index is
 * `ignoreIndex`), and each row's class weight (`labelWeight`: weight[label], 1 without weights,
 * 0 for ignored rows). `target` is any integer typed array (read once here, element by element:
 * one pass over rows, never a copy of the caller's array) or a converted plain array; a
 * BigInt64Array's values are compared exactly (a value that does not fit a class index is the
 * usual indexed error, its value shown exactly).
 */
export function classIndices(
  fn: string,
  target: ArrayLike<number>,
  rows: number,
  classes: number,
  ignoreIndex: number,
  weight: Float64Array | null,
  name = 'target',
): { label: Float64Array; labelWeight: Float64Array } {
  // (per-call arrays: every caller is scoped, ./scratch.ts)
  const label = scratch(rows);
  const labelWeight = scratch(rows);
  const tag = typedArrayTag(target);
  if (tag === 'BigInt64Array' || tag === 'BigUint64Array') {
    bigIndices(fn, target as unknown as ArrayLike<bigint>, rows, classes, ignoreIndex, weight, name, label, labelWeight);
    return { label, labelWeight };
  }
  for (let r = 0; r < rows; r++) {
    const v = target[r];
    if (v === ignoreIndex) {
      label[r] = -1;
      labelWeight[r] = 0;
    } else if (Number.isInteger(v) && v >= 0 && v < classes) {
      label[r] = v;
      labelWeight[r] = weight === null ? 1 : weight[v];
    } else {
      badIndex(fn, name, r, classes, ignoreIndex, show(v));
    }
  }
  return { label, labelWeight };
}

function badIndex(fn: string, name: string, r: number, classes: number, ignoreIndex: number, value: string): never {
  return fail(fn, `"${name}"[${r}] must be a class index in [0, ${classes}) or ignoreIndex (${show(ignoreIndex)}); got ${value}`);
}

/** classIndices for 64-bit integer labels: compared as bigints, so that no value rounds into range. */
function bigIndices(
  fn: string,
  target: ArrayLike<bigint>,
  rows: number,
  classes: number,
  ignoreIndex: number,
  weight: Float64Array | null,
  name: string,
  label: Float64Array,
  labelWeight: Float64Array,
): void {
  const ignore = Number.isSafeInteger(ignoreIndex) ? BigInt(ignoreIndex) : null;
  const C = BigInt(classes);
  for (let r = 0; r < rows; r++) {
    const v = target[r];
    if (v === ignore) {
      label[r] = -1;
      labelWeight[r] = 0;
    } else if (v >= 0n && v < C) {
      const c = Number(v);
      label[r] = c;
      labelWeight[r] = weight === null ? 1 : weight[c];
    } else {
      badIndex(fn, name, r, classes, ignoreIndex, String(v));
    }
  }
}
