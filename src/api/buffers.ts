import { bufferOf, isDetached, typedArrayTag } from '../intrinsics.js';
import { allocations, blocks, MAX_ALLOC_BYTES, memoryOf } from '../kernels/buffers.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import { fail, show } from './errors.js';
import type { BufferApi, FloatArrayType } from './types.js';

/**
 * Throws unless `x` reads memory that is the caller's: not a block released by free(), not a
 * view of alloc memory other than the array alloc() or refresh() returned (a subarray could
 * outlive its block and read the next one), not a detached buffer (WASM memory growth, or a
 * transfer). Decided from the engine's view of `x`, not from its getters.
 */
export function checkBuffer(fn: string, name: string, x: FloatArray, length: number): void {
  // Before any alloc() no view is of alloc memory, and only an empty view can be of a detached buffer.
  if (allocations.count !== 0 || length === 0) checkMemory(fn, name, x, length);
}

function checkMemory(fn: string, name: string, x: FloatArray, length: number): void {
  const m = memoryOf(x);
  if (m === 'released') fail(fn, `"${name}" was released by free(); allocate a new one with alloc()`);
  if (m === 'unregistered') {
    fail(
      fn,
      `"${name}" is a view of alloc() memory other than the array alloc() or refresh() returned (a subarray can outlive its block); pass that array, or copy the part you need`,
    );
  }
  if (m === 'detached') {
    fail(fn, `"${name}" was detached when WASM memory grew (a later alloc() grew it); get a live view with refresh(${name})`);
  }
  // a detached buffer's views read as empty: only an empty view can be one
  if (m === 'foreign' && length === 0 && isDetached(bufferOf(x)))
    fail(fn, `"${name}" was detached (its ArrayBuffer was transferred); it holds no data`);
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
        fail(
          'alloc',
          `"length" must be an integer from 0 to ${max} for ${single ? 'Float32Array' : 'Float64Array'}; got ${show(length)}`,
          typeof length === 'number' ? RangeError : TypeError,
        );
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
