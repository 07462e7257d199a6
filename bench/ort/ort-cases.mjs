// The ONNX Runtime side of bench/ort/run.mjs, shared by the main process (ORT-web 1 thread,
// ORT-node) and bench/ort/web-worker.mjs (ORT-web 2 threads). onnxruntime-web and
// onnxruntime-node have the same API (InferenceSession, Tensor), so one set of cases serves both.
//
// Each call is timed as transformers.js makes it: a new ort.Tensor over the same Float32Array of
// logits (and, for the losses, over the labels), session.run, then `.data` of the result (for
// ORT-web that is the copy out of the WASM heap into a JS array, made inside run()).

/** The benchmark's functions, in report order. */
export const FUNCTIONS = ['logSoftmax', 'softmax', 'logSumExp', 'softmaxCrossEntropy', 'nllLoss', 'tokenLogProbs'];

/** The model of each function (written by bench/ort/gen_models.py). */
export const MODELS = {
  logSoftmax: 'log_softmax.onnx',
  softmax: 'softmax.onnx',
  logSumExp: 'logsumexp.onnx',
  softmaxCrossEntropy: 'sce.onnx',
  nllLoss: 'nll.onnx',
  tokenLogProbs: 'token_logprobs.onnx',
};

/** Output dims of the functions whose output is an array (the ones worth pre-allocating). */
export const ARRAY_OUTPUT = {
  logSoftmax: (N, V) => [N, V],
  softmax: (N, V) => [N, V],
  logSumExp: (N) => [N],
  tokenLogProbs: (N) => [N, 1],
};

/** One session per model; `options` are the session options (threads, execution provider). */
export async function loadSessions(ort, options) {
  const sessions = {};
  for (const f of FUNCTIONS) {
    sessions[f] = await ort.InferenceSession.create(new URL(`./models/${MODELS[f]}`, import.meta.url).pathname, options);
  }
  return sessions;
}

/**
 * The calls on one size's data: `fresh[f]` lets ORT allocate the output; `prealloc[f]` passes a
 * pre-allocated output tensor as the fetch (array outputs only; the output arrays are made once per
 * size and reused, shared between functions of the same output shape and between the sessions
 * given the same `d`: the calls never overlap).
 * Each returns what a caller would read: the output's Float32Array, or the loss as a number.
 */
export function ortCases(ort, sessions, d) {
  const { N, V, logits, logProbs, labels } = d;
  const feeds = {
    logSoftmax: () => ({ input: new ort.Tensor('float32', logits, [N, V]) }),
    softmax: () => ({ input: new ort.Tensor('float32', logits, [N, V]) }),
    logSumExp: () => ({ input: new ort.Tensor('float32', logits, [N, V]) }),
    softmaxCrossEntropy: () => ({ input: new ort.Tensor('float32', logits, [N, V]), labels: new ort.Tensor('int64', labels, [N]) }),
    nllLoss: () => ({ input: new ort.Tensor('float32', logProbs, [N, V]), labels: new ort.Tensor('int64', labels, [N]) }),
    tokenLogProbs: () => ({ input: new ort.Tensor('float32', logits, [N, V]), indices: new ort.Tensor('int64', labels, [N, 1]) }),
  };
  const fresh = {};
  for (const f of FUNCTIONS) {
    const scalar = !(f in ARRAY_OUTPUT);
    fresh[f] = async () => {
      const r = await sessions[f].run(feeds[f]());
      const data = r.output.data;
      return scalar ? data[0] : data;
    };
  }
  d.outputBuffers ??= {}; // shared by every ORT of this process on this size
  const buffers = d.outputBuffers;
  const prealloc = {};
  for (const [f, dims] of Object.entries(ARRAY_OUTPUT)) {
    const shape = dims(N, V);
    const key = shape.join('x');
    buffers[key] ??= new Float32Array(shape.reduce((a, b) => a * b, 1));
    const buf = buffers[key];
    prealloc[f] = async () => {
      const r = await sessions[f].run(feeds[f](), { output: new ort.Tensor('float32', buf, shape) });
      return r.output.data;
    };
    prealloc[f].buffer = buf;
  }
  return { fresh, prealloc };
}
