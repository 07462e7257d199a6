// The per-call arena (src/api/scratch.ts): the per-row arrays of the row-wise functions (losses,
// language-model scoring, calibration, the measures' general path) come from one reused buffer. On
// every entry: a call's results do not depend on what earlier calls left in it (every array comes
// zeroed), what a call takes is given back when it returns and when it throws, and no array a
// call returns is one of the arena's (a later call would overwrite it).
import { describe, expect, test } from 'vitest';
import { ARENA_CAP, arenaUse, scoped, scratch } from '../dist/api/scratch.js';
import { type Entry, entries } from './entries.js';

const C = 5;
const N = 12; // more than 8 rows: arrays of 8 values or fewer are V8's own, not the arena's
const logits = Float64Array.from({ length: N * C }, (_, i) => Math.sin(i * 1.7) * 3);
const f32 = Float32Array.from(logits);
const idx = Int32Array.from([0, 4, -100, 2, 1, 3, 4, 0, 1, -100, 3, 2]); // rows 2 and 9 ignored (PyTorch's default ignoreIndex)
// each row's arg-max, but row 4's second choice: targets a temperature can be fitted to
const fit = Int32Array.from({ length: N }, (_, r) => {
  const row = Array.from(logits.subarray(r * C, r * C + C));
  const order = row.map((v, c) => [v, c]).sort((a, b) => b[0] - a[0]);
  return order[r === 4 ? 1 : 0][1];
});
const probs = Float64Array.from({ length: N * C }, (_, i) => ((i * 7) % C === 0 ? 0.6 : 0.1));

/** Every scoped function, in the forms that take arrays from the arena (the K-dimensional and gradient paths included). */
function calls(m: Entry): Record<string, () => unknown> {
  return {
    sce: () => m.softmaxCrossEntropy(logits, idx, { classes: C }),
    sceNone: () => m.softmaxCrossEntropy(f32, idx, { classes: C, labelSmoothing: 0.1, reduction: 'none' }),
    sceProbs: () => m.softmaxCrossEntropy(logits, probs, { classes: C, labelSmoothing: 0.2, reduction: 'sum' }),
    sceGrad: () => {
      const grad = new Float64Array(N * C);
      return [m.softmaxCrossEntropy(logits, idx, { classes: C, labelSmoothing: 0.1, grad }), grad];
    },
    sceProbsGrad: () => {
      const grad = new Float64Array(N * C);
      return [m.softmaxCrossEntropy(logits, probs, { classes: C, grad }), grad];
    },
    sceKdim: () =>
      m.softmaxCrossEntropy(
        logits,
        Int32Array.from({ length: 12 }, (_, i) => i % C),
        { shape: [4, C, 3], reduction: 'none' },
      ),
    nll: () => m.nllLoss(logits, idx, { classes: C, reduction: 'sum' }),
    nllNone: () => m.nllLoss(logits, idx, { classes: C, reduction: 'none' }),
    lse: () => m.logSumExp(f32, { classes: C }),
    lseKdim: () => m.logSumExp(logits, { shape: [4, C, 3] }),
    logSoftmax: () => m.logSoftmax(logits, { classes: C }),
    softmaxKdim: () => m.softmax(f32, { shape: [4, C, 3] }),
    tokenLogProbs: () => {
      const ranks = new Int32Array(N);
      return [m.tokenLogProbs(logits, idx, { classes: C, ranks }), ranks];
    },
    perplexity: () => m.perplexity(f32, idx, { classes: C }),
    topLogProbs: () => {
      const r = m.topLogProbs(logits, { classes: C, k: 2 });
      return [r.values, r.indices];
    },
    softmaxEntropy: () => m.softmaxEntropy(f32, { classes: C }),
    softmaxEntropyGrad: () => {
      const grad = new Float64Array(N * C);
      return [m.softmaxEntropy(logits, { classes: C, reduction: 'none', grad }), grad];
    },
    continuationScore: () => {
      const r = m.continuationScore(logits, Int32Array.from([0, 4, 1, 2, 1, 3, 4, 0, 1, 2, 3, 2]), { classes: C, start: 2 });
      return [r.logLikelihood, r.isGreedy ? 1 : 0, r.tokens];
    },
    brierScore: () => m.brierScore(logits, Int32Array.from([0, 4, 1, 2, 1, 3, 4, 0, 1, 2, 3, 2]), { classes: C, fromLogits: true }),
    calibrationError: () =>
      m.calibrationError(logits, Int32Array.from([0, 4, 1, 2, 1, 3, 4, 0, 1, 2, 3, 2]), { classes: C, fromLogits: true, bins: 4 }),
    binaryCalibration: () =>
      m.calibrationError(
        f32,
        Int32Array.from({ length: N * C }, (_, i) => i % 2),
        { fromLogits: true, bins: 3 },
      ),
    reliabilityBins: () => {
      const r = m.reliabilityBins(logits, Int32Array.from([0, 4, 1, 2, 1, 3, 4, 0, 1, 2, 3, 2]), { classes: C, fromLogits: true, bins: 4 });
      return [r.count, r.confidence, r.accuracy];
    },
    fitTemperature: () => {
      const r = m.fitTemperature(logits, fit, { classes: C });
      return [r.temperature, r.nll, r.nllBefore];
    },
    calibrationAccumulator: () => {
      const acc = m.accumulator('calibrationError', { classes: C, fromLogits: true, bins: 4 });
      acc.update(logits, Int32Array.from([0, 4, 1, 2, 1, 3, 4, 0, 1, 2, 3, 2]));
      acc.update(logits.subarray(0, 2 * C), Int32Array.from([1, 1]));
      return acc.compute();
    },
    klDiv: () => m.klDiv(logits, probs, { classes: C, reduction: 'batchmean' }),
    crossEntropyRows: () =>
      m.crossEntropy(
        probs,
        probs.map((v) => v + 0.05),
        { classes: C, normalize: true },
      ),
    entropyNone: () => m.entropy(probs, { classes: C, reduction: 'none', base: 2 }),
    klDivergenceGrad: () => {
      const grad = new Float64Array(N * C);
      return [
        m.klDivergence(
          probs,
          probs.map((v) => v + 0.05),
          { classes: C, normalize: true, grad },
        ),
        grad,
      ];
    },
    bceRows: () =>
      m.binaryCrossEntropy(
        probs,
        probs.map((v) => 1 - v),
        { classes: C, reduction: 'sum' },
      ),
    bceLogitsRows: () => m.binaryCrossEntropyWithLogits(logits, probs, { classes: C }),
  };
}

/** Calls that leave NaN and ±∞ in every per-row array they take (rows of NaN, of +∞, of −∞), on longer inputs. */
function poison(m: Entry): void {
  const rows = 64;
  const bad = Float64Array.from({ length: rows * C }, (_, i) => [Number.NaN, Infinity, -Infinity][i % 3]);
  const t = Int32Array.from({ length: rows }, (_, r) => r % C);
  m.logSumExp(bad, { classes: C });
  m.softmaxCrossEntropy(bad, t, { classes: C, labelSmoothing: 0.3 });
  m.nllLoss(bad, t, { classes: C });
  m.tokenLogProbs(bad, t, { classes: C, ranks: new Int32Array(rows) });
  m.softmax(bad, { classes: C });
}

/** A plain copy of a result (numbers, arrays, pairs), so that a later change to the original shows. */
function snapshot(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(snapshot);
  return Array.from(v as ArrayLike<number>);
}

/** Bit-for-bit equality (Object.is on every number: NaN equals NaN, −0 differs from 0). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  const x = a as unknown[];
  const y = b as unknown[];
  return x.length === y.length && x.every((v, i) => same(v, y[i]));
}

describe.each(entries)('%s: the per-call arena', (_, m) => {
  test('results do not depend on what earlier calls left in it: the same bits after calls on NaN and ±∞ rows', () => {
    const c = calls(m);
    const before = Object.fromEntries(Object.entries(c).map(([k, f]) => [k, snapshot(f())]));
    for (const [k, f] of Object.entries(c)) {
      poison(m);
      expect(same(snapshot(f()), before[k]), k).toBe(true);
    }
  });

  test('what a call takes is given back when it returns and when it throws', () => {
    const handed = arenaUse().handed;
    for (const [k, f] of Object.entries(calls(m))) {
      f();
      expect(arenaUse().inUse, k).toBe(0);
    }
    // errors raised after the arrays are taken: a target out of range (found while the labels are
    // read into the arena), a negative sample weight
    const bad = Int32Array.from([0, 1, 7, 2, 1, 3, 0, 0, 0, 0, 0, 0]);
    expect(() => m.softmaxCrossEntropy(logits, bad, { classes: C })).toThrow(/\[2\] must be a class index/);
    expect(arenaUse().inUse).toBe(0);
    expect(() => m.nllLoss(logits, bad, { classes: C })).toThrow(/\[2\] must be a class index/);
    expect(arenaUse().inUse).toBe(0);
    expect(() => m.tokenLogProbs(logits, bad, { classes: C })).toThrow(/\[2\] must be a class index/);
    expect(arenaUse().inUse).toBe(0);
    expect(() => m.softmaxCrossEntropy(logits, idx, { classes: C, sampleWeight: new Float64Array(N).fill(-1) })).toThrow();
    expect(arenaUse().inUse).toBe(0);
    // and the library keeps working: the same result as before the errors
    expect(m.nllLoss(logits, idx, { classes: C, reduction: 'sum' })).toBe(calls(m).nll());
    // the functions above did take their arrays from this arena (the same module the entries load)
    expect(arenaUse().handed).toBeGreaterThan(handed);
  });

  test("no array a call returns is the arena's: each result is unchanged by the calls after it", () => {
    const c = calls(m);
    const kept = Object.entries(c).map(([k, f]) => {
      const r = f();
      return [k, r, snapshot(r)] as const;
    });
    poison(m);
    for (const f of Object.values(c)) f();
    for (const [k, r, copy] of kept) expect(same(snapshot(r), copy), k).toBe(true);
  });
});

describe('the arena itself', () => {
  test('every array comes zeroed, also where an earlier call left NaN; arrays taken in one call never overlap', () => {
    const dirty = scoped((n: number) => {
      const a = scratch(n);
      const b = scratch(n);
      a.fill(Number.NaN);
      b.fill(Number.POSITIVE_INFINITY);
      // two arrays of one call are distinct memory
      return a.every((v) => Number.isNaN(v)) && b.every((v) => v === Number.POSITIVE_INFINITY);
    });
    const clean = scoped((n: number) => [scratch(n), scratch(n)].every((a) => a.length === n && a.every((v) => v === 0)));
    const sevens = scoped((n: number) => scratch(n, 7).every((v) => v === 7));
    for (const n of [1, 9, 512, 5000]) {
      expect(dirty(n), `n = ${n}`).toBe(true);
      expect(clean(n), `n = ${n}`).toBe(true);
      // a value asked for fills every element, over what the last call left
      expect(dirty(n) && sevens(n), `n = ${n}, value 7`).toBe(true);
    }
    expect(arenaUse().inUse).toBe(0);
  });

  test('a request beyond the cap gets an array of its own; a call inside a call takes above its caller', () => {
    const outer = scoped(() => {
      const a = scratch(100);
      a.fill(1);
      // the inner call's arrays (and its release) leave the outer call's intact
      scoped(() => scratch(100).fill(2))();
      scratch(100).fill(3); // above `a`: the inner call gave back only its own
      const big = scratch(ARENA_CAP + 1);
      return a.every((v) => v === 1) && big.length === ARENA_CAP + 1 && big.buffer !== a.buffer;
    });
    expect(outer()).toBe(true);
    expect(arenaUse().inUse).toBe(0);
  });
});
