import { bufferOf, byteOffsetOf, lengthOf, setInto, typedArrayTag, viewOf } from '../intrinsics.js';
import { addBlock, type Block, type Buffers, blocks, memoryOf, type Region, registerBuffer, removeBlock } from './buffers.js';
import { expDiff } from './exact.js';
import { Half } from './half.js';
import { type Descriptor, KERNELS, type KernelName } from './table.js';
import { tsKernels } from './ts.js';
import { tsCtc } from './ts-ctc.js';
import type { FloatArray, KernelFunctions, Kernels, WasmKernelExports } from './types.js';
import { CTC_CROSSOVER, type CtcExports, wasmCtc } from './wasm-ctc.js';

type Ptr = number;

/** What assembly/index.ts exports: memory and scratch, and every kernel of the table (./table.ts). */
interface WasmExports extends WasmKernelExports {
  memory: WebAssembly.Memory;
  CHUNK: WebAssembly.Global;
  SLOTS: WebAssembly.Global;
  scratch(): Ptr;
  alloc(bytes: number): Ptr;
  free(ptr: Ptr): void;
  widenHalf(ptr: Ptr, n: number, toF64: number): void;
}

/** A kernel's export, as the glue calls it (through `apply`, with the plan's argument array). */
type Export = (...args: number[]) => number;
/** A kernel's argument object, as the glue reads it (by the names in its descriptor). */
type Args = Record<string, unknown>;

/** Captured at load: the glue never calls a method a caller could have replaced since. */
const apply = Reflect.apply;

/** An argument of a kernel: its name, its position in the export's parameters, its slot. */
interface Placed {
  name: string;
  index: number;
  slot: number;
  role: string;
}

/** How the glue calls one kernel, derived once from its descriptor. */
interface Plan {
  argc: number;
  flag: boolean;
  whole: boolean;
  combine: 'add' | 'lse' | 'lseSum' | 'top' | 'entropy';
  /** Per-element inputs, per-column and per-row inputs, per-element and per-row outputs. */
  elems: Placed[];
  cols: Placed[];
  rowIns: Placed[];
  outs: Placed[];
  rowOuts: Placed[];
  /** Per-row outputs of k entries (rowOutK), and the position of the `k` argument (-1: none). */
  rowOutKs: Placed[];
  kAt: number;
  /** `elems` and `outs`: the arrays whose types decide the kernel's element type. */
  perElement: Placed[];
  /** Every array argument (each has its own scratch slot), and the scalar ones. */
  arrays: Placed[];
  scalars: Placed[];
  rowsAt: number;
  classesAt: number;
  offsetAt: number;
  /** A column kernel's `positions` argument (-1: a row kernel). */
  positionsAt: number;
  /** The export's arguments for the current block, and the in-place addresses of `elems`. */
  argv: number[];
  direct: number[];
}

/** The glue's plan for a kernel: every array argument gets the next scratch slot, in order. */
function planOf(name: string, d: Descriptor, slots: number): Plan {
  const placed = d.args.map(([n, role], index) => ({ name: n, index, role, slot: -1 }));
  let next = 0;
  const arrays = placed.filter((a) => /^(elem|col|row|out|rowOut|rowOutK)\??$/.test(a.role));
  for (const a of arrays) a.slot = next++;
  if (next > slots) throw new Error(`xentropy: kernel ${name} needs ${next} scratch slots; the module has ${slots}`);
  const having = (...roles: string[]) => placed.filter((a) => roles.includes(a.role));
  const at = (role: string) => placed.findIndex((a) => a.role === role);
  const elems = having('elem', 'elem?');
  const outs = having('out', 'out?');
  return {
    argc: placed.length,
    flag: d.result === 'flag',
    whole: d.whole === true,
    combine: d.combine ?? 'add',
    elems,
    cols: having('col', 'col?'),
    rowIns: having('row', 'row?'),
    outs,
    rowOuts: having('rowOut'),
    rowOutKs: having('rowOutK'),
    kAt: placed.findIndex((a) => a.name === 'k'),
    perElement: [...elems, ...outs],
    arrays,
    scalars: having('i32', 'f64', 'bool'),
    rowsAt: at('rows'),
    classesAt: at('classes'),
    offsetAt: at('offset'),
    positionsAt: at('positions'),
    argv: new Array<number>(placed.length).fill(0),
    direct: new Array<number>(elems.length).fill(-1),
  };
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

/**
 * dst[d …] = src[from … from + n], through the engine's own `set` and views (either array may be
 * a caller's subclass, whose methods are not called). A whole array is set directly (the common
 * small-input case: one block); short runs are copied element by element, since creating a view
 * costs more than copying them; long runs are set from a plain view of the run.
 */
function copy(dst: FloatArray, d: number, src: FloatArray, from: number, n: number): void {
  if (from === 0 && n === lengthOf(src)) setInto(dst, src, d);
  else if (n <= 64) for (let j = 0; j < n; j++) dst[d + j] = src[from + j];
  else setInto(dst, viewOf(src, from, n), d);
}

/**
 * Merges the log-sum-exp parts of two pieces of a row: (max, rest) of lseRows, in rowOut arrays
 * `mx` and `rest` at element r, with the piece's (m, q). The result is again a max and log1p of
 * the sum of the other terms relative to it (the piece with the smaller max contributes all of
 * its terms, its own max included: exp(m − max + q)).
 */
function mergeLse(mx: Float64Array, rest: Float64Array, r: number, m: number, q: number): void {
  let M = mx[r];
  let R = rest[r];
  // NaN in either part of either piece (a NaN element leaves the max at −∞ and the rest NaN)
  if (Number.isNaN(m + q) || Number.isNaN(M + R)) {
    mx[r] = Number.NaN;
    rest[r] = Number.NaN;
    return;
  }
  if (m > M) {
    [M, m] = [m, M];
    [R, q] = [q, R];
  }
  // M ≥ m: nothing to add from an empty (−∞) piece; a +∞ max is the result whatever the rest.
  mx[r] = M;
  rest[r] = m === -Infinity || M === Infinity ? R : Math.log1p(Math.expm1(R) + expDiff(m, M, q));
}

/**
 * mergeLse for the parts (max, sum) of a column kernel, sum = Σ others e^(x − max) before its
 * log1p: the piece with the smaller max adds all of its terms, its own max included,
 * e^(m − max)·(1 + q), formed as e + e·q (1 + q would round q's low bits away).
 */
function mergeSum(mx: Float64Array, sum: Float64Array, r: number, m: number, q: number): void {
  let M = mx[r];
  let R = sum[r];
  if (Number.isNaN(m + q) || Number.isNaN(M + R)) {
    mx[r] = Number.NaN;
    sum[r] = Number.NaN;
    return;
  }
  if (m > M) {
    [M, m] = [m, M];
    [R, q] = [q, R];
  }
  mx[r] = M;
  if (m === -Infinity || M === Infinity) sum[r] = R;
  else {
    const e = expDiff(m, M);
    sum[r] = R + (e + e * q);
  }
}

/** mergeTop's copy of the accumulated list (grown as k needs, never per call). */
let topScratch = new Float64Array(0);

/**
 * Merges the k-lists (rowOutK) of two pieces of row r: `values` descending with their `indices`
 * (k entries from r·k), and the piece's k entries in WASM memory from f64 index `o` (values) and
 * `oi` (indices). The k largest of both, in order; on equal values the earlier piece's entry (the
 * lower index) first. Empty slots (−∞, −1) sort last, as −∞.
 */
function mergeTop(values: Float64Array, indices: Float64Array, r: number, k: number, mem: Float64Array, o: number, oi: number): void {
  const a0 = r * k;
  if (indices[a0] < 0) {
    // nothing yet (a row's first piece, or a whole row): the piece's list as it is
    for (let j = 0; j < k; j++) {
      values[a0 + j] = mem[o + j];
      indices[a0 + j] = mem[oi + j];
    }
    return;
  }
  // the accumulated list, copied aside (reused scratch: no allocation per piece)
  if (topScratch.length < 2 * k) topScratch = new Float64Array(2 * k);
  const av = topScratch;
  for (let j = 0; j < k; j++) {
    av[j] = values[a0 + j];
    av[k + j] = indices[a0 + j];
  }
  let i = 0;
  let j = 0;
  for (let n = 0; n < k; n++) {
    if (i < k && av[i] >= mem[o + j]) {
      values[a0 + n] = av[i];
      indices[a0 + n] = av[k + i++];
    } else {
      values[a0 + n] = mem[o + j];
      indices[a0 + n] = mem[oi + j++];
    }
  }
}

/**
 * Merges entropyRows's parts of two pieces of a row, (max, sum, dot) at element r with the piece's
 * (m, s, t): relative to the larger max M, the smaller piece's terms scale by e = e^(m − M), its
 * max's own 1 becoming a term: sum += e·(1 + s), dot += e·(t + (m − M)·(1 + s)).
 */
function mergeEntropy(mx: Float64Array, sum: Float64Array, dot: Float64Array, r: number, m: number, s: number, t: number): void {
  let M = mx[r];
  let S = sum[r];
  let T = dot[r];
  if (Number.isNaN(m + s + t) || Number.isNaN(M + S + T) || m === Infinity || M === Infinity) {
    mx[r] = Number.NaN;
    sum[r] = Number.NaN;
    dot[r] = Number.NaN;
    return;
  }
  if (m > M) {
    [M, m] = [m, M];
    [S, s] = [s, S];
    [T, t] = [t, T];
  }
  mx[r] = M;
  if (m === -Infinity) {
    sum[r] = S;
    dot[r] = T;
    return;
  }
  const e = expDiff(m, M);
  sum[r] = S + (e + e * s);
  dot[r] = T + e * (t + (m - M) * (1 + s));
}

/**
 * Whether the f32 kernel runs: every present per-element input and output is a Float32Array. An
 * f64 output (a Float64Array of unreduced losses, a Float64Array gradient) gets the f64 kernel,
 * so that it holds what an f64 output can (−1e30·1e30 is −1e60, not an f32 overflow to −∞).
 */
function singleOf(plan: Plan, args: Args): boolean {
  for (const a of plan.perElement) {
    const x = args[a.name];
    // float16 (exact in f32) goes with either
    if (x !== null && !(x instanceof Half) && typedArrayTag(x) !== 'Float32Array') return false;
  }
  return true;
}

/**
 * The WASM kernel set: owns the instance's memory and streams typed arrays through a fixed
 * scratch region, CHUNK elements per slot at a time, so that memory never grows with input size.
 */
export function wasmKernels(instance: WebAssembly.Instance, crossover?: number): Kernels {
  const ex = instance.exports as unknown as WasmExports;
  const CHUNK = ex.CHUNK.value as number;
  const SLOTS = ex.SLOTS.value as number;
  const base = ex.scratch();
  // The bytes between slots: 8·CHUNK, except while a whole-row kernel runs on rows longer than a
  // chunk (stream sets it, and restores it).
  let stride = 8 * CHUNK;
  const slot = (s: number): Ptr => base + s * stride;

  // The only place that (re)creates views; memory growth detaches the old ones. Every buffer the
  // memory has had maps to its region, so a view of a detached one is recognised as such.
  const region: Region = { live: 0 };
  let buffer: ArrayBuffer | null = null;
  let f64 = new Float64Array(0);
  let f32 = new Float32Array(0);
  let u16 = new Uint16Array(0);
  function views(): void {
    if (buffer !== ex.memory.buffer) {
      buffer = ex.memory.buffer as ArrayBuffer;
      registerBuffer(buffer, region);
      f64 = new Float64Array(buffer);
      f32 = new Float32Array(buffer);
      u16 = new Uint16Array(buffer);
    }
  }
  views();

  const buffers: Buffers = {
    alloc(single, length) {
      const bytes = length * (single ? 4 : 8);
      let ptr: number;
      try {
        ptr = ex.alloc(bytes) >>> 0;
      } catch {
        throw new RangeError(`WASM memory cannot grow by ${bytes} bytes (it is limited to 4 GiB)`);
      }
      const block: Block = { ptr, length, single, live: true, owner: buffers };
      views();
      addBlock(region, block);
      const x = buffers.view(block, null);
      x.fill(0);
      return x;
    },
    free(block) {
      removeBlock(region, block);
      ex.free(block.ptr);
    },
    view(block, old) {
      views();
      if (old !== null && bufferOf(old) === buffer) return old;
      const x = block.single ? new Float32Array(buffer!, block.ptr, block.length) : new Float64Array(buffer!, block.ptr, block.length);
      blocks.set(x, block);
      return x;
    },
  };

  const kernels = {} as Record<KernelName, unknown>;
  for (const name of Object.keys(KERNELS) as KernelName[]) {
    const plan = planOf(name, KERNELS[name], SLOTS);
    const f64Export = (ex as unknown as Record<string, Export>)[`${name}F64`];
    const f32Export = (ex as unknown as Record<string, Export>)[`${name}F32`];
    // a kernel marked `half` reads float16 bits itself (unwidened) through its F16 export
    const f16Export = (KERNELS[name] as Descriptor).half ? (ex as unknown as Record<string, Export>)[`${name}F16`] : f32Export;
    for (const [suffix, f] of [
      ['F64', f64Export],
      ['F32', f32Export],
      ['F16', f16Export],
    ] as const) {
      if (typeof f !== 'function' || f.length !== plan.argc) {
        throw new Error(`xentropy: the WASM module's ${name}${suffix} does not match its descriptor (${plan.argc} arguments)`);
      }
    }
    const twin = tsKernels[name] as (args: Args) => boolean | void;
    // Below the crossover (the descriptor's, per dtype, unless the caller gave one) the TS twin runs.
    const [below32, below64] = crossover === undefined ? KERNELS[name].crossover : [crossover, crossover];
    const least = Math.min(below32, below64);
    // The small-call path is the first line, with no type look-ups; the rest is a separate function
    // so that V8 inlines this one into the API layer's call.
    const large = (args: Args, n: number) => {
      const single = singleOf(plan, args);
      if (n < (single ? below32 : below64)) return twin(args);
      if (plan.positionsAt >= 0) {
        const ok = streamColumns(plan, args, single, single ? f32Export : f64Export);
        return plan.flag ? ok : undefined;
      }
      // A whole f32 row longer than a chunk runs with the scratch region split among the kernel's
      // arrays, if it fits; f64 rows that long (and longer f32 rows): false, and the API layer's
      // path for pieces (for softmax, lseRows's merged pieces: the sums the accuracy tests hold).
      if (plan.whole && (args.classes as number) > CHUNK && !(single && fitsWide(plan, args.classes as number))) return false;
      // a k-list longer than a slot: the TS twin
      if (plan.kAt >= 0 && (args.k as number) > CHUNK) return twin(args);
      // a float16 input of a kernel with an F16 export: its bits copied as they are
      const raw = single && f16Export !== f32Export && args[plan.elems[0].name] instanceof Half;
      const ok = stream(plan, args, single, raw ? f16Export : single ? f32Export : f64Export, raw);
      return plan.flag ? ok : plan.whole || undefined;
    };
    kernels[name] =
      plan.positionsAt < 0
        ? (args: Args) => {
            const n = (args.rows as number) * (args.classes as number);
            return n < least ? twin(args) : large(args, n);
          }
        : (args: Args) => {
            const n = (args.rows as number) * (args.classes as number) * (args.positions as number);
            return n < least ? twin(args) : large(args, n);
          };
  }

  /**
   * Runs a kernel over the input in blocks that fit the scratch region: whole rows when a row
   * fits in a slot, otherwise pieces of one row whose per-row outputs are combined. A row longer
   * than a slot runs whole in slots widened for the call (each array a 1/arrays share of the
   * region): a whole-row kernel's always (the caller checked that it fits), and an f32 row of a
   * kernel whose pieces are merged per row (log-sum-exp parts, k-lists, entropy parts; no
   * per-element output) when it fits: one copy and one call per row, no merges. Interleaved A/B
   * at 512 × 50257: topLogProbs k = 5 6% faster, logSumExp, tokenLogProbs and softmaxEntropy
   * about 1%. f64 rows keep the pieces: their merged sums are what the f64 accuracy tests hold to
   * 4 ulp. Returns false when the kernel flagged a bad element in any block.
   */
  function stream(plan: Plan, args: Args, single: boolean, f: Export, raw: boolean): boolean {
    const classes = args.classes as number;
    const wide =
      classes > CHUNK &&
      (plan.whole || (single && plan.combine !== 'add' && plan.outs.length === 0 && plan.cols.length === 0 && fitsWide(plan, classes)));
    if (!wide) return streamRows(plan, args, single, f, false, raw);
    stride = wideStride(plan);
    try {
      return streamRows(plan, args, single, f, true, raw);
    } finally {
      stride = 8 * CHUNK;
    }
  }

  function streamRows(plan: Plan, args: Args, single: boolean, f: Export, wide: boolean, raw: boolean): boolean {
    const rows = args.rows as number;
    const classes = args.classes as number;
    const lse = plan.combine !== 'add';
    // The initial per-row values: 0 for sums; (−∞, 0), an empty row's, for log-sum-exp parts;
    // empty k-lists (−∞, −1).
    for (let i = 0; i < plan.rowOuts.length; i++)
      (args[plan.rowOuts[i].name] as Float64Array).fill(lse && i === 0 ? -Infinity : 0, 0, rows);
    const K = plan.kAt >= 0 ? (args.k as number) : 0;
    for (let i = 0; i < plan.rowOutKs.length; i++)
      (args[plan.rowOutKs[i].name] as Float64Array).fill(i === 0 ? -Infinity : -1, 0, rows * K);
    if (rows === 0 || classes === 0) return true;
    const width = single ? 4 : 8;
    prepare(plan, args, single);
    const { argv, direct } = plan;
    let bad = 0;
    let colsAt = -1; // the column offset whose per-column inputs are in scratch

    const block = (r0: number, k: number, start: number, len: number, off: number): void => {
      const n = k * len;
      for (let i = 0; i < plan.elems.length; i++) {
        const a = plan.elems[i];
        const x = args[a.name] as FloatArray | Half | null;
        if (x === null) continue;
        if (x instanceof Half) {
          // float16: the block's bits to the start of the slot, widened there by the module
          // (unless the kernel reads them as they are: `raw`)
          const at = slot(a.slot);
          if (start === 0 && n === lengthOf(x.bits)) setInto(u16, x.bits, at >>> 1);
          else setInto(u16, new Uint16Array(bufferOf(x.bits), byteOffsetOf(x.bits) + start * 2, n), at >>> 1);
          if (!raw) ex.widenHalf(at, n, single ? 0 : 1);
        } else if (direct[i] >= 0) argv[a.index] = direct[i] + start * width;
        else if (single) copy(f32, slot(a.slot) >>> 2, x, start, n);
        else copy(f64, slot(a.slot) >>> 3, x, start, n);
      }
      if (colsAt !== off) {
        for (const a of plan.cols) {
          const x = args[a.name] as Float64Array | null;
          if (x !== null) copy(f64, slot(a.slot) >>> 3, x, off, len);
        }
        colsAt = off;
      }
      for (const a of plan.rowIns) {
        const x = args[a.name] as Float64Array | null;
        if (x !== null) copy(f64, slot(a.slot) >>> 3, x, r0, k);
      }
      argv[plan.rowsAt] = k;
      argv[plan.classesAt] = len;
      if (plan.offsetAt >= 0) argv[plan.offsetAt] = off;
      bad |= (apply(f, undefined, argv) as number) || 0;
      // Per-element outputs are in the kernel's element type.
      for (const a of plan.outs) {
        const x = args[a.name] as FloatArray | null;
        if (x !== null) {
          if (single) copy(x, start, f32, slot(a.slot) >>> 2, n);
          else copy(x, start, f64, slot(a.slot) >>> 3, n);
        }
      }
      if (len === classes && (plan.whole || plan.combine === 'top' || plan.combine === 'entropy')) wholeRows(plan, args, r0, k);
      else collect(plan, args, r0, k, lse ? mergeLse : null);
    };

    if (classes <= CHUNK) {
      const per = Math.floor(CHUNK / classes);
      for (let r0 = 0; r0 < rows; r0 += per) block(r0, Math.min(per, rows - r0), r0 * classes, classes, 0);
    } else if (wide) {
      // one whole row at a time, in slots widened by stream (a row in L2 is read by the kernel's
      // passes from cache)
      for (let r = 0; r < rows; r++) block(r, 1, r * classes, classes, 0);
    } else {
      for (let r = 0; r < rows; r++) {
        for (let off = 0; off < classes; off += CHUNK) block(r, 1, r * classes + off, Math.min(CHUNK, classes - off), off);
      }
    }
    return bad === 0;
  }

  /** The slot stride that splits the scratch region among a whole-row kernel's arrays (16-byte aligned). */
  function wideStride(plan: Plan): number {
    return Math.floor((SLOTS * 8 * CHUNK) / plan.arrays.length / 16) * 16;
  }

  /** Whether an f32 row of `classes` elements fits a slot of wideStride(plan) bytes. */
  function fitsWide(plan: Plan, classes: number): boolean {
    return classes * 4 <= wideStride(plan);
  }

  /**
   * The per-call set-up both streams share: scalars and slot addresses in `argv` (0 for an absent
   * array), and `direct`: the byte address of each per-element input read in place (a live
   * `alloc` block of this memory with the kernel's element type), or -1. (The API layer has
   * rejected every other view of alloc memory.)
   */
  function prepare(plan: Plan, args: Args, single: boolean): void {
    views();
    const { argv, direct } = plan;
    for (const a of plan.scalars) argv[a.index] = a.role === 'bool' ? (args[a.name] ? 1 : 0) : (args[a.name] as number);
    for (const a of plan.arrays) argv[a.index] = args[a.name] === null ? 0 : slot(a.slot);
    for (let i = 0; i < plan.elems.length; i++) {
      direct[i] = -1;
      const x = args[plan.elems[i].name] as FloatArray | null;
      if (x === null || x instanceof Half || bufferOf(x) !== buffer || (typedArrayTag(x) === 'Float32Array') !== single) continue;
      const b = memoryOf(x);
      if (typeof b === 'object' && b.owner === buffers) direct[i] = byteOffsetOf(x);
    }
  }

  /**
   * The block's per-row (or per-position) outputs, `count` of them from scratch, into the caller's
   * arrays from index `to`: added, or for log-sum-exp parts combined pair by pair with `merge`.
   */
  /**
   * The per-row outputs of a block of whole rows of a 'top' or 'entropy' kernel, copied as they
   * are: each row is in one block only, so there is nothing to merge (its API layer reads a NaN
   * or +∞ row from the parts as they come: NaN results). One copy per array, not a merge per row
   * (which costs more than the kernel on rows of a few classes).
   */
  function wholeRows(plan: Plan, args: Args, to: number, count: number): void {
    for (const a of plan.rowOuts) copy(args[a.name] as Float64Array, to, f64, slot(a.slot) >>> 3, count);
    const k = plan.kAt >= 0 ? (args.k as number) : 0;
    for (const a of plan.rowOutKs) copy(args[a.name] as Float64Array, to * k, f64, slot(a.slot) >>> 3, count * k);
  }

  function collect(plan: Plan, args: Args, to: number, count: number, merge: typeof mergeLse | null): void {
    if (plan.combine === 'entropy') {
      const [a, b, c] = plan.rowOuts;
      const mx = args[a.name] as Float64Array;
      const sum = args[b.name] as Float64Array;
      const dot = args[c.name] as Float64Array;
      const oa = slot(a.slot) >>> 3;
      const ob = slot(b.slot) >>> 3;
      const oc = slot(c.slot) >>> 3;
      for (let j = 0; j < count; j++) mergeEntropy(mx, sum, dot, to + j, f64[oa + j], f64[ob + j], f64[oc + j]);
      return;
    }
    if (plan.combine === 'top') {
      const [v, i] = plan.rowOutKs;
      const values = args[v.name] as Float64Array;
      const indices = args[i.name] as Float64Array;
      const k = args.k as number;
      const ov = slot(v.slot) >>> 3;
      const oi = slot(i.slot) >>> 3;
      for (let j = 0; j < count; j++) mergeTop(values, indices, to + j, k, f64, ov + j * k, oi + j * k);
    }
    if (merge !== null) {
      const [a, b] = plan.rowOuts;
      const mx = args[a.name] as Float64Array;
      const rest = args[b.name] as Float64Array;
      const oa = slot(a.slot) >>> 3;
      const ob = slot(b.slot) >>> 3;
      for (let j = 0; j < count; j++) merge(mx, rest, to + j, f64[oa + j], f64[ob + j]);
      return;
    }
    for (const a of plan.rowOuts) {
      const x = args[a.name] as Float64Array;
      const o = slot(a.slot) >>> 3;
      for (let j = 0; j < count; j++) x[to + j] += f64[o + j];
    }
  }

  /**
   * Runs a column kernel (rows × classes × positions, class axis in the middle) in blocks that
   * fit the scratch region, without transposing: a block is rows [r0, r0 + k), positions
   * [s0, s0 + w) and classes [c0, c0 + cs), copied into scratch compactly as a k × cs × w array
   * (whole rows: one contiguous copy; otherwise cs runs of w elements), its per-element outputs
   * copied back the same way. Whole rows when a row (classes × positions) fits in a slot;
   * otherwise up to max(⌊CHUNK / classes⌋, 16) positions at a time, and the class axis in pieces
   * when even those do not fit, whose per-position outputs are combined as a long row's are.
   */
  function streamColumns(plan: Plan, args: Args, single: boolean, f: Export): boolean {
    const rows = args.rows as number;
    const classes = args.classes as number;
    const S = args.positions as number;
    const lse = plan.combine !== 'add';
    const merge = plan.combine === 'lseSum' ? mergeSum : mergeLse;
    for (let i = 0; i < plan.rowOuts.length; i++)
      (args[plan.rowOuts[i].name] as Float64Array).fill(lse && i === 0 ? -Infinity : 0, 0, rows * S);
    if (rows === 0 || classes === 0 || S === 0) return true;
    const width = single ? 4 : 8;
    prepare(plan, args, single);
    const { argv, direct } = plan;
    let bad = 0;
    let colsAt = -1;
    let colsLen = -1;
    const rowSize = classes * S;

    const block = (r0: number, k: number, s0: number, w: number, c0: number, cs: number): void => {
      const whole = w === S; // every position of classes [c0, c0 + cs) (of k whole rows): contiguous
      const start = r0 * rowSize + c0 * S + s0; // the block's first element
      const n = k * cs * w;
      for (let i = 0; i < plan.elems.length; i++) {
        const a = plan.elems[i];
        const x = args[a.name] as FloatArray | Half | null;
        if (x === null) continue;
        const at = slot(a.slot);
        if (x instanceof Half) {
          if (whole) setInto(u16, new Uint16Array(bufferOf(x.bits), byteOffsetOf(x.bits) + start * 2, n), at >>> 1);
          else for (let c = 0; c < cs; c++) for (let j = 0; j < w; j++) u16[(at >>> 1) + c * w + j] = x.bits[start + c * S + j];
          ex.widenHalf(at, n, single ? 0 : 1);
          argv[a.index] = at;
        } else if (whole && direct[i] >= 0) argv[a.index] = direct[i] + start * width;
        else {
          argv[a.index] = at;
          const mem = single ? f32 : f64;
          const d = at / width;
          if (whole) copy(mem, d, x, start, n);
          else for (let c = 0; c < cs; c++) copy(mem, d + c * w, x, start + c * S, w);
        }
      }
      if (colsAt !== c0 || colsLen !== cs) {
        for (const a of plan.cols) {
          const x = args[a.name] as Float64Array | null;
          if (x !== null) copy(f64, slot(a.slot) >>> 3, x, c0, cs);
        }
        colsAt = c0;
        colsLen = cs;
      }
      const q0 = r0 * S + s0; // the block's first position
      const m = k * w; // its positions (k = 1 unless w = S)
      for (const a of plan.rowIns) {
        const x = args[a.name] as Float64Array | null;
        if (x !== null) copy(f64, slot(a.slot) >>> 3, x, q0, m);
      }
      argv[plan.rowsAt] = k;
      argv[plan.classesAt] = cs;
      argv[plan.positionsAt] = w;
      if (plan.offsetAt >= 0) argv[plan.offsetAt] = c0;
      bad |= (apply(f, undefined, argv) as number) || 0;
      for (const a of plan.outs) {
        const x = args[a.name] as FloatArray | null;
        if (x === null) continue;
        const mem = single ? f32 : f64;
        const d = slot(a.slot) / width;
        if (whole) copy(x, start, mem, d, n);
        else for (let c = 0; c < cs; c++) copy(x, start + c * S, mem, d + c * w, w);
      }
      collect(plan, args, q0, m, lse ? merge : null);
    };

    if (rowSize <= CHUNK) {
      const per = Math.floor(CHUNK / rowSize);
      for (let r0 = 0; r0 < rows; r0 += per) block(r0, Math.min(per, rows - r0), 0, S, 0, classes);
      return bad === 0;
    }
    // A row does not fit. Runs of at least RUN positions with every class (a copy per run costs
    // about as much as copying RUN elements: shorter runs cost more than the kernel), else every
    // position of at least RUN classes (one contiguous copy; per-position outputs merged across
    // the pieces, which costs about as much as RUN elements per position and piece), else both split.
    const RUN = 64;
    let w = Math.floor(CHUNK / classes);
    let cp = classes;
    if (w < RUN) {
      cp = Math.floor(CHUNK / S);
      w = S;
      if (cp < RUN) {
        w = 128;
        cp = Math.floor(CHUNK / w);
      }
    }
    for (let r = 0; r < rows; r++) {
      for (let s0 = 0; s0 < S; s0 += w) {
        for (let c0 = 0; c0 < classes; c0 += cp) block(r, 1, s0, Math.min(w, S - s0), c0, Math.min(cp, classes - c0));
      }
    }
    return bad === 0;
  }

  // The CTC lattice kernel, bound by its own glue (./wasm-ctc.ts says why it is not in the table).
  const ctc = wasmCtc(
    ex as unknown as CtcExports,
    {
      buffer: () => {
        views();
        return buffer as ArrayBuffer;
      },
      owns: (b) => b.owner === buffers,
    },
    tsCtc,
    crossover ?? CTC_CROSSOVER,
  );
  return { buffers, ctc, ...(kernels as unknown as KernelFunctions) };
}
