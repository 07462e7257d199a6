// Accuracy of the division-free logarithms in assembly/vlog.ts, run inside WASM (assembly/testing.ts,
// compiled by test/vmath.ts):
// - logf (f32x4, degree-9 polynomial on [2/3, 4/3)) on every positive f32 against the f64 log
//   (fdlibm, < 1 f64 ulp: 2^-29 of an f32 ulp): the bound is 2 ulp, the design 1.35;
// - logd (f64x2, 256-entry table, degree-7 polynomial) on 10^7 random positive doubles against
//   musl's log (< 0.52 ulp): within 1 ulp of it, so ≤ 2 ulp of the correctly rounded value; on
//   10^7 values near 1 (where log is smallest and the table's interval around 1 is used); and
//   against mpmath's correctly rounded values (test/fixtures/vmath.json, gen_vmath.py);
// - special and boundary values.
import { beforeAll, describe, expect, test } from 'vitest';
import { loadFixture } from './helpers.js';
import { sweeps, worstAgainstMpmath } from './vmath.js';

interface VlogSweeps {
  seed(s: bigint): void;
  sweepLogf(from: number, to: number): number;
  randomLogd(n: number): number;
  uniformLogd(n: number, lo: number, hi: number): number;
  oneVlog(fn: number, x: number): number;
}

let m: VlogSweeps;
beforeAll(() => {
  m = sweeps() as unknown as VlogSweeps;
}, 120_000);

describe('vlog f32x4 log (logf)', () => {
  test('every positive finite f32 within 2 ulp of the correctly rounded log (observed 1.35)', () => {
    let worst = 0;
    const end = 0x7f800000; // +Infinity's bits: 0 … 0x7f7fffff, subnormals through the scalar path
    for (let b = 0; b < end; b += 1 << 27) worst = Math.max(worst, m.sweepLogf(b, Math.min(end, b + (1 << 27))));
    expect(worst).toBeLessThanOrEqual(2);
    expect(worst).toBeLessThan(1.36); // the polynomial's design figure; a regression shows here first
  }, 400_000);

  test('exact values and the ends of the fast domain', () => {
    expect(m.oneVlog(1, 1)).toBe(0);
    expect(m.oneVlog(1, 2)).toBe(Math.fround(Math.LN2));
    expect(m.oneVlog(1, 0.5)).toBe(Math.fround(-Math.LN2));
    const least = 2 ** -126;
    const most = Math.fround(3.4028234663852886e38);
    expect(Math.abs(m.oneVlog(1, least) - Math.log(least))).toBeLessThanOrEqual(2 * 2 ** -17); // ulp at 87 is 2^-17
    expect(Math.abs(m.oneVlog(1, most) - Math.log(most))).toBeLessThanOrEqual(2 * 2 ** -17);
    // Outside the domain the fast path gives finite values (the kernels rely on 0 → finite, then
    // 0·log 0 = 0): 0 gives −127·ln 2.
    expect(Number.isFinite(m.oneVlog(1, 0))).toBe(true);
  });
});

describe('vlog f64x2 table log (logd)', () => {
  test('10^7 random positive doubles (every exponent) within 1 ulp of musl, so ≤ 2 ulp of exact', () => {
    m.seed(12345n);
    expect(m.randomLogd(1e7)).toBeLessThanOrEqual(1);
  }, 120_000);

  test('10^7 doubles in [0.99, 1.01] and 10^6 in 1 ± 10^-6 within 1 ulp of musl', () => {
    m.seed(777n);
    expect(m.uniformLogd(1e7, 0.99, 1.01)).toBeLessThanOrEqual(1);
    expect(m.uniformLogd(1e6, 1 - 1e-6, 1 + 1e-6)).toBeLessThanOrEqual(1);
  }, 120_000);

  test('5000 doubles against mpmath: within 1 ulp of the correctly rounded log', () => {
    const f = loadFixture<{ log: { x: string; want: string } }>('vmath.json');
    // The fixture holds subnormals too; logd is the fast path, so take those through Math.log as
    // the kernels do.
    const worst = worstAgainstMpmath((x) => (x >= 2 ** -1022 ? m.oneVlog(0, x) : Math.log(x)), f.log);
    expect(worst).toBeLessThanOrEqual(1n);
  });

  test('exact values, table interval ends and the ends of the fast domain', () => {
    expect(m.oneVlog(0, 1)).toBe(0);
    expect(m.oneVlog(0, 2)).toBe(Math.LN2);
    expect(m.oneVlog(0, 0.5)).toBe(-Math.LN2);
    for (const x of [2 ** -1022, 1.7976931348623157e308, 1 - 2 ** -53, 1 + 2 ** -52, 0.6865234375, 1.373046875]) {
      const got = m.oneVlog(0, x);
      const want = Math.log(x);
      expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -52);
    }
    expect(Number.isFinite(m.oneVlog(0, 0))).toBe(true);
  });
});
