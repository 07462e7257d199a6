// The CTC kernels' two recursions (assembly/ctc.ts probSample and its log-space fall-back; the TS
// twin's probCtc, src/kernels/ts-ctc.ts): the cases that decide between them, against mpmath
// (test/fixtures/gen_ctc_prob.py wrote test/fixtures/ctc_prob.json and says what each holds), on
// every binding of test/entries.ts. A recursion in probability space that did not detect them
// would be far off: 'flushed' and 'farBelow' lose the path that dominates (a loss of ~1090 or ~900
// for 800), 'thinFrame' leaves the gradient's check after the forward pass has already succeeded
// (the log path then writes every frame again). 'long' (T 1500) takes no fall-back: the rescaled
// recursion over many frames, to the fixture's tolerances.
import { describe, expect, test } from 'vitest';
import { entries } from './entries.js';
import { greedyReference, loadFixture } from './helpers.js';

interface Case {
  name: string;
  T: number;
  C: number;
  fromLogits: boolean;
  target: number[];
  x: number[] | null;
  loss: number;
  frames: number[];
  grad: number[];
}
const fixture = loadFixture<{ cases: Case[] }>('ctc_prob.json');

// The tolerances of test/ctc.test.ts (its comment says why): 1e-14 relative for the loss (the
// probability path's error is a few ulp of each frame's product, below the log path's ε·|α| per
// frame), 1e-12·max(1, |g|) for the gradient.
const LOSS_REL = 1e-14;
const GRAD_ABS = 1e-12;

/** The input of a case: its values, or 'long''s logits as the generator computes them. */
function inputOf(c: Case): Float64Array {
  if (c.x !== null) return Float64Array.from(c.x);
  const x = new Float64Array(c.T * c.C);
  for (let t = 0; t < c.T; t++) for (let k = 0; k < c.C; k++) x[t * c.C + k] = ((t * 7919 + k * 104729) % 1000) / 250 - 2;
  return x;
}

describe.each(entries)('%s: the probability-space recursion and its fall-back, against mpmath', (_name, X) => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const x = inputOf(c);
      const grad = new Float64Array(x.length).fill(Number.NaN); // every element must be written
      const opts = { classes: c.C, inputLengths: [c.T], targetLengths: [c.target.length], fromLogits: c.fromLogits };
      const loss = X.ctcLoss(x, c.target, { ...opts, reduction: 'sum', grad });
      expect(Math.abs(loss - c.loss), `loss ${loss} vs ${c.loss}`).toBeLessThanOrEqual(LOSS_REL * Math.abs(c.loss));
      let k = 0;
      for (const t of c.frames) {
        for (let j = 0; j < c.C; j++, k++) {
          const want = c.grad[k];
          const got = grad[t * c.C + j];
          expect(Math.abs(got - want), `grad[${t}, ${j}] ${got} vs ${want}`).toBeLessThanOrEqual(GRAD_ABS * Math.max(1, Math.abs(want)));
        }
      }
      for (const v of grad) expect(Number.isFinite(v)).toBe(true);
      // without the gradient: the forward pass alone
      expect(X.ctcLoss(x, c.target, { ...opts, reduction: 'sum' })).toBe(loss);
    });
  }

  test('a fall-back is per sample: a batch of a flushed sample, a plain one and a thin frame', () => {
    // time-major [T 10, N 3, C 3]: sample 0 'flushed' (10 frames), 1 the 'flushed' input with
    // every log-probability raised to ≥ −5 (no fall-back), 2 'thinFrame' (3 frames)
    const flushed = fixture.cases.find((c) => c.name === 'flushed') as Case;
    const thin = fixture.cases.find((c) => c.name === 'thinFrame') as Case;
    const T = 10;
    const N = 3;
    const C = 3;
    const x = new Float64Array(T * N * C).fill(-1);
    const mild = (v: number) => Math.max(v, -5);
    for (let t = 0; t < T; t++)
      for (let k = 0; k < C; k++) {
        x[(t * N + 0) * C + k] = (flushed.x as number[])[t * C + k];
        x[(t * N + 1) * C + k] = mild((flushed.x as number[])[t * C + k]);
        if (t < thin.T) x[(t * N + 2) * C + k] = (thin.x as number[])[t * C + k];
      }
    const opts = { classes: C, inputLengths: [T, T, thin.T], targetLengths: [2, 2, 1], reduction: 'none' as const };
    const grad = new Float64Array(x.length);
    const losses = X.ctcLoss(x, [1, 2, 1, 2, 1], { ...opts, grad });
    // each sample as it is alone (sample 1 against its own single-sample call)
    const one = (n: number, len: number, target: number[]) => {
      const xs = new Float64Array(len * C);
      for (let t = 0; t < len; t++) for (let k = 0; k < C; k++) xs[t * C + k] = x[(t * N + n) * C + k];
      const g = new Float64Array(xs.length);
      const l = X.ctcLoss(xs, target, { classes: C, inputLengths: [len], targetLengths: [target.length], reduction: 'sum', grad: g });
      return { l, g };
    };
    const parts = [one(0, T, [1, 2]), one(1, T, [1, 2]), one(2, thin.T, [1])];
    expect(Math.abs(losses[0] - flushed.loss)).toBeLessThanOrEqual(LOSS_REL * flushed.loss);
    expect(Math.abs(losses[2] - thin.loss)).toBeLessThanOrEqual(LOSS_REL * thin.loss);
    for (let n = 0; n < N; n++) {
      expect(losses[n]).toBe(parts[n].l);
      const len = n === 2 ? thin.T : T;
      for (let t = 0; t < T; t++) for (let k = 0; k < C; k++) expect(grad[(t * N + n) * C + k]).toBe(t < len ? parts[n].g[t * C + k] : 0);
    }
  });
});

describe.each(entries)('%s: the arg-max of narrow f32 frames (the WASM kernel takes four lanes from four classes)', (_name, X) => {
  test('ties go to the first class, a NaN wins (the first NaN), ±0 are equal, for 1 to 12 classes', () => {
    const values = [0, -0, 1, 1, 2, -1, Number.NaN, -Infinity, Infinity, 2, 0.5];
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let C = 1; C <= 12; C++) {
      for (let trial = 0; trial < 20; trial++) {
        const T = 40;
        const x = new Float32Array(T * C);
        for (let i = 0; i < x.length; i++) x[i] = trial % 2 === 0 ? values[Math.floor(next() * values.length)] : Math.floor(next() * 4);
        const { labels } = greedyReference(x, T, C, (t) => t * C);
        const [p] = X.ctcGreedyDecode(x, { classes: C, inputLengths: [T] });
        expect(Array.from(p.labels), `C ${C}, trial ${trial}`).toEqual(labels);
      }
    }
  });
});
