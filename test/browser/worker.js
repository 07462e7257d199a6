// A module worker: counts WebAssembly compilations (count.js runs first), loads xentropy, runs the suite.
import { counter } from './count.js';
import * as wasm from 'xentropy';
import * as js from 'xentropy/js';
import { runSuite } from './suite.js';

postMessage({ wasm: runSuite(wasm), js: runSuite(js), compiled: counter.compiled });
