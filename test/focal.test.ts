// sigmoidFocalLoss (torchvision.ops.sigmoid_focal_loss) on every binding (test/entries.ts), against
// two references written by test/fixtures/gen_focal.py into test/fixtures/focal.json:
//   - PyTorch float64: torchvision's formula (written out: Debian packages no torchvision), values
//     per reduction and torch.autograd's gradients;
//   - mpmath at 50 digits: each element's loss and derivative, written so that nothing cancels,
//     against which errors are counted in ulps (PyTorch forms 1 − p_t as 1 − 0.999…: it keeps few
//     digits, or none, of a confident logit's loss).
// Then: gamma 0 is (alpha-weighted) binaryCrossEntropyWithLogits; gradients against central
// differences; the defaults; 20000 elements (WASM's chunks); float16; errors; inputs unmodified.
// The last describe checks the f32 kernel (assembly/focal.ts, sigmoidFocalRows32) per element
// through its export: the API reaches it only for the gradient and the sums (its own per-element
// losses are Float64Array, which take the f64 kernel).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { type Entry, entries, js, wasmOnly } from './entries.js';
import { decode, loadFixture, num, rng } from './helpers.js';

interface Case {
  name: string;
  dtype: 'f64' | 'f32';
  x: string;
  t: string;
  options: { alpha?: number; gamma?: number };
  alpha: number;
  gamma: number;
  torch: { none: string; mean: number | string; sum: number | string; grad_mean: string; grad_sum: string };
  exact: { none: string; grad: string; grad_scale: string; sum: number | string };
}
interface Long {
  dtype: 'f64' | 'f32';
  n: number;
  mean: number;
  sum: number;
  exactSum: number;
}
const fixture = loadFixture<{ cases: Case[]; long: Long[] }>('focal.json');
const f64 = (b64: string) => decode(b64, 'f64') as Float64Array;
const data = (c: Case) => ({ x: decode(c.x, c.dtype), t: decode(c.t, c.dtype) });

// ---- ulps (as test/cancel.test.ts) ---------------------------------------------------------------

const FORMAT = {
  f64: { minNormal: 2 ** -1022, mantissa: 52 },
  f32: { minNormal: 2 ** -126, mantissa: 23 },
} as const;

/** One ulp of a normal |x| in the format: 2^(exponent − mantissa bits). */
function ulp(x: number, format: 'f64' | 'f32'): number {
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - FORMAT[format].mantissa);
}

/** |got − exact| in ulps of `scale` (default |exact|); NaN (skipped) where the scale is not a normal number of the format. */
function ulps(got: number, exact: number, format: 'f64' | 'f32', scale = Math.abs(exact)): number {
  if (!(scale >= FORMAT[format].minNormal) || !Number.isFinite(scale)) return Number.NaN;
  const e = Math.abs(got - exact);
  return Number.isFinite(e) ? e / ulp(scale, format) : Number.POSITIVE_INFINITY;
}

/**
 * The bounds, in f64 ulps (Float64Array outputs: the f64 kernel for both dtypes). A hard target
 * (0 or 1): 6 ulp for the loss, 8 for the gradient (measured, every binding, over the fixture's
 * 11000 elements: 4 and 4; 4 and 5 over 18000 more when this was written): alpha_t·ce·(1 − p_t)^γ and its derivative are products of a few factors,
 * each within an ulp or two (exp, log1p, the division), and (1 − p_t)^γ's argument carries its
 * roundings. A soft target: the same times 1 + γ·|ln m|, m = min(t, 1 − t): (1 − p_t)^γ =
 * exp(γ·log(1 − p_t)), and log(1 − p_t), as large as |ln m|, is rounded to an ulp of itself, which
 * γ multiplies (measured: 1.4 and 3 times 1 + γ·|ln m|). Gradients against the size of their parts
 * (they cancel for soft targets). A Float32Array gradient from the f32 kernel: 4 f32 ulp of the
 * parts (measured: 1.1 here, 1.6 in the last describe).
 */
const LOSS = 6;
const GRAD = 8;
const F32_ULPS = 4;
const amplified = (t: number, gamma: number) => (t === 0 || t === 1 ? 1 : 1 + gamma * Math.abs(Math.log(Math.min(t, 1 - t))));

// ---- PyTorch tolerances --------------------------------------------------------------------------

/**
 * Against PyTorch: |got − want| ≤ REL·(|want| + M), M = max(1, largest |x|). PyTorch's
 * binary_cross_entropy_with_logits forms (1 − t)·x + max(−x, 0), which cancels (−1e4 with t = 1e-6:
 * 0.010000000000218 for 0.01, an error of |x|·2^-53), and its 1 − p_t is off by up to 2^-53; REL =
 * 1e-12 leaves room for both (measured: 2.2e-13 of |want| + 1). Exactness is judged against mpmath.
 */
const REL = 1e-12;
// Gradients: REL·(|want| + scale), scale 1 for 'sum', 1/n for 'mean' (measured: 7e-15 of |want| + 1).
/** A Float32Array gradient: the f32 kernel's 4 ulp of the gradient's parts (2^-21 of them; measured ≤ 2.5 ulp). */
const F32_GRAD = 2 ** -21;

const largest = (x: ArrayLike<number>) => Math.max(1, ...Array.from(x, (v) => (Number.isFinite(v) ? Math.abs(v) : 0)));

function near(got: number, want: number, tol: number): boolean {
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
  return Math.abs(got - want) <= tol;
}

describe.each(entries)('%s: sigmoidFocalLoss', (name, m) => {
  test('the fixture covers the issue: alpha −1, 0, 0.25, 1 × gamma 0, 0.5, 2, 5, f32 and f64; logits ±800, ±30, 0; soft targets', () => {
    const combos = new Set(fixture.cases.map((c) => `${c.alpha} ${c.gamma} ${c.dtype}`));
    for (const alpha of [-1, 0, 0.25, 1])
      for (const gamma of [0, 0.5, 2, 5]) for (const d of ['f32', 'f64']) expect(combos).toContain(`${alpha} ${gamma} ${d}`);
    const xs = new Set<number>();
    let softTargets = 0;
    for (const c of fixture.cases) {
      const { x, t } = data(c);
      for (const v of x) xs.add(v);
      for (const v of t) if (v > 0 && v < 1) softTargets++;
    }
    for (const v of [800, -800, 30, -30, 0]) expect(xs).toContain(v);
    expect(softTargets).toBeGreaterThan(500);
  });

  for (const c of fixture.cases) {
    test(`${c.name}: values and gradients against PyTorch`, () => {
      const { x, t } = data(c);
      const n = x.length;
      const M = largest(x);
      const none = m.sigmoidFocalLoss(x, t, { ...c.options, reduction: 'none' });
      expect(none).toBeInstanceOf(Float64Array);
      const want = f64(c.torch.none);
      for (let i = 0; i < n; i++) {
        if (!near(none[i], want[i], REL * (Math.abs(want[i]) + M)))
          expect.fail(`none[${i}] (x ${x[i]}, t ${t[i]}): got ${none[i]}, want ${want[i]}`);
      }
      const total = want.reduce((s, v) => s + Math.abs(v), 0);
      for (const red of ['mean', 'sum'] as const) {
        const got = m.sigmoidFocalLoss(x, t, { ...c.options, reduction: red });
        const w = num(c.torch[red]);
        // + the f32 kernel's 2^-21 of Σ|terms| for f32 data on WASM
        const tol =
          (REL * (total + n * M) + (c.dtype === 'f32' && name !== 'xentropy/js' ? 2 ** -21 * total : 0)) * (red === 'mean' ? 1 / n : 1);
        if (!near(got, w, tol)) expect.fail(`${red}: got ${got}, want ${w}`);
      }
      // Gradients. PyTorch's is NaN where its 1 − p_t rounds to 0 and gamma < 1 (0·∞ in pow's
      // backward: |x| ≥ 40 with the hard target it agrees with); the true one is finite, and is
      // judged against mpmath below.
      const scale = f64(c.exact.grad_scale);
      for (const [red, key, s] of [
        ['mean', 'grad_mean', 1 / n],
        ['sum', 'grad_sum', 1],
        ['none', 'grad_sum', 1],
      ] as const) {
        const wantG = f64(c.torch[key]);
        for (const Buffer of [Float64Array, Float32Array]) {
          const grad = new Buffer(n);
          m.sigmoidFocalLoss(x, t, { ...c.options, reduction: red, grad });
          for (let i = 0; i < n; i++) {
            if (Number.isNaN(wantG[i])) {
              expect(c.gamma < 1 && Math.abs(x[i]) >= 40 && (x[i] > 0 ? t[i] === 1 : t[i] === 0), `PyTorch's NaN at ${i}`).toBe(true);
              expect(Number.isFinite(grad[i]), `grad[${i}] where PyTorch's is NaN`).toBe(true);
              continue;
            }
            const tol = REL * (Math.abs(wantG[i]) + s) + (Buffer === Float32Array ? F32_GRAD * scale[i] * s : 0);
            if (!near(grad[i], wantG[i], tol))
              expect.fail(`grad ${red} ${Buffer.name}[${i}] (x ${x[i]}, t ${t[i]}): got ${grad[i]}, want ${wantG[i]}`);
          }
        }
      }
    });

    test(`${c.name}: each element within ${LOSS} ulp (loss) and ${GRAD} (gradient) of the exact value, times 1 + γ·|ln min(t, 1 − t)| for soft targets`, () => {
      const { x, t } = data(c);
      const n = x.length;
      const loss = f64(c.exact.none);
      const grad = f64(c.exact.grad);
      const scale = f64(c.exact.grad_scale);
      const g = new Float64Array(n);
      const got = m.sigmoidFocalLoss(x, t, { ...c.options, reduction: 'none', grad: g });
      // Float64Array outputs: the f64 kernel for both dtypes (and f64 TS), so f64 ulps
      for (let i = 0; i < n; i++) {
        const k = amplified(t[i], c.gamma);
        const el = ulps(got[i], loss[i], 'f64');
        if (el > LOSS * k) expect.fail(`loss[${i}] (x ${x[i]}, t ${t[i]}): ${el} ulp; got ${got[i]}, exact ${loss[i]}`);
        const eg = ulps(g[i], grad[i], 'f64', scale[i]);
        if (eg > GRAD * k) expect.fail(`grad[${i}] (x ${x[i]}, t ${t[i]}): ${eg} ulp of its parts; got ${g[i]}, exact ${grad[i]}`);
      }
      // A Float32Array gradient of f32 data: the f32 kernel, in f32 ulps of the parts
      if (c.dtype === 'f32') {
        const g32 = new Float32Array(n);
        m.sigmoidFocalLoss(x, t, { ...c.options, reduction: 'sum', grad: g32 });
        for (let i = 0; i < n; i++) {
          const eg = ulps(g32[i], grad[i], 'f32', scale[i]);
          if (eg > F32_ULPS)
            expect.fail(`f32 grad[${i}] (x ${x[i]}, t ${t[i]}): ${eg} f32 ulp of its parts; got ${g32[i]}, exact ${grad[i]}`);
        }
      }
      // the sum, to a few roundings of Σ|terms| (all terms are ≥ 0)
      const sum = m.sigmoidFocalLoss(x, t, { ...c.options, reduction: 'sum' });
      const terms = loss.reduce((s, v) => s + v, 0);
      const tol = (c.dtype === 'f32' && name !== 'xentropy/js' ? 2 ** -21 : 1e-14) * terms;
      if (!near(sum, num(c.exact.sum), tol)) expect.fail(`sum: got ${sum}, exact ${num(c.exact.sum)}`);
    });
  }

  test('gamma 0 is binaryCrossEntropyWithLogits, weighted by alpha_t = alpha·t + (1 − alpha)·(1 − t) (none with alpha −1)', () => {
    let worst = 0;
    for (const c of fixture.cases.filter((k) => k.gamma === 0)) {
      const { x, t } = data(c);
      const n = x.length;
      const weight = c.alpha < 0 ? undefined : Float64Array.from(t, (v) => c.alpha * v + (1 - c.alpha) * (1 - v));
      const g1 = new Float64Array(n);
      const g2 = new Float64Array(n);
      const a = m.sigmoidFocalLoss(x, t, { alpha: c.alpha, gamma: 0, reduction: 'none', grad: g1 });
      const b = m.binaryCrossEntropyWithLogits(x, t, { weight, reduction: 'none', grad: g2 });
      for (let i = 0; i < n; i++) {
        // The same formulas; log1p(e^−|x|) and σ(−|x|) may differ in their last bit between the two
        // kernels: 4 ulp, of the gradient's parts alpha_t·(|v| + σ(−|x|)) (σ(x) − t cancels).
        const e = Math.exp(-Math.abs(x[i]));
        const parts = (weight ? weight[i] : 1) * ((x[i] >= 0 ? 1 - t[i] : t[i]) + e / (1 + e));
        for (const [what, u, v, scale] of [
          ['loss', a[i], b[i], Math.abs(b[i])],
          ['grad', g1[i], g2[i], parts],
        ] as const) {
          const e = u === v ? 0 : ulps(u, v, 'f64', scale);
          if (e > 4) expect.fail(`${c.name}: ${what}[${i}] (x ${x[i]}, t ${t[i]}): ${u} vs binaryCrossEntropyWithLogits ${v}`);
          if (e > worst) worst = e;
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(4);
  });

  test('gradients against central differences (every reduction; alpha −1, 0.3; gamma 0.5, 1.5, 2, 5; hard and soft targets)', () => {
    const next = rng(14);
    for (const [alpha, gamma] of [
      [-1, 0.5],
      [0.3, 1.5],
      [0.3, 2],
      [-1, 5],
    ]) {
      const n = 24;
      const x = Float64Array.from({ length: n }, () => (next() - 0.5) * 10);
      const t = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? next() : i % 3 === 1 ? 1 : 0));
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        const grad = new Float64Array(n);
        m.sigmoidFocalLoss(x, t, { alpha, gamma, reduction, grad });
        const f = (v: Float64Array) => {
          const r = m.sigmoidFocalLoss(v, t, { alpha, gamma, reduction });
          return typeof r === 'number' ? r : r.reduce((s, w) => s + w, 0);
        };
        for (let i = 0; i < n; i++) {
          // h = 1e-5: truncation h²·f‴/6 and rounding 2^-53·|f|/h both below 1e-9 here
          const h = 1e-5;
          const up = Float64Array.from(x);
          const down = Float64Array.from(x);
          up[i] += h;
          down[i] -= h;
          const fd = (f(up) - f(down)) / (up[i] - down[i]);
          if (Math.abs(fd - grad[i]) > 1e-7 * (1 + Math.abs(grad[i])))
            expect.fail(`alpha ${alpha} gamma ${gamma} ${reduction}: grad[${i}] ${grad[i]}, central difference ${fd}`);
        }
      }
    }
  });

  test("the defaults are torchvision's alpha 0.25 and gamma 2, and the library's reduction 'mean'", () => {
    const c = fixture.cases.find((k) => k.name.startsWith('defaults') && k.dtype === 'f64')!;
    const { x, t } = data(c);
    const got = m.sigmoidFocalLoss(x, t);
    expect(got).toBe(m.sigmoidFocalLoss(x, t, { alpha: 0.25, gamma: 2, reduction: 'mean' }));
    expect(got).not.toBe(m.sigmoidFocalLoss(x, t, { alpha: -1 }));
    expect(got).not.toBe(m.sigmoidFocalLoss(x, t, { gamma: 1 }));
    expect(Math.abs(got - num(c.torch.mean))).toBeLessThan(1e-12 * Math.abs(got));
    // plain arrays are Float64Array data
    expect(m.sigmoidFocalLoss(Array.from(x), Array.from(t))).toBe(got);
  });

  for (const L of fixture.long) {
    test(`${L.n} elements, ${L.dtype} (WASM streams chunks of 16384): mean and sum against PyTorch and mpmath; gradient equal to the TS entry's`, () => {
      const as = (v: Float64Array) => (L.dtype === 'f32' ? Float32Array.from(v) : v);
      // the generator's formula: x_i = ((7919·i) mod 2001 − 1000)/125, t_i = ((104729·i) mod 5)/4
      const x = as(Float64Array.from({ length: L.n }, (_, i) => (((7919 * i) % 2001) - 1000) / 125));
      const t = as(Float64Array.from({ length: L.n }, (_, i) => ((104729 * i) % 5) / 4));
      const f32k = L.dtype === 'f32' && name !== 'xentropy/js';
      const sum = m.sigmoidFocalLoss(x, t, { reduction: 'sum' });
      // f32 kernel: within 2^-21 of Σ|terms| = the sum (terms ≥ 0); f64: a few roundings
      expect(Math.abs(sum - L.exactSum)).toBeLessThanOrEqual((f32k ? 2 ** -21 : 1e-13) * L.exactSum);
      expect(Math.abs(sum - L.sum)).toBeLessThanOrEqual((f32k ? 2 ** -21 : 1e-12) * L.exactSum);
      expect(Math.abs(m.sigmoidFocalLoss(x, t) - L.mean)).toBeLessThanOrEqual((f32k ? 2 ** -21 : 1e-12) * L.mean);
      for (const Buffer of [Float64Array, Float32Array]) {
        const g = new Buffer(L.n);
        const ref = new Float64Array(L.n);
        m.sigmoidFocalLoss(x, t, { grad: g, reduction: 'sum' });
        js.sigmoidFocalLoss(x, t, { grad: ref, reduction: 'sum' });
        for (let i = 0; i < L.n; i++) {
          // the gradient's parts are at most 1 + 2·γ·ce·… ≤ 2 + 4·(|x| + 1) here: 2^-21 of that for the f32 kernel,
          // else the TS kernel's own rounding (f64) or the f32 store
          const parts = 2 + 4 * (Math.abs(x[i]) + 1);
          const tol = Buffer === Float32Array || f32k ? F32_GRAD * parts : 1e-14 * parts;
          if (Math.abs(g[i] - ref[i]) > tol) expect.fail(`grad ${Buffer.name}[${i}]: ${g[i]} vs the TS entry's ${ref[i]}`);
        }
      }
    });
  }

  test('float16 data equals the Float32Array of the same values, bit for bit (WASM and TS sizes)', () => {
    for (const n of [12, 3000]) {
      const next = rng(n);
      const bits = Uint16Array.from({ length: n }, () => {
        // finite float16 values in about ±16
        const sign = next() < 0.5 ? 0x8000 : 0;
        return sign | (Math.floor(next() * 19) << 10) | Math.floor(next() * 1024);
      });
      const widen = (b: Uint16Array) => {
        const f = new Float32Array(b.length);
        for (let i = 0; i < b.length; i++) {
          const h = b[i];
          const e = (h >> 10) & 31;
          const v = e === 0 ? (h & 1023) * 2 ** -24 : (1 + (h & 1023) / 1024) * 2 ** (e - 15);
          f[i] = h & 0x8000 ? -v : v;
        }
        return f;
      };
      const xs = widen(bits);
      const t = Float32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0.5 : i % 2));
      const g16 = new Float32Array(n);
      const g32 = new Float32Array(n);
      expect(m.sigmoidFocalLoss(m.float16(bits), t, { grad: g16 })).toBe(m.sigmoidFocalLoss(xs, t, { grad: g32 }));
      expect(g16).toEqual(g32);
      expect(Array.from(m.sigmoidFocalLoss(m.float16(bits), t, { reduction: 'none', gamma: 1.5 }))).toEqual(
        Array.from(m.sigmoidFocalLoss(xs, t, { reduction: 'none', gamma: 1.5 })),
      );
    }
  });

  test("reductions: 'none' one value per element (a Float64Array); an empty input: 'mean' NaN, 'sum' 0, 'none' empty", () => {
    const x = [2, -1, 0.5, -3];
    const t = [1, 0, 0, 1];
    const none = m.sigmoidFocalLoss(x, t, { reduction: 'none' });
    expect(none).toBeInstanceOf(Float64Array);
    expect(none.length).toBe(4);
    expect(m.sigmoidFocalLoss(x, t, { reduction: 'sum' })).toBeCloseTo(
      none.reduce((a, b) => a + b, 0),
      15,
    );
    expect(m.sigmoidFocalLoss(x, t)).toBeCloseTo(none.reduce((a, b) => a + b, 0) / 4, 15);
    expect(m.sigmoidFocalLoss([], [])).toBeNaN();
    expect(m.sigmoidFocalLoss([], [], { reduction: 'sum', grad: new Float64Array(0) })).toBe(0);
    expect(m.sigmoidFocalLoss(new Float32Array(0), new Float32Array(0), { reduction: 'none' })).toEqual(new Float64Array(0));
  });

  test('a confident correct logit keeps its tiny loss and gradient; ±800 does not overflow', () => {
    // x = 40, t = 1: 1 − p_t = σ(−40) = 4.25e-18 (PyTorch: 1 − 1 = 0); loss = 0.25·log1p(e^−40)·(1 − p_t)^2
    const e = Math.exp(-40);
    const loss = m.sigmoidFocalLoss([40], [1], { reduction: 'none' })[0];
    expect(loss / (0.25 * e * (e / (1 + e)) ** 2)).toBeCloseTo(1, 14);
    expect(m.sigmoidFocalLoss([800, -800], [0, 1], { reduction: 'sum', alpha: -1, gamma: 2 })).toBe(1600);
    const g = new Float64Array(2);
    expect(m.sigmoidFocalLoss([800, -800], [1, 0], { reduction: 'sum', gamma: 0.5, grad: g })).toBe(0);
    expect(Array.from(g)).toEqual([0, 0]); // PyTorch: NaN
  });

  // ---- errors ------------------------------------------------------------------------------------
  const x = new Float64Array([1, -2, 0.5]);
  const t = new Float64Array([1, 0, 0.3]);
  const cases: [string, (e: Entry) => unknown, ErrorConstructor, RegExp][] = [
    [
      'alpha above 1',
      (e) => e.sigmoidFocalLoss(x, t, { alpha: 1.5 }),
      RangeError,
      /sigmoidFocalLoss: option "alpha" must be a number in \[0, 1\], or -1 for no weighting; got 1\.5/,
    ],
    ['alpha negative but not −1', (e) => e.sigmoidFocalLoss(x, t, { alpha: -0.5 }), RangeError, /option "alpha" must be .*; got -0\.5/],
    ['alpha NaN', (e) => e.sigmoidFocalLoss(x, t, { alpha: Number.NaN }), RangeError, /option "alpha" must be .*; got NaN/],
    ['alpha a string', (e) => e.sigmoidFocalLoss(x, t, { alpha: '0.25' as never }), TypeError, /option "alpha" must be .*; got "0\.25"/],
    ['alpha null', (e) => e.sigmoidFocalLoss(x, t, { alpha: null as never }), TypeError, /option "alpha" must be .*; got null/],
    [
      'gamma negative',
      (e) => e.sigmoidFocalLoss(x, t, { gamma: -1 }),
      RangeError,
      /sigmoidFocalLoss: option "gamma" must be a finite number >= 0; got -1/,
    ],
    [
      'gamma NaN',
      (e) => e.sigmoidFocalLoss(x, t, { gamma: Number.NaN }),
      RangeError,
      /option "gamma" must be a finite number >= 0; got NaN/,
    ],
    ['gamma infinite', (e) => e.sigmoidFocalLoss(x, t, { gamma: Number.POSITIVE_INFINITY }), RangeError, /option "gamma" .*; got Infinity/],
    ['gamma a string', (e) => e.sigmoidFocalLoss(x, t, { gamma: '2' as never }), TypeError, /option "gamma" .*; got "2"/],
    [
      'target length',
      (e) => e.sigmoidFocalLoss(x, [1, 0]),
      RangeError,
      /sigmoidFocalLoss: "input" and "target" must have the same length; got 3 and 2/,
    ],
    [
      'target above 1',
      (e) => e.sigmoidFocalLoss(x, [1, 0, 1.5]),
      RangeError,
      /sigmoidFocalLoss: "target"\[2\] must be a probability in \[0, 1\]; got 1\.5/,
    ],
    [
      'target NaN, f32, WASM sizes',
      (e) => e.sigmoidFocalLoss(new Float32Array(400), new Float32Array(400).fill(Number.NaN, 333, 334)),
      RangeError,
      /"target"\[333\] must be a probability in \[0, 1\]; got NaN/,
    ],
    [
      'target negative',
      (e) => e.sigmoidFocalLoss(x, [1, -0.25, 0]),
      RangeError,
      /"target"\[1\] must be a probability in \[0, 1\]; got -0\.25/,
    ],
    [
      'grad length',
      (e) => e.sigmoidFocalLoss(x, t, { grad: new Float64Array(2) }),
      RangeError,
      /sigmoidFocalLoss: option "grad" must have the input's length 3; got length 2/,
    ],
    [
      'grad type',
      (e) => e.sigmoidFocalLoss(x, t, { grad: new Int32Array(3) as never }),
      TypeError,
      /option "grad" must be a Float64Array or Float32Array; got an Int32Array of length 3/,
    ],
    [
      'grad is the input',
      (e) => e.sigmoidFocalLoss(x, t, { grad: x }),
      RangeError,
      /option "grad" shares memory with "input"; inputs are never overwritten/,
    ],
    [
      'grad overlaps the target',
      (e) => {
        const buf = new Float64Array(6);
        return e.sigmoidFocalLoss(x, buf.subarray(0, 3), { grad: buf.subarray(2, 5) });
      },
      RangeError,
      /option "grad" shares memory with "target"/,
    ],
    [
      'an unknown option',
      (e) => e.sigmoidFocalLoss(x, t, { weight: [1, 1, 1] } as never),
      TypeError,
      /unknown option "weight"; known options are "alpha", "gamma", "reduction", "grad"/,
    ],
    [
      'an unknown reduction',
      (e) => e.sigmoidFocalLoss(x, t, { reduction: 'batchmean' as never }),
      RangeError,
      /option "reduction" must be one of 'mean', 'sum', 'none'; got "batchmean"/,
    ],
    [
      'input not numbers',
      (e) => e.sigmoidFocalLoss('123' as never, t),
      TypeError,
      /"input" must be a Float64Array, a Float32Array, float16 data or an array of numbers/,
    ],
  ];
  test.each(cases)('error: %s; the next call works and the inputs are unmodified', (_, call, Type, message) => {
    const xs = Float64Array.from(x);
    const ts = Float64Array.from(t);
    expect(() => call(m)).toThrow(Type);
    expect(() => call(m)).toThrow(message);
    expect(x).toEqual(xs);
    expect(t).toEqual(ts);
    expect(m.sigmoidFocalLoss([0], [1], { alpha: -1, gamma: 0 })).toBe(Math.LN2);
  });

  test('a failed call leaves grad as it was (a bad target found before the gradient is written)', () => {
    for (const G of [Float64Array, Float32Array]) {
      for (const n of [3, 40_000]) {
        const xs = new Float32Array(n).fill(1.5);
        const ts = new Float32Array(n).fill(1);
        ts[n - 1] = 2;
        const grad = new G(n).fill(7);
        expect(() => m.sigmoidFocalLoss(xs, ts, { grad })).toThrow(`"target"[${n - 1}] must be a probability in [0, 1]; got 2`);
        expect(grad.every((v) => v === 7)).toBe(true);
      }
    }
  });

  test('inputs are never modified (every dtype, every output)', () => {
    for (const as of [(v: Float64Array) => v, (v: Float64Array) => Float32Array.from(v)]) {
      const xs = as(Float64Array.from({ length: 300 }, (_, i) => Math.sin(i) * 9));
      const ts = as(Float64Array.from({ length: 300 }, (_, i) => (i % 3) / 2));
      const before = [Array.from(xs), Array.from(ts)];
      for (const reduction of ['mean', 'sum', 'none'] as const)
        for (const G of [Float64Array, Float32Array]) m.sigmoidFocalLoss(xs, ts, { reduction, grad: new G(300), gamma: 1.5 });
      expect([Array.from(xs), Array.from(ts)]).toEqual(before);
    }
  });
});

// ---- the f32 kernel per element --------------------------------------------------------------------

interface Ex {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  sigmoidFocalRowsF32(
    input: number,
    target: number,
    rows: number,
    classes: number,
    alpha: number,
    gamma: number,
    gradScale: number,
    loss: number,
    grad: number,
    sum: number,
  ): number;
}
const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('../dist/xentropy.wasm', import.meta.url))), {})
  .exports as unknown as Ex;

/** sigmoidFocalRowsF32 on one row (gradScale 1): the f32 losses and gradients, the f64 sum and the flag. */
function kernel32(x: Float32Array, t: Float32Array, alpha: number, gamma: number) {
  const n = x.length;
  const [px, pt, pl, pg, ps] = [4 * n, 4 * n, 4 * n, 4 * n, 8].map((b) => ex.alloc(b) >>> 0);
  new Float32Array(ex.memory.buffer, px, n).set(x);
  new Float32Array(ex.memory.buffer, pt, n).set(t);
  const flag = ex.sigmoidFocalRowsF32(px, pt, 1, n, alpha, gamma, 1, pl, pg, ps);
  const loss = new Float32Array(ex.memory.buffer, pl, n).slice();
  const grad = new Float32Array(ex.memory.buffer, pg, n).slice();
  const sum = new Float64Array(ex.memory.buffer, ps, 1)[0];
  for (const p of [px, pt, pl, pg, ps]) ex.free(p);
  return { loss, grad, sum, flag };
}

describe('the f32 kernel (sigmoidFocalRows32), per element, against the f64 TS kernel', () => {
  // The reference: the pure-TS entry on the same f32 values, in f64, within 8·(1 + γ·|ln m|) f64
  // ulps of the exact value (the tests above): below 2^-20 of an f32 ulp here. Errors in f32 ulps of
  // the reference (the gradient: of its parts). Bound 4 f32 ulp, 2^-22 (measured over 20000 elements
  // per case: at most 2.2 for the loss and 1.6 for the gradient, at γ = 6, where the f32 lanes
  // stop: the f32 polynomials' few 2^-28 in log(1 − p_t) are multiplied by γ; at γ = 8, f64 lanes,
  // 0.5: the f32 store). Row sums: within 0.04·2^-24 of Σ|terms| (the design's bound is 2^-21).
  const next = rng(32);
  const n = 20_000;
  for (const gamma of [0, 0.5, 2, 5, 6, 8]) {
    for (const kind of ['hard', 'soft', 'near 0 and 1'] as const) {
      test(`gamma ${gamma}, ${kind} targets, |x| < 128 (the f32 lanes${gamma > 6 ? "' limit: f64 lanes" : ''}): within ${F32_ULPS} f32 ulp; the sum within 2^-21 of Σ|terms|`, () => {
        const x = Float32Array.from({ length: n }, () => (next() - 0.5) * 2 * (next() < 0.5 ? 127 : 8));
        const t = Float32Array.from({ length: n }, () =>
          kind === 'hard' ? (next() < 0.5 ? 0 : 1) : kind === 'soft' ? next() : next() < 0.5 ? next() * 1e-6 : 1 - next() * 1e-6,
        );
        const alpha = 0.25;
        const r = kernel32(x, t, alpha, gamma);
        expect(r.flag).toBe(0);
        const g = new Float64Array(n);
        const ref = js.sigmoidFocalLoss(x, t, { alpha, gamma, reduction: 'none', grad: g });
        let worstLoss = 0;
        let worstGrad = 0;
        let terms = 0;
        let want = 0;
        for (let i = 0; i < n; i++) {
          // the gradient's parts: alpha_t·(1 − p_t)^γ·(v + s + γ·ce·|1 − 2t|·s/w) ≤ its value + 2·alpha_t·(1 − p_t)^γ·(v + s)
          const a = Math.abs(x[i]);
          const e = Math.exp(-a);
          const v = x[i] >= 0 ? 1 - t[i] : t[i];
          const q = v / (1 + e) + (1 - v) * (e / (1 + e));
          const at = alpha * t[i] + (1 - alpha) * (1 - t[i]);
          const parts = Math.abs(g[i]) + 2 * at * q ** gamma * (v + e / (1 + e));
          worstLoss = Math.max(worstLoss, ulps(r.loss[i], ref[i], 'f32') || 0);
          worstGrad = Math.max(worstGrad, ulps(r.grad[i], g[i], 'f32', parts) || 0);
          terms += Math.abs(ref[i]);
          want += ref[i];
        }
        expect(worstLoss).toBeLessThanOrEqual(F32_ULPS);
        expect(worstGrad).toBeLessThanOrEqual(F32_ULPS);
        expect(Math.abs(r.sum - want)).toBeLessThanOrEqual(2 ** -21 * terms);
      });
    }
  }

  test('blocks holding |x| ≥ 128, ±∞, NaN or bad targets, and the tails, take the scalar path: the TS formulas', () => {
    const x = Float32Array.from({ length: 203 }, (_, i) => (i % 7) * 9 - 20);
    const t = Float32Array.from({ length: 203 }, (_, i) => (i % 5) / 4);
    x[70] = 300;
    x[140] = Number.POSITIVE_INFINITY;
    x[141] = Number.NaN;
    const r = kernel32(x, t, -1, 2);
    expect(r.flag).toBe(0);
    const ref = js.sigmoidFocalLoss(x, t, { alpha: -1, gamma: 2, reduction: 'none' });
    for (let i = 0; i < 203; i++) {
      if (Number.isNaN(ref[i])) expect(r.loss[i], `loss[${i}]`).toBeNaN();
      else expect(ulps(r.loss[i], ref[i], 'f32') || 0, `loss[${i}]`).toBeLessThanOrEqual(F32_ULPS);
    }
    t[100] = -0.5;
    expect(kernel32(x, t, -1, 2).flag).toBe(1);
  });

  test('special logits (±800, ±∞, NaN, ±0, subnormal, 1e300): the WASM kernels as the TS kernel, NaN and ∞ alike', () => {
    const xs = [800, 700, 745, 40, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 0, -0, 1e-300, 5e-324, 1e300];
    for (const as of [(v: number[]) => Float64Array.from(v), (v: number[]) => Float32Array.from(v)]) {
      for (const tv of [0, 1, 0.5]) {
        const x = as(xs);
        const t = as(xs.map(() => tv));
        const ga = new Float64Array(xs.length);
        const gb = new Float64Array(xs.length);
        const a = wasmOnly.sigmoidFocalLoss(x, t, { reduction: 'none', grad: ga });
        const b = js.sigmoidFocalLoss(x, t, { reduction: 'none', grad: gb });
        for (let i = 0; i < xs.length; i++) {
          for (const [u, v] of [
            [a[i], b[i]],
            [ga[i], gb[i]],
          ]) {
            if (!Number.isFinite(v)) expect(u).toBe(v);
            else if (Math.abs(v) < 2 ** -1022) expect(Math.abs(u - v)).toBeLessThan(2 ** -1020);
            else expect(ulps(u, v, 'f64')).toBeLessThanOrEqual(4);
          }
        }
      }
    }
  });
});
