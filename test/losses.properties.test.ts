// The seed's claims about the losses, as properties (fast-check), plus gradients against
// central finite differences, on both entries.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { entries } from './entries.js';
import { rng } from './helpers.js';

const prob = fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true });
const logit = fc.double({ min: -30, max: 30, noNaN: true });
const rowsClasses = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }));

// Identities are checked to 1e-12 relative to the larger side (plus 1e-12 absolute): each side
// is a handful of f64 operations on values of magnitude ≤ 30·classes.
const closeRel = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * (1 + Math.max(Math.abs(a), Math.abs(b)));

describe.each(entries)('%s: loss properties', (_, m) => {
  test('binaryCrossEntropy(ŷ, y) = crossEntropy([y, 1−y], [ŷ, 1−ŷ]) per element', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(prob, fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 20 }), (pairs) => {
        const yhat = pairs.map((p) => p[0]);
        const y = pairs.map((p) => p[1]);
        const bce = m.binaryCrossEntropy(yhat, y, { reduction: 'none' });
        const ce = m.crossEntropy(
          pairs.flatMap(([, t]) => [t, 1 - t]),
          pairs.flatMap(([p]) => [p, 1 - p]),
          { classes: 2, reduction: 'none' },
        );
        // BCE uses log1p(−ŷ) for log(1−ŷ); crossEntropy sees 1−ŷ rounded: a relative 1e-10 covers
        // that rounding (ulp(1)/(1−ŷ) for ŷ ≤ 1 − 1e-6).
        return bce.every((v, i) => Math.abs(v - ce[i]) <= 1e-10 * (1 + Math.abs(v)));
      }),
    );
  });

  test('softmaxCrossEntropy with probability targets = crossEntropy(target, softmax(logits))', () => {
    fc.assert(
      fc.property(
        rowsClasses.chain(([r, c]) =>
          fc.tuple(
            fc.constant(c),
            fc.array(logit, { minLength: r * c, maxLength: r * c }),
            fc.array(prob, { minLength: r * c, maxLength: r * c }),
          ),
        ),
        ([classes, x, t]) => {
          // a Float64Array target of rows × classes is probabilities (number[] of length rows would be indices)
          const target = Float64Array.from(t);
          const a = m.softmaxCrossEntropy(x, target, { classes, reduction: 'none' });
          const b = m.crossEntropy(target, m.softmax(x, { classes }), { classes, reduction: 'none' });
          // softmax may round a tiny probability to a subnormal or 0 whose log differs from x − lse;
          // logits within ±30 keep every probability above e^−60·/classes, far from that.
          return a.every((v, i) => Math.abs(v - b[i]) <= 1e-10 * (1 + Math.abs(v)));
        },
      ),
    );
  });

  test("klDiv(log q, p, 'sum') = klDivergence(p, q)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(fc.constant(0), prob), prob), { minLength: 1, maxLength: 30 }), (pairs) => {
        const p = pairs.map((v) => v[0]);
        const q = pairs.map((v) => v[1]);
        return closeRel(m.klDiv(q.map(Math.log), p, { reduction: 'sum' }), m.klDivergence(p, q));
      }),
    );
  });

  test('logSoftmax = x − logSumExp(x), and softmax = exp(logSoftmax), per row', () => {
    fc.assert(
      fc.property(
        rowsClasses.chain(([r, c]) =>
          fc.tuple(fc.constant(c), fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: r * c, maxLength: r * c })),
        ),
        ([classes, x]) => {
          const ls = m.logSoftmax(x, { classes });
          const lse = m.logSumExp(x, { classes });
          const sm = m.softmax(x, { classes });
          // logSoftmax is (x − max) − log1p(Σ others), more exact than x − lse, which rounds lse
          // first: they agree within the rounding of that naive form (two roundings of half an
          // ulp of at most |x| + |lse| each) plus lse's own error (an ulp: on the xentropy entry
          // logSumExp and logSoftmax have different crossovers, so one may come from the TS
          // kernels and the other from WASM): 2^-51·(|x| + |lse|). The WASM kernels' exp and V8's Math.exp
          // are each within 1 ulp, so softmax and exp(logSoftmax) may differ by 2 ulp (4.4e-16 relative),
          // plus the rounding of logSoftmax itself, which exp(v) magnifies: v = (x − max) − rest
          // is two roundings of half an ulp of at most |v| each, so |v|·2^-52 relative (softmax
          // carries the exact difference into its exp instead). (|v|·2^-53, one rounding, was
          // exceeded 1.06× by x = [0, …, −17.03…, …, 0.0192, …], a case fast-check found.)
          return ls.every((v, i) => {
            const l = lse[Math.floor(i / classes)];
            return (
              Math.abs(v - (x[i] - l)) <= 2 ** -51 * (Math.abs(x[i]) + Math.abs(l)) &&
              Math.abs(sm[i] - Math.exp(v)) <= (4.5e-16 + Math.abs(v) * 2 ** -52) * Math.exp(v)
            );
          });
        },
      ),
    );
  });

  test("klDiv 'batchmean' is the true KL per row; 'mean' divides by elements (PyTorch's default)", () => {
    const p = [0.5, 0.5, 0.9, 0.1];
    const q = [0.25, 0.75, 0.5, 0.5];
    const input = q.map(Math.log);
    const kl = m.klDivergence(p, q, { classes: 2, reduction: 'mean' });
    expect(m.klDiv(input, p, { classes: 2, reduction: 'batchmean' })).toBeCloseTo(kl, 15);
    expect(m.klDiv(input, p, { classes: 2 })).toBeCloseTo(kl / 2, 15);
  });
});

// ---- gradients against central differences -------------------------------------------------
// (f(x + h) − f(x − h)) / 2h has truncation error O(h²·f''') and rounding error O(ε·|f|/h);
// with h = 1e-5 on f64 both are ≲ 1e-9 for these smooth losses of O(1) inputs, so 1e-6
// relative to (1 + max|grad|) separates a right gradient from a wrong one by orders of magnitude.
const H = 1e-5;
const FD_TOL = 1e-6;

function finiteDifference(f: (x: Float64Array) => number, x: Float64Array): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[i] += H;
    xm[i] -= H;
    g[i] = (f(xp) - f(xm)) / (2 * H);
  }
  return g;
}

function expectGradClose(analytic: Float64Array, numeric: Float64Array) {
  const scale = 1 + Math.max(...Array.from(numeric, Math.abs));
  analytic.forEach((v, i) => {
    if (Math.abs(v - numeric[i]) > FD_TOL * scale) expect.fail(`grad[${i}]: analytic ${v}, finite difference ${numeric[i]}`);
  });
}

describe.each(entries)('%s: the f32 gradient of softmaxCrossEntropy', (_, m) => {
  // f32 logits with class-index targets take the f32 exp on WASM (assembly/losses.ts,
  // softmaxGradRows32: ≤ 2 f32 ulp per exp, then one rounding) and f64 on the TS kernels; the
  // same values given as a Float64Array take exp64 (< 1 f64 ulp). Each f32 gradient element must be
  // within 2 f32 ulps of that f64 gradient, plus, with label smoothing (softmaxScale·p − ε·w/C
  // may cancel), 2^-22 of the row's largest |gradient| (p's 2 ulp before the subtraction).
  // Exact agreement is not the rule: WASM differs from the rounded f64 gradient by 1 ulp in places.
  test('within 2 f32 ulp of the f64 gradient of the same values (64 × 1000, weights, smoothing, ignored rows)', () => {
    const next = rng(20261207);
    const rows = 64;
    const classes = 1000;
    const x32 = Float32Array.from({ length: rows * classes }, () => (next() - 0.5) * 24);
    // a dominant logit in some rows (a confident class: its p − 1 is −Σ others)
    for (let r = 0; r < rows; r += 5) x32[r * classes + r] = 40;
    const x64 = Float64Array.from(x32);
    const target = Int32Array.from({ length: rows }, (_, r) => (r % 7 === 3 ? 1 : r % 11 === 0 ? -100 : r));
    const weight = Float64Array.from({ length: classes }, () => 0.5 + next());
    const f32ulp = (v: number) => Math.abs(Math.fround(Math.abs(v) * (1 + 2 ** -23)) - Math.fround(Math.abs(v))) || 2 ** -149;
    for (const options of [{}, { weight }, { labelSmoothing: 0.1 }, { labelSmoothing: 0.2, weight, reduction: 'sum' as const }]) {
      const g32 = new Float32Array(rows * classes);
      const g64 = new Float64Array(rows * classes);
      m.softmaxCrossEntropy(x32, target, { classes, grad: g32, ...options });
      m.softmaxCrossEntropy(x64, target, { classes, grad: g64, ...options });
      for (let r = 0; r < rows; r++) {
        let rowMax = 0;
        for (let j = 0; j < classes; j++) rowMax = Math.max(rowMax, Math.abs(g64[r * classes + j]));
        const slack = 'labelSmoothing' in options ? 2 ** -22 * rowMax : 0;
        for (let j = 0; j < classes; j++) {
          const i = r * classes + j;
          const want = Math.fround(g64[i]);
          if (!(Math.abs(g32[i] - want) <= 2 * f32ulp(want) + slack))
            expect.fail(`${JSON.stringify(Object.keys(options))} grad[${r}, ${j}]: f32 ${g32[i]}, f64 ${g64[i]}`);
        }
      }
    }
  });

  test('K-dimensional (shape [6, 300, 7]: lanes over positions, the last quad overlapping): within 2 f32 ulp of the f64 gradient', () => {
    const next = rng(20261209);
    const [N, C, S] = [6, 300, 7];
    const x32 = Float32Array.from({ length: N * C * S }, () => (next() - 0.5) * 24);
    for (let k = 0; k < N * S; k += 3) x32[Math.floor(k / S) * C * S + (k % 17) * S + (k % S)] = 40; // dominant classes
    const target = Int32Array.from({ length: N * S }, (_, k) => (k % 13 === 5 ? -100 : k % 17));
    const weight = Float64Array.from({ length: C }, () => 0.5 + next());
    const f32ulp = (v: number) => Math.abs(Math.fround(Math.abs(v) * (1 + 2 ** -23)) - Math.fround(Math.abs(v))) || 2 ** -149;
    for (const options of [{}, { weight, labelSmoothing: 0.1 }]) {
      const g32 = new Float32Array(N * C * S);
      const g64 = new Float64Array(N * C * S);
      m.softmaxCrossEntropy(x32, target, { shape: [N, C, S], grad: g32, ...options });
      m.softmaxCrossEntropy(Float64Array.from(x32), target, { shape: [N, C, S], grad: g64, ...options });
      // with smoothing, 2^-22 of the largest |gradient| of the position (as for rows)
      const slack = (i: number) => {
        if (!('labelSmoothing' in options)) return 0;
        const [n, s] = [Math.floor(i / (C * S)), i % S];
        let big = 0;
        for (let c = 0; c < C; c++) big = Math.max(big, Math.abs(g64[(n * C + c) * S + s]));
        return 2 ** -22 * big;
      };
      for (let i = 0; i < N * C * S; i++) {
        const want = Math.fround(g64[i]);
        if (!(Math.abs(g32[i] - want) <= 2 * f32ulp(want) + slack(i))) expect.fail(`grad[${i}]: f32 ${g32[i]}, f64 ${g64[i]}`);
      }
    }
  });

  test('probability targets: within 2 f32 ulp plus 2^-22 of the row’s largest term (p and the target cancel)', () => {
    const next = rng(20261208);
    const rows = 32;
    const classes = 500;
    const x32 = Float32Array.from({ length: rows * classes }, () => (next() - 0.5) * 16);
    const t32 = new Float32Array(rows * classes);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < classes; j++) s += t32[r * classes + j] = next() ** 4;
      for (let j = 0; j < classes; j++) t32[r * classes + j] = Math.fround(t32[r * classes + j] / s);
    }
    const f32ulp = (v: number) => Math.abs(Math.fround(Math.abs(v) * (1 + 2 ** -23)) - Math.fround(Math.abs(v))) || 2 ** -149;
    for (const [options, scale] of [
      [{}, 1 / rows],
      [{ reduction: 'sum' as const, labelSmoothing: 0.1 }, 1],
    ] as const) {
      const g32 = new Float32Array(rows * classes);
      const g64 = new Float64Array(rows * classes);
      m.softmaxCrossEntropy(x32, t32, { classes, grad: g32, ...options });
      m.softmaxCrossEntropy(Float64Array.from(x32), Float64Array.from(t32), { classes, grad: g64, ...options });
      for (let r = 0; r < rows; r++) {
        // the terms of softmaxScale·p − target: p = g + target·scale (to the slack's precision)
        let big = 0;
        for (let j = 0; j < classes; j++) big = Math.max(big, Math.abs(g64[r * classes + j]) + t32[r * classes + j] * scale);
        for (let j = 0; j < classes; j++) {
          const i = r * classes + j;
          const want = Math.fround(g64[i]);
          if (!(Math.abs(g32[i] - want) <= 2 * f32ulp(want) + 2 ** -22 * big))
            expect.fail(`${JSON.stringify(options)} grad[${r}, ${j}]: f32 ${g32[i]}, f64 ${g64[i]}`);
        }
      }
    }
  });
});

describe.each(entries)('%s: gradients against finite differences', (_, m) => {
  const next = rng(11);
  const normal = (n: number, s = 2) => Float64Array.from({ length: n }, () => (next() - 0.5) * 2 * s);

  for (const reduction of ['mean', 'sum', 'none'] as const) {
    const reduce = (v: number | Float64Array) => (typeof v === 'number' ? v : v.reduce((a, b) => a + b, 0));

    test(`softmaxCrossEntropy, index targets, weight, ignoreIndex, smoothing (${reduction})`, () => {
      const rows = 5;
      const classes = 4;
      const x = normal(rows * classes);
      const target = [0, 3, -100, 2, 1];
      const opts = { classes, weight: [0.5, 1, 2, 1.5], labelSmoothing: 0.2, reduction };
      const grad = new Float64Array(x.length);
      m.softmaxCrossEntropy(x, target, { ...opts, grad });
      expectGradClose(
        grad,
        finiteDifference((v) => reduce(m.softmaxCrossEntropy(v, target, opts)), x),
      );
    });

    test(`softmaxCrossEntropy, probability targets, weight, smoothing (${reduction})`, () => {
      const rows = 3;
      const classes = 5;
      const x = normal(rows * classes);
      const t = Float64Array.from({ length: rows * classes }, () => next());
      const opts = { classes, weight: [1, 2, 0.5, 1, 3], labelSmoothing: 0.1, reduction };
      const grad = new Float64Array(x.length);
      m.softmaxCrossEntropy(x, t, { ...opts, grad });
      expectGradClose(
        grad,
        finiteDifference((v) => reduce(m.softmaxCrossEntropy(v, t, opts)), x),
      );
    });

    test(`binaryCrossEntropyWithLogits, weight and posWeight (${reduction})`, () => {
      const x = normal(12, 4);
      const y = Float64Array.from({ length: 12 }, () => next());
      const opts = { weight: normal(12, 1).map(Math.abs), posWeight: [0.5, 2, 3], reduction };
      const grad = new Float64Array(x.length);
      m.binaryCrossEntropyWithLogits(x, y, { ...opts, grad });
      expectGradClose(
        grad,
        finiteDifference((v) => reduce(m.binaryCrossEntropyWithLogits(v, y, opts)), x),
      );
    });
  }
});
