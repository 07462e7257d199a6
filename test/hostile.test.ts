// Hostile and careless input (issue 11, "Hardening II"), against the public API of every binding
// (test/entries.ts: `xentropy`, `xentropy` with WASM at every size, `xentropy/js`).
//
// Each case is its own test. A hostile call must give either
//   - the honest result: the same call on plain, honest input (the same data, read through the
//     engine's own accessors), on the same entry, bit for bit (same kernels, same data); or
//   - the library's own TypeError/RangeError, "xentropy.<function>: …", naming the argument.
// Which of the two is acceptable is written with each group; where the outcome is a decision,
// the rule recommended is written beside the test. Before the hostile call, `poison` fills the
// WASM scratch region with data no test uses, so a result read from stale scratch is visible.
// After every case, a known-good call must give exactly what it gave when this file started
// (hostile-helpers.ts: knownGood), so that no scratch, allocator or view state leaked.
//
// Sizes: 8 (below every crossover: the `xentropy` entry uses the TS kernels), 300 (above every crossover: WASM),
// and 20000 (> 16384 = CHUNK: the WASM glue streams several blocks) where the size matters.
import { afterEach, describe, expect, it } from 'vitest';
import { type Entry, entries } from './entries.js';
import { decode, loadFixture, num } from './helpers.js';
import {
  call,
  describeOutcome,
  expectHonest,
  expectHonestOrNamed,
  expectKnownGood,
  expectNamed,
  expectSameArray,
  freeAll,
  grow,
  knownGood,
  labels,
  logits,
  type Named,
  type Outcome,
  outcome,
  poison,
  probs,
  realBuffer,
  realLength,
  resizable,
  snapshot,
  unit,
} from './hostile-helpers.js';

/** Known-good values of every binding, computed before any hostile case ran. */
const START = new Map(entries.map(([name, m]) => [name, knownGood(m)]));

/** An element-level complaint ("p"[3] must be …): never right when the data are valid. */
const ELEMENT = /"\w+"\[\d+\]/;

interface Case {
  name: string;
  run: (m: Entry) => void;
  /**
   * Run at the end of the file: on the current code this case writes into WASM memory outside
   * any array (a re-entrant call during a multi-block stream makes the outer kernel write its
   * output to address 0, over the allocator's state), so every later case on that binding would
   * fail for that reason alone.
   */
  last?: boolean;
}

/** Computes the honest outcome, poisons the scratch, then runs the hostile call. */
function trial(m: Entry, honest: () => unknown, hostile: () => unknown): { want: Outcome; got: Outcome } {
  const want = outcome(honest);
  poison(m);
  const got = outcome(hostile);
  return { want, got };
}

const SIZES = [8, 300, 20_000];
const cl = (n: number) => (n === 8 ? 2 : n === 300 ? 75 : 100); // classes for n elements

// =================================================================================================
// Class 1: a missing argument (null or undefined where an array is required) is a TypeError naming
// it, for every function and every array argument and array option. A scalar option set to null is
// the library's TypeError or RangeError naming it. An option explicitly set to undefined is omitted.
// =================================================================================================

function class1(): Case[] {
  const out: Case[] = [];
  // type 'any': a TypeError or a RangeError
  const must = (name: string, fn: string, arg: string, args: unknown[], type: Named['type'] | 'any' = TypeError) =>
    out.push({
      name,
      run: (m) =>
        expectNamed(
          outcome(() => call(m, fn, ...args)),
          { fn, arg, type: type === 'any' ? undefined : type },
        ),
    });
  for (const n of [8, 300]) {
    const c = 4;
    const rows = n / c;
    const p = probs(n, 21);
    const q = probs(n, 22);
    const x = logits(n, 23);
    const y = unit(n, 24);
    const t = labels(rows, c, 25);
    const lp = logits(n, 27).map((v) => v - 10);
    for (const v of [null, undefined]) {
      const at = `${String(v)}, n = ${n}`;
      must(`entropy(p = ${at})`, 'entropy', 'p', [v]);
      must(`entropy(p = ${at}, { classes: 4 })`, 'entropy', 'p', [v, { classes: 4 }]);
      for (const fn of ['crossEntropy', 'klDivergence', 'jsDivergence']) {
        must(`${fn}(p = ${at}, q)`, fn, 'p', [v, q]);
        must(`${fn}(p, q = ${at})`, fn, 'q', [p, v]);
        must(`${fn}(p, q = ${at}, { normalize: true })`, fn, 'q', [p, v, { normalize: true }]);
        must(`${fn}(p, q = ${at}, { classes: 4, reduction: 'none' })`, fn, 'q', [p, v, { classes: 4, reduction: 'none' }]);
        must(`${fn}(p = ${at}, q = ${at})`, fn, 'p', [v, v]);
      }
      must(`binaryCrossEntropy(input = ${at}, target)`, 'binaryCrossEntropy', 'input', [v, y]);
      must(`binaryCrossEntropy(input, target = ${at})`, 'binaryCrossEntropy', 'target', [y, v]);
      must(`binaryCrossEntropyWithLogits(input = ${at}, target)`, 'binaryCrossEntropyWithLogits', 'input', [v, y]);
      must(`binaryCrossEntropyWithLogits(input, target = ${at})`, 'binaryCrossEntropyWithLogits', 'target', [x, v]);
      must(`softmaxCrossEntropy(logits = ${at}, target)`, 'softmaxCrossEntropy', 'logits', [v, t, { classes: c }]);
      must(`softmaxCrossEntropy(logits, target = ${at})`, 'softmaxCrossEntropy', 'target', [x, v, { classes: c }]);
      must(`nllLoss(logProbs = ${at}, target)`, 'nllLoss', 'logProbs', [v, t, { classes: c }]);
      must(`nllLoss(logProbs, target = ${at})`, 'nllLoss', 'target', [lp, v, { classes: c }]);
      must(`klDiv(input = ${at}, target)`, 'klDiv', 'input', [v, p]);
      must(`klDiv(input, target = ${at})`, 'klDiv', 'target', [lp, v]);
      must(`logSumExp(x = ${at})`, 'logSumExp', 'x', [v]);
      must(`logSoftmax(x = ${at})`, 'logSoftmax', 'x', [v, { classes: c }]);
      must(`softmax(x = ${at})`, 'softmax', 'x', [v, { classes: c }]);
    }
    // array options set to null: a TypeError naming the option
    const at = `null, n = ${n}`;
    must(`binaryCrossEntropy { weight: ${at} }`, 'binaryCrossEntropy', 'weight', [y, y, { weight: null }]);
    must(`binaryCrossEntropyWithLogits { weight: ${at} }`, 'binaryCrossEntropyWithLogits', 'weight', [x, y, { weight: null }]);
    must(`binaryCrossEntropyWithLogits { posWeight: ${at} }`, 'binaryCrossEntropyWithLogits', 'posWeight', [x, y, { posWeight: null }]);
    must(`binaryCrossEntropyWithLogits { grad: ${at} }`, 'binaryCrossEntropyWithLogits', 'grad', [x, y, { grad: null }]);
    must(`softmaxCrossEntropy { weight: ${at} }`, 'softmaxCrossEntropy', 'weight', [x, t, { classes: c, weight: null }]);
    must(`softmaxCrossEntropy { grad: ${at} }`, 'softmaxCrossEntropy', 'grad', [x, t, { classes: c, grad: null }]);
    must(`nllLoss { weight: ${at} }`, 'nllLoss', 'weight', [lp, t, { classes: c, weight: null }]);
    must(`logSoftmax { out: ${at} }`, 'logSoftmax', 'out', [x, { classes: c, out: null }]);
    must(`softmax { out: ${at} }`, 'softmax', 'out', [x, { classes: c, out: null }]);
    // scalar options set to null: TypeError or RangeError naming the option
    for (const o of ['classes', 'base', 'reduction', 'normalize'])
      must(`crossEntropy { ${o}: ${at} }`, 'crossEntropy', o, [p, q, { [o]: null }], 'any');
    for (const o of ['classes', 'labelSmoothing', 'ignoreIndex', 'reduction']) {
      must(`softmaxCrossEntropy { ${o}: ${at} }`, 'softmaxCrossEntropy', o, [x, t, { classes: c, [o]: null }], 'any');
    }
    must(`klDiv { logTarget: ${at} }`, 'klDiv', 'logTarget', [lp, p, { logTarget: null }], 'any');
    must(`binaryCrossEntropyWithLogits { classes: ${at} }`, 'binaryCrossEntropyWithLogits', 'classes', [x, y, { classes: null }], 'any');
    // an option set to undefined is omitted: the honest value
    const omitted = (name: string, fn: string, args: unknown[], opts: object, plain: object) =>
      out.push({
        name,
        run: (m) => {
          const { want, got } = trial(
            m,
            () => call(m, fn, ...args, plain),
            () => call(m, fn, ...args, opts),
          );
          expectHonest(got, want);
        },
      });
    omitted(
      `crossEntropy { classes, base, normalize: undefined }, n = ${n}`,
      'crossEntropy',
      [p, q],
      { classes: undefined, base: undefined, normalize: undefined },
      {},
    );
    omitted(
      `softmaxCrossEntropy { weight, grad, labelSmoothing: undefined }, n = ${n}`,
      'softmaxCrossEntropy',
      [x, t],
      { classes: c, weight: undefined, grad: undefined, labelSmoothing: undefined },
      { classes: c },
    );
    omitted(
      `binaryCrossEntropyWithLogits { weight, posWeight, classes: undefined }, n = ${n}`,
      'binaryCrossEntropyWithLogits',
      [x, y],
      { weight: undefined, posWeight: undefined, classes: undefined },
      {},
    );
    omitted(
      `nllLoss { weight, ignoreIndex: undefined }, n = ${n}`,
      'nllLoss',
      [lp, t],
      { classes: c, weight: undefined, ignoreIndex: undefined },
      { classes: c },
    );
  }
  // the buffer functions
  for (const v of [null, undefined]) {
    must(`alloc(type = ${String(v)}, 8)`, 'alloc', 'type', [v, 8]);
    must(`alloc(Float64Array, length = ${String(v)})`, 'alloc', 'length', [Float64Array, v]);
    must(`free(array = ${String(v)})`, 'free', 'array', [v]);
    must(`refresh(array = ${String(v)})`, 'refresh', 'array', [v]);
  }
  must('alloc() with no arguments', 'alloc', 'type', []);
  return out;
}

// =================================================================================================
// Class 2: label smoothing with ignored rows — PyTorch's values (test/fixtures/hostile-torch.json,
// written by gen_hostile_torch.py), and exactly 0 as the gradient of every ignored row.
// =================================================================================================

interface TorchCase {
  name: string;
  logits: string;
  target: number[];
  options: { classes: number; labelSmoothing: number; ignoreIndex?: number; weight?: string };
  ignored: number[];
  expected: { none: string; mean: number | string; sum: number | string; grad_mean: string; grad_sum: string };
}
const torchCases = loadFixture<{ cases: TorchCase[] }>('hostile-torch.json').cases;

// Tolerance, values: |got − want| ≤ REL2·S, where S bounds the sum of |terms| of the result:
// for row r, S_r = Σ_c |w_c|·(2M + ln C) over the row's finite logits (M = the largest finite
// |logit|, ≥ 1; lse − x is at most 2M + ln C), summed over the kept rows for 'sum', divided by
// Σ w[y] for 'mean'. REL2 = 1e-11: recursive summation of up to 16500 terms is within n·u =
// 16500 × 1.1e-16 = 1.8e-12 of S, plus a few roundings per term (log, exp, products), with a
// margin of about 5. Gradients: |got − want| ≤ REL2·G·(2M + ln C), G = the largest finite
// |gradient| (each entry is gm·softmax − w·b, whose exp carries relative error ≈ u·|x − lse|).
// Non-finite expected values must match exactly (+∞ to +∞, NaN to NaN).
const REL2 = 1e-11;

function near(got: number, want: number, tol: number): boolean {
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want));
  return Math.abs(got - want) <= tol;
}

function runTorchCase(m: Entry, c: TorchCase): void {
  const x = decode(c.logits, 'f64');
  const { classes } = c.options;
  const rows = x.length / classes;
  const weight = c.options.weight ? decode(c.options.weight, 'f64') : null;
  const opts = (extra: object) => ({
    classes,
    labelSmoothing: c.options.labelSmoothing,
    ...(c.options.ignoreIndex !== undefined ? { ignoreIndex: c.options.ignoreIndex } : {}),
    ...(weight ? { weight } : {}),
    ...extra,
  });
  const ignored = new Set(c.ignored);
  let M = 1;
  for (const v of x) if (Number.isFinite(v)) M = Math.max(M, Math.abs(v));
  const span = 2 * M + Math.log(classes);
  const S = new Float64Array(rows);
  let sumS = 0;
  let divisor = 0;
  for (let r = 0; r < rows; r++) {
    if (ignored.has(r)) continue;
    for (let j = 0; j < classes; j++) if (Number.isFinite(x[r * classes + j])) S[r] += Math.abs(weight ? weight[j] : 1) * span;
    sumS += S[r];
    divisor += weight ? weight[c.target[r]] : 1;
  }
  const failures: string[] = [];
  const none = m.softmaxCrossEntropy(x, c.target, opts({ reduction: 'none' }) as never) as unknown as Float64Array;
  const wantNone = decode(c.expected.none, 'f64');
  expect(none.length).toBe(rows);
  for (let r = 0; r < rows; r++) {
    const want = ignored.has(r) ? 0 : wantNone[r];
    if (!near(none[r], want, REL2 * S[r])) failures.push(`'none'[${r}]${ignored.has(r) ? ' (ignored)' : ''}: got ${none[r]}, want ${want}`);
  }
  for (const red of ['mean', 'sum'] as const) {
    const got = m.softmaxCrossEntropy(x, c.target, opts({ reduction: red }) as never) as unknown as number;
    // Where PyTorch's reduced value overflows only inside its reduction (it sums the smoothing
    // terms of all rows before scaling them by ε/C) while every row's loss is finite, the exact
    // value is the finite sum of the rows' losses (PyTorch's own 'none' values): that is expected.
    let want = num(c.expected[red]);
    const rowsFinite = Array.from(wantNone).every((v, r) => ignored.has(r) || Number.isFinite(v));
    if (!Number.isFinite(want) && !Number.isNaN(want) && rowsFinite) {
      let total = 0;
      for (let r = 0; r < rows; r++) if (!ignored.has(r)) total += wantNone[r];
      want = red === 'sum' ? total : total / divisor;
    }
    const tol = REL2 * (red === 'sum' ? sumS : sumS / divisor);
    if (!near(got, want, tol)) failures.push(`'${red}': got ${got}, want ${want}`);
  }
  for (const red of ['mean', 'sum', 'none'] as const) {
    const want = decode(red === 'mean' ? c.expected.grad_mean : c.expected.grad_sum, 'f64');
    let G = 0;
    for (const v of want) if (Number.isFinite(v)) G = Math.max(G, Math.abs(v));
    const grad = new Float64Array(x.length);
    m.softmaxCrossEntropy(x, c.target, opts({ reduction: red, grad }) as never);
    let bad = 0;
    for (let i = 0; i < x.length; i++) {
      const r = Math.floor(i / classes);
      const ok = ignored.has(r) ? grad[i] === 0 : near(grad[i], want[i], REL2 * G * span);
      if (!ok && bad++ < 3)
        failures.push(
          `grad ('${red}')[${i}] (row ${r}${ignored.has(r) ? ', ignored: must be 0' : ''}): got ${grad[i]}, want ${ignored.has(r) ? 0 : want[i]}`,
        );
    }
    if (bad > 3) failures.push(`… grad ('${red}'): ${bad} entries wrong in all`);
  }
  if (failures.length) expect.fail(failures.join('\n'));
}

// =================================================================================================
// Class 3: aliasing. `out`/`grad` must never overwrite an input or a weight. Rules recommended:
// (a) sharing is decided from the engine's view of the memory (%TypedArray%.prototype.buffer,
//     byteOffset, byteLength captured at module load), never from the instance's own getters;
//     where that proves an overlap, the call is a RangeError naming the output;
// (b) two SharedArrayBuffer objects may be one memory (structuredClone, postMessage) and the
//     engine cannot tell: either reject an output on a SharedArrayBuffer when an input is on one
//     too (RangeError naming the output), or compute into scratch and copy at the very end, so
//     that the output holds the honest result computed from the inputs as they were;
// (c) each option is read exactly once.
// =================================================================================================

/** A Float64Array of n elements at `offset` elements into a SharedArrayBuffer, and its twin. */
function sharedPair(n: number, extra: number) {
  const sab = new SharedArrayBuffer((n + extra) * 8);
  const twin = structuredClone(sab); // another SharedArrayBuffer object over the same memory
  if (twin === sab) throw new Error('test bug: structuredClone returned the same object');
  return { sab, twin };
}

function class3(): Case[] {
  const out: Case[] = [];
  for (const n of SIZES) {
    const c = cl(n);
    const rows = n / c;
    for (const fn of ['softmax', 'logSoftmax'] as const) {
      for (const shift of [1, -1, 0]) {
        out.push({
          name: `${fn}: out over a structuredClone of x's SharedArrayBuffer, shifted ${shift}, n = ${n}`,
          run: (m) => {
            const { sab, twin } = sharedPair(n, 2);
            const x = new Float64Array(sab, 8, n);
            x.set(logits(n, 31));
            const o = new Float64Array(twin, 8 + shift * 8, n);
            const { want, got } = trial(
              m,
              () => m[fn](snapshot(x), { classes: c }),
              () => m[fn](x, { classes: c, out: o }),
            );
            if (got.ok) expect(got.value).toBe(o);
            expectHonestOrNamed(got.ok ? { ok: true, value: snapshot(o) } : got, want, { fn, arg: 'out', type: RangeError });
          },
        });
      }
    }
    out.push({
      name: `softmaxCrossEntropy: grad over a structuredClone of the logits' SharedArrayBuffer, shifted 1, n = ${n}`,
      run: (m) => {
        const { sab, twin } = sharedPair(n, 2);
        const x = new Float64Array(sab, 8, n);
        x.set(logits(n, 32));
        const t = labels(rows, c, 33);
        const grad = new Float64Array(twin, 16, n);
        const g0 = new Float64Array(n);
        const { want, got } = trial(
          m,
          () => m.softmaxCrossEntropy(snapshot(x), t, { classes: c, labelSmoothing: 0.1, grad: g0 }),
          () => m.softmaxCrossEntropy(x, t, { classes: c, labelSmoothing: 0.1, grad }),
        );
        expectHonestOrNamed(got, want, { fn: 'softmaxCrossEntropy', arg: 'grad', type: RangeError });
        if (got.ok) expectSameArray('grad', grad, g0);
      },
    });
    out.push({
      name: `softmaxCrossEntropy: grad over a structuredClone of the weight's SharedArrayBuffer, n = ${n}`,
      run: (m) => {
        const { sab, twin } = sharedPair(n, 0);
        const grad = new Float64Array(sab, 0, n);
        const weight = new Float64Array(twin, 0, c); // the first row of grad
        weight.set(unit(c, 34).map((v) => v + 0.5));
        const x = logits(n, 35);
        const t = labels(rows, c, 36);
        const g0 = new Float64Array(n);
        const { want, got } = trial(
          m,
          () => m.softmaxCrossEntropy(x, t, { classes: c, weight: snapshot(weight), grad: g0 }),
          () => m.softmaxCrossEntropy(x, t, { classes: c, weight, grad }),
        );
        expectHonestOrNamed(got, want, { fn: 'softmaxCrossEntropy', arg: 'grad', type: RangeError });
        if (got.ok) expectSameArray('grad', grad, g0);
      },
    });
    for (const victim of ['target', 'weight', 'posWeight'] as const) {
      out.push({
        name: `binaryCrossEntropyWithLogits: grad over a structuredClone of the ${victim}'s SharedArrayBuffer, n = ${n}`,
        run: (m) => {
          const { sab, twin } = sharedPair(n, 1);
          const grad = new Float64Array(sab, 8, n);
          const len = victim === 'posWeight' ? c : n;
          const v = new Float64Array(twin, victim === 'posWeight' ? 8 * (n - c) : 0, len);
          v.set(unit(len, 37));
          const x = logits(n, 38);
          const y = victim === 'target' ? v : unit(n, 39);
          const args = (vv: Float64Array, g: Float64Array) =>
            [x, victim === 'target' ? vv : y, { classes: c, ...(victim === 'target' ? {} : { [victim]: vv }), grad: g }] as const;
          const g0 = new Float64Array(n);
          const { want, got } = trial(
            m,
            () => call(m, 'binaryCrossEntropyWithLogits', ...args(snapshot(v) as Float64Array, g0)),
            () => call(m, 'binaryCrossEntropyWithLogits', ...args(v, grad)),
          );
          expectHonestOrNamed(got, want, { fn: 'binaryCrossEntropyWithLogits', arg: 'grad', type: RangeError });
          if (got.ok) expectSameArray('grad', grad, g0);
        },
      });
    }
    // A lying accessor on the output (or input) hides a sharing the engine can prove: rule (a).
    const lies: [string, PropertyDescriptorMap][] = [
      ['buffer (a fresh ArrayBuffer)', { buffer: { get: () => new ArrayBuffer(8) } }],
      ['byteOffset (1e9)', { byteOffset: { get: () => 1e9 } }],
      ['byteLength (0)', { byteLength: { get: () => 0 } }],
    ];
    for (const [what, props] of lies) {
      for (const on of ['out', 'x'] as const) {
        out.push({
          name: `softmax: a lying ${what} on ${on === 'out' ? 'out' : 'the input x'}, out shifted 1 over x's ArrayBuffer, n = ${n}`,
          run: (m) => {
            const buf = new ArrayBuffer((n + 1) * 8);
            let x = new Float64Array(buf, 0, n);
            x.set(logits(n, 40));
            let o = new Float64Array(buf, 8, n);
            const lying = <T extends Float64Array>(a: T): T => Object.setPrototypeOf(a, Object.create(Float64Array.prototype, props)) as T;
            if (on === 'out') o = lying(o);
            else x = lying(x);
            const before = snapshot(x);
            poison(m);
            const got = outcome(() => m.softmax(x, { out: o, classes: c }));
            expectNamed(got, { fn: 'softmax', arg: 'out', type: RangeError });
            expectSameArray('x (an input is never written)', x, before);
          },
        });
      }
    }
    // An option getter that returns a different array on its second read (rule (c), then (a)).
    for (const fn of ['softmaxCrossEntropy', 'binaryCrossEntropyWithLogits'] as const) {
      for (const opt of fn === 'softmaxCrossEntropy' ? (['weight'] as const) : (['weight', 'posWeight'] as const)) {
        out.push({
          name: `${fn}: a ${opt} getter giving an array inside grad first and a harmless one after, n = ${n}`,
          run: (m) => {
            const buf = new ArrayBuffer(n * 8);
            const grad = new Float64Array(buf);
            const len = opt === 'weight' && fn === 'binaryCrossEntropyWithLogits' ? n : c;
            const inside = new Float64Array(buf, 0, len);
            inside.set(unit(len, 41).map((v) => v + 0.5));
            const harmless = Float64Array.from(inside);
            let reads = 0;
            const x = logits(n, 42);
            const target = fn === 'softmaxCrossEntropy' ? labels(rows, c, 43) : unit(n, 44);
            const before = snapshot(inside);
            const opts = {
              classes: c,
              grad,
              get [opt]() {
                return reads++ === 0 ? inside : harmless;
              },
            };
            poison(m);
            const got = outcome(() => call(m, fn, x, target, opts));
            expectNamed(got, { fn, arg: 'grad', type: RangeError });
            expectSameArray(`${opt} (an input is never written)`, inside, before);
          },
        });
      }
    }
  }
  // An input view over the library's own WASM memory, not from alloc (its first 2 MiB hold the
  // scratch region): the result must be the honest one for the contents the call started with.
  out.push({
    name: 'klDiv: input viewing the first 2 MiB of WASM memory (the scratch region), 262144 elements',
    run: (m) => {
      const len = 262_144;
      const x = new Float64Array(libraryMemory(m, len * 8), 0, len);
      const t = unit(len, 45);
      poison(m);
      const snap = snapshot(x); // the contents when the call starts (computing changes them)
      const got = outcome(() => m.klDiv(x, t, { reduction: 'none' }));
      const want = outcome(() => m.klDiv(snap, t, { reduction: 'none' }));
      expectHonestOrNamed(got, want, { fn: 'klDiv', arg: 'input', not: ELEMENT });
    },
  });
  // Each option is read exactly once (rule (c)): options whose every property is a counting getter.
  const n = 300;
  const c = 75;
  const rows = 4;
  const sets: [string, () => unknown[], () => Record<string, unknown>][] = [
    ['entropy', () => [probs(n, 50)], () => ({ base: 2, classes: c, reduction: 'none', normalize: true })],
    ['crossEntropy', () => [probs(n, 50), probs(n, 51)], () => ({ base: 2, classes: c, reduction: 'sum', normalize: true })],
    ['klDivergence', () => [probs(n, 50), probs(n, 51)], () => ({ base: 10, classes: c, reduction: 'mean', normalize: true })],
    ['jsDivergence', () => [probs(n, 50), probs(n, 51)], () => ({ base: 2, classes: c, reduction: 'none', normalize: false })],
    ['binaryCrossEntropy', () => [unit(n, 52), unit(n, 53)], () => ({ weight: unit(n, 54), reduction: 'sum' })],
    [
      'binaryCrossEntropyWithLogits',
      () => [logits(n, 55), unit(n, 53)],
      () => ({ weight: unit(n, 54), posWeight: unit(c, 56), classes: c, reduction: 'mean', grad: new Float64Array(n) }),
    ],
    [
      'softmaxCrossEntropy',
      () => [logits(n, 55), labels(rows, c, 57)],
      () => ({ classes: c, weight: unit(c, 56), ignoreIndex: 3, labelSmoothing: 0.1, reduction: 'mean', grad: new Float64Array(n) }),
    ],
    [
      'nllLoss',
      () => [logits(n, 55).map((v) => v - 10), labels(rows, c, 57)],
      () => ({ classes: c, weight: unit(c, 56), ignoreIndex: 3, reduction: 'sum' }),
    ],
    ['klDiv', () => [logits(n, 55).map((v) => v - 10), probs(n, 50)], () => ({ classes: c, reduction: 'batchmean', logTarget: false })],
    ['logSumExp', () => [logits(n, 55)], () => ({ classes: c })],
    ['logSoftmax', () => [logits(n, 55)], () => ({ classes: c, out: new Float64Array(n) })],
    ['softmax', () => [logits(n, 55)], () => ({ classes: c, out: new Float32Array(n) })],
  ];
  for (const [fn, args, options] of sets) {
    out.push({
      name: `${fn}: every option, given as a getter, is read exactly once; the result is the honest one`,
      run: (m) => {
        const plain = options();
        const a = args();
        const counted = options();
        const reads: Record<string, number> = {};
        const opts = {};
        for (const k of Object.keys(counted)) {
          reads[k] = 0;
          Object.defineProperty(opts, k, { enumerable: true, get: () => (reads[k]++, counted[k]) });
        }
        const { want, got } = trial(
          m,
          () => call(m, fn, ...a, plain),
          () => call(m, fn, ...a, opts),
        );
        expectHonest(got, want);
        for (const k of ['grad', 'out']) if (k in plain) expectSameArray(k, counted[k], plain[k]);
        const wrong = Object.entries(reads).filter(([, v]) => v !== 1);
        if (wrong.length) expect.fail(`options read other than once: ${wrong.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
      },
    });
  }
  out.push({
    name: 'logSumExp: a classes getter giving 3 and then undefined returns one value per row (read once)',
    run: (m) => {
      const x = logits(6, 58);
      let k = 0;
      const { want, got } = trial(
        m,
        () => m.logSumExp(x, { classes: 3 }),
        () =>
          m.logSumExp(x, {
            get classes() {
              return (k++ === 0 ? 3 : undefined) as number;
            },
          }),
      );
      expectHonest(got, want);
    },
  });
  return out;
}

// =================================================================================================
// Class 4: values read through getters and overridable methods. Rules recommended: lengths, types
// and data are read through the engine's accessors captured at module load (%TypedArray%.prototype
// getters, its `set`/`subarray`, Reflect), never through the instance's own getters or methods; the
// real type is the engine's [[TypedArrayName]] (a prototype swap neither changes nor hides it);
// options are snapshot once before any array is read; arrays are re-validated (live, not freed,
// not detached, length unchanged) after the last user code of the call ran; a re-entrant call
// from user code gives the right answer. Acceptable: the honest result (read through the engine),
// or a named error; an element-level complaint about valid data is never acceptable.
// =================================================================================================

function class4(): Case[] {
  const out: Case[] = [];
  const honestOrNamed = (name: string, fn: string, arg: string, args: () => { hostile: unknown[]; honest: unknown[] }) =>
    out.push({
      name,
      run: (m) => {
        const a = args();
        const { want, got } = trial(
          m,
          () => call(m, fn, ...a.honest),
          () => call(m, fn, ...a.hostile),
        );
        expectHonestOrNamed(got, want, { fn, arg, not: ELEMENT });
      },
    });
  for (const n of SIZES) {
    const c = cl(n);
    const rows = n / c;
    // -- a lying `length`
    for (const [what, len] of [
      ['4', 4],
      [`${2 * n}`, 2 * n],
      ['20000', 20_000],
    ] as const) {
      const Lying = class extends Float64Array {};
      Object.defineProperty(Lying.prototype, 'length', { get: () => len });
      honestOrNamed(`entropy: a subclass whose length getter says ${what}, n = ${n}`, 'entropy', 'p', () => {
        const p = probs(n, 60);
        return { hostile: [new Lying(p)], honest: [p] };
      });
      honestOrNamed(`crossEntropy: q of a subclass whose length getter says ${what}, n = ${n}`, 'crossEntropy', 'q', () => {
        const p = probs(n, 60);
        const q = probs(n, 61);
        return { hostile: [p, new Lying(q)], honest: [p, q] };
      });
      honestOrNamed(`softmax: x of a subclass whose length getter says ${what}, n = ${n}`, 'softmax', 'x', () => {
        const x = logits(n, 62);
        return { hostile: [new Lying(x), { classes: c }], honest: [x, { classes: c }] };
      });
      honestOrNamed(
        `softmaxCrossEntropy: logits of a subclass whose length getter says ${what}, n = ${n}`,
        'softmaxCrossEntropy',
        'logits',
        () => {
          const x = logits(n, 62);
          const t = labels(rows, c, 63);
          return { hostile: [new Lying(x), t, { classes: c }], honest: [x, t, { classes: c }] };
        },
      );
    }
    // -- overridden methods (a kernel must not call them)
    const secret = new Float64Array(20_000).fill(0.5);
    const Sub = class extends Float64Array {};
    Object.defineProperty(Sub.prototype, 'subarray', { value: (a?: number, b?: number) => secret.subarray(a, b) });
    honestOrNamed(`entropy: a subclass whose subarray() returns other data, n = ${n}`, 'entropy', 'p', () => {
      const p = probs(n, 64);
      return { hostile: [new Sub(p)], honest: [p] };
    });
    honestOrNamed(`crossEntropy: q of a subclass whose subarray() returns other data, classes ${c}, n = ${n}`, 'crossEntropy', 'q', () => {
      const p = probs(n, 64);
      const q = probs(n, 65);
      return { hostile: [p, new Sub(q), { classes: c }], honest: [p, q, { classes: c }] };
    });
    out.push({
      name: `entropy: a subclass whose subarray() calls the library re-entrantly (then returns the real subarray), n = ${n}`,
      last: n > 16_384,
      run: (m) => {
        const p = probs(n, 66);
        const Reentrant = class extends Float64Array {};
        Object.defineProperty(Reentrant.prototype, 'subarray', {
          value(this: Float64Array, a?: number, b?: number) {
            poison(m);
            return Float64Array.prototype.subarray.call(this, a, b);
          },
        });
        const { want, got } = trial(
          m,
          () => m.entropy(p),
          () => m.entropy(new Reentrant(p)),
        );
        expectHonestOrNamed(got, want, { fn: 'entropy', arg: 'p', not: ELEMENT });
      },
    });
    out.push({
      name: `crossEntropy: a subclass on which every accessor and method throws (none may be called), n = ${n}`,
      run: (m) => {
        const p = probs(n, 67);
        const q = probs(n, 68);
        const boom = () => {
          throw new Error('a method of the instance was called');
        };
        const proto = Object.create(Float64Array.prototype) as object;
        for (const k of ['length', 'buffer', 'byteOffset', 'byteLength']) Object.defineProperty(proto, k, { get: boom });
        for (const k of ['subarray', 'set', 'slice', 'map', 'fill', 'forEach', 'at', 'values', 'every', 'some', 'reduce', Symbol.iterator])
          Object.defineProperty(proto, k, { value: boom });
        const hostile = Object.setPrototypeOf(Float64Array.from(q), proto) as Float64Array;
        const { want, got } = trial(
          m,
          () => m.crossEntropy(p, q),
          () => m.crossEntropy(p, hostile),
        );
        expectHonestOrNamed(got, want, { fn: 'crossEntropy', arg: 'q', not: ELEMENT });
      },
    });
    out.push({
      name: `crossEntropy: an honest subclass (class F extends Float64Array {}), n = ${n}`,
      run: (m) => {
        const F = class extends Float64Array {};
        const p = probs(n, 69);
        const q = probs(n, 70);
        const { want, got } = trial(
          m,
          () => m.crossEntropy(p, q),
          () => m.crossEntropy(new F(p), new F(q)),
        );
        expectHonest(got, want);
      },
    });
    // -- out/grad whose own set() lies or re-enters: the result must still land in them
    for (const kind of ['no-op', 're-entrant'] as const) {
      out.push({
        name: `softmax: out of a subclass whose set() is ${kind === 'no-op' ? 'a no-op' : 're-entrant (calls the library, then sets)'}, n = ${n}`,
        last: kind === 're-entrant' && n > 16_384,
        run: (m) => {
          const x = logits(n, 71);
          const Out = class extends Float64Array {};
          Object.defineProperty(Out.prototype, 'set', { value: setter(m, kind) });
          const o = new Out(n);
          const { want, got } = trial(
            m,
            () => m.softmax(x, { classes: c }),
            () => m.softmax(x, { classes: c, out: o }),
          );
          expectHonestOrNamed(got.ok ? { ok: true, value: snapshot(o) } : got, want, { fn: 'softmax', arg: 'out', not: ELEMENT });
        },
      });
      out.push({
        name: `softmaxCrossEntropy: grad of a subclass whose set() is ${kind === 'no-op' ? 'a no-op' : 're-entrant'}, weights, n = ${n}`,
        last: kind === 're-entrant' && n > 16_384,
        run: (m) => {
          const x = logits(n, 72);
          const t = labels(rows, c, 73);
          const weight = unit(c, 74).map((v) => v + 0.5);
          const Grad = class extends Float64Array {};
          Object.defineProperty(Grad.prototype, 'set', { value: setter(m, kind) });
          const g = new Grad(n);
          const g0 = new Float64Array(n);
          const { want, got } = trial(
            m,
            () => m.softmaxCrossEntropy(x, t, { classes: c, weight, grad: g0 }),
            () => m.softmaxCrossEntropy(x, t, { classes: c, weight, grad: g }),
          );
          expectHonestOrNamed(got, want, { fn: 'softmaxCrossEntropy', arg: 'grad', not: ELEMENT });
          if (got.ok) expectSameArray('grad', snapshot(g), g0);
        },
      });
    }
    // -- prototype swaps
    out.push({
      name: `entropy: an alloc Float32Array given Float64Array.prototype (the engine says Float32Array), n = ${n}`,
      run: (m) => {
        const a = m.alloc(Float32Array, n);
        try {
          a.set(probs(n, 75));
          const honest = Float32Array.from(a);
          Object.setPrototypeOf(a, Float64Array.prototype);
          const { want, got } = trial(
            m,
            () => m.entropy(honest),
            () => m.entropy(a),
          );
          expectHonestOrNamed(got, want, { fn: 'entropy', arg: 'p', type: TypeError });
        } finally {
          Object.setPrototypeOf(a, Float32Array.prototype);
          m.free(a);
        }
      },
    });
    out.push({
      name: `entropy: a plain Float32Array given Float64Array.prototype, n = ${n}`,
      run: (m) => {
        const honest = Float32Array.from(probs(n, 76));
        const a = Object.setPrototypeOf(Float32Array.from(honest), Float64Array.prototype);
        const { want, got } = trial(
          m,
          () => m.entropy(honest),
          () => m.entropy(a),
        );
        expectHonestOrNamed(got, want, { fn: 'entropy', arg: 'p', type: TypeError });
      },
    });
    out.push({
      name: `entropy: an Int8Array given Float64Array.prototype is not a float array, n = ${n}`,
      run: (m) => {
        const a = Object.setPrototypeOf(new Int8Array(n).fill(1), Float64Array.prototype);
        poison(m);
        expectNamed(
          outcome(() => m.entropy(a)),
          { fn: 'entropy', arg: 'p', type: TypeError },
        );
      },
    });
    out.push({
      name: `entropy: an alloc array whose prototype's byteOffset getter points at another live block, n = ${n}`,
      run: (m) => {
        const p = m.alloc(Float64Array, n);
        const other = m.alloc(Float64Array, n);
        try {
          const pp = m.refresh(p);
          pp.set(probs(n, 77));
          const o = m.refresh(other);
          o.fill(0).fill(1, 0, 1); // entropy 0
          const honest = Float64Array.from(pp);
          const at = realByteOffsetOf(o);
          Object.setPrototypeOf(pp, Object.create(Float64Array.prototype, { byteOffset: { get: () => at } }));
          const { want, got } = trial(
            m,
            () => m.entropy(honest),
            () => m.entropy(pp),
          );
          expectHonestOrNamed(got, want, { fn: 'entropy', arg: 'p', not: ELEMENT });
          Object.setPrototypeOf(pp, Float64Array.prototype);
        } finally {
          m.free(m.refresh(p));
          m.free(m.refresh(other));
        }
      },
    });
    // -- Proxies. Rule: a Proxy of a typed array is not a typed array to the engine (its brand
    // checks fail): a TypeError naming the argument, or the honest value of one snapshot of it.
    // A Proxy of an Array is an array (Array.isArray): its length and elements are read once.
    honestOrNamed(`entropy: a transparent Proxy of a Float64Array, n = ${n}`, 'entropy', 'p', () => {
      const p = probs(n, 78);
      return { hostile: [new Proxy(Float64Array.from(p), {})], honest: [p] };
    });
    out.push({
      name: `entropy: a Proxy of a Float64Array whose length shrinks to 0 after its first read, n = ${n}`,
      run: (m) => {
        const p = probs(n, 79);
        let reads = 0;
        const proxy = new Proxy(Float64Array.from(p), {
          get(target, k) {
            if (k === 'length') return reads++ === 0 ? n : 0;
            const v = Reflect.get(target, k, target);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        });
        const { want, got } = trial(
          m,
          () => m.entropy(p),
          () => m.entropy(proxy),
        );
        expectHonestOrNamed(got, want, { fn: 'entropy', arg: 'p', type: TypeError });
      },
    });
    out.push({
      name: `softmaxCrossEntropy: probability target, a Proxy of an Array whose length is rows × classes on the first read and 1 after, n = ${n}`,
      run: (m) => {
        const x = logits(n, 80);
        const t = Array.from(probs(n, 81));
        let reads = 0;
        const proxy = new Proxy(t, { get: (target, k) => (k === 'length' ? (reads++ === 0 ? n : 1) : Reflect.get(target, k)) });
        const { want, got } = trial(
          m,
          () => m.softmaxCrossEntropy(x, t, { classes: c }),
          () => m.softmaxCrossEntropy(x, proxy, { classes: c }),
        );
        expectHonestOrNamed(got, want, { fn: 'softmaxCrossEntropy', arg: 'target', not: ELEMENT });
      },
    });
    out.push({
      name: `crossEntropy: q a Proxy of an Array whose elements change on every read (read once: the first values), n = ${n}`,
      run: (m) => {
        const p = probs(n, 82);
        const q = Array.from(probs(n, 83));
        const seen = new Set<PropertyKey>();
        const proxy = new Proxy(q, {
          get(target, k) {
            if (typeof k === 'string' && /^\d+$/.test(k)) {
              if (seen.has(k)) return -1; // a second read of an element gets a bad value
              seen.add(k);
            }
            return Reflect.get(target, k);
          },
        });
        const { want, got } = trial(
          m,
          () => m.crossEntropy(p, q),
          () => m.crossEntropy(p, proxy),
        );
        expectHonest(got, want);
      },
    });
    // -- resizable ArrayBuffers resized by an options getter during the call
    for (const [what, to] of [
      ['to 0', 0],
      ['to half', n / 2],
    ] as const) {
      for (const tracking of [true, false]) {
        out.push({
          name: `entropy: p on a resizable ArrayBuffer (${tracking ? 'length-tracking' : 'fixed-length'} view) shrunk ${what} by the classes getter, n = ${n}`,
          run: (m) => {
            const c4 = n / 4;
            const rab = resizable(n * 8);
            const p = tracking ? new Float64Array(rab) : new Float64Array(rab, 0, n);
            p.set(probs(n, 84));
            const pre = outcome(() => m.entropy(snapshot(p), { classes: c4 }));
            poison(m);
            const got = outcome(() =>
              m.entropy(p, {
                get classes() {
                  rab.resize(to * 8);
                  return c4;
                },
              }),
            );
            const post = outcome(() => m.entropy(snapshot(p), { classes: c4 }));
            expectHonestOrNamed(got, [pre, post], { fn: 'entropy', arg: 'p', not: ELEMENT });
          },
        });
      }
      out.push({
        name: `crossEntropy: q on a resizable ArrayBuffer shrunk ${what} by the reduction getter, n = ${n}`,
        run: (m) => {
          const rab = resizable(n * 8);
          const q = new Float64Array(rab);
          q.set(probs(n, 85));
          const p = probs(n, 86).subarray(0, n);
          const pre = outcome(() => m.crossEntropy(p, snapshot(q), { reduction: 'sum' }));
          poison(m);
          const got = outcome(() =>
            m.crossEntropy(p, q, {
              get reduction() {
                rab.resize(to * 8);
                return 'sum' as const;
              },
            }),
          );
          const post = outcome(() => m.crossEntropy(p, snapshot(q), { reduction: 'sum' }));
          expectHonestOrNamed(got, [pre, post], { fn: 'crossEntropy', arg: 'q', not: ELEMENT });
        },
      });
    }
    out.push({
      name: `entropy: p on a resizable ArrayBuffer grown to twice its length by the classes getter, n = ${n}`,
      run: (m) => {
        const rab = resizable(n * 8, 2 * n * 8);
        const p = new Float64Array(rab);
        p.set(probs(n, 87));
        const pre = outcome(() => m.entropy(snapshot(p)));
        poison(m);
        const got = outcome(() =>
          m.entropy(p, {
            get classes() {
              rab.resize(2 * n * 8);
              return undefined as unknown as number;
            },
          }),
        );
        const post = outcome(() => m.entropy(snapshot(p)));
        expectHonestOrNamed(got, [pre, post], { fn: 'entropy', arg: 'p', not: ELEMENT });
      },
    });
    out.push({
      name: `softmaxCrossEntropy: grad on a resizable ArrayBuffer shrunk to 0 by a target element getter, n = ${n}`,
      run: (m) => {
        const rab = resizable(n * 8);
        const grad = new Float64Array(rab);
        const x = logits(n, 88);
        const t = labels(rows, c, 89);
        const hostileT = t.slice();
        Object.defineProperty(hostileT, rows - 1, { enumerable: true, get: () => (rab.resize(0), t[rows - 1]) });
        poison(m);
        expectNamed(
          outcome(() => m.softmaxCrossEntropy(x, hostileT, { classes: c, grad })),
          { fn: 'softmaxCrossEntropy', arg: 'grad', not: ELEMENT },
        );
      },
    });
    // -- re-entrant calls from getters and traps: the right answer (or a named error)
    const reentrant: [string, string, (m: Entry) => { hostile: unknown[]; honest: unknown[] }][] = [
      [
        'entropy: the reduction getter calls the library',
        'entropy',
        (m) => ({
          hostile: [
            probs(n, 90),
            {
              classes: c,
              get reduction() {
                poison(m);
                return 'sum';
              },
            },
          ],
          honest: [probs(n, 90), { classes: c, reduction: 'sum' }],
        }),
      ],
      [
        'crossEntropy: the classes getter calls the library',
        'crossEntropy',
        (m) => ({
          hostile: [
            probs(n, 91),
            probs(n, 92),
            {
              get classes() {
                poison(m);
                return c;
              },
            },
          ],
          honest: [probs(n, 91), probs(n, 92), { classes: c }],
        }),
      ],
      [
        'crossEntropy: an element getter of q (a plain array) calls the library',
        'crossEntropy',
        (m) => {
          const q = Array.from(probs(n, 93));
          const hq = q.slice();
          Object.defineProperty(hq, n - 1, { enumerable: true, get: () => (poison(m), q[n - 1]) });
          return { hostile: [probs(n, 94), hq], honest: [probs(n, 94), q] };
        },
      ],
      [
        'softmaxCrossEntropy: a target element getter calls the library',
        'softmaxCrossEntropy',
        (m) => {
          const t = labels(rows, c, 95);
          const ht = t.slice();
          Object.defineProperty(ht, 0, { enumerable: true, get: () => (poison(m), t[0]) });
          return {
            hostile: [logits(n, 96), ht, { classes: c, labelSmoothing: 0.2, weight: unit(c, 97) }],
            honest: [logits(n, 96), t, { classes: c, labelSmoothing: 0.2, weight: unit(c, 97) }],
          };
        },
      ],
      [
        'klDivergence: options are a Proxy whose ownKeys and get traps call the library',
        'klDivergence',
        (m) => ({
          hostile: [
            probs(n, 98),
            probs(n, 99),
            new Proxy(
              { classes: c, normalize: true },
              { ownKeys: (t) => (poison(m), Reflect.ownKeys(t)), get: (t, k) => (poison(m), Reflect.get(t, k)) },
            ),
          ],
          honest: [probs(n, 98), probs(n, 99), { classes: c, normalize: true }],
        }),
      ],
    ];
    for (const [what, fn, make] of reentrant) {
      out.push({
        name: `${what}, n = ${n}`,
        run: (m) => {
          const a = make(m);
          const { want, got } = trial(
            m,
            () => call(m, fn, ...a.honest),
            () => call(m, fn, ...a.hostile),
          );
          expectHonestOrNamed(got, want, {
            fn,
            arg: fn === 'softmaxCrossEntropy' ? 'target' : fn === 'crossEntropy' ? 'q' : 'p',
            not: ELEMENT,
          });
        },
      });
    }
    // -- alloc arrays freed by user code during the call (their block handed out again and filled
    // with other data). Rule: rejected by name on every entry ("was released by free()").
    const SECRET = (k: number) => new Float64Array(k).fill(0).fill(1, 0, 1);
    out.push({
      name: `entropy: p (from alloc) freed by the classes getter and its block allocated again, n = ${n}`,
      run: (m) => {
        const p = m.alloc(Float64Array, n);
        p.set(probs(n, 100));
        const made: Float64Array[] = [];
        poison(m);
        const got = outcome(() =>
          m.entropy(p, {
            get classes() {
              m.free(p);
              const z = m.alloc(Float64Array, n);
              z.set(SECRET(n));
              made.push(z);
              return c;
            },
          }),
        );
        freeAll(m, made);
        expectNamed(got, { fn: 'entropy', arg: 'p', type: RangeError, not: ELEMENT });
      },
    });
    for (const when of ['an element getter of p (before q is read)', 'the classes getter (after q is read)'] as const) {
      out.push({
        name: `crossEntropy: q (from alloc) freed by ${when} and its block allocated again, n = ${n}`,
        run: (m) => {
          const q = m.alloc(Float64Array, n);
          q.set(probs(n, 101));
          const made: Float64Array[] = [];
          const sneak = () => {
            if (made.length) return;
            m.free(q);
            const z = m.alloc(Float64Array, n);
            z.set(SECRET(n));
            made.push(z);
          };
          const p: number[] = Array.from(probs(n, 102));
          const v0 = p[0];
          if (when.startsWith('an element')) Object.defineProperty(p, 0, { enumerable: true, get: () => (sneak(), v0) });
          const opts = when.startsWith('the classes')
            ? {
                get classes() {
                  sneak();
                  return c;
                },
              }
            : { classes: c };
          poison(m);
          const got = outcome(() => m.crossEntropy(p, q, opts));
          freeAll(m, made);
          expectNamed(got, { fn: 'crossEntropy', arg: 'q', type: RangeError, not: ELEMENT });
        },
      });
    }
    out.push({
      name: `softmaxCrossEntropy: grad (from alloc) freed by a target element getter and its block allocated again (which must stay unchanged), n = ${n}`,
      run: (m) => {
        const grad = m.alloc(Float64Array, n);
        const x = logits(n, 103);
        const t = labels(rows, c, 104);
        const ht = t.slice();
        const made: Float64Array[] = [];
        Object.defineProperty(ht, rows - 1, {
          enumerable: true,
          get: () => {
            if (!made.length) {
              m.free(grad);
              const z = m.alloc(Float64Array, n);
              z.fill(7);
              made.push(z);
            }
            return t[rows - 1];
          },
        });
        poison(m);
        const got = outcome(() => m.softmaxCrossEntropy(x, ht, { classes: c, grad }));
        const z = made.length ? m.refresh(made[0]) : null;
        const untouched = z ? z.every((v) => v === 7) : true;
        freeAll(m, made);
        expectNamed(got, { fn: 'softmaxCrossEntropy', arg: 'grad', type: RangeError, not: ELEMENT });
        expect(untouched, 'the block handed out again was written').toBe(true);
      },
    });
    out.push({
      name: `binaryCrossEntropyWithLogits: weight (from alloc) freed by a posWeight element getter, block allocated again, n = ${n}`,
      run: (m) => {
        const weight = m.alloc(Float64Array, n);
        weight.set(unit(n, 105));
        const pw = Array.from(unit(c, 106));
        const v0 = pw[0];
        const made: Float64Array[] = [];
        Object.defineProperty(pw, 0, {
          enumerable: true,
          get: () => {
            if (!made.length) {
              m.free(weight);
              const z = m.alloc(Float64Array, n);
              z.fill(1e6);
              made.push(z);
            }
            return v0;
          },
        });
        poison(m);
        const got = outcome(() => m.binaryCrossEntropyWithLogits(logits(n, 107), unit(n, 108), { weight, posWeight: pw, classes: c }));
        freeAll(m, made);
        expectNamed(got, { fn: 'binaryCrossEntropyWithLogits', arg: 'weight', type: RangeError, not: ELEMENT });
      },
    });
    // -- valueOf/toString are never called: options and elements are not coerced
    out.push({
      name: `entropy: classes and base as objects with a re-entrant valueOf: named errors, valueOf never called, n = ${n}`,
      run: (m) => {
        let called = 0;
        const sneaky = (v: number) => ({ valueOf: () => (called++, poison(m), v), toString: () => (called++, String(v)) });
        const p = probs(n, 109);
        expectNamed(
          outcome(() => m.entropy(p, { classes: sneaky(c) as unknown as number })),
          { fn: 'entropy', arg: 'classes' },
        );
        expectNamed(
          outcome(() => m.entropy(p, { base: sneaky(2) as unknown as number })),
          { fn: 'entropy', arg: 'base' },
        );
        const q = Array.from(probs(n, 110)) as unknown[];
        q[1] = sneaky(0.5);
        expectNamed(
          outcome(() => m.entropy(q as number[])),
          { fn: 'entropy', arg: 'p', type: TypeError, match: /"p"\[1\]/ },
        );
        expect(called, 'valueOf/toString calls').toBe(0);
      },
    });
  }
  // -- memory grown by user code during the call (WASM entries: the view is detached). Few sizes:
  // each growth at least doubles WASM memory.
  for (const n of [8, 300]) {
    const c = cl(n);
    out.push({
      name: `entropy: p (from alloc) detached by WASM memory growth in the classes getter, n = ${n}`,
      run: (m) => {
        const p = m.alloc(Float64Array, n);
        p.set(probs(n, 111));
        const honest = Float64Array.from(p);
        let made: (Float64Array | Float32Array)[] = [];
        const want = outcome(() => m.entropy(honest, { classes: c }));
        poison(m);
        const got = outcome(() =>
          m.entropy(p, {
            get classes() {
              made = grow(m, p);
              return c;
            },
          }),
        );
        freeAll(m, made);
        m.free(m.refresh(p));
        // detached: a named error; still attached (xentropy/js): the honest value (a refreshed,
        // correct computation on the WASM entries is acceptable too)
        expectHonestOrNamed(got, want, { fn: 'entropy', arg: 'p', type: RangeError, not: ELEMENT });
      },
    });
  }
  out.push({
    name: 'softmaxCrossEntropy: grad (from alloc) detached by WASM memory growth in a target element getter, n = 300',
    run: (m) => {
      const n = 300;
      const c = 75;
      const grad = m.alloc(Float64Array, n);
      const x = logits(n, 112);
      const t = labels(4, c, 113);
      const ht = t.slice();
      let made: (Float64Array | Float32Array)[] = [];
      Object.defineProperty(ht, 3, {
        enumerable: true,
        get: () => {
          if (!made.length) made = grow(m, grad);
          return t[3];
        },
      });
      const g0 = new Float64Array(n);
      const want = outcome(() => m.softmaxCrossEntropy(x, t, { classes: c, grad: g0 }));
      poison(m);
      const got = outcome(() => m.softmaxCrossEntropy(x, ht, { classes: c, grad }));
      const live = m.refresh(grad);
      const gradNow = Float64Array.from(live);
      freeAll(m, made);
      m.free(live);
      expectHonestOrNamed(got, want, { fn: 'softmaxCrossEntropy', arg: 'grad', type: RangeError, not: ELEMENT });
      if (got.ok) expectSameArray('grad (its block)', gradNow, g0);
    },
  });
  return out;
}

/** A replacement for TypedArray#set: a no-op, or a re-entrant call followed by the real set. */
function setter(m: Entry, kind: 'no-op' | 're-entrant') {
  return function (this: Float64Array, src: ArrayLike<number>, off?: number) {
    if (kind === 'no-op') return;
    poison(m);
    Float64Array.prototype.set.call(this, src, off);
  };
}

/**
 * The memory behind `alloc` arrays: WASM memory on the WASM entries; on xentropy/js (no WASM
 * memory) an ordinary ArrayBuffer of the same size, so that the case is an ordinary call there.
 */
function libraryMemory(m: Entry, bytes: number): ArrayBufferLike {
  const a = m.alloc(Float64Array, 1);
  const buf = realBuffer(a);
  m.free(a);
  return buf.byteLength >= bytes ? buf : new ArrayBuffer(bytes);
}

function realByteOffsetOf(x: Float64Array): number {
  return Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'byteOffset')!.get!.call(x) as number;
}

// =================================================================================================
// Class 5: zero-copy buffers. Rules recommended:
// (a) any view of a freed block (the array from alloc, its subarrays, views made later) is
//     rejected by name on every entry. Decided (README, "Zero-copy buffers"): the library takes
//     alloc memory only through the very array alloc/refresh returned; a subarray or any other
//     view of that memory is refused by name even while its block is live, because once a block
//     is freed and its memory handed out again nothing about such a view tells it from a view of
//     the new block;
// (b) a view detached by memory growth is rejected by name, subarrays included;
// (c) cross-entry: a block remembers the entry (kernel set, instance) that allocated it; `free`
//     and `refresh` of any entry act on the owner's block (free releases it in the owner's
//     memory, refresh returns a live view of the owner's memory); nothing traps, nothing leaks;
// (d) one size limit per type on every entry, from the WASM block limit of 2^30 − 64 bytes:
//     Float32Array 2^28 − 16 elements, Float64Array 2^27 − 8; larger is a RangeError naming
//     "length" and stating the limit for the type.
// =================================================================================================

function class5(): Case[] {
  const out: Case[] = [];
  for (const n of SIZES) {
    for (const [what, from] of [
      ['whole', 0],
      ['from element 3', 3],
    ] as const) {
      out.push({
        name: `entropy: a subarray (${what}) of a freed alloc array whose block was allocated again, n = ${n}`,
        run: (m) => {
          const a = m.alloc(Float64Array, n);
          a.set(probs(n, 120));
          const s = a.subarray(from);
          m.free(a);
          const z = m.alloc(Float64Array, n);
          z.fill(0).fill(1, 0, 1);
          poison(m);
          const got = outcome(() => m.entropy(s));
          m.free(z);
          expectNamed(got, { fn: 'entropy', arg: 'p', type: RangeError, not: ELEMENT });
        },
      });
    }
    out.push({
      name: `crossEntropy: q a subarray made after free() of an alloc array, n = ${n}`,
      run: (m) => {
        const a = m.alloc(Float64Array, n);
        a.set(probs(n, 121));
        m.free(a);
        const z = m.alloc(Float64Array, n);
        z.fill(0.5);
        poison(m);
        const got = outcome(() => m.crossEntropy(probs(n, 122), a.subarray(0)));
        m.free(z);
        expectNamed(got, { fn: 'crossEntropy', arg: 'q', type: RangeError, not: ELEMENT });
      },
    });
    out.push({
      name: `softmax: out a subarray of a freed alloc array whose block was allocated again (that block must stay unchanged), n = ${n}`,
      run: (m) => {
        const a = m.alloc(Float64Array, n);
        const s = a.subarray(0);
        m.free(a);
        const z = m.alloc(Float64Array, n);
        z.fill(7);
        poison(m);
        const got = outcome(() => m.softmax(logits(n, 123), { out: s }));
        const untouched = m.refresh(z).every((v) => v === 7);
        m.free(z);
        expectNamed(got, { fn: 'softmax', arg: 'out', type: RangeError, not: ELEMENT });
        expect(untouched, 'the block handed out again was written').toBe(true);
      },
    });
    out.push({
      name: `entropy: a live alloc array's subarray is refused by name (rule (a)), and a copy of it computes, n = ${n}`,
      run: (m) => {
        const a = m.alloc(Float64Array, n + 3);
        try {
          a.set(probs(n + 3, 124));
          expectNamed(
            outcome(() => m.entropy(a.subarray(3))),
            { fn: 'entropy', arg: 'p', type: RangeError, not: ELEMENT },
          );
          const copy = Float64Array.from(a.subarray(3));
          expectHonest(
            outcome(() => m.entropy(copy)),
            outcome(() => m.entropy(Array.from(copy))),
          );
        } finally {
          m.free(a);
        }
      },
    });
  }
  out.push({
    name: 'entropy: a subarray of an alloc array detached by WASM memory growth (not silently 0), n = 300',
    run: (m) => {
      const n = 300;
      const a = m.alloc(Float64Array, n);
      a.set(probs(n, 125));
      const s = a.subarray(1);
      const want = outcome(() => m.entropy(Float64Array.from(s)));
      const made = grow(m, a);
      poison(m);
      const got = outcome(() => m.entropy(s));
      freeAll(m, made);
      m.free(m.refresh(a));
      // a named error on every entry: detached (WASM), or a subarray of alloc memory (rule (a))
      void want;
      expectNamed(got, { fn: 'entropy', arg: 'p', type: RangeError, not: ELEMENT });
    },
  });
  // (d) size limits
  const limits: [string, Float32ArrayConstructor | Float64ArrayConstructor, number, RegExp][] = [
    ['alloc(Float64Array, 2**27): over the f64 limit 2^27 − 8, on every entry', Float64Array, 2 ** 27, /134217720/],
    ['alloc(Float64Array, 2**27 - 7): one over the f64 limit', Float64Array, 2 ** 27 - 7, /134217720/],
    ['alloc(Float64Array, 2**28 - 16): the f32 limit is not the f64 one', Float64Array, 2 ** 28 - 16, /134217720/],
    ['alloc(Float32Array, 2**28 - 15): one over the f32 limit', Float32Array, 2 ** 28 - 15, /268435440/],
  ];
  for (const [name, T, len, limit] of limits) {
    out.push({
      name,
      run: (m) => {
        const got = outcome(() => m.alloc(T, len));
        if (got.ok) m.free(got.value as Float64Array);
        expectNamed(got, { fn: 'alloc', arg: 'length', type: RangeError, match: limit });
      },
    });
  }
  return out;
}

// =================================================================================================
// Class 6: engine errors where the library's own belong, and the messages.
// =================================================================================================

function class6(): Case[] {
  const out: Case[] = [];
  const must = (name: string, fn: string, named: Omit<Named, 'fn'>, f: (m: Entry) => unknown) =>
    out.push({
      name,
      run: (m) =>
        expectNamed(
          outcome(() => f(m)),
          { fn, ...named },
        ),
    });
  const revoked = () => {
    const r = Proxy.revocable([0.5, 0.5], {});
    r.revoke();
    return r.proxy;
  };
  const fake = (T: Float64ArrayConstructor | Float32ArrayConstructor) => Object.create(T.prototype);
  for (const n of [8, 300]) {
    const c = cl(n);
    const rows = n / c;
    const p = probs(n, 130);
    const x = logits(n, 131);
    const t = labels(rows, c, 132);
    const sfx = `, n = ${n}`;
    // objects that pass `instanceof` but are not typed arrays
    must(`entropy(Object.create(Float64Array.prototype))${sfx}`, 'entropy', { arg: 'p', type: TypeError }, (m) =>
      m.entropy(fake(Float64Array)),
    );
    must(`entropy(Object.create(Float32Array.prototype))${sfx}`, 'entropy', { arg: 'p', type: TypeError }, (m) =>
      m.entropy(fake(Float32Array)),
    );
    must(`crossEntropy(p, Object.create(Float64Array.prototype))${sfx}`, 'crossEntropy', { arg: 'q', type: TypeError }, (m) =>
      m.crossEntropy(p, fake(Float64Array)),
    );
    must(`softmax(Object.create(Float64Array.prototype))${sfx}`, 'softmax', { arg: 'x', type: TypeError }, (m) =>
      m.softmax(fake(Float64Array)),
    );
    must(`softmax(x, { out: Object.create(Float64Array.prototype) })${sfx}`, 'softmax', { arg: 'out', type: TypeError }, (m) =>
      m.softmax(x, { out: fake(Float64Array) }),
    );
    must(
      `softmaxCrossEntropy: target Object.create(Float64Array.prototype)${sfx}`,
      'softmaxCrossEntropy',
      { arg: 'target', type: TypeError },
      (m) => m.softmaxCrossEntropy(x, fake(Float64Array), { classes: c }),
    );
    must(
      `softmaxCrossEntropy: grad Object.create(Float32Array.prototype)${sfx}`,
      'softmaxCrossEntropy',
      { arg: 'grad', type: TypeError },
      (m) => m.softmaxCrossEntropy(x, t, { classes: c, grad: fake(Float32Array) }),
    );
    must(
      `softmaxCrossEntropy: weight Object.create(Float64Array.prototype)${sfx}`,
      'softmaxCrossEntropy',
      { arg: 'weight', type: TypeError },
      (m) => m.softmaxCrossEntropy(x, t, { classes: c, weight: fake(Float64Array) }),
    );
    must(
      `binaryCrossEntropy(Object.create(Float64Array.prototype), target)${sfx}`,
      'binaryCrossEntropy',
      { arg: 'input', type: TypeError },
      (m) => m.binaryCrossEntropy(fake(Float64Array), unit(n)),
    );
    // typed arrays without their prototype
    must(`entropy(an Int8Array with a null prototype)${sfx}`, 'entropy', { arg: 'p', type: TypeError }, (m) =>
      m.entropy(Object.setPrototypeOf(new Int8Array(n), null)),
    );
    // (an Int8Array is class indices since issue 19: test/weights.test.ts checks one without its prototype)
    must(`nllLoss: target a Float32Array with a null prototype${sfx}`, 'nllLoss', { arg: 'target', type: TypeError }, (m) =>
      m.nllLoss(x, Object.setPrototypeOf(new Float32Array(rows), null), { classes: c }),
    );
    must(`entropy(an Int32Array whose constructor property is null)${sfx}`, 'entropy', { arg: 'p', type: TypeError }, (m) =>
      m.entropy(Object.defineProperty(new Int32Array(n), 'constructor', { value: null }) as never),
    );
    out.push({
      name: `entropy(a Float64Array with a null prototype): the engine says Float64Array — the honest value, or a TypeError naming "p"${sfx}`,
      run: (m) => {
        const { want, got } = trial(
          m,
          () => m.entropy(p),
          () => m.entropy(Object.setPrototypeOf(Float64Array.from(p), null)),
        );
        expectHonestOrNamed(got, want, { fn: 'entropy', arg: 'p', type: TypeError });
      },
    });
    // revoked Proxies
    must(`entropy(a revoked Proxy)${sfx}`, 'entropy', { arg: 'p', type: TypeError }, (m) => m.entropy(revoked()));
    must(`crossEntropy(p, a revoked Proxy)${sfx}`, 'crossEntropy', { arg: 'q', type: TypeError }, (m) => m.crossEntropy(p, revoked()));
    must(`entropy(p, options a revoked Proxy)${sfx}`, 'entropy', { arg: 'options', type: TypeError }, (m) =>
      m.entropy(p, revoked() as never),
    );
    must(`softmaxCrossEntropy: target a revoked Proxy${sfx}`, 'softmaxCrossEntropy', { arg: 'target', type: TypeError }, (m) =>
      m.softmaxCrossEntropy(x, revoked(), { classes: c }),
    );
    must(`softmaxCrossEntropy: weight a revoked Proxy${sfx}`, 'softmaxCrossEntropy', { arg: 'weight', type: TypeError }, (m) =>
      m.softmaxCrossEntropy(x, t, { classes: c, weight: revoked() }),
    );
    must(`softmax: out a revoked Proxy${sfx}`, 'softmax', { arg: 'out', type: TypeError }, (m) =>
      m.softmax(x, { out: revoked() as never }),
    );
    must(
      `binaryCrossEntropyWithLogits: grad a revoked Proxy${sfx}`,
      'binaryCrossEntropyWithLogits',
      { arg: 'grad', type: TypeError },
      (m) => m.binaryCrossEntropyWithLogits(x, unit(n), { grad: revoked() as never }),
    );
    // a detached (transferred) ArrayBuffer: not silently an empty input
    must(`entropy(a Float64Array whose ArrayBuffer was transferred away)${sfx}`, 'entropy', { arg: 'p' }, (m) => {
      const a = Float64Array.from(p);
      structuredClone(a.buffer, { transfer: [a.buffer] });
      return m.entropy(a);
    });
    must(`crossEntropy(p, q whose ArrayBuffer was transferred away)${sfx}`, 'crossEntropy', { arg: 'q' }, (m) => {
      const a = Float64Array.from(p);
      structuredClone(a.buffer, { transfer: [a.buffer] });
      return m.crossEntropy(new Float64Array(0), a);
    });
  }
  // no engine error, no 32 GiB allocation before element 0 is looked at
  must('entropy(new Array(2**32 - 1))', 'entropy', { arg: 'p' }, (m) => m.entropy(new Array(2 ** 32 - 1)));
  must('crossEntropy([], new Array(2**32 - 1))', 'crossEntropy', { arg: 'q' }, (m) => m.crossEntropy([], new Array(2 ** 32 - 1)));
  must('softmaxCrossEntropy: weight new Array(2**32 - 1)', 'softmaxCrossEntropy', { arg: 'weight' }, (m) =>
    m.softmaxCrossEntropy([1, 2], [0], { classes: 2, weight: new Array(2 ** 32 - 1) }),
  );
  must('logSumExp(new Array(2**32 - 1) holding 0.5 at index 0)', 'logSumExp', { arg: 'x' }, (m) => {
    const a = new Array(2 ** 32 - 1);
    a[0] = 0.5;
    return m.logSumExp(a);
  });
  // the buffer functions
  must('free(a revoked Proxy)', 'free', { arg: 'array', type: TypeError }, (m) => m.free(revoked() as never));
  must('refresh(a revoked Proxy)', 'refresh', { arg: 'array', type: TypeError }, (m) => m.refresh(revoked() as never));
  must('free(Object.create(Float64Array.prototype))', 'free', { arg: 'array' }, (m) => m.free(fake(Float64Array)));
  must('alloc(a revoked Proxy, 8)', 'alloc', { arg: 'type', type: TypeError }, (m) => m.alloc(revoked() as never, 8));
  // messages
  must(
    'a hole is reported as undefined (not "undefined undefined")',
    'entropy',
    { arg: 'p', type: TypeError, match: /"p"\[1\] must be a number; got (undefined|a hole)/, not: /undefined undefined/ },
    (m) =>
      // biome-ignore lint/suspicious/noSparseArray: a hole is the case under test
      m.entropy([0.5, , 0.5] as number[]),
  );
  must(
    'a hole in a target: "target"[1], not "undefined undefined"',
    'nllLoss',
    { arg: 'target', type: TypeError, match: /"target"\[1\]/, not: /undefined undefined/ },
    (m) =>
      // biome-ignore lint/suspicious/noSparseArray: a hole is the case under test
      m.nllLoss([0, 0, 0, 0], [0, ,] as number[], { classes: 2 }),
  );
  must(
    'crossEntropy(p, undefined): "got undefined", not "undefined undefined"',
    'crossEntropy',
    { arg: 'q', type: TypeError, not: /undefined undefined/ },
    (m) => m.crossEntropy([0.5, 0.5], undefined as never),
  );
  must(
    'alloc(Float64Array, undefined): "got undefined", not "undefined undefined"',
    'alloc',
    { arg: 'length', type: TypeError, not: /undefined undefined/ },
    (m) => m.alloc(Float64Array, undefined as never),
  );
  must('ignoreIndex -0 prints as -0', 'softmaxCrossEntropy', { arg: 'target', type: RangeError, match: /ignoreIndex \(-0\)/ }, (m) =>
    m.softmaxCrossEntropy([1, 2], [5], { classes: 2, ignoreIndex: -0 }),
  );
  must(
    'entropy(p, a Float64Array q): says entropy takes one array (not unknown option "0")',
    'entropy',
    { arg: 'options', type: TypeError, match: /one array/, not: /unknown option "0"/ },
    (m) => m.entropy([0.5, 0.5], new Float64Array([0.5, 0.5]) as never),
  );
  must('entropy(p, a number[] q): says entropy takes one array', 'entropy', { arg: 'options', type: TypeError, match: /one array/ }, (m) =>
    m.entropy([0.5, 0.5], [0.5, 0.5] as never),
  );
  must(
    'binaryCrossEntropyWithLogits: posWeight of a length that does not divide the input blames posWeight, not classes',
    'binaryCrossEntropyWithLogits',
    { arg: 'posWeight', type: RangeError, not: /option "classes"/ },
    (m) => m.binaryCrossEntropyWithLogits([1, 2, 3], [1, 0, 1], { posWeight: [1, 2] }),
  );
  must('a Symbol element names its index', 'entropy', { arg: 'p', type: TypeError, match: /"p"\[1\] must be a number; got symbol/ }, (m) =>
    m.entropy([0.5, Symbol('s')] as never),
  );
  return out;
}

// =================================================================================================

const CLASSES: [string, Case[]][] = [
  ['class 1: missing arguments', class1()],
  ['class 3: aliasing', class3()],
  ['class 4: getters, overridable methods, re-entrancy, buffers changed mid-call', class4()],
  ['class 5: zero-copy buffers', class5()],
  ['class 6: engine errors and messages', class6()],
];

describe.each(entries)('%s', (entry, m) => {
  afterEach(() => expectKnownGood(m, START.get(entry)!));
  for (const [title, cases] of CLASSES) {
    describe(title, () => {
      it.each(cases.filter((c) => !c.last))('$name', (c) => c.run(m));
    });
  }
  describe('class 2: label smoothing with ignored rows, against PyTorch (hostile-torch.json)', () => {
    it('the fixture holds the issue example and ignored rows with -inf, +inf and NaN', () => {
      expect(torchCases.some((c) => c.name.startsWith('issue example'))).toBe(true);
      expect(num(torchCases[0].expected.mean)).toBeCloseTo(1.26326, 5);
    });
    it.each(torchCases)('$name', (c) => runTorchCase(m, c));
  });
});

// =================================================================================================
// Class 5 (c): across entries. Rule: the block's owner releases and refreshes it, whichever entry's
// free/refresh is called; afterwards every entry rejects the array as released.
// =================================================================================================

// Pairs with xentropy/js here; the two WASM instances freeing each other's blocks at the very end
// (today that frees an unrelated address in the other instance's heap, which can corrupt it).
const allPairs = entries.flatMap(([a, A]) => entries.filter(([b]) => b !== a).map(([b, B]) => ({ owner: a, A, other: b, B })));

function crossEntry(title: string, pairs: typeof allPairs) {
  describe(title, () => {
    afterEach(() => {
      for (const [name, m] of entries) expectKnownGood(m, START.get(name)!);
    });
    it.each(pairs)('$other frees an array from $owner: no trap, released everywhere', ({ A, B }) => {
      const a = A.alloc(Float64Array, 300);
      a.set(probs(300, 140));
      const freed = outcome(() => B.free(a));
      expect(describeOutcome(freed)).toBe('the value undefined');
      expectNamed(
        outcome(() => A.entropy(a)),
        { fn: 'entropy', arg: 'p', type: RangeError },
      );
      expectNamed(
        outcome(() => B.entropy(a)),
        { fn: 'entropy', arg: 'p', type: RangeError },
      );
      expectNamed(
        outcome(() => A.free(a)),
        { fn: 'free', arg: 'array', type: RangeError },
      );
    });
    it.each(pairs.filter((p) => p.A.backend === 'wasm'))(
      '$other frees arrays from $owner: the memory is released (6 blocks of a quarter of WASM memory do not grow it)',
      ({ A, B }) => {
        // Each block is a quarter of WASM memory at the start: if free() released nothing, the 6
        // blocks (1.5× the memory) could not fit without growing it; released, each reuses the last.
        const probe = A.alloc(Float64Array, 1);
        const quarter = Math.max(1 << 17, Math.floor(realBuffer(probe).byteLength / 32));
        A.free(probe);
        const sizes: number[] = [];
        for (let i = 0; i < 6; i++) {
          const a = A.alloc(Float64Array, quarter);
          sizes.push(realBuffer(a).byteLength);
          const r = outcome(() => B.free(a));
          if (!r.ok) A.free(A.refresh(a)); // do not leak in the test itself
        }
        expect(sizes[5], `WASM memory after each alloc: ${sizes.join(', ')}`).toBe(sizes[0]);
      },
    );
    it.each(pairs)('$other refreshes a live array from $owner: its own block, contents intact', ({ A, B }) => {
      const a = A.alloc(Float64Array, 300);
      try {
        a.set(probs(300, 141));
        const r = outcome(() => B.refresh(a));
        expect(r.ok, describeOutcome(r)).toBe(true);
        const v = (r as { value: Float64Array }).value;
        expectSameArray('refreshed view', v, a);
        expect(A.entropy(v)).toBe(A.entropy(Float64Array.from(a)));
      } finally {
        A.free(A.refresh(a));
      }
    });
    it.each(pairs.filter((p) => p.A.backend === 'wasm' && p.B.backend === 'js'))(
      '$other refreshes an array from $owner after WASM memory grew: a live view, not a detached one',
      ({ A, B }) => {
        const a = A.alloc(Float64Array, 300);
        const content = probs(300, 142);
        a.set(content);
        const made = grow(A, a);
        try {
          const r = outcome(() => B.refresh(a));
          expect(r.ok, describeOutcome(r)).toBe(true);
          const v = (r as { value: Float64Array }).value;
          expect(realLength(v)).toBe(300);
          expectSameArray('refreshed view', v, content);
        } finally {
          freeAll(A, made);
          A.free(A.refresh(a));
        }
      },
    );
  });
}

crossEntry(
  "class 5: across entries with xentropy/js (free and refresh act on the owner's block)",
  allPairs.filter((p) => p.A.backend === 'js' || p.B.backend === 'js'),
);

// =================================================================================================
// Near the end, because a wrong write here lands in WASM memory: `out` viewing the WASM memory
// behind the scratch region (bytes 16 KiB to 2 MiB; not from alloc). Rule: an output on WASM
// memory that is not a live alloc block is a RangeError naming it (or the honest result lands in
// it, and the library keeps working).
// =================================================================================================

describe.each(entries)('%s (run last)', (entry, m) => {
  afterEach(() => expectKnownGood(m, START.get(entry)!));
  it('class 3: softmax with out viewing the scratch region of WASM memory (not from alloc)', () => {
    const len = (2 ** 21 - 2 ** 14) / 8;
    const o = new Float64Array(libraryMemory(m, 2 ** 21), 2 ** 14, len);
    const x = logits(len, 150);
    const { want, got } = trial(
      m,
      () => m.softmax(x),
      () => m.softmax(x, { out: o }),
    );
    expectHonestOrNamed(got.ok ? { ok: true, value: snapshot(o) } : got, want, { fn: 'softmax', arg: 'out', type: RangeError });
  });
});

crossEntry(
  "class 5: across the two WASM instances (free and refresh act on the owner's block)",
  allPairs.filter((p) => p.A.backend === 'wasm' && p.B.backend === 'wasm'),
);

// Last of all: the re-entrant calls during a multi-block stream (today the outer kernel then writes
// its output to address 0 of WASM memory, over the allocator's state).
describe.each(entries)('%s (run last of all)', (entry, m) => {
  afterEach(() => expectKnownGood(m, START.get(entry)!));
  for (const [title, cases] of CLASSES) {
    const late = cases.filter((c) => c.last);
    if (late.length) describe(title, () => it.each(late)('$name', (c) => c.run(m)));
  }
});
