// A worker, started both as a module and as a classic worker by main.js: counts WebAssembly
// compilations (count.js runs first: a bare import, see main.js), loads xentropy, runs the suite.
import './count.js';
import * as wasm from 'xentropy';
import * as js from 'xentropy/js';
import { counter } from './count.js';
import { runSuite } from './suite.js';

// importScripts loads an (empty) script in a classic worker and throws in a module worker.
let kind = 'classic';
try {
  importScripts('data:text/javascript,');
} catch {
  kind = 'module';
}
postMessage({ kind, wasm: runSuite(wasm), js: runSuite(js), compiled: counter.compiled });
