import { bufferOf, isDetached } from '../intrinsics.js';
import type { FloatArray } from './types.js';

/** A block handed out by `alloc`: where it lives, whether it is still allocated, and whose it is. */
export interface Block {
  /** Byte address in its region (WASM memory), or 0 for a plain typed array's own buffer. */
  ptr: number;
  length: number;
  single: boolean;
  live: boolean;
  /** The kernel set's buffers that allocated it: `free` and `refresh` of either entry act through it. */
  owner: Buffers;
}

/**
 * Memory that `alloc` hands blocks out of: one WASM instance's memory (every ArrayBuffer it has
 * had, the detached ones included, maps to the same region), or the own buffer of one plain block.
 */
export interface Region {
  /** How many blocks of the region are live. */
  live: number;
}

/**
 * Every view returned by `alloc` or `refresh`, on either entry, to its block: the only views of
 * alloc memory the library accepts. (A subarray, or any other view of that memory, could outlive
 * its block: once the block is freed and its memory handed out again, nothing about the view
 * tells it apart from a view of the new block.)
 */
export const blocks = new WeakMap<FloatArray, Block>();

/** The buffers blocks live in, to their region: how any view of that memory is recognised. */
const regions = new WeakMap<ArrayBufferLike, Region>();

/** The most bytes one block holds: AssemblyScript's TLSF allocator serves at most 2^30 bytes. */
export const MAX_ALLOC_BYTES = 2 ** 30 - 64;

/** How many blocks `alloc` has ever handed out: while 0, no array can be in a region. */
export const allocations = { count: 0 };

export function registerBuffer(buffer: ArrayBufferLike, region: Region): void {
  regions.set(buffer, region);
}

/** Records a new live block (`view`, the array alloc returns, is registered by the caller). */
export function addBlock(region: Region, block: Block): void {
  allocations.count++;
  region.live++;
}

/** Marks a block released. */
export function removeBlock(region: Region, block: Block): void {
  block.live = false;
  region.live--;
}

/**
 * What memory a float view reads, decided from the engine's own view of it (never from getters
 * the caller could override): 'foreign' for memory no `alloc` handed out; 'detached' for a view
 * of memory that WASM memory growth has since detached; 'released' for a view of a block that
 * `free` released; 'unregistered' for any other view of alloc memory (a subarray, a view made
 * from `.buffer`: see `blocks`); else the live block.
 */
export function memoryOf(x: FloatArray): Block | 'foreign' | 'detached' | 'released' | 'unregistered' {
  if (allocations.count === 0) return 'foreign';
  const buffer = bufferOf(x);
  if (regions.get(buffer) === undefined) return 'foreign';
  if (isDetached(buffer)) return 'detached';
  const b = blocks.get(x);
  if (b === undefined) return 'unregistered';
  return b.live ? b : 'released';
}

/** The buffer half of a kernel set: typed arrays the kernels can read without a copy. */
export interface Buffers {
  /** A new zeroed array of `length` elements, registered in `blocks`. Throws RangeError when out of memory. */
  alloc(single: boolean, length: number): FloatArray;
  /** Releases the block (the API layer has checked it was live). */
  free(block: Block): void;
  /** A view of the block over the current memory (a new one after memory growth). */
  view(block: Block, old: FloatArray | null): FloatArray;
}

const plainRegions = new WeakMap<Block, Region>();

/** Buffers for the pure-TS kernels: ordinary typed arrays, each over its own ArrayBuffer. */
export const plainBuffers: Buffers = {
  alloc(single, length) {
    const x = single ? new Float32Array(length) : new Float64Array(length);
    const block: Block = { ptr: 0, length, single, live: true, owner: plainBuffers };
    const region: Region = { live: 0 };
    registerBuffer(bufferOf(x), region);
    plainRegions.set(block, region);
    addBlock(region, block);
    blocks.set(x, block);
    return x;
  },
  free(block) {
    removeBlock(plainRegions.get(block)!, block);
  },
  view(_block, old) {
    return old!;
  },
};
