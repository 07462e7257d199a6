import type { Buffers } from './buffers.js';
import type { Half } from './half.js';
import type { KernelName, KernelTable, Role } from './table.js';
import type { CtcKernel } from './ts-ctc.js';

/** A float array a kernel reads or writes. The API layer turns `number[]` into a Float64Array. */
export type FloatArray = Float64Array | Float32Array;

/** Which elementwise term a row sum adds up; the numbering is shared with assembly/measures.ts. */
export const Kind = {
  /** −p·log p */
  Entropy: 0,
  /** −p·log q */
  Cross: 1,
  /** p·log(p/q) */
  KL: 2,
  /** ½·(p·log(p/m) + q·log(q/m)), m = (p+q)/2 */
  JensenShannon: 3,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/**
 * The TS type of an argument of each role (./table.ts); `offset` is the WASM glue's alone. `E`:
 * what a per-element input may be (float16 `Half` for a kernel set; the TS loops see decoded arrays).
 */
interface RoleTypes<E> {
  elem: E;
  'elem?': E | null;
  col: Float64Array;
  'col?': Float64Array | null;
  row: Float64Array;
  'row?': Float64Array | null;
  out: FloatArray;
  'out?': FloatArray | null;
  rowOut: Float64Array;
  rowOutK: Float64Array;
  rows: number;
  classes: number;
  positions: number;
  i32: number;
  f64: number;
  bool: boolean;
}

type Arg<K extends KernelName> = KernelTable[K]['args'][number];

/** The argument object of kernel K, derived from its descriptor: names and types. */
export type KernelArgs<K extends KernelName, E = FloatArray | Half> = {
  [A in Arg<K> as A[1] extends keyof RoleTypes<E> ? A[0] : never]: A[1] extends keyof RoleTypes<E> ? RoleTypes<E>[A[1]] : never;
};

/**
 * A flagging kernel returns false when it met a bad element (the API layer then names it); a
 * `whole` kernel returns false when it did not run (a row longer than the WASM glue's chunk).
 */
export type KernelResult<K extends KernelName> = KernelTable[K] extends { result: 'flag' } | { whole: true } ? boolean : void;

/** One function per kernel of the table. */
export type KernelFunctions = { [K in KernelName]: (args: KernelArgs<K>) => KernelResult<K> };

/** The TS loops (./ts-measures.ts, ./ts-losses.ts): the same, on float arrays only (float16 decoded by ./ts.ts). */
export type LoopFunctions = { [K in KernelName]: (args: KernelArgs<K, FloatArray>) => KernelResult<K> };

/**
 * Arithmetic only: no option checks, no error messages. Both kernel sets (pure TS and WASM)
 * implement this interface and agree to rounding. Data are `rows × classes`, row-major;
 * "per row" arrays have `rows` f64 entries, "per column" arrays `classes`. Absent is null.
 */
export interface Kernels extends KernelFunctions {
  /** Arrays the kernels read in place (zero-copy): WASM memory for the WASM kernels. */
  buffers: Buffers;
  /** The CTC lattice kernel, one sample a call (./ts-ctc.ts, assembly/ctc.ts): not in the table (see ./wasm-ctc.ts). */
  ctc: CtcKernel;
}

type Numbers<T extends readonly unknown[]> = { [I in keyof T]: number };

/** The two WASM exports of every kernel: one number per descriptor argument, in its order. */
export type WasmKernelExports = {
  // Extract<…>: TypeScript 5.0 takes a mapped tuple as a rest parameter only where it is visibly an array
  [K in KernelName as `${K}F64` | `${K}F32`]: (...args: Extract<Numbers<KernelTable[K]['args']>, readonly number[]>) => number;
};

/** Roles whose argument is an array (a scratch slot in the WASM glue). */
export type ArrayRole = Exclude<Role, 'rows' | 'classes' | 'positions' | 'offset' | 'i32' | 'f64' | 'bool'>;
