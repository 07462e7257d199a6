// Every behavioural test runs on both entries: the WASM-backed `xentropy` and the pure-TS
// `xentropy/js`. They are imported by package name, so the tests exercise the built package
// (dist/) through its exports map, exactly as a user would.
import * as wasm from 'xentropy';
import * as js from 'xentropy/js';

export type Entry = typeof js;

export const entries: [string, Entry][] = [
  ['xentropy', wasm],
  ['xentropy/js', js],
];

export { wasm, js };
