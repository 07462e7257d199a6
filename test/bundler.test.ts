// The browser build of `xentropy` (the exports map's `default` condition): it compiles the
// inlined WASM synchronously (no fetch, no top-level await), and a Vite app that imports it with
// no special configuration works. Here the built JavaScript runs in Node (with a `fetch` that
// would serve files, to show nothing needs it); test/browser.test.ts runs it in Chromium.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs an ES module in a fresh Node process where fetch reads files below `webRoot`. */
function runWithFileServer(moduleUrl: string, webRoot: string, body: string, setup = ''): string {
  const script = `
    ${setup}
    import { readFileSync } from 'node:fs';
    import { join } from 'node:path';
    globalThis.fetch = async (u) => {
      const url = new URL(u);
      const path = url.protocol === 'file:' && url.pathname.startsWith(${JSON.stringify(webRoot)}) ? url.pathname : join(${JSON.stringify(webRoot)}, url.pathname);
      try { return new Response(readFileSync(path), { headers: { 'content-type': 'application/wasm' } }); }
      catch { return new Response('not found', { status: 404 }); }
    };
    const m = await import(${JSON.stringify(moduleUrl)});
    ${body}`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
}

test('the browser entry compiles the inlined WASM synchronously: ready at import, nothing fetched', () => {
  const out = runWithFileServer(
    pathToFileURL(join(root, 'dist/index.js')).href,
    join(root, 'dist'),
    `console.log(m.backend, m.entropy([0.25, 0.25, 0.25, 0.25], { base: 2 }), m.softmaxCrossEntropy([0, 0], [1], { classes: 2 }) === Math.LN2)`,
  );
  expect(out).toBe('wasm 2 true');
});

test('the browser entry falls back to the TS kernels where WebAssembly is missing', () => {
  const out = runWithFileServer(
    pathToFileURL(join(root, 'dist/index.js')).href,
    '/nonexistent',
    `console.log(m.backend, m.entropy([0.5, 0.5]) === Math.LN2)`,
    `delete globalThis.WebAssembly;`,
  );
  expect(out).toBe('js true');
});

test('a Vite app importing xentropy with no configuration builds into one script and runs on WASM', async () => {
  const app = mkdtempSync(join(tmpdir(), 'xentropy-vite-'));
  dirs.push(app);
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'xentropy'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="/main.js"></script>');
  writeFileSync(
    join(app, 'main.js'),
    `import { backend, klDivergence } from 'xentropy';\nglobalThis.result = [backend, klDivergence([0.5, 0.5], [0.25, 0.75])];\n`,
  );
  const { build } = await import('vite');
  await build({ root: app, logLevel: 'silent', configFile: false });
  const assets = readdirSync(join(app, 'dist', 'assets'));
  expect(assets.some((f) => f.endsWith('.wasm'))).toBe(false); // inlined: nothing to fetch
  const main = assets.find((f) => f.endsWith('.js'));
  expect(main).toBeDefined();
  // Vite's modulepreload polyfill asks `document` whether the browser supports modulepreload.
  const out = runWithFileServer(
    pathToFileURL(join(app, 'dist', 'assets', main!)).href,
    join(app, 'dist'),
    `console.log(JSON.stringify(globalThis.result))`,
    `globalThis.document = { createElement: () => ({ relList: { supports: () => true } }) };`,
  );
  // ½·ln(4/3) correctly rounded (mpmath); the naive 0.5·log(0.5/0.25) + 0.5·log(0.5/0.75) is 1 ulp
  // below: KL takes log1p((p − q)/q) where p/q is near 1.
  const kl = 0.14384103622589045;
  expect(JSON.parse(out)).toEqual(['wasm', kl]);
}, 60_000);
