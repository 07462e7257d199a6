import { allocations, blocks } from '../kernels/buffers.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import { fail, show } from './errors.js';
import type { BufferApi, FloatArrayType } from './types.js';

/** The most elements `alloc` accepts: a Float32Array of 2^28 is 1 GiB, one TLSF block's limit. */
const MAX_LENGTH = 2 ** 28 - 16;

/**
 * Throws when `x` came from `alloc` but was freed, or was detached by WASM memory growth (a
 * detached view reads as empty, which would silently compute on nothing).
 */
export function checkBuffer(fn: string, name: string, x: FloatArray): void {
  if (allocations.count === 0) return; // nothing was ever allocated: skip the lookup
  const block = blocks.get(x);
  if (block === undefined) return;
  if (!block.live) fail(fn, `"${name}" was released by free(); allocate a new one with alloc()`);
  if (x.length !== block.length) {
    fail(fn, `"${name}" was detached when WASM memory grew (a later alloc() grew it); get a live view with refresh(${name})`);
  }
}

function allocated(fn: string, x: unknown) {
  if (!(x instanceof Float64Array || x instanceof Float32Array)) {
    fail(fn, `"array" must be a Float64Array or Float32Array returned by alloc(); got ${show(x)}`, TypeError);
  }
  const block = blocks.get(x);
  if (block === undefined) fail(fn, `"array" was not returned by alloc() (or refresh()) of xentropy`);
  if (!block.live) fail(fn, `"array" was already released by free()`);
  return { x, block };
}

export function buffers(kernels: Kernels): BufferApi {
  const b = kernels.buffers;
  return {
    alloc(type: FloatArrayType, length: number) {
      if (type !== Float32Array && type !== Float64Array) {
        fail('alloc', `"type" must be Float32Array or Float64Array; got ${show(type)}`, TypeError);
      }
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > MAX_LENGTH) {
        fail('alloc', `"length" must be an integer from 0 to ${MAX_LENGTH}; got ${show(length)}`, typeof length === 'number' ? RangeError : TypeError);
      }
      try {
        return b.alloc(type === Float32Array, length);
      } catch (e) {
        return fail('alloc', `cannot allocate ${length} elements: ${(e as Error).message}`);
      }
    },
    free(array: FloatArray) {
      const { block } = allocated('free', array);
      block.live = false;
      b.free(block);
    },
    refresh(array: FloatArray) {
      const { x, block } = allocated('refresh', array);
      return b.view(block, x);
    },
  } as BufferApi;
}
