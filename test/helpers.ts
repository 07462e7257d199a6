import { readFileSync } from 'node:fs';

/** Decodes a fixture array: base64 of little-endian float64 or float32. */
export function decode(b64: string, dtype: 'f64' | 'f32'): Float64Array | Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const copy = new Uint8Array(bytes); // aligned copy
  return dtype === 'f64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
}

/** Fixture numbers: finite values as numbers, the rest as Python's repr ('inf', 'nan', '-inf'). */
export function num(x: number | string): number {
  if (typeof x === 'number') return x;
  return { inf: Infinity, '-inf': -Infinity, nan: NaN }[x] ?? Number(x);
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/**
 * Whether `actual` is within `rel`·scale of `expected`; non-finite values must match exactly
 * (Infinity to Infinity, NaN to NaN).
 */
export function close(actual: number, expected: number, rel: number, scale = Math.abs(expected)): boolean {
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return Object.is(actual, expected);
  return Math.abs(actual - expected) <= rel * scale;
}

/** A seeded generator (mulberry32), so that random tests are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random distribution of n entries (skewed, with a share of exact zeros). */
export function randomDist(next: () => number, n: number, zeros = 0.1): Float64Array {
  const x = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    x[i] = next() < zeros ? 0 : next() ** 3;
    s += x[i];
  }
  if (s > 0) for (let i = 0; i < n; i++) x[i] /= s;
  return x;
}

/**
 * For Float32Array data the WASM entry computes logs and exps in f32 SIMD (each within 1 f32 ulp
 * by test/vmath.log.test.ts and test/vmath.exp.test.ts; the issue allows 4) and sums in f64, while the pure-TS entry works in
 * f64 throughout. 4 f32 ulps, 2^-21 ≈ 4.8e-7, relative to the terms (absolute for a
 * log-sum-exp, whose error is the relative error of its sum) is the gap the two may show.
 */
export const F32_MATH = 2 ** -21;

/**
 * Greedy CTC decoding written plainly, the tests' reference: for frames t = 0 … T − 1 of one sample
 * (frame t's C values from x[at(t)]), the arg-max as torch.argmax takes it (the first of equal
 * maxima; a NaN wins, the first NaN), then repeats merged and blanks dropped; each label with the
 * frame its run starts at.
 */
export function greedyReference(
  x: ArrayLike<number>,
  T: number,
  C: number,
  at: (t: number) => number,
  blank = 0,
): { labels: number[]; frames: number[] } {
  const labels: number[] = [];
  const frames: number[] = [];
  let previous = blank;
  for (let t = 0; t < T; t++) {
    const o = at(t);
    let best = 0;
    for (let c = 1; c < C; c++) {
      const w = x[o + c];
      const v = x[o + best];
      if (w > v || (Number.isNaN(w) && !Number.isNaN(v))) best = c;
    }
    if (best !== blank && best !== previous) {
      labels.push(best);
      frames.push(t);
    }
    previous = best;
  }
  return { labels, frames };
}
