// Memory that stays put, and inputs far larger than the scratch region:
// - a 2^28-element Float32Array pair (2 GiB of input) is computed correctly on both entries,
//   and WASM memory does not grow; a single 4 GiB + 4 KiB array, beyond WASM's 4 GiB address
//   space, is streamed through too;
// - crossEntropy on a 2^26-element f32 pair leaves the process at most 64 MiB larger (beyond
//   the inputs), 10^5 small calls and 10^6 mixed calls leave WASM memory as it was and RSS flat
//   (generous bounds: RSS moves with V8's heap and GC timing; `npm run memory` prints figures);
// - an error found by the kernel after some chunks were processed leaves no state behind.
// The WASM memory size is read through a 1-element alloc() view (alloc is the only thing that
// grows memory; a grown memory would detach that view).
import { describe, expect, test } from 'vitest';
import * as x from 'xentropy';
import * as js from 'xentropy/js';

const probe = x.alloc(Float32Array, 1);
const wasmBytes = () => x.refresh(probe).buffer.byteLength;
const MiB = 2 ** 20;

/** A pattern of period 1024 repeated to n elements (n a multiple of 1024), built by doubling. */
function periodic(n: number, f: (j: number) => number): Float32Array {
  const a = new Float32Array(n);
  for (let j = 0; j < 1024; j++) a[j] = f(j);
  for (let len = 1024; len < n; len *= 2) a.copyWithin(len, 0, Math.min(len, n - len));
  return a;
}

describe('huge inputs', () => {
  test('a 2^28-element Float32Array pair (2 GiB) on both entries: correct, and WASM memory does not grow', () => {
    const n = 2 ** 28;
    const p = periodic(n, (j) => (j + 1) / 2 ** 20);
    const q = periodic(n, (j) => 0.25 + (j % 7) / 10);
    // exact per period (f64 of the same f32 values), times 2^18 periods
    let period = 0;
    for (let j = 0; j < 1024; j++) period -= p[j] * Math.log(q[j]);
    const want = period * (n / 1024);
    const before = wasmBytes();
    const got = x.crossEntropy(p, q);
    expect(wasmBytes()).toBe(before);
    // f32 SIMD log per term (≤ 2^-21 relative, all terms positive) and blocked f64 sums
    expect(Math.abs(got - want) / want).toBeLessThan(2 ** -21);
    expect(Math.abs(js.crossEntropy(p, q) - want) / want).toBeLessThan(1e-12);
    // and a row-wise loss across the whole array: 2^14 rows of 2^14 logits
    const lse = x.logSumExp(q, { classes: 2 ** 14 }) as Float64Array;
    expect(lse.length).toBe(2 ** 14);
    expect(lse[0]).toBe(lse[2 ** 14 - 1]); // every row holds the same 16 periods
    expect(wasmBytes()).toBe(before);
  }, 120_000);
});

describe('inputs larger than WASM memory', () => {
  test('entropy of a 2^30 + 1024-element Float32Array (4 GiB + 4 KiB, more than WASM can address) is streamed', () => {
    const n = 2 ** 30 + 1024;
    const p = periodic(n, (j) => (j + 1) / 2 ** 20);
    let period = 0;
    for (let j = 0; j < 1024; j++) period -= p[j] * Math.log(p[j]);
    const want = period * (n / 1024);
    const before = wasmBytes();
    const got = x.entropy(p);
    expect(wasmBytes()).toBe(before);
    expect(Math.abs(got - want) / want).toBeLessThan(2 ** -21); // f32 SIMD logs, positive terms
  }, 300_000);
});

describe('memory stays put', () => {
  test('crossEntropy on a 2^26-element f32 pair: the process grows by at most 64 MiB beyond the inputs', () => {
    const n = 2 ** 26;
    const p = periodic(n, (j) => (j + 1) / 2 ** 20);
    const q = periodic(n, (j) => 0.5 + j / 4096);
    const before = wasmBytes();
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 3; i++) x.crossEntropy(p, q);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * MiB);
    expect(wasmBytes()).toBe(before);
  }, 60_000);

  test('10^5 small calls and 10^6 mixed calls leave WASM memory as it was and RSS flat', () => {
    const before = wasmBytes();
    const p = new Float64Array([0.1, 0.2, 0.3, 0.4]);
    const q = new Float32Array([0.25, 0.25, 0.25, 0.25]);
    for (let i = 0; i < 1e5; i++) x.crossEntropy(p, q);
    expect(wasmBytes()).toBe(before);
    const logits = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i));
    const target = Int32Array.from([1, 5, 7]);
    const grad = new Float64Array(300);
    const mixed = [
      () => x.entropy(p),
      () => x.klDivergence(p, Float64Array.from(q), { normalize: true }),
      () => x.softmaxCrossEntropy(logits, target, { classes: 100, grad }),
      () => x.logSumExp(logits, { classes: 100 }),
      () => x.binaryCrossEntropyWithLogits(logits, logits),
      () => x.softmax(logits, { classes: 100, out: grad }),
      () => {
        try {
          x.entropy([0.5, -1]);
        } catch {
          /* errors too */
        }
      },
    ];
    for (let i = 0; i < 1e5; i++) mixed[i % mixed.length](); // warm up: V8's heap settles
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 1e6; i++) mixed[i % mixed.length]();
    expect(wasmBytes()).toBe(before);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * MiB);
  }, 120_000);

  test('an error found after several chunks leaves no state: memory unchanged, the next call correct', () => {
    const n = 100_000;
    const p = Float64Array.from({ length: n }, (_, i) => ((i % 10) + 1) / 55 / 10_000);
    const q = Float64Array.from(p);
    q[90_000] = -1; // found in the sixth 16384-element chunk
    const before = wasmBytes();
    const good = x.crossEntropy(p, p);
    expect(() => x.crossEntropy(p, q)).toThrow(/xentropy\.crossEntropy: "q"\[90000\] must be a non-negative number; got -1/);
    expect(wasmBytes()).toBe(before);
    expect(x.crossEntropy(p, p)).toBe(good);
    expect(q[90_000]).toBe(-1); // not modified
  });
});
