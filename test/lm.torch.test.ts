// tokenLogProbs, perplexity and float16 input against PyTorch (float64), and against mpmath at 50
// digits where float64 PyTorch loses a value: see test/fixtures/gen_lm.py, which wrote
// test/fixtures/lm.json and says what each case holds. Every binding of test/entries.ts; logits
// as Float32Array, Float64Array, number[], float16(bits) and (where the runtime has one)
// Float16Array; targets as Int32Array, Uint32Array and number[].
import { describe, expect, test } from 'vitest';
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
