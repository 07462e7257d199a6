// The published artifact: `npm pack`, then `npm install ./xentropy-*.tgz` in an empty folder,
// and both entries work there — from ESM and CommonJS — with the .wasm inside the package.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir = '';
let files: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xentropy-pack-'));
  // dist/ was built by `npm test`; --ignore-scripts keeps pack from building it again.
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed[0].files.map((f) => f.path);
  const app = join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', join(dir, packed[0].filename)], { cwd: app, stdio: 'pipe' });
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the compiled .wasm, JS and declarations, and no sources or tests', () => {
  expect(files).toContain('dist/index.js');
  expect(files).toContain('dist/generated/wasm-bytes.js'); // the module, inlined
  expect(files).not.toContain('dist/xentropy.wasm'); // not needed at run time
  expect(files).toContain('dist/js.js');
  expect(files).toContain('dist/js.d.ts');
  expect(files).toContain('package.json');
  expect(files).toContain('README.md');
  expect(files.filter((f) => /^(src|assembly|test|bench)\//.test(f))).toEqual([]);
});

test('the package has no runtime dependencies', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(pkg.dependencies ?? {}).toEqual({});
});

test('installed from the tarball, both entries work from ESM', () => {
  const script = `
    import * as x from 'xentropy';
    import * as j from 'xentropy/js';
    const p = [0.5, 0.5], q = [0.9, 0.1];
    console.log(JSON.stringify([x.backend, j.backend, x.klDivergence(p, q), j.klDivergence(p, q)]));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(dir, 'app'), encoding: 'utf8' }));
  const kl = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);
  expect(out[0]).toBe('wasm');
  expect(out[1]).toBe('js');
  expect(out[2]).toBeCloseTo(kl, 15);
  expect(out[3]).toBeCloseTo(kl, 15);
});

test('installed from the tarball, both entries work from CommonJS require()', () => {
  const script = `const x = require('xentropy'), j = require('xentropy/js');
    console.log(x.backend, j.backend, x.entropy([0.25, 0.25, 0.25, 0.25], { base: 2 }), j.entropy([0.25, 0.25, 0.25, 0.25], { base: 2 }));`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: join(dir, 'app'), encoding: 'utf8' });
  expect(out.trim()).toBe('wasm js 2 2');
});
