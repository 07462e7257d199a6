// What xentropy costs a web page, measured: the WASM module, and Vite production bundles (the
// module inlined) of an app that uses `xentropy` alone, both entries, and the demo page. The
// README's "Size" table must state these figures (within 3%: a kernel change need not touch the
// README, a stale figure does fail), and the bundle of both entries must stay within the budget the
// README states: growing past it fails until the README says otherwise.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Size {
  bytes: number;
  gzip: number;
}
const measure = (buf: Buffer): Size => ({ bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length });

/** Builds `main` as a Vite app importing the package (zero configuration); the size of its JS. */
async function bundle(main: string): Promise<Size> {
  const app = mkdtempSync(join(tmpdir(), 'xentropy-size-'));
  dirs.push(app);
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'xentropy'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="/main.js"></script>');
  writeFileSync(join(app, 'main.js'), main);
  const { build } = await import('vite');
  await build({ root: app, logLevel: 'silent', configFile: false });
  return jsOf(join(app, 'dist', 'assets'));
}

function jsOf(assets: string): Size {
  const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
  return measure(Buffer.concat(js.map((f) => readFileSync(join(assets, f)))));
}

const sizes: Record<string, Size> = {};

beforeAll(async () => {
  sizes.module = measure(readFileSync(join(root, 'dist/xentropy.wasm')));
  // Every export used, so that nothing is tree-shaken away.
  sizes.wasmEntry = await bundle(`import * as x from 'xentropy';\nglobalThis.x = x;\n`);
  sizes.bothEntries = await bundle(`import * as x from 'xentropy';\nimport * as j from 'xentropy/js';\nglobalThis.x = [x, j];\n`);
  const demo = mkdtempSync(join(tmpdir(), 'xentropy-demo-size-'));
  dirs.push(demo);
  const { build } = await import('vite');
  await build({ configFile: join(root, 'demo/vite.config.js'), logLevel: 'silent', build: { outDir: demo, emptyOutDir: true } });
  sizes.demo = jsOf(join(demo, 'assets'));
}, 120_000);

const kb = (n: number) => (n / 1000).toFixed(1);

/** The README's "Size" table: its rows, by their first cell, as [minified, gzipped] in bytes. */
function readmeSizes(): Map<string, [number, number]> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^### Size$/m)[1]?.split(/^#/m)[0] ?? '';
  const rows = new Map<string, [number, number]>();
  for (const [, what, min, gz] of section.matchAll(/^\| (.+?) \| ([\d.]+) KB \| ([\d.]+) KB \|$/gm))
    rows.set(what, [Number(min) * 1000, Number(gz) * 1000]);
  return rows;
}

const rows: [string, string][] = [
  ['the WASM module (`dist/xentropy.wasm`, inlined in the entry as base64)', 'module'],
  ['a page using `xentropy` (every export)', 'wasmEntry'],
  ['a page using both entries (every export)', 'bothEntries'],
  ['the demo page (`demo/`, the library included)', 'demo'],
];
const BUDGET = 'budget for a page using both entries (this test fails past it)';

test('the README states the measured sizes (within 3%)', () => {
  const stated = readmeSizes();
  const table = rows.map(([what, key]) => `| ${what} | ${kb(sizes[key].bytes)} KB | ${kb(sizes[key].gzip)} KB |`).join('\n');
  console.log(`measured (KB = 1000 bytes):\n${table}`);
  for (const [what, key] of rows) {
    const s = stated.get(what);
    expect(s, `README "Size" has no row "${what}"; measured:\n${table}`).toBeDefined();
    const [min, gz] = s ?? [0, 0];
    expect(Math.abs(min - sizes[key].bytes) / sizes[key].bytes, `${what}, minified; measured:\n${table}`).toBeLessThanOrEqual(0.03);
    expect(Math.abs(gz - sizes[key].gzip) / sizes[key].gzip, `${what}, gzipped; measured:\n${table}`).toBeLessThanOrEqual(0.03);
  }
});

test('a page using both entries stays within the size budget the README states', () => {
  const budget = readmeSizes().get(BUDGET);
  expect(budget, `README "Size" has no row "${BUDGET}"`).toBeDefined();
  const [min, gz] = budget ?? [0, 0];
  expect(
    sizes.bothEntries.bytes,
    'minified bundle over budget: shrink it, or raise the budget in the README and say why',
  ).toBeLessThanOrEqual(min);
  expect(
    sizes.bothEntries.gzip,
    'gzipped bundle over budget: shrink it, or raise the budget in the README and say why',
  ).toBeLessThanOrEqual(gz);
});

test('the figures are of real builds: the bundle holds the module, and both entries cost more than one', () => {
  expect(sizes.wasmEntry.bytes).toBeGreaterThan((sizes.module.bytes * 4) / 3); // base64 is 4/3 of the bytes
  expect(sizes.bothEntries.bytes).toBeGreaterThan(sizes.wasmEntry.bytes);
  expect(sizes.demo.bytes).toBeGreaterThan(sizes.wasmEntry.bytes);
});
