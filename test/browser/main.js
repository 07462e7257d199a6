// The page: runs the suite on both entries here, in a module worker and in a classic worker, and
// reports everything to the test's server.
// count.js first, as a bare import (which import sorting never moves): it wraps WebAssembly's
// compile functions before xentropy's module evaluates (ES modules evaluate in import order).
import './count.js';
import * as wasm from 'xentropy';
import * as js from 'xentropy/js';
import { counter } from './count.js';
import { report } from './report.js';
import { runSuite } from './suite.js';

function run(worker) {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
  });
}

// The same script as both kinds of worker (Vite bundles it for each; its default worker format,
// iife, is what a classic worker needs). worker.js reports which kind it found itself in.
const moduleWorker = run(new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
const classicWorker = run(new Worker(new URL('./worker.js', import.meta.url)));
const page = { wasm: runSuite(wasm), js: runSuite(js), compiled: counter.compiled };
Promise.all([moduleWorker, classicWorker]).then(
  ([module, classic]) => {
    report({
      page,
      moduleWorker: module,
      classicWorker: classic,
      userAgent: navigator.userAgent,
      float16Array: typeof Float16Array === 'function',
    });
    document.body.textContent = 'done';
  },
  (e) => report({ error: String(e) }),
);
