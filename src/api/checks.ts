import { checkBuffer } from './buffers.js';
import type { FloatArray } from '../kernels/types.js';
import type { Reduction, Values } from './types.js';

/** Renders a value for an error message: short, and unambiguous about its type. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  }
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  return `${typeof value} ${String(value)}`;
}

/** Throws a TypeError or RangeError whose message names the function. */
export function fail(fn: string, message: string, Type: ErrorConstructor = RangeError): never {
  throw new Type(`xentropy.${fn}: ${message}`);
}

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

const NO_OPTIONS = Object.freeze({});

/** The options object, or {} when omitted; rejects unknown keys so that typos are not ignored. */
export function readOptions<O extends object>(fn: string, options: O | undefined, known: readonly string[]): Partial<O> {
  if (options === undefined || options === null) return NO_OPTIONS as Partial<O>; // shared: no allocation per call
  if (typeof options !== 'object' || Array.isArray(options)) {
    fail(fn, `"options" must be an object; got ${show(options)}`, TypeError);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      fail(fn, `unknown option "${key}"; known options are ${known.map((k) => `"${k}"`).join(', ')}`, TypeError);
    }
  }
  return options;
}

export interface Shape {
  rows: number;
  classes: number;
}

/** rows × classes for an input of `length` elements; classes omitted means one row. */
export function shapeOf(fn: string, length: number, classes: number | undefined): Shape {
  if (classes === undefined) return { rows: 1, classes: length };
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes <= 0 || length % classes !== 0) {
    fail(fn, `option "classes" must be a positive integer that divides the length ${length}; got ${show(classes)}`);
  }
  return { rows: length / classes, classes };
}

const REDUCTIONS = ['mean', 'sum', 'none'] as const;

/** The `reduction` option: one of `allowed` (default: 'mean', 'sum', 'none'); 'mean' when omitted. */
export function reductionOf<R extends string = Reduction>(fn: string, reduction: unknown, allowed: readonly R[] = REDUCTIONS as readonly string[] as R[]): R {
  if (reduction === undefined) return 'mean' as R;
  if (!allowed.includes(reduction as R)) {
    fail(fn, `option "reduction" must be one of ${allowed.map((r) => `'${r}'`).join(', ')}; got ${show(reduction)}`);
  }
  return reduction as R;
}

/** ln(base), the divisor that turns nats into units of `base`. */
export function logBaseOf(fn: string, base: unknown): number {
  if (base === undefined) return 1;
  if (typeof base !== 'number' || !Number.isFinite(base) || base <= 0 || base === 1) {
    fail(fn, `option "base" must be a finite number > 0 other than 1; got ${show(base)}`);
  }
  return Math.log(base);
}

export function booleanOf(fn: string, name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(fn, `option "${name}" must be true or false; got ${show(value)}`, TypeError);
  return value;
}

/**
 * Throws for the first element of the named arrays that fails `ok` — called when a kernel has
 * reported that some element did, to name which one.
 */
export function rejectFirst(fn: string, arrays: readonly (readonly [string, FloatArray])[], ok: (v: number) => boolean, what: string): never {
  for (const [name, x] of arrays) {
    for (let i = 0; i < x.length; i++) {
      if (!ok(x[i])) fail(fn, `"${name}"[${i}] must be ${what}; got ${show(x[i])}`);
    }
  }
  // Unreachable when a kernel reported a bad element; kept so that a kernel bug cannot pass silently.
  fail(fn, 'internal error: a kernel reported a bad element that could not be found');
}

/** The input and target of an elementwise loss: float arrays of one length. */
export function inputAndTarget(fn: string, input: Values, target: Values): [FloatArray, FloatArray] {
  const x = floats(fn, 'input', input);
  const y = floats(fn, 'target', target);
  sameLength(fn, 'input', x, 'target', y);
  return [x, y];
}

/**
 * Applies the reduction to the first `rows` per-row values (in nats; all of perRow by default),
 * dividing by ln(base). 'none' returns perRow itself.
 */
export function reduce(perRow: Float64Array, reduction: Reduction, logBase: number, rows = perRow.length): number | Float64Array {
  if (reduction === 'none') {
    if (logBase !== 1) for (let i = 0; i < perRow.length; i++) perRow[i] /= logBase;
    return perRow;
  }
  let s = sum(perRow, rows);
  if (reduction === 'mean') s /= rows;
  return s / logBase;
}

/** rows × classes where `classes` is required. */
export function requiredShape(fn: string, length: number, classes: number | undefined): Shape {
  if (classes === undefined) fail(fn, `option "classes" is required (the number of classes per row)`, TypeError);
  return shapeOf(fn, length, classes);
}

/** A number option within [lo, hi], or its default. */
export function numberIn(fn: string, name: string, value: unknown, lo: number, hi: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !(value >= lo && value <= hi)) {
    fail(fn, `option "${name}" must be a number in [${lo}, ${hi}]; got ${show(value)}`);
  }
  return value;
}

export function integerOf(fn: string, name: string, value: unknown, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(fn, `option "${name}" must be an integer; got ${show(value)}`);
  return value;
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
 * Class indices, one per row, as f64 (−1 for rows whose index is `ignoreIndex`), and the
 * per-row weight w[y] (0 for ignored rows).
 */
export function classIndices(
  fn: string,
  target: ArrayLike<number>,
  rows: number,
  classes: number,
  ignoreIndex: number,
  weight: Float64Array | null,
): { y: Float64Array; wy: Float64Array } {
  const y = new Float64Array(rows);
  const wy = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const v: unknown = target[r];
    if (typeof v !== 'number') fail(fn, `"target"[${r}] must be a number; got ${show(v)}`, TypeError);
    if (v === ignoreIndex) {
      y[r] = -1;
      wy[r] = 0;
    } else if (Number.isInteger(v) && v >= 0 && v < classes) {
      y[r] = v;
      wy[r] = weight === null ? 1 : weight[v];
    } else {
      fail(fn, `"target"[${r}] must be a class index in [0, ${classes}) or ignoreIndex (${ignoreIndex}); got ${show(v)}`);
    }
  }
  return { y, wy };
}

/** The sum of the first n elements of x (all of them by default). */
export function sum(x: ArrayLike<number>, n = x.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  return s;
}
