// Calls every exported function of an xentropy entry on fixed inputs and returns plain data
// (numbers, arrays, error messages), so that runs in each browser, worker and runtime can
// be compared value for value. Used by test/browser.test.ts (in the page, the workers and Node) and
// test/runtimes.test.ts (in Bun, Deno, Node 22 and 24 and Node 20).
export function runSuite(m) {
  const arr = (v) => (typeof v === 'number' ? v : Array.from(v));
  const p = [0.1, 0.2, 0.3, 0.4, 0.05, 0.15, 0.5, 0.3];
  const q = [0.25, 0.25, 0.25, 0.25, 0.4, 0.3, 0.2, 0.1];
  const logits = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i * 1.7) * 4);
  const big = Float64Array.from({ length: 5000 }, (_, i) => 1 + ((i * 7919) % 97));
  const out = {
    backend: m.backend,
    entropy: arr(m.entropy(p, { classes: 4, reduction: 'none' })),
    entropyBits: m.entropy(big, { normalize: true, base: 2 }),
    crossEntropy: m.crossEntropy(p, q, { classes: 4 }),
    crossEntropy32: m.crossEntropy(Float32Array.from(big), Float32Array.from(big).reverse(), { normalize: true }),
    klDivergence: arr(m.klDivergence(p, q, { classes: 4, reduction: 'none' })),
    jsDivergence: m.jsDivergence(p, q, { classes: 2, reduction: 'sum' }),
    binaryCrossEntropy: m.binaryCrossEntropy([0.9, 0.2, 0.6], [1, 0, 1]),
    binaryCrossEntropyWithLogits: m.binaryCrossEntropyWithLogits(
      logits,
      logits.map((v) => (v > 0 ? 1 : 0)),
      { posWeight: [2, 1], classes: 2 },
    ),
    sigmoidFocalLoss: m.sigmoidFocalLoss(
      logits,
      logits.map((v, i) => (i % 3 ? (v > 0 ? 1 : 0) : 0.5)),
      { alpha: 0.5, gamma: 1.5 },
    ),
    softmaxCrossEntropy: m.softmaxCrossEntropy(logits, Int32Array.from([1, 3, 5, 7]), { classes: 50, labelSmoothing: 0.1 }),
    nllLoss: m.nllLoss(m.logSoftmax(logits, { classes: 50 }), [0, 1, 2, 3], { classes: 50 }),
    klDiv: m.klDiv(
      m.logSoftmax(logits, { classes: 50 }),
      m.softmax(
        logits.map((v) => -v),
        { classes: 50 },
      ),
      { classes: 50, reduction: 'batchmean' },
    ),
    logSumExp: arr(m.logSumExp(logits, { classes: 50 })),
    logSoftmax: arr(m.logSoftmax(logits.subarray(0, 50))),
    softmax: arr(m.softmax(logits.subarray(0, 100), { classes: 50 })),
  };
  const grad = new Float64Array(200);
  m.softmaxCrossEntropy(logits, [1, 3, 5, 7], { classes: 50, grad });
  out.grad = arr(grad);
  try {
    m.entropy([0.5, -0.5]);
  } catch (e) {
    out.error = `${e.name}: ${e.message}`;
  }
  let a = m.alloc(Float32Array, 1000);
  const b = m.alloc(Float32Array, 1000);
  a = m.refresh(a);
  a.set(Float32Array.from(big.subarray(0, 1000)));
  b.set(Float32Array.from(big.subarray(1000, 2000)));
  out.zeroCopy = m.klDivergence(a, b, { normalize: true });
  m.free(a);
  m.free(b);
  out.afterError = m.entropy([0.5, 0.5]);
  // Language-model evaluation: 4 rows of 50 logits
  const targets = Int32Array.from([1, -100, 49, 7]);
  const ranks = new Int32Array(4);
  out.tokenLogProbs = arr(m.tokenLogProbs(logits, targets, { classes: 50, ranks }));
  out.ranks = arr(ranks);
  out.perplexity = m.perplexity(logits, targets, { classes: 50 });
  const acc = m.accumulator('perplexity', { classes: 50 });
  acc.update(logits.subarray(0, 100), targets.subarray(0, 2), { bytes: 9, words: 2 });
  const other = m.accumulator('perplexity', { classes: 50 }).update(logits.subarray(100), targets.subarray(2), { bytes: 11 });
  out.accumulated = acc.merge(m.restoreAccumulator(JSON.parse(JSON.stringify(other)))).compute();
  out.windows = m.slidingWindows(10, { maxLength: 4, stride: 3 }).map((w) => [w.start, w.end, w.scoreFrom]);
  // CTC: the logits above as 4 frames of one sample over 50 classes; the loss from logits with its
  // gradient, greedy decoding, and beam search on the log-probabilities
  const ctcGrad = new Float64Array(200);
  out.ctcLoss = [
    m.ctcLoss(logits, [3, 7], { classes: 50, inputLengths: [4], targetLengths: [2], fromLogits: true, grad: ctcGrad }),
    ...arr(ctcGrad),
  ];
  out.ctcGreedyDecode = m.ctcGreedyDecode(logits, { classes: 50, inputLengths: [4] }).map((p) => [arr(p.labels), arr(p.frames)]);
  out.ctcBeamSearch = m
    .ctcBeamSearch(m.logSoftmax(logits, { classes: 50 }), { classes: 50, inputLengths: [4], topPaths: 2 })
    .map((b) => b.map((p) => [arr(p.labels), p.logProb]));
  // float16: 1, 2, 0.5, −0.25 and a subnormal; and, where the runtime has Float16Array, the same
  // values through it (recorded as equal either way, so that every runtime's row compares)
  const halves = Uint16Array.from([0x3c00, 0x4000, 0x3800, 0xb400, 0x0001, 0x3c00]);
  out.float16 = arr(m.logSoftmax(m.float16(halves), { classes: 3 }));
  out.float16Native =
    typeof Float16Array !== 'function' ||
    JSON.stringify(arr(m.logSoftmax(new Float16Array(halves.buffer), { classes: 3 }))) === JSON.stringify(out.float16);
  // float16 logits at a size that reaches the WASM float16 log-sum-exp kernel (its i16x8 max pass
  // and in-register widening): a row whose max bounds every |x| (its first way), a row of negative
  // values (its second way) and a row holding −∞ (the widened fall-back)
  const rows16 = Uint16Array.from({ length: 3 * 1000 }, (_, i) => {
    const j = i % 1000;
    const bits = (((13 + (j % 4)) << 10) | ((j * 7919) % 1024)) ^ (j % 3 === 0 ? 0x8000 : 0); // ±(0.25 … 4)
    if (i < 1000) return j === 0 ? 0x4800 : bits; // 8 first
    if (i < 2000) return bits | 0x8000;
    return j === 500 ? 0xfc00 : bits;
  });
  out.float16Kernel = [
    ...arr(m.logSumExp(m.float16(rows16), { classes: 1000 })),
    ...arr(m.tokenLogProbs(m.float16(rows16), [0, 999, 500], { classes: 1000 })),
  ];
  // Scoring and calibration, on the same logits
  const top = m.topLogProbs(logits, { classes: 50, k: 3 });
  out.topLogProbs = [...arr(top.indices), ...arr(top.values)];
  const entropyGrad = new Float64Array(200);
  out.softmaxEntropy = [
    ...arr(m.softmaxEntropy(logits, { classes: 50, reduction: 'none', grad: entropyGrad })),
    ...arr(entropyGrad.subarray(0, 10)),
  ];
  const picks = [1, 3, 49, 7];
  out.continuationScore = m.continuationScore(logits, picks, { classes: 50, start: 1 });
  out.brierScore = m.brierScore(logits, picks, { classes: 50, fromLogits: true });
  out.calibrationError = m.calibrationError(logits, picks, { classes: 50, fromLogits: true, bins: 5 });
  out.reliabilityBins = arr(m.reliabilityBins(logits, picks, { classes: 50, fromLogits: true, bins: 5 }).confidence);
  out.fitTemperature = m.fitTemperature(logits, [1, 3, 5, 7], { classes: 50 });
  return out;
}
