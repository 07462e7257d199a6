// Issue 19's rules on every entry: class indices in any integer typed array (range checks and
// indexed errors in each, 64-bit values compared exactly, ignoreIndex 255 on a Uint8Array mask),
// sampleWeight's errors (wrong length, negative, non-finite: indexed), how 'sumByNonzeroWeights'
// and sample weights relate to the unweighted results (identities that hold exactly or to a few
// roundings), BCE's per-class weight, logSumExp's b and returnSign forms; after every error the
// library keeps working, and no input is modified.
import { describe, expect, test } from 'vitest';
import { entries } from './entries.js';

const logits = Float64Array.from([1, 2, 3, 0.5, 0.1, -1, 0.25, -0.5, 2, 4, 1, 0]);
const C = 3;
const N = 4;
const idx = [2, 0, 1, 2];

const INT_TYPES = [Int32Array, Uint32Array, Uint8Array, Uint8ClampedArray, Int8Array, Uint16Array, Int16Array] as const;

/** Within `k` roundings of `b` (the results below are sums of a few terms: k = 8 leaves room). */
function close(a: number, b: number, k = 8): boolean {
  return Math.abs(a - b) <= k * 2 ** -52 * Math.max(Math.abs(a), Math.abs(b), 1);
}

describe.each(entries)('%s: labels and weights as users hold them', (_, m) => {
  test('every integer typed array gives the Int32Array result, bit for bit, in every function taking class indices', () => {
    const ref = {
      sce: m.softmaxCrossEntropy(logits, Int32Array.from(idx), { classes: C }),
      nll: m.nllLoss(logits, Int32Array.from(idx), { classes: C, reduction: 'none' }),
      tlp: m.tokenLogProbs(logits, Int32Array.from(idx), { classes: C }),
      ppl: m.perplexity(logits, Int32Array.from(idx), { classes: C }),
    };
    for (const T of [...INT_TYPES, BigInt64Array, BigUint64Array]) {
      const t =
        T === BigInt64Array || T === BigUint64Array
          ? (T as BigInt64ArrayConstructor).from(idx, BigInt)
          : (T as Int32ArrayConstructor).from(idx);
      expect(m.softmaxCrossEntropy(logits, t as Int32Array, { classes: C }), T.name).toBe(ref.sce);
      expect(m.nllLoss(logits, t as Int32Array, { classes: C, reduction: 'none' }), T.name).toEqual(ref.nll);
      expect(m.tokenLogProbs(logits, t as Int32Array, { classes: C }), T.name).toEqual(ref.tlp);
      expect(m.perplexity(logits, t as Int32Array, { classes: C }), T.name).toBe(ref.ppl);
      const acc = m.accumulator('perplexity', { classes: C });
      acc.update(logits, t as Int32Array);
      expect((acc.compute() as { perplexity: number }).perplexity, `${T.name} accumulator`).toBe(ref.ppl);
    }
  });

  test('labels in a typed array without its prototype, or whose accessors lie, are read through the engine: the honest result', () => {
    const want = m.nllLoss(logits, Int32Array.from(idx), { classes: C });
    const bare = Object.setPrototypeOf(Int8Array.from(idx), null);
    expect(m.nllLoss(logits, bare, { classes: C })).toBe(want);
    // an own `length` that lies is not what the library reads; an element cannot be given a getter
    const liar = Uint16Array.from(idx);
    Object.defineProperty(liar, 'length', { value: 1 });
    expect(m.nllLoss(logits, liar, { classes: C })).toBe(want);
    expect(() => Object.defineProperty(Uint16Array.from(idx), '0', { get: () => 99 })).toThrow(TypeError);
  });

  test('a sampleWeight whose length, map and species lie is read through the engine: the honest result (hostile fuzzer found it)', () => {
    class Liar extends Float64Array {
      override get length() {
        return 20_000;
      }
      override map(): never {
        throw new Error('called');
      }
      static get [Symbol.species]() {
        return Array;
      }
    }
    const p = [0.2, 0.8, 0.5, 0.5];
    const honest = m.klDivergence(p, [0.5, 0.5, 0.1, 0.9], { classes: 2, normalize: true, sampleWeight: [0.25, 3] });
    const liar = new Liar([0.25, 3]);
    const g = new Float64Array(4);
    expect(m.klDivergence(p, [0.5, 0.5, 0.1, 0.9], { classes: 2, normalize: true, sampleWeight: liar, grad: g })).toBe(honest);
    expect(m.softmaxCrossEntropy(logits, idx, { classes: C, sampleWeight: new Liar([1, 2, 0, 1]) })).toBe(
      m.softmaxCrossEntropy(logits, idx, { classes: C, sampleWeight: [1, 2, 0, 1] }),
    );
  });

  test('K-dimensional targets (shape) in a Uint8Array mask, with ignoreIndex 255', () => {
    // [N=1, C=3, 4 positions]: the class axis is 1
    const x = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const mask = Uint8Array.from([2, 255, 0, 1]);
    const want = m.softmaxCrossEntropy(x, [2, -100, 0, 1], { shape: [1, 3, 4], reduction: 'none' }) as Float64Array;
    const got = m.softmaxCrossEntropy(x, mask, { shape: [1, 3, 4], ignoreIndex: 255, reduction: 'none' }) as Float64Array;
    expect(got).toEqual(want);
    expect(got[1]).toBe(0);
  });

  test('ignoreIndex 255 on a Uint8Array is the segmentation convention; −100 cannot occur in an unsigned array', () => {
    const masked = Uint8Array.from([2, 255, 1, 255]);
    const got = m.softmaxCrossEntropy(logits, masked, { classes: C, ignoreIndex: 255 });
    const want = m.softmaxCrossEntropy(logits, [2, -100, 1, -100], { classes: C });
    expect(got).toBe(want);
    // without ignoreIndex: 255 is a label out of range (a Uint8Array cannot hold the default −100)
    expect(() => m.softmaxCrossEntropy(logits, masked, { classes: C })).toThrow(
      'xentropy.softmaxCrossEntropy: "target"[1] must be a class index in [0, 3) or ignoreIndex (-100); got 255',
    );
  });

  test('a label out of range is the indexed error in each typed array, the library keeps working, the labels are not modified', () => {
    const bad: [unknown, number, string][] = [
      [Int32Array.from([0, 1, 3, 0]), 2, '3'],
      [Uint32Array.from([0, 4294967295, 0, 0]), 1, '4294967295'],
      [Uint8Array.from([0, 1, 2, 200]), 3, '200'],
      [Uint8ClampedArray.from([0, 1, 2, 3]), 3, '3'],
      [Int8Array.from([0, -5, 2, 1]), 1, '-5'],
      [Uint16Array.from([65535, 0, 0, 0]), 0, '65535'],
      [Int16Array.from([0, 0, -32768, 0]), 2, '-32768'],
      // 2^62 + 1 and −2^63: exact in the message (no rounding through a double), never in range
      [BigInt64Array.from([0n, 2n ** 62n + 1n, 0n, 0n]), 1, '4611686018427387905'],
      [BigInt64Array.from([0n, 0n, -(2n ** 63n), 0n]), 2, '-9223372036854775808'],
      [BigUint64Array.from([0n, 0n, 0n, 2n ** 64n - 1n]), 3, '18446744073709551615'],
    ];
    for (const [t, i, v] of bad) {
      const before = Array.from(t as ArrayLike<number>, String);
      for (const fn of ['softmaxCrossEntropy', 'nllLoss', 'tokenLogProbs', 'perplexity'] as const) {
        const name = fn === 'tokenLogProbs' || fn === 'perplexity' ? 'targets' : 'target';
        expect(() => (m[fn] as (...a: unknown[]) => unknown)(logits, t, { classes: C }), `${fn} ${String(t)}`).toThrow(
          new RangeError(`xentropy.${fn}: "${name}"[${i}] must be a class index in [0, 3) or ignoreIndex (-100); got ${v}`),
        );
      }
      expect(Array.from(t as ArrayLike<number>, String)).toEqual(before);
      expect(m.softmaxCrossEntropy(logits, idx, { classes: C })).toBeGreaterThan(0); // still working
    }
    // a 64-bit ignoreIndex is compared exactly: −100n is ignored, a value that rounds to −100 is not there to round
    expect(m.nllLoss(logits, BigInt64Array.from([2n, -100n, 1n, 2n]), { classes: C })).toBe(
      m.nllLoss(logits, [2, -100, 1, 2], { classes: C }),
    );
  });

  test('a float typed array of one label per row is still an error for nllLoss; an integer typed array of rows × classes is not probabilities', () => {
    expect(() => m.nllLoss(logits, Float64Array.from(idx) as never, { classes: C })).toThrow(TypeError);
    expect(() => m.softmaxCrossEntropy(logits, new Uint8Array(N * C), { classes: C })).toThrow(
      /"target" of length 12 would be probabilities, which must be a Float64Array, Float32Array or number\[\]; got a Uint8Array of length 12/,
    );
  });

  test('sampleWeight errors: wrong length, negative, NaN or infinite (indexed), in every function that takes it', () => {
    const p = Float64Array.from({ length: N * C }, (_, i) => (i % 5) / 5 + 0.1);
    const calls: [string, (o: object) => unknown][] = [
      ['softmaxCrossEntropy', (o) => m.softmaxCrossEntropy(logits, idx, { classes: C, ...o })],
      ['nllLoss', (o) => m.nllLoss(logits, idx, { classes: C, ...o })],
      ['binaryCrossEntropy', (o) => m.binaryCrossEntropy(p, p, { classes: C, ...o })],
      ['binaryCrossEntropyWithLogits', (o) => m.binaryCrossEntropyWithLogits(logits, p, { classes: C, ...o })],
      ['klDiv', (o) => m.klDiv(logits, p, { classes: C, ...o })],
      ['crossEntropy', (o) => m.crossEntropy(p, p, { classes: C, ...o })],
      ['klDivergence', (o) => m.klDivergence(p, p, { classes: C, ...o })],
    ];
    for (const [fn, call] of calls) {
      expect(() => call({ sampleWeight: [1, 1, 1] }), fn).toThrow(
        new RangeError(`xentropy.${fn}: option "sampleWeight" must have one weight per row (4); got length 3`),
      );
      for (const [v, shown] of [
        [-0.5, '-0.5'],
        [NaN, 'NaN'],
        [Infinity, 'Infinity'],
      ] as const) {
        const sw = Float64Array.from([1, 1, v, 1]);
        expect(() => call({ sampleWeight: sw }), fn).toThrow(
          new RangeError(`xentropy.${fn}: option "sampleWeight"[2] must be a finite number ≥ 0; got ${shown}`),
        );
        expect(sw[2]).toBe(v); // not modified
      }
      expect(() => call({ sampleWeight: 'heavy' }), fn).toThrow(TypeError);
      expect(call({ sampleWeight: [1, 1, 1, 1] }), `${fn} still works`).toBe(call({}));
    }
    // sumByNonzeroWeights is a reduction of the functions that take sample weights only
    expect(() => m.entropy(p, { classes: C, reduction: 'sumByNonzeroWeights' as never })).toThrow(
      "xentropy.entropy: option \"reduction\" must be one of 'mean', 'sum', 'none'; got \"sumByNonzeroWeights\"",
    );
  });

  test('sample weights of 1 change nothing; integer weights are repeated rows; sumByNonzeroWeights without weights is the mean over losses', () => {
    const ones = [1, 1, 1, 1];
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      expect(m.softmaxCrossEntropy(logits, idx, { classes: C, sampleWeight: ones, reduction })).toEqual(
        m.softmaxCrossEntropy(logits, idx, { classes: C, reduction }),
      );
    }
    // weight 2 on row 0 = row 0 given twice (mean over 5 rows)
    const twice = Float64Array.from([...logits.slice(0, 3), ...logits]);
    const a = m.softmaxCrossEntropy(logits, idx, { classes: C, sampleWeight: [2, 1, 1, 1] }) as number;
    const b = m.softmaxCrossEntropy(twice, [idx[0], ...idx], { classes: C }) as number;
    expect(close(a, b)).toBe(true);
    // a weight 0 drops the row from 'mean' and from 'sumByNonzeroWeights'
    const dropped = m.softmaxCrossEntropy(logits.slice(3), idx.slice(1), { classes: C }) as number;
    expect(close(m.softmaxCrossEntropy(logits, idx, { classes: C, sampleWeight: [0, 1, 1, 1] }) as number, dropped)).toBe(true);
    expect(
      close(
        m.softmaxCrossEntropy(logits, idx, { classes: C, sampleWeight: [0, 1, 1, 1], reduction: 'sumByNonzeroWeights' }) as number,
        dropped,
      ),
    ).toBe(true);
    expect(m.softmaxCrossEntropy(logits, idx, { classes: C, reduction: 'sumByNonzeroWeights' })).toBe(
      m.softmaxCrossEntropy(logits, idx, { classes: C }),
    );
    // every weight 0: 0/0, as TF.js's division by a zero count
    expect(m.nllLoss(logits, idx, { classes: C, sampleWeight: [0, 0, 0, 0] })).toBeNaN();
    // 'none' is loss × weight, and its gradient that of the weighted sum
    const sw = [0.5, 2, 0, 1.5];
    const none = m.nllLoss(logits, idx, { classes: C, reduction: 'none' }) as Float64Array;
    expect(m.nllLoss(logits, idx, { classes: C, sampleWeight: sw, reduction: 'none' })).toEqual(none.map((v, i) => v * sw[i]));
    const g1 = new Float64Array(N * C);
    const g2 = new Float64Array(N * C);
    m.softmaxCrossEntropy(logits, idx, { classes: C, sampleWeight: sw, reduction: 'none', grad: g1 });
    m.softmaxCrossEntropy(logits, idx, { classes: C, sampleWeight: sw, reduction: 'sum', grad: g2 });
    expect(g1).toEqual(g2);
    // a zero-weight row's gradient is 0
    expect(Array.from(g1.slice(6, 9))).toEqual([0, 0, 0]);
  });

  test("crossEntropy and klDivergence take 'sumByNonzeroWeights': the weighted sum over the nonzero weights, the mean without weights; its gradient too", () => {
    // rows of probabilities (the second and fourth rows differ from p, so KL is not 0)
    const p = Float64Array.from([0.2, 0.3, 0.5, 0.6, 0.3, 0.1, 0.25, 0.25, 0.5, 0.1, 0.1, 0.8]);
    const q = Float64Array.from([0.3, 0.3, 0.4, 0.2, 0.5, 0.3, 0.25, 0.5, 0.25, 0.3, 0.3, 0.4]);
    const sw = [0.5, 0, 2, 1.5];
    for (const fn of ['crossEntropy', 'klDivergence'] as const) {
      const rows = m[fn](p, q, { classes: 3, reduction: 'none' });
      const weighted = rows.reduce((a, v, i) => a + v * sw[i], 0);
      const got = m[fn](p, q, { classes: 3, sampleWeight: sw, reduction: 'sumByNonzeroWeights' });
      // three nonzero weights: the weighted sum over 3 (a few roundings of the sum: 1e-15 relative)
      expect(Math.abs(got - weighted / 3)).toBeLessThanOrEqual(1e-15 * Math.abs(weighted));
      expect(m[fn](p, q, { classes: 3, reduction: 'sumByNonzeroWeights' })).toBe(m[fn](p, q, { classes: 3 }));
      // the gradient of that reduction is the 'sum' gradient over the same count
      const gs = new Float64Array(12);
      const gz = new Float64Array(12);
      m[fn](p, q, { classes: 3, sampleWeight: sw, reduction: 'sum', grad: gs });
      m[fn](p, q, { classes: 3, sampleWeight: sw, reduction: 'sumByNonzeroWeights', grad: gz });
      for (let i = 0; i < gz.length; i++) expect(Math.abs(gz[i] - gs[i] / 3)).toBeLessThanOrEqual(1e-15 * Math.abs(gs[i]));
    }
    // jsDivergence and entropy do not take it (no sample weights): the named error
    expect(() => m.jsDivergence(p, q, { reduction: 'sumByNonzeroWeights' as 'mean' })).toThrow(
      /jsDivergence: option "reduction" must be one of/,
    );
  });

  test('accumulators take sampleWeight per batch: batches of rows with their weights add up to the call on all of them', () => {
    const p = Float64Array.from({ length: N * C }, (_, i) => (i % 5) / 5 + 0.1);
    const sw = [0.5, 2, 0, 1.5];
    const cases = [
      ['softmaxCrossEntropy', logits, idx, { classes: C }],
      ['nllLoss', logits, idx, { classes: C, weight: [1, 2, 0.5] }],
      ['binaryCrossEntropy', p, p, { classes: C, labelSmoothing: 0.1 }],
      ['binaryCrossEntropyWithLogits', logits, p, { classes: C }],
      ['klDiv', logits, p, { classes: C, reduction: 'batchmean' }],
      ['crossEntropy', p, p, { classes: C }],
      ['klDivergence', p, p, { classes: C }],
    ] as const;
    for (const [fn, a, b, options] of cases) {
      const whole = (m[fn] as (...x: unknown[]) => number)(a, b, { ...options, sampleWeight: sw });
      const acc = m.accumulator(fn, options as never);
      // rows [from, to) of both arguments (b holds one label per row, or one value per element)
      const split = (from: number, to: number) =>
        [a.slice(from * C, to * C), b.length === N ? b.slice(from, to) : b.slice(from * C, to * C)] as const;
      (acc.update as (...x: unknown[]) => unknown)(...split(0, 1), { sampleWeight: sw.slice(0, 1) });
      (acc.update as (...x: unknown[]) => unknown)(...split(1, 4), { sampleWeight: sw.slice(1) });
      expect(close(acc.compute() as number, whole), fn).toBe(true);
    }
  });

  test('BCE: a per-class weight with classes is the per-element weight repeated along rows; labelSmoothing is the smoothed target', () => {
    const p = Float64Array.from({ length: N * C }, (_, i) => ((i * 7) % 10) / 10 + 0.05);
    const y = Float64Array.from({ length: N * C }, (_, i) => i % 2);
    const wc = [0.5, 2, 1.25];
    const tiled = Float64Array.from({ length: N * C }, (_, i) => wc[i % C]);
    for (const fn of ['binaryCrossEntropy', 'binaryCrossEntropyWithLogits'] as const) {
      const f = m[fn] as (a: unknown, b: unknown, o: object) => number | Float64Array;
      expect(f(p, y, { classes: C, weight: wc, reduction: 'none' }), fn).toEqual(f(p, y, { weight: tiled, reduction: 'none' }));
      const eps = 0.2;
      const smooth = y.map((v) => v * (1 - eps) + eps / 2);
      expect(f(p, y, { labelSmoothing: eps }), fn).toBe(f(p, smooth, {}));
      expect(() => f(p, y, { classes: C, weight: [1, 2] }), fn).toThrow(
        `xentropy.${fn}: option "weight" must have the input's length (12) or one weight per class (3); got length 2`,
      );
      expect(() => f(p, y, { labelSmoothing: 2 }), fn).toThrow(RangeError);
    }
    // without classes, a weight of the row's length is not taken per class
    expect(() => m.binaryCrossEntropy(p, y, { weight: wc })).toThrow(`option "weight" must have the input's length (12); got length 3`);
  });

  test("logSumExp's b and returnSign: forms, zero sum, signs per row, errors", () => {
    expect(m.logSumExp([1, 2, 3], { b: [1, 1, 1] })).toBe(m.logSumExp([1, 2, 3]) as number);
    expect(m.logSumExp([1, 2, 3], { returnSign: true })).toEqual({ value: m.logSumExp([1, 2, 3], { b: [1, 1, 1] }), sign: 1 });
    expect(m.logSumExp([0.5, 0.5], { b: [2, -2], returnSign: true })).toEqual({ value: -Infinity, sign: 0 });
    expect(m.logSumExp([0.5, 0.5], { b: [2, -2] })).toBe(-Infinity);
    expect(m.logSumExp([0, 1], { b: [1, -1] })).toBeNaN();
    const r = m.logSumExp([0, 1, 1, 0], { classes: 2, b: [1, -1, 1, -1], returnSign: true });
    expect(Array.from(r.sign)).toEqual([-1, 1]);
    expect(r.value[0]).toBe(r.value[1]); // log(e − 1), both rows
    expect(Math.abs(r.value[0] - Math.log(Math.E - 1))).toBeLessThan(4e-16);
    expect(() => m.logSumExp([1, 2], { b: [1] })).toThrow(`xentropy.logSumExp: option "b" must have the input's length (2); got length 1`);
    expect(() => m.logSumExp([1, 2], { returnSign: 1 as never })).toThrow(TypeError);
    expect(Math.abs((m.logSumExp([1, 2]) as number) - (2 + Math.log1p(Math.exp(-1))))).toBeLessThan(1e-15);
  });

  test('a grad sharing memory with a 16-bit or 64-bit label array is refused (element sizes known)', () => {
    const buf = new ArrayBuffer(N * C * 8);
    const grad = new Float64Array(buf);
    const t = new Uint16Array(buf, 8, N);
    t.set(idx);
    expect(() => m.softmaxCrossEntropy(logits, t, { classes: C, grad })).toThrow('option "grad" shares memory with "target"');
    const t64 = new BigInt64Array(buf, 0, N);
    expect(() => m.nllLoss(logits, t64, { classes: C, grad })).toThrow('option "grad" shares memory with "target"');
  });
});
