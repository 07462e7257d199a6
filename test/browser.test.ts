// The library in the three browser engines users have — Chromium (V8), Firefox (SpiderMonkey) and
// WebKit (JavaScriptCore), each headless and driven as test/engines.ts says — through one suite:
// a Vite app built with no configuration imports `xentropy` and `xentropy/js`, runs every exported
// function on both entries in the page, in a module worker and in a classic worker
// (test/browser/: suite.js, main.js, worker.js), and reports the results to this test's server;
// they must equal Node's. The page and both workers must run on WASM (backend 'wasm', and a
// WebAssembly compilation observed).
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as wasm from 'xentropy';
import * as js from 'xentropy/js';
import { runSuite } from './browser/suite.js';
import { serve } from './chromium.js';
import { type Engine, engines, missing } from './engines.js';
import { expectRow } from './runs-on.js';
import { decode, differing, same } from './same.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  wasm: Record<string, unknown>;
  js: Record<string, unknown>;
  compiled: number;
}
interface Report {
  error?: string;
  page: Run;
  moduleWorker: Run & { kind: string };
  classicWorker: Run & { kind: string };
  userAgent: string;
  float16Array: boolean;
}

let app = '';
let server: Server | undefined;
let base = '';
/** Reports awaited from pages, by the `run` query parameter of the URL they were opened at. */
const waiting = new Map<string, (r: Report) => void>();
/** Each engine's run, all started at once (most of a browser's start is waiting, not computing). */
const runs = new Map<Engine, Promise<{ report: Report; version: string }>>();

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'xentropy-browser-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'xentropy'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  for (const f of ['index.html', 'main.js', 'worker.js', 'suite.js', 'count.js', 'report.js'])
    cpSync(join(root, 'test/browser', f), join(app, f));
  const { build } = await import('vite');
  await build({ root: app, logLevel: 'silent', configFile: false });
  const served = await serve(join(app, 'dist'), (url, body) => {
    const run = url.searchParams.get('run') ?? '';
    waiting.get(run)?.(decode(body) as Report);
    waiting.delete(run);
  });
  server = served.server;
  base = served.url;
  for (const engine of engines) {
    const run = runIn(engine);
    run.catch(() => {}); // reported by the engine's own beforeAll, not as an unhandled rejection
    runs.set(engine, run);
  }
}, 120_000);

afterAll(() => {
  server?.close();
  if (app) rmSync(app, { recursive: true, force: true });
});

/** Opens the app in a fresh browser of this engine and resolves to what the page reported. */
async function runIn(engine: Engine): Promise<{ report: Report; version: string }> {
  const why = missing(engine);
  if (why) throw new Error(`${why}; .ci/run installs it`);
  const run = engine.name;
  const reported = new Promise<Report>((resolve, reject) => {
    waiting.set(run, resolve);
    setTimeout(() => reject(new Error(`${engine.name}: the page reported nothing in 90 s`)), 90_000).unref();
  });
  const session = await engine.open(`${base}/?run=${run}`);
  try {
    const report = await reported;
    if (report.error) throw new Error(`${engine.name}: the page failed: ${report.error}`);
    return { report, version: session.version };
  } finally {
    await session.close();
  }
}

const node = { wasm: runSuite(wasm), js: runSuite(js) };

describe.each(engines.map((e) => [`${e.name} (${e.js})`, e] as const))('%s', (_, engine) => {
  let report: Report;
  let version: string;
  beforeAll(async () => {
    ({ report, version } = await (runs.get(engine) ?? Promise.reject(new Error('the app was not built'))));
  }, 120_000);

  test('the page runs xentropy on WASM (a module was compiled) and xentropy/js on TypeScript', () => {
    expect(report.page.wasm.backend).toBe('wasm');
    expect(report.page.js.backend).toBe('js');
    expect(report.page.compiled).toBeGreaterThan(0);
  });

  test('every exported function gives in the page what it gives in Node, on both entries', () => {
    same(report.page.wasm, node.wasm, 'page wasm');
    same(report.page.js, node.js, 'page js');
  });

  test.each(['module', 'classic'] as const)('a %s worker loads xentropy on WASM and gives the same results', (kind) => {
    const w = kind === 'module' ? report.moduleWorker : report.classicWorker;
    expect(w.kind).toBe(kind);
    expect(w.wasm.backend).toBe('wasm');
    expect(w.compiled).toBeGreaterThan(0);
    same(w.wasm, node.wasm, `${kind} worker wasm`);
    same(w.js, node.js, `${kind} worker js`);
  });

  test('the README\'s "Runs on" row says what ran: the version (or an older one), the backend, Float16Array', () => {
    const runs = [report.page, report.moduleWorker, report.classicWorker];
    const bitForBit = runs.every((r) => differing(r.wasm, node.wasm) + differing(r.js, node.js) === 0);
    const backend = report.page.wasm.backend as string;
    console.log(
      `${engine.name} ${version} (${engine.js}): backend ${backend}; Float16Array ${report.float16Array ? 'yes' : 'no'}; ${bitForBit ? 'bit for bit equal to Node 20' : 'equal to Node 20 within 4e-16'}`,
    );
    // Debian's browser packages move on their own: the row names the version tested when written.
    const major = engine.name === 'WebKit' ? version.split('.').slice(0, 2).join('.') : version.split('.')[0];
    expectRow(engine.readme, { engine: engine.js, version: major, backend, float16Array: report.float16Array ? 'yes' : 'no' }, false);
  });
});

test('the suite is not vacuous: it covers every function, and errors are reported', () => {
  const w = node.wasm as Record<string, unknown>;
  expect(w.error).toMatch(/^RangeError: xentropy\.entropy: "p"\[1\] must be a non-negative number/);
  // every function has its entry in the suite's result (under its name, or the name of what it makes)
  const recordedAs: Record<string, string> = { slidingWindows: 'windows', accumulator: 'accumulated', restoreAccumulator: 'accumulated' };
  for (const fn of Object.keys(wasm))
    if (!['backend', 'alloc', 'free', 'refresh'].includes(fn)) expect(w).toHaveProperty(recordedAs[fn] ?? fn);
  expect(w.zeroCopy).toBeGreaterThan(0);
});
