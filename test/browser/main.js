// count.js first: it wraps WebAssembly's compile functions before xentropy's module evaluates
// (ES modules evaluate depth-first in import order).
import { counter } from './count.js';
import * as wasm from 'xentropy';
import * as js from 'xentropy/js';
import { runSuite } from './suite.js';

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const fromWorker = new Promise((resolve, reject) => {
  worker.onmessage = (e) => resolve(e.data);
  worker.onerror = (e) => reject(new Error(e.message));
});
window.results = { page: { wasm: runSuite(wasm), js: runSuite(js), compiled: counter.compiled } };
window.results.worker = await fromWorker;
document.body.textContent = 'done';
