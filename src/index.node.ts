/**
 * `xentropy` for Node: the xentropy API computed by the WebAssembly (SIMD) kernels, compiled
 * synchronously at import so that both `import` and `require` work. Falls back to the pure-TS
 * kernels where WebAssembly or SIMD is unavailable (`backend` then says 'js').
 */
import { readFileSync } from 'node:fs';
import { createApi } from './api/index.js';
import { jsKernels } from './kernels/js.js';
import { instantiateSync, wasmKernels } from './kernels/wasm.js';

export type * from './api/types.js';

const instance = instantiateSync(() => readFileSync(new URL('./xentropy.wasm', import.meta.url)));
const api = instance ? createApi(wasmKernels(instance), 'wasm') : createApi(jsKernels, 'js');

export const {
  backend,
  entropy,
  crossEntropy,
  klDivergence,
  jsDivergence,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  softmaxCrossEntropy,
  nllLoss,
  klDiv,
  logSumExp,
  logSoftmax,
  softmax,
  alloc,
  free,
  refresh,
} = api;
