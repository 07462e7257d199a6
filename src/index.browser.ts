/**
 * `xentropy` for browsers and bundlers: the xentropy API computed by the WebAssembly (SIMD)
 * kernels. The module is compiled asynchronously (Chrome refuses synchronous compilation of
 * large modules on the main thread) before this module's exports can be used. Falls back to
 * the pure-TS kernels where WebAssembly or SIMD is unavailable (`backend` then says 'js').
 */
import { createApi } from './api/index.js';
import { jsKernels } from './kernels/js.js';
import { instantiateAsync, wasmKernels } from './kernels/wasm.js';

export type * from './api/types.js';

const instance = await instantiateAsync(new URL('./xentropy.wasm', import.meta.url));
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
