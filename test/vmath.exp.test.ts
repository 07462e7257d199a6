// Accuracy of the SIMD exponentials in assembly/vmath.ts, run inside WASM (see test/vmath.ts):
// - exp32 (f32x4) on every f32 whose exp is finite and nonzero in f32 (both signs), against the
//   f64 exp of the same value (fastExp64, < 1 f64 ulp: 2^-29 of an f32 ulp);
// - expfc (f32x4, the softmax and log-sum-exp kernels' exp of x − max with its rounding carried
//   in) on 10^6 random pairs against the f64 exp of the exact difference;
// - exp64 (f64x2) on 10^7 random doubles against musl's exp (< 0.51 ulp): ≤ 1 ulp from it is
//   ≤ 2 ulp from the correctly rounded value;
// - exp64 on 5000 doubles against mpmath's correctly rounded exp (test/fixtures/gen_vmath.py);
// - overflow, underflow and special values on both paths.
import { beforeAll, describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.js';
import { bits32, type Sweeps, sweeps, worstAgainstMpmath } from './vmath.js';

let m: Sweeps;
beforeAll(() => {
  m = sweeps();
}, 120_000);

// exp(x) in f32 is finite up to x = 88.72283 (bits 0x42b17217) and nonzero down to −103.97208
// (0xc2cff1b5; below, the correctly rounded result is 0).
const TOP = 0x42b17218;
const BOTTOM = 0xc2cff1b6;

describe('f32x4 exp', () => {
  function sweep(from: number, to: number): number {
    let worst = 0;
    for (let b = from; b < to; b += 1 << 27) worst = Math.max(worst, m.sweepExp32(b, Math.min(to, b + (1 << 27))));
    return worst;
  }

  test('every f32 from 0 to 88.72283 is within 4 ulp of the correctly rounded exp (observed < 1)', () => {
    const worst = sweep(0, TOP);
    expect(worst).toBeLessThan(4);
    expect(worst).toBeLessThan(1);
  }, 300_000);

  test('every f32 from −0 to −103.97208 (subnormal results included) is within 4 ulp (observed < 1)', () => {
    const worst = sweep(0x80000000, BOTTOM);
    expect(worst).toBeLessThan(4);
    expect(worst).toBeLessThan(1);
  }, 300_000);

  test('expfc of a rounded f32 difference x − m with its rounding error: within 1 ulp of exp of the exact difference (10^6 pairs)', () => {
    m.seed(424242n);
    const worst = m.randomExpDiff32(1e6);
    console.log(`expfc: worst ${worst.toFixed(3)} f32 ulp`);
    expect(worst).toBeLessThan(1);
  }, 120_000);

  // expfs: the log-sum-exp, softmax and entropy loops' exp (expPoly32s, our degree-4 polynomial:
  // scripts/gen-exp32.py), which those loops take on x − max in [−86, 0] only
  // Observed 1.0096 ulp (at x = −5.8708, the reduced argument near −ln 2/2): the polynomial's own
  // error is 0.026 ulp (scripts/gen-exp32.py), the rest the reduction's rounding and the f32
  // evaluation's last two (P·r² + r, then + 1), as in Cephes' (0.982 over the same range). The
  // issue's bound is 4 ulp; 1.05 catches a worse polynomial or reduction.
  test('expfs: every f32 from −0 to −86 is within 1.05 ulp of the correctly rounded exp (bound 4)', () => {
    let worst = 0;
    const to = bits32(-86);
    for (let b = 0x80000000; b < to; b += 1 << 27) worst = Math.max(worst, m.sweepExpS32(b, Math.min(to, b + (1 << 27))));
    console.log(`expfs: worst ${worst.toFixed(4)} f32 ulp on [−86, 0]`);
    expect(worst).toBeLessThan(4);
    expect(worst).toBeLessThan(1.05);
  }, 300_000);

  for (const [mode, what] of [
    [1, 'Fast2Sum with −m first (every |x| ≤ m)'],
    [2, 'Fast2Sum with x first (m ≤ 0)'],
    [0, 'TwoSum (any row)'],
  ] as const) {
    test(`expfs of a rounded f32 difference x − m, its rounding error by ${what}: within 1 ulp of exp of the exact difference (10^6 pairs)`, () => {
      m.seed(424242n + BigInt(mode));
      const worst = m.randomExpDiffS32(1e6, mode);
      console.log(`expfs, mode ${mode}: worst ${worst.toFixed(3)} f32 ulp`);
      expect(worst).toBeLessThan(1);
    }, 120_000);
  }

  test('overflow, underflow and special values on both paths', () => {
    for (const path of [(x: number) => m.one(3, x), (x: number) => m.oneBeside(3, x, NaN)]) {
      expect(path(88.72284)).toBe(Infinity);
      expect(path(-104)).toBe(0);
      expect(path(Infinity)).toBe(Infinity);
      expect(path(-Infinity)).toBe(0);
      expect(path(NaN)).toBeNaN();
      expect(path(0)).toBe(1);
    }
    expect(bits32(m.one(3, 1))).toBe(bits32(Math.E));
  });
});

describe('f64x2 exp', () => {
  test('10^7 random doubles (finite range, every exponent) within 1 ulp of musl, so ≤ 2 ulp of exact', () => {
    m.seed(67890n);
    expect(m.randomExp64(1e7)).toBeLessThanOrEqual(1);
  }, 120_000);

  test('5000 doubles against mpmath: within 2 ulp of the correctly rounded exp (observed ≤ 1)', () => {
    const f = loadFixture<{ exp: { x: string; want: string } }>('vmath.json');
    const worst = worstAgainstMpmath((x) => m.one(1, x), f.exp);
    expect(worst).toBeLessThanOrEqual(1n);
  });

  test('overflow, underflow and special values on both paths', () => {
    for (const path of [(x: number) => m.one(1, x), (x: number) => m.oneBeside(1, x, NaN)]) {
      expect(path(709.79)).toBe(Infinity);
      expect(path(-745.2)).toBe(0);
      expect(path(-745)).toBe(5e-324);
      expect(path(Infinity)).toBe(Infinity);
      expect(path(-Infinity)).toBe(0);
      expect(path(NaN)).toBeNaN();
      expect(path(0)).toBe(1);
    }
  });
});
