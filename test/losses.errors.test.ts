// Bad input to the losses: a clear error naming the argument (and index), on both entries,
// each followed by a correct call; inputs are never modified.
import { describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';

type Call = (m: Entry) => unknown;
const logits = new Float64Array([1, 2, 3, 0.5, -1, 2]); // 2 rows × 3 classes

const cases: [string, Call, ErrorConstructor, RegExp][] = [
  [
    'bce: lengths differ',
    (m) => m.binaryCrossEntropy([0.5, 0.5], [1]),
    RangeError,
    /binaryCrossEntropy: "input" and "target" must have the same length; got 2 and 1/,
  ],
  [
    'bce: input above 1',
    (m) => m.binaryCrossEntropy([0.5, 1.5], [1, 0]),
    RangeError,
    /binaryCrossEntropy: "input"\[1\] must be a probability in \[0, 1\]; got 1.5/,
  ],
  [
    'bce: input negative, f32',
    (m) => m.binaryCrossEntropy(new Float32Array([-0.25]), new Float32Array([1])),
    RangeError,
    /"input"\[0\] must be a probability in \[0, 1\]; got -0.25/,
  ],
  [
    'bce: input NaN',
    (m) => m.binaryCrossEntropy([0.5, 0.5, NaN], [1, 0, 1]),
    RangeError,
    /"input"\[2\] must be a probability in \[0, 1\]; got NaN/,
  ],
  [
    'bce: weight length',
    (m) => m.binaryCrossEntropy([0.5, 0.5], [1, 0], { weight: [1] }),
    RangeError,
    /option "weight" must have the input's length \(2\); got length 1/,
  ],
  [
    'bce: unknown reduction',
    (m) => m.binaryCrossEntropy([0.5], [1], { reduction: 'batchmean' as never }),
    RangeError,
    /option "reduction" must be one of 'mean', 'sum', 'none', 'sumByNonzeroWeights'; got "batchmean"/,
  ],
  [
    'bce logits: lengths differ',
    (m) => m.binaryCrossEntropyWithLogits([1, 2, 3], [1, 0]),
    RangeError,
    /binaryCrossEntropyWithLogits: "input" and "target" must have the same length; got 3 and 2/,
  ],
  [
    'bce logits: posWeight length',
    (m) => m.binaryCrossEntropyWithLogits([1, 2, 3, 4], [1, 0, 1, 0], { posWeight: [1, 2, 3] }),
    RangeError,
    /option "posWeight" must have one weight per class, a length that divides the input's length 4; got length 3/,
  ],
  [
    'bce logits: posWeight vs classes',
    (m) => m.binaryCrossEntropyWithLogits([1, 2, 3, 4], [1, 0, 1, 0], { posWeight: [1, 2, 3], classes: 2 }),
    RangeError,
    /option "posWeight" must have one weight per class \(2\); got length 3/,
  ],
  [
    'bce logits: grad length',
    (m) => m.binaryCrossEntropyWithLogits([1, 2], [1, 0], { grad: new Float64Array(3) }),
    RangeError,
    /option "grad" must have the input's length 2; got length 3/,
  ],
  [
    'bce logits: grad not a float array',
    (m) => m.binaryCrossEntropyWithLogits([1, 2], [1, 0], { grad: [0, 0] as never }),
    TypeError,
    /option "grad" must be a Float64Array or Float32Array; got an array of length 2/,
  ],
  [
    'bce logits: grad aliases input',
    (m) => {
      const x = new Float64Array([1, 2]);
      return m.binaryCrossEntropyWithLogits(x, [1, 0], { grad: x });
    },
    RangeError,
    /option "grad" shares memory with "input"/,
  ],
  [
    'ce: classes missing',
    (m) => m.softmaxCrossEntropy(logits, [0, 1], {} as never),
    TypeError,
    /softmaxCrossEntropy: option "classes" is required/,
  ],
  [
    'ce: classes does not divide',
    (m) => m.softmaxCrossEntropy(logits, [0, 1], { classes: 4 }),
    RangeError,
    /option "classes" must be a positive integer that divides the length 6; got 4/,
  ],
  [
    'ce: index out of range',
    (m) => m.softmaxCrossEntropy(logits, [0, 3], { classes: 3 }),
    RangeError,
    /softmaxCrossEntropy: "target"\[1\] must be a class index in \[0, 3\) or ignoreIndex \(-100\); got 3/,
  ],
  [
    'ce: negative index',
    (m) => m.softmaxCrossEntropy(logits, new Int32Array([-1, 0]), { classes: 3 }),
    RangeError,
    /"target"\[0\] must be a class index in \[0, 3\) or ignoreIndex \(-100\); got -1/,
  ],
  [
    'ce: fractional index',
    (m) => m.softmaxCrossEntropy(logits, [0.5, 1], { classes: 3 }),
    RangeError,
    /"target"\[0\] must be a class index .*; got 0.5/,
  ],
  [
    'ce: target count fits neither',
    (m) => m.softmaxCrossEntropy(logits, [0, 1, 2], { classes: 3 }),
    RangeError,
    /"target" must hold one class index per row \(2\) or one probability per logit \(6\); got length 3/,
  ],
  [
    'ce: target not an array',
    (m) => m.softmaxCrossEntropy(logits, 'ab' as never, { classes: 3 }),
    TypeError,
    /"target" must be class indices .* or probabilities .*; got "ab"/,
  ],
  [
    'ce: int target of probability length',
    (m) => m.softmaxCrossEntropy(logits, new Int32Array(6), { classes: 3 }),
    TypeError,
    /"target" of length 6 would be probabilities/,
  ],
  [
    'ce: labelSmoothing above 1',
    (m) => m.softmaxCrossEntropy(logits, [0, 1], { classes: 3, labelSmoothing: 1.5 }),
    RangeError,
    /option "labelSmoothing" must be a number in \[0, 1\]; got 1.5/,
  ],
  [
    'ce: labelSmoothing NaN',
    (m) => m.softmaxCrossEntropy(logits, [0, 1], { classes: 3, labelSmoothing: NaN }),
    RangeError,
    /option "labelSmoothing" must be a number in \[0, 1\]; got NaN/,
  ],
  [
    'ce: weight length',
    (m) => m.softmaxCrossEntropy(logits, [0, 1], { classes: 3, weight: [1, 1] }),
    RangeError,
    /option "weight" must have one weight per class \(3\); got length 2/,
  ],
  [
    'ce: grad length',
    (m) => m.softmaxCrossEntropy(logits, [0, 1], { classes: 3, grad: new Float32Array(5) }),
    RangeError,
    /option "grad" must have the input's length 6; got length 5/,
  ],
  [
    'ce: grad aliases logits',
    (m) => m.softmaxCrossEntropy(logits, [0, 1], { classes: 3, grad: logits.subarray(0) }),
    RangeError,
    /option "grad" shares memory with "logits"/,
  ],
  [
    'ce: ignoreIndex not an integer',
    (m) => m.softmaxCrossEntropy(logits, [0, 1], { classes: 3, ignoreIndex: 0.5 }),
    RangeError,
    /option "ignoreIndex" must be an integer; got 0.5/,
  ],
  [
    'ce: unknown option',
    (m) => m.softmaxCrossEntropy(logits, [0, 1], { classes: 3, label_smoothing: 0.1 } as never),
    TypeError,
    /unknown option "label_smoothing"/,
  ],
  [
    'nll: index out of range',
    (m) => m.nllLoss(logits, [0, 7], { classes: 3 }),
    RangeError,
    /nllLoss: "target"\[1\] must be a class index in \[0, 3\) or ignoreIndex \(-100\); got 7/,
  ],
  [
    'nll: target count',
    (m) => m.nllLoss(logits, [0, 1, 2], { classes: 3 }),
    RangeError,
    /nllLoss: "target" must hold one class index per row \(2\); got length 3/,
  ],
  [
    'nll: float target',
    (m) => m.nllLoss(logits, new Float64Array([0, 1]) as never, { classes: 3 }),
    TypeError,
    /nllLoss: "target" must be class indices/,
  ],
  ['nll: classes missing', (m) => m.nllLoss(logits, [0, 1], undefined as never), TypeError, /nllLoss: option "classes" is required/],
  ['klDiv: lengths', (m) => m.klDiv([-1, -2], [0.5]), RangeError, /klDiv: "input" and "target" must have the same length; got 2 and 1/],
  [
    'klDiv: reduction',
    (m) => m.klDiv([-1], [1], { reduction: 'batch' as never }),
    RangeError,
    /klDiv: option "reduction" must be one of 'mean', 'batchmean', 'sum', 'none', 'sumByNonzeroWeights'; got "batch"/,
  ],
  [
    'klDiv: classes',
    (m) => m.klDiv([-1, -1, -1], [0.3, 0.3, 0.4], { classes: 2 }),
    RangeError,
    /klDiv: option "classes" must be a positive integer that divides the length 3; got 2/,
  ],
  [
    'logSumExp: not an array',
    (m) => m.logSumExp(null as never),
    TypeError,
    /logSumExp: "x" must be a Float64Array, a Float32Array, float16 data or an array of numbers; got null/,
  ],
  [
    'softmax: out length',
    (m) => m.softmax([1, 2, 3], { out: new Float64Array(2) }),
    RangeError,
    /softmax: option "out" must have the input's length 3; got length 2/,
  ],
  [
    'logSoftmax: out aliases x',
    (m) => m.logSoftmax(logits, { out: logits }),
    RangeError,
    /logSoftmax: option "out" shares memory with "x"/,
  ],
  [
    'logSoftmax: classes',
    (m) => m.logSoftmax(logits, { classes: 4 }),
    RangeError,
    /logSoftmax: option "classes" must be a positive integer that divides the length 6; got 4/,
  ],
];

describe.each(entries)('%s: loss errors', (_, m) => {
  for (const [what, call, Type, pattern] of cases) {
    test(`${what}, then a correct call`, () => {
      expect(() => call(m)).toThrow(Type);
      expect(() => call(m)).toThrow(pattern);
      const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
      expect(m.softmaxCrossEntropy(logits, [2, 2], { classes: 3, reduction: 'none' })[0]).toBeCloseTo(lse - 3, 14);
      expect(m.binaryCrossEntropy([0.25], [1])).toBeCloseTo(-Math.log(0.25), 14);
    });
  }

  test('inputs are never modified, with gradients and outputs', () => {
    const x = new Float32Array([1, 2, 3, 0.5, -1, 2]);
    const t = new Float64Array([0.2, 0.3, 0.5, 1, 0, 0]);
    const idx = new Int32Array([2, -100]);
    const w = [0.5, 1, 2];
    const copies = [x.slice(), t.slice(), idx.slice(), w.slice()];
    const grad = new Float64Array(6);
    m.softmaxCrossEntropy(x, t, { classes: 3, weight: w, labelSmoothing: 0.1, grad });
    m.softmaxCrossEntropy(x, idx, { classes: 3, weight: w, labelSmoothing: 0.1, grad, reduction: 'none' });
    m.nllLoss(x, idx, { classes: 3, weight: w });
    m.binaryCrossEntropyWithLogits(x, t, { posWeight: w, grad });
    m.klDiv(x, t, { classes: 3, reduction: 'batchmean' });
    m.softmax(x, { classes: 3 });
    m.logSoftmax(x, { classes: 3, out: new Float64Array(6) });
    expect(() => m.softmaxCrossEntropy(x, [0, 9], { classes: 3, grad })).toThrow(RangeError);
    expect([x, t, idx, w]).toEqual(copies);
  });
});
