// Bad input: a clear error naming the argument (and index and value for a bad element), on
// both entries, for every function; after each error the library still computes correctly and
// the inputs are unchanged.
import { describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';

type Call = (m: Entry) => unknown;

// [what, call, error type, message pattern]
const cases: [string, Call, ErrorConstructor, RegExp][] = [
  [
    'p is a string',
    (m) => m.entropy('0.5,0.5' as never),
    TypeError,
    /entropy: "p" must be a Float64Array, a Float32Array, float16 data or an array of numbers; got "0.5,0.5"/,
  ],
  ['p is null', (m) => m.crossEntropy(null as never, [1]), TypeError, /crossEntropy: "p" must be .*; got null/],
  [
    'q is an object',
    (m) => m.klDivergence([1], { 0: 1, length: 1 } as never),
    TypeError,
    /klDivergence: "q" must be .*; got an object \(Object\)/,
  ],
  [
    'q is an Int32Array',
    (m) => m.jsDivergence([1], new Int32Array([1]) as never),
    TypeError,
    /jsDivergence: "q" must be .*; got an Int32Array of length 1/,
  ],
  ['p holds a string', (m) => m.entropy([0.5, '0.5'] as never), TypeError, /entropy: "p"\[1\] must be a number; got "0.5"/],
  [
    'different lengths',
    (m) => m.crossEntropy([0.5, 0.5], [1]),
    RangeError,
    /crossEntropy: "p" and "q" must have the same length; got 2 and 1/,
  ],
  [
    'classes does not divide',
    (m) => m.entropy([0.2, 0.3, 0.5], { classes: 2 }),
    RangeError,
    /entropy: option "classes" must be a positive integer that divides the length 3; got 2/,
  ],
  ['classes is 0', (m) => m.klDivergence([1], [1], { classes: 0 }), RangeError, /option "classes" .*; got 0/],
  ['classes is fractional', (m) => m.klDivergence([1, 1], [1, 1], { classes: 0.5 }), RangeError, /option "classes" .*; got 0.5/],
  ['classes is a string', (m) => m.klDivergence([1, 1], [1, 1], { classes: '2' as never }), TypeError, /option "classes" .*; got "2"/],
  [
    'negative entry in p',
    (m) => m.crossEntropy([0.5, -0.25, 0.75], [0.2, 0.3, 0.5]),
    RangeError,
    /crossEntropy: "p"\[1\] must be a non-negative number; got -0.25/,
  ],
  [
    'NaN entry in q',
    (m) => m.klDivergence([0.5, 0.5], [0.5, NaN]),
    RangeError,
    /klDivergence: "q"\[1\] must be a non-negative number; got NaN/,
  ],
  [
    'negative entry in q, f32',
    (m) => m.jsDivergence(new Float32Array([0.5, 0.5]), new Float32Array([-1, 2])),
    RangeError,
    /jsDivergence: "q"\[0\] must be a non-negative number; got -1/,
  ],
  [
    'bad entry far into a large input',
    (m) => m.entropy(new Float64Array(40_000).fill(1e-5).fill(-2, 33_333, 33_334)),
    RangeError,
    /entropy: "p"\[33333\] must be a non-negative number; got -2/,
  ],
  ['-Infinity in p', (m) => m.entropy([1, -Infinity]), RangeError, /"p"\[1\] must be a non-negative number; got -Infinity/],
  ['base 1', (m) => m.entropy([1], { base: 1 }), RangeError, /entropy: option "base" must be a finite number > 0 other than 1; got 1/],
  ['base 0', (m) => m.entropy([1], { base: 0 }), RangeError, /option "base" .*; got 0/],
  ['base negative', (m) => m.crossEntropy([1], [1], { base: -2 }), RangeError, /option "base" .*; got -2/],
  ['base Infinity', (m) => m.entropy([1], { base: Infinity }), RangeError, /option "base" .*; got Infinity/],
  ['base NaN', (m) => m.entropy([1], { base: NaN }), RangeError, /option "base" .*; got NaN/],
  [
    'unknown reduction',
    (m) => m.entropy([1], { reduction: 'avg' as never }),
    RangeError,
    /entropy: option "reduction" must be one of 'mean', 'sum', 'none'; got "avg"/,
  ],
  [
    'unknown option (typo)',
    (m) => m.entropy([1], { reduce: 'sum' } as never),
    TypeError,
    /entropy: unknown option "reduce"; known options are "base", "classes", "reduction", "normalize"/,
  ],
  ['options not an object', (m) => m.entropy([1], 2 as never), TypeError, /entropy: "options" must be an object; got 2/],
  ['normalize not boolean', (m) => m.entropy([1], { normalize: 1 as never }), TypeError, /option "normalize" must be true or false; got 1/],
];

describe.each(entries)('%s: errors', (_, m) => {
  for (const [what, call, Type, pattern] of cases) {
    test(`${what}, then a correct call`, () => {
      expect(() => call(m)).toThrow(Type);
      expect(() => call(m)).toThrow(pattern);
      // the library keeps working after the error
      expect(m.crossEntropy([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(-0.5 * Math.log(0.25) - 0.5 * Math.log(0.75), 14);
      expect(m.entropy(new Float32Array([0.25, 0.25, 0.5]), { base: 2 })).toBeCloseTo(1.5, 12);
    });
  }

  test('inputs are never modified: after success, after a reduction of "none" with a base, after an error', () => {
    const p = new Float64Array([0.1, 0.2, 0.7, 0.3, 0.3, 0.4]);
    const q = new Float32Array([0.3, 0.3, 0.4, 0.1, 0.2, 0.7]);
    const arr = [4, 5, 1, 0, 2, 3];
    const copies = [p.slice(), q.slice(), arr.slice()];
    for (const fn of ['crossEntropy', 'klDivergence', 'jsDivergence'] as const) {
      // (as a BinaryMeasure: a union of the three's overloads is not callable, since crossEntropy's
      // and klDivergence's take a reduction jsDivergence does not, 'sumByNonzeroWeights')
      const f = m[fn] as (typeof m)['jsDivergence'];
      f(p, q, { classes: 3, reduction: 'none', base: 2, normalize: true });
      f(arr, q, { normalize: true, reduction: 'sum' });
      expect(() => f(p, new Float32Array([1, 1, 1, 1, 1, -1]))).toThrow(RangeError);
    }
    m.entropy(p, { classes: 2, normalize: true, reduction: 'none', base: 10 });
    m.entropy(arr, { normalize: true });
    expect(p).toEqual(copies[0]);
    expect(q).toEqual(copies[1]);
    expect(arr).toEqual(copies[2]);
  });
});
