// The options object and its scalar options: shape, reduction, base, flags, numbers.
import { isArray, typedArrayTag } from '../intrinsics.js';
import { fail, show } from './errors.js';
import type { Reduction } from './types.js';

const NO_OPTIONS = Object.freeze({});

/**
 * The options, read once: each known option is read exactly once (getters run here, and only
 * here), into a new object the rest of the call uses; unknown own keys are rejected so that typos
 * are not ignored. {} when omitted.
 */
export function readOptions<O extends object>(fn: string, options: O | undefined, known: readonly string[]): Partial<O> {
  if (options === undefined || options === null) return NO_OPTIONS as Partial<O>; // shared: no allocation per call
  return readGiven(fn, options, known);
}

// As in arrays.ts, each helper's common case is a few lines, the rest a separate function, so that
// V8 inlines the helpers into a call without exhausting its inlining budget.

function readGiven<O extends object>(fn: string, options: O, known: readonly string[]): Partial<O> {
  let keys: string[] = [];
  let arrayLike = typedArrayTag(options) !== undefined;
  if (typeof options === 'object' && !arrayLike) {
    try {
      arrayLike = isArray(options);
      keys = Object.keys(options);
    } catch {
      fail(fn, `"options" cannot be read (a revoked Proxy?)`, TypeError);
    }
  }
  if (typeof options !== 'object' || arrayLike) {
    const hint = fn === 'entropy' && arrayLike ? ' (entropy takes one array, p; crossEntropy, klDivergence and jsDivergence take two)' : '';
    fail(fn, `"options" must be an object; got ${show(options)}${hint}`, TypeError);
  }
  for (const key of keys) {
    if (!known.includes(key)) {
      fail(fn, `unknown option "${key}"; known options are ${known.map((k) => `"${k}"`).join(', ')}`, TypeError);
    }
  }
  const read: Record<string, unknown> = {};
  for (const key of known) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined) read[key] = v;
  }
  return read as Partial<O>;
}

export interface Shape {
  rows: number;
  classes: number;
}

/** A value of the wrong type is a TypeError (null included); one of the right type out of range, a RangeError. */
function kindOf(value: unknown, type: 'number' | 'string'): ErrorConstructor {
  return typeof value === type ? RangeError : TypeError;
}

/** rows × classes for an input of `length` elements; classes omitted means one row. */
export function shapeOf(fn: string, length: number, classes: number | undefined): Shape {
  if (classes === undefined) return { rows: 1, classes: length };
  return { rows: rowsOf(fn, length, classes), classes };
}

/** The rows of an input of `length` elements in rows of `classes`, which is checked. */
function rowsOf(fn: string, length: number, classes: unknown): number {
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes <= 0 || length % classes !== 0) {
    fail(
      fn,
      `option "classes" must be a positive integer that divides the length ${length}; got ${show(classes)}`,
      kindOf(classes, 'number'),
    );
  }
  return length / classes;
}

const REDUCTIONS = ['mean', 'sum', 'none'] as const;

/** The `reduction` option: one of `allowed` (default: 'mean', 'sum', 'none'); 'mean' when omitted. */
export function reductionOf<R extends string = Reduction>(
  fn: string,
  reduction: unknown,
  allowed: readonly R[] = REDUCTIONS as readonly string[] as R[],
): R {
  return reduction === undefined ? ('mean' as R) : givenReduction(fn, reduction, allowed);
}

function givenReduction<R extends string>(fn: string, reduction: unknown, allowed: readonly R[]): R {
  if (!allowed.includes(reduction as R)) {
    fail(
      fn,
      `option "reduction" must be one of ${allowed.map((r) => `'${r}'`).join(', ')}; got ${show(reduction)}`,
      kindOf(reduction, 'string'),
    );
  }
  return reduction as R;
}

/** ln(base), the divisor that turns nats into units of `base`. */
export function logBaseOf(fn: string, base: unknown): number {
  return base === undefined ? 1 : givenLogBase(fn, base);
}

function givenLogBase(fn: string, base: unknown): number {
  if (typeof base !== 'number' || !Number.isFinite(base) || base <= 0 || base === 1) {
    fail(fn, `option "base" must be a finite number > 0 other than 1; got ${show(base)}`, kindOf(base, 'number'));
  }
  return Math.log(base);
}

export function booleanOf(fn: string, name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value !== undefined) fail(fn, `option "${name}" must be true or false; got ${show(value)}`, TypeError);
  return false;
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
    fail(fn, `option "${name}" must be a number in [${lo}, ${hi}]; got ${show(value)}`, kindOf(value, 'number'));
  }
  return value;
}

export function integerOf(fn: string, name: string, value: unknown, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value))
    fail(fn, `option "${name}" must be an integer; got ${show(value)}`, kindOf(value, 'number'));
  return value;
}

/**
 * The layout of logits for the losses with a class axis: `rows` items (N·d1·…·dk: one target,
 * one loss, one log-sum-exp each) of `classes` elements, in `batch` = N blocks of `positions` =
 * d1·…·dk items each. Item r = n·positions + s has its classes at (n·classes + c)·positions + s
 * (PyTorch's row-major (N, C, d1, …, dk)); with positions 1 that is the rows × classes layout.
 */
export interface Layout extends Shape {
  batch: number;
  positions: number;
  /** What an item is called in messages: 'row', or 'position' for a shape with more than two entries. */
  item: 'row' | 'position';
}

/**
 * Phase 1: the `shape` option, read once into a new array (a Proxy's traps or getters run here,
 * never later). Its entries are checked against the input in phase 2 (`layoutOf`).
 */
export function shapeOption(fn: string, shape: unknown): number[] | undefined {
  if (shape === undefined) return undefined;
  const what = "an array of integers [N, C, d1, …, dk] (PyTorch's shape: the class axis is 1)";
  let entries: unknown[] | null = null;
  let n: unknown;
  try {
    if (isArray(shape)) {
      n = (shape as unknown[]).length;
      if (typeof n === 'number' && Number.isInteger(n) && n <= 64) entries = Array.from({ length: n }, (_, i) => (shape as unknown[])[i]);
    }
  } catch {
    entries = null; // a revoked Proxy, or a getter that threw
  }
  if (entries === null) {
    if (typeof n === 'number' && n > 64) fail(fn, `option "shape" must have at most 64 entries; got an array of length ${n}`);
    return fail(fn, `option "shape" must be ${what}; got ${show(shape)}`, TypeError);
  }
  if (entries.length < 2) fail(fn, `option "shape" must have at least two entries [N, C, …]; got ${show(shape)}`);
  entries.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (i === 1 ? 1 : 0)) {
      const which = i === 1 ? ' (the number of classes) must be a positive integer' : ' must be a non-negative integer';
      fail(fn, `option "shape"[${i}]${which}; got ${show(v)}`, kindOf(v, 'number'));
    }
  });
  return entries as number[];
}

/**
 * Phase 2: the layout of an input of `length` elements, from `classes` (rows × classes) or
 * `shape` ([N, C, d1, …, dk]); given both, they must agree. Neither: one row, or, when
 * `required`, an error.
 */
export function layoutOf(fn: string, length: number, classes: number | undefined, shape: number[] | undefined, required: boolean): Layout {
  if (shape === undefined) {
    const s = required ? requiredShape(fn, length, classes) : shapeOf(fn, length, classes);
    // (fields named, not spread: V8's object spread took 2.5–3.5 µs a call here)
    return { rows: s.rows, classes: s.classes, batch: s.rows, positions: 1, item: 'row' };
  }
  const C = shape[1];
  const positions = shape.slice(2).reduce((a, b) => a * b, 1);
  const total = shape[0] * C * positions;
  const text = `[${shape.join(', ')}]`;
  if (classes !== undefined && classes !== C) {
    fail(fn, `options "classes" (${show(classes)}) and "shape" (${text}, whose class axis has ${C}) disagree; give one of them`);
  }
  if (total !== length) fail(fn, `option "shape" ${text} holds ${total} elements; the input has length ${length}`);
  return { rows: shape[0] * positions, classes: C, batch: shape[0], positions, item: shape.length > 2 ? 'position' : 'row' };
}
