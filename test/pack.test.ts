// The published artifact, as careful users check it: `npm pack`, then `npm install` of the tarball
// in an empty folder (no warning), both entries from ESM and CommonJS there; publint --strict and
// @arethetypeswrong/cli on the tarball; TypeScript consumers under every `module` /
// `moduleResolution` (the oldest supported TypeScript, 5.0, included); editor hovers; maps.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as wasmEntry from 'xentropy';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const bin = (name: string) => join(root, 'node_modules/.bin', name);
const TSC_OLDEST = join(root, 'test/compat/node_modules/typescript/bin/tsc'); // 5.0.4 (test/compat)
let dir = '';
let tarball = '';
let installed = ''; // app/node_modules/xentropy: the package as a user has it
let installLog = '';
let files: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xentropy-pack-'));
  // dist/ was built by `npm test`; --ignore-scripts keeps pack from building it again (prepack).
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed[0].files.map((f) => f.path);
  tarball = join(dir, packed[0].filename);
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--offline', tarball], { cwd: app, encoding: 'utf8' });
  installLog = r.stdout + r.stderr;
  expect(r.status, installLog).toBe(0);
  installed = join(app, 'node_modules', 'xentropy');
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the JS with its maps, the declarations with theirs, the sources they point at, and no tests', () => {
  for (const f of ['dist/index.js', 'dist/index.js.map', 'dist/index.d.ts', 'dist/index.d.ts.map', 'dist/js.js', 'dist/js.d.ts'])
    expect(files).toContain(f);
  expect(files).toContain('dist/generated/wasm-bytes.js'); // the module, inlined
  expect(files).not.toContain('dist/xentropy.wasm'); // not needed at run time
  for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'src/index.ts', 'src/js.ts']) expect(files).toContain(f);
  expect(files.filter((f) => /^(assembly|test|bench|demo|scripts|examples|docs)\//.test(f))).toEqual([]);
});

test('every source map and declaration map points at files that are in the package', () => {
  const maps = files.filter((f) => f.endsWith('.map'));
  expect(maps.length).toBeGreaterThanOrEqual(2 * files.filter((f) => f.endsWith('.js')).length);
  for (const m of maps) {
    const map = JSON.parse(readFileSync(join(installed, m), 'utf8')) as { sources: string[] };
    expect(map.sources.length, m).toBeGreaterThan(0);
    for (const s of map.sources) expect(existsSync(resolve(installed, dirname(m), s)), `${m} → ${s}`).toBe(true);
  }
  for (const js of files.filter((f) => f.endsWith('.js'))) {
    expect(readFileSync(join(installed, js), 'utf8'), js).toMatch(/\/\/# sourceMappingURL=[\w.-]+\.js\.map\s*$/);
  }
});

test('the package has no runtime dependencies and no install scripts; installing it prints no warning', () => {
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  expect(pkg.dependencies ?? {}).toEqual({});
  for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts ?? {}, s).not.toHaveProperty(s);
  expect(installLog).not.toMatch(/warn/i);
});

test('dist/generated/wasm-bytes.d.ts declares a string, not the 65 KB module as a literal type', () => {
  const dts = readFileSync(join(installed, 'dist/generated/wasm-bytes.d.ts'), 'utf8');
  expect(dts).toMatch(/export declare const WASM_BASE64: string;/);
  expect(dts.length).toBeLessThan(200);
});

test('installed from the tarball, both entries work from ESM', () => {
  const script = `
    import * as x from 'xentropy';
    import * as j from 'xentropy/js';
    const p = [0.5, 0.5], q = [0.9, 0.1];
    console.log(JSON.stringify([x.backend, j.backend, x.klDivergence(p, q), j.klDivergence(p, q)]));`;
  const out = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: join(dir, 'app'), encoding: 'utf8' }),
  );
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

test('publint --strict finds nothing in the tarball', () => {
  const r = spawnSync(bin('publint'), ['run', tarball, '--strict'], { encoding: 'utf8' });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toMatch(/All good!/);
});

test('arethetypeswrong: every entry resolves under node10, node16 from ESM and bundler; the one problem is the ESM-only decision', () => {
  const r = spawnSync(bin('attw'), [tarball, '--format', 'json'], { encoding: 'utf8' });
  const { analysis } = JSON.parse(r.stdout) as { analysis: { problems: { kind: string; entrypoint: string; resolutionKind: string }[] } };
  // ESM only (README, "Install"): a CommonJS file compiled with `module: node16` or `node18` may
  // only import() it. TypeScript ≥ 5.8 with `module: nodenext` (or 5.9's `node20`) allows
  // require() of it, as Node ≥ 20.19 does; attw's node16 mode predates that.
  expect(analysis.problems).toEqual([
    { kind: 'CJSResolvesToESM', entrypoint: '.', resolutionKind: 'node16-cjs' },
    { kind: 'CJSResolvesToESM', entrypoint: './js', resolutionKind: 'node16-cjs' },
  ]);
  expect(r.status).toBe(1); // attw's exit status for a problem, which `--ignore-rules cjs-resolves-to-esm` turns to 0
});

// A consumer that uses both entries, their types (overloads by reduction) and a type error that
// must stay one. Compiled with skipLibCheck off, so the package's own .d.ts files are checked
// (skipDefaultLibCheck on: TypeScript's own lib files need no checking here).
const consumer = `import { alloc, backend, entropy, softmaxCrossEntropy, type Values } from 'xentropy';
import * as js from 'xentropy/js';
declare const console: { log(s: string): void };
const p: Values = [0.5, 0.5];
const h: number = entropy(p);
const rows: Float64Array = js.entropy(p, { classes: 1, reduction: 'none' });
const loss: number = softmaxCrossEntropy([1, 2], [1], { classes: 2 });
const buf: Float32Array = alloc(Float32Array, 4);
const b: 'wasm' | 'js' = backend;
try {
  // @ts-expect-error an unknown reduction is a type error
  entropy(p, { reduction: 'avg' });
} catch {}
console.log(JSON.stringify([b, h, rows[0], loss, buf.length]));
`;

interface Consumer {
  type: 'module' | 'commonjs';
  options: Record<string, string>;
  /** Whether it compiles; the ones that do not fail with TS1479 (CommonJS cannot require it). */
  ok: boolean;
}
const consumers: Consumer[] = [
  { type: 'module', options: { module: 'nodenext' }, ok: true },
  { type: 'module', options: { module: 'node16' }, ok: true },
  { type: 'module', options: { module: 'esnext', moduleResolution: 'bundler' }, ok: true },
  { type: 'commonjs', options: { module: 'commonjs', moduleResolution: 'node10' }, ok: true },
  { type: 'commonjs', options: { module: 'node16' }, ok: false },
];
const current: Consumer[] = [
  ...consumers,
  { type: 'module', options: { module: 'preserve' }, ok: true }, // TypeScript ≥ 5.4
  { type: 'commonjs', options: { module: 'node18' }, ok: false }, // ≥ 5.8
  { type: 'commonjs', options: { module: 'nodenext' }, ok: true }, // ≥ 5.8: require() of ESM
  { type: 'commonjs', options: { module: 'node20' }, ok: true }, // ≥ 5.9
];

type TS = typeof ts;
const oldest = createRequire(TSC_OLDEST)('../lib/typescript.js') as TS;
/** The standard library's parsed files, shared by every compilation with the same compiler. */
const libs = new Map<TS, Map<string, ts.SourceFile | undefined>>();

/** Compiles the consumer in its own folder with the compiler `tsc`; the diagnostics as "TSnnnn: text". */
function compile(tsc: TS, c: Consumer, emit = false): { errors: string[]; dir: string } {
  const d = mkdtempSync(join(dir, 'ts-'));
  mkdirSync(join(d, 'node_modules'));
  symlinkSync(installed, join(d, 'node_modules', 'xentropy'), 'dir');
  writeFileSync(join(d, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: c.type }));
  writeFileSync(join(d, 'consumer.ts'), consumer);
  const config = {
    compilerOptions: {
      ...c.options,
      strict: true,
      skipDefaultLibCheck: true,
      target: 'es2022',
      lib: ['es2022'],
      types: [],
      outDir: 'out',
      noEmit: !emit,
    },
  };
  const parsed = tsc.parseJsonConfigFileContent(config, tsc.sys, d);
  const text = (m: ts.Diagnostic) => `TS${m.code}: ${tsc.flattenDiagnosticMessageText(m.messageText, ' ')}`;
  if (parsed.errors.length) return { errors: parsed.errors.map(text), dir: d };
  const host = tsc.createCompilerHost(parsed.options);
  const cache = libs.get(tsc) ?? new Map();
  libs.set(tsc, cache);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (file, ...rest) => {
    if (!/[\\/]typescript[\\/]lib[\\/]/.test(file)) return read(file, ...rest);
    if (!cache.has(file)) cache.set(file, read(file, ...rest));
    return cache.get(file);
  };
  const program = tsc.createProgram([join(d, 'consumer.ts')], parsed.options, host);
  const errors = tsc.getPreEmitDiagnostics(program).map(text);
  if (emit && errors.length === 0) program.emit();
  return { errors, dir: d };
}

describe.each([
  [`TypeScript ${ts.version} (the project's)`, ts, current],
  [`TypeScript ${oldest.version} (the oldest supported)`, oldest, consumers],
] as const)('%s', (_, tsc, cases) => {
  test.each(cases.map((c) => [`a ${c.type === 'module' ? 'ESM' : 'CommonJS'} project, ${JSON.stringify(c.options)}`, c] as const))(
    '%s',
    (_, c) => {
      const { errors } = compile(tsc, c);
      if (c.ok) expect(errors).toEqual([]);
      else {
        expect(errors.length).toBeGreaterThan(0);
        for (const e of errors) expect(e).toMatch(/^TS1479: The current file is a CommonJS module/);
      }
    },
  );
});

test('a CommonJS TypeScript project (module commonjs) compiles to require() calls that run on Node ≥ 20.19', () => {
  const r = compile(ts, consumers[3], true);
  expect(r.errors).toEqual([]);
  const js = readFileSync(join(r.dir, 'out/consumer.js'), 'utf8');
  expect(js).toMatch(/require\("xentropy"\)/);
  const out = JSON.parse(execFileSync(process.execPath, [join(r.dir, 'out/consumer.js')], { cwd: r.dir, encoding: 'utf8' }));
  expect(out).toEqual(['wasm', Math.LN2, Math.LN2 / 2, expect.any(Number), 4]);
});

/**
 * Hover text (TypeScript's quick info, as editors show it) at each `name(` of a consumer file per
 * entry, from one language service.
 */
function hovers(entries: string[], names: string[]): Map<string, Map<string, { doc: string; examples: string[] }>> {
  const d = join(dir, 'app');
  const sources = new Map(
    entries.map((entry) => [
      join(d, `hover-${entry.replace('/', '-')}.ts`),
      `import { ${names.join(', ')} } from '${entry}';\n${names.map((n) => `${n}(`).join(');\n')});\n`,
    ]),
  );
  for (const [file, text] of sources) writeFileSync(file, text);
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
  };
  const host: ts.LanguageServiceHost = {
    getScriptFileNames: () => [...sources.keys()],
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => (ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f) ?? '') : undefined),
    getCurrentDirectory: () => d,
    getCompilationSettings: () => options,
    getDefaultLibFileName: ts.getDefaultLibFilePath,
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
    realpath: ts.sys.realpath,
  };
  const service = ts.createLanguageService(host);
  const result = new Map<string, Map<string, { doc: string; examples: string[] }>>();
  entries.forEach((entry, i) => {
    const [file, text] = [...sources][i];
    const shown = new Map<string, { doc: string; examples: string[] }>();
    for (const n of names) {
      const info = service.getQuickInfoAtPosition(file, text.indexOf(`\n${n}(`) + 1);
      shown.set(n, {
        doc: ts.displayPartsToString(info?.documentation),
        examples: (info?.tags ?? []).filter((t) => t.name === 'example').map((t) => ts.displayPartsToString(t.text)),
      });
    }
    result.set(entry, shown);
  });
  service.dispose();
  return result;
}

const functions = Object.keys(wasmEntry).filter((n) => n !== 'backend');

test('hovering an export of xentropy or xentropy/js in an editor shows its doc comment and @example', () => {
  for (const [entry, shown] of hovers(['xentropy', 'xentropy/js'], functions)) {
    for (const [n, h] of shown) {
      expect(h.doc.length, `${entry} ${n}`).toBeGreaterThan(20);
      expect(h.examples.length, `${entry} ${n}`).toBeGreaterThan(0);
      expect(h.examples.join('\n'), `${entry} ${n}`).toContain(`${n}(`);
    }
    expect(shown.get('entropy')?.doc).toMatch(/^Shannon entropy per row/);
    expect(shown.get('softmaxCrossEntropy')?.doc).toMatch(/F\.cross_entropy/);
    expect(shown.get('alloc')?.doc).toMatch(/in WASM\s+memory/);
  }
});

test('both entries carry the same doc comment on every export', () => {
  const docs = (f: string) => {
    const m = new Map<string, string>();
    for (const [, doc, name] of readFileSync(join(installed, f), 'utf8').matchAll(/(\/\*\*[\s\S]*?\*\/)\s*export declare const (\w+)/g))
      m.set(name, doc);
    return m;
  };
  const wasm = docs('dist/index.d.ts');
  expect([...wasm.keys()].sort()).toEqual(Object.keys(wasmEntry).sort());
  expect(docs('dist/js.d.ts')).toEqual(wasm);
});

test('README links work where it is read, npm included (which has no BENCHMARKS.md or images): in-page anchors or absolute URLs', () => {
  const full = readFileSync(join(installed, 'README.md'), 'utf8');
  const readme = full.replace(/```[\s\S]*?```/g, '');
  // GitHub's (and npm's) heading ids: lower case, punctuation dropped, spaces to hyphens.
  const slug = (h: string) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
  const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map(([, h]) => slug(h)));
  const targets = [...readme.matchAll(/!?\[[^\]]*\]\(([^)\s]+)[^)]*\)/g)].map(([, t]) => t);
  expect(targets.length).toBeGreaterThan(0);
  for (const t of targets) {
    if (t.startsWith('#')) expect(anchors, t).toContain(t.slice(1));
    else expect(t).toMatch(/^https:\/\//);
  }
  expect(full).toMatch(/^npm install xentropy$/m); // the install line, for users
});
