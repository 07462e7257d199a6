// float16 data as the kernels receive it. The API layer turns a Float16Array, or a Uint16Array
// marked by `float16(bits)`, into a `Half` (a Uint16Array view of the caller's bits, made
// through the engine's own accessors); the WASM glue copies those bits into its scratch region
// and widens them there, block by block; the TS kernels read a Float32Array decoded from them.
// float16 → f32 is exact, so every kernel computes on the float16 values themselves.

/** float16 bit patterns, one per element. Made only by the API layer (never taken from a caller). */
export class Half {
  /**
   * `bits`: our own view of the float16 data; `source`: the caller's view it was made from, whose
   * length and memory the API layer checks again once no caller code can run any more.
   */
  constructor(
    readonly bits: Uint16Array,
    readonly source: ArrayBufferView = bits,
  ) {}
}

let table: Float32Array | null = null;

/** The value of each of the 65536 float16 bit patterns (built once, on first use: 256 KB). */
export function halfTable(): Float32Array {
  if (table !== null) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const e = (h >> 10) & 31;
    const m = h & 1023;
    const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m === 0 ? Infinity : NaN) : (1024 + m) * 2 ** (e - 25);
    t[h] = h & 0x8000 ? -v : v;
  }
  table = t;
  return t;
}

/** The values of float16 data as a Float32Array (exact). */
export function decodeHalf(x: Half): Float32Array {
  const t = halfTable();
  const bits = x.bits;
  const n = bits.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = t[bits[i]];
  return out;
}
