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

// Language-model evaluation: 10^6 tokens of a 50257 vocabulary through a perplexity accumulator,
// one batch of 512 tokens at a time (one logits buffer, refilled in part per batch, as a model's
// output buffer would be), float32 and float16. `npm run memory -- --lm-tokens N` for fewer.
const at = process.argv.indexOf('--lm-tokens');
const TOKENS = at > 0 ? Number(process.argv[at + 1]) : 1e6;
const V = 50257;
const B = 512;
const lmLogits = new Float32Array(B * V);
for (let i = 0; i < lmLogits.length; i++) lmLogits[i] = Math.sin(i * 0.37) * 4;
const lmHalf = x.float16(new Uint16Array(B * V).fill(0x3c00));
const targets = new Int32Array(B);
for (const [label, input] of [
  ['f32', lmLogits],
  ['float16', lmHalf],
]) {
  const acc = x.accumulator('perplexity', { classes: V });
  show(`LM ${label}: before, ${B} × ${V} logits allocated`, read());
  const t0 = performance.now();
  for (let done = 0, batch = 0; done < TOKENS; done += B, batch++) {
    if (label === 'f32') for (let r = 0; r < B; r++) lmLogits[r * V + (batch % V)] += 1; // new data each batch
    for (let r = 0; r < B; r++) targets[r] = (batch * 7 + r * 13) % V;
    acc.update(input, targets, { bytes: 4 * B });
    if ((batch + 1) % Math.ceil(TOKENS / B / 4) === 0) show(`LM ${label}: after ${Math.min(done + B, TOKENS)} tokens`, read());
  }
  const r = acc.compute();
  console.log(
    `LM ${label}: ${r.tokens} tokens in ${((performance.now() - t0) / 1000).toFixed(1)} s, perplexity ${r.perplexity.toFixed(3)}, state ${JSON.stringify(acc).length} bytes of JSON`,
  );
}
