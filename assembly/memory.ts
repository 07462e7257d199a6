// WASM memory as the glue (src/kernels/wasm.ts) uses it: a fixed scratch region, allocated once
// at start-up, through which typed arrays are streamed chunk by chunk; and the zero-copy blocks of
// `alloc`. The heap is AssemblyScript's TLSF allocator (runtime "minimal"; nothing is garbage
// collected: only the glue allocates, and it frees explicitly). Allocation is the only thing that
// can grow memory; kernels never allocate.

/** Elements per array per chunk. */
export const CHUNK: i32 = 16384;

/** Scratch slots of 8·CHUNK bytes each: one per array argument of a kernel (src/kernels/table.ts). */
export const SLOTS: i32 = 16;
const SCRATCH_BYTES: usize = <usize>CHUNK * 8 * <usize>SLOTS;
const scratchBase: usize = heap.alloc(SCRATCH_BYTES);

/** The address of slot 0 of the scratch region. */
export function scratch(): usize {
  return scratchBase;
}

/** A 16-byte aligned block of `bytes` bytes, or a trap if memory cannot grow (the glue bounds sizes). */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}
