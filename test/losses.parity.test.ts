// WASM against pure-TS losses on the same random inputs: small shapes, 64 × 10, a 3 × 50257
// vocabulary (rows longer than the WASM glue's 16384-element chunk arrive in pieces), f32, f64
// and mixed dtypes. Both compute in f64 with exp/log within 1 ulp of each other's, and sum in
// the same order except across chunk pieces, so 1e-13 relative to (|value| + max|logit|) holds
// with room (observed gaps are below 1e-15). With Float32Array logits the WASM entry's
// log-sum-exp runs in f32 SIMD: F32_MATH·(|value| + 1) more (the lse error is absolute).
import { describe, expect, test } from 'vitest';
import { js, wasmOnly as wasm } from './entries.js';
import { F32_MATH, rng } from './helpers.js';

const REL = 1e-13;

function agree(label: string, a: number | ArrayLike<number>, b: number | ArrayLike<number>, M: number, f32 = false) {
  const as = typeof a === 'number' ? [a] : Array.from(a);
  const bs = typeof b === 'number' ? [b] : Array.from(b);
  expect(as.length, label).toBe(bs.length);
  as.forEach((v, i) => {
    const w = bs[i];
    const ok = Number.isNaN(v)
      ? Number.isNaN(w)
      : v === w || Math.abs(v - w) <= REL * (Math.abs(w) + M) + (f32 ? F32_MATH * (Math.abs(w) + 1) : 0);
    if (!ok) expect.fail(`${label}[${i}]: wasm ${v}, js ${w}`);
  });
}

describe('losses: wasm and js entries agree', () => {
  const shapes: [number, number][] = [
    [1, 1],
    [1, 2],
    [3, 3],
    [7, 5],
    [64, 10],
    [2, 16383],
    [1, 16385],
    [3, 50257],
  ];
  for (const [rows, classes] of shapes) {
    for (const dtype of ['f64', 'f32', 'mixed'] as const) {
      test(`${rows} × ${classes}, ${dtype}`, () => {
        const next = rng(rows * 7919 + classes);
        const n = rows * classes;
        const fill = (single: boolean, f: () => number) => {
          const a = single ? new Float32Array(n) : new Float64Array(n);
          for (let i = 0; i < n; i++) a[i] = f();
          return a;
        };
        const x = fill(dtype !== 'f64', () => (next() - 0.5) * 16);
        const probs = fill(dtype === 'f32', next);
        const p01 = fill(dtype === 'f32', next);
        const idx = Int32Array.from({ length: rows }, (_, r) => (r % 4 === 3 ? -100 : Math.floor(next() * classes)));
        const w = Float64Array.from({ length: classes }, () => 0.5 + next());
        const M = 8;
        const f32 = x instanceof Float32Array;
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          const gw = new Float64Array(n);
          const gj = new Float64Array(n);
          for (const [target, extra] of [
            [idx, {}],
            [idx, { weight: w, labelSmoothing: 0.15 }],
            [probs, { weight: w, labelSmoothing: 0.05 }],
          ] as const) {
            const o = { classes, reduction, ...extra };
            agree(
              `ce ${reduction}`,
              wasm.softmaxCrossEntropy(x, target, { ...o, grad: gw }),
              js.softmaxCrossEntropy(x, target, { ...o, grad: gj }),
              M,
              f32,
            );
            agree(`ce grad ${reduction}`, gw, gj, M, f32);
          }
          const o = { posWeight: w, weight: p01, reduction };
          agree(
            `bce logits ${reduction}`,
            wasm.binaryCrossEntropyWithLogits(x, p01, { ...o, grad: gw }),
            js.binaryCrossEntropyWithLogits(x, p01, { ...o, grad: gj }),
            M,
          );
          agree(`bce logits grad ${reduction}`, gw, gj, M);
          agree(
            `bce ${reduction}`,
            wasm.binaryCrossEntropy(p01, probs, { reduction }),
            js.binaryCrossEntropy(p01, probs, { reduction }),
            M,
            // reduced BCE of Float32Array data runs the f32 kernel (f32 logs, f64 sums): F32_MATH
            reduction === 'none' ? false : f32,
          );
          const lp = js.logSoftmax(x, { classes });
          agree(
            `nll ${reduction}`,
            wasm.nllLoss(lp, idx, { classes, weight: w, reduction }),
            js.nllLoss(lp, idx, { classes, weight: w, reduction }),
            M,
          );
          for (const logTarget of [false, true]) {
            agree(
              `klDiv ${reduction}`,
              wasm.klDiv(lp, logTarget ? lp : probs, { classes, reduction, logTarget }),
              js.klDiv(lp, logTarget ? lp : probs, { classes, reduction, logTarget }),
              M,
              // klDiv of Float32Array data without logTarget runs the f32 kernel (log t from the f32
              // polynomial assembled in f64, ~2^-28 relative; measured 1.9e-10 here): F32_MATH
              f32 && !logTarget,
            );
          }
        }
        agree('logSumExp', wasm.logSumExp(x, { classes }), js.logSumExp(x, { classes }), M, f32);
        agree('logSoftmax', wasm.logSoftmax(x, { classes }), js.logSoftmax(x, { classes }), M, f32);
        agree('softmax', wasm.softmax(x, { classes }), js.softmax(x, { classes }), M, f32);
      });
    }
  }

  // The glue gives a whole f32 row longer than a chunk to the log-sum-exp kernel when it fits the
  // scratch region split among its three arrays (174760 elements: 2 MiB / 3, 16-byte aligned), and
  // pieces merged per row otherwise: both sides of that line, each against the TS twin's f64 sums.
  for (const classes of [174_760, 174_761]) {
    test(`f32 logSumExp and tokenLogProbs of rows of ${classes}`, () => {
      const next = rng(classes + 1);
      const x = Float32Array.from({ length: 2 * classes }, () => (next() - 0.5) * 16);
      x[11] = 95; // row 0: most x − max below the f32 exp's range (the slower loop)
      x[classes + 3] = -Infinity;
      agree('logSumExp', wasm.logSumExp(x, { classes }), js.logSumExp(x, { classes }), 8, true);
      const t = Int32Array.of(5, classes - 1);
      agree('tokenLogProbs', wasm.tokenLogProbs(x, t, { classes }), js.tokenLogProbs(x, t, { classes }), 8, true);
    });
  }

  // The WASM glue gives a whole f32 row longer than a chunk to the fused softmax kernel when it fits
  // the scratch region split between input and output (262144 elements), and pieces otherwise:
  // both sides of that line, with terms below the f32 exp's range (the kernel's slower pass) in
  // one row and −∞ in another.
  for (const classes of [200_000, 262_144, 262_145]) {
    test(`f32 softmax, logSoftmax, logSumExp of rows of ${classes}`, () => {
      const next = rng(classes);
      const x = Float32Array.from({ length: 2 * classes }, () => (next() - 0.5) * 16);
      x[7] = 92; // row 0: x − max in [−100, −84] elsewhere: below the f32 exp's range (−86) for most
      x[classes + 5] = -Infinity;
      agree('logSumExp', wasm.logSumExp(x, { classes }), js.logSumExp(x, { classes }), 8, true);
      agree('logSoftmax', wasm.logSoftmax(x, { classes }), js.logSoftmax(x, { classes }), 8, true);
      const w = wasm.softmax(x, { classes });
      const j = js.softmax(x, { classes });
      agree('softmax', w, j, 8, true);
      // each element relative to itself: the TS twin's is the f64 value rounded once (≤ 0.5 f32 ulp),
      // the kernel's ≤ 2 ulp (two roundings of a ≤ 1 ulp exp): 3 f32 ulp, 3·2^-23 relative, where
      // the value is a normal f32; subnormal outputs (x − max < −87.3) within 2^-149 absolute
      let tiny = 0;
      for (let i = 0; i < w.length; i++) {
        if (j[i] < 2 ** -126) tiny++;
        const bound = j[i] >= 2 ** -126 ? 3 * 2 ** -23 * j[i] : 2 ** -149;
        if (!(Math.abs(w[i] - j[i]) <= bound)) expect.fail(`softmax[${i}]: wasm ${w[i]}, js ${j[i]}`);
      }
      expect(tiny, 'row 0 has subnormal and zero outputs').toBeGreaterThan(1000);
    });
  }

  test('f32 inputs give Float32Array softmax; `out` of either type is filled and returned', () => {
    for (const m of [wasm, js]) {
      const x32 = new Float32Array([1, 2, 3]);
      expect(m.softmax(x32)).toBeInstanceOf(Float32Array);
      expect(m.softmax([1, 2, 3])).toBeInstanceOf(Float64Array);
      const out = new Float64Array(3);
      expect(m.logSoftmax(x32, { out })).toBe(out);
      expect(out[2]).toBeCloseTo(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 6);
      expect(m.logSumExp([1, 2, 3])).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 14);
      expect(m.logSumExp([])).toBe(-Infinity);
      expect(m.logSumExp([1, 2, 3, 4], { classes: 2 })).toBeInstanceOf(Float64Array);
    }
  });
});
