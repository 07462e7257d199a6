/**
 * Compile-time check that every AssemblyScript kernel has the parameters its descriptor gives:
 * the same names, AssemblyScript types and order, and the result ('flag' kernels return i32).
 * src/generated/kernel-params.ts is what scripts/gen-kernels.mjs read from the AssemblyScript
 * sources; where a kernel drifted, `tsc` reports `Type '"<kernel name>"' does not satisfy the
 * constraint 'true'` on the line below. Nothing here exists at run time.
 */
import type { AS_KERNELS } from '../generated/kernel-params.js';
import type { AS_TYPES, KernelName, KernelTable, Role } from './table.js';

type Declared<K extends KernelName> = (typeof AS_KERNELS)[K];

/** Each [name, role] of a descriptor as the [name, AssemblyScript type] its kernel must declare. */
type AsParams<T extends readonly (readonly [string, Role])[]> = {
  readonly [I in keyof T]: T[I] extends readonly [infer N, infer R extends Role] ? readonly [N, (typeof AS_TYPES)[R]] : never;
};

type Expected<K extends KernelName> = {
  readonly params: AsParams<KernelTable[K]['args']>;
  readonly result: KernelTable[K] extends { result: 'flag' } ? 'i32' : 'void';
};

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The names of the kernels whose AssemblyScript parameters differ from their descriptor. */
type Drifted = { [K in KernelName]: Same<Declared<K>, Expected<K>> extends true ? never : K }[KernelName];

type MustBeTrue<T extends true> = T;
export type KernelsMatchTheirDescriptors = MustBeTrue<[Drifted] extends [never] ? true : Drifted>;
