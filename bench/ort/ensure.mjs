// Installs ONNX Runtime (onnxruntime-web and onnxruntime-node, bench/ort/package.json) for
// bench/ort/run.mjs when it is missing or the lockfile changed: `npm run bench:ort` runs it first.
// A project of its own, so `npm install` of xentropy never fetches them. onnxruntime-node's
// postinstall would download GPU binaries from outside the npm registry (and fail here):
// ONNXRUNTIME_NODE_INSTALL=skip skips it; its CPU binary ships in the package. About 440 MB.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const stamp = new URL('node_modules/.xentropy-lock-sha256', import.meta.url);
const want = createHash('sha256')
  .update(readFileSync(new URL('package-lock.json', import.meta.url)))
  .digest('hex');
const files = [
  'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm',
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
];
const ok =
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8') === want &&
  (process.platform !== 'linux' || files.every((f) => existsSync(new URL(f, import.meta.url))));
if (!ok) {
  console.log('bench/ort: installing onnxruntime-web and onnxruntime-node (npm ci, ONNXRUNTIME_NODE_INSTALL=skip)…');
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund'], {
    cwd: dir,
    stdio: 'inherit',
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  writeFileSync(stamp, want);
}
