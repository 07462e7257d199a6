// Every behavioural test runs on both entries: the WASM-backed `xentropy` and the pure-TS
// `xentropy/js`. They are imported by package name, so the tests exercise the built package
// (dist/) through its exports map, exactly as a user would.
//
// `xentropy` runs inputs shorter than their kernel's crossover (48 to 256 elements, per dtype:
// src/kernels/table.ts) on the pure-TS kernels, so a third entry binds the same API to the WASM
// kernels with no crossover: small inputs reach WASM too.
import { readFileSync } from 'node:fs';
import * as wasm from 'xentropy';
import * as js from 'xentropy/js';
import { createApi } from '../dist/api/index.js';
import { instantiateSync, wasmKernels } from '../dist/kernels/wasm.js';

export type Entry = typeof js;

const instance = instantiateSync(() => readFileSync(new URL('../dist/xentropy.wasm', import.meta.url)));
if (!instance) throw new Error('the WASM module did not instantiate');
/** The WASM kernels for every input size (no crossover to the TS kernels). */
export const wasmOnly = createApi(wasmKernels(instance, 0), 'wasm') as unknown as Entry;

export const entries: [string, Entry][] = [
  ['xentropy', wasm],
  ['xentropy (WASM at every size)', wasmOnly],
  ['xentropy/js', js],
];

export { js, wasm };
