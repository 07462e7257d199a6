// The README's examples run as written, and the numbers in their comments are what they print.
// The comments' values were checked against SciPy (scipy.stats.entropy and
// scipy.spatial.distance.jensenshannon squared) when they were written.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README has runnable examples', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(3);
});

test.each(blocks.map((b, i) => [i + 1, b] as const))('README example %i runs and prints what its comments say', (_, code) => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' }).trimEnd().split('\n');
  const logs = code.split('\n').filter((l) => l.startsWith('console.log('));
  expect(out.length).toBe(logs.length);
  logs.forEach((line, i) => {
    const comment = /\/\/ (.*)$/.exec(line)?.[1] ?? '';
    const num = /^(-?\d+\.\d+)…/.exec(comment); // "1.0133… nats": the printed value starts so
    if (num) expect(out[i].startsWith(num[1]), `${out[i]} vs ${comment}`).toBe(true);
    const exact = /^(-?\d+(?:\.\d+)?)(?=[:\s]|$)/.exec(comment); // "100: …": printed exactly
    if (exact) expect(out[i]).toBe(exact[1]);
    const word = /^'(\w+)'/.exec(comment); // "'wasm'": printed exactly
    if (word) expect(out[i]).toBe(word[1]);
  });
});
