// The benchmark's quick mode (sizes 10^2, one iteration each) runs in CI so that it cannot rot:
// every implementation and peer still runs and the report and chart are written. It asserts
// nothing about time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

test('npm run bench -- --quick runs every case and writes BENCHMARKS.md and the SVG chart', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = mkdtempSync(join(tmpdir(), 'xentropy-bench-'));
  try {
    execFileSync(process.execPath, ['bench/run.mjs', '--quick', '--out', out], { cwd: root, stdio: 'pipe' });
    const md = readFileSync(join(out, 'BENCHMARKS.md'), 'utf8');
    for (const fn of ['entropy', 'crossEntropy', 'softmaxCrossEntropy', 'logSumExp', 'softmax']) expect(md).toContain(`### ${fn}`);
    expect(md).toContain('TF.js');
    expect(md).toContain('## Goals');
    const svg = readFileSync(join(out, 'throughput.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect((svg.match(/<polyline/g) ?? []).length).toBeGreaterThan(50);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);

test('npm run bench:lm -- --quick runs every case (the peers checked against tokenLogProbs) and prints the goal table', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = execFileSync(process.execPath, ['bench/lm.mjs', '--quick'], { cwd: root, encoding: 'utf8' });
  for (const c of [
    'tokenLogProbs + ranks',
    'tokenLogProbs, float16 logits',
    'hand-written log-softmax + pick',
    'TF.js wasm logSoftmax + gather',
  ])
    expect(out).toContain(`| ${c}`);
  expect(out).toContain('| tokenLogProbs ÷ softmaxCrossEntropy |');
}, 120_000);

test('npm run bench:weights -- --quick runs every case (label types and sampleWeight + grad) and prints the goal table', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = execFileSync(process.execPath, ['bench/weights.mjs', '--quick'], { cwd: root, encoding: 'utf8' });
  for (const c of ['Uint16Array labels', 'BigInt64Array labels', 'Int32Array labels, sampleWeight + grad']) expect(out).toContain(`| ${c}`);
  expect(out).toContain('| sampleWeight + grad ÷ grad alone |');
}, 120_000);

test('bench/scoring.mjs --quick runs every case (the peers checked against the library) and prints the goal table', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = execFileSync(process.execPath, ['bench/scoring.mjs', '--quick'], { cwd: root, encoding: 'utf8' });
  for (const c of ['topLogProbs k = 20', 'softmaxEntropy', 'TF.js wasm topk(logSoftmax), k = 5', 'hand-written ECE, 10^6 × 10'])
    expect(out).toContain(`| ${c}`);
  expect(out).toContain('| calibrationError ÷ logSumExp (10^6 × 10) |');
}, 120_000);
