// Zero-copy buffers: alloc/free/refresh on every entry (WASM memory on `xentropy`, plain typed
// arrays on `xentropy/js`), what memory growth does to their views, and that a function given
// one reads it in place (the result is the copied input's, bit for bit, and the scratch is not
// involved: WASM memory does not grow while computing on them).

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createApi } from '../dist/api/index.js';
import { wasmKernels } from '../dist/kernels/wasm.js';
import { type Entry, entries } from './entries.js';
import { randomDist, rng } from './helpers.js';

describe.each(entries)('%s: alloc, free, refresh', (name, m) => {
  test('alloc gives zeroed arrays of the requested type and length; results equal the copied input', () => {
    const next = rng(5);
    for (const Type of [Float32Array, Float64Array] as const) {
      for (const n of [0, 3, 100, 20_000]) {
        let p = m.alloc(Type, n);
        const q = m.alloc(Type, n);
        p = m.refresh(p); // the second alloc may have grown memory
        expect(p).toBeInstanceOf(Type);
        expect(p.length).toBe(n);
        expect(p.every((v) => v === 0)).toBe(true);
        p.set(randomDist(next, n));
        q.set(randomDist(next, n));
        const pc = Type.from(p);
        const qc = Type.from(q);
        expect(m.crossEntropy(p, q)).toBe(m.crossEntropy(pc, qc));
        expect(m.logSumExp(p)).toBe(m.logSumExp(pc));
        expect(Array.from(p)).toEqual(Array.from(pc)); // inputs are not modified
        m.free(p);
        m.free(q);
      }
    }
  });

  test('freed arrays are rejected by every function, and by free and refresh, naming the argument', () => {
    const p = m.alloc(Float64Array, 4);
    p.set([0.25, 0.25, 0.25, 0.25]);
    m.free(p);
    expect(() => m.entropy(p)).toThrow(/xentropy\.entropy: "p" was released by free\(\)/);
    expect(() => m.softmax([1, 2, 3, 4], { out: p })).toThrow(/"out" was released/);
    expect(() => m.free(p)).toThrow(/xentropy\.free: "array" was already released/);
    expect(() => m.refresh(p)).toThrow(/xentropy\.refresh: "array" was already released/);
    expect(m.entropy([0.5, 0.5])).toBeCloseTo(Math.LN2, 15); // still working
  });

  test('bad arguments: a clear error naming the argument', () => {
    expect(() => m.alloc(Int32Array as never, 4)).toThrow(TypeError);
    expect(() => m.alloc(Int32Array as never, 4)).toThrow(/xentropy\.alloc: "type" must be Float32Array or Float64Array/);
    expect(() => m.alloc(Float32Array, -1)).toThrow(/xentropy\.alloc: "length" must be an integer from 0 to/);
    expect(() => m.alloc(Float32Array, 1.5)).toThrow(RangeError);
    expect(() => m.alloc(Float32Array, '4' as never)).toThrow(TypeError);
    expect(() => m.alloc(Float32Array, 2 ** 28)).toThrow(RangeError);
    expect(() => m.free(new Float64Array(4))).toThrow(/xentropy\.free: "array" was not returned by alloc\(\)/);
    expect(() => m.free([1, 2] as never)).toThrow(TypeError);
    expect(() => m.refresh(new Float32Array(2))).toThrow(/xentropy\.refresh: "array" was not returned by alloc\(\)/);
    const x = m.alloc(Float32Array, 2);
    expect(m.refresh(x)).toBe(x); // live and not detached: the same array
    m.free(x);
  });

  if (name !== 'xentropy/js') {
    test('memory growth detaches earlier views; functions reject them; refresh gives a live view with the contents', () => {
      const p = m.alloc(Float64Array, 8);
      p.set([0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0]);
      const before = p.buffer;
      // Grow: more than the free heap (the 2 MiB scratch sits in the first pages).
      const big = m.alloc(Float64Array, 1 << 22);
      expect(big.buffer).not.toBe(before);
      expect(p.length).toBe(0); // detached by the engine
      expect(() => m.entropy(p)).toThrow(/"p" was detached when WASM memory grew.*refresh\(p\)/);
      const live = m.refresh(p);
      expect(Array.from(live)).toEqual([0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0]);
      expect(m.entropy(live)).toBe(m.entropy([0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0]));
      m.free(live);
      m.free(m.refresh(big));
    });
  }
});

describe('xentropy: zero-copy', () => {
  test('arrays from alloc are passed to the kernel by address; other arrays are copied to the scratch', () => {
    // The same module, with rowTermsF32 wrapped to record the address of p it is given.
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('../dist/xentropy.wasm', import.meta.url))), {});
    const seen: number[] = [];
    const ex = { ...instance.exports } as Record<string, unknown>;
    const rowTerms = ex.rowTermsF32 as (...a: number[]) => number;
    ex.rowTermsF32 = Object.defineProperty(
      (...a: number[]) => {
        seen.push(a[1]);
        return rowTerms(...a);
      },
      'length', // the glue checks each export's parameter count against its descriptor
      { value: rowTerms.length },
    );
    const m = createApi(wasmKernels({ exports: ex } as unknown as WebAssembly.Instance, 0), 'wasm') as unknown as Entry;
    let p = m.alloc(Float32Array, 40_000);
    const q = m.alloc(Float32Array, 40_000);
    p = m.refresh(p);
    const next = rng(9);
    p.set(randomDist(next, 40_000));
    q.set(randomDist(next, 40_000));
    const size = p.buffer.byteLength;
    const copy = Float32Array.from(p);
    const want = m.crossEntropy(copy, Float32Array.from(q));
    const scratch = seen[0];
    expect(scratch).not.toBe(p.byteOffset);
    seen.length = 0;
    expect(m.crossEntropy(p, q)).toBe(want);
    // chunks of 16384 elements, read in place: p's address, then 16384 and 32768 elements on
    expect(seen).toEqual([p.byteOffset, p.byteOffset + 16384 * 4, p.byteOffset + 32768 * 4]);
    expect(p.buffer.byteLength).toBe(size); // memory did not grow
    // a subarray is refused by name: it could outlive its block (README, "Zero-copy buffers")
    expect(() => m.crossEntropy(p.subarray(0, 20_000), q.subarray(0, 20_000))).toThrow(
      /"p" is a view of alloc\(\) memory other than the array alloc\(\) or refresh\(\) returned/,
    );
    // an array outside WASM memory is copied to the scratch
    seen.length = 0;
    m.crossEntropy(Float32Array.from(p), Float32Array.from(q));
    expect(seen[0]).toBe(scratch);
    m.free(p);
    m.free(q);
  });
});
