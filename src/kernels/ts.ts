import { plainBuffers } from './buffers.js';
import { tsLossKernels } from './ts-losses.js';
import { tsMeasureKernels } from './ts-measures.js';
import type { Kernels } from './types.js';

/** The pure-TypeScript kernel set: every kernel of the table (./table.ts), on plain typed arrays. */
export const tsKernels: Kernels = {
  buffers: plainBuffers,
  ...tsMeasureKernels,
  ...tsLossKernels,
};
