/**
 * The kernel table: every kernel described once, by its arguments in order and how the pieces of
 * a long row combine. From this one description come
 *   - the argument object of the kernel (`KernelArgs`), which the TS twin destructures and the
 *     API layer builds: a misnamed, missing or extra argument is a compile error;
 *   - the TS type of its two WASM exports (`WasmExports`: `<name>F64`, `<name>F32`, one number per
 *     argument, in this order);
 *   - the AssemblyScript export wrappers (assembly/index.ts, written by scripts/gen-kernels.mjs),
 *     and the check that the AssemblyScript kernel's parameters have these names, roles and order
 *     (src/generated/kernel-params.ts, asserted in ./check.ts: a mismatch fails `tsc`);
 *   - the glue's slot layout, streaming and crossover (./wasm.ts), written once for all kernels.
 *
 * This file must import nothing: scripts/gen-kernels.mjs transpiles it on its own.
 *
 * Argument roles (a trailing `?`: the array may be absent — null in TS, address 0 in WASM):
 *   elem     per-element input, rows × classes, in the kernel's element type (f32 or f64)
 *   col      per-column input, one f64 per class, the same for every row
 *   row      per-row input, one f64 per row
 *   out      per-element output, rows × classes, in the kernel's element type (the f32 kernel
 *            writes f32, never through a wider scratch; the glue copies it into the caller's
 *            Float32Array or Float64Array)
 *   rowOut   per-row output, one f64 per row; a row longer than the glue's chunk arrives in
 *            pieces, whose values are combined by the kernel's `combine`
 *   rowOutK  per-row output of k f64 entries (k: the kernel's i32 argument named `k`), rows × k;
 *            the pieces of a long row are merged by the kernel's `combine` ('top')
 *   rows     the number of rows in the block
 *   classes  the length of each row in the block (of the piece, for a long row)
 *   offset   the class index of the block's first element (nonzero only for pieces of a long
 *            row); WASM only: the TS twin always sees whole rows
 *   i32, f64, bool   a scalar, the same for the whole call (bool passes as 0/1 to WASM)
 *
 * Column kernels (module 'columns', K-dimensional inputs: PyTorch's (N, C, d1, …, dk), class axis
 * 1) have a `positions` argument, S = d1·…·dk: their data are rows × classes × positions, element
 * (r, c, s) at (r·classes + c)·positions + s, and their "row" arrays (row, row?, rowOut) hold one
 * f64 per position, rows × positions, (r, s) at r·positions + s. The glue streams them in blocks
 * (rows, positions [s0, s1), classes [c0, c1)) copied compactly into scratch (./wasm.ts); `offset`
 * is then the block's first class.
 *   positions  the number of positions per class in the block
 */

export type Role =
  | 'elem'
  | 'elem?'
  | 'col'
  | 'col?'
  | 'row'
  | 'row?'
  | 'out'
  | 'out?'
  | 'rowOut'
  | 'rowOutK'
  | 'rows'
  | 'classes'
  | 'positions'
  | 'offset'
  | 'i32'
  | 'f64'
  | 'bool';

export interface Descriptor {
  /** Parameter names and roles, in the order of the WASM export and the AssemblyScript kernel. */
  readonly args: readonly (readonly [name: string, role: Role])[];
  /** 'flag': the kernel returns nonzero (TS: false) when it met a bad element, for the API layer to name. */
  readonly result?: 'flag';
  /**
   * true: the kernel needs each row whole. For rows longer than the WASM glue's chunk it is not
   * run and returns false (the caller takes another path); otherwise it returns true.
   */
  readonly whole?: true;
  /**
   * How per-row outputs of the pieces of a long row combine: added (default); for 'lseSum', the
   * two outputs (max, sum) of a log-sum-exp max + log1p(sum), sum = Σ others e^(x − max), merged
   * into one such pair (sums, not their log1p: no log1p/expm1 round trip per piece); or, for 'lse', the
   * two outputs (max, rest) of a log-sum-exp max + log1p(Σ others) merged into one such pair;
   * 'top': (max, rest) as 'lse', and the two rowOutK lists (values descending, their indices)
   * merged into the k largest (ties: the earlier piece's, the lower index, first); 'entropy':
   * (max, sum, dot) of entropyRows, sum = Σ others e^(x − max), dot = Σ e^(x − max)·(x − max),
   * merged relative to the larger max.
   */
  readonly combine?: 'add' | 'lse' | 'lseSum' | 'top' | 'entropy';
  /** The AssemblyScript module (under assembly/) that defines the generic kernel `<name><T>`. */
  readonly module: 'measures' | 'losses' | 'grads' | 'focal' | 'columns' | 'ctc' | 'scoring';
  /**
   * [f32, f64]: below this many elements (rows × classes) the `xentropy` entry runs the TS twin,
   * since copying into WASM costs more than it saves there. Measured per function and dtype by
   * `npm run bench` (bench/crossover.json; a kernel serving several functions takes the largest).
   */
  readonly crossover: readonly [f32: number, f64: number];
  /**
   * true: a third export, <name>F16 (the kernel with T = u16), reads its one per-element input as
   * float16 bits: the glue copies a float16 input's bits into its slot and calls it, instead of
   * widening them there for the F32 export. The slot has room for the block's f32 values, so the
   * kernel may still widen there (lseRowsF16 does for rows its own loop does not take).
   */
  readonly half?: true;
}

export const KERNELS = {
  /** sum[r] = Σ_j x[r, j] (the row sums that `normalize` divides by). */
  rowSums: {
    module: 'measures',
    crossover: [96, 96],
    args: [
      ['x', 'elem'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['sum', 'rowOut'],
    ],
  },
  /**
   * out[r] = Σ_j term(kind, p[r, j]·pScale[r], q[r, j]·qScale[r]) (scales absent: 1; q ignored
   * for Kind.Entropy). Flags an element of p (or q) that is negative or NaN.
   */
  rowTerms: {
    module: 'measures',
    crossover: [96, 96],
    result: 'flag',
    args: [
      ['kind', 'i32'],
      ['p', 'elem'],
      ['q', 'elem?'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['pScale', 'row?'],
      ['qScale', 'row?'],
      ['out', 'rowOut'],
    ],
  },
  /**
   * log Σ_j exp x[r, j] = max[r] + rest[r] in two parts, so that a dominant term does not swallow
   * the others: max[r] the row's maximum, rest[r] = log1p(Σ over the other elements of
   * exp(x − max)), the maximum's own 1 kept apart (one element equal to the max is "the max"; a
   * tie is an ordinary term of 1). A row of −∞ (or empty) gives (−∞, 0); a row holding +∞ gives
   * max +∞; NaN gives NaN.
   */
  lseRows: {
    module: 'losses',
    crossover: [64, 64],
    half: true,
    combine: 'lse',
    args: [
      ['x', 'elem'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['max', 'rowOut'],
      ['rest', 'rowOut'],
    ],
  },
  /**
   * count[r] = the number of elements of row r strictly greater than threshold[r] (a target's
   * rank among its logits: 0 for the greedy choice); NaN compares false both ways.
   */
  countAbove: {
    module: 'losses',
    crossover: [256, 256],
    args: [
      ['x', 'elem'],
      ['threshold', 'row'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['count', 'rowOut'],
    ],
  },
  /** out[r, j] = (x[r, j] − max[r]) − rest[r] (log) or its exp: the parts of lseRows. */
  softmaxRows: {
    module: 'losses',
    crossover: [192, 256],
    args: [
      ['x', 'elem'],
      ['max', 'row'],
      ['rest', 'row'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['log', 'bool'],
      ['out', 'out'],
    ],
  },
  /**
   * The softmax of each whole row, out[r, j] = exp(x[r, j]) / Σ_k exp(x[r, k]), or its log: what
   * softmaxRows gives from lseRows's parts (a row holding +∞ or NaN, or only −∞, is NaN
   * throughout), in one kernel. For f32 data the row's max, then one exp per element (written to
   * `out` while summed, then scaled; for log, summed as lseRows does, then (x − max) − rest); for
   * f64 data lseRows and softmaxRows per row. Rows longer than the glue's chunk: false.
   */
  softmaxFusedRows: {
    module: 'losses',
    crossover: [32, 128],
    whole: true,
    args: [
      ['x', 'elem'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['log', 'bool'],
      ['out', 'out'],
    ],
  },
  /**
   * The soft-target cross entropy of each row. With c[r, j] = classWeight[j]·(targetScale[r]·target[r, j] + uniform[r])
   * (classWeight absent: 1; target absent: 0): loss[r] = Σ_j c[r, j]·((max[r] − x[r, j]) + rest[r]) (two parts
   * of one sign, lseRows's), mass[r] = Σ_j c[r, j];
   * both exactly 0 on a row whose targetScale and uniform are 0 (an ignored row, masked as PyTorch does).
   */
  softTargetRows: {
    module: 'losses',
    crossover: [64, 64],
    args: [
      ['x', 'elem'],
      ['target', 'elem?'],
      ['classWeight', 'col?'],
      ['max', 'row'],
      ['rest', 'row'],
      ['targetScale', 'row'],
      ['uniform', 'row'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['loss', 'rowOut'],
      ['mass', 'rowOut'],
    ],
  },
  /**
   * The gradient of softmax cross entropy with respect to the logits:
   * grad[r, j] = softmaxScale[r]·p[r, j] − classWeight[j]·(targetScale[r]·target[r, j] + uniform[r])
   *              − [j = label[r]]·labelScale[r]   (label absent or −1: no label term),
   * p[r, j] = exp((x[r, j] − max[r]) − rest[r]); at the label, the p − 1 part is formed as
   * −(1 − p) = expm1(…) (a confident correct class: not rounded to 0); exactly 0 on a row whose
   * four scales are 0 (an ignored row).
   */
  softmaxGradRows: {
    module: 'losses',
    crossover: [64, 64],
    args: [
      ['x', 'elem'],
      ['target', 'elem?'],
      ['classWeight', 'col?'],
      ['max', 'row'],
      ['rest', 'row'],
      ['softmaxScale', 'row'],
      ['label', 'row?'],
      ['labelScale', 'row'],
      ['targetScale', 'row'],
      ['uniform', 'row'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['offset', 'offset'],
      ['grad', 'out'],
    ],
  },
  /**
   * PyTorch's binary_cross_entropy per element, −weight·(target·max(log input, −100) + (1−target)·max(log1p(−input), −100));
   * loss per element (when given), sum per row. Flags an input outside [0, 1] or NaN.
   */
  bceRows: {
    module: 'losses',
    crossover: [48, 96],
    result: 'flag',
    args: [
      ['input', 'elem'],
      ['target', 'elem'],
      ['weight', 'elem?'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['loss', 'out?'],
      ['sum', 'rowOut'],
    ],
  },
  /**
   * PyTorch's binary_cross_entropy_with_logits per element, with one positive weight per class;
   * loss per element (when given), grad[i] = gradScale·∂loss_i/∂input_i (when given), sum per row.
   */
  bceLogitsRows: {
    module: 'losses',
    crossover: [48, 96],
    args: [
      ['input', 'elem'],
      ['target', 'elem'],
      ['weight', 'elem?'],
      ['posWeight', 'col?'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['gradScale', 'f64'],
      ['loss', 'out?'],
      ['grad', 'out?'],
      ['sum', 'rowOut'],
    ],
  },
  /** PyTorch's kl_div per element: xlogy(target, target) − target·input, or exp(target)·(target − input) for log targets. */
  klDivRows: {
    module: 'losses',
    crossover: [192, 192],
    args: [
      ['input', 'elem'],
      ['target', 'elem'],
      ['logTarget', 'bool'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['loss', 'out?'],
      ['sum', 'rowOut'],
    ],
  },
  /**
   * PyTorch's gradient of binary_cross_entropy with respect to the input, as its backward computes it:
   * grad[i] = scale·(input[i] − target[i]) / max(input[i]·(1 − input[i]), fl32(1e-12))·weight[i]
   * (weight absent: 1). Elementwise; input in [0, 1] (bceRows has checked it).
   */
  bceGradRows: {
    module: 'grads',
    // The gradient kernels' crossovers are measured on the kernel alone (bench/grads-crossover.mjs:
    // its WASM export at every size against its TS twin on one row of 8 … 1024 elements), the
    // median break-even of three runs (the TS twins of these one-line formulas are fast), at most
    // 256 (test/hostile.test.ts takes 300 elements to be above every crossover; f32 klDiv and
    // crossEntropy measured 512; at 256 their WASM kernels were 8–12% slower than the TS twins).
    crossover: [256, 192],
    args: [
      ['input', 'elem'],
      ['target', 'elem'],
      ['weight', 'elem?'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['scale', 'f64'],
      ['grad', 'out'],
    ],
  },
  /**
   * The gradient of kl_div with respect to the input: grad[i] = −scale·target[i], or −scale·exp(target[i])
   * for log targets; scale times rowScale[r] on row r when rowScale is given (per-sample weights).
   */
  klDivGradRows: {
    module: 'grads',
    crossover: [256, 256],
    args: [
      ['target', 'elem'],
      ['logTarget', 'bool'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['scale', 'f64'],
      ['rowScale', 'row?'],
      ['grad', 'out'],
    ],
  },
  /**
   * ∂/∂q of the cross entropy −Σ p·log q (and of KL, which differs by a term free of q), times scale:
   * grad[r, j] = −scale·p/q, 0 where p = 0 (whatever q), −∞ where q = 0 < p; with pScale and qScale
   * (normalize: p̂ = p·pScale[r], qScale[r] = 1/Σ_j q[r, j]) the derivative with respect to the raw q,
   * scale·(q·qScale[r] − p̂)/q, and scale·qScale[r] where p = 0. p and q ≥ 0 (rowTerms has checked them).
   * Row r's scale is scale·rowScale[r] when rowScale is given (per-sample weights).
   */
  crossGradRows: {
    module: 'grads',
    crossover: [256, 256],
    args: [
      ['p', 'elem'],
      ['q', 'elem'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['pScale', 'row?'],
      ['qScale', 'row?'],
      ['scale', 'f64'],
      ['rowScale', 'row?'],
      ['grad', 'out'],
    ],
  },
  /**
   * torchvision's sigmoid_focal_loss per element, alpha_t·BCE-with-logits(x, t)·(1 − p_t)^gamma
   * (alpha < 0: alpha_t = 1); loss per element (when given), grad[i] = gradScale·∂loss_i/∂input_i
   * (when given), sum per row. Flags a target outside [0, 1] or NaN.
   */
  sigmoidFocalRows: {
    module: 'focal',
    crossover: [32, 32],
    result: 'flag',
    args: [
      ['input', 'elem'],
      ['target', 'elem'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['alpha', 'f64'],
      ['gamma', 'f64'],
      ['gradScale', 'f64'],
      ['loss', 'out?'],
      ['grad', 'out?'],
      ['sum', 'rowOut'],
    ],
  },
  /**
   * index[r] = the class of row r's largest element, the first of equal maxima; a NaN wins (the
   * first NaN), as torch.argmax: ctcGreedyDecode's best path, one row per frame. Rows longer than
   * the glue's chunk: false (the API layer then runs the TS twin).
   */
  argMaxRows: {
    module: 'ctc',
    crossover: [128, 128],
    whole: true,
    args: [
      ['x', 'elem'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['index', 'rowOut'],
    ],
  },
  /**
   * lseRows along the class axis, its second part before its log1p: log Σ_c exp x[r, c, s] =
   * max[r, s] + log1p(sum[r, s]), sum the Σ over the other classes of exp(x − max) (the max's own
   * 1 kept apart). The pieces of a long class axis (many in the column glue) merge their sums
   * directly; the API layer takes the log1p once.
   */
  lseCols: {
    module: 'columns',
    crossover: [64, 64],
    combine: 'lseSum',
    args: [
      ['x', 'elem'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['positions', 'positions'],
      ['max', 'rowOut'],
      ['sum', 'rowOut'],
    ],
  },
  /** countAbove along the class axis: count[r, s] = #{c : x[r, c, s] > threshold[r, s]}. */
  countAboveCols: {
    module: 'columns',
    crossover: [256, 256],
    args: [
      ['x', 'elem'],
      ['threshold', 'row'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['positions', 'positions'],
      ['count', 'rowOut'],
    ],
  },
  /** softmaxRows along the class axis: out[r, c, s] = (x[r, c, s] − max[r, s]) − rest[r, s], or its exp. */
  softmaxCols: {
    module: 'columns',
    crossover: [192, 256],
    args: [
      ['x', 'elem'],
      ['max', 'row'],
      ['rest', 'row'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['positions', 'positions'],
      ['log', 'bool'],
      ['out', 'out'],
    ],
  },
  /** softTargetRows along the class axis: loss[r, s], mass[r, s] (per-position scales). */
  softTargetCols: {
    module: 'columns',
    crossover: [64, 64],
    args: [
      ['x', 'elem'],
      ['target', 'elem?'],
      ['classWeight', 'col?'],
      ['max', 'row'],
      ['rest', 'row'],
      ['targetScale', 'row'],
      ['uniform', 'row'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['positions', 'positions'],
      ['loss', 'rowOut'],
      ['mass', 'rowOut'],
    ],
  },
  /** softmaxGradRows along the class axis: grad[r, c, s] (per-position scales and labels). */
  softmaxGradCols: {
    module: 'columns',
    crossover: [64, 64],
    args: [
      ['x', 'elem'],
      ['target', 'elem?'],
      ['classWeight', 'col?'],
      ['max', 'row'],
      ['rest', 'row'],
      ['softmaxScale', 'row'],
      ['label', 'row?'],
      ['labelScale', 'row'],
      ['targetScale', 'row'],
      ['uniform', 'row'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['positions', 'positions'],
      ['offset', 'offset'],
      ['grad', 'out'],
    ],
  },
  /**
   * topLogProbs and the top-label confidence (assembly/scoring.ts): per row, lseRows's parts
   * (max, rest) and the k largest elements (values descending as f64, indices as f64 class
   * indices from `offset`; ties: the lower index first; NaN never selected, slots not filled:
   * value −∞, index −1), in one read of the row for the selection and the max (and, with
   * `check`, a flag for an element outside [0, 1] or NaN), then the sum of the others' exp.
   * k ≤ the glue's chunk (larger k: the TS twin).
   */
  topRows: {
    module: 'scoring',
    crossover: [256, 256],
    result: 'flag',
    combine: 'top',
    args: [
      ['x', 'elem'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['offset', 'offset'],
      ['k', 'i32'],
      ['check', 'bool'],
      ['max', 'rowOut'],
      ['rest', 'rowOut'],
      ['values', 'rowOutK'],
      ['indices', 'rowOutK'],
    ],
  },
  /**
   * The entropy of softmax(row) in three parts: max[r], sum[r] = Σ over the other elements of
   * e^(x − max) (the max's own 1 kept apart), dot[r] = Σ e^(x − max)·(x − max) ≤ 0 (a −∞
   * element adds 0 to both); H = log1p(sum) − dot/(1 + sum), two terms ≥ 0. A row holding +∞
   * or NaN gives NaN parts.
   */
  entropyRows: {
    module: 'scoring',
    crossover: [64, 64],
    combine: 'entropy',
    args: [
      ['x', 'elem'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['max', 'rowOut'],
      ['sum', 'rowOut'],
      ['dot', 'rowOut'],
    ],
  },
  /**
   * The gradient of the softmax entropy with respect to the logits, times scale:
   * grad[r, j] = −scale·p·(log p + h[r]), log p = (x − max[r]) − rest[r]; 0 where x = −∞.
   */
  entropyGradRows: {
    module: 'scoring',
    crossover: [64, 64],
    args: [
      ['x', 'elem'],
      ['max', 'row'],
      ['rest', 'row'],
      ['h', 'row'],
      ['rows', 'rows'],
      ['classes', 'classes'],
      ['scale', 'f64'],
      ['grad', 'out'],
    ],
  },
} as const satisfies Record<string, Descriptor>;

export type KernelTable = typeof KERNELS;
export type KernelName = keyof KernelTable;

/** The AssemblyScript type of each role's parameter (checked against the kernels' sources). */
export const AS_TYPES = {
  elem: 'usize',
  'elem?': 'usize',
  col: 'usize',
  'col?': 'usize',
  row: 'usize',
  'row?': 'usize',
  out: 'usize',
  'out?': 'usize',
  rowOut: 'usize',
  rowOutK: 'usize',
  rows: 'i32',
  classes: 'i32',
  positions: 'i32',
  offset: 'i32',
  i32: 'i32',
  f64: 'f64',
  bool: 'bool',
} as const satisfies Record<Role, string>;
