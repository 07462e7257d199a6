import { plainBuffers } from './buffers.js';
import { decodeHalf, Half } from './half.js';
import { KERNELS, type KernelName } from './table.js';
import { tsColumnKernels } from './ts-columns.js';
import { tsCtc, tsCtcKernels } from './ts-ctc.js';
import { tsFocalKernels } from './ts-focal.js';
import { tsGradKernels } from './ts-grads.js';
import { tsLossKernels } from './ts-losses.js';
import { tsMeasureKernels } from './ts-measures.js';
import { tsScoringKernels } from './ts-scoring.js';
import type { KernelFunctions, Kernels } from './types.js';

const loops = {
  ...tsMeasureKernels,
  ...tsLossKernels,
  ...tsGradKernels,
  ...tsFocalKernels,
  ...tsColumnKernels,
  ...tsCtcKernels,
  ...tsScoringKernels,
} as unknown as Record<KernelName, (args: Record<string, unknown>) => unknown>;

/**
 * Each kernel of the table on plain typed arrays; float16 inputs (`Half`) are decoded into a
 * Float32Array first (the TS loops index their arrays; the WASM kernels widen in their scratch).
 */
function withHalf(name: KernelName) {
  const loop = loops[name];
  const elems = KERNELS[name].args.filter(([, role]) => role === 'elem' || role === 'elem?').map(([n]) => n);
  return (args: Record<string, unknown>) => {
    for (const e of elems) {
      if (args[e] instanceof Half) {
        const decoded = { ...args };
        for (const f of elems) if (decoded[f] instanceof Half) decoded[f] = decodeHalf(decoded[f] as Half);
        return loop(decoded);
      }
    }
    return loop(args);
  };
}

/** The pure-TypeScript kernel set: every kernel of the table (./table.ts), on plain typed arrays. */
export const tsKernels: Kernels = {
  buffers: plainBuffers,
  ctc: tsCtc,
  ...(Object.fromEntries((Object.keys(KERNELS) as KernelName[]).map((k) => [k, withHalf(k)])) as unknown as KernelFunctions),
};
