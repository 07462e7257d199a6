// Sums stay accurate as n grows: a 10^6-element f64 cross entropy is within 1e-14 relative of the
// exactly rounded sum of the same terms. With q = 0.5 every term is p·ln 2 computed as
// fl(p · fl(ln 2)) on both entries (fdlibm's log, vector or scalar, returns the correctly rounded
// ln 0.5 = −0.6931471805599453, checked below), so the terms are known exactly and summed here in
// double-double (TwoSum, ~106 bits). Naive left-to-right summation of these 10^6 terms is off by
// ~1e-11 relative (checked below, so that the test can fail).
import { describe, expect, test } from 'vitest';
import { entries } from './entries.js';
import { rng } from './helpers.js';

const N = 1_000_000;
const L = Math.log(0.5);

function exactSum(terms: ArrayLike<number>): number {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < terms.length; i++) {
    const s = hi + terms[i];
    const bb = s - hi;
    lo += hi - (s - bb) + (terms[i] - bb);
    hi = s;
  }
  return hi + lo;
}

const next = rng(99);
// Terms of similar size whose roundings do not cancel: p in [1/3, 1/3 + 2^-40).
const p = Float64Array.from({ length: N }, () => 1 / 3 + next() * 2 ** -40);
const q = new Float64Array(N).fill(0.5);
const terms = p.map((v) => -(v * L));
const exact = exactSum(terms);

describe.each(entries)('%s', (_, m) => {
  test('ln 0.5 is the correctly rounded −0.6931471805599453 on every path', () => {
    expect(L).toBe(-0.6931471805599453);
    expect(m.crossEntropy([1, 0, 0, 0, 0, 0, 0, 0], new Float64Array(8).fill(0.5))).toBe(-L);
  });

  test('a 10^6-element f64 sum is within 1e-14 relative of the exactly rounded sum', () => {
    let naive = 0;
    for (let i = 0; i < N; i++) naive += terms[i];
    expect(Math.abs(naive - exact) / exact).toBeGreaterThan(1e-13); // the failure being guarded against
    const got = m.crossEntropy(p, q);
    expect(Math.abs(got - exact) / exact).toBeLessThan(1e-14);
  });
});
