// The scoring and calibration functions against PyTorch, SciPy, and the lm-evaluation-harness and
// torchmetrics formulas written out in test/fixtures/gen_scoring.py (which wrote scoring.json and
// says what each section holds), on every binding of test/entries.ts.
import { describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';
import { decode, F32_MATH, loadFixture } from './helpers.js';

type F64 = { f64: string };
type I32 = { i32: number[] };
type Logits = { gen: 'gen32'; seed: number } | F64;

interface TopCase {
  name: string;
  dtype: 'f32' | 'f64';
  rows: number;
  classes: number;
  logits: Logits;
  ks: { k: number; indices: I32; values: F64 }[];
}
interface EntropyCase {
  name: string;
  dtype: 'f32' | 'f64';
  rows: number;
  classes: number;
  logits: Logits;
  values: F64;
  grad?: F64;
  exact?: F64;
}
interface Fixture {
  top: TopCase[];
  entropy: EntropyCase[];
  continuation: {
    name: string;
    rows: number;
    classes: number;
    start: number;
    logits: Logits;
    targets: I32;
    logLikelihood: number;
    isGreedy: boolean;
  }[];
  multipleChoice: {
    questions: { lls: number[]; lengths: number[]; gold: number }[];
    acc: number;
    accNorm: number;
    accStderr: number;
    accNormStderr: number;
    brierScore: number;
    count: number;
  };
  brier: {
    name: string;
    rows: number;
    classes: number;
    fromLogits: boolean;
    dtype: 'f32' | 'f64';
    input: F64;
    target: I32;
    none: F64;
    mean: number;
    sum: number;
  }[];
  calibration: {
    name: string;
    rows: number;
    classes: number | null;
    fromLogits: boolean;
    input: F64;
    target: I32;
    results: { bins: number; edges: F64; count: F64; confidence: F64; accuracy: F64; l1: number; l2: number; max: number }[];
  }[];
  temperature: {
    name: string;
    rows: number;
    classes: number;
    logits: F64;
    target: I32;
    ignoreIndex: number | null;
    scipy: number;
    root: number;
    nll: number;
    nllBefore: number;
  }[];
}

const fixture = loadFixture<Fixture>('scoring.json');
const f64 = (a: F64) => decode(a.f64, 'f64') as Float64Array;

/** gen_lm.py's gen32 (every step an integer below 2^53: exact in f64, the value exact in f32). */
function gen32(n: number, seed: number): Float64Array {
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) x[k] = ((k * k * 7919 + k * 104729 + seed * 31337) % 65536) / 4096 - 8;
  return x;
}
const logitsOf = (l: Logits, n: number) => ('gen' in l ? gen32(n, l.seed) : f64(l));
/** The logits as the case's dtype: every value is exact in it. */
const asDtype = (x: Float64Array, dtype: 'f32' | 'f64') => (dtype === 'f32' ? Float32Array.from(x) : x);

function near(got: number, want: number, tol: number): boolean {
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
  return Math.abs(got - want) <= tol;
}

describe.each(entries)('%s', (name, api: Entry) => {
  const wasmF32 = name !== 'xentropy/js';

  describe('topLogProbs against torch.topk(log_softmax)', () => {
    for (const c of fixture.top) {
      const x64 = logitsOf(c.logits, c.rows * c.classes);
      const x = asDtype(x64, c.dtype);
      for (const { k, indices, values } of c.ks) {
        test(`${c.name} (${c.rows} × ${c.classes}, ${c.dtype}) k = ${k}`, () => {
          const got = api.topLogProbs(x, { classes: c.classes, k });
          const want = f64(values);
          // the selection is exact: the stable order of the log-probabilities (ties: lower id first)
          expect(Array.from(got.indices)).toEqual(indices.i32);
          // (x_t − max) − log1p(others): f64 roundings of a sum of up to 128256 terms, 1e-13 relative
          // to the value's magnitude (≥ 1: the max's own 1); on WASM an f32 row's others-sum is in
          // f32 SIMD with f64 sums: F32_MATH absolute in its log1p (helpers.ts)
          const tol = (v: number) => 1e-13 * (1 + Math.abs(v)) + (wasmF32 && c.dtype === 'f32' ? F32_MATH : 0);
          for (let i = 0; i < want.length; i++) {
            if (!near(got.values[i], want[i], tol(want[i]))) expect([i, got.values[i]]).toEqual([i, want[i]]);
          }
        });
      }
    }
  });

  describe('softmaxEntropy against −(softmax · log_softmax).sum(−1) and its autograd gradient', () => {
    for (const c of fixture.entropy) {
      const x64 = logitsOf(c.logits, c.rows * c.classes);
      const x = asDtype(x64, c.dtype);
      test(`${c.name} (${c.rows} × ${c.classes}, ${c.dtype})`, () => {
        const got = api.softmaxEntropy(x, { classes: c.classes, reduction: 'none' });
        const want = f64(c.values);
        // H = log1p(s) − dot/(1 + s), two terms ≥ 0: relative 1e-12 (f64 sums of up to 128256
        // terms and torch's own); on WASM f32 rows, exp and e·d in f32 (2^-23 each) summed in f64:
        // F32_MATH relative to H's two terms, i.e. to H
        const rel = 1e-12 + (wasmF32 && c.dtype === 'f32' ? F32_MATH : 0);
        const exact = c.exact ? f64(c.exact) : null;
        for (let r = 0; r < c.rows; r++) {
          // where float64 PyTorch loses a tiny entropy (by more than 1e-12 relative), mpmath decides
          if (exact !== null && !near(want[r], exact[r], 1e-12 * Math.abs(exact[r]))) continue;
          if (!near(got[r], want[r], rel * Math.abs(want[r]) + 1e-300)) expect([r, got[r]]).toEqual([r, want[r]]);
        }
        if (exact !== null) {
          // mpmath at 50 digits: the f64 path to a few ulp (1e-14 relative)
          for (let r = 0; r < c.rows; r++) {
            const tol = (1e-14 + (wasmF32 && c.dtype === 'f32' ? F32_MATH : 0)) * Math.abs(exact[r]);
            if (!near(got[r], exact[r], tol)) expect([r, got[r], 'mpmath']).toEqual([r, exact[r], 'mpmath']);
          }
        }
        expect(api.softmaxEntropy(x, { classes: c.classes, reduction: 'sum' })).toBeCloseTo(
          Array.from(want).reduce((a, b) => a + b, 0),
          6,
        );
      });
      if (c.grad) {
        test(`${c.name}: grad`, () => {
          const grad = new Float64Array(c.rows * c.classes);
          api.softmaxEntropy(x, { classes: c.classes, reduction: 'sum', grad });
          const want = f64(c.grad!);
          const H = f64(c.values);
          // g = −p(log p + H): an error δ in log p (the log-sum-exp's) and δH in H move it by
          // p·|δ|·|log p + H| + p·(|δ| + |δH|) ≤ e·(|g| + p·(1 + H)) for relative errors e: 1e-12 on
          // the f64 paths (sums of up to 1000 terms, torch's own roundings), F32_MATH more on the
          // WASM f32 path, whose log-sum-exp and H come from f32 SIMD sums (helpers.ts)
          const e = 1e-12 + (wasmF32 && c.dtype === 'f32' ? F32_MATH : 0);
          for (let r = 0; r < c.rows; r++) {
            let m = -Infinity;
            for (let j = 0; j < c.classes; j++) m = Math.max(m, x64[r * c.classes + j]);
            let s = 0;
            for (let j = 0; j < c.classes; j++) s += Math.exp(x64[r * c.classes + j] - m);
            for (let j = 0; j < c.classes; j++) {
              const i = r * c.classes + j;
              const p = Math.exp(x64[i] - m) / s;
              const tol = e * (Math.abs(want[i]) + p * (1 + H[r])) + 1e-300;
              if (!near(grad[i], want[i], tol)) expect([i, grad[i]]).toEqual([i, want[i]]);
            }
          }
        });
      }
    }
  });

  describe('continuationScore: lm-eval loglikelihood and is_greedy', () => {
    for (const c of fixture.continuation) {
      test(c.name, () => {
        const x = logitsOf(c.logits, c.rows * c.classes);
        for (const input of [x, Float32Array.from(x)]) {
          const got = api.continuationScore(input, Int32Array.from(c.targets.i32), { classes: c.classes, start: c.start });
          expect(got.isGreedy).toBe(c.isGreedy);
          expect(got.tokens).toBe(c.rows - c.start);
          // a sum of a few log-probabilities, each as in topLogProbs
          const tol = 1e-12 * (1 + Math.abs(c.logLikelihood)) + (wasmF32 && input instanceof Float32Array ? got.tokens * F32_MATH : 0);
          expect(Math.abs(got.logLikelihood - c.logLikelihood)).toBeLessThanOrEqual(tol);
        }
      });
    }
  });

  test('the multiple-choice accumulator: lm-eval acc, acc_norm, mean_stderr, brier_score', () => {
    const mc = fixture.multipleChoice;
    const acc = api.accumulator('multipleChoice');
    for (const q of mc.questions) acc.update(q.lls, q.gold, { lengths: q.lengths });
    const got = acc.compute();
    expect(got.count).toBe(mc.count);
    expect(got.acc).toBe(mc.acc);
    expect(got.accNorm).toBe(mc.accNorm);
    // √(p(1 − p)/(n − 1)) against lm-eval's loop over the 0/1 scores: a few roundings
    expect(got.accStderr).toBeCloseTo(mc.accStderr, 14);
    expect(got.accNormStderr).toBeCloseTo(mc.accNormStderr, 14);
    // Σ p² terms per question (exp and log of lls of size ≤ 30): 1e-13 relative
    expect(Math.abs(got.brierScore - mc.brierScore)).toBeLessThanOrEqual(1e-13 * mc.brierScore);
  });

  describe('brierScore: lm-eval brier_score', () => {
    for (const c of fixture.brier) {
      test(c.name, () => {
        const x = asDtype(f64(c.input), c.dtype);
        const t = Int32Array.from(c.target.i32);
        const o = { classes: c.classes, fromLogits: c.fromLogits };
        const none = api.brierScore(x, t, { ...o, reduction: 'none' });
        const want = f64(c.none);
        // a sum of `classes` squares of probabilities: 1e-13 relative to the row's value
        for (let r = 0; r < c.rows; r++) expect(Math.abs(none[r] - want[r])).toBeLessThanOrEqual(1e-13 * Math.max(want[r], 1e-3));
        expect(Math.abs(api.brierScore(x, t, o) - c.mean)).toBeLessThanOrEqual(1e-13 * c.mean);
        expect(Math.abs(api.brierScore(x, t, { ...o, reduction: 'sum' }) - c.sum)).toBeLessThanOrEqual(1e-13 * c.sum);
      });
    }
  });

  describe('calibrationError and reliabilityBins: torchmetrics', () => {
    for (const c of fixture.calibration) {
      for (const res of c.results) {
        test(`${c.name}, ${res.bins} bins`, () => {
          const x = f64(c.input);
          const t = Int32Array.from(c.target.i32);
          const base = { ...(c.classes === null ? {} : { classes: c.classes }), bins: res.bins, fromLogits: c.fromLogits };
          const bins = api.reliabilityBins(x, t, base);
          expect(Array.from(bins.edges)).toEqual(Array.from(f64(res.edges)));
          expect(Array.from(bins.count)).toEqual(Array.from(f64(res.count)));
          // means of ≤ 1000 confidences: 1e-14 relative (from logits: exp(−rest) against torch's softmax, a few ulp)
          const conf = f64(res.confidence);
          const accs = f64(res.accuracy);
          for (let i = 0; i <= res.bins; i++) {
            expect(Math.abs(bins.confidence[i] - conf[i])).toBeLessThanOrEqual(1e-14);
            expect(Math.abs(bins.accuracy[i] - accs[i])).toBeLessThanOrEqual(1e-15);
          }
          for (const norm of ['l1', 'l2', 'max'] as const) {
            const got = api.calibrationError(x, t, { ...base, norm });
            expect(Math.abs(got - res[norm])).toBeLessThanOrEqual(1e-14);
          }
          // the accumulator, in three batches
          const acc = api.accumulator('calibrationError', base);
          const n = t.length;
          const C = c.classes ?? 1;
          for (const [a, b] of [
            [0, Math.floor(n / 3)],
            [Math.floor(n / 3), Math.floor((2 * n) / 3)],
            [Math.floor((2 * n) / 3), n],
          ])
            acc.update(x.slice(a * C, b * C), t.slice(a, b));
          expect(Math.abs(acc.compute() - res.l1)).toBeLessThanOrEqual(1e-14);
        });
      }
    }
  });

  describe('fitTemperature against SciPy', () => {
    for (const c of fixture.temperature) {
      test(c.name, () => {
        const got = api.fitTemperature(f64(c.logits), Int32Array.from(c.target.i32), {
          classes: c.classes,
          ...(c.ignoreIndex === null ? {} : { ignoreIndex: c.ignoreIndex }),
        });
        // the 1e-9 relative, against brentq's root of the exact derivative
        expect(Math.abs(got.temperature - c.root)).toBeLessThanOrEqual(1e-9 * c.root);
        // minimize_scalar's minimiser: located to ~√ε relative by function values alone
        expect(Math.abs(got.temperature - c.scipy)).toBeLessThanOrEqual(1e-6 * c.scipy);
        // mean NLLs over ≤ 2000 rows: 1e-13 relative
        expect(Math.abs(got.nll - c.nll)).toBeLessThanOrEqual(1e-13 * c.nll);
        expect(Math.abs(got.nllBefore - c.nllBefore)).toBeLessThanOrEqual(1e-13 * c.nllBefore);
        expect(got.nll).toBeLessThanOrEqual(got.nllBefore);
      });
    }
  });
});
