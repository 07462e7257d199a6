import { bufferOf, byteOffsetOf, isDetached, lengthOf, typedArrayTag } from '../intrinsics.js';
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
  /** The live blocks, by ascending address. */
  live: Block[];
}

/**
 * Every view returned by `alloc` or `refresh`, on either entry, to its block (for `free` and
 * `refresh`, which take exactly those views).
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

/** Records a new live block in its region (kept sorted by address). */
export function addBlock(region: Region, block: Block): void {
  allocations.count++;
  let i = region.live.length;
  while (i > 0 && region.live[i - 1].ptr > block.ptr) i--;
  region.live.splice(i, 0, block);
}

/** Marks a block released and drops it from its region. */
export function removeBlock(region: Region, block: Block): void {
  block.live = false;
  const i = region.live.indexOf(block);
  if (i >= 0) region.live.splice(i, 1);
}

/**
 * What memory a float view reads, decided from the engine's own view of it (never from
 * getters the caller could override): 'foreign' for memory no `alloc` handed out; 'detached'
 * for a view of WASM memory that growth has since detached; 'released' for a view (or subarray)
 * of a block that `free` released, or memory between blocks; else the live block that holds
 * every byte of it.
 */
export function memoryOf(x: FloatArray): Block | 'foreign' | 'detached' | 'released' {
  if (allocations.count === 0) return 'foreign';
  const buffer = bufferOf(x);
  const region = regions.get(buffer);
  if (region === undefined) return 'foreign';
  if (isDetached(buffer)) return 'detached';
  const start = byteOffsetOf(x);
  const end = start + lengthOf(x) * (typedArrayTag(x) === 'Float32Array' ? 4 : 8);
  // The last live block that starts at or before the view: the only one that can hold it.
  const live = region.live;
  let lo = 0;
  let hi = live.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (live[mid].ptr <= start) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (at < 0) return 'released';
  const b = live[at];
  const bEnd = b.ptr + b.length * (b.single ? 4 : 8);
  return end <= bEnd ? b : 'released';
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
    const region: Region = { live: [] };
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
