// The demo page (demo/, `npm run demo`) in real Chromium: built with Vite, served on localhost,
// it must show the numbers the library computes. The test moves controls (a p slider, the units,
// a preset, the ŷ slider), checks every shown value against xentropy in Node on the distributions
// the page reports, and saves the screenshot the README shows (docs/demo.png).
import { execFileSync } from 'node:child_process';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { binaryCrossEntropy, calibrationError, crossEntropy, entropy, fitTemperature, jsDivergence, klDivergence } from 'xentropy';
import { launch, serve } from './chromium.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let browser: Browser;
let server: Server;
let page: Page;

beforeAll(async () => {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'demo/vite.config.js', '--logLevel', 'silent'],
    { cwd: root },
  );
  const served = await serve(join(root, 'demo/dist'));
  server = served.server;
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  await page.goto(`${served.url}/`);
  await page.waitForSelector('body[data-ready="true"]');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

// Inputs of 5 elements run on the TS kernels (below every crossover), whose Math.log is
// the engine's: Chromium's and Node's V8 may differ by an ulp, hence 1e-15 relative, not equality.
function near(got: number, want: number) {
  if (!Number.isFinite(want)) expect(got).toBe(want);
  else expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(want)));
}

async function shown(): Promise<{ p: number[]; q: number[]; m: Record<string, number> }> {
  return page.evaluate(() => {
    const m: Record<string, number> = {};
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('td[data-m], strong[data-m]')))
      m[el.dataset.m!] = Number(el.dataset.value);
    return { p: JSON.parse(document.body.dataset.p!), q: JSON.parse(document.body.dataset.q!), m };
  });
}

async function expectLibraryNumbers(base?: number) {
  const { p, q, m } = await shown();
  near(m.Hp, entropy(p, { base }));
  near(m.Hq, entropy(q, { base }));
  near(m.Hpq, crossEntropy(p, q, { base }));
  near(m.Hqp, crossEntropy(q, p, { base }));
  near(m.KLpq, klDivergence(p, q, { base }));
  near(m.KLqp, klDivergence(q, p, { base }));
  near(m.JS, jsDivergence(p, q, { base }));
  near(m.Hpq, m.Hp + m.KLpq); // what the stacked bar shows, to rounding
  return { p, q, m };
}

test("the demo runs on WebAssembly and shows the library's numbers", async () => {
  expect(await page.getAttribute('#backend', 'data-value')).toBe('wasm');
  await expectLibraryNumbers();
});

test('moving a p slider renormalises p and updates every number', async () => {
  const before = await shown();
  await page.locator('input[data-dist="p"][data-i="4"]').fill('90');
  const after = await expectLibraryNumbers();
  expect(after.p).not.toEqual(before.p);
  expect(after.p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
  expect(after.m.KLpq).not.toBe(before.m.KLpq);
  expect(after.m.KLpq).not.toBe(after.m.KLqp); // the asymmetry the page points out
  expect(await page.textContent('#asym')).toMatch(/KL is not symmetric/);
});

test('units in bits, and the identical preset gives KL = 0', async () => {
  await page.selectOption('#units', 'bits');
  await expectLibraryNumbers(2);
  await page.selectOption('#preset', 'same');
  const { m } = await expectLibraryNumbers(2);
  expect(m.KLpq).toBe(0);
  expect(m.JS).toBe(0);
  await page.selectOption('#preset', 'default');
});

test('the logistic loss panel shows −log ŷ for y = 1 and −log(1−ŷ) for y = 0', async () => {
  await page.locator('#yhat').fill('0.2');
  const v1 = Number(await page.getAttribute('strong[data-m="bce"]', 'data-value'));
  near(v1, binaryCrossEntropy([0.2], [1]));
  near(v1, -Math.log(0.2));
  await page.selectOption('#y', '0');
  const v0 = Number(await page.getAttribute('strong[data-m="bce"]', 'data-value'));
  near(v0, -Math.log1p(-0.2));
  await page.selectOption('#y', '1');
  await page.locator('#yhat').fill('0.7');
});

test('the reliability diagram shows calibrationError of its example, before and after fitTemperature', async () => {
  const data = JSON.parse((await page.getAttribute('body', 'data-calibration'))!) as {
    classes: number;
    logits: number[];
    labels: number[];
  };
  const options = { classes: data.classes, fromLogits: true, bins: 10 };
  const T = Number(await page.getAttribute('#temperature', 'data-value'));
  // fitTemperature in f64 on the TS and WASM paths alike (the API layer's pass): to its 1e-9 relative
  expect(Math.abs(T - fitTemperature(data.logits, data.labels, { classes: data.classes }).temperature)).toBeLessThanOrEqual(1e-9 * T);
  expect(T).toBeGreaterThan(1.5); // the example's logits are 2.5× too large
  const before = Number(await page.getAttribute('#ece', 'data-value'));
  near(before, calibrationError(data.logits, data.labels, options));
  expect(await page.locator('#reliability rect.bin').count()).toBeGreaterThan(3);
  await page.locator('#scaled').check();
  const after = Number(await page.getAttribute('#ece', 'data-value'));
  // the scaled logits: the page's x / T against Node's, on T within 1e-9: ECE within 1e-6
  expect(
    Math.abs(
      after -
        calibrationError(
          data.logits.map((v) => v / T),
          data.labels,
          options,
        ),
    ),
  ).toBeLessThanOrEqual(1e-6);
  expect(after).toBeLessThan(before);
  await page.locator('#scaled').uncheck();
});

test('screenshot for the README (docs/demo.png)', async () => {
  await page.selectOption('#units', 'nats');
  await page.locator('input[data-dist="p"][data-i="4"]').fill('8');
  const png = await page.screenshot({ path: join(root, 'docs/demo.png'), fullPage: true });
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.length).toBeGreaterThan(20_000);
});
