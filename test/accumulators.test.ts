// Mergeable accumulators: a data set accumulated in any split into batches, merged in any order
// (and through JSON), gives what one call on the whole gives, for every reduced function and for
// perplexity; and the accumulators' own checks.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';
import { rng } from './helpers.js';

// f64 data: 1e-12 relative, as the issue asks. Both sides are compensated sums of per-row values
// (a few roundings of the result, ~1e-16 relative); a batch computes each row as the whole call
// does, up to the order of the kernels' blocked sums when a batch starts mid-block.
const REL = 1e-12;
// f32 data: which f32 computation a term gets depends on the batch (the `xentropy` entry runs the
// f64 TS twin below a kernel's crossover and the f32 SIMD kernel above it; a kernel's scalar tail
// is f64), and the f32 kernels are accurate to 2^-21 of Σ|terms| (DESIGN.md, "Numerics"). Two
// such sums then differ by at most 2·2^-21 of Σ|per-row values|: that is the bound for f32 data.
const REL32 = 2 * 2 ** -21;

type Args = unknown[];
interface Case {
  fn: string;
  options: Record<string, unknown>;
  /** Rows (the unit a batch splits at). */
  rows: number;
  /** The data arguments of rows [r0, r1), and that batch's per-batch options (or undefined). */
  slice: (r0: number, r1: number) => { args: Args; batch?: Record<string, unknown> };
}

const pick = <T>(next: () => number, xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];

/** One random data set and options for `fn`, from the seed. */
function caseOf(fn: string, seed: number): Case {
  const next = rng(seed);
  const rows = 1 + Math.floor(next() * 30);
  const classes = 1 + Math.floor(next() * 40);
  const f32 = next() < 0.3;
  const floats = (n: number, f: () => number) => {
    const a = f32 ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = f();
    return a;
  };
  const rowsOf = (x: Float64Array | Float32Array | Int32Array, per: number) => (r0: number, r1: number) => x.slice(r0 * per, r1 * per);
  const labels = (ignore: number) => Int32Array.from({ length: rows }, () => (next() < 0.15 ? ignore : Math.floor(next() * classes)));
  const classWeight = () => (next() < 0.5 ? Array.from({ length: classes }, () => 0.1 + next() * 2) : undefined);
  const reduction = pick(next, ['mean', 'sum'] as const);
  switch (fn) {
    case 'entropy':
    case 'crossEntropy':
    case 'klDivergence':
    case 'jsDivergence': {
      const p = floats(rows * classes, () => (next() < 0.1 ? 0 : next()));
      const q = floats(rows * classes, () => 0.01 + next());
      const options = { classes, reduction, normalize: next() < 0.5, ...(next() < 0.5 ? { base: 2 } : {}) };
      const sp = rowsOf(p, classes);
      const sq = rowsOf(q, classes);
      return { fn, options, rows, slice: (a, b) => ({ args: fn === 'entropy' ? [sp(a, b)] : [sp(a, b), sq(a, b)] }) };
    }
    case 'binaryCrossEntropy': {
      const n = rows * classes;
      const x = floats(n, () => 0.001 + 0.998 * next());
      const y = floats(n, () => (next() < 0.5 ? Math.round(next()) : next()));
      const w = next() < 0.5 ? floats(n, () => next() * 2) : null;
      const s = (a: Float64Array | Float32Array) => rowsOf(a, 1);
      return {
        fn,
        options: { reduction },
        rows: n,
        slice: (a, b) => ({ args: [s(x)(a, b), s(y)(a, b)], batch: w ? { weight: s(w)(a, b) } : undefined }),
      };
    }
    case 'binaryCrossEntropyWithLogits': {
      const n = rows * classes;
      const x = floats(n, () => (next() - 0.5) * 8);
      const y = floats(n, () => Math.round(next()));
      const w = next() < 0.5 ? floats(n, () => next() * 2) : null;
      const posWeight = next() < 0.5 ? Array.from({ length: classes }, () => 0.5 + next() * 2) : undefined;
      const s = (a: Float64Array | Float32Array) => rowsOf(a, classes);
      return {
        fn,
        options: { reduction, classes, ...(posWeight ? { posWeight } : {}) },
        rows,
        slice: (a, b) => ({ args: [s(x)(a, b), s(y)(a, b)], batch: w ? { weight: s(w)(a, b) } : undefined }),
      };
    }
    case 'softmaxCrossEntropy': {
      const x = floats(rows * classes, () => (next() - 0.5) * 10);
      const weight = classWeight();
      const eps = next() < 0.5 ? 0.1 : 0;
      if (next() < 0.5) {
        const t = labels(-100);
        return {
          fn,
          options: { classes, reduction, labelSmoothing: eps, ...(weight ? { weight } : {}) },
          rows,
          slice: (a, b) => ({ args: [rowsOf(x, classes)(a, b), t.slice(a, b)] }),
        };
      }
      const t = floats(rows * classes, () => next());
      return {
        fn,
        options: { classes, reduction, labelSmoothing: eps, ...(weight ? { weight } : {}) },
        rows,
        slice: (a, b) => ({ args: [rowsOf(x, classes)(a, b), rowsOf(t, classes)(a, b)] }),
      };
    }
    case 'nllLoss': {
      const x = floats(rows * classes, () => -next() * 5);
      const ignoreIndex = pick(next, [-100, 0]);
      const t = labels(ignoreIndex);
      const weight = classWeight();
      return {
        fn,
        options: { classes, reduction, ignoreIndex, ...(weight ? { weight } : {}) },
        rows,
        slice: (a, b) => ({ args: [rowsOf(x, classes)(a, b), t.slice(a, b)] }),
      };
    }
    case 'klDiv': {
      const x = floats(rows * classes, () => -next() * 5);
      const t = floats(rows * classes, () => next());
      const red = pick(next, ['mean', 'sum', 'batchmean'] as const);
      return {
        fn,
        options: { classes, reduction: red, logTarget: next() < 0.3 },
        rows,
        slice: (a, b) => ({ args: [rowsOf(x, classes)(a, b), rowsOf(t, classes)(a, b)] }),
      };
    }
    case 'sigmoidFocalLoss': {
      const n = rows * classes;
      const x = floats(n, () => (next() - 0.5) * 8);
      const y = floats(n, () => (next() < 0.7 ? Math.round(next()) : next()));
      const options = {
        reduction,
        ...(next() < 0.5 ? { alpha: pick(next, [-1, 0, 0.25, 1]) } : {}),
        ...(next() < 0.5 ? { gamma: next() * 4 } : {}),
      };
      const s = (a: Float64Array | Float32Array) => rowsOf(a, 1);
      return { fn, options, rows: n, slice: (a, b) => ({ args: [s(x)(a, b), s(y)(a, b)] }) };
    }
    default: {
      // perplexity, with bytes and words per batch
      const x = floats(rows * classes, () => (next() - 0.5) * 10);
      const t = labels(-100);
      return {
        fn,
        options: { classes },
        rows,
        slice: (a, b) => ({ args: [rowsOf(x, classes)(a, b), t.slice(a, b)], batch: { bytes: (b - a) * 4, words: b - a } }),
      };
    }
  }
}

const FUNCTIONS = [
  'entropy',
  'crossEntropy',
  'klDivergence',
  'jsDivergence',
  'binaryCrossEntropy',
  'binaryCrossEntropyWithLogits',
  'softmaxCrossEntropy',
  'nllLoss',
  'klDiv',
  'sigmoidFocalLoss',
  'perplexity',
] as const;

type Loose = Record<string, (...a: unknown[]) => unknown>;
interface Acc {
  update(...a: unknown[]): Acc;
  merge(o: Acc): Acc;
  compute(): number | Record<string, number>;
  reset(): Acc;
  toJSON(): unknown;
}

/** The whole data set in one call of the function (the reference the accumulators must give). */
function whole(m: Entry, c: Case): number {
  const { args, batch } = c.slice(0, c.rows);
  return (m as unknown as Loose)[c.fn](...args, { ...c.options, ...(batch?.weight ? { weight: batch.weight } : {}) }) as number;
}

function near(got: number, want: number, rel = REL, scale = Math.abs(want)): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  return got === want || Math.abs(got - want) <= rel * scale;
}

/** |want| · Σ|per-row values| / |Σ per-row values|: the scale of the f32 bound (REL32). */
function f32Scale(m: Entry, c: Case, want: number): number {
  const { args, batch } = c.slice(0, c.rows);
  const loose = m as unknown as Loose;
  const v = (
    c.fn === 'perplexity'
      ? loose.tokenLogProbs(...args, { classes: c.options.classes })
      : loose[c.fn](...args, { ...c.options, reduction: 'none', ...(batch?.weight ? { weight: batch.weight } : {}) })
  ) as Float64Array;
  let abs = 0;
  let sum = 0;
  for (const x of v) {
    abs += Math.abs(x);
    sum += x;
  }
  // perplexity = exp(mean NLL): its relative error is the absolute error of the mean NLL
  if (c.fn === 'perplexity') return (want * abs) / Math.max(1, v.length);
  return sum === 0 ? abs : (Math.abs(want) * abs) / Math.abs(sum);
}

describe.each(entries)('%s: accumulators', (_, m) => {
  const make = (fn: string, options: unknown) => (m.accumulator as unknown as (f: string, o: unknown) => Acc)(fn, options);

  test.each(FUNCTIONS)('%s: any split into batches, merged in any order (some through JSON), equals one call on the whole', (fn) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed, splitSeed) => {
        const c = caseOf(fn, seed);
        const next = rng(splitSeed);
        // cut points: the batches [cut_k, cut_k+1), some of them empty
        const k = 1 + Math.floor(next() * 6);
        const cuts = [0, ...Array.from({ length: k - 1 }, () => Math.floor(next() * (c.rows + 1))).sort((a, b) => a - b), c.rows];
        const parts: Acc[] = [];
        for (let i = 0; i < k; i++) {
          const acc = make(fn, c.options);
          const { args, batch } = c.slice(cuts[i], cuts[i + 1]);
          acc.update(...args, ...(batch ? [batch] : []));
          parts.push(next() < 0.3 ? (m.restoreAccumulator(JSON.parse(JSON.stringify(acc))) as unknown as Acc) : acc);
        }
        // merged in a random order into a random one of them
        for (let i = parts.length - 1; i > 0; i--) {
          const j = Math.floor(next() * (i + 1));
          [parts[i], parts[j]] = [parts[j], parts[i]];
        }
        const into = parts[0];
        for (const p of parts.slice(1)) into.merge(p);
        const got = into.compute();
        const single = c.slice(0, 1).args[0] instanceof Float32Array;
        const close = (g: number, w: number) => (single ? near(g, w, REL32, f32Scale(m, c, w)) : near(g, w));
        if (fn === 'perplexity') {
          const r = got as Record<string, number>;
          const want = whole(m, c);
          const { args } = c.slice(0, c.rows);
          const t = args[1] as Int32Array;
          const tokens = t.filter((v) => v !== -100).length;
          expect(r.tokens).toBe(tokens);
          expect(r.bytes).toBe(c.rows * 4);
          expect(r.words).toBe(c.rows);
          expect(close(r.perplexity, want), `${r.perplexity} vs ${want}`).toBe(true);
          // bits per byte = Σ NLL / (bytes · ln 2), with Σ NLL = tokens · ln(perplexity)
          if (tokens > 0) expect(near(r.bitsPerByte, (tokens * r.nll) / (c.rows * 4) / Math.LN2, 1e-15)).toBe(true);
          return;
        }
        const want = whole(m, c);
        expect(close(got as number, want), `${fn} ${JSON.stringify(c.options)}${single ? ' f32' : ''}: ${got} vs ${want}`).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  test('reset empties an accumulator; compute of nothing is NaN for a mean and 0 for a sum', () => {
    const acc = make('crossEntropy', { classes: 2 });
    acc.update([0.5, 0.5], [0.9, 0.1]);
    expect(acc.compute()).toBeCloseTo(m.crossEntropy([0.5, 0.5], [0.9, 0.1]) as number, 15);
    expect(acc.reset().compute()).toBeNaN();
    expect(make('crossEntropy', { reduction: 'sum' }).compute()).toBe(0);
  });

  test('an update is the function itself: its checks, its error; the accumulator is unchanged by a failed update', () => {
    const acc = make('softmaxCrossEntropy', { classes: 3 });
    acc.update([1, 2, 3], [2]);
    const before = acc.compute();
    expect(() => acc.update([1, 2, 3], [3])).toThrow(/xentropy\.softmaxCrossEntropy: "target"\[0\] must be a class index in \[0, 3\)/);
    expect(acc.compute()).toBe(before);
  });

  test('options are checked at creation, by the function', () => {
    expect(() => make('softmaxCrossEntropy', {})).toThrow(/option "classes" is required/);
    expect(() => make('softmaxCrossEntropy', { classes: 3, labelSmoothing: 2 })).toThrow(/labelSmoothing/);
    expect(() => make('crossEntropy', { reduction: 'none' })).toThrow(/must be 'mean' or 'sum'; got "none"/);
    expect(() => make('crossEntropy', { grad: new Float64Array(2) })).toThrow(/unknown option "grad"/);
    expect(() => make('logSumExp', {})).toThrow(/"fn" must be one of/);
    expect(() => make('perplexity', { classes: 3, reduction: 'sum' })).toThrow(/unknown option "reduction"/);
  });

  test('array options are copied at creation (changing the caller array later changes nothing)', () => {
    const weight = [1, 2, 3];
    const acc = make('softmaxCrossEntropy', { classes: 3, weight });
    weight[2] = 100;
    acc.update([1, 2, 3], [2]);
    expect(acc.compute()).toBe(m.softmaxCrossEntropy([1, 2, 3], [2], { classes: 3, weight: [1, 2, 3] }));
  });

  test('merging accumulators of different functions or options is an error naming both', () => {
    const a = make('nllLoss', { classes: 3 });
    expect(() => a.merge(make('nllLoss', { classes: 3, weight: [1, 1, 2] }))).toThrow(/different options/);
    expect(() => a.merge(make('nllLoss', { classes: 3, reduction: 'sum' }))).toThrow(/different options/);
    expect(() => a.merge(make('softmaxCrossEntropy', { classes: 3 }) as Acc)).toThrow(
      /cannot merge an accumulator of softmaxCrossEntropy into one of nllLoss/,
    );
    expect(() => a.merge({ toJSON: () => ({}) } as unknown as Acc)).toThrow(/"other" must be an accumulator/);
  });

  test('options equal in effect merge: a default given or omitted, a state restored from JSON', () => {
    const a = make('softmaxCrossEntropy', { classes: 3 }).update([2, 0.5, -1], [0]);
    const b = make('softmaxCrossEntropy', { classes: 3, ignoreIndex: -100, labelSmoothing: 0, reduction: 'mean' }).update(
      [0.1, 0.2, 3],
      [2],
    );
    const c = m.restoreAccumulator(
      JSON.parse(JSON.stringify(make('softmaxCrossEntropy', { classes: 3 }).update([1, 1, 1], [1]))),
    ) as unknown as Acc;
    const want = m.softmaxCrossEntropy([2, 0.5, -1, 0.1, 0.2, 3, 1, 1, 1], [0, 2, 1], { classes: 3 }) as number;
    expect(near(a.merge(b).merge(c).compute() as number, want)).toBe(true);
  });

  test('accumulators of the two entries merge (state is numbers)', () => {
    for (const [, other] of entries) {
      const a = make('entropy', {});
      a.update([0.5, 0.5]);
      const b = (other.accumulator as unknown as (f: string, o: unknown) => Acc)('entropy', {});
      b.update([0.25, 0.75]);
      expect(near(a.merge(b).compute() as number, (Math.LN2 + (m.entropy([0.25, 0.75]) as number)) / 2)).toBe(true);
    }
  });

  test('JSON that is not an accumulator state is refused, naming what is wrong', () => {
    const good = JSON.parse(JSON.stringify(make('perplexity', { classes: 4 }).update([1, 2, 3, 4], [1])));
    expect((m.restoreAccumulator(good) as unknown as Acc).compute()).toEqual(
      make('perplexity', { classes: 4 }).update([1, 2, 3, 4], [1]).compute(),
    );
    for (const [bad, why] of [
      [null, /got null/],
      [{ ...good, xentropy: 'other' }, /"xentropy" must be 'accumulator'/],
      [{ ...good, fn: 'softmax' }, /unknown function "softmax"/],
      [{ ...good, state: { ...good.state, total: [1] } }, /"state.total" must be two numbers/],
      [{ ...good, state: { ...good.state, bytes: -1 } }, /"state.bytes" and "state.words"/],
      [{ ...good, options: { classes: 0 } }, /option "classes" must be a positive integer/],
    ] as const) {
      expect(() => m.restoreAccumulator(bad)).toThrow(why);
    }
    // non-finite totals survive JSON as strings
    const inf = make('crossEntropy', {}).update([1, 0], [0, 1]);
    expect(inf.compute()).toBe(Infinity);
    expect((m.restoreAccumulator(JSON.parse(JSON.stringify(inf))) as unknown as Acc).compute()).toBe(Infinity);
  });

  test('memory stays flat: state is numbers, whatever was accumulated', () => {
    const acc = make('perplexity', { classes: 50 });
    const logits = new Float32Array(50 * 64).map((_, i) => Math.sin(i));
    const targets = new Int32Array(64).map((_, i) => i % 50);
    for (let i = 0; i < 20; i++) acc.update(logits, targets, { bytes: 100 });
    const json = JSON.stringify(acc);
    expect(json.length).toBeLessThan(300);
    expect((acc.compute() as Record<string, number>).tokens).toBe(20 * 64);
  });
});
