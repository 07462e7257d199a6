import type { FloatArray } from './types.js';

/** A block handed out by `alloc`: where it lives and whether it is still allocated. */
export interface Block {
  /** Byte address in WASM memory, or -1 for a plain typed array (the pure-TS kernels). */
  ptr: number;
  length: number;
  single: boolean;
  live: boolean;
}

/**
 * Every view returned by `alloc` or `refresh`, on either entry, to its block. The API layer
 * consults it to reject freed or detached views with a clear error; the WASM glue to skip the
 * copy for views that live in its memory.
 */
export const blocks = new WeakMap<FloatArray, Block>();

/** How many blocks `alloc` has ever handed out: while 0, no array can be in `blocks`. */
export const allocations = { count: 0 };

/** The buffer half of a kernel set: typed arrays the kernels can read without a copy. */
export interface Buffers {
  /** A new zeroed array of `length` elements, registered in `blocks`. Throws RangeError when out of memory. */
  alloc(single: boolean, length: number): FloatArray;
  /** Releases the block (the API layer has checked it was live, and marked it released). */
  free(block: Block): void;
  /** A view of the block over the current memory (a new one after memory growth). */
  view(block: Block, old: FloatArray): FloatArray;
}

/** Buffers for the pure-TS kernels: ordinary typed arrays; `free` only marks them released. */
export const plainBuffers: Buffers = {
  alloc(single, length) {
    const x = single ? new Float32Array(length) : new Float64Array(length);
    blocks.set(x, { ptr: -1, length, single, live: true });
    allocations.count++;
    return x;
  },
  free() {},
  view(_block, old) {
    return old;
  },
};
