// The maths the library rests on, as properties over random distributions (fast-check).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { entries } from './entries.js';

// Random distributions: positive weights normalised to sum 1, some zeros allowed.
const weights = (min: number, max: number) =>
  fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1, noNaN: true })), { minLength: min, maxLength: max });
const normalise = (w: number[]) => {
  const s = w.reduce((a, b) => a + b, 0);
  return s > 0 ? w.map((x) => x / s) : null;
};
const distribution = weights(1, 64)
  .map(normalise)
  .filter((x): x is number[] => x !== null);
const pair = fc
  .integer({ min: 1, max: 64 })
  .chain((n) => fc.tuple(weights(n, n), weights(n, n)))
  .map(([a, b]) => [normalise(a), normalise(b.map((x) => x + 1e-3))] as const)
  .filter((x): x is readonly [number[], number[]] => x[0] !== null && x[1] !== null);

// Identities are checked to 1e-12 absolute: every side is a sum of at most 64 terms of
// magnitude ≤ max(|log 1e-9|, 1/e) ≈ 21 each, so rounding stays far below that.
const EPS = 1e-12;

describe.each(entries)('%s: properties', (_, m) => {
  test('KL(p‖q) ≥ 0', () => {
    fc.assert(fc.property(pair, ([p, q]) => (m.klDivergence(p, q) as number) >= -EPS));
  });

  test('KL(p‖p) = 0', () => {
    fc.assert(fc.property(distribution, (p) => Math.abs(m.klDivergence(p, p) as number) === 0));
  });

  test('H(p,q) = H(p) + KL(p‖q)', () => {
    fc.assert(
      fc.property(pair, ([p, q]) => {
        const lhs = m.crossEntropy(p, q) as number;
        const rhs = (m.entropy(p) as number) + (m.klDivergence(p, q) as number);
        return Math.abs(lhs - rhs) <= EPS;
      }),
    );
  });

  test('JS is symmetric and 0 ≤ JS ≤ ln 2', () => {
    fc.assert(
      fc.property(pair, ([p, q]) => {
        const a = m.jsDivergence(p, q) as number;
        const b = m.jsDivergence(q, p) as number;
        return Math.abs(a - b) <= EPS && a >= -EPS && a <= Math.LN2 + EPS;
      }),
    );
  });

  test('JS in bits is at most 1', () => {
    fc.assert(fc.property(pair, ([p, q]) => (m.jsDivergence(p, q, { base: 2 }) as number) <= 1 + EPS));
  });

  test('0 ≤ H(p) ≤ log(classes), equality for the uniform distribution', () => {
    fc.assert(
      fc.property(distribution, (p) => {
        const h = m.entropy(p) as number;
        return h >= -EPS && h <= Math.log(p.length) + EPS;
      }),
    );
    for (const n of [1, 2, 7, 50257]) {
      expect(m.entropy(new Float64Array(n).fill(1 / n))).toBeCloseTo(Math.log(n), 10);
    }
  });

  test('KL is not symmetric', () => {
    const p = [0.9, 0.1];
    const q = [0.5, 0.5];
    expect(Math.abs((m.klDivergence(p, q) as number) - (m.klDivergence(q, p) as number))).toBeGreaterThan(0.05);
  });

  test('normalize makes results scale-free', () => {
    fc.assert(
      fc.property(pair, fc.double({ min: 0.01, max: 100, noNaN: true }), ([p, q], k) => {
        const a = m.klDivergence(p, q) as number;
        const b = m.klDivergence(
          p.map((x) => x * k),
          q.map((x) => x * 3),
          { normalize: true },
        ) as number;
        // Scaling by k and dividing by Σ round each element once (≤ 1 ulp), so the gap is a few ulp of Σ|terms|.
        return Math.abs(a - b) <= 1e-12 * (1 + Math.abs(a));
      }),
    );
  });
});
