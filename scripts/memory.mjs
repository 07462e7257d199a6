// Prints what memory does under load (the figures behind test/memory.test.ts):
// WASM memory and process RSS before and after 10^6 mixed calls, and around one crossEntropy on
// a 2^26-element f32 pair.   npm run memory   (node --expose-gc: collects before each reading)
import * as x from 'xentropy';

const MiB = 2 ** 20;
const probe = x.alloc(Float32Array, 1);
const gc = globalThis.gc ?? (() => {});
const read = () => {
  gc();
  return { wasm: x.refresh(probe).buffer.byteLength / MiB, rss: process.memoryUsage().rss / MiB };
};
const show = (label, r) => console.log(`${label.padEnd(44)} WASM ${r.wasm.toFixed(1)} MiB   RSS ${r.rss.toFixed(1)} MiB`);

const p = new Float64Array([0.1, 0.2, 0.3, 0.4]);
const logits = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i));
const grad = new Float64Array(300);
const calls = [
  () => x.entropy(p),
  () => x.crossEntropy(p, p, { normalize: true }),
  () => x.softmaxCrossEntropy(logits, [1, 5, 7], { classes: 100, grad }),
  () => x.logSumExp(logits, { classes: 100 }),
  () => x.binaryCrossEntropyWithLogits(logits, logits),
  () => x.softmax(logits, { classes: 100, out: grad }),
];
show('start', read());
for (let i = 0; i < 1e5; i++) calls[i % calls.length]();
show('after 10^5 mixed calls (warm-up)', read());
for (let round = 1; round <= 5; round++) {
  for (let i = 0; i < 2e5; i++) calls[i % calls.length]();
  show(`after ${round * 2}·10^5 more mixed calls`, read());
}
const n = 2 ** 26;
const a = new Float32Array(n).fill(0.5);
const b = new Float32Array(n).fill(0.25);
show('with a 2^26-element f32 pair allocated', read());
x.crossEntropy(a, b);
show('after crossEntropy on it', read());
