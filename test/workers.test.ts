// Concurrency: four worker_threads load xentropy at once (each gets its own WASM instance and
// scratch) and compute on their own data, repeatedly; their results equal the same computation
// done on this thread, bit for bit.
import { Worker } from 'node:worker_threads';
import { expect, test } from 'vitest';
import * as x from 'xentropy';
import { compute } from './workers/compute.mjs';

test('4 worker_threads using xentropy at once give the single-thread results', async () => {
  const seeds = [11, 22, 33, 44];
  const runs = seeds.map(
    (seed) =>
      new Promise<{ backend: string; out: unknown }>((resolve, reject) => {
        const w = new Worker(new URL('./workers/worker.mjs', import.meta.url), { workerData: { seed, repeat: 20 } });
        w.once('message', (m) => {
          resolve(m);
          void w.terminate();
        });
        w.once('error', reject);
      }),
  );
  const results = await Promise.all(runs);
  results.forEach((r, i) => {
    expect(r.backend).toBe('wasm');
    expect(r.out).toEqual(compute(x, seeds[i]));
  });
  // the seeds give different results: the comparison is not trivially equal
  expect(results[0].out).not.toEqual(results[1].out);
}, 120_000);
