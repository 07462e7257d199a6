// A worker_threads worker: loads xentropy (its own WASM instance), computes a fixed set of
// results for the seed it is given, many times over, and posts the last.
import { parentPort, workerData } from 'node:worker_threads';
import * as x from 'xentropy';
import { compute } from './compute.mjs';

let out;
for (let i = 0; i < workerData.repeat; i++) out = compute(x, workerData.seed);
parentPort.postMessage({ backend: x.backend, out });
