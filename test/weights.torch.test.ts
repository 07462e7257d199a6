// Issue 19 against PyTorch, SciPy and mpmath: sampleWeight and the reductions on every function
// that takes it, BCE labelSmoothing and per-class weights, class indices in every integer typed
// array, logSumExp's b and returnSign. test/fixtures/gen_weights.py wrote the fixture and says
// how each expected value is defined. Every binding of test/entries.ts; data as Float64Array,
// Float32Array and number[].
import { describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';
import { F32_MATH, loadFixture, num } from './helpers.js';

type Num = number | string;
interface LossCase {
  name: string;
  fn: keyof Entry;
  labels?: true;
  input: number[];
  target: number[];
  options: Record<string, unknown>;
  expected: Record<string, Num | Num[]>;
  grad: Record<string, Num[]>;
}
interface LseCase {
  name: string;
  x: Num[];
  b: Num[];
  classes?: number;
  scipy: [Num, Num][];
  exact: ([Num, number] | null)[];
  scipyOff: boolean[];
}

const fixture = loadFixture<{ losses: LossCase[]; lse: LseCase[] }>('weights.json');

/** Every integer typed array taken as class indices, and number[]; the fixture's targets fit each (0 … 4, and 100). */
const LABELS: [string, (t: number[]) => unknown][] = [
  ['Int32Array', (t) => Int32Array.from(t)],
  ['Uint32Array', (t) => Uint32Array.from(t)],
  ['Uint8Array', (t) => Uint8Array.from(t)],
  ['Uint8ClampedArray', (t) => Uint8ClampedArray.from(t)],
  ['Int8Array', (t) => Int8Array.from(t)],
  ['Uint16Array', (t) => Uint16Array.from(t)],
  ['Int16Array', (t) => Int16Array.from(t)],
  ['BigInt64Array', (t) => BigInt64Array.from(t, BigInt)],
  ['BigUint64Array', (t) => BigUint64Array.from(t, BigInt)],
  ['number[]', (t) => t.slice()],
];

const DTYPES = [
  ['f64', (v: number[]) => Float64Array.from(v)],
  ['f32', (v: number[]) => Float32Array.from(v)],
  ['array', (v: number[]) => v.slice()],
] as const;

// Tolerances. f64 data: 1e-12 relative to the magnitudes summed (each loss is a few roundings of
// values of size |loss| + |logit|; a weighted sum adds one rounding per row): REL·scale below.
// f32 data on the WASM kernels: logs and exps in f32 SIMD, F32_MATH (2^-21, test/helpers.ts)
// relative to the terms, and up to 4 such terms per loss (the label term, the smoothing term,
// the class weight's product, the sample weight's product): 4·F32_MATH·scale. The pure-TS entry
// computes f32 data in f64 (F32_MATH does not apply to it). A Float32Array gradient is rounded to
// f32 once more: 2^-24 relative.
const REL = 1e-12;
const F32_ROUND = 2 ** -24;

function near(got: number, want: number, tol: number): boolean {
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
  return Math.abs(got - want) <= tol;
}

describe.each(entries)('%s: sample weights and reductions against PyTorch and SciPy', (_, m) => {
  for (const c of fixture.losses) {
    const labelKinds = c.labels ? LABELS : [['float', (t: number[]) => t] as [string, (t: number[]) => unknown]];
    for (const [dtype, make] of DTYPES) {
      test(`${c.name} (${c.fn}, ${dtype}, every label type)`, () => {
        // f32 data: the WASM kernels' f32 math, and on every entry the f32 arrays formed for the
        // kernels (a smoothed target, a per-element weight s·w), each rounded to f32 (2^-24): 4·F32_MATH
        const f32m = dtype === 'f32' ? 4 * F32_MATH : 0;
        const options: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(c.options)) options[k] = Array.isArray(v) && k !== 'shape' ? make(v as number[]) : v;
        const none = (c.expected.none as Num[]).map(num);
        // the scale of a reduced value: Σ |weighted loss| plus the input's magnitude per weighted row
        const M = Math.max(1, ...c.input.map(Math.abs));
        const sw = c.options.sampleWeight as number[];
        const scale = none.reduce((a, v) => a + Math.abs(v), 0) + M * sw.reduce((a, v) => a + v, 0);
        for (const [kind, label] of labelKinds) {
          const target = c.labels ? label(c.target) : make(c.target);
          const fn = m[c.fn] as (...a: unknown[]) => number | Float64Array;
          const inputCopy = make(c.input);
          const before = Array.from(inputCopy as ArrayLike<number>);
          for (const [red, wantRaw] of Object.entries(c.expected)) {
            const at = `${kind}, ${red}`;
            if (red === 'none') {
              const got = fn(inputCopy, target, { ...options, reduction: 'none' }) as Float64Array;
              expect(got, at).toBeInstanceOf(Float64Array);
              expect(got.length, at).toBe(none.length);
              none.forEach((w, i) => {
                if (!near(got[i], w, (REL + f32m) * (Math.abs(w) + M))) expect.fail(`${at}[${i}]: got ${got[i]}, want ${w}`);
              });
            } else {
              const got = fn(inputCopy, target, { ...options, reduction: red }) as number;
              const w = num(wantRaw as Num);
              const divisor = red === 'sum' ? 1 : Math.abs(none.reduce((a, v) => a + v, 0) / w) || 1;
              if (!near(got, w, ((REL + f32m) * scale) / divisor)) expect.fail(`${at}: got ${got}, want ${w}`);
            }
            // the gradient of the reduced value (of the weighted sum for 'none'), into a buffer of the data's type
            const want = c.grad[red].map(num);
            const grad = dtype === 'f32' ? new Float32Array(want.length) : new Float64Array(want.length);
            fn(inputCopy, target, { ...options, reduction: red, grad });
            const gmax = Math.max(...want.map(Math.abs));
            want.forEach((w, i) => {
              const tol = (REL * M + f32m) * gmax + (dtype === 'f32' ? F32_ROUND * Math.abs(w) : 0);
              if (!near(grad[i], w, tol)) expect.fail(`grad ${at}[${i}]: got ${grad[i]}, want ${w}`);
            });
          }
          expect(Array.from(inputCopy as ArrayLike<number>), 'the input is not modified').toEqual(before);
        }
      });
    }
  }

  describe('logSumExp with b and returnSign (SciPy, mpmath)', () => {
    for (const c of fixture.lse) {
      test(c.name, () => {
        const x = c.x.map(num);
        const b = c.b.map(num);
        const C = c.classes ?? x.length;
        const rows = x.length / C;
        for (const [, make] of DTYPES) {
          // Float32Array only where x and b are exact in f32
          if (make === DTYPES[1][1] && [...x, ...b].some((v) => Math.fround(v) !== v && !Number.isNaN(v))) continue;
          const got = m.logSumExp(make(x), { b: make(b), returnSign: true, classes: C });
          const plain = m.logSumExp(make(x), { b: make(b), classes: C });
          for (let r = 0; r < rows; r++) {
            const [sv, ss] = c.scipy[r].map(num);
            const exact = c.exact[r];
            const value = got.value[r];
            const sign = got.sign[r];
            if (exact === null) {
              // special values: SciPy's formula decides
              expect([value, sign], `row ${r}`).toEqual([sv, ss]);
            } else {
              const ev = num(exact[0]);
              expect(sign, `row ${r} sign`).toBe(exact[1]);
              if (ev === -Infinity) expect(value).toBe(-Infinity);
              else {
                // The condition of log|Σ t| in x: each x_i within half an ulp moves the result by
                // at most 2^-53·Σ|x_i·t_i|/|Σ t| (t_i = b_i·e^(x_i)); 2 of those, or 2 ulps of the
                // value, whichever is larger, is what a result accurate to its input can be asked.
                let cond = 0;
                for (let k = r * C; k < r * C + C; k++) if (b[k] !== 0) cond += Math.abs(x[k] * b[k] * Math.exp(x[k] - ev));
                const ulp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(ev), 2 ** -1022))) - 52);
                const tol = Math.max(2 * ulp, 2 * 2 ** -53 * cond);
                if (!near(value, ev, tol)) expect.fail(`row ${r}: got ${value}, mpmath ${ev} (SciPy ${sv}), tolerance ${tol}`);
                // where SciPy loses a two-term difference (log(p − q)), we are within 2 ulps of mpmath
                if (c.scipyOff[r] && C === 2) expect(Math.abs(value - ev), `row ${r}`).toBeLessThanOrEqual(2 * ulp);
              }
            }
            // without returnSign: the value, NaN for a negative sum (SciPy)
            const p = typeof plain === 'number' ? plain : plain[r];
            if (sign < 0) expect(p).toBeNaN();
            else expect(Object.is(p, value) || (Number.isNaN(p) && Number.isNaN(value))).toBe(true);
          }
        }
      });
    }
  });
});
