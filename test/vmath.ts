// Compiles assembly/testing.ts (the accuracy sweeps over assembly/vmath.ts) into a test-only
// module, once per test file, into a temporary directory: -O3, SIMD and no asserts as the release
// build, but the `stub` runtime (the sweeps allocate nothing, and need no TLSF heap).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from './helpers.js';

export interface Sweeps {
  sweepLog32(from: number, to: number): number;
  sweepExp32(from: number, to: number): number;
  randomExpDiff32(n: number): number;
  sweepExpS32(from: number, to: number): number;
  randomExpDiffS32(n: number, mode: number): number;
  seed(s: bigint): void;
  randomLog64(n: number): number;
  randomExp64(n: number): number;
  one(fn: number, x: number): number;
  oneBeside(fn: number, x: number, other: number): number;
}

export function sweeps(): Sweeps {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const asc = createRequire(import.meta.url).resolve('assemblyscript/bin/asc.js');
  const out = join(mkdtempSync(join(tmpdir(), 'xentropy-vmath-')), 'testing.wasm');
  execFileSync(
    process.execPath,
    [asc, 'assembly/testing.ts', '-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--use', 'abort=', '-o', out],
    { cwd: root, stdio: 'pipe' },
  );
  return new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out)), {}).exports as unknown as Sweeps;
}

/** The bit pattern of an f32 value. */
export const bits32 = (x: number): number => new Uint32Array(Float32Array.of(x).buffer)[0];

/**
 * The largest distance, in representable doubles, between fn(x) and mpmath's correctly rounded
 * value for the fixture's inputs (test/fixtures/vmath.json, from gen_vmath.py).
 */
export function worstAgainstMpmath(f: (x: number) => number, fixture: { x: string; want: string }): bigint {
  const x = decode(fixture.x, 'f64');
  const want = decode(fixture.want, 'f64');
  let worst = 0n;
  for (let i = 0; i < x.length; i++) {
    const bits = new BigInt64Array(Float64Array.of(f(x[i]), want[i]).buffer);
    const d = bits[0] > bits[1] ? bits[0] - bits[1] : bits[1] - bits[0];
    if (d > worst) worst = d;
  }
  return worst;
}
