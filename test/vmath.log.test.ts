// Accuracy of the SIMD logarithms in assembly/vmath.ts, run inside WASM (see test/vmath.ts):
// - log32 (f32x4) on every positive f32 value, subnormals included, against the f64 log of the
//   same value (fastLog64, itself checked below: its error, < 1 f64 ulp, is 2^-29 of an f32 ulp);
// - log64 (f64x2) on 10^7 random positive doubles against musl's log (< 0.52 ulp): a distance of
//   ≤ 1 ulp from it is ≤ 2 ulp from the correctly rounded value (the bound);
// - log64 on 5000 doubles against mpmath's correctly rounded log (test/fixtures/gen_vmath.py);
// - special values through both the vector path and the scalar fallback.
import { beforeAll, describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.js';
import { bits32, type Sweeps, sweeps, worstAgainstMpmath } from './vmath.js';

let m: Sweeps;
beforeAll(() => {
  m = sweeps();
}, 120_000);

describe('f32x4 log', () => {
  test('every positive finite f32 is within 4 ulp of the correctly rounded log (observed < 1)', () => {
    let worst = 0;
    const end = 0x7f800000; // +Infinity's bits: the sweep covers 0 … 0x7f7fffff
    for (let b = 0; b < end; b += 1 << 27) worst = Math.max(worst, m.sweepLog32(b, Math.min(end, b + (1 << 27))));
    expect(worst).toBeLessThan(4);
    expect(worst).toBeLessThan(1); // what fdlibm's logf achieves; a regression shows here first
  }, 300_000);

  test('special values: 0 → −∞, negative and NaN → NaN, ∞ → ∞, 1 → 0, on both paths', () => {
    for (const path of [(x: number) => m.one(2, x), (x: number) => m.oneBeside(2, x, -1)]) {
      expect(path(0)).toBe(-Infinity);
      expect(path(-0)).toBe(-Infinity);
      expect(path(-1)).toBeNaN();
      expect(path(NaN)).toBeNaN();
      expect(path(Infinity)).toBe(Infinity);
      expect(path(1)).toBe(0);
    }
    expect(bits32(Math.fround(m.one(2, 2 ** -149)))).toBe(bits32(Math.fround(Math.log(2 ** -149))));
  });
});

describe('f64x2 log', () => {
  test('10^7 random positive doubles (every exponent) within 1 ulp of musl, so ≤ 2 ulp of exact', () => {
    m.seed(12345n);
    expect(m.randomLog64(1e7)).toBeLessThanOrEqual(1);
  }, 120_000);

  test('5000 doubles against mpmath: within 2 ulp of the correctly rounded log (observed ≤ 1)', () => {
    const f = loadFixture<{ log: { x: string; want: string } }>('vmath.json');
    const worst = worstAgainstMpmath((x) => m.one(0, x), f.log);
    expect(worst).toBeLessThanOrEqual(1n);
  });

  test('special values: 0 → −∞, negative and NaN → NaN, ∞ → ∞, subnormals, on both paths', () => {
    for (const path of [(x: number) => m.one(0, x), (x: number) => m.oneBeside(0, x, -1)]) {
      expect(path(0)).toBe(-Infinity);
      expect(path(-1)).toBeNaN();
      expect(path(NaN)).toBeNaN();
      expect(path(Infinity)).toBe(Infinity);
      expect(path(1)).toBe(0);
      expect(path(5e-324)).toBe(Math.log(5e-324));
    }
  });
});
