// The WASM glue of the CTC lattice kernel (assembly/ctc.ts), next to the kernel table's glue
// (./wasm.ts) rather than in it. The table describes row kernels: per-element arrays streamed
// through a fixed scratch region in chunks of rows (or pieces of a row), per-row outputs combined
// across pieces. A CTC sample is neither: its recursion runs over every frame of the sample in
// order, forwards and then backwards, and its gradient needs the α of every frame, so it cannot
// be cut into independent chunks; its input is strided (time-major: frame t of sample n at
// (t·N + n)·C) and its target is an i32 array of another length. Describing that in the table
// would add roles (a strided frame block, an i32 array, a work region sized by a formula) that
// only this kernel would use, and a second streaming mode to the glue; this file is the few lines
// that call it instead, typed against the twin's signature (CtcKernel, ./ts-ctc.ts).
//
// Memory per call of one sample: the sample's frames (frames·C elements, in the input's type:
// copied from the caller's array frame by frame, or read in place, with the input's own stride,
// when the input is an `alloc` array of this memory), its gradient (frames·C, in the gradient's
// type), and the kernel's work (ctcWorkCells f64: α of every frame, frames·(2S + 6) cells, and
// a few rows). It is one block, kept between calls and grown when a larger sample needs it: the
// memory a batch needs is that of its largest sample, never T·N·C.
import { byteOffsetOf, lengthOf, setInto, typedArrayTag, viewOf } from '../intrinsics.js';
import { allocations, type Block, blocks } from './buffers.js';
import type { CtcKernel, CtcSampleArgs } from './ts-ctc.js';
import type { FloatArray } from './types.js';

type Ptr = number;
type Sample = (
  x: Ptr,
  stride: number,
  frames: number,
  classes: number,
  target: Ptr,
  S: number,
  blank: number,
  fromLogits: number,
  work: Ptr,
  grad: Ptr,
  gradF64: number,
  gradScale: number,
  zeroInfinity: number,
) => number;

/** What assembly/ctc.ts exports (through assembly/index.ts). */
export interface CtcExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): Ptr;
  free(ptr: Ptr): void;
  ctcSampleF64: Sample;
  ctcSampleF32: Sample;
  ctcWorkCells(frames: number, S: number, classes: number): number;
}

/** What the table's glue shares: its memory's current buffer (views re-made after growth), and which blocks are its own. */
export interface CtcMemory {
  buffer(): ArrayBuffer;
  owns(block: Block): boolean;
}

/**
 * Below this many lattice cells (frames·(2S + 1)) a sample runs on the TS twin on the `xentropy`
 * entry: copying its frames in and its gradient out costs more than the kernel saves there.
 */
export const CTC_CROSSOVER = 256;

const round16 = (n: number) => (n + 15) & ~15;

/**
 * The CTC kernel on WASM: one sample a call. Samples whose lattice is small (frames·(2S + 1) below
 * `crossover`) run on the TS twin, where copying in costs more than the kernel saves.
 */
export function wasmCtc(ex: CtcExports, mem: CtcMemory, twin: CtcKernel, crossover: number): CtcKernel {
  if (typeof ex.ctcSampleF64 !== 'function' || ex.ctcSampleF64.length !== 13 || typeof ex.ctcWorkCells !== 'function')
    throw new Error('xentropy: the WASM module has no CTC kernel of the expected signature');
  let block = 0;
  let capacity = 0;

  /** A block of at least `bytes` bytes, kept for the next call; its address. */
  function workspace(bytes: number): Ptr {
    if (bytes > capacity) {
      if (block !== 0) ex.free(block);
      block = 0;
      capacity = 0;
      const size = Math.max(bytes, 1 << 16);
      try {
        block = ex.alloc(size) >>> 0;
      } catch {
        throw new RangeError(`WASM memory cannot grow by ${size} bytes for a CTC sample (it is limited to 4 GiB)`);
      }
      capacity = size;
    }
    return block;
  }

  /**
   * An `alloc` array of this memory as a live view (the memory may have grown since the call
   * began, detaching the caller's view: an earlier sample's workspace), or null for another array.
   */
  function live(x: FloatArray | null): FloatArray | null {
    if (x === null || allocations.count === 0) return null;
    const b = blocks.get(x);
    if (b === undefined || !b.live || !mem.owns(b)) return null;
    return b.single ? new Float32Array(mem.buffer(), b.ptr, b.length) : new Float64Array(mem.buffer(), b.ptr, b.length);
  }

  return (args: CtcSampleArgs): number => {
    const liveX = live(args.x);
    const liveG = live(args.grad);
    const a = liveX === null && liveG === null ? args : { ...args, x: liveX ?? args.x, grad: liveG ?? args.grad };
    const { x, start, stride, frames, classes: C, target, grad } = a;
    const S = lengthOf(target);
    if (frames * (2 * S + 1) < crossover) return twin(a);
    const single = typedArrayTag(x) === 'Float32Array';
    const width = single ? 4 : 8;
    const gradF64 = grad !== null && typedArrayTag(grad) === 'Float64Array';
    const gw = gradF64 ? 8 : 4;
    // in place: an `alloc` array of this memory, read with its own stride. Addresses are taken
    // before `workspace` may grow the memory (which detaches every view of it).
    const own = liveX !== null;
    const xOff = own ? byteOffsetOf(x) : 0;
    const gOff = liveG === null ? -1 : byteOffsetOf(liveG);
    const xBytes = own ? 0 : round16(frames * C * width);
    const gBytes = grad === null ? 0 : round16(frames * C * gw);
    const tBytes = round16(S * 4);
    const workBytes = ex.ctcWorkCells(frames, S, C) * 8;
    const base = workspace(xBytes + gBytes + tBytes + workBytes);
    const buffer = mem.buffer(); // after any growth
    const xPtr = own ? xOff + start * width : base;
    const gPtr = base + xBytes;
    const tPtr = gPtr + gBytes;
    const wPtr = tPtr + tBytes;
    if (!own) {
      const dst = single ? new Float32Array(buffer, base, frames * C) : new Float64Array(buffer, base, frames * C);
      if (stride === C) setInto(dst, viewOf(x, start, frames * C), 0);
      else if (C <= 64) {
        for (let t = 0, o = start, d = 0; t < frames; t++, o += stride, d += C) for (let c = 0; c < C; c++) dst[d + c] = x[o + c];
      } else {
        for (let t = 0, o = start; t < frames; t++, o += stride) setInto(dst, viewOf(x, o, C), t * C);
      }
    }
    new Int32Array(buffer, tPtr, S).set(target);
    const f = single ? ex.ctcSampleF32 : ex.ctcSampleF64;
    const nll = f(
      xPtr,
      own ? stride : C,
      frames,
      C,
      tPtr,
      S,
      a.blank,
      a.fromLogits ? 1 : 0,
      wPtr,
      grad === null ? 0 : gPtr,
      gradF64 ? 1 : 0,
      a.gradScale,
      a.zeroInfinity ? 1 : 0,
    );
    if (grad !== null) {
      // the caller's gradient; an `alloc` array viewed anew (the memory may have grown under it)
      const out: FloatArray =
        gOff < 0 ? grad : gradF64 ? new Float64Array(buffer, gOff, lengthOf(grad)) : new Float32Array(buffer, gOff, lengthOf(grad));
      const src: FloatArray = gradF64 ? new Float64Array(buffer, gPtr, frames * C) : new Float32Array(buffer, gPtr, frames * C);
      if (stride === C) setInto(out, src, start);
      else if (C <= 64) {
        for (let t = 0, o = start, d = 0; t < frames; t++, o += stride, d += C) for (let c = 0; c < C; c++) out[o + c] = src[d + c];
      } else {
        for (let t = 0, o = start; t < frames; t++, o += stride)
          setInto(out, gradF64 ? new Float64Array(buffer, gPtr + t * C * 8, C) : new Float32Array(buffer, gPtr + t * C * 4, C), o);
      }
    }
    return nll;
  };
}
