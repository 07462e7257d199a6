// Language-model evaluation beyond the PyTorch fixture (test/lm.torch.test.ts): sliding windows
// (cases worked by hand, and a brute-force scorer), float16 input on every function, ranks, and
// the errors.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';

/** The value of each float16 bit pattern, computed from its fields (independent of the library's table). */
function halfValue(h: number): number {
  const e = (h >> 10) & 31;
  const f = h & 1023;
  const v = e === 0 ? f * 2 ** -24 : e === 31 ? (f === 0 ? Infinity : NaN) : (1 + f / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -v : v;
}

/** Deterministic float16 bit patterns of finite values in about ±8, and probabilities in (0, 1]. */
const halves = (n: number, seed: number) =>
  Uint16Array.from({ length: n }, (_, i) => (((i * 7919 + seed * 104729) % 4096) + 0x4000 - 2048) | (i % 3 === 0 ? 0x8000 : 0));
const probs = (n: number, seed: number) => Uint16Array.from({ length: n }, (_, i) => 0x2000 + ((i * 7919 + seed * 31) % 0x1c00));
const widen = (bits: Uint16Array) => Float32Array.from(bits, halfValue);

describe.each(entries)('%s: slidingWindows', (_, m) => {
  const w = (n: number, maxLength: number, stride?: number) =>
    m.slidingWindows(n, { maxLength, ...(stride === undefined ? {} : { stride }) }).map((x) => [x.start, x.end, x.scoreFrom]);

  test('cases worked by hand', () => {
    // 10 tokens, context 4, stride 2: windows [0,4) [2,6) [4,8) [6,10); each scores what the previous did not reach
    expect(w(10, 4, 2)).toEqual([
      [0, 4, 1],
      [2, 6, 4],
      [4, 8, 6],
      [6, 10, 8],
    ]);
    // stride 3: [0,4) scores 1–3, [3,7) scores 4–6, [6,10) scores 7–9
    expect(w(10, 4, 3)).toEqual([
      [0, 4, 1],
      [3, 7, 4],
      [6, 10, 7],
    ]);
    // 8 tokens, stride 3: the last window would be [6,8); it starts at 4 instead, full, so token 7 has 3 tokens of context, not 1
    expect(w(8, 4, 3)).toEqual([
      [0, 4, 1],
      [3, 7, 4],
      [4, 8, 7],
    ]);
    // a text shorter than the context: one window; default stride maxLength / 2
    expect(w(5, 8)).toEqual([[0, 5, 1]]);
    expect(w(9, 4)).toEqual([
      [0, 4, 1],
      [2, 6, 4],
      [4, 8, 6],
      [5, 9, 8],
    ]);
    // nothing to score: no windows (token 0 has no context)
    expect(w(0, 4)).toEqual([]);
    expect(w(1, 4)).toEqual([]);
  });

  test('every token from 1 on is scored exactly once, with at least maxLength − stride tokens of context', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 39 }), (n, L, s) => {
        const stride = Math.min(s, L - 1);
        const scored = new Array<number>(n).fill(0);
        let prevStart = -1;
        for (const { start, end, scoreFrom } of m.slidingWindows(n, { maxLength: L, stride })) {
          expect(end - start).toBeLessThanOrEqual(L);
          expect(start).toBeGreaterThan(prevStart);
          expect(scoreFrom).toBeGreaterThan(start);
          prevStart = start;
          for (let i = scoreFrom; i < end; i++) {
            scored[i]++;
            expect(i - start).toBeGreaterThanOrEqual(Math.min(i, L - stride));
          }
        }
        expect(scored).toEqual(Array.from({ length: n }, (_, i) => (i === 0 ? 0 : 1)));
      }),
    );
  });

  test('with stride 1, windows score exactly as a brute-force scorer that gives each token its full context', () => {
    // A causal toy model: the logits at window position j depend on the window's tokens 0…j only.
    const V = 7;
    const model = (tokens: number[]) => {
      const logits = new Float64Array(tokens.length * V);
      for (let j = 0; j < tokens.length; j++) {
        let h = 0;
        for (let t = 0; t <= j; t++) h += tokens[t] * (j - t + 1) * 0.37;
        for (let v = 0; v < V; v++) logits[j * V + v] = Math.sin(v * 1.3 + h);
      }
      return logits;
    };
    const text = Array.from({ length: 23 }, (_, i) => (i * 5 + 3) % V);
    for (const L of [2, 3, 5, 8, 30]) {
      let windowed = 0;
      for (const { start, end, scoreFrom } of m.slidingWindows(text.length, { maxLength: L, stride: 1 })) {
        const logits = model(text.slice(start, end));
        // token i is predicted by window row i − start − 1
        const rows = logits.subarray((scoreFrom - start - 1) * V, (end - start - 1) * V);
        const lp = m.tokenLogProbs(rows, text.slice(scoreFrom, end), { classes: V });
        for (const v of lp) windowed += v;
      }
      let brute = 0;
      for (let i = 1; i < text.length; i++) {
        const s = Math.max(0, i - L + 1); // the most context a window of L tokens gives token i
        const logits = model(text.slice(s, i + 1));
        brute += m.tokenLogProbs(logits.subarray((i - s - 1) * V, (i - s) * V), [text[i]], { classes: V })[0];
      }
      expect(windowed).toBeCloseTo(brute, 12);
    }
  });

  test('bad arguments are named', () => {
    expect(() => m.slidingWindows(-1, { maxLength: 4 })).toThrow(/slidingWindows: "tokens" must be an integer in \[0, /);
    expect(() => m.slidingWindows(10, { maxLength: 1 })).toThrow(/option "maxLength" must be an integer in \[2, /);
    expect(() => m.slidingWindows(10, { maxLength: 4, stride: 4 })).toThrow(/option "stride" must be an integer in \[1, 3\]; got 4/);
    expect(() => m.slidingWindows(10, undefined as never)).toThrow(/option "maxLength" is required/);
    expect(() => m.slidingWindows(10, { maxLength: 4, strides: 2 } as never)).toThrow(/unknown option "strides"/);
  });
});

type Loose = Record<string, (...a: unknown[]) => unknown>;

describe.each(entries)('%s: float16 input', (_, m) => {
  const call = (fn: string, ...args: unknown[]) => (m as unknown as Loose)[fn](...args);
  const plain = (v: unknown) => (typeof v === 'number' ? v : Array.from(v as ArrayLike<number>));

  // float16 → f32 is exact, and f16 data takes the f32 path: a function of float16 data must equal
  // the same function of the Float32Array of its values, bit for bit, at every size (small: the TS
  // kernels below the crossover; 40 000: WASM, streamed in chunks of 16 384, widened per chunk).
  for (const n of [12, 40_000]) {
    test(`every function of float16 data equals it on the Float32Array of the same values (n = ${n})`, () => {
      const x = halves(n, 1);
      const p = probs(n, 2);
      const q = probs(n, 3);
      const xs = widen(x);
      const ps = widen(p);
      const qs = widen(q);
      const h = m.float16;
      const y = widen(probs(n, 4)).map((v) => (v > 0.2 ? 1 : 0));
      const rows = n / 4;
      const labels = Int32Array.from({ length: rows }, (_, i) => (i * 3) % 4);
      const cases: [string, unknown[], unknown[]][] = [
        ['entropy', [h(p), { classes: 4, reduction: 'none' }], [ps, { classes: 4, reduction: 'none' }]],
        ['crossEntropy', [h(p), h(q), { normalize: true }], [ps, qs, { normalize: true }]],
        ['klDivergence', [h(p), qs, { classes: 4 }], [ps, qs, { classes: 4 }]],
        ['jsDivergence', [ps, h(q), { classes: 4, reduction: 'sum' }], [ps, qs, { classes: 4, reduction: 'sum' }]],
        ['binaryCrossEntropy', [h(p), y, { weight: h(q) }], [ps, y, { weight: qs }]],
        ['binaryCrossEntropyWithLogits', [h(x), y, { posWeight: h(q.subarray(0, 4)) }], [xs, y, { posWeight: qs.subarray(0, 4) }]],
        ['sigmoidFocalLoss', [h(x), h(p), { reduction: 'sum' }], [xs, ps, { reduction: 'sum' }]],
        [
          'softmaxCrossEntropy',
          [h(x), labels, { classes: 4, weight: h(q.subarray(0, 4)) }],
          [xs, labels, { classes: 4, weight: qs.subarray(0, 4) }],
        ],
        ['softmaxCrossEntropy', [h(x), h(p), { classes: 4, labelSmoothing: 0.1 }], [xs, ps, { classes: 4, labelSmoothing: 0.1 }]],
        ['nllLoss', [h(x), labels, { classes: 4 }], [xs, labels, { classes: 4 }]],
        ['klDiv', [h(x), h(p), { reduction: 'batchmean', classes: 4 }], [xs, ps, { reduction: 'batchmean', classes: 4 }]],
        ['logSumExp', [h(x), { classes: 4 }], [xs, { classes: 4 }]],
        ['logSoftmax', [h(x), { classes: 4 }], [xs, { classes: 4 }]],
        ['softmax', [h(x)], [xs]],
        ['tokenLogProbs', [h(x), labels, { classes: 4 }], [xs, labels, { classes: 4 }]],
        ['perplexity', [h(x), labels, { classes: 4 }], [xs, labels, { classes: 4 }]],
      ];
      for (const [fn, half, single] of cases) {
        const got = call(fn, ...half);
        const want = call(fn, ...single);
        expect(plain(got), fn).toEqual(plain(want));
        if (fn === 'softmax' || fn === 'logSoftmax') expect(got, `${fn} of float16 returns a Float32Array`).toBeInstanceOf(Float32Array);
      }
      const grad16 = new Float64Array(n);
      const grad32 = new Float64Array(n);
      call('softmaxCrossEntropy', h(x), labels, { classes: 4, grad: grad16 });
      call('softmaxCrossEntropy', xs, labels, { classes: 4, grad: grad32 });
      expect(grad16).toEqual(grad32);
    });
  }

  test('all 65536 float16 bit patterns widen to their exact values (±0, subnormals, ±∞, NaN)', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    // logSumExp of a one-element row is that element: the value the kernel read
    const got = m.logSumExp(m.float16(all), { classes: 1 }) as Float64Array;
    for (let i = 0; i < 65536; i++) {
      const v = halfValue(i);
      if (!Object.is(got[i], v) && !(Number.isNaN(v) && Number.isNaN(got[i]))) {
        // −0 is the max of its row and log1p(0) = 0 is added: −0 + 0 = +0
        if (!(v === 0 && got[i] === 0)) expect.fail(`pattern 0x${i.toString(16)}: ${got[i]}, want ${v}`);
      }
    }
  });

  // The WASM entry reads float16 logits as they are in the log-sum-exp kernel (lseRowsF16: the max
  // from the bits, each value widened in registers in the exp loop) where a row takes one of its
  // two Fast2Sum ways, and widens the block for the f32 kernel otherwise; either way the result must
  // be the f32 kernel's on the same values, bit for bit. Row kinds that take each way, rows mixing
  // kinds within a block, every tail length mod 16, chunked and whole-row (> 16384) streaming. The
  // tiny-max and small-max rows make x − m inexact in f32 where the mode matters: a Fast2Sum taken
  // outside its condition there changes results (the check was seen to fail for `m ≥ 0` alone
  // as the first way's condition, and for `m ≤ 4` as the second's).
  test('float16 logits give logSumExp and tokenLogProbs of their f32 values, bit for bit, on every row kind', () => {
    let seed = 9;
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    // float16 bits of a value: rounded toward zero (any float16 will do; the check is on its value)
    const toHalf = (v: number): number => {
      if (Number.isNaN(v)) return 0x7e00;
      const s = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
      const a = Math.abs(v);
      if (a === Infinity || a >= 65504) return s | (a === Infinity ? 0x7c00 : 0x7bff);
      if (a < 2 ** -14) return s | Math.floor(a / 2 ** -24);
      const e = Math.floor(Math.log2(a));
      const f = Math.min(1023, Math.floor((a / 2 ** e - 1) * 1024));
      return s | ((e + 15) << 10) | f;
    };
    const usual = () => (rand() - 0.5) * 6;
    const kinds: Record<string, () => number> = {
      usual, // every |x| ≤ m: the first Fast2Sum way
      negative: () => -rand() * 30 - 1, // m ≤ 0: the second
      wide: () => (rand() - 0.8) * 40, // neither: TwoSum's, the widened block
      zeros: () => (rand() < 0.3 ? 0 : usual()),
      subnormal: () => (rand() < 0.3 ? (rand() - 0.5) * 2 ** -15 : usual()),
      ties: () => Math.round(rand() * 4),
      masked: () => (rand() < 0.01 ? -Infinity : usual()),
      far: () => (rand() < 0.01 ? -200 : usual()), // below expfs's range
      nan: () => (rand() < 0.001 ? NaN : usual()),
      inf: () => (rand() < 0.001 ? Infinity : usual()),
      tinyMax: () => (rand() < 0.02 ? 2 ** -12 * (1 + rand()) : -(1 + rand() * 19)),
      smallMax: () => (rand() < 0.02 ? 3.5 : rand() < 0.5 ? (rand() - 0.5) * 2e-3 : -(1 + rand() * 19)),
      spread: () => (rand() < 0.5 ? -1 : 1) * 10 ** (rand() * 5.6 - 4),
    };
    for (const classes of [16, 17, 23, 24, 31, 100, 1000, 20_000]) {
      const rows = Math.max(3, Math.min(24, Math.floor(60_000 / classes)));
      for (const [kind, gen] of Object.entries(kinds)) {
        const bits = new Uint16Array(rows * classes);
        for (let r = 0; r < rows; r++) for (let j = 0; j < classes; j++) bits[r * classes + j] = toHalf(r % 3 === 1 ? usual() : gen());
        const f = widen(bits);
        const t = Int32Array.from({ length: rows }, () => Math.floor(rand() * classes));
        const a = m.logSumExp(m.float16(bits), { classes }) as Float64Array;
        const b = m.logSumExp(f, { classes }) as Float64Array;
        const ta = m.tokenLogProbs(m.float16(bits), t, { classes });
        const tb = m.tokenLogProbs(f, t, { classes });
        for (let r = 0; r < rows; r++) {
          if (!Object.is(a[r], b[r]) || !Object.is(ta[r], tb[r]))
            expect.fail(`${kind}, ${classes} classes, row ${r}: logSumExp ${a[r]} vs ${b[r]}, tokenLogProbs ${ta[r]} vs ${tb[r]}`);
        }
      }
    }
  });

  test('a Float16Array, where the runtime has one, is float16 data like marked bits', () => {
    if (typeof (globalThis as { Float16Array?: unknown }).Float16Array !== 'function') return; // Node 20: see test/runtimes.test.ts
    const F16 = (globalThis as unknown as { Float16Array: new (b: ArrayBuffer) => ArrayBufferView }).Float16Array;
    const bits = halves(400, 5);
    expect(m.logSumExp(new F16(bits.slice().buffer) as never, { classes: 4 })).toEqual(m.logSumExp(m.float16(bits), { classes: 4 }));
  });

  test('a Uint16Array is never taken for float16 unless marked; float16() takes only a Uint16Array', () => {
    expect(() => m.entropy(new Uint16Array(4) as never)).toThrow(
      /xentropy\.entropy: "p" must be a Float64Array, a Float32Array, float16 data or an array of numbers; got a Uint16Array of length 4 \(a Uint16Array of float16 bits is taken as such only when marked: float16\(bits\)\)/,
    );
    expect(() => m.float16(new Int16Array(2) as never)).toThrow(/xentropy\.float16: "bits" must be a Uint16Array/);
    expect(() => m.float16([0x3c00] as never)).toThrow(TypeError);
    // a look-alike of a marker is not one
    expect(() => m.entropy({ bits: new Uint16Array([0x3c00]) } as never)).toThrow(/"p" must be/);
  });

  test('float16 bits over a transferred (detached) buffer are named as such, like any detached array', () => {
    const bits = new Uint16Array([0x3c00, 0x4000]);
    structuredClone(bits.buffer, { transfer: [bits.buffer] });
    expect(() => m.logSumExp(m.float16(bits))).toThrow(
      /xentropy\.logSumExp: "x" was detached \(its ArrayBuffer was transferred\); it holds no data/,
    );
    const w = new Uint16Array([0x3c00, 0x3c00]);
    structuredClone(w.buffer, { transfer: [w.buffer] });
    expect(() => m.binaryCrossEntropy([0.5, 0.5], [1, 0], { weight: m.float16(w) })).toThrow(/"weight" was detached/);
    expect(m.logSumExp(m.float16(new Uint16Array([0x3c00, 0x3c00])))).toBeCloseTo(1 + Math.LN2, 15);
  });

  test('a bad float16 element is named with its index and value; the input is not modified', () => {
    const bits = Uint16Array.from([0x3800, 0xb800, 0x3800]); // 0.5, −0.5, 0.5
    const copy = bits.slice();
    expect(() => m.entropy(m.float16(bits))).toThrow(/xentropy\.entropy: "p"\[1\] must be a non-negative number; got -0\.5/);
    expect(bits).toEqual(copy);
    expect(m.entropy([0.5, 0.5])).toBeCloseTo(Math.LN2, 15);
  });
});

describe.each(entries)('%s: tokenLogProbs and perplexity', (_, m: Entry) => {
  test('ranks count the logits strictly greater than the target (ties rank together); NaN rows', () => {
    const logits = [3, 1, 3, 2, /**/ 0, 0, 0, 0, /**/ NaN, 1, 2, 3];
    const ranks = new Int32Array(3);
    const lp = m.tokenLogProbs(logits, [2, 3, 1], { classes: 4, ranks });
    // row 0: the other 3 ties (not greater); row 1: all tie; row 2: 2 and 3 are greater than 1 (NaN is not)
    expect(Array.from(ranks)).toEqual([0, 0, 2]);
    expect(lp[0]).toBeCloseTo(3 - Math.log(2 * Math.exp(3) + Math.exp(1) + Math.exp(2)), 14);
    const r2 = new Uint32Array(3);
    m.tokenLogProbs(logits, [3, 0, 0], { classes: 4, ranks: r2 });
    expect(Array.from(r2)).toEqual([2, 0, 0]);
    expect(m.tokenLogProbs(logits, [3, 0, 0], { classes: 4 })[2]).toBeNaN();
  });

  test('perplexity is exp(softmaxCrossEntropy mean), and NaN when every target is ignored', () => {
    const logits = Float64Array.from({ length: 60 }, (_, i) => Math.cos(i * 0.7) * 3);
    const t = [0, 5, -100, 9, 1, 2];
    expect(m.perplexity(logits, t, { classes: 10 })).toBeCloseTo(Math.exp(m.softmaxCrossEntropy(logits, t, { classes: 10 }) as number), 12);
    expect(m.perplexity(logits.subarray(0, 10), [-100], { classes: 10 })).toBeNaN();
  });

  test('bad arguments are named', () => {
    const x = new Float32Array(8);
    expect(() => m.tokenLogProbs(x, [0, 4], { classes: 4 })).toThrow(
      /tokenLogProbs: "targets"\[1\] must be a class index in \[0, 4\) or ignoreIndex \(-100\); got 4/,
    );
    expect(() => m.tokenLogProbs(x, [0], { classes: 4 })).toThrow(/"targets" must hold one class index per row \(2\); got length 1/);
    expect(() => m.tokenLogProbs(x, new Float32Array(2) as never, { classes: 4 })).toThrow(/"targets" must be class indices/);
    expect(() => m.tokenLogProbs(x, [0, 1], { classes: 4, ranks: new Int32Array(3) })).toThrow(
      /option "ranks" must have one entry per row \(2\); got length 3/,
    );
    expect(() => m.tokenLogProbs(x, [0, 1], { classes: 4, ranks: new Float64Array(2) as never })).toThrow(
      /option "ranks" must be an Int32Array or Uint32Array/,
    );
    expect(() => m.tokenLogProbs(x, [0, 1], { classes: 4, out: x.subarray(0, 2) })).toThrow(/option "out" shares memory with "logits"/);
    expect(() => m.tokenLogProbs(x, [0, 1], { classes: 4, ranks: new Int32Array(x.buffer, 0, 2) })).toThrow(
      /option "ranks" shares memory with "logits"/,
    );
    expect(() => m.tokenLogProbs(x, [0, 1], {} as never)).toThrow(/option "classes" is required/);
    expect(() => m.perplexity(x, [0, 1], { classes: 4, out: new Float64Array(2) } as never)).toThrow(/unknown option "out"/);
    // the two outputs sharing memory (found by the hostile fuzzer: ranks overwrote out)
    const buf = new ArrayBuffer(16);
    expect(() =>
      m.tokenLogProbs([1, 2, 3, 0, 5, 1], [0, 1], { classes: 3, out: new Float64Array(buf, 0, 2), ranks: new Int32Array(buf, 0, 2) }),
    ).toThrow(/option "ranks" shares memory with option "out"/);
    expect(m.tokenLogProbs([0, 0], [1], { classes: 2 })[0]).toBeCloseTo(-Math.LN2, 15); // still working
  });
});
