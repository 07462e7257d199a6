// ctcLoss against PyTorch's F.ctc_loss in float64 (test/fixtures/gen_ctc.py wrote
// test/fixtures/ctc.json and says what each case holds): the loss for every reduction and
// zeroInfinity, and the gradient autograd gives, on every binding of test/entries.ts, the input as
// Float64Array, Float32Array (f32 cases: every value exact in f32) and number[], targets as
// Int32Array, Uint32Array and number[]. Then what the fixture cannot hold: the 0-frame sample
// (written by hand, as PyTorch fixed it), the gradient by finite differences, and the errors.
import { describe, expect, test } from 'vitest';
import { type Entry, entries, js } from './entries.js';
import { decode, loadFixture, num, rng } from './helpers.js';

interface Result {
  loss: number | string | { f64: string };
  grad?: { f64: string };
}
type Reduction = 'none' | 'sum' | 'mean';
interface Case {
  name: string;
  T: number;
  N: number;
  C: number;
  dtype: 'f32' | 'f64';
  batchFirst: boolean;
  targetLayout: 'concatenated' | 'padded';
  blank: number;
  fromLogits: boolean;
  inputLengths: number[];
  targetLengths: number[];
  targets: number[];
  input: { f64: string };
  plain: Record<Reduction, Result>;
  zeroInfinity?: Record<Reduction, Result>;
}

const fixture = loadFixture<{ torch: string; cases: Case[] }>('ctc.json');

// Tolerances. The loss is a chain of T log-sum-exps of two or three terms, each within a few ulp
// of |α| (α up to a few hundred here): the worst measured on the xentropy/js entry is 3.1e-16
// relative; 1e-14 leaves 30× for the WASM kernel's vector exp and log (each < 1 ulp, but not
// Math.exp's roundings). The gradient element exp(lp) − γ, γ = exp(α + β − lp + loss): the
// exponent's absolute error (ulps of values up to ~400) becomes γ's relative error; worst measured
// 4.2e-14 of max(1, |g|) for gradScale 1, so 1e-12·gradScale·max(1, |g|).
const LOSS_REL = 1e-14;
const GRAD_ABS = 1e-12;
// An f32 gradient is the f64 one rounded once: half an f32 ulp, 2^-24 relative.
const F32_REL = 2 ** -24;

function closeTo(actual: number, expected: number, abs: number): boolean {
  if (!Number.isFinite(expected)) return Object.is(actual, expected);
  return Math.abs(actual - expected) <= abs;
}

function optionsOf(c: Case, reduction: Reduction, zeroInfinity: boolean) {
  return {
    classes: c.C,
    inputLengths: c.inputLengths,
    targetLengths: c.targetLengths,
    blank: c.blank,
    batchFirst: c.batchFirst,
    fromLogits: c.fromLogits,
    targetLayout: c.targetLayout,
    reduction,
    zeroInfinity,
  };
}

const inputKinds = ['Float64Array', 'Float32Array', 'number[]'] as const;
const targetKinds = ['Int32Array', 'Uint32Array', 'number[]'] as const;

function inputOf(c: Case, kind: (typeof inputKinds)[number]) {
  const x = decode(c.input.f64, 'f64') as Float64Array;
  if (kind === 'Float32Array') return new Float32Array(x);
  return kind === 'number[]' ? Array.from(x) : x;
}

function targetsOf(c: Case, kind: (typeof targetKinds)[number]) {
  // padded filler is -1: a Uint32Array cannot hold it, and it is never read, so 0 stands in
  if (kind === 'Uint32Array') return new Uint32Array(c.targets.map((v) => Math.max(v, 0)));
  return kind === 'Int32Array' ? new Int32Array(c.targets) : c.targets.slice();
}

describe.each(entries)('%s', (_name, X: Entry) => {
  describe.each(fixture.cases)('$name', (c) => {
    // f64 cases: every input kind (f32 rounds them, so only f64 arrays and number[]); f32 cases: all three
    const kinds = c.dtype === 'f32' ? inputKinds : (['Float64Array', 'number[]'] as const);
    const settings = c.zeroInfinity ? [false, true] : [false];
    test.each(kinds)('input as %s', (kind) => {
      const x = inputOf(c, kind);
      for (const zi of settings) {
        const ref = (zi ? c.zeroInfinity : c.plain)!;
        for (const reduction of ['none', 'sum', 'mean'] as const) {
          const tk = targetKinds[(reduction.length + (zi ? 1 : 0)) % 3];
          const where = `${kind}, ${reduction}, zeroInfinity ${zi}, targets ${tk}`;
          const gradKind = reduction === 'mean' ? Float32Array : Float64Array;
          const grad = new gradKind(c.T * c.N * c.C).fill(Number.NaN);
          const got = X.ctcLoss(x, targetsOf(c, tk), { ...optionsOf(c, reduction, zi), grad });
          const r = ref[reduction];
          if (reduction === 'none') {
            const want = decode((r.loss as { f64: string }).f64, 'f64');
            expect(got, where).toBeInstanceOf(Float64Array);
            const g = got as Float64Array;
            expect(g.length).toBe(c.N);
            for (let n = 0; n < c.N; n++)
              expect(closeTo(g[n], want[n], LOSS_REL * Math.abs(want[n])), `${where}: loss[${n}] ${g[n]} vs ${want[n]}`).toBe(true);
          } else {
            const want = num(r.loss as number | string);
            expect(closeTo(got as number, want, LOSS_REL * Math.abs(want)), `${where}: ${got} vs ${want}`).toBe(true);
          }
          const wantGrad = decode(ref[reduction === 'none' ? 'sum' : reduction].grad!.f64, 'f64');
          const scale = reduction === 'mean' ? 1 / c.N : 1;
          for (let i = 0; i < wantGrad.length; i++) {
            const e = wantGrad[i];
            const tol = GRAD_ABS * scale * Math.max(1, Math.abs(e)) + (gradKind === Float32Array ? F32_REL * Math.abs(e) : 0);
            if (Number.isNaN(e)) expect(grad[i], `${where}: grad[${i}]`).toBeNaN();
            else expect(closeTo(grad[i], e, tol), `${where}: grad[${i}] ${grad[i]} vs ${e}`).toBe(true);
          }
        }
      }
    });
  });

  test('a sample of 0 frames: loss 0 for an empty target, +Infinity otherwise (pytorch#123193), no gradient', () => {
    // Written by hand: PyTorch 1.13 returns garbage here; the fixed semantics (PyTorch ≥ 2.4,
    // pytorch#123193) are "the only alignment of 0 frames is the empty one".
    const T = 3;
    const C = 3;
    const x = new Float64Array(T * 3 * C).fill(Math.log(1 / 3));
    const grad = new Float64Array(x.length).fill(7);
    const opts = { classes: C, inputLengths: [0, 0, 3], targetLengths: [0, 1, 1], reduction: 'none' as const, grad };
    const got = X.ctcLoss(x, [1, 2], opts);
    expect(got[0]).toBe(0);
    expect(got[1]).toBe(Infinity);
    // sample 2: "2" in 3 uniform frames; alignments: 2 at one of the frames, blanks elsewhere, or
    // runs: any of the 6 strings over {0, 2} of length 3 with one run of 2s: 3 + 2 + 1 = 6, each (1/3)^3
    expect(got[2]).toBeCloseTo(-Math.log(6 / 27), 14);
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        expect(grad[(t * 3 + 0) * C + c]).toBe(0);
        expect(grad[(t * 3 + 1) * C + c]).toBe(0);
      }
    }
    const zi = X.ctcLoss(x, [1, 2], { ...opts, zeroInfinity: true, reduction: 'none' });
    expect(Array.from(zi).slice(0, 2)).toEqual([0, 0]);
    // T = 0 altogether: an empty input
    expect(X.ctcLoss(new Float64Array(0), [], { classes: 4, inputLengths: [0, 0], targetLengths: [0, 0], reduction: 'sum' })).toBe(0);
    expect(X.ctcLoss([], [1], { classes: 4, inputLengths: [0], targetLengths: [1] })).toBe(Infinity);
  });

  test('the gradient is the derivative of the loss (central differences, fromLogits and not, both layouts)', () => {
    const next = rng(21);
    const T = 7;
    const N = 2;
    const C = 4;
    for (const fromLogits of [false, true]) {
      for (const batchFirst of [false, true]) {
        const x = new Float64Array(T * N * C);
        for (let i = 0; i < x.length; i++) x[i] = (next() - 0.5) * 4;
        if (!fromLogits) {
          // rows of log-probabilities
          for (let r = 0; r < T * N; r++) {
            let s = 0;
            for (let c = 0; c < C; c++) s += Math.exp(x[r * C + c]);
            for (let c = 0; c < C; c++) x[r * C + c] -= Math.log(s);
          }
        }
        const opts = { classes: C, inputLengths: [7, 5], targetLengths: [3, 2], batchFirst, fromLogits, reduction: 'mean' as const };
        const targets = [1, 1, 3, 2, 1];
        const grad = new Float64Array(x.length);
        X.ctcLoss(x, targets, { ...opts, grad });
        const h = 1e-6;
        for (let i = 0; i < x.length; i++) {
          const up = x.slice();
          up[i] += h;
          const down = x.slice();
          down[i] -= h;
          const d = (X.ctcLoss(up, targets, opts) - X.ctcLoss(down, targets, opts)) / (2 * h);
          // without fromLogits PyTorch's gradient is exp(lp) − γ, the bare partial −γ plus exp(lp):
          // the derivative through a log-softmax of the rows, so the difference is exp(x)·scale
          const sample = batchFirst ? Math.floor(i / (T * C)) : Math.floor((i % (N * C)) / C);
          const t = batchFirst ? Math.floor((i % (T * C)) / C) : Math.floor(i / (N * C));
          const inside = t < [7, 5][sample];
          const bare = fromLogits || !inside ? grad[i] : grad[i] - Math.exp(x[i]) * (1 / (N * [3, 2][sample]));
          // central differences: error ~h² · third derivative + rounding 1e-16/h: 1e-8 is ample
          expect(Math.abs(bare - d), `fromLogits ${fromLogits}, batchFirst ${batchFirst}, element ${i}`).toBeLessThan(1e-8);
        }
      }
    }
  });

  test('inputs are not modified, and a call without grad gives the loss of a call with it, bit for bit', () => {
    const c = fixture.cases.find((k) => k.name === 'large')!;
    const x = inputOf(c, 'Float32Array') as Float32Array;
    const copy = x.slice();
    const t = new Int32Array(c.targets);
    const opts = { ...optionsOf(c, 'none', false), reduction: 'none' as const };
    const a = X.ctcLoss(x, t, opts);
    const b = X.ctcLoss(x, t, { ...opts, grad: new Float32Array(x.length) });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(x).toEqual(copy);
    expect(Array.from(t)).toEqual(c.targets);
  });
});

describe('the WASM kernel on samples above its crossover', () => {
  // Larger than the fixture (whose samples the xentropy entry runs on the TS twin): every entry
  // against xentropy/js, which the fixture ties to PyTorch. Time-major and batch-first, f32 and
  // f64, fromLogits, ragged; the tolerances of the fixture test (both compute the same f64
  // recursion; they differ by the vector exp/log's roundings).
  const next = rng(2121);
  const T = 300;
  const N = 3;
  const C = 40;
  const x64 = new Float64Array(T * N * C);
  for (let i = 0; i < x64.length; i++) x64[i] = (next() - 0.5) * 6;
  const tl = [60, 25, 0];
  const targets: number[] = [];
  for (const l of tl) for (let j = 0; j < l; j++) targets.push(1 + Math.floor(next() * (C - 1)));
  targets[3] = targets[2]; // a repeat
  const il = [300, 180, 77];
  const reference = (x: Float32Array | Float64Array, batchFirst: boolean, fromLogits: boolean, grad: Float32Array | Float64Array) =>
    js.ctcLoss(x, targets, { classes: C, inputLengths: il, targetLengths: tl, batchFirst, fromLogits, reduction: 'none', grad });
  test.each(entries)('%s', (_name, X) => {
    for (const single of [false, true]) {
      for (const batchFirst of [false, true]) {
        for (const fromLogits of [false, true]) {
          const x = single ? new Float32Array(x64) : x64;
          const want = new Float64Array(x.length);
          const r = reference(x, batchFirst, fromLogits, want);
          const got = new Float64Array(x.length);
          const l = X.ctcLoss(x, targets, {
            classes: C,
            inputLengths: il,
            targetLengths: tl,
            batchFirst,
            fromLogits,
            reduction: 'none',
            grad: got,
          });
          const where = `f32 ${single}, batchFirst ${batchFirst}, fromLogits ${fromLogits}`;
          for (let n = 0; n < N; n++)
            expect(closeTo(l[n], r[n], LOSS_REL * Math.abs(r[n])), `${where}: loss[${n}] ${l[n]} vs ${r[n]}`).toBe(true);
          let worst = 0;
          for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
          expect(worst, where).toBeLessThanOrEqual(GRAD_ABS);
        }
      }
    }
  });

  test.each(entries)(
    '%s: an alloc array read in place (time-major stride), its gradient an alloc array, memory growing between samples',
    (_name, X) => {
      let x = X.alloc(Float32Array, x64.length);
      x.set(x64);
      let grad = X.alloc(Float64Array, x64.length);
      const want = new Float64Array(x64.length);
      const r = reference(new Float32Array(x64), false, false, want);
      // a first call makes the work block; a larger second batch grows the memory (detaching x and grad)
      const l = X.ctcLoss(x, targets, { classes: C, inputLengths: il, targetLengths: tl, reduction: 'none', grad });
      x = X.refresh(x);
      grad = X.refresh(grad);
      for (let n = 0; n < N; n++) expect(closeTo(l[n], r[n], LOSS_REL * Math.abs(r[n]))).toBe(true);
      for (let i = 0; i < x64.length; i++)
        expect(closeTo(grad[i], want[i], GRAD_ABS * Math.max(1, Math.abs(want[i]))), `grad[${i}]`).toBe(true);
      const big = X.alloc(Float64Array, 1500 * 2 * 8);
      big.fill(Math.log(1 / 8));
      const lb = X.ctcLoss(big, [1, 2, 3, 1, 2, 3], { classes: 8, inputLengths: [1500, 1500], targetLengths: [3, 3], reduction: 'none' });
      expect(lb[0]).toBeCloseTo(lb[1], 10);
      X.free(X.refresh(big));
      X.free(X.refresh(x));
      X.free(X.refresh(grad));
    },
  );
});

describe('memory', () => {
  // WASM memory (read through an alloc array's buffer) grows for the largest sample a call has
  // seen, never for the batch: a batch of N samples of 30 s (T = 1500, S = 400) needs no more than
  // one of them. (README: 10.2 MB for T = 1500, S = 400, C = 32.)
  test.each(entries.filter(([, m]) => m.backend === 'wasm'))('%s: bounded by one sample, not the batch', (_name, X) => {
    const T = 1500;
    const S = 400;
    const C = 8;
    const probe = X.alloc(Float32Array, 1);
    const bytes = () => X.refresh(probe).buffer.byteLength;
    const sample = (N: number) => {
      const x = new Float32Array(T * N * C).fill(Math.log(1 / C));
      const targets = Int32Array.from({ length: N * S }, (_, i) => 1 + (i % (C - 1)));
      const grad = new Float32Array(x.length);
      return X.ctcLoss(x, targets, {
        classes: C,
        inputLengths: new Array(N).fill(T),
        targetLengths: new Array(N).fill(S),
        grad,
        reduction: 'none',
      });
    };
    const one = sample(1);
    const afterOne = bytes();
    const four = sample(4);
    expect(bytes()).toBe(afterOne);
    for (let n = 0; n < 4; n++) expect(four[n]).toBe(one[0]);
    X.free(X.refresh(probe));
  });
});
