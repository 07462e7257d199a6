// The accuracy standard of test/cancel.test.ts for K-dimensional input: its rows where one logit
// dominates (lengths 2 … 1000, and 50257-entry vocabulary rows), each row laid out as one
// position of a (1, C, rows) tensor, through the `shape` option, on every binding and both dtypes:
// logSumExp per position, logSoftmax and softmax per element, softmaxCrossEntropy per position
// and its gradient, each within the same 4 ulp of mpmath's exact value (test/fixtures/cancel.json,
// written by test/fixtures/gen_cancel.py; the bounds and their reasons are cancel.test.ts's).
import { afterAll, describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';
import { decode, loadFixture, rng } from './helpers.js';

import { type Dtype, type RowGroup, ulpError, type VocabRow } from './ulps.js';

type Floats = Float64Array | Float32Array;

const fixture = loadFixture<Record<Dtype, { rows: RowGroup[]; vocab: VocabRow[] }>>('cancel.json');
const f64 = (b64: string) => decode(b64, 'f64') as Float64Array;

// ---- ulps (as test/cancel.test.ts) ---------------------------------------------------------------

/** The worst errors, printed at the end (in ulps of the data's format). */
const report: string[] = [];
afterAll(() => console.log(`worst errors with shape, in ulps of the data's format:\n${report.join('\n')}`));

/** The 4 ulp of cancel.test.ts's BOUND (lse, softmax, sce): the bound. */
const BOUND = 4;

class Worst {
  ulps = 0;
  at = '-';
  compared = 0;
  fold(got: number, exact: number, dtype: Dtype, where: () => string, scale?: number): void {
    const u = ulpError(got, exact, dtype, scale);
    if (Number.isNaN(u)) return;
    this.compared++;
    if (this.compared === 1 || u > this.ulps) {
      this.ulps = u;
      this.at = `${where()} (got ${got}, exact ${exact})`;
    }
  }
  check(what: string): void {
    report.push(`${this.ulps.toFixed(2).padStart(6)} ulp  ${what} (${this.compared} compared; worst at ${this.at})`);
    expect.soft(this.compared, `${what}: nothing compared`).toBeGreaterThan(0);
    expect.soft(this.ulps, `${what}: worst ${this.ulps} ulp at ${this.at}`).toBeLessThanOrEqual(BOUND);
  }
}

// ---- the rows as positions -----------------------------------------------------------------------

/** R rows of C classes as a (1, C, R) tensor: row r is position r; with its exact values per row and per element. */
interface Columns {
  label: string;
  C: number;
  R: number;
  x: Floats; // (1, C, R): x[c·R + r]
  lse: Float64Array;
  scale: Float64Array;
  argmax: Int32Array;
  other: Int32Array;
  logSoftmax: Float64Array; // rows × classes, as in the fixture
  softmax: Float64Array;
  gradLabel: Float64Array;
}

function columnsOf(
  label: string,
  C: number,
  R: number,
  rowsX: ArrayLike<number>,
  dtype: Dtype,
  rest: Omit<Columns, 'label' | 'C' | 'R' | 'x'>,
): Columns {
  const x = dtype === 'f64' ? new Float64Array(C * R) : new Float32Array(C * R);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) x[c * R + r] = rowsX[r * C + c];
  return { label, C, R, x, ...rest };
}

/** A 50257-entry row from its levels, as test/cancel.test.ts's expandVocab (gen_cancel.py's recipe). */
function vocabRow(v: VocabRow, dtype: Dtype) {
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
  const next = rng(v.seed);
  for (let j = n - 1; j > 0; j--) {
    const k = Math.floor(next() * (j + 1));
    [level[j], level[k]] = [level[k], level[j]];
  }
  const at = level.indexOf(0);
  [level[at], level[v.maxAt]] = [level[v.maxAt], level[at]];
  return {
    x: Float64Array.from(level, (l) => levels[l]),
    logSoftmax: Float64Array.from(level, (l) => ls[l]),
    softmax: Float64Array.from(level, (l) => sm[l]),
    other: level.indexOf(v.other),
  };
}

function columnSets(dtype: Dtype): Columns[] {
  const sets = fixture[dtype].rows.map((g) =>
    columnsOf(`length ${g.classes}, ${g.rows} positions`, g.classes, g.rows, decode(g.x, dtype), dtype, {
      lse: f64(g.lse),
      scale: f64(g.scale),
      argmax: Int32Array.from(g.argmax),
      other: Int32Array.from(g.other),
      logSoftmax: f64(g.logSoftmax),
      softmax: f64(g.softmax),
      gradLabel: f64(g.gradLabel),
    }),
  );
  // the vocabulary rows side by side, the first again at the end: 5 positions of 50257 classes
  const vs = [...fixture[dtype].vocab, fixture[dtype].vocab[0]];
  const rows = vs.map((v) => vocabRow(v, dtype));
  const C = vs[0].classes;
  const cat = (f: (r: (typeof rows)[number]) => Float64Array) => {
    const out = new Float64Array(C * rows.length);
    rows.forEach((r, k) => {
      out.set(f(r), k * C);
    });
    return out;
  };
  sets.push(
    columnsOf(
      `vocab ${C}, ${vs.length} positions`,
      C,
      vs.length,
      cat((r) => r.x),
      dtype,
      {
        lse: Float64Array.from(vs, (v) => v.lse),
        scale: Float64Array.from(vs, (v) => v.scale),
        argmax: Int32Array.from(vs, (v) => v.maxAt),
        other: Int32Array.from(rows, (r) => r.other),
        logSoftmax: cat((r) => r.logSoftmax),
        softmax: cat((r) => r.softmax),
        gradLabel: Float64Array.from(vs, (v) => v.gradLabel),
      },
    ),
  );
  return sets;
}

const data = { f64: columnSets('f64'), f32: columnSets('f32') };

// ---- the tests -----------------------------------------------------------------------------------

type Fn = (...a: unknown[]) => unknown;
describe.each(entries)('%s: cancel.json rows as positions of (1, C, rows)', (binding, m: Entry) => {
  const api = m as unknown as Record<'logSumExp' | 'logSoftmax' | 'softmax' | 'softmaxCrossEntropy', Fn>;
  for (const dtype of ['f64', 'f32'] as const) {
    test(`${dtype}: logSumExp, logSoftmax, softmax, softmaxCrossEntropy and its gradient within ${BOUND} ulp`, () => {
      const w = {
        lse: new Worst(),
        logSoftmax: new Worst(),
        softmax: new Worst(),
        argmax: new Worst(),
        other: new Worst(),
        gradLabel: new Worst(),
        grad: new Worst(),
      };
      for (const s of data[dtype]) {
        const shape = [1, s.C, s.R];
        const lse = api.logSumExp(s.x, { shape }) as Float64Array;
        for (let r = 0; r < s.R; r++) w.lse.fold(lse[r], s.lse[r], dtype, () => `${s.label}: position ${r}`, s.scale[r]);
        for (const fn of ['logSoftmax', 'softmax'] as const) {
          const out = api[fn](s.x, { shape }) as Floats;
          expect(out).toBeInstanceOf(dtype === 'f64' ? Float64Array : Float32Array);
          for (let r = 0; r < s.R; r++)
            for (let c = 0; c < s.C; c++)
              w[fn].fold(out[c * s.R + r], s[fn][r * s.C + c], dtype, () => `${s.label}: position ${r}, class ${c}`);
        }
        for (const target of ['argmax', 'other'] as const) {
          const got = api.softmaxCrossEntropy(s.x, s[target], { shape, reduction: 'none' }) as Float64Array;
          for (let r = 0; r < s.R; r++)
            w[target].fold(got[r], -s.logSoftmax[r * s.C + s[target][r]], dtype, () => `${s.label}: position ${r}`);
        }
        const grad = dtype === 'f64' ? new Float64Array(s.x.length) : new Float32Array(s.x.length);
        api.softmaxCrossEntropy(s.x, s.argmax, { shape, reduction: 'sum', grad });
        for (let r = 0; r < s.R; r++) {
          for (let c = 0; c < s.C; c++) {
            const g = grad[c * s.R + r];
            if (c === s.argmax[r]) w.gradLabel.fold(g, s.gradLabel[r], dtype, () => `${s.label}: position ${r}`);
            else w.grad.fold(g, s.softmax[r * s.C + c], dtype, () => `${s.label}: position ${r}, class ${c}`);
          }
        }
      }
      const tag = (what: string) => `${what} | ${dtype} | ${binding}`;
      w.lse.check(tag('logSumExp per position (of |m| + log1p(Σ others))'));
      w.logSoftmax.check(tag('logSoftmax per element'));
      w.softmax.check(tag('softmax per element'));
      w.argmax.check(tag('softmaxCrossEntropy, target = argmax'));
      w.other.check(tag('softmaxCrossEntropy, target = another class'));
      w.gradLabel.check(tag('gradient at the label = argmax (−Σ/(1+Σ))'));
      w.grad.check(tag('gradient elsewhere (p_j)'));
    });
  }
});
