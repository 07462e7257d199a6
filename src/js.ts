/**
 * `xentropy/js`: the xentropy API computed in pure TypeScript, with no WebAssembly at all.
 * Same exports and types as `xentropy`.
 */
import { createApi } from './api/index.js';
import { tsKernels } from './kernels/ts.js';

export type * from './api/types.js';

const api = createApi(tsKernels, 'js');

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
