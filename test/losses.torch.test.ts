// Reference values and gradients from PyTorch (float64): see test/fixtures/gen_losses.py, which
// wrote test/fixtures/losses.json.
import { describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';
import { decode, F32_MATH, loadFixture, num } from './helpers.js';

type Arr = { f64: string } | { f32: string } | { i32: number[] };
interface Case {
  name: string;
  fn: keyof Entry;
  args: Arr[];
  options: Record<string, unknown>;
  expected: Record<string, number | string | Arr>;
}

const fixture = loadFixture<{ cases: Case[] }>('losses.json');

function arr(a: Arr): Float64Array | Float32Array | Int32Array {
  if ('i32' in a) return Int32Array.from(a.i32);
  return 'f64' in a ? decode(a.f64, 'f64') : decode(a.f32, 'f32');
}

const isArr = (v: unknown): v is Arr => typeof v === 'object' && v !== null && ('f64' in v || 'f32' in v || 'i32' in v);

// Tolerance: |got − want| ≤ REL·(|want| + M), M = max(1, largest finite |input|). Both sides
// compute in f64; the M term is there because lse(x) − x_j carries the rounding of the larger
// operand (ulp(1e4) ≈ 1.8e-12 for the ±1e4 logits), and REL = 1e-12 leaves room for the few
// roundings of a sum of up to 50257 terms (each relative 1.1e-16) beyond that.
const REL = 1e-12;
// Float32Array outputs (softmax of f32 input) are rounded to f32 once more: 2^-24 relative.
const F32_ROUND = 2 ** -24;
// The WASM entry's log-sum-exp of Float32Array logits runs in f32 SIMD: F32_MATH (helpers.ts)
// absolute in lse, so F32_MATH·(|value| + 1) in each value and F32_MATH·max|grad| in gradients.

function magnitude(x: ArrayLike<number>): number {
  let m = 1;
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) m = Math.max(m, Math.abs(x[i]));
  return m;
}

function near(got: number, want: number, tol: number): boolean {
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
  return Math.abs(got - want) <= tol;
}

function expectArray(label: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: (w: number) => number) {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!near(got[i], want[i], tol(want[i]))) expect.fail(`${label}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

describe.each(entries)('%s against PyTorch', (name, m) => {
  test('the fixture covers every loss function', () => {
    expect(new Set(fixture.cases.map((c) => c.fn))).toEqual(
      new Set([
        'binaryCrossEntropy',
        'binaryCrossEntropyWithLogits',
        'softmaxCrossEntropy',
        'nllLoss',
        'klDiv',
        'logSumExp',
        'logSoftmax',
        'softmax',
      ]),
    );
  });

  for (const c of fixture.cases) {
    test(c.name, () => {
      const args = c.args.map(arr);
      const options: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c.options)) options[k] = isArr(v) ? arr(v) : v;
      const M = magnitude(args[0]);
      const f32m = name !== 'xentropy/js' && args[0] instanceof Float32Array ? F32_MATH : 0;
      const call = (extra: Record<string, unknown>) =>
        (m[c.fn] as (...a: unknown[]) => number | Float64Array | Float32Array)(...args, { ...options, ...extra });

      if ('value' in c.expected) {
        // logSumExp, logSoftmax, softmax: one array
        const want = arr(c.expected.value as Arr);
        const got = call({}) as Float64Array | Float32Array;
        const f32 = got instanceof Float32Array;
        expect(f32).toBe(c.fn !== 'logSumExp' && args[0] instanceof Float32Array);
        expectArray('value', got, want, (w) => REL * (Math.abs(w) + M) + (f32 ? F32_ROUND * Math.abs(w) : 0) + f32m * (Math.abs(w) + 1));
        return;
      }

      const rows = c.options.classes ? args[0].length / (c.options.classes as number) : 1;
      for (const [red, want] of Object.entries(c.expected)) {
        if (red.startsWith('grad_')) continue;
        if (red === 'none') {
          const got = call({ reduction: 'none' }) as Float64Array;
          expect(got).toBeInstanceOf(Float64Array);
          expectArray('none', got, arr(want as Arr), (w) => REL * (Math.abs(w) + M) + f32m * (Math.abs(w) + 1));
        } else {
          const got = call({ reduction: red }) as number;
          const w = num(want as number | string);
          // a sum over rows adds each row's rounding: M per row
          const tol = (REL * M + f32m) * (red === 'sum' ? rows : 1) + (REL + f32m) * Math.abs(w);
          if (!near(got, w, tol)) expect.fail(`${red}: got ${got}, want ${w}`);
        }
      }

      if ('grad_mean' in c.expected) {
        const gm = arr(c.expected.grad_mean as Arr);
        // grad_sum = grad_mean · (sum / mean) where the fixture leaves grad_sum out (large inputs)
        const divisor = num(c.expected.sum as number) / num(c.expected.mean as number);
        const gs = 'grad_sum' in c.expected ? arr(c.expected.grad_sum as Arr) : gm.map((v) => v * divisor);
        for (const [red, want] of [
          ['mean', gm],
          ['sum', gs],
          ['none', gs],
        ] as const) {
          const grad = new Float64Array(args[0].length);
          call({ reduction: red, grad });
          const mag = magnitude(want);
          const tol = REL * mag * M * ('grad_sum' in c.expected ? 1 : 4) + f32m * mag;
          expectArray(`grad (${red})`, grad, want, () => tol);
        }
        // a Float32Array gradient buffer gets the same numbers rounded to f32
        const g32 = new Float32Array(args[0].length);
        call({ reduction: 'mean', grad: g32 });
        const gScale = (REL * M + f32m) * magnitude(gm);
        expectArray('grad f32', g32, gm, (w) => gScale + F32_ROUND * Math.abs(w));
      }
    });
  }
});
