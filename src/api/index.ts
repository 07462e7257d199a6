import type { Kernels } from '../kernels/types.js';
import { accumulators } from './accumulators.js';
import { float16 } from './arrays.js';
import { buffers } from './buffers.js';
import { ctc } from './ctc.js';
import { focal } from './focal.js';
import { lm } from './lm.js';
import { losses } from './losses.js';
import { measures } from './measures.js';
import { scoring } from './scoring.js';
import type { Api, Backend } from './types.js';

export type * from './types.js';

/** Binds the one API layer to a kernel set. Both entries are this call with different kernels. */
export function createApi(kernels: Kernels, backend: Backend): Api {
  const { _binInto, ...scores } = scoring(kernels);
  const functions = { ...measures(kernels), ...losses(kernels), ...focal(kernels), ...lm(kernels), ...ctc(kernels), ...scores };
  return { backend, ...functions, ...accumulators(functions, _binInto), float16, ...buffers(kernels) };
}
