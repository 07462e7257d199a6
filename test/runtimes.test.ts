// The library on the other runtimes users have: Bun, Deno, Node 22 and Node 24, whose binaries
// come from the npm registry (test/compat/, installed by test/compat/ensure.mjs before vitest).
// In an app folder where `xentropy` is installed, each runtime loads both entries through
// `import` (test/runtimes/esm.mjs) and through `require` (cjs.cjs), runs the browser suite on each
// (every exported function, test/browser/suite.js), and the values must equal Node 20's here.
// The matrix it prints, and whether the runtime has Float16Array, back the README's "Runs on".
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as wasm from 'xentropy';
import * as js from 'xentropy/js';
import { runSuite } from './browser/suite.js';
import { expectRow } from './runs-on.js';
import { decode, differing, same } from './same.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const compat = join(root, 'test/compat');
const lock = JSON.parse(readFileSync(join(compat, 'package-lock.json'), 'utf8')).packages as Record<string, { version: string }>;
const pinned = (name: string) => lock[`node_modules/${name}`].version;

const runtimes = [
  { name: 'Node', readme: 'Node.js', engine: 'V8', version: pinned('node22'), argv: [join(compat, 'node_modules/node22/bin/node')] },
  { name: 'Node', readme: 'Node.js', engine: 'V8', version: pinned('node24'), argv: [join(compat, 'node_modules/node24/bin/node')] },
  { name: 'Bun', readme: 'Bun', engine: 'JavaScriptCore', version: pinned('bun'), argv: [join(compat, 'node_modules/bun/bin/bun.exe')] },
  // No permissions at all: loading modules from node_modules needs none.
  {
    name: 'Deno',
    readme: 'Deno',
    engine: 'V8',
    version: pinned('deno'),
    argv: [join(compat, 'node_modules/deno/deno'), 'run', '--no-prompt'],
  },
];

interface Result {
  runtime: string;
  float16Array: boolean;
  wasm: Record<string, unknown>;
  js: Record<string, unknown>;
}

let app = '';
beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'xentropy-runtimes-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'xentropy'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { xentropy: '*' } }));
  for (const f of ['runtimes/esm.mjs', 'runtimes/cjs.cjs', 'browser/suite.js', 'browser/report.js'])
    cpSync(join(root, 'test', f), join(app, f.split('/')[1]));
});
afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

const run = promisify(execFile);
async function runScript(argv: string[], script: string): Promise<Result> {
  const { stdout } = await run(argv[0], [...argv.slice(1), script], { cwd: app, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });
  return decode(stdout.trim()) as Result;
}

const node = { wasm: runSuite(wasm), js: runSuite(js) };
const matrix: string[] = [];

describe.each(runtimes.map((r) => [`${r.name} ${r.version}`, r] as const))('%s', (label, runtime) => {
  let esm: Result;
  let cjs: Result;
  beforeAll(async () => {
    [esm, cjs] = await Promise.all([runScript(runtime.argv, 'esm.mjs'), runScript(runtime.argv, 'cjs.cjs')]);
  }, 120_000);

  test('it is the pinned version', () => {
    expect(esm.runtime).toBe(label);
    expect(cjs.runtime).toBe(label);
  });

  test.each(['import', 'require'] as const)('through %s, xentropy runs on WASM and every function equals Node 20', (how) => {
    const r = how === 'import' ? esm : cjs;
    expect(r.wasm.backend).toBe('wasm');
    expect(r.js.backend).toBe('js');
    same(r.wasm, node.wasm, `${how} wasm`);
    same(r.js, node.js, `${how} js`);
  });

  test('the README\'s "Runs on" row says what ran: this version, the backend, Float16Array', () => {
    const exact =
      differing(esm.wasm, node.wasm) + differing(esm.js, node.js) + differing(cjs.wasm, node.wasm) + differing(cjs.js, node.js) === 0;
    const f16 = esm.float16Array ? 'yes' : 'no';
    matrix.push(
      `${label}: backend ${esm.wasm.backend}, import and require; Float16Array ${f16}; ${exact ? 'bit for bit equal to Node 20' : 'equal to Node 20 within 4e-16'}`,
    );
    expectRow(
      runtime.readme,
      { engine: runtime.engine, version: runtime.version, backend: esm.wasm.backend as string, float16Array: f16 },
      true,
    );
  });
});

test('the README\'s "Runs on" row for Node 20 (this process, which runs every other test) says what runs here', () => {
  const f16 = typeof (globalThis as { Float16Array?: unknown }).Float16Array === 'function' ? 'yes' : 'no';
  matrix.push(`Node ${process.versions.node} (the reference): backend ${wasm.backend}; Float16Array ${f16}`);
  expectRow('Node.js', { engine: 'V8', version: process.versions.node, backend: wasm.backend, float16Array: f16 }, false);
});

afterAll(() => console.log(matrix.join('\n')));
