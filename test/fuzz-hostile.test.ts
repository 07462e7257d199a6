// Hostile fuzzing: otherwise valid random calls of every function, with hostile wrappers drawn by
// fast-check around their arrays, options and output buffers (test/hostile-arbitraries.ts:
// getters, Proxies, subclasses with lying accessors or overridden methods, resizable buffers
// shrunk mid-call, SharedArrayBuffer aliasing through structuredClone, alloc arrays freed or
// detached mid-call, re-entrant calls from getters and methods; float16 data as marked hostile
// Uint16Arrays; tokenLogProbs's `ranks` aliasing `out` or an input, shared, resized, detached), on
// every binding. Each call must
//   - with transparent wrappers only: give exactly the honest call's result (or its own error);
//   - otherwise: give the honest result (before or, for buffers resized mid-call, after the
//     change), or the library's named TypeError/RangeError ("xentropy.<fn>: …" naming an argument
//     or option, never an element of valid data); a freed or detached array, and an output that
//     provably shares memory with an input or with the other output, must be a named error;
// and leave its inputs unmodified (and, when it fails, its `grad` as it was: `grad` is written only
// when the call succeeds); and a known-good call afterwards must still give exactly what it gave
// when the file started (no scratch, allocator or view state leaked).
//
// A function with an accumulator is called through one in some cases: created with honest
// options, primed with the honest data, then `update` with the hostile arrays (and a hostile
// batch object). Its compute() must then equal that of one updated with the honest arrays (the
// same rules: exactly, or after the change), or the update must be a named error
// ("xentropy.<fn>: …" or "xentropy.accumulator('<fn>').update: …") that leaves the accumulator's
// state (toJSON) exactly as it was.
//
//   npx vitest run test/fuzz-hostile.test.ts     a seeded quick mode: QUICK_RUNS calls in all
//   FUZZ_RUNS=100000 npx vitest run test/fuzz-hostile.test.ts   FUZZ_RUNS calls from a random
//                                                 seed (FUZZ_SEED to replay), split over the bindings
import fc from 'fast-check';
import { describe, test } from 'vitest';
import { type Entry, entries } from './entries.js';
import { type Built, build, type HostileCase, hostileCase } from './hostile-arbitraries.js';
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

function named(o: Outcome, prefixes: string[], names: string[]): boolean {
  if (o.ok) return false;
  const e = o.error as Error;
  if (!(e instanceof TypeError || e instanceof RangeError) || (e.constructor !== TypeError && e.constructor !== RangeError)) return false;
  if (!prefixes.some((p) => e.message.startsWith(`xentropy.${p}: `)) || ELEMENT.test(e.message)) return false;
  return names.some((n) => e.message.includes(`"${n}"`));
}

type Acc = ReturnType<Entry['accumulator']>;

/** An accumulator's compute() as numbers (a perplexity accumulator's result, field by field). */
function computed(a: Acc): Float64Array {
  const r = a.compute() as number | Record<string, number>;
  return typeof r === 'number' ? Float64Array.of(r) : Float64Array.from(Object.keys(r).sort(), (k) => r[k]);
}

/**
 * How a case calls: the function itself, or an accumulator's update. An accumulator is created with
 * the case's honest options and primed with its honest data (unless that throws: then it starts
 * empty), so that a failed update has a state to leave unchanged.
 */
function runner(m: Entry, b: Built) {
  if (!b.accumulator) {
    return {
      honest: (args: unknown[]) => call(m, b.fn, ...args),
      prepare: () => {},
      hostile: () => call(m, b.fn, ...b.hostileArgs),
      unchanged: () => true,
    };
  }
  const { options } = b.accumulator;
  const primed = () => {
    const a = m.accumulator(b.fn as never, options as never) as Acc;
    try {
      (a.update as (...x: unknown[]) => unknown)(...b.honestArgs);
    } catch {
      a.reset();
    }
    return a;
  };
  let stateBefore = '';
  let acc: Acc | null = null;
  return {
    honest: (args: unknown[]) => {
      const a = primed();
      (a.update as (...x: unknown[]) => unknown)(...args);
      return computed(a);
    },
    /** made before poison() (priming computes), updated after */
    prepare: () => {
      acc = primed();
      stateBefore = JSON.stringify(acc.toJSON());
    },
    hostile: () => {
      (acc!.update as (...x: unknown[]) => unknown)(...b.hostileArgs);
      return computed(acc!);
    },
    /** a failed update must leave the state as it was */
    unchanged: () => JSON.stringify(acc!.toJSON()) === stateBefore,
  };
}

function check(entry: string, m: Entry, h: HostileCase): void {
  const b = build(m, h);
  const problems: string[] = [];
  try {
    const run = runner(m, b);
    const want = outcome(() => run.honest(b.honestArgs));
    const honestOut = b.outputs.map(([, o]) => snapshot(o));
    run.prepare();
    poison(m); // the hostile call runs on scratch full of data no call here uses
    const gradBefore = b.grad === null ? null : b.grad();
    const got = outcome(run.hostile);
    // `grad` is written only when the call succeeds (README, Loss semantics)
    if (!got.ok && gradBefore !== null && !sameValue(b.grad!(), gradBefore)) problems.push(`the failed call wrote "grad"`);
    if (!got.ok && !run.unchanged()) problems.push(`the failed update changed the accumulator's state`);
    const after = b.honestAfter ? outcome(() => run.honest(b.honestAfter!())) : null;
    const outputsHonest = () => b.outputs.every(([o], i) => sameValue(snapshot(o), honestOut[i]));
    const isNamed = named(got, b.prefixes, b.names);
    if (b.mustFail) {
      if (!isNamed) problems.push(`a freed, detached or provably aliased buffer must be a named error; got ${describeOutcome(got)}`);
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
  if (problems.length) throw new Error(`${b.accumulator ? `accumulator('${b.fn}').update` : b.fn}: ${problems.join('; ')}`);
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
