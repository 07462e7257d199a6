/**
 * The engine's own accessors for typed arrays, captured when the library loads. Input is hostile:
 * a typed-array subclass can override `length`, `buffer`, `byteOffset`, `subarray` or `set`, its
 * species constructor, or shadow them with own properties; an object can have Float64Array's
 * prototype without being one. The library reads an argument's type, length and memory only
 * through these, and never calls a method of an argument. (A caller who replaces the built-ins
 * themselves before the library loads is outside the threat model: README, "Threat model".)
 */
import type { FloatArray } from './kernels/types.js';

const TypedArray = Object.getPrototypeOf(Uint8Array.prototype) as object;
const uncurry = Function.prototype.call.bind(Function.prototype.call) as <A extends unknown[], R>(
  f: (this: unknown, ...a: A) => R,
  self: unknown,
  ...a: A
) => R;
const getter = (name: PropertyKey) => Object.getOwnPropertyDescriptor(TypedArray, name)!.get as (this: unknown) => unknown;

const tagGet = getter(Symbol.toStringTag);
const lengthGet = getter('length');
const bufferGet = getter('buffer');
const byteOffsetGet = getter('byteOffset');
const setMethod = (TypedArray as { set: (this: unknown, src: ArrayLike<number>, offset?: number) => void }).set;
const fillMethod = (TypedArray as { fill: (this: unknown, value: number, start?: number, end?: number) => void }).fill;
const bufferByteLengthGet = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get as (this: unknown) => number;
const sharedByteLengthGet =
  typeof SharedArrayBuffer === 'function'
    ? (Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'byteLength')!.get as (this: unknown) => number)
    : null;
const isArrayIntrinsic = Array.isArray;
const objectToString = Object.prototype.toString as (this: unknown) => string;

/**
 * The typed array's own type name ('Float64Array', 'Int32Array', …), or undefined for anything
 * that is not a typed array (a Proxy of one, an object with a typed array's prototype). Never throws.
 */
export function typedArrayTag(x: unknown): string | undefined {
  return uncurry(tagGet, x) as string | undefined;
}

/** A typed array's length, from its internal slots (0 when its buffer is detached or out of bounds). */
export function lengthOf(x: ArrayBufferView): number {
  return uncurry(lengthGet, x) as number;
}

export function bufferOf(x: ArrayBufferView): ArrayBufferLike {
  return uncurry(bufferGet, x) as ArrayBufferLike;
}

export function byteOffsetOf(x: ArrayBufferView): number {
  return uncurry(byteOffsetGet, x) as number;
}

/** The byte length of an ArrayBuffer or SharedArrayBuffer (0 once detached). */
export function bufferByteLength(b: ArrayBufferLike): number {
  if (sharedByteLengthGet !== null && isShared(b)) return uncurry(sharedByteLengthGet, b);
  return uncurry(bufferByteLengthGet, b);
}

/** Whether an ArrayBuffer is detached (by WASM memory growth, or a transfer). */
export function isDetached(b: ArrayBufferLike): boolean {
  if (bufferByteLength(b) !== 0) return false;
  try {
    new Uint8Array(b); // a view of a detached buffer cannot be made; of an empty one it can
    return false;
  } catch {
    return true;
  }
}

/** Whether the buffer is a SharedArrayBuffer (two of them may be views of one memory). */
export function isShared(b: ArrayBufferLike): boolean {
  return uncurry(objectToString, b) === '[object SharedArrayBuffer]';
}

/** dst.set(src, offset) through the engine's own `set` (dst may be a caller's subclass). */
export function setInto(dst: FloatArray | Uint16Array, src: ArrayLike<number>, offset: number): void {
  uncurry(setMethod, dst, src, offset);
}

/** dst.fill(value, start, end) through the engine's own `fill` (dst may be a caller's subclass). */
export function fillInto(dst: FloatArray, value: number, start: number, end: number): void {
  uncurry(fillMethod, dst, value, start, end);
}

/** A plain view of elements [from, from + n) of a float typed array, made without its species. */
export function viewOf(x: FloatArray, from: number, n: number): FloatArray {
  const single = typedArrayTag(x) === 'Float32Array';
  return single
    ? new Float32Array(bufferOf(x), byteOffsetOf(x) + from * 4, n)
    : new Float64Array(bufferOf(x), byteOffsetOf(x) + from * 8, n);
}

/** Array.isArray, captured; a revoked Proxy makes it throw, which the caller turns into its own error. */
export function isArray(x: unknown): x is readonly unknown[] {
  return isArrayIntrinsic(x);
}
