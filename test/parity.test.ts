// WASM kernels against pure-TS kernels on the same random inputs. Both compute every term in
// f64 with correctly rounded-or-1-ulp logs; they may differ in how sums are blocked (the WASM
// glue splits long rows into chunks), so the bound is relative to Σ|terms|: 1e-13 covers a few
// ulp per term plus reassociation of up to 2·10^5 terms (2e5 · 1.1e-16 ≈ 2.2e-11 is the naive
// worst case; with the blocked sums the observed gap is below 1e-14). Float32Array data is the
// exception: the WASM entry computes every measure's terms in f32 SIMD (F32_MATH).
import { describe, expect, test } from 'vitest';
import { js, wasmOnly as wasm } from './entries.js';
import { close, F32_MATH, randomDist, rng } from './helpers.js';

const FNS = ['crossEntropy', 'klDivergence', 'jsDivergence'] as const;
const REL = 1e-13;

/** Σ|terms| of a row, computed independently of both entries: the tolerance scale. */
function absScale(fn: string, p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i];
    const b = q[i];
    if (fn === 'entropy') s += a > 0 ? Math.abs(a * Math.log(a)) : 0;
    else if (fn === 'crossEntropy') s += a > 0 ? Math.abs(a * Math.log(b)) : 0;
    else if (fn === 'klDivergence') s += a > 0 ? Math.abs(a * Math.log(a / b)) : 0;
    else {
      const mid = (a + b) / 2;
      s += (a > 0 ? Math.abs(a * Math.log(a / mid)) : 0) + (b > 0 ? Math.abs(b * Math.log(b / mid)) : 0);
    }
  }
  return s + Number.MIN_VALUE;
}

function agree(fn: string, p: Float64Array | Float32Array, q: Float64Array | Float32Array, classes?: number) {
  const opts = { classes, reduction: 'none' as const };
  const a = fn === 'entropy' ? wasm.entropy(p, opts) : wasm[fn as 'crossEntropy'](p, q, opts);
  const b = fn === 'entropy' ? js.entropy(p, opts) : js[fn as 'crossEntropy'](p, q, opts);
  expect(a.length).toBe(b.length);
  const c = classes ?? p.length;
  for (let r = 0; r < a.length; r++) {
    const scale = absScale(fn, p.subarray(r * c, (r + 1) * c), q.subarray(r * c, (r + 1) * c));
    // f32 data: every measure takes its logs in f32 SIMD on the WASM entry (F32_MATH).
    const rel = p instanceof Float32Array ? F32_MATH : REL;
    if (!close(a[r], b[r], rel, scale)) expect.fail(`${fn} n=${p.length} row ${r}: wasm ${a[r]} vs js ${b[r]}`);
  }
}

describe('wasm and js entries agree', () => {
  for (const Arr of [Float64Array, Float32Array]) {
    test(`every length 0–70, ${Arr.name}`, () => {
      const next = rng(70);
      for (let n = 0; n <= 70; n++) {
        const p = Arr.from(randomDist(next, n, 0.15));
        const q = Arr.from(randomDist(next, n, 0.05));
        agree('entropy', p, q);
        for (const fn of FNS) agree(fn, p, q);
      }
    });

    test(`large inputs: longer than a chunk, rows that straddle chunks, ${Arr.name}`, () => {
      const next = rng(4242);
      // 16384 is the WASM glue's chunk: 16383, 16385 and 50257 (a vocabulary) exercise row pieces.
      for (const [n, classes] of [
        [16383, undefined],
        [16385, undefined],
        [100_000, undefined],
        [3 * 50257, 50257],
        [64 * 1000, 1000],
        [7 * 3001, 3001],
      ] as [number, number | undefined][]) {
        const p = Arr.from(randomDist(next, n, 0.1));
        const q = Arr.from(randomDist(next, n, 0));
        agree('entropy', p, q, classes);
        for (const fn of FNS) agree(fn, p, q, classes);
      }
    });
  }

  test('mixed dtypes (Float32Array p, Float64Array q) agree and match the all-f64 result', () => {
    const next = rng(9);
    const p32 = Float32Array.from(randomDist(next, 1000));
    const q = randomDist(next, 1000, 0);
    const p64 = Float64Array.from(p32);
    for (const m of [wasm, js]) {
      for (const fn of FNS) {
        // (as a BinaryMeasure: see test/errors.test.ts)
        const f = m[fn] as (typeof m)['jsDivergence'];
        const mixed = f(p32, q) as number;
        const same = f(p64, q) as number;
        expect(close(mixed, same, 1e-15, absScale(fn, p64, q)), `${fn}: ${mixed} vs ${same}`).toBe(true);
      }
    }
  });
});
