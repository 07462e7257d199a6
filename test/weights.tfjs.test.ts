// TF.js parity (issue 19): TensorFlow.js itself (the @tensorflow/tfjs-core devDependency, on its
// CPU backend) computes the expected values of its own losses and reductions here, in the test:
// tf.losses.softmaxCrossEntropy and sigmoidCrossEntropy with [N] weights, label smoothing and each
// Reduction, and tf.losses.computeWeightedLoss over our unweighted per-row losses (nllLoss, klDiv,
// binaryCrossEntropy). A TF.js user's code ports with sampleWeight = weights and reduction =
// the Reduction's name (SUM_BY_NONZERO_WEIGHTS: 'sumByNonzeroWeights').
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { entries } from './entries.js';
import { rng } from './helpers.js';

const REDUCTIONS = [
  [tf.Reduction.NONE, 'none'],
  [tf.Reduction.SUM, 'sum'],
  [tf.Reduction.MEAN, 'mean'],
  [tf.Reduction.SUM_BY_NONZERO_WEIGHTS, 'sumByNonzeroWeights'],
] as const;

// TF.js computes in float32 (its CPU backend has no float64): each of its losses is a few f32
// roundings of terms of size |loss| + |logit| (log-sum-exp, the one-hot product, the weight
// product, the mean's division), each 2^-24 relative; 2^-18 (64 of them) relative to the sum of
// |terms| over the values reduced covers it with room, and is 1e4 times the f64 side's error.
const TF32 = 2 ** -18;

const N = 6;
const C = 5;
const next = rng(19);
// values exact in f32 (TF.js rounds its inputs to f32: both sides then see the same numbers)
const grid = (lo: number, hi: number) => Math.fround(lo + Math.floor(next() * (hi - lo) * 64) / 64);
const logits = Float64Array.from({ length: N * C }, () => grid(-4, 4));
const labels = Int32Array.from({ length: N }, () => Math.floor(next() * C));
const binary = Float64Array.from({ length: N * C }, () => (next() < 0.5 ? 0 : 1));
const sampleWeight = Float64Array.from([1, 0, 2.5, 0.5, 1.25, 0]);
const onehot = Float64Array.from({ length: N * C }, (_, i) => (labels[Math.floor(i / C)] === i % C ? 1 : 0));

function tfValue(t: tf.Tensor): number | Float64Array {
  const v = Float64Array.from(t.dataSync());
  return t.rank === 0 ? v[0] : v;
}

function expectClose(label: string, got: number | Float64Array, want: number | Float64Array, scale: number) {
  const g = typeof got === 'number' ? [got] : Array.from(got);
  const w = typeof want === 'number' ? [want] : Array.from(want);
  expect(g.length, label).toBe(w.length);
  w.forEach((v, i) => {
    if (!(Math.abs(g[i] - v) <= TF32 * (scale + Math.abs(v)))) expect.fail(`${label}[${i}]: got ${g[i]}, TF.js ${v}`);
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(entries)('%s against TensorFlow.js', (_, m) => {
  for (const [R, reduction] of REDUCTIONS) {
    for (const eps of [0, 0.1]) {
      test(`softmaxCrossEntropy, ${reduction}, labelSmoothing ${eps}: class indices in every width and one-hot probabilities`, () => {
        const want = tfValue(
          tf.losses.softmaxCrossEntropy(
            tf.tensor2d(Array.from(onehot), [N, C]),
            tf.tensor2d(Array.from(logits), [N, C]),
            tf.tensor1d(Array.from(sampleWeight)),
            eps,
            R,
          ),
        );
        const none = m.softmaxCrossEntropy(logits, labels, { classes: C, labelSmoothing: eps, reduction: 'none' }) as Float64Array;
        const scale = none.reduce((a, v) => a + Math.abs(v), 0);
        for (const target of [labels, Uint8Array.from(labels), Uint16Array.from(labels), BigInt64Array.from(labels, BigInt), onehot]) {
          const got = m.softmaxCrossEntropy(logits, target, { classes: C, sampleWeight, labelSmoothing: eps, reduction });
          expectClose(reduction, got, want, scale);
        }
        // without weights: TF.js's SUM_BY_NONZERO_WEIGHTS divides by the number of losses
        const plain = tfValue(
          tf.losses.softmaxCrossEntropy(
            tf.tensor2d(Array.from(onehot), [N, C]),
            tf.tensor2d(Array.from(logits), [N, C]),
            undefined,
            eps,
            R,
          ),
        );
        expectClose(
          `${reduction} unweighted`,
          m.softmaxCrossEntropy(logits, labels, { classes: C, labelSmoothing: eps, reduction }),
          plain,
          scale,
        );
      });

      test(`sigmoidCrossEntropy as binaryCrossEntropyWithLogits, ${reduction}, labelSmoothing ${eps}, [N, 1] weights`, () => {
        const want = tfValue(
          tf.losses.sigmoidCrossEntropy(
            tf.tensor2d(Array.from(binary), [N, C]),
            tf.tensor2d(Array.from(logits), [N, C]),
            tf.tensor2d(Array.from(sampleWeight), [N, 1]),
            eps,
            R,
          ),
        );
        const got = m.binaryCrossEntropyWithLogits(logits, binary, { classes: C, sampleWeight, labelSmoothing: eps, reduction });
        const none = m.binaryCrossEntropyWithLogits(logits, binary, { classes: C, labelSmoothing: eps, reduction: 'none' }) as Float64Array;
        expectClose(
          reduction,
          got,
          want,
          none.reduce((a, v) => a + Math.abs(v), 0),
        );
      });
    }

    test(`computeWeightedLoss (${reduction}) of nllLoss, klDiv and binaryCrossEntropy's losses`, () => {
      const logProbs = m.logSoftmax(logits, { classes: C }) as Float64Array;
      const probs = Float64Array.from(logits, (v) => 1 / (1 + Math.exp(-v)));
      const q = m.softmax(
        logits.map((v) => -v),
        { classes: C },
      ) as Float64Array;
      const cases = [
        // per-row losses, [N] weights
        [
          'nllLoss',
          m.nllLoss(logProbs, labels, { classes: C, reduction: 'none' }),
          [N],
          (o: object) => m.nllLoss(logProbs, labels, o as never),
        ],
        // per-element losses, [N, 1] weights broadcast over the row
        ['klDiv', m.klDiv(logProbs, q, { classes: C, reduction: 'none' }), [N, 1], (o: object) => m.klDiv(logProbs, q, o as never)],
        [
          'binaryCrossEntropy',
          m.binaryCrossEntropy(probs, binary, { reduction: 'none' }),
          [N, 1],
          (o: object) => m.binaryCrossEntropy(probs, binary, o as never),
        ],
      ] as const;
      for (const [fn, losses, wShape, call] of cases) {
        const lossShape = losses.length === N ? [N] : [N, C];
        const want = tfValue(
          tf.losses.computeWeightedLoss(
            tf.tensor(Array.from(losses as Float64Array), lossShape),
            tf.tensor(Array.from(sampleWeight), [...wShape]),
            R,
          ),
        );
        const got = call({ classes: C, sampleWeight, reduction });
        expectClose(
          `${fn} ${reduction}`,
          got as number | Float64Array,
          want,
          (losses as Float64Array).reduce((a, v) => a + Math.abs(v), 0),
        );
      }
    });
  }
});
