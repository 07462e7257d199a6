import type { FloatArray, Kernels, Kind } from './types.js';

/** What assembly/index.ts exports. */
interface WasmExports {
  memory: WebAssembly.Memory;
  CHUNK: WebAssembly.Global;
  scratch(): number;
  rowTermsF64(kind: number, p: number, q: number, rows: number, classes: number, sc: number, out: number): number;
  rowTermsF32(kind: number, p: number, q: number, rows: number, classes: number, sc: number, out: number): number;
  rowSumsF64(p: number, rows: number, classes: number, out: number): void;
  rowSumsF32(p: number, rows: number, classes: number, out: number): void;
}

/**
 * Compiles and instantiates the kernel module synchronously (Node; small modules elsewhere).
 * Returns null where WebAssembly, or the SIMD it was compiled with, is unavailable.
 */
export function instantiateSync(bytes: () => BufferSource): WebAssembly.Instance | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    return new WebAssembly.Instance(new WebAssembly.Module(bytes()), {});
  } catch {
    return null;
  }
}

/** The asynchronous twin of instantiateSync, for browsers and bundlers. */
export async function instantiateAsync(url: URL): Promise<WebAssembly.Instance | null> {
  try {
    if (typeof WebAssembly !== 'object') return null;
    const response = await fetch(url);
    if (!response.ok) return null;
    const { instance } = await WebAssembly.instantiate(await response.arrayBuffer(), {});
    return instance;
  } catch {
    return null;
  }
}

/**
 * The WASM kernel set: owns the instance's memory and copies typed arrays through a fixed
 * scratch region, in chunks of CHUNK elements, so that memory never grows with input size.
 */
export function wasmKernels(instance: WebAssembly.Instance): Kernels {
  const ex = instance.exports as unknown as WasmExports;
  const CHUNK = ex.CHUNK.value as number;
  const base = ex.scratch();
  const P = base;
  const Q = base + 8 * CHUNK;
  const OUT = base + 16 * CHUNK;
  const SCALE = base + 24 * CHUNK;

  // The only place that (re)creates views; memory growth detaches the old ones.
  let buffer: ArrayBuffer | null = null;
  let f64 = new Float64Array(0);
  let f32 = new Float32Array(0);
  function views(): void {
    if (buffer !== ex.memory.buffer) {
      buffer = ex.memory.buffer as ArrayBuffer;
      f64 = new Float64Array(buffer);
      f32 = new Float32Array(buffer);
    }
  }

  /** Copies x[from, from + count) to byte address `at`, as f32 or f64 elements. */
  function copyIn(at: number, x: FloatArray, from: number, count: number, single: boolean): void {
    const src = x.subarray(from, from + count);
    if (single) f32.set(src, at >>> 2);
    else f64.set(src, at >>> 3);
  }

  /**
   * Visits the input in blocks that fit the scratch region: whole rows when a row fits,
   * otherwise pieces of one row. visit(r0, k, start, len): rows r0 … r0+k−1, elements
   * [start, start + k·len), each of the k rows contributing len elements.
   */
  function blocks(rows: number, classes: number, visit: (r0: number, k: number, start: number, len: number) => void): void {
    if (classes === 0) return;
    if (classes <= CHUNK) {
      const per = Math.floor(CHUNK / classes);
      for (let r0 = 0; r0 < rows; r0 += per) visit(r0, Math.min(per, rows - r0), r0 * classes, classes);
    } else {
      for (let r = 0; r < rows; r++) {
        for (let off = 0; off < classes; off += CHUNK) visit(r, 1, r * classes + off, Math.min(CHUNK, classes - off));
      }
    }
  }

  /** out[r0 + i] += OUT[i] for i < k. */
  function addOut(out: Float64Array, r0: number, k: number): void {
    const o = OUT >>> 3;
    for (let i = 0; i < k; i++) out[r0 + i] += f64[o + i];
  }

  return {
    rowSums(x, rows, classes, out) {
      out.fill(0, 0, rows);
      const single = x instanceof Float32Array;
      const kernel = single ? ex.rowSumsF32 : ex.rowSumsF64;
      views();
      blocks(rows, classes, (r0, k, start, len) => {
        copyIn(P, x, start, k * len, single);
        kernel(P, k, len, OUT);
        addOut(out, r0, k);
      });
    },

    rowTerms(kind: Kind, p, q, rows, classes, scales, out) {
      out.fill(0, 0, rows);
      const single = p instanceof Float32Array && (q === null || q instanceof Float32Array);
      const kernel = single ? ex.rowTermsF32 : ex.rowTermsF64;
      let bad = 0;
      views();
      blocks(rows, classes, (r0, k, start, len) => {
        copyIn(P, p, start, k * len, single);
        if (q !== null) copyIn(Q, q, start, k * len, single);
        if (scales !== null) f64.set(scales.subarray(2 * r0, 2 * (r0 + k)), SCALE >>> 3);
        bad |= kernel(kind, P, Q, k, len, scales === null ? 0 : SCALE, OUT);
        addOut(out, r0, k);
      });
      return bad === 0;
    },
  };
}
