// Accuracy where terms nearly cancel (issue "Accuracy where terms nearly cancel"): the public API
// of every binding (test/entries.ts), on Float64Array and Float32Array data, against exact values
// from mpmath at 50 digits (test/fixtures/cancel.json, written by test/fixtures/gen_cancel.py,
// which says how each case is drawn). Exact values are computed from the inputs as rounded to
// their dtype, and every comparison is in ulps of the exact value (of a stated scale where the
// bound is relative to one): f64 ulps for f64 data, f32 ulps for f32 data, whatever the output
// array. A comparison is skipped where the exact value is not a normal number of that format
// (0, subnormal, ±∞); a NaN or infinite result where the exact value is normal counts as ∞ ulps.
//
// The worst error per function, dtype and binding is printed at the end (and in each failure).
import { afterAll, describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';
import { decode, loadFixture, rng } from './helpers.js';

import { type Dtype, type RowGroup, ulpError, type VocabRow } from './ulps.js';

type Floats = Float64Array | Float32Array;

// ---- the fixture ---------------------------------------------------------------------------

interface MeasureSet {
  p: string;
  q: string;
  kl: string;
  js: string;
  ce?: string;
  ent?: string;
}
interface DtypeSets {
  measures: { near: MeasureSet; wide: MeasureSet; spread: MeasureSet };
  rows: RowGroup[];
  vocab: VocabRow[];
  bceLogits: { x: string; y: string; posWeight: string; loss: string; lossPw: string; grad: string; gradPw: string };
  bce: { x: string; y: string; loss: string };
  klDiv: { input: string; target: string; loss: string; scale: string };
}
const fixture = loadFixture<Record<Dtype, DtypeSets>>('cancel.json');

const f64 = (b64: string) => decode(b64, 'f64') as Float64Array;

// ---- ulps ----------------------------------------------------------------------------------

interface Worst {
  ulps: number;
  /** where the worst error is, for the message */
  at: string;
  got: number;
  exact: number;
  compared: number;
}

const none = (): Worst => ({ ulps: 0, at: '-', got: NaN, exact: NaN, compared: 0 });

/** Folds one comparison into a running worst. */
function fold(w: Worst, got: number, exact: number, dtype: Dtype, where: () => string, scale?: number): void {
  const u = ulpError(got, exact, dtype, scale);
  if (Number.isNaN(u)) return;
  w.compared++;
  if (w.compared === 1 || u > w.ulps) Object.assign(w, { ulps: u, at: where(), got, exact });
}

/** The worst error over arrays of results and exact values (and scales, if the bound has one). */
function worstOf(got: ArrayLike<number>, exact: ArrayLike<number>, dtype: Dtype, scale?: ArrayLike<number>, w = none(), label = ''): Worst {
  expect(got.length, `${label} result length`).toBe(exact.length);
  for (let i = 0; i < exact.length; i++) fold(w, got[i], exact[i], dtype, () => `${label}[${i}]`, scale?.[i]);
  return w;
}

// ---- the report ----------------------------------------------------------------------------

const report = new Map<string, Worst>();

/** Records the worst error under `key` and checks it against `bound` ulps (a soft check: a test's other checks still run). */
function check(key: string, w: Worst, bound: number): void {
  report.set(key, w);
  const text = `${key}: worst ${fmt(w.ulps)} ulp at ${w.at} (got ${w.got}, exact ${w.exact}); ${w.compared} compared, bound ${bound}`;
  expect.soft(w.compared, `${key}: nothing was compared`).toBeGreaterThan(0);
  expect.soft(w.ulps, text).toBeLessThanOrEqual(bound);
}

const fmt = (u: number) => (u === Infinity ? '∞' : u < 100 ? u.toFixed(2) : u.toExponential(2));

afterAll(() => {
  const lines = [...report].map(([k, w]) => `${fmt(w.ulps).padStart(10)} ulp  ${k}  (${w.compared} compared; worst at ${w.at})`);
  console.log(`worst errors, in ulps of the data's format:\n${lines.join('\n')}`);
});

// ---- bounds --------------------------------------------------------------------------------

// Every bound is the issue's: 4 ulp, in the format of the data (f64 ulps for Float64Array data,
// f32 ulps for Float32Array data). A correctly rounded result is within 0.5 ulp and the exact
// value is stored rounded to the nearest double (≤ 2^-29 f32 ulp, 0.5 f64 ulp more), so 4 leaves
// room for a few roundings of a formula that keeps the small part separate, and none for one that
// takes a difference of nearly equal numbers.
const BOUND = {
  /**
   * KL, JS, cross entropy and entropy terms, near-cancelling pairs and every ratio: 4 ulp of the
   * exact term. JS terms too where d² ≥ 1/2, whose two logs' parts still cancel by up to 2.3×:
   * the kernels take off the first-order effect of rounding 2p/s and 2q/s there (which cost up
   * to 13 ulp), and below d² = 1/2 (0.7 in the f32 kernels) use the series with the roundings of
   * p − q and p + q put back (6 ulp without).
   */
  term: 4,
  /** logSumExp: 4 ulp of |m| + log1p(Σ_{others} e^(x−m)), the bound (its error is absolute in m's binade). */
  lse: 4,
  /** logSoftmax and softmax of each element: 4 ulp of the exact value, in the output format. */
  softmax: 4,
  /** softmaxCrossEntropy loss per row (−logSoftmax at the target) and its gradient: 4 ulp. */
  sce: 4,
  /**
   * binaryCrossEntropyWithLogits loss per element: 4 ulp. Its gradient, (1 − t) − pw·σ(−x) (x ≥ 0)
   * or pw·σ(x) − P·t (x < 0), is a difference of two parts that truly cancel where σ ≈ t (the
   * exact value goes to 0 there, with no formula of same-signed parts): 4 ulp of the sum of the
   * parts' magnitudes, the bound of a difference of two correctly computed numbers.
   */
  bceLogits: 4,
  /** binaryCrossEntropy per element (PyTorch's clamp at −100 in the exact value): 4 ulp. */
  bce: 4,
  /** klDiv (logTarget false): 4 ulp of t·(|log t| + |input|), the bound (it subtracts a computed log from a given one). */
  klDiv: 4,
};

// ---- data, decoded once per dtype ----------------------------------------------------------

/** Rows × classes of logits where one term dominates, with exact values per row and per element. */
interface RowSet {
  label: string;
  classes: number;
  rows: number;
  x: Floats;
  lse: Float64Array;
  scale: Float64Array;
  argmax: Int32Array;
  other: Int32Array;
  logSoftmax: Float64Array;
  softmax: Float64Array;
  gradLabel: Float64Array;
}

/**
 * A 50257-entry row from its levels: level k repeated counts[k] times, shuffled by rng(seed)
 * (Fisher–Yates from the end), then the max (level 0) swapped to `maxAt` (gen_cancel.py).
 */
function expandVocab(v: VocabRow, dtype: Dtype): RowSet {
  const levels = decode(v.levels, dtype);
  const ls = f64(v.logSoftmax);
  const sm = f64(v.softmax);
  const n = v.classes;
  const level = new Int32Array(n);
  let i = 0;
  v.counts.forEach((c, k) => {
    level.fill(k, i, i + c);
    i += c;
  });
  if (i !== n) throw new Error(`cancel.json: vocab row "${v.name}" has ${i} entries, not ${n}`);
  const next = rng(v.seed);
  for (let j = n - 1; j > 0; j--) {
    const k = Math.floor(next() * (j + 1));
    [level[j], level[k]] = [level[k], level[j]];
  }
  const at = level.indexOf(0);
  [level[at], level[v.maxAt]] = [level[v.maxAt], level[at]];
  const x = dtype === 'f64' ? new Float64Array(n) : new Float32Array(n);
  const logSoftmax = new Float64Array(n);
  const softmax = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    x[j] = levels[level[j]];
    logSoftmax[j] = ls[level[j]];
    softmax[j] = sm[level[j]];
  }
  return {
    label: `vocab ${n} (${v.name})`,
    classes: n,
    rows: 1,
    x,
    lse: Float64Array.of(v.lse),
    scale: Float64Array.of(v.scale),
    argmax: Int32Array.of(v.maxAt),
    other: Int32Array.of(level.indexOf(v.other)),
    logSoftmax,
    softmax,
    gradLabel: Float64Array.of(v.gradLabel),
  };
}

function rowSets(dtype: Dtype): RowSet[] {
  const groups = fixture[dtype].rows.map(
    (g): RowSet => ({
      label: `length ${g.classes}`,
      classes: g.classes,
      rows: g.rows,
      x: decode(g.x, dtype),
      lse: f64(g.lse),
      scale: f64(g.scale),
      argmax: Int32Array.from(g.argmax),
      other: Int32Array.from(g.other),
      logSoftmax: f64(g.logSoftmax),
      softmax: f64(g.softmax),
      gradLabel: f64(g.gradLabel),
    }),
  );
  return [...groups, ...fixture[dtype].vocab.map((v) => expandVocab(v, dtype))];
}

const data = {
  f64: { rows: rowSets('f64') },
  f32: { rows: rowSets('f32') },
};

/** A zeroed array of the data's float type (for `grad`). */
const like = (dtype: Dtype, n: number): Floats => (dtype === 'f64' ? new Float64Array(n) : new Float32Array(n));

// ---- the tests -----------------------------------------------------------------------------

describe.each(entries)('%s', (binding, api: Entry) => {
  // The two values the issue names (SciPy's bug reports), as a user would call them.
  test('klDivergence([0.9456657713430001], [0.9456657713430094]) = −9.325873406851269e-15 (SciPy gh-20710)', () => {
    const w = none();
    fold(w, api.klDivergence([0.9456657713430001], [0.9456657713430094]), -9.325873406851269e-15, 'f64', () => 'the value');
    check(`example klDivergence (gh-20710) | f64 | ${binding}`, w, BOUND.term);
  });
  test('logSumExp([0, -40]) = 4.248354255291589e-18 (SciPy gh-18295)', () => {
    const w = none();
    fold(w, api.logSumExp([0, -40]), 4.248354255291589e-18, 'f64', () => 'the value');
    check(`example logSumExp (gh-18295) | f64 | ${binding}`, w, BOUND.lse);
  });

  describe.each(['f64', 'f32'] as const)('%s data', (dtype) => {
    const sets = fixture[dtype];
    const tag = (fn: string, what: string) => `${fn} ${what} | ${dtype} | ${binding}`;

    // 1. Measure terms: each pair as a row of 1 element, and as a row of 8 copies of the pair
    // (8 equal terms add without rounding, so the exact row sum is 8 × the term; compared ÷ 8).
    const labels = { near: 'p/q within 1e-15..1e-3 of 1', wide: 'wide p, q', spread: '(p − q)/(p + q) spread over (−1, 1)' };
    const measures = [
      ['klDivergence', 'kl', ['near', 'wide', 'spread']],
      ['jsDivergence', 'js', ['near', 'wide', 'spread']],
      ['crossEntropy', 'ce', ['wide']],
      ['entropy', 'ent', ['wide']],
    ] as const;
    for (const [fn, key, setNames] of measures) {
      for (const set of setNames) {
        for (const width of [1, 8]) {
          const what = `${labels[set]}, rows of ${width}`;
          test(`${fn} terms, ${what}: within ${BOUND.term} ulp`, () => {
            const s = sets.measures[set];
            const p = decode(s.p, dtype);
            const q = decode(s.q, dtype);
            const n = p.length;
            const P = like(dtype, n * width);
            const Q = like(dtype, n * width);
            for (let i = 0; i < n; i++) {
              P.fill(p[i], i * width, (i + 1) * width);
              Q.fill(q[i], i * width, (i + 1) * width);
            }
            const options = { classes: width, reduction: 'none', normalize: false } as const;
            const rows = fn === 'entropy' ? api.entropy(P, options) : api[fn](P, Q, options);
            const got = rows.map((v) => v / width);
            const exact = f64(s[key]!);
            if (fn !== 'jsDivergence') {
              check(tag(fn, `terms, ${what}`), worstOf(got, exact, dtype, undefined, none(), `pair`), BOUND.term);
              return;
            }
            // JS terms, reported apart where d² = ((p − q)/(p + q))² < 1/2 (the f64 kernels' series;
            // the f32 kernels' reaches 0.7) and elsewhere (the two logs).
            const near = none();
            const far = none();
            for (let i = 0; i < n; i++) {
              const d = (p[i] - q[i]) / (p[i] + q[i]);
              fold(d * d < 0.5 ? near : far, got[i], exact[i], dtype, () => `pair[${i}]`);
            }
            check(tag(fn, `terms, ${what}, d² < 1/2`), near, BOUND.term);
            if (set !== 'near') check(tag(fn, `terms, ${what}, d² ≥ 1/2`), far, BOUND.term);
          });
        }
      }
    }

    // 2–4. Rows where one logit dominates: lengths 2 … 1000 and 50257-entry vocabulary rows.
    const rowsOf = () => data[dtype].rows;
    const each = (f: (r: RowSet, w: Worst) => void) => {
      const w = none();
      for (const r of rowsOf()) f(r, w);
      return w;
    };

    test(`logSumExp per row: within ${BOUND.lse} ulp of |m| + log1p(Σ others)`, () => {
      const worst = each((r, acc) => worstOf(api.logSumExp(r.x, { classes: r.classes }), r.lse, dtype, r.scale, acc, `${r.label}: row`));
      check(tag('logSumExp', 'rows, one term dominating'), worst, BOUND.lse);
    });

    for (const fn of ['logSoftmax', 'softmax'] as const) {
      test(`${fn} of every element: within ${BOUND.softmax} ulp (in the output's format)`, () => {
        const worst = each((r, acc) => {
          const out = api[fn](r.x, { classes: r.classes });
          // f32 data gives a Float32Array, f64 data a Float64Array: the format of the ulps.
          expect(out).toBeInstanceOf(dtype === 'f64' ? Float64Array : Float32Array);
          worstOf(out, fn === 'logSoftmax' ? r.logSoftmax : r.softmax, dtype, undefined, acc, `${r.label}: element`);
        });
        check(tag(fn, 'elements, one term dominating'), worst, BOUND.softmax);
      });
    }

    for (const target of ['argmax', 'other'] as const) {
      const what = target === 'argmax' ? 'target = argmax (loss log1p(Σ others))' : 'target = another class';
      test(`softmaxCrossEntropy per row, ${what}: within ${BOUND.sce} ulp`, () => {
        const worst = each((r, acc) => {
          const labels = r[target];
          const got = api.softmaxCrossEntropy(r.x, labels, { classes: r.classes, reduction: 'none' });
          // the loss is lse − x_t = −logSoftmax_t, exactly
          const want = new Float64Array(r.rows);
          for (let row = 0; row < r.rows; row++) want[row] = -r.logSoftmax[row * r.classes + labels[row]];
          worstOf(got, want, dtype, undefined, acc, `${r.label}: row`);
        });
        check(tag('softmaxCrossEntropy', `loss, ${what}`), worst, BOUND.sce);
      });

      // f64 results, in ulps of the data's format: f32 data is computed in f32 (its log-sum-exp's rest)
      test(`tokenLogProbs per row, ${what}: within ${BOUND.sce} ulp`, () => {
        const worst = each((r, acc) => {
          const labels = r[target];
          const got = api.tokenLogProbs(r.x, labels, { classes: r.classes });
          // log softmax(row)[target], exactly the logSoftmax element
          const want = new Float64Array(r.rows);
          for (let row = 0; row < r.rows; row++) want[row] = r.logSoftmax[row * r.classes + labels[row]];
          worstOf(got, want, dtype, undefined, acc, `${r.label}: row`);
        });
        check(tag('tokenLogProbs', `log-prob, ${what}`), worst, BOUND.sce);
      });
    }

    test(`softmaxCrossEntropy gradient, label = argmax ('sum'): p − 1 at the label and p_j elsewhere, within ${BOUND.sce} ulp`, () => {
      const atLabel = none();
      const elsewhere = none();
      for (const r of rowsOf()) {
        const grad = like(dtype, r.rows * r.classes);
        api.softmaxCrossEntropy(r.x, r.argmax, { classes: r.classes, reduction: 'sum', grad });
        for (let row = 0; row < r.rows; row++) {
          const base = row * r.classes;
          const label = r.argmax[row];
          fold(atLabel, grad[base + label], r.gradLabel[row], dtype, () => `${r.label}: row ${row}`);
          for (let j = 0; j < r.classes; j++) {
            if (j !== label) fold(elsewhere, grad[base + j], r.softmax[base + j], dtype, () => `${r.label}: row ${row}, column ${j}`);
          }
        }
      }
      check(tag('softmaxCrossEntropy', 'grad at the label = argmax (−Σ/(1+Σ))'), atLabel, BOUND.sce);
      check(tag('softmaxCrossEntropy', 'grad at the other columns (p_j)'), elsewhere, BOUND.sce);
    });

    // 5. BCE with logits per element, x = ±[20, 700] and moderate, y ∈ {0, 1, 0.3}.
    for (const withPw of [false, true]) {
      const what = withPw ? 'with posWeight' : 'without posWeight';
      test(`binaryCrossEntropyWithLogits per element, ${what}: loss and gradient within ${BOUND.bceLogits} ulp`, () => {
        const s = sets.bceLogits;
        const x = decode(s.x, dtype);
        const y = decode(s.y, dtype);
        const grad = like(dtype, x.length);
        const got = withPw
          ? api.binaryCrossEntropyWithLogits(x, y, { posWeight: decode(s.posWeight, dtype), reduction: 'none', grad })
          : api.binaryCrossEntropyWithLogits(x, y, { reduction: 'none', grad });
        const loss = worstOf(got, f64(withPw ? s.lossPw : s.loss), dtype, undefined, none(), 'element');
        const P = withPw ? decode(s.posWeight, dtype) : null;
        const parts = Float64Array.from(x, (v, i) => {
          const t = y[i];
          const p = P === null ? 1 : P[i % P.length]; // one positive weight per class, classes = P.length
          const pw = 1 + (p - 1) * t;
          const e = Math.exp(-Math.abs(v));
          const sig = pw * (e / (1 + e));
          return v >= 0 ? Math.abs(1 - t) + Math.abs(sig) : Math.abs(sig) + Math.abs(p * t);
        });
        const g = worstOf(grad, f64(withPw ? s.gradPw : s.grad), dtype, parts, none(), 'element');
        check(tag('binaryCrossEntropyWithLogits', `loss, ${what}`), loss, BOUND.bceLogits);
        check(tag('binaryCrossEntropyWithLogits', `grad, ${what}`), g, BOUND.bceLogits);
      });
    }

    // 6. BCE on probabilities near 1 and near 0.
    test(`binaryCrossEntropy per element, input near 1 and near 0: within ${BOUND.bce} ulp`, () => {
      const s = sets.bce;
      const got = api.binaryCrossEntropy(decode(s.x, dtype), decode(s.y, dtype), { reduction: 'none' });
      check(tag('binaryCrossEntropy', 'elements near 1 and 0'), worstOf(got, f64(s.loss), dtype, undefined, none(), 'element'), BOUND.bce);
    });

    // 7. kl_div with a probability target.
    test(`klDiv (logTarget false) per element: within ${BOUND.klDiv} ulp of t·(|log t| + |input|)`, () => {
      const s = sets.klDiv;
      const got = api.klDiv(decode(s.input, dtype), decode(s.target, dtype), { reduction: 'none', logTarget: false });
      check(tag('klDiv', 'elements'), worstOf(got, f64(s.loss), dtype, f64(s.scale), none(), 'element'), BOUND.klDiv);
    });
  });
});
