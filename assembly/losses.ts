// Loss kernels: rows × len blocks of row-major data; per-row parameters and results are f64.
// `off` is the column of the block's first element within its row (a row longer than the
// glue's chunk arrives in pieces). Pointers that are 0 mean "absent".

/** Element i of a T array at ptr, as f64 (f32 widened exactly). Shared with index.ts. */
// @ts-ignore: decorator
@inline export function at<T>(ptr: usize, i: usize): f64 {
  return <f64>load<T>(ptr + (i << alignof<T>()));
}

// @ts-ignore: decorator
@inline function f64at(ptr: usize, i: usize): f64 {
  return load<f64>(ptr + (i << 3));
}

/**
 * log Σ exp over each row in one read: a running max m and a sum s of exp(x − m), rescaled when
 * the max grows. Equal values (±∞ included) add exp(0) = 1 without forming ∞ − ∞, so a row of
 * −∞ gives −∞ and a row holding +∞ gives +∞ (PyTorch's logsumexp); NaN propagates.
 */
export function lseRows<T>(x: usize, k: i32, len: i32, out: usize): void {
  let n = <usize>len;
  for (let r: usize = 0; r < <usize>k; r++) {
    let i = r * n;
    let m = -Infinity;
    let s: f64 = 0;
    for (let j: usize = 0; j < n; j++) {
      let v = at<T>(x, i + j);
      if (v > m) {
        s = s * Math.exp(m - v) + 1;
        m = v;
      } else if (v == m) {
        s += 1;
      } else {
        s += Math.exp(v - m);
      }
    }
    store<f64>(out + (r << 3), m + Math.log(s));
  }
}

/** out = x − lse (log) or exp(x − lse), per row. */
export function softmaxRows<T>(x: usize, lse: usize, k: i32, len: i32, log: i32, out: usize): void {
  let n = <usize>len;
  for (let r: usize = 0; r < <usize>k; r++) {
    let l = f64at(lse, r);
    let i = r * n;
    if (log) for (let j: usize = 0; j < n; j++) store<f64>(out + ((i + j) << 3), at<T>(x, i + j) - l);
    else for (let j: usize = 0; j < n; j++) store<f64>(out + ((i + j) << 3), Math.exp(at<T>(x, i + j) - l));
  }
}

/**
 * With c_j = w_j·(b1_r·t_rj + b0_r) (w, t absent: 1, 0):
 * loss[r] = Σ_j c_j·(lse_r − x_rj), mass[r] = Σ_j c_j.
 */
export function softDotRows<T>(
  x: usize, t: usize, w: usize, lse: usize, b1: usize, b0: usize, k: i32, len: i32, loss: usize, mass: usize,
): void {
  let n = <usize>len;
  for (let r: usize = 0; r < <usize>k; r++) {
    let l = f64at(lse, r), a = f64at(b1, r), b = f64at(b0, r);
    let i = r * n;
    let s: f64 = 0, c: f64 = 0;
    for (let j: usize = 0; j < n; j++) {
      let cj = b;
      if (t) cj += a * at<T>(t, i + j);
      if (w) cj *= f64at(w, j);
      s += cj * (l - at<T>(x, i + j));
      c += cj;
    }
    store<f64>(loss + (r << 3), s);
    store<f64>(mass + (r << 3), c);
  }
}

/**
 * grad_rj = gm_r·exp(x_rj − lse_r) − w_j·(gb1_r·t_rj + gb0_r) − [off + j = y_r]·gh_r.
 */
export function softmaxGradRows<T>(
  x: usize, lse: usize, gm: usize, y: usize, gh: usize, t: usize, w: usize, gb1: usize, gb0: usize,
  k: i32, len: i32, off: i32, out: usize,
): void {
  let n = <usize>len;
  for (let r: usize = 0; r < <usize>k; r++) {
    let l = f64at(lse, r), g = f64at(gm, r), a = f64at(gb1, r), b = f64at(gb0, r);
    let i = r * n;
    for (let j: usize = 0; j < n; j++) {
      let cj = b;
      if (t) cj += a * at<T>(t, i + j);
      if (w) cj *= f64at(w, j);
      store<f64>(out + ((i + j) << 3), g * Math.exp(at<T>(x, i + j) - l) - cj);
    }
    if (y) {
      let col = <i64>f64at(y, r) - <i64>off;
      if (col >= 0 && col < <i64>len) {
        let p = out + ((i + <usize>col) << 3);
        store<f64>(p, load<f64>(p) - f64at(gh, r));
      }
    }
  }
}

/**
 * PyTorch's binary_cross_entropy: −w·(y·max(log x, −100) + (1−y)·max(log1p(−x), −100)).
 * Per-row sums to `sum`; per element to `out` when given. Returns 1 if any x is outside
 * [0, 1] or NaN.
 */
export function bceRows<T>(x: usize, y: usize, w: usize, k: i32, len: i32, out: usize, sum: usize): i32 {
  let n = <usize>len;
  let bad = false;
  for (let r: usize = 0; r < <usize>k; r++) {
    let s: f64 = 0;
    let i = r * n;
    for (let j: usize = 0; j < n; j++) {
      let p = at<T>(x, i + j), t = at<T>(y, i + j);
      bad = bad | !(p >= 0 && p <= 1);
      let v = (t - 1) * max(Math.log1p(-p), -100.0) - t * max(Math.log(p), -100.0);
      if (w) v *= at<T>(w, i + j);
      if (out) store<f64>(out + ((i + j) << 3), v);
      s += v;
    }
    store<f64>(sum + (r << 3), s);
  }
  return bad ? 1 : 0;
}

/**
 * PyTorch's binary_cross_entropy_with_logits, stably:
 * loss = w·((1−y)·x + L·(log1p(exp(−|x|)) + max(−x, 0))), L = 1 + (pw_j − 1)·y;
 * grad = gs·w·((1−y) − L·σ(−x)). pw (per column) is f64; absent means 1.
 */
export function bceLogitsRows<T>(
  x: usize, y: usize, w: usize, pw: usize, k: i32, len: i32, gs: f64, out: usize, grad: usize, sum: usize,
): void {
  let n = <usize>len;
  for (let r: usize = 0; r < <usize>k; r++) {
    let s: f64 = 0;
    let i = r * n;
    for (let j: usize = 0; j < n; j++) {
      let v = at<T>(x, i + j), t = at<T>(y, i + j);
      let lw: f64 = pw ? 1 + (f64at(pw, j) - 1) * t : 1;
      let e = Math.exp(-Math.abs(v));
      let loss = (1 - t) * v + lw * (Math.log1p(e) + max(-v, 0.0));
      let ww: f64 = w ? at<T>(w, i + j) : 1;
      loss *= ww;
      if (out) store<f64>(out + ((i + j) << 3), loss);
      s += loss;
      if (grad) {
        // σ(−v), computed from e = exp(−|v|) without overflow
        let sig = v >= 0 ? e / (1 + e) : 1 / (1 + e);
        store<f64>(grad + ((i + j) << 3), gs * ww * ((1 - t) - lw * sig));
      }
    }
    store<f64>(sum + (r << 3), s);
  }
}

/**
 * PyTorch's kl_div: t·(log t − x) with 0·log 0 = 0 (xlogy), or exp(t)·(t − x) for log targets.
 */
export function klDivRows<T>(x: usize, t: usize, logTarget: i32, k: i32, len: i32, out: usize, sum: usize): void {
  let n = <usize>len;
  for (let r: usize = 0; r < <usize>k; r++) {
    let s: f64 = 0;
    let i = r * n;
    for (let j: usize = 0; j < n; j++) {
      let a = at<T>(x, i + j), b = at<T>(t, i + j);
      let v: f64;
      if (logTarget) v = Math.exp(b) * (b - a);
      else v = (b == 0 ? 0 : b * Math.log(b)) - b * a;
      if (out) store<f64>(out + ((i + j) << 3), v);
      s += v;
    }
    store<f64>(sum + (r << 3), s);
  }
}
