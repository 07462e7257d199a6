// Hostile fuzzing: otherwise valid random calls of every function, with hostile wrappers drawn by
// fast-check around their arrays, options and output buffers (test/hostile-arbitraries.ts:
// getters, Proxies, subclasses with lying accessors or overridden methods, resizable buffers
// shrunk mid-call, SharedArrayBuffer aliasing through structuredClone, alloc arrays freed or
// detached mid-call, re-entrant calls from getters and methods), on every binding. Each call must
//   - with transparent wrappers only: give exactly the honest call's result (or its own error);
//   - otherwise: give the honest result (before or, for buffers resized mid-call, after the
//     change), or the library's named TypeError/RangeError ("xentropy.<fn>: …" naming an argument
//     or option, never an element of valid data); a freed alloc array must be a named error;
// and leave its inputs unmodified; and a known-good call afterwards must still give exactly what it
// gave when the file started (no scratch, allocator or view state leaked).
//
//   npx vitest run test/fuzz-hostile.test.ts     a seeded quick mode: QUICK_RUNS calls in all
//   FUZZ_RUNS=100000 npx vitest run test/fuzz-hostile.test.ts   FUZZ_RUNS calls from a random
//                                                 seed (FUZZ_SEED to replay), split over the bindings
import fc from 'fast-check';
import { describe, test } from 'vitest';
import { type Entry, entries } from './entries.js';
import { build, type HostileCase, hostileCase } from './hostile-arbitraries.js';
import {
  call,
  describeOutcome,
  expectKnownGood,
  knownGood,
  type Outcome,
  outcome,
  poison,
  sameValue,
  snapshot,
} from './hostile-helpers.js';

const START = new Map(entries.map(([name, m]) => [name, knownGood(m)]));

const QUICK_RUNS = 3000;
const runs = Number(process.env.FUZZ_RUNS ?? QUICK_RUNS);
const seed = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) : 20261125;
const perEntry = Math.ceil(runs / entries.length);

/** An element-level complaint: never right for valid data. */
const ELEMENT = /"\w+"\[\d+\]/;

function sameError(a: Outcome, b: Outcome): boolean {
  if (a.ok || b.ok) return false;
  const x = a.error as Error;
  const y = b.error as Error;
  return x instanceof Error && y instanceof Error && x.constructor === y.constructor && x.message === y.message;
}

function named(o: Outcome, fn: string, names: string[]): boolean {
  if (o.ok) return false;
  const e = o.error as Error;
  if (!(e instanceof TypeError || e instanceof RangeError) || (e.constructor !== TypeError && e.constructor !== RangeError)) return false;
  if (!e.message.startsWith(`xentropy.${fn}: `) || ELEMENT.test(e.message)) return false;
  return names.some((n) => e.message.includes(`"${n}"`));
}

function check(entry: string, m: Entry, h: HostileCase): void {
  const b = build(m, h);
  const problems: string[] = [];
  try {
    const want = outcome(() => call(m, b.fn, ...b.honestArgs));
    const honestOut = b.outputs.map(([, o]) => snapshot(o));
    poison(m); // the hostile call runs on scratch full of data no call here uses
    const got = outcome(() => call(m, b.fn, ...b.hostileArgs));
    const after = b.honestAfter ? outcome(() => call(m, b.fn, ...b.honestAfter!())) : null;
    const outputsHonest = () => b.outputs.every(([o], i) => sameValue(snapshot(o), honestOut[i]));
    const isNamed = named(got, b.fn, b.names);
    if (b.mustFail) {
      if (!isNamed) problems.push(`a freed or provably aliased buffer must be a named error; got ${describeOutcome(got)}`);
    } else if (b.hostile.length === 0) {
      if (want.ok ? !(got.ok && sameValue(got.value, want.value) && outputsHonest()) : !sameError(got, want)) {
        problems.push(
          `transparent wrappers only: expected ${describeOutcome(want)}${b.outputs.length ? ' (and the honest output buffer)' : ''}; got ${describeOutcome(got)}`,
        );
      }
    } else if (got.ok) {
      const honest =
        (want.ok && sameValue(got.value, want.value) && outputsHonest()) ||
        (after !== null && after.ok && sameValue(got.value, after.value));
      if (!honest)
        problems.push(
          `hostile ${b.hostile.join(', ')}: expected ${describeOutcome(want)}${after ? ` or ${describeOutcome(after)}` : ''}${b.outputs.length ? ' (and the honest output buffer)' : ''}, or a named error; got ${describeOutcome(got)}`,
        );
    } else if (!isNamed && !sameError(got, want) && !(after && sameError(got, after))) {
      problems.push(`hostile ${b.hostile.join(', ')}: expected the honest result or a named error; got ${describeOutcome(got)}`);
    }
    for (const [name, read, data] of b.inputs) {
      const now = read();
      if (now === null) continue;
      let same = now.length === data.length;
      for (let i = 0; same && i < data.length; i++) same = Object.is(now[i], data[i]);
      if (!same) problems.push(`input "${name}" was modified`);
    }
  } finally {
    b.cleanup();
  }
  try {
    expectKnownGood(m, START.get(entry)!);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length) throw new Error(`${b.fn}: ${problems.join('; ')}`);
}

describe.each(entries)('hostile fuzzing on %s', (entry, m) => {
  test(`${perEntry} hostile calls (seed ${seed})`, () => {
    fc.assert(
      fc.property(hostileCase, (h) => check(entry, m, h)),
      { seed, numRuns: perEntry, path: process.env.FUZZ_PATH }, // FUZZ_SEED and FUZZ_PATH (printed with a failure) replay it alone
    );
    if (process.env.FUZZ_RUNS) console.log(`fuzz-hostile on ${entry}: ${perEntry} calls, seed ${seed}: clean`);
  }, 3_600_000);
});
