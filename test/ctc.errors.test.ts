// The errors of ctcLoss, ctcGreedyDecode and ctcBeamSearch: each names the function, the argument
// and, for a bad element, its index and value; the same input is accepted or refused the same way
// (same error type and message) on every entry; after an error the next call works.
import { describe, expect, test } from 'vitest';
import { type Entry, entries, js } from './entries.js';

const T = 4;
const N = 2;
const C = 3;
const x = new Float64Array(T * N * C).fill(Math.log(1 / 3));
const base = { classes: C, inputLengths: [4, 3], targetLengths: [2, 1] };
const targets = [1, 2, 1];
/** The loss of the valid call, from the pure-TS entry: each entry's must match it to rounding (1e-14 relative, as test/ctc.test.ts). */
const valid = js.ctcLoss(x, targets, base);

type Call = (X: Entry) => unknown;
const bad: [string, Call, RegExp, ErrorConstructor][] = [
  [
    'a target equal to blank',
    (X) => X.ctcLoss(x, [1, 0, 1], base),
    /ctcLoss: "targets"\[1\] must be a class index in \[0, 3\) other than blank \(0\); got 0/,
    RangeError,
  ],
  [
    'a target equal to a blank not 0',
    (X) => X.ctcLoss(x, [1, 2, 1], { ...base, blank: 2 }),
    /"targets"\[1\] .* other than blank \(2\); got 2/,
    RangeError,
  ],
  ['a target of C', (X) => X.ctcLoss(x, [1, 3, 1], base), /"targets"\[1\] must be a class index in \[0, 3\).*got 3/, RangeError],
  [
    'a BigInt64Array target beyond 2^53 (named exactly, not rounded)',
    (X) => X.ctcLoss(x, BigInt64Array.of(1n, 2n ** 60n + 1n, 1n), base),
    /ctcLoss: "targets"\[1\] must be a safe integer .*got 1152921504606846977/,
    RangeError,
  ],
  ['a BigInt64Array target of C', (X) => X.ctcLoss(x, BigInt64Array.of(1n, 3n, 1n), base), /"targets"\[1\] .*got 3/, RangeError],
  ['a negative target', (X) => X.ctcLoss(x, [1, 1, -1], base), /"targets"\[2\] .*got -1/, RangeError],
  ['a fractional target', (X) => X.ctcLoss(x, [1, 1.5, 1], base), /"targets"\[1\] .*got 1\.5/, RangeError],
  [
    'a padded target past its row is not read, but one inside is',
    (X) => X.ctcLoss(x, [1, 2, 0, 1], { ...base, targetLayout: 'padded', targetLengths: [2, 2] }),
    /"targets"\[2\] .*got 0/,
    RangeError,
  ],
  [
    'inputLengths above T',
    (X) => X.ctcLoss(x, targets, { ...base, inputLengths: [4, 5] }),
    /ctcLoss: option "inputLengths"\[1\] must be an integer in \[0, 4\].*got 5/,
    RangeError,
  ],
  [
    'a negative input length',
    (X) => X.ctcLoss(x, targets, { ...base, inputLengths: [-1, 4] }),
    /option "inputLengths"\[0\] .*got -1/,
    RangeError,
  ],
  [
    'inputLengths of a count that does not divide the input',
    (X) => X.ctcLoss(x, targets, { ...base, inputLengths: [4, 3, 2, 1, 1] }),
    /"logProbs" must hold T·N·C values \(N = 5/,
    RangeError,
  ],
  [
    'targetLengths of the wrong count',
    (X) => X.ctcLoss(x, targets, { ...base, targetLengths: [3] }),
    /option "targetLengths" must have one entry per sample \(2/,
    RangeError,
  ],
  [
    'a negative target length',
    (X) => X.ctcLoss(x, targets, { ...base, targetLengths: [4, -1] }),
    /option "targetLengths"\[1\] must be an integer >= 0; got -1/,
    RangeError,
  ],
  [
    'concatenated targets that do not fit the lengths',
    (X) => X.ctcLoss(x, [1, 2, 1, 1], base),
    /'concatenated' layout must hold the sum of "targetLengths" \(3\) labels; got length 4/,
    RangeError,
  ],
  [
    'padded targets not N rows',
    (X) => X.ctcLoss(x, targets, { ...base, targetLayout: 'padded' }),
    /'padded' layout must hold N·S values \(N = 2\); its length 3/,
    RangeError,
  ],
  [
    'a target length past the padded row',
    (X) => X.ctcLoss(x, [1, 2, 1, 2], { ...base, targetLayout: 'padded', targetLengths: [3, 1] }),
    /option "targetLengths"\[0\] is 3, more than S = 2/,
    RangeError,
  ],
  [
    'an unknown target layout',
    (X) => X.ctcLoss(x, targets, { ...base, targetLayout: 'flat' as 'padded' }),
    /option "targetLayout" must be 'concatenated' or 'padded'; got "flat"/,
    RangeError,
  ],
  [
    'an unknown option',
    (X) => X.ctcLoss(x, targets, { ...base, blankIndex: 0 } as never),
    /ctcLoss: unknown option "blankIndex"/,
    TypeError,
  ],
  [
    'no options',
    (X) => X.ctcLoss(x, targets, undefined as never),
    /ctcLoss: options "classes", "inputLengths" and "targetLengths" are required/,
    TypeError,
  ],
  [
    'no classes',
    (X) => X.ctcLoss(x, targets, { inputLengths: [4, 3], targetLengths: [2, 1] } as never),
    /option "classes" is required/,
    TypeError,
  ],
  [
    'no inputLengths',
    (X) => X.ctcLoss(x, targets, { classes: C, targetLengths: [2, 1] } as never),
    /option "inputLengths" is required/,
    TypeError,
  ],
  [
    'no targetLengths',
    (X) => X.ctcLoss(x, targets, { classes: C, inputLengths: [4, 3] } as never),
    /option "targetLengths" is required/,
    TypeError,
  ],
  [
    'empty inputLengths',
    (X) => X.ctcLoss(x, [], { classes: C, inputLengths: [], targetLengths: [] }),
    /option "inputLengths" must have one entry per sample \(at least one\)/,
    RangeError,
  ],
  ['classes 0', (X) => X.ctcLoss(x, targets, { ...base, classes: 0 }), /option "classes" must be a positive integer; got 0/, RangeError],
  [
    'a blank outside [0, C)',
    (X) => X.ctcLoss(x, targets, { ...base, blank: 3 }),
    /option "blank" must be a class index in \[0, 3\); got 3/,
    RangeError,
  ],
  [
    'a reduction',
    (X) => X.ctcLoss(x, targets, { ...base, reduction: 'avg' as 'sum' }),
    /option "reduction" must be one of 'mean', 'sum', 'none'; got "avg"/,
    RangeError,
  ],
  ['float targets', (X) => X.ctcLoss(x, new Float64Array(targets) as never, base), /"targets" must be class indices/, TypeError],
  [
    'float lengths',
    (X) => X.ctcLoss(x, targets, { ...base, inputLengths: new Float32Array([4, 3]) as never }),
    /"inputLengths" must be lengths/,
    TypeError,
  ],
  [
    'zeroInfinity not a boolean',
    (X) => X.ctcLoss(x, targets, { ...base, zeroInfinity: 1 as never }),
    /option "zeroInfinity" must be true or false; got 1/,
    TypeError,
  ],
  [
    'a grad of the wrong length',
    (X) => X.ctcLoss(x, targets, { ...base, grad: new Float64Array(5) }),
    /option "grad" must have the input's length 24; got length 5/,
    RangeError,
  ],
  [
    'a grad that is the input',
    (X) => X.ctcLoss(x, targets, { ...base, grad: x }),
    /option "grad" shares memory with "logProbs"/,
    RangeError,
  ],
  ['logProbs not floats', (X) => X.ctcLoss('abc' as never, targets, base), /"logProbs" must be a Float64Array/, TypeError],
  [
    'greedy: inputLengths above T',
    (X) => X.ctcGreedyDecode(x, { classes: C, inputLengths: [5, 1] }),
    /ctcGreedyDecode: option "inputLengths"\[0\] must be an integer in \[0, 4\] \(T, the frames of "logProbs"\); got 5/,
    RangeError,
  ],
  [
    'greedy: an unknown option',
    (X) => X.ctcGreedyDecode(x, { classes: C, inputLengths: [4, 4], beamWidth: 2 } as never),
    /ctcGreedyDecode: unknown option "beamWidth"/,
    TypeError,
  ],
  [
    'beam: beamWidth 0',
    (X) => X.ctcBeamSearch(x, { classes: C, inputLengths: [4, 4], beamWidth: 0 }),
    /ctcBeamSearch: option "beamWidth" must be an integer >= 1; got 0/,
    RangeError,
  ],
  [
    'beam: topPaths above beamWidth',
    (X) => X.ctcBeamSearch(x, { classes: C, inputLengths: [4, 4], beamWidth: 2, topPaths: 3 }),
    /option "topPaths" must be an integer in \[1, beamWidth = 2\]; got 3/,
    RangeError,
  ],
  [
    'beam: a blank outside [0, C)',
    (X) => X.ctcBeamSearch(x, { classes: C, inputLengths: [4, 4], blank: -1 }),
    /ctcBeamSearch: option "blank" must be a class index in \[0, 3\); got -1/,
    RangeError,
  ],
];

describe.each(entries)('%s', (_name, X: Entry) => {
  test.each(bad)('%s', (_what, call, message, Type) => {
    const copy = x.slice();
    const grad = new Float64Array(x.length).fill(5);
    expect(() => call(X)).toThrow(message);
    expect(() => call(X)).toThrow(Type);
    expect(x).toEqual(copy); // inputs never modified
    // after an error, the next call works and gives the same as on a fresh entry
    expect(Math.abs(X.ctcLoss(x, targets, { ...base, grad }) - valid)).toBeLessThanOrEqual(1e-14 * valid);
    expect(grad.every((v) => Number.isFinite(v))).toBe(true);
  });
});

test('accepted or refused the same way on every entry, with the same message', () => {
  const outcome = (call: Call) =>
    entries.map(([, X]) => {
      try {
        const r = call(X);
        return `ok ${typeof r}`;
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    });
  const variants: Call[] = [...bad.map(([, call]) => call)];
  // valid calls and boundary cases
  for (const layout of ['concatenated', 'padded'] as const) {
    for (const tl of [
      [0, 0],
      [2, 1],
      [4, 3],
      [2, 2],
    ]) {
      for (const il of [
        [4, 3],
        [0, 4],
        [4, 0],
        [1, 1],
      ]) {
        const t = layout === 'padded' ? [1, 2, 1, 2, 1, 2, 1, 2] : Array.from({ length: tl[0] + tl[1] }, (_, i) => 1 + (i % 2));
        variants.push((X) => X.ctcLoss(x, t, { classes: C, inputLengths: il, targetLengths: tl, targetLayout: layout }));
      }
    }
  }
  for (const call of variants) {
    const got = outcome(call);
    expect(new Set(got).size, got.join(' | ')).toBe(1);
  }
});

describe.each(entries)('%s: integer types of targets and lengths (issue 19)', (_name, X: Entry) => {
  test('every integer typed array gives the Int32Array call’s loss, bit for bit', () => {
    const want = X.ctcLoss(x, Int32Array.from(targets), base);
    const types = [Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Uint8ClampedArray] as const;
    for (const Type of types) {
      const got = X.ctcLoss(x, Type.from(targets), {
        ...base,
        inputLengths: Type.from(base.inputLengths),
        targetLengths: Type.from(base.targetLengths),
      });
      expect(Object.is(got, want), Type.name).toBe(true);
    }
    const big = X.ctcLoss(x, BigInt64Array.from(targets, BigInt), {
      ...base,
      targetLengths: BigUint64Array.from(base.targetLengths, BigInt),
    });
    expect(Object.is(big, want)).toBe(true);
  });
});
