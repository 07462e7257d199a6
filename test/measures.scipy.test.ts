// Reference values from SciPy (and mpmath where SciPy's float64 overflows on finite input):
// see test/fixtures/gen_measures.py, which wrote test/fixtures/measures.json.
import { describe, expect, test } from 'vitest';
import { entries } from './entries.js';
import { close, decode, loadFixture, num } from './helpers.js';

interface Case {
  name: string;
  fn: 'entropy' | 'crossEntropy' | 'klDivergence' | 'jsDivergence';
  dtype: 'f64' | 'f32';
  options: { classes?: number; base?: number; normalize?: boolean };
  p: string;
  q: string | null;
  expected: (number | string)[];
  scale: (number | string)[];
  source: string;
}

const fixture = loadFixture<{ cases: Case[] }>('measures.json');

// Tolerances, relative to Σ|terms| of the row, as the issue states them: 1e-12 for f64 input
// (a few ulp per term plus the rounding of a 5000-term sum: 5000 · 1.1e-16 ≈ 5.6e-13 worst case),
// 2e-6 for f32 input (room for f32-precision logs in the SIMD kernels: 4 ulp of f32 ≈ 4.8e-7,
// plus accumulation).
const REL = { f64: 1e-12, f32: 2e-6 } as const;

/** The same numbers in each input form a user may pass. */
function forms(x: Float64Array | Float32Array): [string, Float64Array | Float32Array | number[]][] {
  return [
    [x.constructor.name, x],
    ['number[]', Array.from(x)],
  ];
}

describe.each(entries)('%s against SciPy', (_, m) => {
  test('the fixture is not empty and covers every function', () => {
    expect(fixture.cases.length).toBeGreaterThan(200);
    expect(new Set(fixture.cases.map((c) => c.fn)).size).toBe(4);
  });

  for (const c of fixture.cases) {
    test(`${c.name} (${c.dtype}${Object.keys(c.options).length ? ' ' + JSON.stringify(c.options) : ''})`, () => {
      const p = decode(c.p, c.dtype);
      const q = c.q === null ? null : decode(c.q, c.dtype);
      const expected = c.expected.map(num);
      const scale = c.scale.map(num);
      for (const [pForm, pv] of forms(p)) {
        const qv = q === null ? null : pForm === 'number[]' ? Array.from(q) : q;
        const call = (reduction: 'none' | 'sum' | 'mean') =>
          qv === null ? m.entropy(pv, { ...c.options, reduction }) : m[c.fn as 'crossEntropy'](pv, qv, { ...c.options, reduction });
        const rows = call('none') as Float64Array;
        expect(rows).toBeInstanceOf(Float64Array);
        expect(rows.length).toBe(expected.length);
        // number[] holds the f32 values exactly as f64, so it is held to the f64 tolerance.
        const rel = pForm === 'number[]' ? REL.f64 : REL[c.dtype];
        for (let r = 0; r < rows.length; r++) {
          if (!close(rows[r], expected[r], rel, scale[r])) {
            expect.fail(`${pForm} row ${r}: got ${rows[r]}, expected ${expected[r]} (scale ${scale[r]}, rel ${rel})`);
          }
        }
        const total = expected.reduce((a, b) => a + b, 0);
        const totalScale = scale.reduce((a, b) => a + b, 0);
        expect(close(call('sum') as number, total, rel, totalScale), `sum ${call('sum')} vs ${total}`).toBe(true);
        if (expected.length > 0) {
          const mean = call('mean') as number;
          expect(close(mean, total / expected.length, rel, totalScale / expected.length), `mean ${mean}`).toBe(true);
        }
      }
    });
  }
});
