// tokenLogProbs, perplexity and float16 input against PyTorch (float64), and against mpmath at 50
// digits where float64 PyTorch loses a value: see test/fixtures/gen_lm.py, which wrote
// test/fixtures/lm.json and says what each case holds. Every binding of test/entries.ts; logits
// as Float32Array, Float64Array, number[], float16(bits) and (where the runtime has one)
// Float16Array; targets as Int32Array, Uint32Array and number[]. Then every other function on
// float16 data, against PyTorch and SciPy in float64 (the fixture's "functions": see below).
import { afterAll, describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';
import { decode, F32_MATH, loadFixture, num } from './helpers.js';

// ---- the fixture ---------------------------------------------------------------------------

interface Case {
  name: string;
  rows: number;
  classes: number;
  /** how the logits are given, and so which values the kernel sees */
  dtype: 'f32' | 'f64' | 'f16';
  logits: { gen: 'gen32' | 'gen16'; seed: number } | { f64: string };
  /** generated logits: their exact sum and first values, to check that JS made the same array */
  check?: { sum: number; head: number[] };
  f16bits?: number[];
  targets: { i32: number[] };
  ignoreIndex?: number;
  logProbs: { f64: string };
  ranks: { i32: number[] };
  perplexity: number | string;
  /** mpmath's log-probabilities, and the rows where they replace PyTorch's */
  exact?: { f64: string };
  exactRows?: number[];
  torchRows?: number[];
}

const fixture = loadFixture<{ cases: Case[] }>('lm.json');

/**
 * The generators of gen_lm.py: every step is an integer below 2^53 (k·k·7919 < 1.4e14 for the
 * largest k here), so exact in float64, and the value is exact in f32 (gen32) or float16 (gen16).
 */
function generate(kind: 'gen32' | 'gen16', n: number, seed: number): Float64Array {
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const h = k * k * 7919 + k * 104729 + seed * 31337;
    x[k] = kind === 'gen32' ? (h % 65536) / 4096 - 8 : (h % 2048) / 128 - 8;
  }
  return x;
}

/** The logits of a case, as float64 values (what the kernel sees, in every dtype: each is exact in it). */
const logitsOf = new Map<Case, Float64Array>(
  fixture.cases.map((c) => [
    c,
    'gen' in c.logits ? generate(c.logits.gen, c.rows * c.classes, c.logits.seed) : (decode(c.logits.f64, 'f64') as Float64Array),
  ]),
);

// ---- float16 -------------------------------------------------------------------------------

/**
 * The IEEE binary16 bit pattern of `v`, for values float16 holds exactly (the fixtures' are):
 * anything else throws, so that the test never relies on a rounding of its own.
 */
function f16bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // subnormal (or 0): a = m·2^-24, m < 1024
    const m = a * 2 ** 24;
    if (!Number.isInteger(m)) throw new Error(`${v} is not exact in float16`);
    return sign | m;
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const m = (a / 2 ** e - 1) * 1024; // exact: a division by a power of 2
  if (e > 15 || !Number.isInteger(m)) throw new Error(`${v} is not exact in float16`);
  return sign | ((e + 15) << 10) | m;
}

const toF16 = (x: ArrayLike<number>) => Uint16Array.from(x as ArrayLike<number>, f16bits);

type Float16ArrayLike = ArrayLike<number> & { buffer: ArrayBuffer };
const Float16ArrayCtor = (globalThis as { Float16Array?: new (values: ArrayLike<number>) => Float16ArrayLike }).Float16Array;

// ---- the API under test --------------------------------------------------------------------

type Logits = unknown; // Float32Array, Float64Array, number[], a float16() marker, a Float16Array
type Targets = Int32Array | Uint32Array | number[];
interface LmOptions {
  classes: number;
  ignoreIndex?: number;
  out?: Float64Array | Float32Array;
  ranks?: Int32Array | Uint32Array;
}
/** The language-model functions, typed loosely so that every input form above type-checks. */
interface Lm {
  tokenLogProbs(logits: Logits, targets: Targets, options: LmOptions): Float64Array | Float32Array;
  perplexity(logits: Logits, targets: Targets, options: { classes: number; ignoreIndex?: number }): number;
  float16(bits: Uint16Array): unknown;
  softmaxCrossEntropy(logits: Logits, targets: Targets, options: { classes: number; ignoreIndex?: number }): number;
}

// ---- tolerances ----------------------------------------------------------------------------

// |got − want| ≤ REL·(|want| + M) + f32m·(|want| + 1), M = max(1, largest finite |logit| of the
// row). Both sides compute in f64 on the f64 path; log p = (x_t − max) − log Σ e^(x − max)
// carries the rounding of the larger operand (ulp(1e4) ≈ 1.8e-12 for the ±1e4 rows), hence the M
// term, and REL = 1e-12 leaves room for the roundings of a sum of up to 128256 terms (each
// relative 1.1e-16) beyond that. (The tolerance of test/losses.torch.test.ts, for the same reason.)
const REL = 1e-12;
// The WASM bindings compute the log-sum-exp of Float32Array logits (and of float16 logits, whose
// values are exact in f32) in f32 SIMD with f64 sums: F32_MATH (helpers.ts) absolute in the
// log-sum-exp, so F32_MATH·(|value| + 1) in each log-probability. xentropy/js works in f64.
// A Float32Array `out` rounds each value to f32 once more: 2^-24 relative.
const F32_ROUND = 2 ** -24;
// The rows in "exactRows" (the target's logit is the row's max by 40 or more): x_t − max = 0
// exactly, so log p = −log1p(S), S = Σ_{j≠t} e^(x_j − max) ≤ 3e^-40, and only S's relative error
// reaches it (f64 ulps, or F32_MATH for f32 exps) and log1p's: (REL + f32m)·|want|, relative to
// the tiny value itself. PyTorch's f64 −log(1 + S) rounds 1 + S to 1 and gives 0 there; mpmath decides.
// Perplexity = exp(mean NLL): the mean's absolute error, at most the largest row's bound above,
// is the perplexity's relative error (exp's own rounding is within REL).
// perplexity = Math.exp(softmaxCrossEntropy(…, 'mean')): the same rows' NLLs, possibly summed in
// another order or through another route to the same kernels: 16 f64 ulps of (|mean NLL| + M).
const SAME = 16 * Number.EPSILON;

function rowMagnitude(x: Float64Array, r: number, classes: number): number {
  let m = 1;
  for (let j = r * classes; j < (r + 1) * classes; j++) if (Number.isFinite(x[j])) m = Math.max(m, Math.abs(x[j]));
  return m;
}

function near(got: number, want: number, tol: number): boolean {
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
  return Math.abs(got - want) <= tol;
}

// ---- the inputs each case runs on ----------------------------------------------------------

interface Input {
  label: string;
  /** the logits in this form, from the binding (float16() is the binding's own) */
  make: (api: Lm) => Logits;
  /** computed in f32 on the WASM bindings */
  f32: boolean;
}

function inputsOf(c: Case): Input[] {
  const x = logitsOf.get(c)!;
  if (c.dtype === 'f16') {
    const bits = toF16(x);
    const list: Input[] = [{ label: 'float16(bits)', make: (api) => api.float16(bits), f32: true }];
    if (Float16ArrayCtor) list.push({ label: 'Float16Array', make: () => new Float16ArrayCtor(x), f32: true });
    return list;
  }
  const list: Input[] = [
    { label: 'Float32Array', make: () => Float32Array.from(x), f32: true },
    { label: 'Float64Array', make: () => Float64Array.from(x), f32: false },
  ];
  if (x.length <= 1000) list.push({ label: 'number[]', make: () => Array.from(x), f32: false });
  return list;
}

// ---- binding-independent checks ------------------------------------------------------------

describe('lm.json', () => {
  test.each(fixture.cases.filter((c) => c.check))('$name: JS generates the same logits as gen_lm.py', (c) => {
    const x = logitsOf.get(c)!;
    let s = 0;
    for (const v of x) s += v; // exact: multiples of 2^-12 (or 2^-7) below 2^20 in magnitude
    expect(s).toBe(c.check!.sum);
    expect(Array.from(x.subarray(0, c.check!.head.length))).toEqual(c.check!.head);
  });

  test("the float16 encoder matches numpy's bit patterns", () => {
    const c = fixture.cases.find((k) => k.f16bits)!;
    const bits = c.f16bits!;
    expect(Array.from(toF16(logitsOf.get(c)!.subarray(0, bits.length)))).toEqual(bits);
    // and the special values
    expect(Array.from(toF16([0, -0, 1, -2, 65504, 2 ** -14, 2 ** -24, 1023 * 2 ** -24, Infinity, -Infinity]))).toEqual([
      0x0000, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x7c00, 0xfc00,
    ]);
    expect(() => f16bits(1 + 2 ** -11)).toThrow();
    expect(() => f16bits(65520)).toThrow();
  });

  test.runIf(Float16ArrayCtor)("the float16 encoder matches the runtime's Float16Array", () => {
    const c = fixture.cases.find((k) => k.f16bits)!;
    const x = logitsOf.get(c)!;
    expect(new Uint16Array(new Float16ArrayCtor!(x).buffer)).toEqual(toF16(x));
  });
});

// ---- every binding -------------------------------------------------------------------------

describe.each(entries)('%s: tokenLogProbs and perplexity against PyTorch', (name, m: Entry) => {
  const api = m as unknown as Lm;

  test('has tokenLogProbs, perplexity and float16', () => {
    expect(typeof api.tokenLogProbs).toBe('function');
    expect(typeof api.perplexity).toBe('function');
    expect(typeof api.float16).toBe('function');
  });

  for (const c of fixture.cases) {
    const x = logitsOf.get(c)!;
    const { rows, classes } = c;
    const targets = c.targets.i32;
    const ignore = c.ignoreIndex ?? -100;
    const kept = targets.map((t) => t !== ignore);
    const torchWant = decode(c.logProbs.f64, 'f64');
    const exact = c.exact ? decode(c.exact.f64, 'f64') : null;
    const exactRows = new Set(c.exactRows ?? []);
    const want = Float64Array.from(torchWant, (v, r) => (exactRows.has(r) ? exact![r] : v));
    const ranks = c.ranks.i32;
    const ppl = num(c.perplexity);
    const M = targets.map((_, r) => rowMagnitude(x, r, classes));
    const opts = c.ignoreIndex === undefined ? { classes } : { classes, ignoreIndex: c.ignoreIndex };

    for (const input of inputsOf(c)) {
      test(`${c.name}: ${input.label}`, () => {
        const f32m = name !== 'xentropy/js' && input.f32 ? F32_MATH : 0;
        const tol = (r: number) =>
          exactRows.has(r) ? (REL + f32m) * Math.abs(want[r]) : REL * (Math.abs(want[r]) + M[r]) + f32m * (Math.abs(want[r]) + 1);
        const logits = input.make(api);
        const t32 = Int32Array.from(targets);

        const check = (label: string, got: ArrayLike<number>, extra: (w: number) => number = () => 0) => {
          expect(got.length, `${label}: length`).toBe(rows);
          for (let r = 0; r < rows; r++) {
            if (!kept[r]) {
              // an ignored row holds 0 (the `out` buffers below start as NaN, so it is written)
              if (got[r] !== 0) expect.fail(`${label}[${r}] (ignored): got ${got[r]}, want 0`);
              continue;
            }
            const from = exactRows.has(r) ? 'mpmath' : 'PyTorch';
            if (!near(got[r], want[r], tol(r) + extra(want[r])))
              expect.fail(`${label}[${r}]: got ${got[r]}, want ${want[r]} (${from}), tolerance ${tol(r) + extra(want[r])}`);
          }
        };

        // the values, one per row, in a new Float64Array
        const lp = api.tokenLogProbs(logits, t32, opts);
        expect(lp).toBeInstanceOf(Float64Array);
        check('tokenLogProbs', lp);

        // the same numbers with other target arrays, with ignoreIndex -100 spelled out, and with ranks asked for
        const same = (label: string, got: ArrayLike<number>) => {
          for (let r = 0; r < rows; r++)
            if (!Object.is(got[r], lp[r])) expect.fail(`${label}[${r}]: got ${got[r]}, want ${lp[r]} (as with Int32Array targets)`);
        };
        same('number[] targets', api.tokenLogProbs(logits, [...targets], opts));
        if (targets.every((t) => t >= 0)) same('Uint32Array targets', api.tokenLogProbs(logits, Uint32Array.from(targets), opts));
        if (c.ignoreIndex === undefined) same('ignoreIndex: -100', api.tokenLogProbs(logits, t32, { classes, ignoreIndex: -100 }));

        // ranks: exact, -1 (Int32Array) or 2^32 − 1 (Uint32Array) for an ignored row
        const r32 = new Int32Array(rows).fill(12345);
        same('with Int32Array ranks', api.tokenLogProbs(logits, t32, { ...opts, ranks: r32 }));
        expect(Array.from(r32), 'Int32Array ranks').toEqual(ranks);
        const ru32 = new Uint32Array(rows).fill(12345);
        api.tokenLogProbs(logits, t32, { ...opts, ranks: ru32 });
        expect(Array.from(ru32), 'Uint32Array ranks').toEqual(ranks.map((k) => k >>> 0));

        // `out`: filled and returned; a Float32Array gets each value rounded to f32
        const o64 = new Float64Array(rows).fill(NaN);
        expect(api.tokenLogProbs(logits, t32, { ...opts, out: o64 })).toBe(o64);
        same('out Float64Array', o64);
        const o32 = new Float32Array(rows).fill(NaN);
        const r2 = new Int32Array(rows);
        expect(api.tokenLogProbs(logits, t32, { ...opts, out: o32, ranks: r2 })).toBe(o32);
        check('out Float32Array', o32, (w) => F32_ROUND * Math.abs(w));
        expect(Array.from(r2), 'ranks with out').toEqual(ranks);

        // perplexity = exp(mean NLL over the rows kept); = exp(softmaxCrossEntropy(…, 'mean'))
        const p = api.perplexity(logits, t32, opts);
        const keptTol = Math.max(0, ...targets.map((_, r) => (kept[r] ? tol(r) : 0))) + REL;
        if (!near(p, ppl, keptTol * Math.abs(ppl)))
          expect.fail(`perplexity: got ${p}, want ${ppl} (PyTorch), relative tolerance ${keptTol}`);
        const ce = api.softmaxCrossEntropy(logits, t32, opts);
        const maxM = Math.max(1, ...targets.map((_, r) => (kept[r] ? M[r] : 1)));
        if (!near(p, Math.exp(ce), SAME * (Math.abs(ce) + maxM) * Math.abs(p)))
          expect.fail(`perplexity: got ${p}, exp(softmaxCrossEntropy) ${Math.exp(ce)}`);
        expect(Object.is(api.perplexity(logits, [...targets], opts), p), 'perplexity with number[] targets').toBe(true);
      });
    }
  }
});

// ---- float16 input to every other function -------------------------------------------------
// The fixture's "functions" (gen_lm.py, section 6): each function once or twice on float16 data
// (every float argument, options included, as float16: generated bit patterns with special values
// set), against SciPy (entropy, crossEntropy, klDivergence, jsDivergence: gen_measures.py's
// definitions) or PyTorch (the losses), in float64 on the float16 values.

/** A float16 array of the fixture: a generator, its seed and length, then [index, bits(, count)] set. */
interface HalfSpec {
  gen: 'gen16' | 'genp16';
  seed: number;
  n: number;
  set?: number[][];
  /** Σ of the bit patterns, as numpy made them: JS must make the same */
  bitsum: number;
}
type FnArg = { f16: HalfSpec } | { i32: number[] };
interface FnCase {
  name: string;
  fn: string;
  args: FnArg[];
  options: Record<string, unknown>;
  /** measures: "rows" (one per row); losses: per reduction (none: base64 f64); softmaxes: "value" */
  expected: Record<string, number | string | { f64: string } | (number | string)[]>;
  /** measures: Σ|terms| per row, in the same base */
  scale?: (number | string)[];
}

const functions = loadFixture<{ functions: FnCase[] }>('lm.json').functions;

/** gen_lm.py's genp16: probabilities in [0, 1), multiples of 2^-10 (exact in float16). */
function generateP(n: number, seed: number): Float64Array {
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) x[k] = ((k * k * 7919 + k * 104729 + seed * 31337) % 1024) / 1024;
  return x;
}

/** The bit patterns of a spec: the generator's values encoded by f16bits, then the set values. */
function bitsOf(s: HalfSpec): Uint16Array {
  const bits = toF16(s.gen === 'gen16' ? generate('gen16', s.n, s.seed) : generateP(s.n, s.seed));
  for (const [i, b, count = 1] of s.set ?? []) bits.fill(b, i, i + count);
  return bits;
}

/** The value of a float16 bit pattern, from its fields (not the library's table). */
function halfValue(b: number): number {
  const sign = b & 0x8000 ? -1 : 1;
  const e = (b >> 10) & 0x1f;
  const m = b & 0x3ff;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15));
}

const bitsOfSpec = new Map<HalfSpec, Uint16Array>();
const halfBits = (s: HalfSpec) => bitsOfSpec.get(s) ?? bitsOfSpec.set(s, bitsOf(s)).get(s)!;
const halfValues = (s: HalfSpec) => Float64Array.from(halfBits(s), halfValue);

/** Every float16 spec of a case (arguments and options). */
function specsOf(c: FnCase): HalfSpec[] {
  const all = [...c.args, ...Object.values(c.options)] as unknown[];
  return all.filter((a): a is { f16: HalfSpec } => typeof a === 'object' && a !== null && 'f16' in a).map((a) => a.f16);
}

// Tolerances. f = F32_MATH on the WASM bindings (float16 data takes the f32 kernels there: logs and
// exps within 2^-21 relative, a log-sum-exp within 2^-21 absolute), 0 on xentropy/js (f64 throughout).
// REL = 1e-12 is the f64 side, as above, relative to the magnitudes PyTorch's or SciPy's float64
// arithmetic adds or subtracts (their roundings, and ours, are relative to those, not to the result).
//   measures      (REL + f)·Σ|terms| of the row, Σ|terms| from SciPy (the tolerance of
//                 test/measures.scipy.test.ts, with f32's 2^-21 in place of its 2e-6).
//   BCE           (REL + f)·|value|: −w·(y·log x + (1−y)·log(1−x)) adds two parts of one sign, and the
//                 clamp at −100 is exact.
//   BCE logits    REL·S + f·|value|, S = w·(|(1−y)·x| + l·(|x| + 1)), l = 1 + (P−1)·y: PyTorch's f64
//                 (1−y)·x + l·(log(e^−m + e^(−x−m)) + m), m = max(−x, 0), cancels at x = −65504 (a
//                 subnormal y leaves 65504·2^-24 of two 65504s); xentropy adds parts of one sign, so
//                 its own f32 error is relative to the value.
//   klDiv         (REL + f)·S, S = |t·log t| + |t·x| (e^t·(|t| + |x|) for log targets): the two parts
//                 cancel (x ≈ log t), and each carries a log (exp) or a product rounded in f32.
//   softmaxCE     REL·S + f·(|value| + m): per row, w_t·(lse − x_t) (index) or Σ w_c·t'_c·(lse − x_c)
//                 (probabilities, t' = (1−ε)·t + ε/classes), S = m·(2·M + ln classes + |value|/m)
//                 with m the weight of the row (w_t, or Σ w_c·t'_c) and M its largest |logit|
//                 (log_softmax subtracts the max and log Σ from each logit); the f32 log-sum-exp's
//                 absolute 2^-21 enters once per unit of m (and x − lse in f32 rounds relative to
//                 |value|). Ignored rows are exactly 0.
//   nllLoss       REL·|value|: −w_t·x_t, one rounding in f64 on every binding and in PyTorch.
//   logSumExp     REL·(|value| + M) + f·(|value| + 1): the tolerance of the tests above.
//   logSoftmax    the same, + 2^-24·|value|: float16 results come in a Float32Array.
//   softmax       |value|·(REL·(M + |log value|) + f + 2^-24) + 2^-150: e^(x − lse) turns the
//                 absolute error of x − lse into a relative one; rounded to f32 once more (2^-150:
//                 half the spacing of f32's subnormals, where its relative rounding does not hold).
// A reduced value: the sum of its terms' tolerances over the divisor (n, rows, Σ w_t), + REL·|value|.

interface Margin {
  worst: number;
  where: string;
}
/** The largest |got − want| / tolerance per function and binding, for the report (XENTROPY_MARGINS=1). */
const margins = new Map<string, Margin>();

function record(key: string, ratio: number, where: string) {
  const m = margins.get(key);
  if (!m || ratio > m.worst) margins.set(key, { worst: ratio, where });
}

afterAll(() => {
  if (!process.env.XENTROPY_MARGINS) return;
  const lines = [...margins].map(([k, m]) => `${k}: ${m.worst.toExponential(2)} (${m.where})`);
  console.log(`worst |error| / tolerance:\n${lines.join('\n')}`);
});

const FN_NAMES = [
  'entropy',
  'crossEntropy',
  'klDivergence',
  'jsDivergence',
  'binaryCrossEntropy',
  'binaryCrossEntropyWithLogits',
  'softmaxCrossEntropy',
  'nllLoss',
  'klDiv',
  'logSumExp',
  'logSoftmax',
  'softmax',
];

describe('lm.json: float16 cases', () => {
  test('they cover every function other than tokenLogProbs and perplexity', () => {
    expect(new Set(functions.map((c) => c.fn))).toEqual(new Set(FN_NAMES));
  });

  test.each(functions)('$name: JS generates the same float16 bit patterns as gen_lm.py', (c) => {
    for (const s of specsOf(c)) {
      const bits = halfBits(s);
      expect(bits.length).toBe(s.n);
      expect(bits.reduce((a, b) => a + b, 0)).toBe(s.bitsum);
    }
  });

  test('the special values are there', () => {
    const all = new Set(functions.flatMap((c) => specsOf(c).flatMap((s) => Array.from(halfBits(s)))));
    // 0, the smallest and largest subnormals, ±65504, ±∞, −0, 1
    for (const b of [0x0000, 0x0001, 0x03ff, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x8000, 0x3c00]) expect(all.has(b), b.toString(16)).toBe(true);
  });
});

type Half16 = { make: (api: Lm, s: HalfSpec) => unknown; label: string };
const halfForms: Half16[] = [{ label: 'float16(bits)', make: (api, s) => api.float16(halfBits(s)) }];
if (Float16ArrayCtor) halfForms.push({ label: 'Float16Array', make: (_, s) => new Float16ArrayCtor(halfValues(s)) });

describe.each(entries)('%s: float16 input against PyTorch and SciPy', (name, m: Entry) => {
  const api = m as unknown as Lm;
  const call = (fn: string, ...a: unknown[]) => (m as unknown as Record<string, (...x: unknown[]) => unknown>)[fn](...a);
  const f = name !== 'xentropy/js' ? F32_MATH : 0;

  for (const c of functions) {
    for (const form of halfForms) {
      test(`${c.name}: ${form.label}`, () => {
        const conv = (a: unknown) =>
          typeof a === 'object' && a !== null && 'f16' in a
            ? form.make(api, (a as { f16: HalfSpec }).f16)
            : typeof a === 'object' && a !== null && 'i32' in a
              ? Int32Array.from((a as { i32: number[] }).i32)
              : a;
        const args = c.args.map(conv);
        const options = Object.fromEntries(Object.entries(c.options).map(([k, v]) => [k, conv(v)]));
        const values = c.args.map((a) => ('f16' in a ? halfValues(a.f16) : Float64Array.from(a.i32)));
        const opt = (k: string) => (c.options[k] as { f16: HalfSpec } | undefined)?.f16;
        const weight = opt('weight') ? halfValues(opt('weight')!) : null;
        const classes = (c.options.classes as number | undefined) ?? values[0].length;
        const rows = values[0].length / classes;
        const rowM = (r: number) => rowMagnitude(values[0] as Float64Array, r, classes);

        // per term (element or row): the tolerance as a function of the expected value
        let tolOf: (i: number, want: number) => number;
        let terms: number;
        let divisor: (red: string) => number;
        const exactZero = new Set<number>(); // ignored rows
        const [x, t] = values;
        switch (c.fn) {
          case 'entropy':
          case 'crossEntropy':
          case 'klDivergence':
          case 'jsDivergence': {
            const scale = c.scale!.map(num);
            tolOf = (r) => (REL + f) * scale[r];
            terms = rows;
            divisor = (red) => (red === 'mean' ? rows : 1);
            break;
          }
          case 'binaryCrossEntropy':
            tolOf = (_, w) => (REL + f) * Math.abs(w);
            terms = x.length;
            divisor = (red) => (red === 'mean' ? x.length : 1);
            break;
          case 'binaryCrossEntropyWithLogits': {
            const P = halfValues(opt('posWeight')!);
            tolOf = (i, w) => {
              const y = t[i];
              const l = 1 + (P[i % classes] - 1) * y;
              return REL * weight![i] * (Math.abs((1 - y) * x[i]) + l * (Math.abs(x[i]) + 1)) + f * Math.abs(w);
            };
            terms = x.length;
            divisor = (red) => (red === 'mean' ? x.length : 1);
            break;
          }
          case 'klDiv': {
            const logT = c.options.logTarget === true;
            tolOf = (i) => {
              const S = logT
                ? Math.exp(t[i]) * (Math.abs(t[i]) + Math.abs(x[i]))
                : t[i] === 0
                  ? 0
                  : Math.abs(t[i] * Math.log(t[i])) + Math.abs(t[i] * x[i]);
              return (REL + f) * S;
            };
            terms = x.length;
            divisor = (red) => (red === 'mean' ? x.length : red === 'batchmean' ? rows : 1);
            break;
          }
          case 'softmaxCrossEntropy': {
            const eps = (c.options.labelSmoothing as number | undefined) ?? 0;
            const w = weight ?? new Float64Array(classes).fill(1);
            const mass = new Float64Array(rows);
            if ('i32' in c.args[1]) {
              const ignore = (c.options.ignoreIndex as number | undefined) ?? -100;
              for (const [r, k] of c.args[1].i32.entries()) {
                if (k === ignore) exactZero.add(r);
                else mass[r] = w[k];
              }
            } else {
              for (let r = 0; r < rows; r++)
                for (let j = 0; j < classes; j++) mass[r] += w[j] * ((1 - eps) * t[r * classes + j] + eps / classes);
            }
            const lnC = Math.log(classes);
            tolOf = (r, v) => REL * (mass[r] * (2 * rowM(r) + lnC) + Math.abs(v)) + f * (Math.abs(v) + mass[r]);
            terms = rows;
            const kept = mass.reduce((a, b) => a + b, 0);
            divisor = (red) => (red === 'mean' ? ('i32' in c.args[1] ? kept : rows) : 1);
            break;
          }
          case 'nllLoss': {
            const ignore = c.options.ignoreIndex as number;
            const T = (c.args[1] as { i32: number[] }).i32;
            for (const [r, k] of T.entries()) if (k === ignore) exactZero.add(r);
            tolOf = (_, v) => REL * Math.abs(v);
            terms = rows;
            const kept = T.reduce((a, k) => a + (k === ignore ? 0 : weight![k]), 0);
            divisor = (red) => (red === 'mean' ? kept : 1);
            break;
          }
          case 'logSumExp':
            tolOf = (r, v) => REL * (Math.abs(v) + rowM(r)) + f * (Math.abs(v) + 1);
            terms = rows;
            divisor = () => 1;
            break;
          case 'logSoftmax':
            tolOf = (i, v) => REL * (Math.abs(v) + rowM(Math.floor(i / classes))) + f * (Math.abs(v) + 1) + F32_ROUND * Math.abs(v);
            terms = x.length;
            divisor = () => 1;
            break;
          case 'softmax':
            tolOf = (i, v) =>
              (v === 0 ? 0 : Math.abs(v) * (REL * (rowM(Math.floor(i / classes)) + Math.abs(Math.log(v))) + f + F32_ROUND)) + 2 ** -150;
            terms = x.length;
            divisor = () => 1;
            break;
          default:
            throw new Error(`no tolerance for ${c.fn}`);
        }

        const key = `${name} ${c.fn}`;
        const checkArray = (label: string, got: ArrayLike<number>, want: ArrayLike<number>) => {
          expect(got.length, `${label}: length`).toBe(want.length);
          for (let i = 0; i < want.length; i++) {
            if (exactZero.has(i)) {
              if (got[i] !== 0) expect.fail(`${label}[${i}] (ignored): got ${got[i]}, want 0`);
              continue;
            }
            const tol = tolOf(i, want[i]);
            if (!near(got[i], want[i], tol)) expect.fail(`${label}[${i}]: got ${got[i]}, want ${want[i]}, tolerance ${tol}`);
            if (Number.isFinite(want[i]) && tol > 0) record(key, Math.abs(got[i] - want[i]) / tol, `${c.name} ${label}[${i}]`);
          }
        };
        const checkReduced = (label: string, got: number, want: number, perTerm: ArrayLike<number>) => {
          let s = 0;
          for (let i = 0; i < terms; i++) s += exactZero.has(i) ? 0 : tolOf(i, perTerm[i]);
          const tol = s / divisor(label) + REL * Math.abs(want);
          if (!near(got, want, tol)) expect.fail(`${label}: got ${got}, want ${want}, tolerance ${tol}`);
          if (Number.isFinite(want) && tol > 0) record(key, Math.abs(got - want) / tol, `${c.name} ${label}`);
        };

        if ('value' in c.expected) {
          // logSumExp, logSoftmax, softmax: one array (softmaxes of float16 in a Float32Array)
          const want = decode((c.expected.value as { f64: string }).f64, 'f64');
          const got = call(c.fn, ...args, options) as Float64Array | Float32Array;
          expect(got).toBeInstanceOf(c.fn === 'logSumExp' ? Float64Array : Float32Array);
          checkArray('value', got, want);
          return;
        }
        if ('rows' in c.expected) {
          // measures: per row, and their sum and mean
          const want = (c.expected.rows as (number | string)[]).map(num);
          const got = call(c.fn, ...args, { ...options, reduction: 'none' }) as Float64Array;
          expect(got).toBeInstanceOf(Float64Array);
          checkArray('none', got, want);
          const total = want.reduce((a, b) => a + b, 0);
          checkReduced('sum', call(c.fn, ...args, { ...options, reduction: 'sum' }) as number, total, want);
          checkReduced('mean', call(c.fn, ...args, options) as number, total / rows, want);
          return;
        }
        const none = decode((c.expected.none as { f64: string }).f64, 'f64');
        const got = call(c.fn, ...args, { ...options, reduction: 'none' }) as Float64Array;
        expect(got).toBeInstanceOf(Float64Array);
        checkArray('none', got, none);
        for (const [red, w] of Object.entries(c.expected)) {
          if (red === 'none') continue;
          const v = call(c.fn, ...args, { ...options, reduction: red }) as number;
          checkReduced(red, v, num(w as number | string), none);
        }
        // the default reduction is 'mean'
        expect(Object.is(call(c.fn, ...args, options), call(c.fn, ...args, { ...options, reduction: 'mean' }))).toBe(true);
      });
    }
  }
});
