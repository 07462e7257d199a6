import type { Kernels } from '../kernels/types.js';
import { buffers } from './buffers.js';
import { losses } from './losses.js';
import { measures } from './measures.js';
import type { Api, Backend } from './types.js';

export type * from './types.js';

/** Binds the one API layer to a kernel set. Both entries are this call with different kernels. */
export function createApi(kernels: Kernels, backend: Backend): Api {
  return { backend, ...measures(kernels), ...losses(kernels), ...buffers(kernels) };
}
