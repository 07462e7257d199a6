// Array arguments: float inputs (plain arrays converted once), optional arrays, the buffers the
// library fills, and class indices.
import type { FloatArray } from '../kernels/types.js';
import { checkBuffer } from './buffers.js';
import { fail, show } from './errors.js';
import type { Values } from './types.js';

/**
 * The argument as a float typed array, without copying typed arrays. A plain array is copied
 * into a new Float64Array, and each element is checked to be a number.
 */
export function floats(fn: string, name: string, x: Values): FloatArray {
  if (x instanceof Float64Array || x instanceof Float32Array) {
    checkBuffer(fn, name, x);
    return x;
  }
  if (!Array.isArray(x)) {
    fail(fn, `"${name}" must be a Float64Array, a Float32Array or an array of numbers; got ${show(x)}`, TypeError);
  }
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = x[i];
    if (typeof v !== 'number') fail(fn, `"${name}"[${i}] must be a number; got ${show(v)}`, TypeError);
    out[i] = v;
  }
  return out;
}

export function sameLength(fn: string, a: string, x: ArrayLike<number>, b: string, y: ArrayLike<number>): void {
  if (x.length !== y.length) {
    fail(fn, `"${a}" and "${b}" must have the same length; got ${x.length} and ${y.length}`);
  }
}

/** The input and target of an elementwise loss: float arrays of one length. */
export function inputAndTarget(fn: string, input: Values, target: Values): [FloatArray, FloatArray] {
  const x = floats(fn, 'input', input);
  const y = floats(fn, 'target', target);
  sameLength(fn, 'input', x, 'target', y);
  return [x, y];
}

/** An optional array option of a given length, as floats. */
export function optionalFloats(fn: string, name: string, x: unknown, length: number, what: string): FloatArray | null {
  if (x === undefined) return null;
  const v = floats(fn, name, x as Values);
  if (v.length !== length) fail(fn, `option "${name}" must have ${what} (${length}); got length ${v.length}`);
  return v;
}

export function toF64(x: FloatArray | null): Float64Array | null {
  return x === null || x instanceof Float64Array ? x : Float64Array.from(x);
}

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * A buffer the library fills (`grad`, `out`): a Float32Array or Float64Array of `length`
 * elements that shares no memory with any input (an input is never modified).
 */
export function outputOf(fn: string, name: string, x: unknown, length: number, inputs: readonly (readonly [string, unknown])[]): FloatArray | null {
  if (x === undefined) return null;
  if (!(x instanceof Float64Array || x instanceof Float32Array)) {
    fail(fn, `option "${name}" must be a Float64Array or Float32Array; got ${show(x)}`, TypeError);
  }
  checkBuffer(fn, name, x);
  if (x.length !== length) fail(fn, `option "${name}" must have the input's length ${length}; got length ${x.length}`);
  for (const [inName, input] of inputs) {
    if (ArrayBuffer.isView(input) && overlaps(x, input)) {
      fail(fn, `option "${name}" shares memory with "${inName}"; inputs are never overwritten, pass a separate buffer`);
    }
  }
  return x;
}

/**
 * Class indices, one per row, as f64 (`label`: −1 for rows whose index is `ignoreIndex`), and
 * each row's class weight (`labelWeight`: weight[label], 1 without weights, 0 for ignored rows).
 */
export function classIndices(
  fn: string,
  target: ArrayLike<number>,
  rows: number,
  classes: number,
  ignoreIndex: number,
  weight: Float64Array | null,
): { label: Float64Array; labelWeight: Float64Array } {
  const label = new Float64Array(rows);
  const labelWeight = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const v: unknown = target[r];
    if (typeof v !== 'number') fail(fn, `"target"[${r}] must be a number; got ${show(v)}`, TypeError);
    if (v === ignoreIndex) {
      label[r] = -1;
      labelWeight[r] = 0;
    } else if (Number.isInteger(v) && v >= 0 && v < classes) {
      label[r] = v;
      labelWeight[r] = weight === null ? 1 : weight[v];
    } else {
      fail(fn, `"target"[${r}] must be a class index in [0, ${classes}) or ignoreIndex (${ignoreIndex}); got ${show(v)}`);
    }
  }
  return { label, labelWeight };
}

