// ctcGreedyDecode and ctcBeamSearch against brute force on small T and C: every alignment (C^T
// of them) enumerated, its probability the product of its frames', collapsed (repeats merged,
// blanks dropped) to its label sequence; a sequence's probability is the sum over its alignments.
// The best alignment is the per-frame arg-max (greedy decoding's definition); with a beam wide
// enough to keep every prefix, prefix beam search is exact: its best sequences and their
// log-probabilities are brute force's, and equal −ctcLoss(…, 'none') of the sequence.
import { describe, expect, test } from 'vitest';
import { type Entry, entries } from './entries.js';
import { greedyReference, rng } from './helpers.js';

/** Random log-probabilities, [T, N, C] (or [N, T, C]), each frame normalised. */
function randomLogProbs(next: () => number, T: number, N: number, C: number, spread = 3): Float64Array {
  const x = new Float64Array(T * N * C);
  for (let r = 0; r < T * N; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) {
      x[r * C + c] = (next() - 0.5) * 2 * spread;
      s += Math.exp(x[r * C + c]);
    }
    for (let c = 0; c < C; c++) x[r * C + c] -= Math.log(s);
  }
  return x;
}

/** Brute force over every alignment of frames [0, frames) of one sample: sequence → log-probability. */
function bruteForce(lp: (t: number, c: number) => number, frames: number, C: number, blank: number) {
  const probs = new Map<string, number>();
  let best = { logProb: -Infinity, path: [] as number[] };
  const path = new Array<number>(frames).fill(0);
  const total = C ** frames;
  for (let k = 0; k < total; k++) {
    let v = k;
    let logProb = 0;
    for (let t = 0; t < frames; t++) {
      path[t] = v % C;
      v = Math.floor(v / C);
      logProb += lp(t, path[t]);
    }
    const seq: number[] = [];
    for (let t = 0; t < frames; t++) if (path[t] !== blank && (t === 0 || path[t] !== path[t - 1])) seq.push(path[t]);
    const key = seq.join(',');
    probs.set(key, (probs.get(key) ?? 0) + Math.exp(logProb));
    if (logProb > best.logProb) best = { logProb, path: path.slice() };
  }
  const ranked = [...probs].map(([key, p]) => ({ labels: key === '' ? [] : key.split(',').map(Number), logProb: Math.log(p) }));
  ranked.sort((a, b) => b.logProb - a.logProb);
  return { ranked, bestPath: best.path };
}

describe.each(entries)('%s', (_name, X: Entry) => {
  test('greedy decoding is the collapsed best alignment, with the frame each label starts at (brute force)', () => {
    const next = rng(7);
    for (let trial = 0; trial < 40; trial++) {
      const T = 1 + (trial % 6);
      const N = 1 + (trial % 3);
      const C = 2 + (trial % 3);
      const blank = trial % C;
      const batchFirst = trial % 2 === 1;
      const x = randomLogProbs(next, T, N, C);
      const lengths = Array.from({ length: N }, (_, n) => (n === 0 ? T : Math.floor(next() * (T + 1))));
      const at = (n: number, t: number, c: number) => (batchFirst ? (n * T + t) * C + c : (t * N + n) * C + c);
      const paths = X.ctcGreedyDecode(x, { classes: C, inputLengths: lengths, blank, batchFirst });
      expect(paths.length).toBe(N);
      for (let n = 0; n < N; n++) {
        const { bestPath } = bruteForce((t, c) => x[at(n, t, c)], lengths[n], C, blank);
        const labels: number[] = [];
        const frames: number[] = [];
        for (let t = 0; t < lengths[n]; t++) {
          if (bestPath[t] !== blank && (t === 0 || bestPath[t] !== bestPath[t - 1])) {
            labels.push(bestPath[t]);
            frames.push(t);
          }
        }
        expect(paths[n].labels).toBeInstanceOf(Int32Array);
        expect(Array.from(paths[n].labels), `trial ${trial}, sample ${n}`).toEqual(labels);
        expect(Array.from(paths[n].frames), `trial ${trial}, sample ${n}`).toEqual(frames);
      }
    }
  });

  test('greedy decoding: the first of equal maxima, and a repeat after a blank is a new label', () => {
    // frames (C = 3, blank 0): [1 wins], [1 again: merged], [blank], [1: new], [tie 1/2: 1], [2]
    const x = [0, 5, 1, 0, 5, 1, 9, 0, 0, 0, 5, 1, 0, 4, 4, 0, 1, 3];
    const [p] = X.ctcGreedyDecode(x, { classes: 3, inputLengths: [6] });
    expect(Array.from(p.labels)).toEqual([1, 1, 2]);
    expect(Array.from(p.frames)).toEqual([0, 3, 5]);
  });

  test('beam search with a beam that keeps every prefix is exact: brute force, and −ctcLoss of the sequence', () => {
    const next = rng(11);
    for (let trial = 0; trial < 24; trial++) {
      const T = 1 + (trial % 5);
      const C = 2 + (trial % 3);
      const N = 2;
      const blank = (trial * 2) % C;
      const batchFirst = trial % 3 === 0;
      const x = randomLogProbs(next, T, N, C, 1 + (trial % 4));
      const lengths = [T, Math.max(0, T - 1 - (trial % 2))];
      const at = (n: number, t: number, c: number) => (batchFirst ? (n * T + t) * C + c : (t * N + n) * C + c);
      // every prefix of at most T labels: Σ_k (C−1)^k ≤ 31 here; a beam of 64 keeps them all
      const beams = X.ctcBeamSearch(x, { classes: C, inputLengths: lengths, blank, batchFirst, beamWidth: 64, topPaths: 3 });
      // the best sequences' log-probabilities are −ctcLoss of them
      const loss = X.ctcLoss(x, [...beams[0][0].labels, ...beams[1][0].labels], {
        classes: C,
        inputLengths: lengths,
        targetLengths: [beams[0][0].labels.length, beams[1][0].labels.length],
        blank,
        batchFirst,
        reduction: 'none',
      });
      for (let n = 0; n < N; n++) expect(Math.abs(beams[n][0].logProb + loss[n])).toBeLessThan(1e-13 * (1 + Math.abs(loss[n])));
      for (let n = 0; n < N; n++) {
        const { ranked } = bruteForce((t, c) => x[at(n, t, c)], lengths[n], C, blank);
        const got = beams[n];
        expect(got.length).toBe(Math.min(3, ranked.length));
        for (let k = 0; k < got.length; k++) {
          const where = `trial ${trial}, sample ${n}, path ${k}`;
          // brute force sums up to 3^5 products in a different order: 1e-13 relative of log p's terms
          expect(Math.abs(got[k].logProb - ranked[k].logProb), where).toBeLessThan(1e-13 * (1 + T * 10));
          // equal probabilities may come in either order; compare the sequence where it is unique
          const tie = ranked.some((r, j) => j !== k && Math.abs(r.logProb - ranked[k].logProb) < 1e-12);
          if (!tie) expect(Array.from(got[k].labels), where).toEqual(ranked[k].labels);
        }
      }
    }
  });

  test('the best sequence of a wide beam has log-probability −ctcLoss(…, "none") of that sequence', () => {
    const next = rng(12);
    for (let trial = 0; trial < 12; trial++) {
      const T = 8;
      const C = 4;
      const x = randomLogProbs(next, T, 1, C, 2);
      // all prefixes of ≤ 8 labels over 3: 9841; the beam keeps them all
      const [[best]] = X.ctcBeamSearch(x, { classes: C, inputLengths: [T], beamWidth: 10000 });
      const loss = X.ctcLoss(x, best.labels, { classes: C, inputLengths: [T], targetLengths: [best.labels.length], reduction: 'none' });
      // two computations of one sum over alignments in a different order: 1e-13 relative
      expect(Math.abs(best.logProb + loss[0]), `trial ${trial}`).toBeLessThan(1e-13 * Math.abs(loss[0]));
    }
  });

  test('beam search on a long input: a narrow beam finds the greedy answer where one path dominates', () => {
    const next = rng(13);
    const T = 200;
    const C = 30;
    const x = randomLogProbs(next, T, 1, C, 0.5);
    // make one path dominant: frame t favours class (t / 4 | 0) % C, blank every 4th frame
    for (let t = 0; t < T; t++) {
      x[t * C + (t % 4 === 3 ? 0 : 1 + (Math.floor(t / 4) % (C - 1)))] += 8;
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(x[t * C + c]);
      for (let c = 0; c < C; c++) x[t * C + c] -= Math.log(s);
    }
    const [greedy] = X.ctcGreedyDecode(x, { classes: C, inputLengths: [T] });
    const [[beam]] = X.ctcBeamSearch(x, { classes: C, inputLengths: [T], beamWidth: 4 });
    expect(Array.from(beam.labels)).toEqual(Array.from(greedy.labels));
    expect(beam.logProb).toBeLessThan(0);
  });

  test("greedy paths of one call are disjoint views; a later call leaves an earlier call's paths as they were", () => {
    const next = rng(77);
    const [T, N, C] = [40, 3, 5];
    const x = Float32Array.from(randomLogProbs(next, T, N, C));
    const inputLengths = [40, 17, 40];
    const first = X.ctcGreedyDecode(x, { classes: C, inputLengths });
    const copies = first.map((p) => [Array.from(p.labels), Array.from(p.frames)]);
    for (let n = 0; n < N; n++) {
      const want = greedyReference(x, inputLengths[n], C, (t) => (t * N + n) * C);
      expect(copies[n], `sample ${n}`).toEqual([want.labels, want.frames]);
    }
    // writing into one path's arrays changes no other path's
    first[0].labels.fill(-9);
    first[0].frames.fill(-9);
    for (let n = 1; n < N; n++) expect([Array.from(first[n].labels), Array.from(first[n].frames)]).toEqual(copies[n]);
    // another call (other data, more frames) leaves the first call's paths alone
    const y = randomLogProbs(next, 2 * T, N, C);
    X.ctcGreedyDecode(y, { classes: C, inputLengths: [80, 80, 80] });
    for (let n = 1; n < N; n++) expect([Array.from(first[n].labels), Array.from(first[n].frames)]).toEqual(copies[n]);
  });

  test('samples of 0 frames decode to the empty sequence (log-probability 0)', () => {
    const x = new Float64Array(2 * 2 * 3).fill(Math.log(1 / 3));
    const g = X.ctcGreedyDecode(x, { classes: 3, inputLengths: [0, 2] });
    expect(g[0].labels.length).toBe(0);
    const b = X.ctcBeamSearch(x, { classes: 3, inputLengths: [0, 2], topPaths: 2 });
    expect(b[0]).toEqual([{ labels: new Int32Array(0), logProb: 0 }]);
    expect(b[1].length).toBe(2);
  });
});

describe.each(entries)('%s: the arg-max of wide frames (the WASM kernel takes four f32 lanes)', (_name, X: Entry) => {
  test('ties go to the first class, a NaN wins (the first NaN), ±0 are equal: as torch.argmax', () => {
    const next = rng(31);
    for (let trial = 0; trial < 60; trial++) {
      const C = 8 + (trial % 35);
      const T = 1 + (trial % 7);
      const values = [0, -0, 1, 1, 2, -1, Number.NaN, -Infinity, Infinity, 2];
      const x = new Float32Array(T * C);
      for (let i = 0; i < x.length; i++) x[i] = trial % 3 === 0 ? values[Math.floor(next() * values.length)] : Math.floor(next() * 5);
      // the expected arg-max per frame, then the collapse (blank 0)
      const { labels } = greedyReference(x, T, C, (t) => t * C);
      for (const input of [x, new Float64Array(x)]) {
        const [p] = X.ctcGreedyDecode(input, { classes: C, inputLengths: [T] });
        expect(Array.from(p.labels), `trial ${trial}, C ${C}`).toEqual(labels);
      }
    }
  });
});
