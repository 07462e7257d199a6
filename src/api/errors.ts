// Error messages: every error the library throws names the function, the argument and, for a
// bad element, its index and value.
import type { FloatArray } from '../kernels/types.js';

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

