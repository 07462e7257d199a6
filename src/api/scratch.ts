// Per-call scratch: the Float64Arrays of one value per row (max, rest, labels, masses, a reduced
// call's losses) that never leave the call that makes them. A new typed array of more than 8
// elements costs V8 (Node 20) 1.1–3.5 µs (its own ArrayBuffer and backing store, then their
// collection: measured on 9 to 512 elements), as much as the arithmetic of a call on a few
// thousand elements; these come from one reused arena instead.
//
// The discipline: an API function that takes arrays here is `scoped` (or gives them back itself,
// `mark` and `release` in a `finally`): what it takes is given back when it returns or throws, and
// a call inside a call (an accumulator's, a scoring function's) takes its arrays above its
// caller's. Nothing taken here may be returned to the caller or kept
// after the call: an array that leaves it (a `reduction: 'none'` result, an output) is made with
// `new`.
//
// Every array comes zeroed, as `new Float64Array(n)` does: no call can read what an earlier one
// left. The arena holds at most ARENA_CAP values (1 MiB) and keeps what it grew to; a request
// beyond it gets a new array of its own (at that size the allocation is small beside the work),
// and so does one of 8 values or fewer (V8 keeps those on its heap, cheaply).
import { fillInto } from '../intrinsics.js';

/** The most values the arena holds: 2^17 f64 (1 MiB). */
export const ARENA_CAP = 1 << 17;

let arena = new ArrayBuffer(0);
let size = 0; // arena's length in f64 values
let top = 0;
let handed = 0; // values handed out since load (the tests' evidence that the arena is used)

/**
 * The arena's top, for a function that gives back what it took itself (`release(m)` in a
 * `finally`) rather than through `scoped`: where the wrapper's call would cost more than the
 * arrays save (the measures' small general path).
 */
export function mark(): number {
  return top;
}

/** Gives back everything taken since `m`, a `mark()` of the same call. */
export function release(m: number): void {
  top = m;
}

/**
 * A Float64Array of n values, each `value` (0 unless given), that stays inside the current call
 * (see above).
 */
export function scratch(n: number, value = 0): Float64Array {
  // 8 values or fewer (V8 keeps such an array on its own heap, cheaper than a view of the arena),
  // or beyond the cap: an array of its own (a new one is already 0)
  if (n <= 8 || top + n > ARENA_CAP) {
    const own = new Float64Array(n);
    if (value !== 0) fillInto(own, value, 0, n);
    return own;
  }
  const end = top + n;
  if (end > size) {
    // A larger arena: arrays already handed out keep the old buffer (their views stay valid); the
    // new one serves from `top` on, so nothing taken overlaps.
    size = Math.min(ARENA_CAP, Math.max(2 * size, end, 1024));
    arena = new ArrayBuffer(size * 8);
  }
  const a = new Float64Array(arena, top * 8, n);
  // (the engine's own fill, also for 0: the arena holds what the last call left)
  fillInto(a, value, 0, n);
  top = end;
  handed += n;
  return a;
}

/** How many values are taken now (0 between calls: the tests hold every function to that), and how many were handed out since load. */
export function arenaUse(): { inUse: number; handed: number } {
  return { inUse: top, handed };
}

/**
 * f with the discipline above around each call: what it (and any call it makes) takes from the
 * arena is given back when it returns or throws. Keeps f's name and length.
 */
export function scoped<F extends (...a: never[]) => unknown>(f: F): F {
  const g = function (this: unknown, ...a: Parameters<F>): ReturnType<F> {
    const m = top;
    try {
      return f.apply(this, a) as ReturnType<F>;
    } finally {
      top = m;
    }
  };
  Object.defineProperty(g, 'name', { value: f.name });
  Object.defineProperty(g, 'length', { value: f.length });
  return g as unknown as F;
}
