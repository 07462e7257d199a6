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
  if (x instanceof Float64Array || x instanceof Float32Array) return x;
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

/** The options object, or {} when omitted; rejects unknown keys so that typos are not ignored. */
export function readOptions<O extends object>(fn: string, options: O | undefined, known: readonly string[]): Partial<O> {
  if (options === undefined || options === null) return {};
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

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

export function reductionOf(fn: string, reduction: unknown): Reduction {
  if (reduction === undefined) return 'mean';
  if (!REDUCTIONS.includes(reduction as Reduction)) {
    fail(fn, `option "reduction" must be one of ${REDUCTIONS.map((r) => `'${r}'`).join(', ')}; got ${show(reduction)}`);
  }
  return reduction as Reduction;
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

/** Throws for the first element of the named arrays that is negative or NaN. */
export function rejectNegative(fn: string, arrays: readonly (readonly [string, FloatArray])[]): never {
  for (const [name, x] of arrays) {
    for (let i = 0; i < x.length; i++) {
      if (!(x[i] >= 0)) fail(fn, `"${name}"[${i}] must be a non-negative number; got ${show(x[i])}`);
    }
  }
  // Unreachable when a kernel reported a bad element; kept so that a kernel bug cannot pass silently.
  fail(fn, 'internal error: a kernel reported a bad element that could not be found');
}

/** Applies the reduction to per-row values (in nats), dividing by ln(base). */
export function reduce(perRow: Float64Array, reduction: Reduction, logBase: number): number | Float64Array {
  if (reduction === 'none') {
    if (logBase !== 1) for (let i = 0; i < perRow.length; i++) perRow[i] /= logBase;
    return perRow;
  }
  let s = 0;
  for (let i = 0; i < perRow.length; i++) s += perRow[i];
  if (reduction === 'mean') s /= perRow.length;
  return s / logBase;
}
