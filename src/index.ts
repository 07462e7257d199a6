/**
 * `xentropy`: the xentropy API computed by the WebAssembly (SIMD) kernels, for Node, browsers,
 * workers and bundlers alike. The module (≈40 KB) is inlined and compiled synchronously at
 * import: no file read or fetch, no top-level await, no asset for a bundler to place, so both
 * `import` and `require` work in Node, and it works in any bundler output format, in module and
 * classic workers, and in dev servers. Falls back to the pure-TS kernels where WebAssembly or
 * SIMD is unavailable, or where compilation is refused (`backend` then says 'js').
 */
import { createApi } from './api/index.js';
import { WASM_BASE64 } from './generated/wasm-bytes.js';
import { tsKernels } from './kernels/ts.js';
import { instantiateSync, wasmKernels } from './kernels/wasm.js';

export type * from './api/types.js';

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

const instance = instantiateSync(() => decode(WASM_BASE64));
const api = instance ? createApi(wasmKernels(instance), 'wasm') : createApi(tsKernels, 'js');

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
