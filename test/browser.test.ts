// The library in real headless Chromium (Debian's chromium via playwright-core): a Vite app built
// with no configuration imports `xentropy` and `xentropy/js`, runs every exported function on
// both entries in the page and in a module Web Worker (test/browser/: suite.js, main.js,
// worker.js), and the results must equal Node's, value for value. The page and the worker must
// run on WASM (backend 'wasm', and a WebAssembly compilation observed).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, cpSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as wasm from 'xentropy';
import * as js from 'xentropy/js';
import { runSuite } from './browser/suite.js';
import { launch, serve } from './chromium.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let app: string;
let browser: Browser;
let server: Server;
let results: { page: { wasm: unknown; js: unknown; compiled: number }; worker: { wasm: unknown; js: unknown; compiled: number } };

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'xentropy-browser-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'xentropy'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  for (const f of ['index.html', 'main.js', 'worker.js', 'suite.js', 'count.js']) cpSync(join(root, 'test/browser', f), join(app, f));
  const { build } = await import('vite');
  await build({ root: app, logLevel: 'silent', configFile: false });
  const served = await serve(join(app, 'dist'));
  server = served.server;
  browser = await launch();
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(served.url + '/');
  await page.waitForFunction(() => document.body.textContent === 'done' || document.body.textContent === 'running', null, { timeout: 5000 });
  await page.waitForFunction(() => document.body.textContent === 'done', null, { timeout: 60_000 }).catch(() => {
    throw new Error(`the page did not finish: ${errors.join('; ')}`);
  });
  results = await page.evaluate(() => (window as unknown as { results: typeof results }).results);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  if (app) rmSync(app, { recursive: true, force: true });
});

const node = { wasm: runSuite(wasm), js: runSuite(js) };

/**
 * Deep equality with numbers within 4e-16·max(1, |want|) (two ulps near 1): the WASM kernels give
 * the same bits everywhere, but inputs under the 96-element crossover and the pure-TS entry use
 * the engine's Math.exp/Math.log, and Chromium's V8 and Node 20's differ by an ulp on some inputs.
 */
function same(got: unknown, want: unknown, path = ''): void {
  if (typeof want === 'number') {
    expect(typeof got, path).toBe('number');
    const g = got as number;
    if (Number.isNaN(want) || !Number.isFinite(want)) expect(Object.is(g, want), path).toBe(true);
    else if (Math.abs(g - want) > 4e-16 * Math.max(1, Math.abs(want))) expect.fail(`${path}: ${g} vs ${want}`);
  } else if (Array.isArray(want)) {
    expect((got as unknown[]).length, path).toBe(want.length);
    want.forEach((w, i) => same((got as unknown[])[i], w, `${path}[${i}]`));
  } else if (typeof want === 'object' && want !== null) {
    expect(Object.keys(got as object).sort(), path).toEqual(Object.keys(want).sort());
    for (const [k, w] of Object.entries(want)) same((got as Record<string, unknown>)[k], w, `${path}.${k}`);
  } else {
    expect(got, path).toBe(want);
  }
}

describe('Chromium', () => {
  test('the page runs xentropy on WASM (a module was compiled) and xentropy/js on TypeScript', () => {
    expect((results.page.wasm as { backend: string }).backend).toBe('wasm');
    expect((results.page.js as { backend: string }).backend).toBe('js');
    expect(results.page.compiled).toBeGreaterThan(0);
  });

  test('every exported function gives in the page exactly what it gives in Node, on both entries', () => {
    same(results.page.wasm, node.wasm, 'page wasm');
    same(results.page.js, node.js, 'page js');
  });

  test('a module Web Worker loads xentropy on WASM and gives the same results', () => {
    expect((results.worker.wasm as { backend: string }).backend).toBe('wasm');
    expect(results.worker.compiled).toBeGreaterThan(0);
    same(results.worker.wasm, node.wasm, 'worker wasm');
    same(results.worker.js, node.js, 'worker js');
  });

  test('the suite is not vacuous: it covers every function, and errors are reported', () => {
    const w = node.wasm as Record<string, unknown>;
    expect(w.error).toMatch(/^RangeError: xentropy\.entropy: "p"\[1\] must be a non-negative number/);
    for (const fn of Object.keys(wasm)) if (!['backend', 'alloc', 'free', 'refresh'].includes(fn)) expect(w).toHaveProperty(fn);
    expect(w.zeroCopy).toBeGreaterThan(0);
  });
});
