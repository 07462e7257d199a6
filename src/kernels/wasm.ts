import { jsKernels } from './js.js';
import { allocations, blocks, type Block, type Buffers } from './registry.js';
import type { FloatArray, Kernels } from './types.js';

type Ptr = number;

/** What assembly/index.ts exports. Each kernel has an F64 and an F32 variant. */
interface WasmExports {
  memory: WebAssembly.Memory;
  CHUNK: WebAssembly.Global;
  SLOTS: WebAssembly.Global;
  scratch(): Ptr;
  alloc(bytes: number): Ptr;
  free(ptr: Ptr): void;
  [kernel: string]: unknown;
}

/**
 * Compiles and instantiates the kernel module synchronously (the entry passes the inlined bytes).
 * Returns null where WebAssembly, or the SIMD it was compiled with, is unavailable.
 */
export function instantiateSync(bytes: () => BufferSource): WebAssembly.Instance | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    return new WebAssembly.Instance(new WebAssembly.Module(bytes()), {});
  } catch {
    return null;
  }
}

// Scratch slots (8·CHUNK bytes each) and what each holds during one call.
const E = [0, 1, 2]; // per-element inputs, as f32 or f64
const C = [3, 4]; // per-column inputs, f64
const R = [5, 6, 7, 8, 9, 10]; // per-row inputs, f64
const O = [11, 12]; // per-element outputs, f64
const S = [13, 14]; // per-row outputs, f64

/** One streamed kernel call: which arrays go in and out, and how to call the kernel on a block. */
interface Stream {
  rows: number;
  classes: number;
  /** Per-element inputs (slots E); the f32 kernel runs when every present one is a Float32Array. */
  elems: (FloatArray | null)[];
  cols?: (Float64Array | null)[];
  rowIn?: (Float64Array | null)[];
  outs?: (FloatArray | null)[];
  sums?: (Float64Array | null)[];
  /** How per-row outputs of the pieces of a long row combine. Default 'add'. */
  combine?: 'add' | 'lse';
  /**
   * Calls the kernel on a block of k rows of len elements starting at column `off`; `at(slot)` is
   * the slot's address, or 0 where the array for that slot is absent. Returns nonzero for "bad".
   */
  call(f: (name: string) => (...args: number[]) => number, at: (slot: number) => Ptr, k: number, len: number, off: number): number | void;
}

/**
 * dst[d …] = src[from … from + n]. A whole array goes to TypedArray.set directly (the common
 * small-input case: one block); short runs are copied element by element, since creating a
 * subarray view costs more than copying them; long runs use set on a subarray.
 */
function copy(dst: FloatArray, d: number, src: FloatArray, from: number, n: number): void {
  if (from === 0 && n === src.length) dst.set(src, d);
  else if (n <= 64) for (let j = 0; j < n; j++) dst[d + j] = src[from + j];
  else dst.set(src.subarray(from, from + n), d);
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  if (m === Infinity) return a + b; // Infinity, or NaN for ∞ + −∞ (cannot occur: both > −∞)
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/**
 * Below this many elements a call runs on the pure-TS kernels: marshaling into WASM costs more
 * than it saves. Measured (BENCHMARKS.md, "Crossover": the WASM kernels at every size against
 * the TS kernels): crossEntropy breaks even near 64 elements for f32 and 96 for f64,
 * softmaxCrossEntropy near 96 for f32 and 128 for f64, on the 2-core machine stated there.
 */
export const CROSSOVER = 96;

/** The largest block `alloc` hands out: AssemblyScript's TLSF allocator serves at most 2^30 bytes. */
const MAX_BLOCK_BYTES = 2 ** 30 - 64;

/**
 * The WASM kernel set: owns the instance's memory and streams typed arrays through a fixed
 * scratch region, CHUNK elements per slot at a time, so that memory never grows with input size.
 */
export function wasmKernels(instance: WebAssembly.Instance, crossover = CROSSOVER): Kernels {
  const ex = instance.exports as unknown as WasmExports;
  const CHUNK = ex.CHUNK.value as number;
  const SLOTS = ex.SLOTS.value as number;
  const base = ex.scratch();
  const slot = (s: number): Ptr => base + s * 8 * CHUNK;

  // The only place that (re)creates views; memory growth detaches the old ones.
  let buffer: ArrayBuffer | null = null;
  let f64 = new Float64Array(0);
  let f32 = new Float32Array(0);
  function views(): void {
    if (buffer !== ex.memory.buffer) {
      buffer = ex.memory.buffer as ArrayBuffer;
      f64 = new Float64Array(buffer);
      f32 = new Float32Array(buffer);
    }
  }

  type Fn = (...args: number[]) => number;
  const table = (suffix: string) => {
    const t: Record<string, Fn> = {};
    for (const name of Object.keys(ex)) if (name.endsWith(suffix)) t[name.slice(0, -3)] = ex[name] as Fn;
    return t;
  };
  const F64 = table('F64');
  const F32 = table('F32');
  const fnF64 = (name: string) => F64[name];
  const fnF32 = (name: string) => F32[name];
  const addr: number[] = new Array<number>(SLOTS).fill(0);

  const buffers: Buffers = {
    alloc(single, length) {
      const bytes = length * (single ? 4 : 8);
      if (bytes > MAX_BLOCK_BYTES) throw new RangeError(`${bytes} bytes is more than one block of WASM memory can hold (${MAX_BLOCK_BYTES})`);
      let ptr: number;
      try {
        ptr = ex.alloc(bytes) >>> 0;
      } catch {
        throw new RangeError(`WASM memory cannot grow by ${bytes} bytes (it is limited to 4 GiB)`);
      }
      const block: Block = { ptr, length, single, live: true };
      allocations.count++;
      const x = buffers.view(block, null as unknown as FloatArray);
      x.fill(0);
      return x;
    },
    free(block) {
      ex.free(block.ptr);
    },
    view(block, old) {
      if (old && old.buffer === ex.memory.buffer) return old;
      const buf = ex.memory.buffer;
      const x = block.single ? new Float32Array(buf, block.ptr, block.length) : new Float64Array(buf, block.ptr, block.length);
      blocks.set(x, block);
      return x;
    },
  };

  /**
   * Runs a kernel over the input in blocks that fit the scratch region: whole rows when a row
   * fits in a slot, otherwise pieces of one row whose per-row outputs are combined.
   */
  function stream(s: Stream): boolean {
    const { rows, classes, elems } = s;
    const cols = s.cols ?? [];
    const rowIn = s.rowIn ?? [];
    const outs = s.outs ?? [];
    const sums = s.sums ?? [];
    const lse = s.combine === 'lse';
    for (const o of sums) o?.fill(lse ? -Infinity : 0, 0, rows);
    if (rows === 0 || classes === 0) return true;
    let single = true;
    for (const x of elems) if (x !== null && !(x instanceof Float32Array)) single = false;
    const f = single ? fnF32 : fnF64;
    // Slot addresses: 0 for an absent array. Inputs already in WASM memory (from `alloc`, with
    // the kernel's element type) are read in place; `direct[i]` is the byte address of their
    // first element, or -1.
    addr.fill(0);
    const mark = (list: readonly (FloatArray | null)[], slots: readonly number[]) => {
      for (let i = 0; i < list.length; i++) if (list[i] !== null) addr[slots[i]] = slot(slots[i]);
    };
    mark(elems, E);
    mark(cols, C);
    mark(rowIn, R);
    mark(outs, O);
    mark(sums, S);
    views();
    const direct = [-1, -1, -1];
    for (let i = 0; i < elems.length; i++) {
      const x = elems[i];
      if (x === null || x.buffer !== buffer || x instanceof Float32Array !== single) continue;
      const b = blocks.get(x);
      if (b && b.live) direct[i] = x.byteOffset;
    }
    const at = (sl: number): Ptr => addr[sl];
    let bad = 0;
    let colsAt = -1; // the column offset whose `cols` are in scratch

    const block = (r0: number, k: number, start: number, len: number, off: number): void => {
      const n = k * len;
      elems.forEach((x, i) => {
        if (x === null) return;
        if (direct[i] >= 0) {
          addr[E[i]] = direct[i] + start * (single ? 4 : 8);
          return;
        }
        if (single) copy(f32, slot(E[i]) >>> 2, x, start, n);
        else copy(f64, slot(E[i]) >>> 3, x, start, n);
      });
      if (colsAt !== off) {
        cols.forEach((x, i) => x && copy(f64, slot(C[i]) >>> 3, x, off, len));
        colsAt = off;
      }
      rowIn.forEach((x, i) => x && copy(f64, slot(R[i]) >>> 3, x, r0, k));
      bad |= s.call(f, at, k, len, off) || 0;
      outs.forEach((x, i) => x && copy(x, start, f64, slot(O[i]) >>> 3, n));
      sums.forEach((x, i) => {
        if (!x) return;
        const o = slot(S[i]) >>> 3;
        if (lse) for (let j = 0; j < k; j++) x[r0 + j] = logAddExp(x[r0 + j], f64[o + j]);
        else for (let j = 0; j < k; j++) x[r0 + j] += f64[o + j];
      });
    };

    if (classes <= CHUNK) {
      const per = Math.floor(CHUNK / classes);
      for (let r0 = 0; r0 < rows; r0 += per) block(r0, Math.min(per, rows - r0), r0 * classes, classes, 0);
    } else {
      for (let r = 0; r < rows; r++) {
        for (let off = 0; off < classes; off += CHUNK) block(r, 1, r * classes + off, Math.min(CHUNK, classes - off), off);
      }
    }
    return bad === 0;
  }

  return {
    buffers,

    rowSums(x, rows, classes, out) {
      if (rows * classes < crossover) return jsKernels.rowSums(x, rows, classes, out);
      stream({ rows, classes, elems: [x], sums: [out], call: (f, at, k, len) => f('rowSums')(at(E[0]), k, len, at(S[0])) });
    },

    rowTerms(kind, p, q, rows, classes, sp, sq, out) {
      if (rows * classes < crossover) return jsKernels.rowTerms(kind, p, q, rows, classes, sp, sq, out);
      return stream({
        rows,
        classes,
        elems: [p, q],
        rowIn: [sp, sq],
        sums: [out],
        call: (f, at, k, len) => f('rowTerms')(kind, at(E[0]), at(E[1]), k, len, at(R[0]), at(R[1]), at(S[0])),
      });
    },

    lseRows(x, rows, classes, out) {
      if (rows * classes < crossover) return jsKernels.lseRows(x, rows, classes, out);
      stream({ rows, classes, elems: [x], sums: [out], combine: 'lse', call: (f, at, k, len) => f('lseRows')(at(E[0]), k, len, at(S[0])) });
    },

    softmaxRows(x, lse, rows, classes, log, out) {
      if (rows * classes < crossover) return jsKernels.softmaxRows(x, lse, rows, classes, log, out);
      stream({
        rows,
        classes,
        elems: [x],
        rowIn: [lse],
        outs: [out],
        call: (f, at, k, len) => f('softmaxRows')(at(E[0]), at(R[0]), k, len, log ? 1 : 0, at(O[0])),
      });
    },

    softDotRows(x, t, w, lse, b1, b0, rows, classes, loss, mass) {
      if (rows * classes < crossover) return jsKernels.softDotRows(x, t, w, lse, b1, b0, rows, classes, loss, mass);
      stream({
        rows,
        classes,
        elems: [x, t],
        cols: [w],
        rowIn: [lse, b1, b0],
        sums: [loss, mass],
        call: (f, at, k, len) =>
          f('softDotRows')(at(E[0]), at(E[1]), at(C[0]), at(R[0]), at(R[1]), at(R[2]), k, len, at(S[0]), at(S[1])),
      });
    },

    softmaxGradRows(x, lse, gm, y, gh, t, w, gb1, gb0, rows, classes, out) {
      if (rows * classes < crossover) return jsKernels.softmaxGradRows(x, lse, gm, y, gh, t, w, gb1, gb0, rows, classes, out);
      stream({
        rows,
        classes,
        elems: [x, t],
        cols: [w],
        rowIn: [lse, gm, y, gh, gb1, gb0],
        outs: [out],
        call: (f, at, k, len, off) =>
          f('softmaxGradRows')(at(E[0]), at(R[0]), at(R[1]), at(R[2]), at(R[3]), at(E[1]), at(C[0]), at(R[4]), at(R[5]), k, len, off, at(O[0])),
      });
    },

    bceRows(x, y, w, rows, classes, out, sum) {
      if (rows * classes < crossover) return jsKernels.bceRows(x, y, w, rows, classes, out, sum);
      return stream({
        rows,
        classes,
        elems: [x, y, w],
        outs: [out],
        sums: [sum],
        call: (f, at, k, len) => f('bceRows')(at(E[0]), at(E[1]), at(E[2]), k, len, at(O[0]), at(S[0])),
      });
    },

    bceLogitsRows(x, y, w, pw, rows, classes, gs, out, grad, sum) {
      if (rows * classes < crossover) return jsKernels.bceLogitsRows(x, y, w, pw, rows, classes, gs, out, grad, sum);
      stream({
        rows,
        classes,
        elems: [x, y, w],
        cols: [pw],
        outs: [out, grad],
        sums: [sum],
        call: (f, at, k, len) =>
          f('bceLogitsRows')(at(E[0]), at(E[1]), at(E[2]), at(C[0]), k, len, gs, at(O[0]), at(O[1]), at(S[0])),
      });
    },

    klDivRows(x, t, logTarget, rows, classes, out, sum) {
      if (rows * classes < crossover) return jsKernels.klDivRows(x, t, logTarget, rows, classes, out, sum);
      stream({
        rows,
        classes,
        elems: [x, t],
        outs: [out],
        sums: [sum],
        call: (f, at, k, len) => f('klDivRows')(at(E[0]), at(E[1]), logTarget ? 1 : 0, k, len, at(O[0]), at(S[0])),
      });
    },
  };
}
