// The kernels of the losses with a class axis, for a layout (./options.ts): the row kernels for
// rows × classes, the column kernels (src/kernels/table.ts, module 'columns') for PyTorch's
// (N, C, d1, …, dk). Both take the row kernels' arguments, whose per-row arrays hold one value per
// item (row, or position (n, d1, …, dk)), so the API layer is written once for both.
import type { KernelArgs, Kernels } from '../kernels/types.js';
import type { Layout } from './options.js';

type ClassAxisKernels = Pick<Kernels, 'lseRows' | 'softmaxRows' | 'softTargetRows' | 'softmaxGradRows' | 'countAbove'>;

export function classAxisKernels(kernels: Kernels, L: Layout): ClassAxisKernels {
  if (L.positions === 1) return kernels;
  const strided = { rows: L.batch, positions: L.positions };
  return {
    lseRows: ({ x, classes, max, rest }: KernelArgs<'lseRows'>) => {
      kernels.lseCols({ x, classes, max, sum: rest, ...strided });
      for (let i = 0; i < L.rows; i++) rest[i] = Math.log1p(rest[i]);
    },
    softmaxRows: (a: KernelArgs<'softmaxRows'>) => kernels.softmaxCols({ ...a, ...strided }),
    softTargetRows: (a: KernelArgs<'softTargetRows'>) => kernels.softTargetCols({ ...a, ...strided }),
    softmaxGradRows: (a: KernelArgs<'softmaxGradRows'>) => kernels.softmaxGradCols({ ...a, ...strided }),
    countAbove: (a: KernelArgs<'countAbove'>) => kernels.countAboveCols({ ...a, ...strided }),
  };
}

/** The index of item r's element of class c. */
export function indexOf(L: Layout, r: number, c: number): number {
  if (L.positions === 1) return r * L.classes + c;
  const s = r % L.positions;
  return (r - s) * L.classes + c * L.positions + s;
}
