// Gradients of binaryCrossEntropy, nllLoss, klDiv, crossEntropy and klDivergence (the `grad`
// option), on every binding: against torch.autograd (test/fixtures/gen_grads.py wrote
// test/fixtures/grads.json), against central differences of the library's own loss, through the
// WASM glue's long rows and zero-copy arrays, and their errors.
import { describe, expect, expectTypeOf, test } from 'vitest';
import { type Entry, entries, js, wasm, wasmOnly } from './entries.js';
import { decode, loadFixture, num, rng } from './helpers.js';

type Arr = { f64: string } | { f32: string } | { i32: number[] };
interface Case {
  name: string;
  fn: 'binaryCrossEntropy' | 'nllLoss' | 'klDiv' | 'crossEntropy' | 'klDivergence';
  args: Arr[];
  options: Record<string, unknown>;
  expected: Record<string, number | string | Arr>;
}

const fixture = loadFixture<{ cases: Case[] }>('grads.json');

function arr(a: Arr): Float64Array | Float32Array | Int32Array {
  if ('i32' in a) return Int32Array.from(a.i32);
  return 'f64' in a ? decode(a.f64, 'f64') : decode(a.f32, 'f32');
}
const isArr = (v: unknown): v is Arr => typeof v === 'object' && v !== null && ('f64' in v || 'f32' in v || 'i32' in v);

type Call = (...a: unknown[]) => number | Float64Array;
const call = (m: Entry, fn: Case['fn'], args: unknown[], options: Record<string, unknown>) => (m[fn] as Call)(...args, options);

/**
 * Tolerance against torch.autograd, relative to each gradient: REL = 4e-15 (18 ulp of 2^-52). Both
 * sides compute each gradient in f64 from the same f64 values (f32 inputs widen exactly), by a
 * formula of a few operations in a different order (PyTorch divides by n where xentropy multiplies
 * by 1/n; exp is glibc's in torch, exp64 or Math.exp here): at most 5 roundings of 2^-53 on each
 * side, 1.1e-15; REL leaves 3.6× that. Measured: 1.6 ulp at worst (printed by the last test).
 * With `normalize` the gradient is scale·(q̂ − p̂)/q = scale·(1/Σq − p̂/q): its two parts nearly
 * cancel near the optimum, so the error is relative to the parts, REL·scale·(1/Σq + |p̂/q|);
 * |gradient| + 2·scale/Σq bounds that.
 */
const REL = 4e-15;

function near(got: number, want: number, tol: number): boolean {
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
  return Math.abs(got - want) <= tol;
}

/** Per element: the gradient a `normalize` case adds to its tolerance (2·scale/Σq of its row), else 0. */
function normalizeScale(c: Case, q: ArrayLike<number>, reduction: string): Float64Array {
  const out = new Float64Array(q.length);
  if (!c.options.normalize) return out;
  const classes = c.options.classes as number;
  const rows = q.length / classes;
  const scale = (reduction === 'mean' ? 1 / rows : 1) / Math.log((c.options.base as number | undefined) ?? Math.E);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < classes; j++) s += q[r * classes + j];
    for (let j = 0; j < classes; j++) out[r * classes + j] = (2 * scale) / s;
  }
  return out;
}

describe.each(entries)('%s: gradients against torch.autograd', (name, m) => {
  /** The worst |got − want| in f64 ulps (2^-52) of the comparison's scale, per function. */
  const worst: Record<string, number> = {};
  test('the fixture covers every function with a new gradient', () => {
    expect(new Set(fixture.cases.map((c) => c.fn))).toEqual(
      new Set(['binaryCrossEntropy', 'nllLoss', 'klDiv', 'crossEntropy', 'klDivergence']),
    );
  });

  for (const c of fixture.cases) {
    test(c.name, () => {
      const args = c.args.map(arr);
      const options: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c.options)) options[k] = isArr(v) ? arr(v) : v;
      const inputs = [...args, ...Object.values(options).filter(ArrayBuffer.isView)] as unknown as ArrayLike<number>[];
      const snapshot = inputs.map((a) => Array.from(a));
      const wrt = args[c.fn === 'crossEntropy' || c.fn === 'klDivergence' ? 1 : 0];
      const n = args[0].length;
      const reductions = Object.keys(c.expected)
        .filter((k) => k.startsWith('grad_'))
        .map((k) => k.slice(5));
      for (const red of [...reductions, 'none']) {
        const want = arr(c.expected[`grad_${red === 'none' ? 'sum' : red}`] as Arr);
        const extra = normalizeScale(c, wrt, red === 'none' ? 'sum' : red);
        const grad = new Float64Array(n).fill(12345); // every element must be written
        const value = call(m, c.fn, args, { ...options, reduction: red, grad });
        let bad = '';
        for (let i = 0; i < n; i++) {
          const scale = Math.abs(want[i]) + extra[i];
          if (!near(grad[i], want[i], REL * scale)) bad ||= `grad (${red})[${i}]: got ${grad[i]}, want ${want[i]}`;
          else if (grad[i] !== want[i] && Number.isFinite(want[i]))
            worst[c.fn] = Math.max(worst[c.fn] ?? 0, Math.abs(grad[i] - want[i]) / (2 ** -52 * scale));
        }
        if (bad) expect.fail(bad);

        // Asking for the gradient leaves the value as it was, bit for bit.
        const plain = call(m, c.fn, args, { ...options, reduction: red });
        if (red === 'none') expect(Array.from(value as Float64Array)).toEqual(Array.from(plain as Float64Array));
        else {
          expect(Object.is(value, plain), `value (${red}): ${value} with grad, ${plain} without`).toBe(true);
          // …and means what PyTorch's does: an option mapped wrongly (base, normalize, ignoreIndex,
          // batchmean) moves it by far more than 1e-6 (the values' accuracy is tested by
          // losses.torch.test.ts and measures.scipy.test.ts, against tighter bounds).
          const w = num(c.expected[`value_${red}`] as number | string);
          if (!near(value as number, w, 1e-6 * (Math.abs(w) + 1))) expect.fail(`value (${red}): got ${value}, want ${w}`);
        }

        // A Float32Array gradient holds the same numbers rounded once: fround of the f64
        // gradient, or (where the f32 call ran on the other kernel set, whose crossover differs
        // per dtype, and whose exp may differ by an f64 ulp) its f32 neighbour.
        const g32 = new Float32Array(n);
        call(m, c.fn, args, { ...options, reduction: red, grad: g32 });
        for (let i = 0; i < n; i++) {
          const r = Math.fround(grad[i]);
          if (Object.is(g32[i], r) || (Number.isNaN(g32[i]) && Number.isNaN(r))) continue;
          const ulp = Math.abs(Math.fround(r * (1 + 2 ** -23)) - r) || 2 ** -149;
          if (!(Math.abs(g32[i] - r) <= ulp)) expect.fail(`grad f32 (${red})[${i}]: got ${g32[i]}, want ${r} (fround of ${grad[i]})`);
        }
      }
      // inputs are never modified
      expect(inputs.map((a) => Array.from(a))).toEqual(snapshot);
    });
  }

  // The bound is checked comparison by comparison above; this prints the margin (REL is 18 ulp).
  test('the worst error against torch.autograd, in f64 ulps of each comparison’s scale', () => {
    console.log(
      `${name}: worst ${Object.entries(worst)
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', ')} ulp`,
    );
    expect(Object.keys(worst).sort()).toEqual(['binaryCrossEntropy', 'crossEntropy', 'klDiv', 'klDivergence', 'nllLoss']);
    for (const v of Object.values(worst)) expect(Number.isFinite(v)).toBe(true);
  });
});

// ---- central differences of the library's own loss ------------------------------------------------

interface Trial {
  label: string;
  fn: Case['fn'];
  args: (Float64Array | Int32Array)[];
  /** Which argument the gradient is taken with respect to. */
  wrt: number;
  options: Record<string, unknown>;
}

function trials(): Trial[] {
  const next = rng(14);
  const uniform = (n: number, lo: number, hi: number) => Float64Array.from({ length: n }, () => lo + (hi - lo) * next());
  const out: Trial[] = [];
  for (let k = 0; k < 3; k++) {
    const rows = 2 + k;
    const classes = 3 + 2 * k;
    const n = rows * classes;
    const reduction = (['mean', 'sum', 'none'] as const)[k];
    out.push({
      label: `bce ${reduction}`,
      fn: 'binaryCrossEntropy',
      args: [uniform(n, 0.05, 0.95), uniform(n, 0, 1)],
      wrt: 0,
      options: { weight: uniform(n, 0.5, 2), reduction },
    });
    const labels = Int32Array.from({ length: rows }, (_, r) => (r === 1 ? -100 : Math.floor(next() * classes)));
    out.push({
      label: `nll ${reduction}`,
      fn: 'nllLoss',
      args: [uniform(n, -5, 0), labels],
      wrt: 0,
      options: { classes, weight: uniform(classes, 0.2, 2), reduction },
    });
    for (const logTarget of [false, true]) {
      const r = (['mean', 'batchmean', 'sum'] as const)[k];
      const target = logTarget ? uniform(n, -4, 0.5) : uniform(n, 0, 1).map((v) => (v < 0.2 ? 0 : v));
      out.push({
        label: `klDiv logTarget ${logTarget} ${r}`,
        fn: 'klDiv',
        args: [uniform(n, -4, 0), target],
        wrt: 0,
        options: { classes, logTarget, reduction: r },
      });
    }
    for (const fn of ['crossEntropy', 'klDivergence'] as const) {
      for (const normalize of [false, true]) {
        const p = uniform(n, 0, 1).map((v) => (v < 0.25 ? 0 : v));
        const base = [undefined, 2, 10][k];
        out.push({
          label: `${fn} normalize ${normalize} base ${base} ${reduction}`,
          fn,
          args: [p, uniform(n, 0.1, 1)],
          wrt: 1,
          options: { classes, normalize, base, reduction },
        });
      }
    }
  }
  return out;
}

describe.each(entries)('%s: gradients against central differences of the loss', (_, m) => {
  /**
   * The difference quotient (L(x + h) − L(x − h)) / (2h), h = 2^-20·max(|x|, 2^-4) (the step
   * actually taken, (x + h) − (x − h), divides), of the value the function returns ('none': of
   * the 'sum', which its gradient is). Its error: truncation h²·|L'''|/6 (x ≥ 0.05 in the logs'
   * arguments) and rounding, a few ulp of |L| over 2h; measured at most 1e-10·(|g| + max|g| of
   * the case). Tolerance 1e-8·(|g| + max|g|): 100× that, and 10^8 below an error of a factor (a
   * wrong scale, sign or term).
   */
  for (const t of trials()) {
    test(t.label, () => {
      const x = t.args[t.wrt] as Float64Array;
      const red = t.options.reduction === 'none' ? 'sum' : t.options.reduction;
      const loss = (v: Float64Array) => {
        const args = t.args.slice();
        args[t.wrt] = v;
        return call(m, t.fn, args, { ...t.options, reduction: red }) as number;
      };
      const grad = new Float64Array(x.length);
      call(m, t.fn, t.args, { ...t.options, grad });
      const top = Math.max(...grad.map(Math.abs));
      for (let i = 0; i < x.length; i++) {
        const h = 2 ** -20 * Math.max(Math.abs(x[i]), 2 ** -4);
        const up = x.slice();
        const down = x.slice();
        up[i] += h;
        down[i] -= h;
        const cd = (loss(up) - loss(down)) / (up[i] - down[i]);
        if (!(Math.abs(grad[i] - cd) <= 1e-8 * (Math.abs(grad[i]) + top))) expect.fail(`grad[${i}] = ${grad[i]}, central difference ${cd}`);
      }
    });
  }
});

// ---- the WASM glue: rows in pieces, alloc arrays ----------------------------------------------------

describe('gradients through the WASM glue: long rows in pieces, arrays from alloc', () => {
  const next = rng(21);
  const rows = 2;
  const classes = 20000; // longer than the glue's chunk (16384 elements): each row arrives in two pieces
  const n = rows * classes;
  const gradsOf = (
    m: Entry,
    Type: Float64ArrayConstructor | Float32ArrayConstructor,
    inputs: Record<string, Float64Array | Float32Array>,
  ) => {
    const { p, q, x, t, w, lt } = inputs;
    const run = (f: (g: Float64Array | Float32Array) => unknown) => {
      const g = new Type(n);
      f(g);
      return g;
    };
    return {
      crossEntropy: run((grad) => m.crossEntropy(p, q, { classes, grad })),
      'klDivergence normalize base 2': run((grad) => m.klDivergence(p, q, { classes, normalize: true, base: 2, grad })),
      binaryCrossEntropy: run((grad) => m.binaryCrossEntropy(x, t, { weight: w, grad })),
      klDiv: run((grad) => m.klDiv(x, p, { classes, reduction: 'batchmean', grad })),
      'klDiv logTarget': run((grad) => m.klDiv(x, lt, { classes, logTarget: true, grad })),
      nllLoss: run((grad) => m.nllLoss(x, [5, 19999], { classes, weight: Array.from(w.subarray(0, classes)), grad })),
    };
  };

  for (const Type of [Float64Array, Float32Array]) {
    const make = (f: () => number) => {
      const a = new Type(n);
      for (let i = 0; i < n; i++) a[i] = f();
      return a;
    };
    const inputs = {
      p: make(() => (next() < 0.2 ? 0 : next())),
      q: make(() => 0.01 + next()),
      x: make(() => 0.01 + 0.98 * next()),
      t: make(next),
      w: make(() => 0.5 + next()),
      lt: make(() => -5 * next()),
    };
    const want = gradsOf(js, Type, inputs);

    // 2·scale/Σq of each row for `normalize` (klDivergence base 2, 'mean' over the rows): the size
    // of the gradient's two parts, which nearly cancel (as in the fixture's tolerance above)
    const parts = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < classes; j++) s += inputs.q[r * classes + j];
      parts.fill(2 / rows / Math.LN2 / s, r * classes, (r + 1) * classes);
    }

    /**
     * The same operations in the same order on both kernel sets, so the same bits, except: exp
     * (exp64 against the engine's Math.exp, each < 1 ulp: they may differ by one f64 ulp, which an
     * f32 result may carry as one f32 ulp), and `normalize`'s row sums, which the glue adds piece
     * by piece: two orders of a sum of 20000 positive terms differ by at most 2·19999·2^-53 = 4.4e-12
     * relative, which 1/Σp and 1/Σq carry into the parts (measured: 1e-14 of the parts).
     */
    function expectSame(label: string, got: Float64Array | Float32Array, exp: Float64Array | Float32Array) {
      const normalize = label.includes('normalize');
      const rel = normalize ? 4.4e-12 : label.includes('logTarget') ? 2 ** -52 : 0;
      for (let i = 0; i < n; i++) {
        if (Object.is(got[i], exp[i])) continue;
        let tol = rel * (Math.abs(exp[i]) + (normalize ? parts[i] : 0));
        if (Type === Float32Array && rel > 0) tol += 2 ** -23 * Math.abs(exp[i]);
        if (!(Math.abs(got[i] - exp[i]) <= tol)) expect.fail(`${label} ${Type.name}[${i}]: got ${got[i]}, the TS kernels ${exp[i]}`);
      }
    }

    test(`${Type.name}: the WASM entries give the TS kernels' gradients`, () => {
      for (const m of [wasm, wasmOnly])
        for (const [k, g] of Object.entries(gradsOf(m, Type, inputs))) expectSame(k, g, want[k as keyof typeof want]);
    });

    test(`${Type.name}: inputs from alloc are read in place, with the same gradients`, () => {
      const placed: Record<string, Float64Array | Float32Array> = {};
      for (const [k, v] of Object.entries(inputs)) {
        placed[k] = wasm.alloc(Type, n);
        placed[k].set(v);
      }
      try {
        for (const [k, g] of Object.entries(gradsOf(wasm, Type, placed))) expectSame(`${k} (alloc)`, g, want[k as keyof typeof want]);
      } finally {
        for (const v of Object.values(placed)) wasm.free(v);
      }
    });
  }
});

// ---- errors -------------------------------------------------------------------------------------

const logits = new Float64Array([1, 2, 3, 0.5, -1, 2]); // 2 rows × 3 classes
const probs = new Float64Array([0.2, 0.3, 0.5, 0.6, 0.2, 0.2]);
type ErrorCase = [string, (m: Entry) => unknown, ErrorConstructor, RegExp];

/** For each function with a new gradient: a `grad` of the wrong length, of the wrong type, and sharing memory with each input. */
const errorCases: ErrorCase[] = [
  [
    'bce: grad length',
    (m) => m.binaryCrossEntropy([0.5, 0.5], [1, 0], { grad: new Float64Array(3) }),
    RangeError,
    /binaryCrossEntropy: option "grad" must have the input's length 2; got length 3/,
  ],
  [
    'bce: grad a number[]',
    (m) => m.binaryCrossEntropy([0.5, 0.5], [1, 0], { grad: [0, 0] as never }),
    TypeError,
    /binaryCrossEntropy: option "grad" must be a Float64Array or Float32Array; got an array of length 2/,
  ],
  [
    'bce: grad aliases input',
    (m) => m.binaryCrossEntropy(probs, probs.map(Math.round), { grad: probs.subarray(0) }),
    RangeError,
    /binaryCrossEntropy: option "grad" shares memory with "input"; inputs are never overwritten/,
  ],
  [
    'bce: grad aliases target',
    (m) => {
      const buf = new Float64Array(4);
      return m.binaryCrossEntropy([0.5, 0.5], buf.subarray(0, 2), { grad: buf.subarray(1, 3) });
    },
    RangeError,
    /binaryCrossEntropy: option "grad" shares memory with "target"/,
  ],
  [
    'bce: grad aliases weight',
    (m) => {
      const w = new Float32Array([1, 2]);
      return m.binaryCrossEntropy([0.5, 0.5], [1, 0], { weight: w, grad: new Float32Array(w.buffer) });
    },
    RangeError,
    /binaryCrossEntropy: option "grad" shares memory with "weight"/,
  ],
  [
    'bce: input outside [0, 1], with grad',
    (m) => m.binaryCrossEntropy([0.5, 1.5], [1, 0], { grad: new Float64Array(2) }),
    RangeError,
    /binaryCrossEntropy: "input"\[1\] must be a probability in \[0, 1\]; got 1.5/,
  ],
  [
    'nll: grad length',
    (m) => m.nllLoss(logits, [0, 1], { classes: 3, grad: new Float32Array(2) }),
    RangeError,
    /nllLoss: option "grad" must have the input's length 6; got length 2/,
  ],
  [
    'nll: grad an Int32Array',
    (m) => m.nllLoss(logits, [0, 1], { classes: 3, grad: new Int32Array(6) as never }),
    TypeError,
    /nllLoss: option "grad" must be a Float64Array or Float32Array; got an Int32Array of length 6/,
  ],
  [
    'nll: grad aliases logProbs',
    (m) => m.nllLoss(logits, [0, 1], { classes: 3, grad: logits }),
    RangeError,
    /nllLoss: option "grad" shares memory with "logProbs"/,
  ],
  [
    'nll: grad aliases target',
    (m) => {
      const buf = new ArrayBuffer(48);
      return m.nllLoss(logits, new Int32Array(buf, 40, 2), { classes: 3, grad: new Float64Array(buf) });
    },
    RangeError,
    /nllLoss: option "grad" shares memory with "target"/,
  ],
  [
    'nll: grad aliases weight',
    (m) => {
      const buf = new Float64Array(8);
      return m.nllLoss(logits, [0, 1], { classes: 3, weight: buf.subarray(5), grad: buf.subarray(0, 6) });
    },
    RangeError,
    /nllLoss: option "grad" shares memory with "weight"/,
  ],
  [
    'nll: index out of range, with grad',
    (m) => m.nllLoss(logits, [0, 3], { classes: 3, grad: new Float64Array(6) }),
    RangeError,
    /nllLoss: "target"\[1\] must be a class index in \[0, 3\) or ignoreIndex \(-100\); got 3/,
  ],
  [
    'klDiv: grad length',
    (m) => m.klDiv(logits, probs, { grad: new Float64Array(7) }),
    RangeError,
    /klDiv: option "grad" must have the input's length 6; got length 7/,
  ],
  [
    'klDiv: grad null',
    (m) => m.klDiv(logits, probs, { grad: null as never }),
    TypeError,
    /klDiv: option "grad" must be a Float64Array or Float32Array; got null/,
  ],
  [
    'klDiv: grad aliases input',
    (m) => m.klDiv(logits, probs, { grad: logits }),
    RangeError,
    /klDiv: option "grad" shares memory with "input"/,
  ],
  [
    'klDiv: grad aliases target',
    (m) => m.klDiv(logits, probs, { grad: probs }),
    RangeError,
    /klDiv: option "grad" shares memory with "target"/,
  ],
  [
    'crossEntropy: grad length',
    (m) => m.crossEntropy(probs, probs, { classes: 3, grad: new Float64Array(3) }),
    RangeError,
    /crossEntropy: option "grad" must have the input's length 6; got length 3/,
  ],
  [
    'crossEntropy: grad a DataView',
    (m) => m.crossEntropy(probs, probs, { grad: new DataView(new ArrayBuffer(48)) as never }),
    TypeError,
    /crossEntropy: option "grad" must be a Float64Array or Float32Array; got/,
  ],
  [
    'crossEntropy: grad aliases p',
    (m) => m.crossEntropy(probs, [1, 1, 1, 1, 1, 1], { grad: probs }),
    RangeError,
    /crossEntropy: option "grad" shares memory with "p"/,
  ],
  [
    'klDivergence: grad aliases q',
    (m) => {
      const q = new Float32Array([0.5, 0.5]);
      return m.klDivergence([0.5, 0.5], q, { normalize: true, grad: new Float32Array(q.buffer) });
    },
    RangeError,
    /klDivergence: option "grad" shares memory with "q"/,
  ],
  [
    'klDivergence: a negative q, with grad',
    (m) => m.klDivergence([0.5, 0.5], [0.5, -1], { grad: new Float64Array(2) }),
    RangeError,
    /klDivergence: "q"\[1\] must be a non-negative number; got -1/,
  ],
  [
    'entropy: no grad',
    (m) => m.entropy(probs, { grad: new Float64Array(6) } as never),
    TypeError,
    /entropy: unknown option "grad"; known options are "base", "classes", "reduction", "normalize"/,
  ],
  [
    'jsDivergence: no grad',
    (m) => m.jsDivergence(probs, probs, { grad: new Float64Array(6) } as never),
    TypeError,
    /jsDivergence: unknown option "grad"/,
  ],
  [
    'an accumulator takes no grad',
    (m) => m.accumulator('nllLoss', { classes: 3, grad: new Float64Array(6) } as never),
    TypeError,
    /accumulator\('nllLoss'\): unknown option "grad"/,
  ],
];

describe.each(entries)('%s: gradient errors', (_, m) => {
  for (const [what, run, Type, pattern] of errorCases) {
    test(`${what}, then a correct call`, () => {
      expect(() => run(m)).toThrow(Type);
      expect(() => run(m)).toThrow(pattern);
      const grad = new Float64Array(6).fill(7);
      m.nllLoss(logits, [2, 0], { classes: 3, grad });
      expect(Array.from(grad)).toEqual([0, 0, -0.5, -0.5, 0, 0]);
    });
  }

  test('a failed call leaves grad as it was', () => {
    const grad = new Float64Array(2).fill(7);
    expect(() => m.binaryCrossEntropy([0.5, 2], [1, 0], { grad })).toThrow(RangeError);
    expect(() => m.crossEntropy([0.5, NaN], [1, 1], { grad })).toThrow(RangeError);
    expect(Array.from(grad)).toEqual([7, 7]);
  });
});

test('types: the functions with a gradient take `grad`; the others, and accumulators, do not', () => {
  const g = new Float64Array(2);
  expectTypeOf(js.crossEntropy([1, 0], [0.5, 0.5], { grad: g })).toEqualTypeOf<number>();
  expectTypeOf(js.klDivergence([1, 0], [0.5, 0.5], { grad: g, reduction: 'none' })).toEqualTypeOf<Float64Array>();
  expectTypeOf(js.binaryCrossEntropy([0.5, 0.5], [1, 0], { grad: new Float32Array(2) })).toEqualTypeOf<number>();
  expectTypeOf(js.nllLoss([0, 0], [0], { classes: 2, grad: g })).toEqualTypeOf<number>();
  expectTypeOf(js.klDiv([0, 0], [1, 0], { reduction: 'batchmean', grad: g })).toEqualTypeOf<number>();
  expectTypeOf(wasm.crossEntropy).toEqualTypeOf(js.crossEntropy);
  // what must not compile (never called: tsc checks these lines)
  void (() => {
    // @ts-expect-error: entropy has no gradient
    js.entropy([1, 0], { grad: g });
    // @ts-expect-error: nor has jsDivergence
    js.jsDivergence([1, 0], [0, 1], { grad: g });
    // @ts-expect-error: an accumulator fills no gradient
    js.accumulator('klDiv', { grad: g });
    // @ts-expect-error: grad is a Float64Array or Float32Array
    js.nllLoss([0, 0], [0], { classes: 2, grad: [0, 0] });
  });
});
