// ORT-web (wasm backend) with more than one thread, for bench/ort/run.mjs. env.wasm.numThreads is
// read once, when the first session is created, so a second thread count needs an ORT-web of its
// own: this worker_thread. The main process sends it each size's data (a copy: onnxruntime-node
// rejects SharedArrayBuffer-backed arrays, so the main process's arrays are ordinary ones) and asks
// for one case at a time, round by round, interleaved with its own cases; it waits meanwhile, so
// the two never run at once. Timings are tinybench's, taken here, with the main process's options.
import { PerformanceObserver } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-web';
import { Bench } from 'tinybench';
import { loadSessions, ortCases } from './ort-cases.mjs';

ort.env.wasm.numThreads = workerData.threads;
const sessions = await loadSessions(ort, { executionProviders: ['wasm'] });
const gcs = [];
const windows = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([e.startTime, e.duration]);
}).observe({ entryTypes: ['gc'] });
let cases = null;
const pick = (name) => {
  const [kind, f] = name.split(':');
  const fn = cases[kind][f];
  if (!fn) throw new Error(`web-worker: no case ${name}`);
  return fn;
};
const handlers = {
  size(m) {
    cases = ortCases(ort, sessions, m.data);
    return { threads: ort.env.wasm.numThreads };
  },
  async run(m) {
    const fn = pick(m.name);
    if (m.fill !== undefined && fn.buffer) fn.buffer.fill(m.fill);
    const v = await fn();
    if (typeof v === 'number') return { value: v };
    const copy = v.slice(); // moved to the main process for its check (ORT-web may reuse v's memory)
    return { value: copy, transfer: [copy.buffer] };
  },
  async time(m) {
    const fn = pick(m.name);
    let calls = 0;
    const bench = new Bench(m.opts);
    bench.add(m.name, async () => {
      calls++;
      await fn();
    });
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    await bench.run();
    const t1 = performance.now();
    const faults = process.resourceUsage().minorPageFault - f0;
    windows.push([m.name, t0, t1]);
    const r = bench.tasks[0].result;
    if (r.error) throw r.error;
    return { mean: r.latency.mean, calls, faults };
  },
  // GC per case over the windows timed since the last call (gc entries arrive late: wait for them)
  async gc() {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const by = {};
    for (const [name, t0, t1] of windows.splice(0)) {
      by[name] ??= { gc: 0, gcMs: 0 };
      for (const [t, d] of gcs)
        if (t >= t0 && t <= t1) {
          by[name].gc++;
          by[name].gcMs += d;
        }
    }
    return { by };
  },
  async close() {
    for (const s of Object.values(sessions)) await s.release();
    return {};
  },
};
parentPort.on('message', async (m) => {
  try {
    const { transfer, ...reply } = await handlers[m.type](m);
    parentPort.postMessage({ id: m.id, ...reply }, transfer ?? []);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e?.stack ?? e) });
  }
});
parentPort.postMessage({ ready: true, versions: ort.env.versions });
