import { typedArrayTag } from '../intrinsics.js';
import { blocks, MAX_ALLOC_BYTES, memoryOf } from '../kernels/buffers.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import { fail, show } from './errors.js';
import type { BufferApi, FloatArrayType } from './types.js';

/**
 * Throws when `x` is a view of memory that `alloc` handed out and that is no longer the caller's:
 * a block released by free() (the view itself, or any subarray of it), memory between blocks, or
 * WASM memory detached by growth. Decided from the engine's view of `x`, not from its getters.
 */
export function checkBuffer(fn: string, name: string, x: FloatArray): void {
  const m = memoryOf(x);
  if (m === 'released') {
    fail(fn, `"${name}" was released by free() (it, or the alloc() block it is a view of; or it is a view of WASM memory outside any live block); allocate a new one with alloc()`);
  }
  if (m === 'detached') {
    fail(fn, `"${name}" was detached when WASM memory grew (a later alloc() grew it), or its buffer was transferred; get a live view with refresh(${name})`);
  }
}

/** An array returned by alloc() or refresh() of either entry, still live, with its block. */
function allocated(fn: string, x: unknown) {
  const tag = typedArrayTag(x);
  if (tag !== 'Float64Array' && tag !== 'Float32Array') {
    fail(fn, `"array" must be a Float64Array or Float32Array returned by alloc(); got ${show(x)}`, TypeError);
  }
  const block = blocks.get(x as FloatArray);
  if (block === undefined) fail(fn, `"array" was not returned by alloc() (or refresh()) of xentropy`);
  if (!block.live) fail(fn, `"array" was already released by free()`);
  return { x: x as FloatArray, block };
}

/**
 * alloc, free and refresh. An array belongs to the entry whose `alloc` made it; `free` and
 * `refresh` of either entry accept it and act on the entry that owns it, so arrays can be passed
 * between `xentropy` and `xentropy/js` without leaking or trapping. The size limit is the same on
 * both: one block holds at most 2^30 − 64 bytes (2^28 − 16 f32 or 2^27 − 8 f64 elements).
 */
export function buffers(kernels: Kernels): BufferApi {
  const b = kernels.buffers;
  return {
    alloc(type: FloatArrayType, length: number) {
      if (type !== Float32Array && type !== Float64Array) {
        fail('alloc', `"type" must be Float32Array or Float64Array; got ${show(type)}`, TypeError);
      }
      const single = type === Float32Array;
      const max = Math.floor(MAX_ALLOC_BYTES / (single ? 4 : 8));
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > max) {
        fail('alloc', `"length" must be an integer from 0 to ${max} for ${single ? 'Float32Array' : 'Float64Array'}; got ${show(length)}`, typeof length === 'number' ? RangeError : TypeError);
      }
      try {
        return b.alloc(single, length);
      } catch (e) {
        return fail('alloc', `cannot allocate ${length} elements: ${(e as Error).message}`);
      }
    },
    free(array: FloatArray) {
      const { block } = allocated('free', array);
      block.owner.free(block);
    },
    refresh(array: FloatArray) {
      const { x, block } = allocated('refresh', array);
      return block.owner.view(block, x);
    },
  } as BufferApi;
}
