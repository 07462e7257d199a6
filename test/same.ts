// Comparing results computed elsewhere (a browser, a worker, another runtime) with Node's.
import { expect } from 'vitest';

/** Parses what test/browser/report.js encoded: JSON with non-finite numbers as { nonFinite }. */
export function decode(json: string): unknown {
  return JSON.parse(json, (_, v) =>
    v && typeof v === 'object' && typeof v.nonFinite === 'string' && Object.keys(v).length === 1 ? Number(v.nonFinite) : v,
  );
}

/**
 * Deep equality with numbers within 4e-16·max(1, |want|) (two ulps near 1): the WASM kernels give
 * the same bits everywhere, but inputs under the crossover and the pure-TS entry use
 * the engine's Math.exp/Math.log, and another engine's (or another V8's) may differ from Node 20's
 * by an ulp on some inputs.
 */
export function same(got: unknown, want: unknown, path = ''): void {
  if (typeof want === 'number') {
    expect(typeof got, path).toBe('number');
    const g = got as number;
    if (Number.isNaN(want) || !Number.isFinite(want)) expect(Object.is(g, want), path).toBe(true);
    else if (Math.abs(g - want) > 4e-16 * Math.max(1, Math.abs(want))) expect.fail(`${path}: ${g} vs ${want}`);
  } else if (Array.isArray(want)) {
    expect((got as unknown[]).length, path).toBe(want.length);
    for (const [i, w] of want.entries()) same((got as unknown[])[i], w, `${path}[${i}]`);
  } else if (typeof want === 'object' && want !== null) {
    expect(Object.keys(got as object).sort(), path).toEqual(Object.keys(want).sort());
    for (const [k, w] of Object.entries(want)) same((got as Record<string, unknown>)[k], w, `${path}.${k}`);
  } else {
    expect(got, path).toBe(want);
  }
}

/** Counts the numbers that differ at all (bit for bit), to report how close "same" was. */
export function differing(got: unknown, want: unknown): number {
  if (typeof want === 'number') return Object.is(got, want) ? 0 : 1;
  if (Array.isArray(want)) return want.reduce((n: number, w, i) => n + differing((got as unknown[])[i], w), 0);
  if (typeof want === 'object' && want !== null)
    return Object.entries(want).reduce((n, [k, w]) => n + differing((got as Record<string, unknown>)?.[k], w), 0);
  return 0;
}
