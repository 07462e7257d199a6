// The work each thread does in test/workers.test.ts: every kind of kernel, on data from a seed,
// sized to take several chunks of the WASM scratch (so that threads interleave mid-computation).
export function compute(x, seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = 40_000;
  const p = Float32Array.from({ length: n }, next);
  const q = Float64Array.from({ length: n }, next);
  const logits = Float32Array.from({ length: n }, () => (next() - 0.5) * 10);
  const grad = new Float64Array(n);
  return {
    entropy: x.entropy(p, { classes: 1000, normalize: true }),
    crossEntropy: x.crossEntropy(p, q, { normalize: true }),
    klDivergence: x.klDivergence(q, Float64Array.from(p), { classes: 40, reduction: 'sum', normalize: true }),
    jsDivergence: x.jsDivergence(Float64Array.from(p), q, { classes: 20000 }),
    sce: x.softmaxCrossEntropy(
      logits,
      Int32Array.from({ length: 2 }, (_, i) => i * 7),
      { classes: 20000, grad },
    ),
    gradSum: grad.reduce((s, v) => s + Math.abs(v), 0),
    bce: x.binaryCrossEntropyWithLogits(
      logits,
      p.map((v) => (v > 0.5 ? 1 : 0)),
    ),
    lse: Array.from(x.logSumExp(logits, { classes: 400 })).slice(0, 5),
  };
}
