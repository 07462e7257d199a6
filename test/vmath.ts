// Compiles assembly/testing.ts (the accuracy sweeps over assembly/vmath.ts) into a test-only
// module with the release build's flags, once per test file, into a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Sweeps {
  sweepLog32(from: number, to: number): number;
  sweepExp32(from: number, to: number): number;
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
