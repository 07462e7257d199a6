// `npm start`: the library on example distributions, and WASM against pure TS on 1M elements.
import * as x from 'xentropy';
import * as js from 'xentropy/js';

const fmt = (v) => v.toFixed(6).padStart(10);
const p = [0.36, 0.48, 0.16]; // e.g. observed class frequencies
const q = [0.333, 0.333, 0.334]; // a near-uniform model

console.log(`xentropy — backend of 'xentropy': ${x.backend}; of 'xentropy/js': ${js.backend}\n`);
console.log(`p = [${p}]`);
console.log(`q = [${q}]\n`);

const H = x.entropy(p);
const Hpq = x.crossEntropy(p, q);
const KLpq = x.klDivergence(p, q);
const KLqp = x.klDivergence(q, p);
const JS = x.jsDivergence(p, q);
console.log(`H(p)      = ${fmt(H)} nats   = ${fmt(x.entropy(p, { base: 2 }))} bits`);
console.log(`H(p,q)    = ${fmt(Hpq)} nats`);
console.log(`KL(p‖q)   = ${fmt(KLpq)} nats`);
console.log(`KL(q‖p)   = ${fmt(KLqp)} nats   (≠ KL(p‖q): KL is not symmetric)`);
console.log(`JS(p,q)   = ${fmt(JS)} nats   (symmetric: JS(q,p) = ${x.jsDivergence(q, p).toFixed(6)}; ≤ ln 2 = 0.693147)`);
console.log(`H(p) + KL(p‖q) = ${fmt(H + KLpq)} = H(p,q) (difference ${(Hpq - H - KLpq).toExponential(1)})\n`);

// Batched rows: 3 distributions over 4 outcomes, one value per row.
const rowsP = [0.25, 0.25, 0.25, 0.25, 0.7, 0.1, 0.1, 0.1, 1, 0, 0, 0];
const perRow = x.entropy(rowsP, { classes: 4, reduction: 'none', base: 2 });
console.log(`entropy of 3 rows × 4 classes, in bits: [${Array.from(perRow, (v) => v.toFixed(4)).join(', ')}]\n`);

// Losses, PyTorch's semantics: the logistic loss is the two-class cross entropy.
const yhat = 0.8;
const y = 1;
console.log(`binaryCrossEntropy(ŷ=${yhat}, y=${y})        = ${fmt(x.binaryCrossEntropy([yhat], [y]))}`);
console.log(`crossEntropy([y, 1−y], [ŷ, 1−ŷ])       = ${fmt(x.crossEntropy([y, 1 - y], [yhat, 1 - yhat]))}`);
const logits = new Float32Array([2, 0.5, -1, 0.1, 0.2, 3]);
const grad = new Float32Array(6);
const ce = x.softmaxCrossEntropy(logits, [0, 2], { classes: 3, grad });
console.log(`softmaxCrossEntropy(2 × 3 logits, [0, 2]) = ${fmt(ce)}; ∂/∂logits = [${Array.from(grad, (v) => v.toFixed(4)).join(', ')}]\n`);

// Language-model evaluation: logits for 4 positions over a 5-token vocabulary (as transformers.js
// returns them, [batch, sequence, vocabulary]); the logits at position i predict token i + 1.
const ids = [2, 0, 3, 3, 1];
const lmLogits = new Float32Array([1.5, 0.2, 2.9, -1, 0.1, 3.1, 0.4, -0.5, 1.2, 0, -2, 1, 0.3, 2.2, -0.7, 0.5, 2.8, 1.1, 1.9, -3]);
const ranks = new Int32Array(4);
const lp = x.tokenLogProbs(lmLogits, ids.slice(1), { classes: 5, ranks });
console.log(`token log-probs of ${ids.slice(1)}: [${Array.from(lp, (v) => v.toFixed(4)).join(', ')}], ranks [${ranks}]`);
console.log(`perplexity = ${fmt(x.perplexity(lmLogits, ids.slice(1), { classes: 5 }))} (exp of the mean NLL)\n`);

// Timing: crossEntropy on 1M elements, WASM entry against the pure-TS entry, in the same run.
const N = 1_000_000;
let seed = 12345;
const rand = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
for (const Arr of [Float32Array, Float64Array]) {
  const a = new Arr(N);
  const b = new Arr(N);
  for (let i = 0; i < N; i++) {
    a[i] = rand();
    b[i] = rand() + 1e-3;
  }
  const time = (m) => {
    for (let i = 0; i < 3; i++) m.crossEntropy(a, b); // warm up
    const runs = [];
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      m.crossEntropy(a, b);
      runs.push(performance.now() - t);
    }
    return runs.sort((u, v) => u - v)[runs.length >> 1]; // median
  };
  const tw = time(x);
  const tj = time(js);
  const same = Math.abs(x.crossEntropy(a, b) - js.crossEntropy(a, b)) / Math.abs(js.crossEntropy(a, b));
  console.log(
    `crossEntropy on 1M ${Arr.name.replace('Array', '')}: wasm ${tw.toFixed(2)} ms, js ${tj.toFixed(2)} ms → wasm is ${(tj / tw).toFixed(1)}× faster (results agree to ${same.toExponential(1)} relative)`,
  );
}
