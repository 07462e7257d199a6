// Connectionist Temporal Classification: ctcLoss (PyTorch's F.ctc_loss, with its gradient) on the
// lattice kernel of the kernel set (src/kernels/ts-ctc.ts, assembly/ctc.ts), and the two decoders,
// ctcGreedyDecode and ctcBeamSearch (CTC prefix beam search without a language model), written
// once here for both entries.
import { fillInto, lengthOf, typedArrayTag } from '../intrinsics.js';
import { decodeHalf, Half } from '../kernels/half.js';
import { tsCtcKernels } from '../kernels/ts-ctc.js';
import type { FloatArray, Kernels } from '../kernels/types.js';
import { deliver, floats, type Input, labels, output, outputTarget, seen, settle } from './arrays.js';
import { fail, show } from './errors.js';
import { booleanOf, integerOf, readOptions, reductionOf } from './options.js';
import { reduced, sum } from './reductions.js';
import type {
  CtcBeam,
  CtcBeamSearch,
  CtcBeamSearchOptions,
  CtcGreedyDecode,
  CtcGreedyDecodeOptions,
  CtcLoss,
  CtcLossOptions,
  CtcPath,
  Labels,
  Values,
} from './types.js';

const INDICES = 'class indices (an integer typed array or number[])';
const LENGTHS = 'lengths (an integer typed array or number[])';

/**
 * Phase 1 of an integer array argument or option: converted once (a plain array copied). Any
 * integer typed array is taken (issue 19's label types); a BigInt64Array or BigUint64Array is read
 * once into numbers here, exactly: a value beyond ±2^53 is no class index or length, and is named
 * as given.
 */
function integers(fn: string, name: string, x: unknown, what: string): ArrayLike<number> {
  const v = labels(fn, x, what, name);
  if (v.float) fail(fn, `"${name}" must be ${what}; got ${show(x)}`, TypeError);
  const tag = typedArrayTag(v.array);
  if (tag !== 'BigInt64Array' && tag !== 'BigUint64Array') return v.array;
  const big = v.array as unknown as ArrayLike<bigint>;
  const n = lengthOf(big as unknown as ArrayBufferView);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = big[i];
    if (b > 2n ** 53n || b < -(2n ** 53n)) fail(fn, `"${name}"[${i}] must be a safe integer (${what}); got ${b}`);
    out[i] = Number(b);
  }
  return out;
}

/** The frames of a call: T·N·C elements in [T, N, C] or [N, T, C]. */
interface Frames {
  T: number;
  N: number;
  C: number;
  batchFirst: boolean;
  lengths: Int32Array;
}

/** Element index of class 0 of sample n's frame t. */
function frameAt(F: Frames, n: number, t: number): number {
  return F.batchFirst ? (n * F.T + t) * F.C : (t * F.N + n) * F.C;
}

/** Elements between consecutive frames of a sample. */
function strideOf(F: Frames): number {
  return F.batchFirst ? F.C : F.N * F.C;
}

/**
 * Phase 2 of the input and `inputLengths`: N = inputLengths.length samples (at least 1), C =
 * classes (a positive integer), T = length / (N·C) (a whole number), each input length an
 * integer in [0, T].
 */
function framesOf(fn: string, length: number, classes: unknown, inputLengths: ArrayLike<number>, n: number, batchFirst: boolean): Frames {
  if (classes === undefined) fail(fn, `option "classes" is required (the number of classes, blank included)`, TypeError);
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes <= 0)
    fail(fn, `option "classes" must be a positive integer; got ${show(classes)}`, typeof classes === 'number' ? RangeError : TypeError);
  if (n === 0) fail(fn, `option "inputLengths" must have one entry per sample (at least one); got length 0`);
  const C = classes;
  if (length % (n * C) !== 0)
    fail(
      fn,
      `"logProbs" must hold T·N·C values (N = ${n} from "inputLengths", C = ${C}): its length ${length} is not a multiple of ${n * C}`,
    );
  const T = length / (n * C);
  const lengths = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = inputLengths[i];
    if (!Number.isInteger(v) || v < 0 || v > T)
      fail(fn, `option "inputLengths"[${i}] must be an integer in [0, ${T}] (T, the frames of "logProbs"); got ${show(v)}`);
    lengths[i] = v;
  }
  return { T, N: n, C, batchFirst, lengths };
}

/** The `blank` option: an integer in [0, C); 0 when omitted. */
function blankOf(fn: string, blank: unknown, C: number): number {
  const b = integerOf(fn, 'blank', blank, 0);
  if (b < 0 || b >= C) fail(fn, `option "blank" must be a class index in [0, ${C}); got ${show(b)}`);
  return b;
}

/** Frames up to which ctcGreedyDecode's arg-max array is this module's scratch (512 KB of f64). */
const SCRATCH_ROWS = 1 << 16;
let scratchIndex = new Float64Array(0);
/** A Float64Array of `rows` ≤ SCRATCH_ROWS elements, reused across calls (the kernels fill every element). */
function scratchOf(rows: number): Float64Array {
  if (scratchIndex.length < rows) scratchIndex = new Float64Array(SCRATCH_ROWS);
  return scratchIndex.subarray(0, rows);
}

/**
 * ctcGreedyDecode's collapse of each sample's best path: repeats merged, blanks dropped, every
 * sample's labels (and the frame each starts at) one after another from 0, ends[n] the end of
 * sample n's. A function of its own, small enough for the JIT to compile on its own terms.
 */
function collapse(
  index: Float64Array,
  lengths: Int32Array,
  T: number,
  N: number,
  batchFirst: boolean,
  blank: number,
  labels: Int32Array,
  frames: Int32Array,
  ends: Int32Array,
): void {
  // row of (n, t): n·T + t batch-first, t·N + n time-major
  const step = batchFirst ? 1 : N;
  let k = 0;
  for (let n = 0; n < N; n++) {
    let previous = blank;
    const length = lengths[n];
    for (let t = 0, r = batchFirst ? n * T : n; t < length; t++, r += step) {
      // without branches (on a noisy best path they are mispredicted half the time): the frame is
      // written at k, and kept (k moves on) when it starts a new label that is not the blank
      const best = index[r];
      labels[k] = best;
      frames[k] = t;
      k += +(best !== previous) & +(best !== blank);
      previous = best;
    }
    ends[n] = k;
  }
}

/** The input as a float typed array: float16 data decoded to a Float32Array (exact). */
function plainInput(x: Input): FloatArray {
  return x instanceof Half ? decodeHalf(x) : x;
}

export function ctc(kernels: Kernels) {
  const kernel = kernels.ctc;

  function ctcLoss(logProbs: Values, targets: Labels, options: CtcLossOptions) {
    const fn = 'ctcLoss';
    const seenX = seen(logProbs);
    const seenT = seen(targets);
    if (options === undefined || options === null)
      fail(fn, `options "classes", "inputLengths" and "targetLengths" are required`, TypeError);
    const o = readOptions(fn, options, [
      'classes',
      'inputLengths',
      'targetLengths',
      'blank',
      'batchFirst',
      'fromLogits',
      'targetLayout',
      'reduction',
      'zeroInfinity',
      'grad',
    ]) as Partial<CtcLossOptions>;
    const seenI = seen(o.inputLengths);
    const seenL = seen(o.targetLengths);
    const seenG = seen(o.grad);
    const reduction = reductionOf(fn, o.reduction);
    const batchFirst = booleanOf(fn, 'batchFirst', o.batchFirst);
    const fromLogits = booleanOf(fn, 'fromLogits', o.fromLogits);
    const zeroInfinity = booleanOf(fn, 'zeroInfinity', o.zeroInfinity);
    const layout = o.targetLayout === undefined ? 'concatenated' : o.targetLayout;
    if (layout !== 'concatenated' && layout !== 'padded')
      fail(
        fn,
        `option "targetLayout" must be 'concatenated' or 'padded'; got ${show(layout)}`,
        typeof layout === 'string' ? RangeError : TypeError,
      );
    if (o.inputLengths === undefined) fail(fn, `option "inputLengths" is required (the frames of each sample)`, TypeError);
    if (o.targetLengths === undefined) fail(fn, `option "targetLengths" is required (the labels of each sample)`, TypeError);
    const x = floats(fn, 'logProbs', logProbs);
    const tgt = integers(fn, 'targets', targets, INDICES);
    const inputLengths = integers(fn, 'inputLengths', o.inputLengths, LENGTHS);
    const targetLengths = integers(fn, 'targetLengths', o.targetLengths, LENGTHS);
    const gradOut = output(fn, 'grad', o.grad);
    // No caller code runs from here on (src/api/arrays.ts).
    const length = settle(fn, 'logProbs', x, seenX);
    const nT = settle(fn, 'targets', tgt as unknown as ArrayBufferView, seenT);
    const N = settle(fn, 'inputLengths', inputLengths as unknown as ArrayBufferView, seenI);
    const nL = settle(fn, 'targetLengths', targetLengths as unknown as ArrayBufferView, seenL);
    settle(fn, 'grad', gradOut, seenG);
    const F = framesOf(fn, length, o.classes, inputLengths, N, batchFirst);
    const { C } = F;
    const blank = blankOf(fn, o.blank, C);
    if (nL !== N) fail(fn, `option "targetLengths" must have one entry per sample (${N}, the length of "inputLengths"); got length ${nL}`);
    const tl = new Int32Array(N);
    let total = 0;
    for (let n = 0; n < N; n++) {
      const v = targetLengths[n];
      if (!Number.isInteger(v) || v < 0) fail(fn, `option "targetLengths"[${n}] must be an integer >= 0; got ${show(v)}`);
      tl[n] = v;
      total += v;
    }
    // where each sample's labels start in `targets`
    const from = new Float64Array(N);
    if (layout === 'padded') {
      if (nT % N !== 0)
        fail(fn, `"targets" in the 'padded' layout must hold N·S values (N = ${N}); its length ${nT} is not a multiple of ${N}`);
      const S = nT / N;
      for (let n = 0; n < N; n++) {
        if (tl[n] > S)
          fail(fn, `option "targetLengths"[${n}] is ${tl[n]}, more than S = ${S}, the row length of the 'padded' "targets" (${N} × ${S})`);
        from[n] = n * S;
      }
    } else {
      if (total !== nT)
        fail(
          fn,
          `"targets" in the 'concatenated' layout must hold the sum of "targetLengths" (${total}) labels; got length ${nT} (for [N, S] targets pass targetLayout: 'padded')`,
        );
      for (let n = 1; n < N; n++) from[n] = from[n - 1] + tl[n - 1];
    }
    const samples: Int32Array[] = [];
    for (let n = 0; n < N; n++) {
      const t = new Int32Array(tl[n]);
      for (let j = 0; j < tl[n]; j++) {
        const i = from[n] + j;
        const v = tgt[i];
        if (!Number.isInteger(v) || v < 0 || v >= C || v === blank)
          fail(fn, `"targets"[${i}] must be a class index in [0, ${C}) other than blank (${blank}); got ${show(v)}`);
        t[j] = v;
      }
      samples.push(t);
    }
    const grad =
      gradOut &&
      outputTarget(fn, 'grad', gradOut, length, [
        ['logProbs', x instanceof Half ? x.bits : x],
        ['targets', tgt as unknown as ArrayBufferView],
        ['inputLengths', inputLengths as unknown as ArrayBufferView],
        ['targetLengths', targetLengths as unknown as ArrayBufferView],
      ]);

    const input = plainInput(x);
    // frames past a sample's input length get 0; the kernel writes every frame below it (where
    // every sample has all T frames, the kernel writes the whole gradient: no fill)
    let full = true;
    for (let n = 0; n < F.N; n++) if (F.lengths[n] !== F.T) full = false;
    if (grad !== null && !full) fillInto(grad, 0, 0, length);
    const losses = new Float64Array(N);
    const stride = strideOf(F);
    for (let n = 0; n < N; n++) {
      const frames = F.lengths[n];
      let loss: number;
      // A sample of 0 frames: only the empty target has an alignment (pytorch#123193); no gradient.
      if (frames === 0) loss = tl[n] === 0 ? 0 : Infinity;
      else {
        loss = kernel({
          x: input,
          start: frameAt(F, n, 0),
          stride,
          frames,
          classes: C,
          target: samples[n],
          blank,
          fromLogits,
          grad,
          gradScale: reduction === 'mean' ? 1 / (N * Math.max(tl[n], 1)) : 1,
          zeroInfinity,
        });
      }
      losses[n] = zeroInfinity && loss === Infinity ? 0 : loss;
    }
    deliver(gradOut, grad);
    if (reduction === 'mean') {
      // PyTorch: each loss divided by its target length (at least 1), then the mean over the batch
      const scaled = new Float64Array(N);
      for (let n = 0; n < N; n++) scaled[n] = losses[n] / Math.max(tl[n], 1);
      return reduced(losses, sum(scaled), 'mean', N);
    }
    return reduced(losses, sum(losses), reduction, N);
  }

  /** Phase 1 and 2 of the decoders' arguments. */
  function decoderInput(fn: string, logProbs: Values, options: unknown, known: readonly string[]) {
    const seenX = seen(logProbs);
    if (options === undefined || options === null) fail(fn, `options "classes" and "inputLengths" are required`, TypeError);
    const o = readOptions(fn, options as CtcBeamSearchOptions, known) as Partial<CtcBeamSearchOptions>;
    const seenI = seen(o.inputLengths);
    const batchFirst = booleanOf(fn, 'batchFirst', o.batchFirst);
    if (o.inputLengths === undefined) fail(fn, `option "inputLengths" is required (the frames of each sample)`, TypeError);
    const x = floats(fn, 'logProbs', logProbs);
    const inputLengths = integers(fn, 'inputLengths', o.inputLengths, LENGTHS);
    const length = settle(fn, 'logProbs', x, seenX);
    const N = settle(fn, 'inputLengths', inputLengths as unknown as ArrayBufferView, seenI);
    const F = framesOf(fn, length, o.classes, inputLengths, N, batchFirst);
    const blank = blankOf(fn, o.blank, F.C);
    return { o, F, blank, x: plainInput(x) };
  }

  function ctcGreedyDecode(logProbs: Values, options: CtcGreedyDecodeOptions): CtcPath[] {
    const { F, blank, x } = decoderInput('ctcGreedyDecode', logProbs, options, ['classes', 'inputLengths', 'blank', 'batchFirst']);
    const { C, T, N } = F;
    // the arg-max of every frame (a frame is a row of C in either layout), by the kernel set; a
    // scratch array of this module's (never returned) up to SCRATCH_ROWS frames
    const rows = T * N;
    const index = rows <= SCRATCH_ROWS ? scratchOf(rows) : new Float64Array(rows);
    if (!kernels.argMaxRows({ x, rows, classes: C, index })) tsCtcKernels.argMaxRows({ x, rows, classes: C, index });
    // Every sample's labels (and their first frames) one after another in two arrays, each path a
    // view of its run: two allocations a call, not two a sample (an ArrayBuffer costs microseconds).
    const labels = new Int32Array(rows);
    const frames = new Int32Array(rows);
    const ends = new Int32Array(N);
    collapse(index, F.lengths, T, N, F.batchFirst, blank, labels, frames, ends);
    const paths: CtcPath[] = [];
    for (let n = 0, a = 0; n < N; a = ends[n], n++)
      paths.push({ labels: labels.subarray(a, ends[n]), frames: frames.subarray(a, ends[n]) });
    return paths;
  }

  function ctcBeamSearch(logProbs: Values, options: CtcBeamSearchOptions): CtcBeam[][] {
    const fn = 'ctcBeamSearch';
    const { o, F, blank, x } = decoderInput(fn, logProbs, options, [
      'classes',
      'inputLengths',
      'blank',
      'batchFirst',
      'beamWidth',
      'topPaths',
    ]);
    const beamWidth = integerOf(fn, 'beamWidth', o.beamWidth, 16);
    if (beamWidth < 1) fail(fn, `option "beamWidth" must be an integer >= 1; got ${show(beamWidth)}`);
    const topPaths = integerOf(fn, 'topPaths', o.topPaths, 1);
    if (topPaths < 1 || topPaths > beamWidth)
      fail(fn, `option "topPaths" must be an integer in [1, beamWidth = ${beamWidth}]; got ${show(topPaths)}`);
    const out: CtcBeam[][] = [];
    for (let n = 0; n < F.N; n++) out.push(prefixBeamSearch(x, F, n, blank, beamWidth, topPaths));
    return out;
  }

  return {
    ctcLoss: ctcLoss as CtcLoss,
    ctcGreedyDecode: ctcGreedyDecode as CtcGreedyDecode,
    ctcBeamSearch: ctcBeamSearch as CtcBeamSearch,
  };
}

/** log(e^a + e^b). */
function lse2(a: number, b: number): number {
  if (a < b) [a, b] = [b, a];
  if (b === -Infinity) return a;
  return a + Math.log1p(Math.exp(b - a));
}

/**
 * CTC prefix beam search (Hannun et al. 2014, "First-pass large vocabulary continuous speech
 * recognition using bi-directional recurrent DNNs", without the language model), in log space.
 * Each prefix in the beam carries two log-probabilities: of its alignments so far that end in a
 * blank (pb) and in its last label (pnb); p = pb ⊕ pnb. At each frame every prefix is extended by
 * every class: blank keeps it (pb' = p + lp(blank)); its last label repeated keeps it
 * (pnb' = pnb + lp(c)) and, after a blank, extends it (child pnb' ⊕= pb + lp(c)); any other label
 * extends it (child pnb' ⊕= p + lp(c)). An extension that is itself a prefix of the beam adds to
 * it. The `beamWidth` most probable candidates (pb ⊕ pnb) are kept, chosen with a min-heap, so that
 * most of the beamWidth·C extensions cost one addition and one comparison. Prefixes are nodes of a
 * trie (parent, label) made only for the extensions kept. Keeping every prefix, the result is
 * exact: each prefix's probability is the sum over all of its alignments.
 */
function prefixBeamSearch(x: FloatArray, F: Frames, n: number, blank: number, beamWidth: number, topPaths: number): CtcBeam[] {
  const { C } = F;
  const stride = strideOf(F);
  const frames = F.lengths[n];
  const B = beamWidth;
  // the trie: node 0 is the empty prefix
  const trie = { parent: [0], label: [-1] };
  const children = new Map<number, number>(); // node·C + c → child node
  // the beam: its nodes and their (pb, pnb); the next beam is built in the second set
  let node = new Int32Array(B);
  let pb = new Float64Array(B);
  let pnb = new Float64Array(B);
  let size = 1;
  node[0] = 0;
  pb[0] = 0;
  pnb[0] = -Infinity;
  let node2 = new Int32Array(B);
  let pb2 = new Float64Array(B);
  let pnb2 = new Float64Array(B);
  // per beam entry: its new (pb, pnb) when kept as it is, and p = pb ⊕ pnb of the old
  const keepB = new Float64Array(B);
  const keepNB = new Float64Array(B);
  const p = new Float64Array(B);
  // the heap of the best candidates: score and code (−1 − i: beam entry i kept; i·C + c: extension)
  const heapScore = new Float64Array(B);
  const heapCode = new Float64Array(B);
  const taken = new Int32Array(C).fill(-1); // taken[c] = j: beam entry j is this entry's extension by c
  const inBeam = new Map<number, number>();
  const firstChild = new Int32Array(B);
  const nextChild = new Int32Array(B);
  for (let t = 0, o = frameAt(F, n, 0); t < frames; t++, o += stride) {
    const lpBlank = x[o + blank];
    inBeam.clear();
    for (let i = 0; i < size; i++) inBeam.set(node[i], i);
    for (let i = 0; i < size; i++) {
      p[i] = lse2(pb[i], pnb[i]);
      keepB[i] = p[i] + lpBlank;
      const last = trie.label[node[i]];
      keepNB[i] = last >= 0 ? pnb[i] + x[o + last] : -Infinity;
    }
    // an entry whose parent is in the beam is also that parent's extension by its last label
    // (linked into the parent's list of such children: firstChild[i], nextChild[j])
    firstChild.fill(-1, 0, size);
    for (let j = 0; j < size; j++) {
      if (node[j] === 0) continue;
      const i = inBeam.get(trie.parent[node[j]]);
      if (i === undefined) continue;
      const c = trie.label[node[j]];
      keepNB[j] = lse2(keepNB[j], (c === trie.label[node[i]] ? pb[i] : p[i]) + x[o + c]);
      nextChild[j] = firstChild[i];
      firstChild[i] = j;
    }
    let count = 0;
    const push = (score: number, code: number) => {
      if (!(score > -Infinity)) return; // −∞ and NaN never enter the beam
      if (count < B) {
        let k = count++;
        while (k > 0) {
          const up = (k - 1) >> 1;
          if (heapScore[up] <= score) break;
          heapScore[k] = heapScore[up];
          heapCode[k] = heapCode[up];
          k = up;
        }
        heapScore[k] = score;
        heapCode[k] = code;
      } else if (score > heapScore[0]) {
        let k = 0;
        for (;;) {
          const l = 2 * k + 1;
          if (l >= B) break;
          const m = l + 1 < B && heapScore[l + 1] < heapScore[l] ? l + 1 : l;
          if (heapScore[m] >= score) break;
          heapScore[k] = heapScore[m];
          heapCode[k] = heapCode[m];
          k = m;
        }
        heapScore[k] = score;
        heapCode[k] = code;
      }
    };
    for (let i = 0; i < size; i++) push(lse2(keepB[i], keepNB[i]), -1 - i);
    for (let i = 0; i < size; i++) {
      const last = trie.label[node[i]];
      for (let j = firstChild[i]; j >= 0; j = nextChild[j]) taken[trie.label[node[j]]] = j;
      const afterBlank = pb[i];
      const any = p[i];
      for (let c = 0; c < C; c++) {
        if (c === blank || taken[c] >= 0) continue;
        push((c === last ? afterBlank : any) + x[o + c], i * C + c);
      }
      for (let j = firstChild[i]; j >= 0; j = nextChild[j]) taken[trie.label[node[j]]] = -1;
    }
    // the next beam, from the heap (in heap order; sorted at the end)
    for (let k = 0; k < count; k++) {
      const code = heapCode[k];
      if (code < 0) {
        const i = -1 - code;
        node2[k] = node[i];
        pb2[k] = keepB[i];
        pnb2[k] = keepNB[i];
      } else {
        const i = Math.floor(code / C);
        const c = code - i * C;
        const key = node[i] * C + c;
        let id = children.get(key);
        if (id === undefined) {
          id = trie.parent.length;
          trie.parent.push(node[i]);
          trie.label.push(c);
          children.set(key, id);
        }
        node2[k] = id;
        pb2[k] = -Infinity;
        pnb2[k] = heapScore[k];
      }
    }
    [node, node2] = [node2, node];
    [pb, pb2] = [pb2, pb];
    [pnb, pnb2] = [pnb2, pnb];
    size = count;
    if (size === 0) break; // every candidate −∞ or NaN: nothing has an alignment
  }
  const order: number[] = [];
  for (let i = 0; i < size; i++) order.push(i);
  const score = (i: number) => lse2(pb[i], pnb[i]);
  // best first; equal scores: the shorter, then the lexicographically smaller sequence (deterministic)
  const seqOf = (id: number): Int32Array => {
    let depth = 0;
    for (let v = id; v !== 0; v = trie.parent[v]) depth++;
    const seq = new Int32Array(depth);
    for (let v = id, k = depth - 1; v !== 0; v = trie.parent[v], k--) seq[k] = trie.label[v];
    return seq;
  };
  const seqs = order.map((i) => seqOf(node[i]));
  order.sort((a, b) => score(b) - score(a) || compareSeq(seqs[a], seqs[b]));
  if (size === 0) return [{ labels: new Int32Array(0), logProb: -Infinity }];
  return order.slice(0, topPaths).map((i) => ({ labels: seqs[i], logProb: score(i) }));
}

function compareSeq(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
