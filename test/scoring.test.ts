// Scoring and calibration on every binding: identities with the library's other functions, the
// tie rules, long rows in pieces, −∞/NaN/+∞ rows, outputs, the accumulators' merge property (any
// split, any order: the one-call result within 1e-12 relative) and JSON round trip, and the
// errors the issue lists. The reference values are in test/scoring.torch.test.ts.
import fc from 'fast-check';
import { describe, expect, expectTypeOf, test } from 'vitest';
import { type Entry, entries, js } from './entries.js';
import { rng } from './helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

function randomLogits(seed: number, n: number, scale = 4): Float64Array {
  const next = rng(seed);
  return Float64Array.from({ length: n }, () => (next() - 0.5) * 2 * scale);
}

/** Relative closeness for the merge property: 1e-12 of the value (the bound). */
const rel12 = (a: number, b: number) =>
  Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)) || (Number.isNaN(a) && Number.isNaN(b));

describe.each(entries)('%s', (_name, api: Entry) => {
  describe('topLogProbs', () => {
    test('the k largest log softmax values, ties by lower id, across the pieces of a long row', () => {
      // 40000 classes (more than the WASM glue's chunk of 16384: three pieces), ties across pieces
      const C = 40000;
      const x = new Float32Array(C).fill(-3);
      x[39000] = 5;
      x[20000] = 5; // tie with a later piece's: the lower id first
      x[17] = 4;
      x[16384] = 4; // the first element of the second piece
      x[30000] = 4;
      const { indices, values } = api.topLogProbs(x, { classes: C, k: 6 });
      expect(Array.from(indices)).toEqual([20000, 39000, 17, 16384, 30000, 0]);
      const lse = api.logSumExp(x) as number;
      expect(values[0]).toBeCloseTo(5 - lse, 12);
      expect(values[5]).toBeCloseTo(-3 - lse, 12);
    });

    test('equals sorting logSoftmax (every k, random rows, f32 and f64)', () => {
      for (const [rows, classes] of [
        [3, 7],
        [2, 300],
        [1, 20001],
      ]) {
        const x64 = randomLogits(rows * classes, rows * classes);
        for (const x of [x64, Float32Array.from(x64)]) {
          const lp = api.logSoftmax(x, { classes }) as Float64Array;
          for (const k of [1, 3, Math.min(classes, 25)]) {
            const { indices, values } = api.topLogProbs(x, { classes, k });
            for (let r = 0; r < rows; r++) {
              const order = Array.from({ length: classes }, (_, j) => j).sort((a, b) => x[r * classes + b] - x[r * classes + a] || a - b);
              expect(Array.from(indices.subarray(r * k, r * k + k))).toEqual(order.slice(0, k));
              for (let j = 0; j < k; j++) expect(values[r * k + j]).toBeCloseTo(lp[r * classes + order[j]], 5);
            }
          }
        }
      }
    });

    test('k above the WASM chunk (the TS twin), and k = classes', () => {
      const C = 17000;
      const x = randomLogits(5, C);
      const { indices } = api.topLogProbs(x, { classes: C, k: C });
      const order = Array.from({ length: C }, (_, j) => j).sort((a, b) => x[b] - x[a] || a - b);
      expect(Array.from(indices)).toEqual(order);
    });

    test('−∞, NaN and +∞: −∞ entries listed last by id, a NaN or +∞ row is NaN', () => {
      const x = [1, -Infinity, 2, -Infinity, 0, NaN, 3, 1, Infinity, 0, 1, 2];
      const { indices, values } = api.topLogProbs(x, { classes: 4, k: 4 });
      expect(Array.from(indices.subarray(0, 4))).toEqual([2, 0, 1, 3]);
      expect(values[2]).toBe(-Infinity);
      expect(values[3]).toBe(-Infinity);
      // row 1 holds NaN: every value NaN (PyTorch's log_softmax), the ids by value, NaN last
      expect(Array.from(values.subarray(4, 8)).every(Number.isNaN)).toBe(true);
      expect(Array.from(indices.subarray(4, 8))).toEqual([2, 3, 0, 1]);
      expect(Array.from(values.subarray(8, 12)).every(Number.isNaN)).toBe(true);
      expect(indices[8]).toBe(0); // +∞ first
    });

    test('fills given outputs (f32 values), never the input', () => {
      const x = Float64Array.from([3, 1, 2, 0, 5, 4]);
      const copy = x.slice();
      const indices = new Int32Array(4);
      const values = new Float32Array(4);
      const out = api.topLogProbs(x, { classes: 3, k: 2, indices, values });
      expect(out.indices).toBe(indices);
      expect(out.values).toBe(values);
      expect(Array.from(indices)).toEqual([0, 2, 1, 2]);
      expect(x).toEqual(copy);
    });

    test('errors', () => {
      const x = [1, 2, 3, 4];
      expect(() => api.topLogProbs(x, { classes: 2, k: 0 })).toThrow(
        /xentropy\.topLogProbs: option "k" must be an integer in \[1, 2\]; got 0/,
      );
      expect(() => api.topLogProbs(x, { classes: 2, k: 3 })).toThrow(RangeError);
      expect(() => api.topLogProbs(x, { classes: 2, k: 1.5 })).toThrow(/option "k"/);
      expect(() => api.topLogProbs(x, { classes: 2 } as never)).toThrow(/option "k" is required/);
      expect(() => api.topLogProbs(x, { classes: 3, k: 1 })).toThrow(/option "classes"/);
      expect(() => api.topLogProbs(x, { classes: 2, k: 1, indices: new Int32Array(3) })).toThrow(
        /option "indices" must have rows × k \(2\)/,
      );
      expect(() => api.topLogProbs(x, { classes: 2, k: 1, indices: new Uint32Array(2) as never })).toThrow(TypeError);
      const buf = new Float64Array(6);
      expect(() => api.topLogProbs(buf.subarray(0, 4), { classes: 2, k: 1, values: buf.subarray(3, 5) })).toThrow(/shares memory/);
      // still working after the errors
      expect(Array.from(api.topLogProbs(x, { classes: 2, k: 1 }).indices)).toEqual([1, 1]);
    });
  });

  describe('softmaxEntropy', () => {
    test('equals entropy(softmax(x)), in nats and bits, each reduction', () => {
      for (const [rows, classes] of [
        [4, 5],
        [3, 1000],
        [1, 20000],
      ]) {
        const x64 = randomLogits(classes, rows * classes, 6);
        for (const x of [x64, Float32Array.from(x64)]) {
          const p = api.softmax(x64, { classes }) as Float64Array;
          const want = api.entropy(p, { classes, reduction: 'none' }) as Float64Array;
          const got = api.softmaxEntropy(x, { classes, reduction: 'none' });
          // f32 rows on WASM: f32 SIMD exps (2^-21 relative, helpers.ts F32_MATH); f64: 1e-12
          for (let r = 0; r < rows; r++) expect(Math.abs(got[r] - want[r])).toBeLessThanOrEqual(2 ** -20 * want[r]);
          const bits = api.softmaxEntropy(x, { classes, base: 2 });
          expect(bits).toBeCloseTo(want.reduce((a, b) => a + b, 0) / rows / Math.LN2, 5);
        }
      }
    });

    test('stable for ±1e4 and −∞ logits; NaN for +∞, NaN and all-−∞ rows', () => {
      expect(api.softmaxEntropy([1e4, 1e4, -1e4, -Infinity])).toBeCloseTo(Math.LN2, 15);
      expect(api.softmaxEntropy([-1e4, -1e4, -1e4])).toBeCloseTo(Math.log(3), 15);
      expect(api.softmaxEntropy([0, -Infinity, -Infinity])).toBe(0);
      expect(api.softmaxEntropy([0, Infinity])).toBeNaN();
      expect(api.softmaxEntropy([0, NaN])).toBeNaN();
      expect(api.softmaxEntropy([-Infinity, -Infinity])).toBeNaN();
    });

    test('grad: a finite difference, and 0 at −∞', () => {
      const x = Float64Array.from([0.3, -1.2, 2.5, -Infinity, 0.7, 1.1]);
      const grad = new Float64Array(6);
      api.softmaxEntropy(x, { classes: 3, grad, reduction: 'sum' });
      expect(grad[3]).toBe(0);
      for (const i of [0, 1, 2, 4, 5]) {
        const h = 1e-6;
        const a = x.slice();
        const b = x.slice();
        a[i] += h;
        b[i] -= h;
        const fd =
          ((api.softmaxEntropy(a, { classes: 3, reduction: 'sum' }) as number) -
            (api.softmaxEntropy(b, { classes: 3, reduction: 'sum' }) as number)) /
          (2 * h);
        // a central difference: O(h²) truncation and ε/h rounding, 1e-8
        expect(Math.abs(grad[i] - fd)).toBeLessThan(1e-8);
      }
      const mean = new Float32Array(6);
      api.softmaxEntropy(x, { classes: 3, grad: mean, base: 2 });
      expect(mean[0]).toBeCloseTo(grad[0] / 2 / Math.LN2, 6);
    });

    test('errors', () => {
      expect(() => api.softmaxEntropy([1, 2], { base: 1 })).toThrow(/xentropy\.softmaxEntropy: option "base"/);
      expect(() => api.softmaxEntropy([1, 2], { reduction: 'avg' as never })).toThrow(/option "reduction"/);
      expect(() => api.softmaxEntropy([1, 2, 3], { classes: 2 })).toThrow(/option "classes"/);
      expect(() => api.softmaxEntropy([1, 2], { grad: new Float64Array(3) })).toThrow(/option "grad"/);
    });
  });

  describe('continuationScore', () => {
    test('sums tokenLogProbs from start; isGreedy by the lowest id on a tie though the rank is 0', () => {
      const x = [2, 1, 0, 0, 3, 1, 5, 5, 1];
      const r = api.continuationScore(x, [0, 1, 0], { classes: 3, start: 1 });
      const lp = api.tokenLogProbs(x, [0, 1, 0], { classes: 3 });
      expect(r.logLikelihood).toBeCloseTo(lp[1] + lp[2], 14);
      expect(r.isGreedy).toBe(true);
      expect(r.tokens).toBe(2);
      const ranks = new Int32Array(3);
      api.tokenLogProbs(x, [0, 1, 1], { classes: 3, ranks });
      expect(ranks[2]).toBe(0);
      expect(api.continuationScore(x, [0, 1, 1], { classes: 3, start: 1 }).isGreedy).toBe(false);
      // the context rows' targets are not read
      expect(api.continuationScore(x, [99, 1, 0], { classes: 3, start: 1 }).isGreedy).toBe(true);
    });

    test('errors', () => {
      const x = [2, 1, 0, 0, 3, 1];
      expect(() => api.continuationScore(x, [0, 1], { classes: 3, start: 2 })).toThrow(
        /xentropy\.continuationScore: option "start" must be an integer in \[0, 1\]; got 2/,
      );
      expect(() => api.continuationScore(x, [0, 1], { classes: 3, start: -1 })).toThrow(/option "start"/);
      expect(() => api.continuationScore(x, [0, 1], { classes: 3 } as never)).toThrow(/option "start" is required/);
      expect(() => api.continuationScore(x, [0, 3], { classes: 3, start: 0 })).toThrow(
        /"targets"\[1\] must be a class index in \[0, 3\); got 3/,
      );
      expect(() => api.continuationScore(x, [0], { classes: 3, start: 0 })).toThrow(/one class index per row \(2\)/);
    });
  });

  describe('brierScore', () => {
    test('probabilities and logits agree; lm-eval brier_score by hand', () => {
      const logits = randomLogits(9, 5 * 4);
      const t = [0, 3, 2, 1, 1];
      const p = api.softmax(logits, { classes: 4 }) as Float64Array;
      let want = 0;
      for (let r = 0; r < 5; r++) for (let c = 0; c < 4; c++) want += (p[r * 4 + c] - (c === t[r] ? 1 : 0)) ** 2;
      want /= 5;
      expect(api.brierScore(p, t, { classes: 4 })).toBeCloseTo(want, 14);
      expect(api.brierScore(logits, t, { classes: 4, fromLogits: true })).toBeCloseTo(want, 14);
    });

    test('a confident correct class keeps its tiny score (no cancellation)', () => {
      // p_t = 1 − 2e^-40: (1 − p_t)² + Σ p² ≈ 6e^-80
      const s = api.brierScore([40, 0, 0], [0], { classes: 3, fromLogits: true }) as number;
      expect(s / (6 * Math.exp(-80))).toBeCloseTo(1, 10);
    });

    test('errors', () => {
      expect(() => api.brierScore([0.5, 1.5], [0], { classes: 2 })).toThrow(
        /xentropy\.brierScore: "input"\[1\] must be a probability in \[0, 1\]/,
      );
      expect(() => api.brierScore([0.5, NaN], [0], { classes: 2 })).toThrow(/"input"\[1\]/);
      expect(() => api.brierScore([0.5, 0.5], [2], { classes: 2 })).toThrow(/"target"\[0\] must be a class index/);
      expect(() => api.brierScore([0.5, 0.5], [0], {} as never)).toThrow(/option "classes"/);
    });
  });

  describe('calibrationError', () => {
    test("torchmetrics' docstring examples", () => {
      const preds = [0.25, 0.25, 0.55, 0.75, 0.75];
      const target = [0, 0, 1, 1, 1];
      // binary_calibration_error(preds, target, n_bins=2, norm=…): 0.2900, 0.2918, 0.3167
      expect(api.calibrationError(preds, target, { bins: 2 })).toBeCloseTo(0.29, 4);
      expect(api.calibrationError(preds, target, { bins: 2, norm: 'l2' })).toBeCloseTo(0.2918, 4);
      expect(api.calibrationError(preds, target, { bins: 2, norm: 'max' })).toBeCloseTo(0.3167, 4);
      // multiclass_calibration_error(preds, target, num_classes=3, n_bins=3, norm=…): 0.2000, 0.2082, 0.2333
      const mp = [0.25, 0.2, 0.55, 0.55, 0.05, 0.4, 0.1, 0.3, 0.6, 0.9, 0.05, 0.05];
      const mt = [0, 1, 2, 0];
      expect(api.calibrationError(mp, mt, { classes: 3, bins: 3 })).toBeCloseTo(0.2, 4);
      expect(api.calibrationError(mp, mt, { classes: 3, bins: 3, norm: 'l2' })).toBeCloseTo(0.2082, 4);
      expect(api.calibrationError(mp, mt, { classes: 3, bins: 3, norm: 'max' })).toBeCloseTo(0.2333, 4);
    });

    test('from logits equals from softmax probabilities', () => {
      const x = randomLogits(3, 200 * 5);
      const t = Array.from({ length: 200 }, (_, i) => (i * 7) % 5);
      const p = api.softmax(x, { classes: 5 }) as Float64Array;
      expect(api.calibrationError(x, t, { classes: 5, fromLogits: true })).toBeCloseTo(api.calibrationError(p, t, { classes: 5 }), 14);
    });

    test('errors', () => {
      const p = [0.2, 0.8, 0.6, 0.4];
      expect(() => api.calibrationError(p, [1, 0], { classes: 2, bins: 0 })).toThrow(
        /xentropy\.calibrationError: option "bins" must be an integer in \[1, /,
      );
      expect(() => api.calibrationError(p, [1, 0], { classes: 2, bins: 2.5 })).toThrow(/option "bins"/);
      expect(() => api.calibrationError(p, [1, 0], { classes: 2, norm: 'l3' as never })).toThrow(
        /option "norm" must be one of 'l1', 'l2', 'max'; got "l3"/,
      );
      expect(() => api.calibrationError([0.2, 1.8, 0.6, 0.4], [1, 0], { classes: 2 })).toThrow(
        /"input"\[1\] must be a probability in \[0, 1\]/,
      );
      expect(() => api.calibrationError([0.2, -0.1], [1, 0])).toThrow(/"input"\[1\] must be a probability/);
      expect(() => api.calibrationError(p, [1, 2], { classes: 2 })).toThrow(/"target"\[1\]/);
      expect(() => api.calibrationError(p, [1, 0, 1])).toThrow(/"target"\[2\]|one 0\/1 label per row/);
      expect(() => api.calibrationError(p, [1, 0], { classes: 1 })).toThrow(/at least 2/);
      expect(api.calibrationError(p, [1, 0], { classes: 2 })).toBeCloseTo(0.3, 14);
    });
  });

  describe('fitTemperature', () => {
    test('recovers the scale of scaled logits (the NLL is minimal there), and lowers the NLL', () => {
      const next = rng(11);
      const rows = 3000;
      const C = 6;
      const x = new Float64Array(rows * C);
      const t = new Int32Array(rows);
      // targets sampled from softmax(z); the logits given are 2.5·z: T = 2.5 up to sampling noise
      for (let r = 0; r < rows; r++) {
        let s = 0;
        const z = Array.from({ length: C }, () => (next() - 0.5) * 6);
        for (const v of z) s += Math.exp(v);
        let u = next() * s;
        t[r] = C - 1;
        for (let c = 0; c < C; c++) {
          u -= Math.exp(z[c]);
          if (u <= 0) {
            t[r] = c;
            break;
          }
        }
        for (let c = 0; c < C; c++) x[r * C + c] = 2.5 * z[c];
      }
      const fit = api.fitTemperature(x, t, { classes: C });
      expect(fit.temperature).toBeGreaterThan(2.2);
      expect(fit.temperature).toBeLessThan(2.8);
      const scaled = x.map((v) => v / fit.temperature);
      expect(api.softmaxCrossEntropy(scaled, t, { classes: C })).toBeCloseTo(fit.nll, 12);
      expect(api.softmaxCrossEntropy(x, t, { classes: C })).toBeCloseTo(fit.nllBefore, 12);
      // a minimum: T·(1 ± 1e-4) is not better
      for (const f of [1 - 1e-4, 1 + 1e-4]) {
        expect(
          api.softmaxCrossEntropy(
            x.map((v) => v / (fit.temperature * f)),
            t,
            { classes: C },
          ),
        ).toBeGreaterThanOrEqual(fit.nll);
      }
    });

    test('errors: no minimiser, no rows, bad targets', () => {
      // every target its row's arg-max: the NLL falls as T → 0
      expect(() => api.fitTemperature([3, 1, 0, 0, 2, 1], [0, 1], { classes: 3 })).toThrow(
        /xentropy\.fitTemperature: no temperature T > 0 minimises the NLL/,
      );
      expect(() => api.fitTemperature([3, 1, 0], [-100], { classes: 3 })).toThrow(/no row has a target/);
      expect(() => api.fitTemperature([3, 1, 0], [3], { classes: 3 })).toThrow(/"target"\[0\]/);
      expect(() => api.fitTemperature([3, NaN, 0, 1, 2, 0], [0, 2], { classes: 3 })).toThrow(/row 0 of "logits"/);
    });
  });

  describe('accumulators', () => {
    test('multipleChoice: any split merged in any order equals one pass (1e-12 relative), JSON round trip', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              lls: fc.array(fc.double({ min: -50, max: 0, noNaN: true }), { minLength: 1, maxLength: 5 }),
              g: fc.nat(),
              len: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 5, maxLength: 5 }),
            }),
            { minLength: 2, maxLength: 30 },
          ),
          fc.array(fc.nat(), { maxLength: 6 }),
          fc.nat(),
          (qs, cuts, seed) => {
            const one = api.accumulator('multipleChoice');
            for (const q of qs) one.update(q.lls, q.g % q.lls.length, { lengths: q.len.slice(0, q.lls.length) });
            const bounds = [...new Set([0, qs.length, ...cuts.map((c) => c % (qs.length + 1))])].sort((a, b) => a - b);
            const parts = bounds.slice(1).map((b, i) => {
              const acc = api.accumulator('multipleChoice');
              for (const q of qs.slice(bounds[i], b)) acc.update(q.lls, q.g % q.lls.length, { lengths: q.len.slice(0, q.lls.length) });
              return api.restoreAccumulator(JSON.parse(JSON.stringify(acc)));
            });
            const order = parts.map((_, i) => i).sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13));
            const merged = api.accumulator('multipleChoice');
            for (const i of order) merged.merge(parts[i] as never);
            const a = one.compute();
            const b = (merged as typeof one).compute();
            expect(b.count).toBe(a.count);
            expect(b.acc).toBe(a.acc);
            expect(b.accNorm).toBe(a.accNorm);
            expect(rel12(a.accStderr, b.accStderr)).toBe(true);
            expect(rel12(a.brierScore, b.brierScore)).toBe(true);
          },
        ),
        { numRuns: RUNS },
      );
    });

    test('calibrationError: any split merged in any order equals one call (1e-12 relative)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 300 }),
          fc.array(fc.nat(), { maxLength: 5 }),
          fc.nat(),
          fc.boolean(),
          (rows, cuts, seed, logits) => {
            const C = 4;
            const x = randomLogits(seed, rows * C);
            const input = logits ? x : (api.softmax(x, { classes: C }) as Float64Array);
            const t = Array.from({ length: rows }, (_, i) => (i * 31 + seed) % C);
            const o = { classes: C, bins: 10, fromLogits: logits, norm: 'l2' as const };
            const want = api.calibrationError(input, t, o);
            const bounds = [...new Set([0, rows, ...cuts.map((c) => c % (rows + 1))])].sort((a, b) => a - b);
            const parts = bounds.slice(1).map((b, i) => {
              const acc = api.accumulator('calibrationError', o);
              acc.update(input.slice(bounds[i] * C, b * C), t.slice(bounds[i], b));
              return api.restoreAccumulator(JSON.parse(JSON.stringify(acc)));
            });
            const merged = api.accumulator('calibrationError', o);
            for (const p of parts.reverse()) merged.merge(p as never);
            expect(rel12(merged.compute() as number, want)).toBe(true);
          },
        ),
        { numRuns: RUNS },
      );
    });

    test('perplexity from token log-probabilities equals perplexity from logits', () => {
      const x = randomLogits(21, 6 * 50);
      const t = [3, 7, 0, 49, 12, 5];
      const lp = api.tokenLogProbs(x, t, { classes: 50 });
      const a = api.accumulator('perplexity', { classes: 50 });
      a.update(x, t, { bytes: 20 });
      const b = api.accumulator('perplexity', { classes: 50 });
      b.update(Array.from(lp.subarray(0, 2)), { bytes: 5 });
      b.update(lp.subarray(2));
      b.update(new Float64Array(0), { bytes: 15 });
      expect(b.compute().perplexity).toBeCloseTo(a.compute().perplexity, 12);
      expect(b.compute().bitsPerByte).toBeCloseTo(a.compute().bitsPerByte, 12);
      expect(() => b.update([-0.5, 0.5])).toThrow(/"logProbs"\[1\] must be a log-probability \(≤ 0\); got 0\.5/);
      expect(() => b.update([NaN])).toThrow(/"logProbs"\[0\]/);
      expect(b.compute().tokens).toBe(6);
    });

    test('errors: gold outside the choices, lengths of the wrong count, different settings merged', () => {
      const mc = api.accumulator('multipleChoice');
      expect(() => mc.update([-1, -2], 2)).toThrow(
        /xentropy\.accumulator\('multipleChoice'\)\.update: "gold" must be the index of a choice, an integer in \[0, 2\); got 2/,
      );
      expect(() => mc.update([-1, -2], -1)).toThrow(/"gold"/);
      expect(() => mc.update([-1, -2], 0, { lengths: [3] })).toThrow(/option "lengths" must have one entry per choice \(2\); got length 1/);
      expect(() => mc.update([-1, 2], 0)).toThrow(/"logLikelihoods"\[1\]/);
      expect(() => mc.update([], 0)).toThrow(/got none/);
      expect(mc.compute().count).toBe(0);
      const a = api.accumulator('calibrationError', { classes: 3, bins: 10 });
      const b = api.accumulator('calibrationError', { classes: 3, bins: 15 });
      expect(() => a.merge(b)).toThrow(/cannot merge accumulators with different options/);
      expect(() => a.merge(mc as never)).toThrow(/must be an accumulator of calibrationError/);
      expect(() => api.accumulator('calibrationError', { bins: 0 })).toThrow(/option "bins"/);
      expect(() => api.accumulator('calibrationError', { norm: 'l0' as never })).toThrow(/option "norm"/);
      expect(() =>
        api.restoreAccumulator({
          xentropy: 'accumulator',
          version: 1,
          fn: 'multipleChoice',
          options: {},
          state: { count: 1, acc: 2, accNorm: 0, brier: [0, 0] },
        }),
      ).toThrow(/cannot exceed/);
    });
  });
});

describe('types', () => {
  test('return types follow the reduction and the given outputs', () => {
    const x = new Float32Array(6);
    expectTypeOf(js.softmaxEntropy(x, { classes: 3, reduction: 'none' })).toEqualTypeOf<Float64Array>();
    expectTypeOf(js.softmaxEntropy(x, { classes: 3 })).toEqualTypeOf<number>();
    expectTypeOf(js.topLogProbs(x, { classes: 3, k: 2 }).values).toEqualTypeOf<Float64Array>();
    const v32 = new Float32Array(4);
    expectTypeOf(js.topLogProbs(x, { classes: 3, k: 2, values: v32 }).values).toEqualTypeOf(v32);
    expectTypeOf(js.brierScore(x, [0, 1], { classes: 3, fromLogits: true })).toEqualTypeOf<number>();
    expectTypeOf(js.accumulator('multipleChoice').compute().accNorm).toEqualTypeOf<number>();
    expectTypeOf(js.accumulator('calibrationError', { bins: 10 }).compute()).toEqualTypeOf<number>();
    // @ts-expect-error: k is required
    expect(() => js.topLogProbs(x, { classes: 3 })).toThrow(TypeError);
  });
});
