// The README's "Runs on" table, which test/browser.test.ts and test/runtimes.test.ts check against
// what they ran: one row per runtime or browser, | name | JS engine | version | `backend` | Float16Array |.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface Row {
  name: string;
  engine: string;
  version: string;
  backend: string;
  float16Array: string;
}

export function runsOn(): Row[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## Runs on$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\| ([^|`-][^|]*?) \| (V8|SpiderMonkey|JavaScriptCore) \| ([\d.]+) \| `(\w+)` \| (yes|no) \|$/gm)].map(
    ([, name, engine, version, backend, float16Array]) => ({ name, engine, version, backend, float16Array }),
  );
}

const parts = (v: string) => v.split('.').map(Number);
/** a ≥ b, comparing dotted versions numerically. */
export function atLeast(a: string, b: string): boolean {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return true;
}

/**
 * The README row named `name` states what was measured. `exact`: the version is pinned (a
 * lockfile) and must be the one stated; otherwise (Debian's browsers, the machine's Node) it is
 * updated outside this repository, and the version tested must be at least the one stated (the
 * row of the same major version, for Node; Debian's browsers change majors: the row of the name).
 */
export function expectRow(name: string, tested: Omit<Row, 'name'>, exact: boolean): void {
  const major = (v: string) => v.split('.')[0];
  const rows = runsOn().filter(
    (r) => r.name === name && (exact ? r.version === tested.version : name !== 'Node.js' || major(r.version) === major(tested.version)),
  );
  const line = `| ${name} | ${tested.engine} | ${tested.version} | \`${tested.backend}\` | ${tested.float16Array} |`;
  expect(rows.length, `README "Runs on" needs the row ${line}`).toBe(1);
  const [row] = rows;
  expect(row.engine, line).toBe(tested.engine);
  expect(row.backend, line).toBe(tested.backend);
  expect(row.float16Array, line).toBe(tested.float16Array);
  if (!exact) expect(atLeast(tested.version, row.version), `tested ${tested.version} < README's ${row.version}: ${line}`).toBe(true);
}
