// The shape of the API: backends, reductions, rows, return types, module formats, fallback.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, test } from 'vitest';
import * as wasmEntry from 'xentropy';
import * as jsEntry from 'xentropy/js';
import { entries } from './entries.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('entries', () => {
  test('xentropy runs on WebAssembly in Node; xentropy/js on TypeScript', () => {
    expect(wasmEntry.backend).toBe('wasm');
    expect(jsEntry.backend).toBe('js');
  });

  test('both entries export the same names', () => {
    expect(Object.keys(wasmEntry).sort()).toEqual(Object.keys(jsEntry).sort());
    expect(Object.keys(jsEntry).sort()).toEqual(
      [
        'backend',
        'entropy',
        'crossEntropy',
        'klDivergence',
        'jsDivergence',
        'binaryCrossEntropy',
        'binaryCrossEntropyWithLogits',
        'sigmoidFocalLoss',
        'softmaxCrossEntropy',
        'nllLoss',
        'klDiv',
        'logSumExp',
        'logSoftmax',
        'softmax',
        'tokenLogProbs',
        'perplexity',
        'slidingWindows',
        'accumulator',
        'restoreAccumulator',
        'float16',
        'alloc',
        'free',
        'refresh',
        'ctcLoss',
        'ctcGreedyDecode',
        'ctcBeamSearch',
        'topLogProbs',
        'softmaxEntropy',
        'continuationScore',
        'brierScore',
        'calibrationError',
        'reliabilityBins',
        'fitTemperature',
      ].sort(),
    );
  });

  test('both entries have the same types', () => {
    expectTypeOf(wasmEntry.entropy).toEqualTypeOf(jsEntry.entropy);
    expectTypeOf(wasmEntry.crossEntropy).toEqualTypeOf(jsEntry.crossEntropy);
    expectTypeOf(wasmEntry.tokenLogProbs).toEqualTypeOf(jsEntry.tokenLogProbs);
    expectTypeOf(wasmEntry.accumulator).toEqualTypeOf(jsEntry.accumulator);
    expectTypeOf(wasmEntry.backend).toEqualTypeOf<'wasm' | 'js'>();
    expectTypeOf(jsEntry.backend).toEqualTypeOf<'wasm' | 'js'>();
  });

  test('reduction "none" is typed Float64Array, the others number', () => {
    expectTypeOf(jsEntry.entropy([1], { reduction: 'none' })).toEqualTypeOf<Float64Array>();
    expectTypeOf(jsEntry.entropy([1])).toEqualTypeOf<number>();
    expectTypeOf(jsEntry.klDivergence([1], [1], { reduction: 'sum', base: 2 })).toEqualTypeOf<number>();
    expectTypeOf(jsEntry.klDivergence([1], [1], { classes: 1, reduction: 'none' })).toEqualTypeOf<Float64Array>();
  });

  test('loss return types follow the reduction, the input type and `out`', () => {
    expectTypeOf(jsEntry.softmaxCrossEntropy([1], [0], { classes: 1 })).toEqualTypeOf<number>();
    expectTypeOf(jsEntry.softmaxCrossEntropy([1], [0], { classes: 1, reduction: 'none' })).toEqualTypeOf<Float64Array>();
    expectTypeOf(jsEntry.binaryCrossEntropy([0.5], [1], { reduction: 'none' })).toEqualTypeOf<Float64Array>();
    expectTypeOf(jsEntry.binaryCrossEntropyWithLogits([0.5], [1])).toEqualTypeOf<number>();
    expectTypeOf(jsEntry.nllLoss([0], [0], { classes: 1, reduction: 'sum' })).toEqualTypeOf<number>();
    expectTypeOf(jsEntry.klDiv([0], [1], { reduction: 'batchmean' })).toEqualTypeOf<number>();
    expectTypeOf(jsEntry.klDiv([0], [1], { reduction: 'none' })).toEqualTypeOf<Float64Array>();
    expectTypeOf(jsEntry.logSumExp([1])).toEqualTypeOf<number>();
    expectTypeOf(jsEntry.logSumExp([1], { classes: 1 })).toEqualTypeOf<Float64Array>();
    expectTypeOf(jsEntry.softmax(new Float32Array(1))).toEqualTypeOf<Float32Array>();
    expectTypeOf(jsEntry.softmax([1])).toEqualTypeOf<Float64Array>();
    expectTypeOf(jsEntry.logSoftmax(new Float32Array(1), { out: new Float64Array(1) })).toEqualTypeOf<Float64Array<ArrayBuffer>>();
    expectTypeOf(wasmEntry.softmaxCrossEntropy).toEqualTypeOf(jsEntry.softmaxCrossEntropy);
    expectTypeOf(wasmEntry.softmax).toEqualTypeOf(jsEntry.softmax);
  });

  test('language-model functions: return types follow `out` and the accumulated function', () => {
    const h = jsEntry.float16(new Uint16Array(2));
    expectTypeOf(jsEntry.softmax(h)).toEqualTypeOf<Float32Array>();
    expectTypeOf(jsEntry.tokenLogProbs(h, [0], { classes: 2 })).toEqualTypeOf<Float64Array>();
    expectTypeOf(jsEntry.tokenLogProbs([0, 1], [0], { classes: 2, out: new Float32Array(1) })).toEqualTypeOf<Float32Array<ArrayBuffer>>();
    expectTypeOf(jsEntry.perplexity([0, 1], [0], { classes: 2 })).toEqualTypeOf<number>();
    expectTypeOf(jsEntry.accumulator('crossEntropy').compute()).toEqualTypeOf<number>();
    expectTypeOf(jsEntry.accumulator('perplexity', { classes: 2 }).compute().bitsPerByte).toEqualTypeOf<number>();
    expectTypeOf(jsEntry.slidingWindows(10, { maxLength: 4 })[0].scoreFrom).toEqualTypeOf<number>();
    const acc = jsEntry.accumulator('binaryCrossEntropy');
    acc.update([0.5], [1], { weight: [2] });
    // what must not compile (never called: tsc checks these lines)
    void (() => {
      // @ts-expect-error: an accumulator of binaryCrossEntropy takes (input, target, batch?)
      acc.update([0.5]);
      // @ts-expect-error: 'none' is not a reduction an accumulator computes
      jsEntry.accumulator('entropy', { reduction: 'none' });
      // @ts-expect-error: a Uint16Array is float16 only when marked
      jsEntry.entropy(new Uint16Array(2));
    });
  });

  test('require() loads the WASM entry synchronously (Node ≥ 20.19), and the js entry', () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const x = require('xentropy'), j = require('xentropy/js'); console.log(x.backend, j.backend, x.entropy([0.5, 0.5]) === Math.LN2)`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('wasm js true');
  });

  test('without WebAssembly the xentropy entry falls back to the TS kernels and still works', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--no-expose-wasm',
        '--input-type=module',
        '-e',
        `import * as x from 'xentropy'; console.log(typeof WebAssembly, x.backend, x.klDivergence([0.5, 0.5], [0.25, 0.75]))`,
      ],
      { cwd: root, encoding: 'utf8' },
    );
    // ½·ln(4/3) correctly rounded (mpmath); the naive 0.5·log(0.5/0.25) + 0.5·log(0.5/0.75) is 1 ulp
    // below: KL takes log1p((p − q)/q) where p/q is near 1.
    const kl = 0.14384103622589045;
    expect(out.trim()).toBe(`undefined js ${kl}`);
  });
});

describe.each(entries)('%s: rows and reductions', (_, m) => {
  const p = [0.5, 0.5, 0.9, 0.1, 1, 0];
  const q = [0.25, 0.75, 0.5, 0.5, 0.5, 0.5];
  const perRow = [0, 1, 2].map((r) => {
    let s = 0;
    for (let j = 0; j < 2; j++) {
      const a = p[2 * r + j];
      if (a > 0) s -= a * Math.log(q[2 * r + j]);
    }
    return s;
  });

  test('classes splits the input into rows; "none" gives one value per row', () => {
    const rows = m.crossEntropy(p, q, { classes: 2, reduction: 'none' });
    expect(rows).toBeInstanceOf(Float64Array);
    expect(Array.from(rows)).toEqual(perRow.map((x) => expect.closeTo(x, 15)));
  });

  test('"mean" is the default and averages rows; "sum" adds them', () => {
    const sum = perRow[0] + perRow[1] + perRow[2];
    expect(m.crossEntropy(p, q, { classes: 2 })).toBeCloseTo(sum / 3, 15);
    expect(m.crossEntropy(p, q, { classes: 2, reduction: 'mean' })).toBeCloseTo(sum / 3, 15);
    expect(m.crossEntropy(p, q, { classes: 2, reduction: 'sum' })).toBeCloseTo(sum, 15);
  });

  test('classes omitted: the whole array is one row', () => {
    expect(m.entropy([0.25, 0.25, 0.25, 0.25], { reduction: 'none' })).toEqual(new Float64Array([Math.log(4)]));
  });

  test('base divides by ln(base): bits and decimal digits', () => {
    expect(m.entropy([0.25, 0.25, 0.25, 0.25], { base: 2 })).toBeCloseTo(2, 15);
    expect(m.entropy(new Float64Array(10).fill(0.1), { base: 10 })).toBeCloseTo(1, 15);
    expect(m.entropy([0.5, 0.5, 0.25, 0.75], { base: 2, classes: 2, reduction: 'none' })[0]).toBeCloseTo(1, 15);
  });

  test('empty input: one empty row sums to 0; zero rows give mean NaN, sum 0, none []', () => {
    expect(m.entropy([])).toBe(0);
    expect(m.klDivergence(new Float32Array(0), new Float32Array(0))).toBe(0);
    expect(m.entropy([], { classes: 3 })).toBeNaN();
    expect(m.entropy([], { classes: 3, reduction: 'sum' })).toBe(0);
    expect(m.entropy([], { classes: 3, reduction: 'none' })).toEqual(new Float64Array(0));
  });

  test('SciPy semantics: 0·log 0 = 0, 0·log(0/q) = 0, p > 0 where q = 0 is +Infinity', () => {
    expect(m.entropy([0, 1])).toBe(0);
    expect(m.crossEntropy([0, 1], [0, 1])).toBe(0);
    expect(m.klDivergence([0, 1], [0, 1])).toBe(0);
    expect(m.klDivergence([0, 1], [0.5, 0.5])).toBeCloseTo(Math.LN2, 15);
    expect(m.klDivergence([0.5, 0.5], [1, 0])).toBe(Infinity);
    expect(m.crossEntropy([0.5, 0.5], [1, 0])).toBe(Infinity);
    expect(m.jsDivergence([1, 0], [0, 1])).toBeCloseTo(Math.LN2, 15);
  });

  test('values need not sum to 1 without normalize; normalize divides each row by its sum', () => {
    expect(m.entropy([1, 1])).toBe(0); // −Σ 1·log 1
    expect(m.entropy([1, 1], { normalize: true })).toBeCloseTo(Math.LN2, 15);
    expect(m.klDivergence([2, 6, 1, 1], [1, 1, 3, 1], { classes: 2, normalize: true, reduction: 'none' })[1]).toBeCloseTo(
      0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(0.5 / 0.25),
      15,
    );
    expect(m.entropy([0, 0, 1, 3], { classes: 2, normalize: true, reduction: 'none' })[0]).toBeNaN();
  });
});

describe('crossover', () => {
  test('every kernel states one per dtype, between the sizes the tests take as below and above it (hostile.test.ts: 8 and 300)', async () => {
    const { KERNELS } = await import('../dist/kernels/table.js');
    for (const [name, d] of Object.entries(KERNELS)) {
      for (const c of d.crossover) {
        expect(c, name).toBeGreaterThan(8);
        expect(c, name).toBeLessThanOrEqual(300);
      }
    }
  });
});
