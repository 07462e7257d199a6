// Error messages: every error the library throws names the function, the argument and, for a
// bad element, its index and value.
import { isArray, lengthOf, typedArrayTag } from '../intrinsics.js';
import { Half, halfTable } from '../kernels/half.js';
import type { FloatArray } from '../kernels/types.js';

/**
 * Renders a value for an error message: short, and unambiguous about its type. Reads nothing
 * through the value's own getters or methods that could throw or lie (a Proxy, a revoked one, a
 * typed array with no prototype).
 */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  const tag = typedArrayTag(value);
  if (tag !== undefined) return `${/^I/.test(tag) ? 'an' : 'a'} ${tag} of length ${lengthOf(value as ArrayBufferView)}`;
  try {
    if (isArray(value)) return `an array of length ${String((value as readonly unknown[]).length)}`;
    return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  } catch {
    return 'an object that cannot be inspected (a revoked Proxy?)';
  }
}

/** Throws a TypeError or RangeError whose message names the function. */
export function fail(fn: string, message: string, Type: ErrorConstructor = RangeError): never {
  throw new Type(`xentropy.${fn}: ${message}`);
}

/**
 * Throws for the first element of the named arrays that fails `ok` — called when a kernel has
 * reported that some element did, to name which one.
 */
export function rejectFirst(
  fn: string,
  arrays: readonly (readonly [string, FloatArray | Half])[],
  ok: (v: number) => boolean,
  what: string,
): never {
  for (const [name, x] of arrays) {
    const half = x instanceof Half ? halfTable() : null;
    const a = x instanceof Half ? x.bits : x;
    for (let i = 0, n = lengthOf(a); i < n; i++) {
      const v = half === null ? a[i] : half[a[i]];
      if (!ok(v)) fail(fn, `"${name}"[${i}] must be ${what}; got ${show(v)}`);
    }
  }
  // Unreachable when a kernel reported a bad element; kept so that a kernel bug cannot pass silently.
  fail(fn, 'internal error: a kernel reported a bad element that could not be found');
}
