/**
 * `xentropy`: the xentropy API computed by the WebAssembly (SIMD) kernels, for Node, browsers,
 * workers and bundlers alike. The module (its size: README, "Size") is inlined and compiled
 * synchronously at import: no file read or fetch, no top-level await, no asset for a bundler to
 * place, so both `import` and `require` work in Node, and it works in any bundler output format,
 * in module and classic workers, and in dev servers. Falls back to the pure-TS kernels where
 * WebAssembly or SIMD is unavailable, or where compilation is refused (`backend` then says 'js').
 */
import { createApi } from './api/index.js';
import type { Api } from './api/types.js';
import { WASM_BASE64 } from './generated/wasm-bytes.js';
import { tsKernels } from './kernels/ts.js';
import { instantiateSync, wasmKernels } from './kernels/wasm.js';

export type * from './api/types.js';

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

const instance = instantiateSync(() => decode(WASM_BASE64));
const api = instance ? createApi(wasmKernels(instance), 'wasm') : createApi(tsKernels, 'js');

// The exports, one documented constant each so that editors show the doc comment and @example on
// hover (test/pack.test.ts checks it); src/index.ts and src/js.ts carry the same comments (checked).
/** Which kernel set computes the numbers in this entry: 'wasm', or 'js' (xentropy/js, or after a fallback). */
export const backend: Api['backend'] = api.backend;

/**
 * Shannon entropy per row, H(p) = −Σ p·log p (0·log 0 = 0), in nats unless `base`; SciPy's
 * semantics (`normalize: true` is `scipy.stats.entropy`).
 * @example entropy([0.25, 0.25, 0.25, 0.25], { base: 2 }) // 2
 * @example entropy(rows, { classes: 4, reduction: 'none' }) // Float64Array, one value per row
 */
export const entropy: Api['entropy'] = api.entropy;

/**
 * Cross entropy per row, H(p, q) = −Σ p·log q = H(p) + KL(p‖q); +Infinity where q = 0 < p.
 * @example crossEntropy([0.5, 0.5], [0.9, 0.1]) // 1.2039…
 */
export const crossEntropy: Api['crossEntropy'] = api.crossEntropy;

/**
 * Kullback–Leibler divergence per row, KL(p‖q) = Σ p·log(p/q) ≥ 0; not symmetric; +Infinity
 * where q = 0 < p.
 * @example klDivergence([9, 12, 4], [10, 10, 10], { normalize: true }) // 0.0852… (scipy.stats.entropy)
 */
export const klDivergence: Api['klDivergence'] = api.klDivergence;

/**
 * Jensen–Shannon divergence per row, ½KL(p‖m) + ½KL(q‖m) with m = (p+q)/2; symmetric, ≤ ln 2
 * (the square of SciPy's `jensenshannon` distance).
 * @example jsDivergence([1, 0], [0, 1], { base: 2 }) // 1
 */
export const jsDivergence: Api['jsDivergence'] = api.jsDivergence;

/**
 * PyTorch's `F.binary_cross_entropy` on probabilities: −w·(y·log ŷ + (1−y)·log(1−ŷ)), each log
 * clamped at −100; `weight` per element or (with `classes`) per class, `sampleWeight` per row,
 * `labelSmoothing` as Keras.
 * @example binaryCrossEntropy([0.9, 0.2, 0.6], [1, 0, 1]) // 0.2797…
 * @example binaryCrossEntropy(p, y, { classes: 2, sampleWeight: [1, 0.5], labelSmoothing: 0.1 }) // Keras's BinaryCrossentropy(label_smoothing=0.1) with sample_weight
 */
export const binaryCrossEntropy: Api['binaryCrossEntropy'] = api.binaryCrossEntropy;

/**
 * PyTorch's `F.binary_cross_entropy_with_logits`, computed stably (no overflow at ±800), with
 * `posWeight` per class and an optional gradient.
 * @example binaryCrossEntropyWithLogits([2, -1, 0.5, 3], [1, 0, 0, 1], { posWeight: [2, 1], grad: new Float64Array(4) }) // 0.3974…
 */
export const binaryCrossEntropyWithLogits: Api['binaryCrossEntropyWithLogits'] = api.binaryCrossEntropyWithLogits;

/**
 * PyTorch's `F.cross_entropy` on logits (rows × `classes`, row-major, or `shape: [N, C, d1, …, dk]`
 * with the class axis 1) with class-index (any integer typed array) or probability targets,
 * `weight`, `ignoreIndex`, `labelSmoothing`, `sampleWeight` (TF.js's weights; reduction
 * 'sumByNonzeroWeights' is TF.js's default), and an optional gradient.
 * @example softmaxCrossEntropy([2, 0.5, -1, 0.1, 0.2, 3], [0, 2], { classes: 3 }) // 0.1754…
 * @example softmaxCrossEntropy(logits, mask, { shape: [1, 3, 64, 64], ignoreIndex: 255 }) // mask: a Uint8Array of one class per pixel, 255 ignored
 * @example softmaxCrossEntropy(logits, labels, { classes: 3, sampleWeight: weights, reduction: 'sumByNonzeroWeights' }) // = tf.losses.softmaxCrossEntropy(onehot, logits, weights)
 * @example softmaxCrossEntropy(logits, pixelClasses, { shape: [1, 3, 64, 64] }) // (N, C, H, W): one class per pixel
 */
export const softmaxCrossEntropy: Api['softmaxCrossEntropy'] = api.softmaxCrossEntropy;

/**
 * PyTorch's `F.nll_loss` on log-probabilities (rows × `classes`).
 * @example nllLoss(logSoftmax(logits, { classes: 3 }), [0, 2], { classes: 3 }) // = softmaxCrossEntropy(logits, [0, 2], { classes: 3 })
 */
export const nllLoss: Api['nllLoss'] = api.nllLoss;

/**
 * PyTorch's `F.kl_div(input = log q, target = p)`. Its default 'mean' averages over elements;
 * 'batchmean' (sum / rows) is the true KL divergence.
 * @example klDiv([0.25, 0.75].map(Math.log), [0.5, 0.5], { reduction: 'batchmean' }) // = klDivergence([0.5, 0.5], [0.25, 0.75])
 */
export const klDiv: Api['klDiv'] = api.klDiv;

/**
 * log Σ exp x per row of `classes` (a number when `classes` is omitted), or over the class axis
 * of `shape: [N, C, d1, …, dk]` (N·d1·…·dk values), without overflow. With `b`, log Σ b·e^x
 * (any sign: scipy.special.logsumexp's b; a negative sum is NaN), and with `returnSign` the pair
 * `{ value: log|Σ b·e^x|, sign }` (per row: Float64Arrays), accurate where the terms cancel.
 * @example logSumExp([1000, 1000]) // 1000.6931…
 * @example logSumExp(x, { shape: [2, 3, 4] }) // torch.logsumexp(x, 1): 2 × 4 values
 * @example logSumExp([Math.log(0.5), Math.log(0.3)], { b: [1, -1] }) // log(0.5 − 0.3) = log 0.2
 */
export const logSumExp: Api['logSumExp'] = api.logSumExp;

/**
 * x − logSumExp(x) per row; an array of the input's float type unless `out` is given.
 * @example logSoftmax([0, 0], { classes: 2 }) // Float64Array [−0.6931…, −0.6931…]
 */
export const logSoftmax: Api['logSoftmax'] = api.logSoftmax;

/**
 * exp(x − logSumExp(x)) per row; an array of the input's float type unless `out` is given.
 * @example softmax(new Float32Array([1, 2, 3])) // Float32Array [0.0900…, 0.2447…, 0.6652…]
 */
export const softmax: Api['softmax'] = api.softmax;

/**
 * torchvision's `sigmoid_focal_loss` on logits: alpha_t·BCE-with-logits·(1 − p_t)^gamma per element
 * (`alpha` 0.25, −1 for none; `gamma` 2), computed stably (no overflow at ±800; a confident correct
 * logit keeps its tiny loss), with an optional gradient. Default reduction 'mean' (torchvision's is 'none').
 * @example sigmoidFocalLoss([2, -1, 0.5, -3], [1, 0, 0, 1], { grad: new Float64Array(4) }) // 0.2480…
 */
export const sigmoidFocalLoss: Api['sigmoidFocalLoss'] = api.sigmoidFocalLoss;

/**
 * A zero-filled Float32Array or Float64Array of `length` elements (at most 2^28 − 16) in WASM
 * memory, which every function reads in place, without copying (on xentropy/js, an ordinary
 * array). Release it with `free`; after a later `alloc` grew memory, `refresh` it.
 * @example let p = alloc(Float32Array, 4); const q = alloc(Float32Array, 4); p = refresh(p); p.set(probs); crossEntropy(p, q); free(p); free(q);
 */
export const alloc: Api['alloc'] = api.alloc;

/**
 * Releases an array from `alloc`; using it (or another view of it) afterwards throws.
 * @example const p = alloc(Float64Array, 1024); free(p);
 */
export const free: Api['free'] = api.free;

/**
 * A live view of the block behind an array from `alloc`: the same array while it is live, a new
 * one (same contents) after WASM memory grew and detached it.
 * @example p = refresh(p); // after any later alloc()
 */
export const refresh: Api['refresh'] = api.refresh;

/**
 * log softmax(row)[target] for each row of logits (tokens × vocabulary, row-major), from one
 * log-sum-exp pass (no softmax array, no one-hot); rows whose target is `ignoreIndex` (−100) hold
 * 0. `ranks` (Int32Array or Uint32Array) receives each target's rank: the number of logits in its
 * row strictly greater than the target's (0 = the greedy choice; −1 where ignored).
 * @example tokenLogProbs([2, 1, 0, 0, 3, 1], [0, 1], { classes: 3, ranks: new Int32Array(2) }) // Float64Array [−0.4076…, −2.1269…]
 */
export const tokenLogProbs: Api['tokenLogProbs'] = api.tokenLogProbs;

/**
 * exp of the mean negative log-likelihood of the targets over the rows not ignored, the same as
 * exp(softmaxCrossEntropy(logits, targets, { classes })).
 * @example perplexity([2, 1, 0, 0, 3, 1], [0, 1], { classes: 3 }) // 3.1622…
 */
export const perplexity: Api['perplexity'] = api.perplexity;

/**
 * The windows that score every token of a long text exactly once with a model of `maxLength`
 * tokens of context: window [start, end) scores tokens [scoreFrom, end), each with at least
 * maxLength − stride tokens of context (the Hugging Face strided-perplexity recipe, without its
 * off-by-one).
 * @example slidingWindows(10, { maxLength: 4, stride: 2 }) // [{ start: 0, end: 4, scoreFrom: 1 }, { start: 2, end: 6, scoreFrom: 4 }, …]
 */
export const slidingWindows: Api['slidingWindows'] = api.slidingWindows;

/**
 * The k most probable tokens of each row of logits and their log-probabilities, log softmax(row),
 * descending (ties: lower token id first), from one pass over each row (its log-sum-exp and a
 * k-selection together, no softmax array): OpenAI-style top_logprobs, for prompts too.
 * @example topLogProbs([2, 1, 0], { classes: 3, k: 2 }) // { indices: Int32Array [0, 1], values: Float64Array [−0.4076…, −1.4076…] }
 */
export const topLogProbs: Api['topLogProbs'] = api.topLogProbs;

/**
 * The entropy of softmax(row) for each row, from the logits in one pass (log-sum-exp minus the
 * softmax-weighted mean logit); stable for ±1e4 and −∞ logits; `grad` receives ∂/∂logits
 * (−p·(log p + H): the entropy bonus of policy-gradient training).
 * @example softmaxEntropy([0, 0, 0, 0], { base: 2 }) // 2
 */
export const softmaxEntropy: Api['softmaxEntropy'] = api.softmaxEntropy;

/**
 * lm-evaluation-harness's loglikelihood of a continuation: the summed log-probability of the
 * targets of rows `start` on, and isGreedy (each is its row's arg-max, the lowest id on a tie).
 * @example continuationScore([2, 1, 0, 0, 3, 1], [0, 1], { classes: 3, start: 1 }) // { logLikelihood: −0.1698…, isGreedy: true, tokens: 1 }
 */
export const continuationScore: Api['continuationScore'] = api.continuationScore;

/**
 * lm-evaluation-harness's brier_score: Σ_k (p_k − onehot_k)² per row (probabilities, or softmax
 * of logits with fromLogits), their mean by default.
 * @example brierScore([0.7, 0.3], [0], { classes: 2 }) // 0.18
 */
export const brierScore: Api['brierScore'] = api.brierScore;

/**
 * torchmetrics' MulticlassCalibrationError (top-label confidence) when `classes` is given, its
 * BinaryCalibrationError when not: 'l1' (ECE, the default), 'l2' (RMSCE) or 'max' (MCE) over
 * `bins` (15) equal-width bins, torchmetrics' float32 edges included.
 * @example calibrationError([0.25, 0.25, 0.55, 0.75, 0.75], [0, 0, 1, 1, 1], { bins: 2 }) // 0.29
 */
export const calibrationError: Api['calibrationError'] = api.calibrationError;

/**
 * The bins of calibrationError for a reliability diagram: edges, count, mean confidence and
 * accuracy per bin (bins + 1 of them: the last holds the confidences equal to 1).
 * @example reliabilityBins([0.25, 0.25, 0.55, 0.75, 0.75], [0, 0, 1, 1, 1], { bins: 2 }).accuracy // Float64Array [0, 1, 0]
 */
export const reliabilityBins: Api['reliabilityBins'] = api.reliabilityBins;

/**
 * Temperature scaling (Guo et al. 2017): the T > 0 minimising the mean NLL of softmax(logits / T)
 * on held-out data, to 1e-9 relative, by a safeguarded Newton solve with exact first and second
 * derivatives (one fused pass over the data per iteration).
 * @example fitTemperature(logits, labels, { classes: 10 }) // { temperature: 1.56…, nll: 1.37…, nllBefore: 1.49… }
 */
export const fitTemperature: Api['fitTemperature'] = api.fitTemperature;

/**
 * A mergeable accumulator of a reduced function (or of perplexity): `update` with batches (the
 * function's arguments and checks), `merge` another's state, `compute`, `reset`, `toJSON`.
 * @example const acc = accumulator('perplexity', { classes: 3 }); acc.update([2, 1, 0], [0]); acc.compute().perplexity // 1.5032…
 */
export const accumulator: Api['accumulator'] = api.accumulator;

/**
 * An accumulator from the JSON state of `toJSON()` (sent by a worker or another process).
 * @example const acc = restoreAccumulator(JSON.parse(JSON.stringify(other)))
 */
export const restoreAccumulator: Api['restoreAccumulator'] = api.restoreAccumulator;

/**
 * Marks a Uint16Array as float16 bit patterns (a Uint16Array is never taken for float16 unless
 * marked); a Float16Array, where the runtime has one, is accepted as it is.
 * @example entropy(float16(new Uint16Array([0x3800, 0x3800]))) // 0.6931… (two halves)
 */
export const float16: Api['float16'] = api.float16;

/**
 * PyTorch's `F.ctc_loss`: −log p(target | frames), summed over every alignment of the labels to
 * the frames, per sample; `logProbs` [T, N, C] (or [N, T, C] with `batchFirst`; raw logits with
 * `fromLogits`), targets 'concatenated' (default) or 'padded'; PyTorch's reductions ('mean' divides
 * each loss by its target length), `zeroInfinity`, and gradient (exp(logProbs) − γ, PyTorch's).
 * @example ctcLoss([-1.2, -0.4, -2.0, -0.9, -1.1, -1.4], [1], { classes: 3, inputLengths: [2], targetLengths: [1] }) // 1.0535…
 */
export const ctcLoss: Api['ctcLoss'] = api.ctcLoss;

/**
 * The best path of each sample: the arg-max class of each frame, repeats merged, blanks dropped,
 * with the frame at which each label starts.
 * @example ctcGreedyDecode([0, 2, 1, 0, 2, 1, 3, 0, 0], { classes: 3, inputLengths: [3] })[0].labels // Int32Array [1]
 */
export const ctcGreedyDecode: Api['ctcGreedyDecode'] = api.ctcGreedyDecode;

/**
 * CTC prefix beam search without a language model: the `topPaths` most probable label sequences
 * of each sample (best first), each with its log-probability, the sum over the alignments the beam
 * kept (exact when `beamWidth` keeps every prefix).
 * @example ctcBeamSearch(logProbs, { classes: 32, inputLengths: [T], beamWidth: 8, topPaths: 2 })[0][0].labels
 */
export const ctcBeamSearch: Api['ctcBeamSearch'] = api.ctcBeamSearch;
