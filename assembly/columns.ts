// Column kernels: the loss kernels of ./losses.ts for K-dimensional inputs, PyTorch's (N, C, d1, …, dk)
// with the class axis 1. A block is `rows` × `classes` × `positions` elements, element (r, c, s)
// at (r·classes + c)·positions + s; per-position parameters and results ("row" and "rowOut"
// arrays of the descriptor) are f64, `rows` × `positions`, element (r, s) at r·positions + s.
// The SIMD lanes run over consecutive positions s: each lane does, class after class, what the
// row kernels do along a row, so no horizontal reduction is needed and every access is a
// contiguous vector. `offset` is the class of the block's first class (a long class axis arrives
// in pieces). Descriptors, argument names and order: src/kernels/table.ts; TS twins:
// src/kernels/ts-columns.ts.

import { at, EXP32_K, EXP32_LO, expDiff, expfc, f64at, fastExp64, hi64, lo64, pair, storePair, subErr, subErr32, subErr64 } from './vmath';
import { diffErr, expC, expD32, LSE_BLOCK, LSE_K32, LSE_K64, SOFTMAX_K, tinyExp } from './losses';

// ---- lanes ---------------------------------------------------------------------------------------

/**
 * Classes per tile of the elementwise kernels (softmax, gradient): a tile of TILE classes × all
 * positions is walked position group by position group, each group's per-position parameters
 * loaded once for its TILE classes; the tile (TILE·positions elements) stays in L1.
 */
const TILE: usize = 8;

/** Four f32 elements from ptr; with fewer `lanes` (a block's last positions), the missing lanes repeat lane 0. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function load4(ptr: usize, lanes: usize): v128 {
  if (lanes >= 4) return v128.load(ptr);
  let v = f32x4.splat(load<f32>(ptr));
  if (lanes > 1) v = f32x4.replace_lane(v, 1, load<f32>(ptr, 4));
  if (lanes > 2) v = f32x4.replace_lane(v, 2, load<f32>(ptr, 8));
  return v;
}

/** Four f64 per-position values from ptr as two f64x2 (lo: lanes 0, 1; hi: 2, 3), missing lanes repeating lane 0. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function lo4(ptr: usize, lanes: usize): v128 {
  return lanes >= 2 ? v128.load(ptr) : f64x2.splat(load<f64>(ptr));
}
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function hi4(ptr: usize, lanes: usize): v128 {
  if (lanes >= 4) return v128.load(ptr, 16);
  if (lanes == 3) return f64x2.replace_lane(f64x2.splat(load<f64>(ptr, 16)), 1, load<f64>(ptr));
  return f64x2.splat(load<f64>(ptr));
}

// ---- log-sum-exp over the class axis ---------------------------------------------------------------

/** The state of one position's log-sum-exp in progress: max m, sum s of the others (lseScalar's). */
let stM: f64 = -Infinity;
let stS: f64 = 0;

/**
 * Adds n elements, from element i on, `stride` apart, to the state (stM, stS): lseScalar of
 * ./losses.ts along a column. The scalar path: a block's odd last class, and positions holding
 * +∞ or NaN.
 */
function lseStrided<T>(x: usize, i: usize, n: usize, stride: usize): void {
  let m = stM, s = stS;
  for (let j: usize = 0; j < n; j++) {
    let v = at<T>(x, i + j * stride);
    if (v > m) {
      s = (s + 1) * expDiff(m, v);
      m = v;
    } else if (v == m) {
      s += 1;
    } else {
      s += expDiff(v, m);
    }
  }
  stM = m;
  stS = s;
}

const laneMax = new StaticArray<f64>(4);
const laneSum = new StaticArray<f64>(4);
const laneCount = new StaticArray<f64>(4);
const laneFin = new StaticArray<i32>(4);

/**
 * Each lane's state — max M, sum S of the terms below M, count C of the elements equal to M —
 * as one position's parts: (M, (C − 1) + S), what lseRows's `finish` makes of one lane (before its log1p),
 * after the classes from `done` on (the odd last one) are added by the scalar path. A lane that met
 * +∞ or NaN is redone on the scalar path.
 */
function finishLanes<T>(x: usize, base: usize, s: usize, lanes: usize, classes: usize, W: usize, done: usize, maxOut: usize, sumOut: usize, q: usize): void {
  for (let k = 0; k < <i32>lanes; k++) {
    let l = <usize>k;
    if (unchecked(laneFin[k]) == 0) {
      stM = -Infinity;
      stS = 0;
      lseStrided<T>(x, base + s + l, classes, W);
    } else {
      let m = unchecked(laneMax[k]);
      stM = m;
      stS = m == -Infinity ? 0 : unchecked(laneCount[k]) - 1 + unchecked(laneSum[k]);
      lseStrided<T>(x, base + done * W + s + l, classes - done, W);
    }
    store<f64>(maxOut + ((q + l) << 3), stM);
    store<f64>(sumOut + ((q + l) << 3), stS);
  }
}

/**
 * lseCols for f32 data, as lseRows32 now does it, in two reads of a block's classes: first each
 * position's max (four positions a vector, f32x4.pmax over the classes), then, with the max fixed,
 * the sum of the other terms: expfc of the f32 difference with its rounding (subErr32) in the
 * reduced argument, two classes a step added in f32 and widened into f64 lane sums, the elements
 * equal to the max counted (all but one of them terms of 1), tinyExp below −86. A position whose
 * max is not finite (+∞, NaN, or every class −∞) is redone on the scalar path.
 */
function lseCols32(x: usize, rows: i32, classes: i32, positions: i32, maxOut: usize, sumOut: usize): void {
  let C = <usize>classes, W = <usize>positions;
  let lo = v128.load(LSE_K32), inf = v128.load(LSE_K32, 16), one = v128.load(LSE_K32, 32);
  let log2e = v128.load(EXP32_K), shift = v128.load(EXP32_K, 16), c1 = v128.load(EXP32_K, 32), c2 = v128.load(EXP32_K, 48);
  let q0 = v128.load(EXP32_K, 64), q1 = v128.load(EXP32_K, 80), q2 = v128.load(EXP32_K, 96), q3 = v128.load(EXP32_K, 112);
  let q4 = v128.load(EXP32_K, 128), q5 = v128.load(EXP32_K, 144);
  let step = W << 2;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let base = r * C * W;
    for (let s0: usize = 0; s0 < W; s0 += 4) {
      let s = W >= 4 ? min(s0, W - 4) : s0; // the last group overlaps the one before: full vectors
      let lanes = min(W - s, 4);
      let first = x + ((base + s) << 2);
      // 1. the max of each lane's classes; fin: every element below +∞ (NaN included in "not")
      let M = f32x4.splat(-Infinity);
      let fin = i32x4.splat(-1);
      let p = first;
      for (let c: usize = 0; c < C; c++, p += step) {
        let a = load4(p, lanes);
        fin = v128.and(fin, f32x4.lt(a, inf));
        M = f32x4.pmax(M, a);
      }
      // 2. the other terms, relative to the fixed max
      let S0 = f64x2.splat(0), S1 = f64x2.splat(0);
      let Cn = f32x4.splat(0);
      let Mw0 = lo64(M), Mw1 = hi64(M);
      let c: usize = 0;
      p = first;
      for (; c + 2 <= C; c += 2, p += step << 1) {
        let a = load4(p, lanes), b = load4(p + step, lanes);
        let da = f32x4.sub(a, M), db = f32x4.sub(b, M);
        let ea = expfc(da, subErr32(a, M, da), log2e, shift, c1, c2, q0, q1, q2, q3, q4, q5, one);
        let eb = expfc(db, subErr32(b, M, db), log2e, shift, c1, c2, q0, q1, q2, q3, q4, q5, one);
        let qa = f32x4.eq(a, M), qb = f32x4.eq(b, M);
        Cn = f32x4.add(Cn, f32x4.add(v128.and(qa, one), v128.and(qb, one)));
        let ga = f32x4.ge(da, lo), gb = f32x4.ge(db, lo);
        let e = f32x4.add(v128.and(ea, v128.andnot(ga, qa)), v128.and(eb, v128.andnot(gb, qb)));
        S0 = f64x2.add(S0, lo64(e));
        S1 = f64x2.add(S1, hi64(e));
        if (!i32x4.all_true(v128.and(ga, gb))) {
          let wa0 = f64x2.sub(lo64(a), Mw0), wa1 = f64x2.sub(hi64(a), Mw1);
          let wb0 = f64x2.sub(lo64(b), Mw0), wb1 = f64x2.sub(hi64(b), Mw1);
          let L = <f64>EXP32_LO;
          S0 = f64x2.add(S0, f64x2.add(tinyExp(f64x2.extract_lane(wa0, 0), f64x2.extract_lane(wa0, 1), L), tinyExp(f64x2.extract_lane(wb0, 0), f64x2.extract_lane(wb0, 1), L)));
          S1 = f64x2.add(S1, f64x2.add(tinyExp(f64x2.extract_lane(wa1, 0), f64x2.extract_lane(wa1, 1), L), tinyExp(f64x2.extract_lane(wb1, 0), f64x2.extract_lane(wb1, 1), L)));
        }
      }
      unchecked((laneMax[0] = <f64>f32x4.extract_lane(M, 0)));
      unchecked((laneMax[1] = <f64>f32x4.extract_lane(M, 1)));
      unchecked((laneMax[2] = <f64>f32x4.extract_lane(M, 2)));
      unchecked((laneMax[3] = <f64>f32x4.extract_lane(M, 3)));
      unchecked((laneSum[0] = f64x2.extract_lane(S0, 0)));
      unchecked((laneSum[1] = f64x2.extract_lane(S0, 1)));
      unchecked((laneSum[2] = f64x2.extract_lane(S1, 0)));
      unchecked((laneSum[3] = f64x2.extract_lane(S1, 1)));
      unchecked((laneCount[0] = <f64>f32x4.extract_lane(Cn, 0)));
      unchecked((laneCount[1] = <f64>f32x4.extract_lane(Cn, 1)));
      unchecked((laneCount[2] = <f64>f32x4.extract_lane(Cn, 2)));
      unchecked((laneCount[3] = <f64>f32x4.extract_lane(Cn, 3)));
      unchecked((laneFin[0] = i32x4.extract_lane(fin, 0)));
      unchecked((laneFin[1] = i32x4.extract_lane(fin, 1)));
      unchecked((laneFin[2] = i32x4.extract_lane(fin, 2)));
      unchecked((laneFin[3] = i32x4.extract_lane(fin, 3)));
      for (let k = 0; k < <i32>lanes; k++) {
        let l = <usize>k;
        let m = unchecked(laneMax[k]);
        stM = -Infinity;
        stS = 0;
        if (unchecked(laneFin[k]) == 0 || !(m > -Infinity)) lseStrided<f32>(x, base + s + l, C, W);
        else {
          // the odd last class, then (ones − 1) + sum as othersSum32 (the counts are exact integers)
          let ones = unchecked(laneCount[k]), sum = unchecked(laneSum[k]);
          if (c < C) {
            let v = at<f32>(x, base + c * W + s + l);
            if (v == m) ones += 1;
            else sum += expDiff(v, m);
          }
          stM = m;
          stS = ones - 1 + sum;
        }
        store<f64>(maxOut + ((r * W + s + l) << 3), stM);
        store<f64>(sumOut + ((r * W + s + l) << 3), stS);
      }
    }
  }
}

/**
 * lseCols for f64 data: lseRows64's step with its two lanes over two consecutive positions, its
 * two vectors two consecutive classes (fastExp64 with the TwoSum carry, tinyExp below −708).
 */
function lseCols64(x: usize, rows: i32, classes: i32, positions: i32, maxOut: usize, sumOut: usize): void {
  let C = <usize>classes, W = <usize>positions;
  let lo = v128.load(LSE_K64), inf = v128.load(LSE_K64, 16), one = v128.load(LSE_K64, 32);
  let step = W << 3;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let base = r * C * W;
    for (let s0: usize = 0; s0 < W; s0 += 2) {
      let s = W >= 2 ? min(s0, W - 2) : s0; // the last pair overlaps the one before
      let lanes = min(W - s, 2);
      let M = f64x2.splat(-Infinity);
      let S = f64x2.splat(0), Cn = f64x2.splat(0);
      let fin = i64x2.splat(-1);
      let c: usize = 0;
      let p = x + ((base + s) << 3);
      while (c + 2 <= C) {
        let stop = min(c + LSE_BLOCK, C);
        let B = f64x2.splat(0);
        for (; c + 2 <= stop; c += 2, p += step << 1) {
          let a = lo4(p, lanes), b = lo4(p + step, lanes);
          fin = v128.and(fin, v128.and(f64x2.lt(a, inf), f64x2.lt(b, inf)));
          let mx = f64x2.pmax(a, b);
          if (v128.any_true(f64x2.gt(mx, M))) {
            let Mn = f64x2.pmax(M, mx);
            let grew = f64x2.gt(Mn, M);
            let m0 = f64x2.extract_lane(M, 0), n0 = f64x2.extract_lane(Mn, 0);
            let m1 = f64x2.extract_lane(M, 1), n1 = f64x2.extract_lane(Mn, 1);
            let f = f64x2.replace_lane(f64x2.splat(n0 > m0 ? expDiff(m0, n0) : 1), 1, n1 > m1 ? expDiff(m1, n1) : 1);
            S = f64x2.mul(f64x2.add(S, v128.and(Cn, grew)), f);
            Cn = v128.andnot(Cn, grew);
            B = f64x2.mul(B, f);
            M = Mn;
          }
          let da = f64x2.sub(a, M), db = f64x2.sub(b, M);
          let qa = f64x2.eq(a, M), qb = f64x2.eq(b, M);
          Cn = f64x2.add(Cn, f64x2.add(v128.and(qa, one), v128.and(qb, one)));
          let ea = fastExp64(f64x2.pmax(lo, da)), eb = fastExp64(f64x2.pmax(lo, db));
          ea = f64x2.add(ea, f64x2.mul(ea, subErr64(a, M, da)));
          eb = f64x2.add(eb, f64x2.mul(eb, subErr64(b, M, db)));
          let ga = f64x2.ge(da, lo), gb = f64x2.ge(db, lo);
          ea = v128.and(ea, v128.andnot(ga, qa));
          eb = v128.and(eb, v128.andnot(gb, qb));
          B = f64x2.add(B, f64x2.add(ea, eb));
          if (!i64x2.all_true(v128.and(ga, gb))) {
            B = f64x2.add(B, tinyExp(f64x2.extract_lane(da, 0), f64x2.extract_lane(da, 1), -708));
            B = f64x2.add(B, tinyExp(f64x2.extract_lane(db, 0), f64x2.extract_lane(db, 1), -708));
          }
        }
        S = f64x2.add(S, B);
      }
      unchecked((laneMax[0] = f64x2.extract_lane(M, 0)));
      unchecked((laneMax[1] = f64x2.extract_lane(M, 1)));
      unchecked((laneSum[0] = f64x2.extract_lane(S, 0)));
      unchecked((laneSum[1] = f64x2.extract_lane(S, 1)));
      unchecked((laneCount[0] = f64x2.extract_lane(Cn, 0)));
      unchecked((laneCount[1] = f64x2.extract_lane(Cn, 1)));
      unchecked((laneFin[0] = <i32>i64x2.extract_lane(fin, 0)));
      unchecked((laneFin[1] = <i32>i64x2.extract_lane(fin, 1)));
      finishLanes<f64>(x, base, s, lanes, C, W, c, maxOut, sumOut, r * W + s);
    }
  }
}

/** lseRows along the class axis: max[r, s] and sum[r, s], log Σ_c exp x[r, c, s] = max + log1p(sum). */
export function lseCols<T>(x: usize, rows: i32, classes: i32, positions: i32, max: usize, sum: usize): void {
  if (sizeof<T>() == 8) lseCols64(x, rows, classes, positions, max, sum);
  else lseCols32(x, rows, classes, positions, max, sum);
}

// ---- softmax and log-softmax -----------------------------------------------------------------------

/**
 * softmaxCols for f32 data: softmaxRows32's arithmetic, element for element (d in f64, the range
 * reduction in f64, Cephes' f32 polynomial; a vector with a lane outside exp's normal range takes
 * Math.exp per lane), with max and rest per lane. At least 4 positions: every vector is whole
 * (the last group of positions overlaps the one before).
 */
function softmaxCols32(x: usize, max: usize, rest: usize, rows: i32, classes: i32, positions: i32, log: bool, out: usize): void {
  let C = <usize>classes, W = <usize>positions;
  let invLn2 = v128.load(SOFTMAX_K), shift = v128.load(SOFTMAX_K, 16), ln2 = v128.load(SOFTMAX_K, 32), floor = v128.load(SOFTMAX_K, 48);
  let q0 = v128.load(EXP32_K, 64), q1 = v128.load(EXP32_K, 80), q2 = v128.load(EXP32_K, 96);
  let q3 = v128.load(EXP32_K, 112), q4 = v128.load(EXP32_K, 128), q5 = v128.load(EXP32_K, 144), one = v128.load(EXP32_K, 160);
  if (log) {
    // log-softmax is a few instructions an element: its own loop
    for (let r: usize = 0; r < <usize>rows; r++) {
      let base = r * C * W;
      for (let c0: usize = 0; c0 < C; c0 += TILE) {
        let c1 = min(c0 + TILE, C);
        for (let s0: usize = 0; s0 < W; s0 += 4) {
          let s = min(s0, W - 4);
          let pq = (r * W + s) << 3;
          let Mx0 = v128.load(max + pq), Mx1 = v128.load(max + pq, 16);
          let L0 = v128.load(rest + pq), L1 = v128.load(rest + pq, 16);
          for (let c = c0; c < c1; c++) {
            let p = (base + c * W + s) << 2;
            let a = v128.load(x + p);
            let d0 = f64x2.sub(f64x2.sub(lo64(a), Mx0), L0);
            let d1 = f64x2.sub(f64x2.sub(hi64(a), Mx1), L1);
            v128.store(out + p, v128.shuffle<u32>(f32x4.demote_f64x2_zero(d0), f32x4.demote_f64x2_zero(d1), 0, 1, 4, 5));
          }
        }
      }
    }
    return;
  }
  for (let r: usize = 0; r < <usize>rows; r++) {
    let base = r * C * W;
    for (let c0: usize = 0; c0 < C; c0 += TILE) {
      let c1 = min(c0 + TILE, C);
      for (let s0: usize = 0; s0 < W; s0 += 4) {
        let s = min(s0, W - 4); // the last group overlaps the one before: whole vectors
        let pq = (r * W + s) << 3;
        let Mx0 = v128.load(max + pq), Mx1 = v128.load(max + pq, 16);
        let L0 = v128.load(rest + pq), L1 = v128.load(rest + pq, 16);
        for (let c = c0; c < c1; c++) {
        let i = base + c * W + s;
        let a = v128.load(x + (i << 2));
        let d0 = f64x2.sub(f64x2.sub(lo64(a), Mx0), L0);
        let d1 = f64x2.sub(f64x2.sub(hi64(a), Mx1), L1);
        if (!i64x2.all_true(v128.and(f64x2.ge(d0, floor), f64x2.ge(d1, floor)))) {
          for (let j: usize = 0; j < 4; j++) {
            store<f32>(out + ((i + j) << 2), <f32>Math.exp(at<f32>(x, i + j) - f64at(max, r * W + s + j) - f64at(rest, r * W + s + j)));
          }
          continue;
        }
        v128.store(out + (i << 2), expD32(d0, d1, invLn2, shift, ln2, q0, q1, q2, q3, q4, q5, one));
        }
      }
    }
  }
}

/** out[r, c, s] = (x − max[r, s]) − rest[r, s] (log) or its exp: softmaxRows along the class axis. */
export function softmaxCols<T>(x: usize, max: usize, rest: usize, rows: i32, classes: i32, positions: i32, log: bool, out: usize): void {
  // f32 data with fewer than 4 positions (a vector's width) takes the two-lane path below, in f64
  if (sizeof<T>() == 4 && positions >= 4) return softmaxCols32(x, max, rest, rows, classes, positions, log, out);
  let C = <usize>classes, W = <usize>positions;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let base = r * C * W;
    for (let c0: usize = 0; c0 < C; c0 += TILE) {
      let c1 = min(c0 + TILE, C);
      for (let s0: usize = 0; s0 < W; s0 += 2) {
        let s = W >= 2 ? min(s0, W - 2) : s0; // the last pair overlaps the one before
        let last = s + 1 == W;
        let Mx = pair<f64>(max, r * W + s, last), L = pair<f64>(rest, r * W + s, last);
        for (let c = c0; c < c1; c++) {
          let i = base + c * W + s;
          let v = pair<T>(x, i, last);
          let s1 = f64x2.sub(v, Mx);
          let d = f64x2.sub(s1, L);
          let e = diffErr(v, Mx, L, s1, d);
          storePair<T>(out, i, log ? f64x2.add(d, e) : expC(d, e), last);
        }
      }
    }
  }
}

// ---- soft targets and the gradient --------------------------------------------------------------------

/** Stores both lanes of v at element q of an f64 array, or lane 0 alone when `last`. */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function storeF64(ptr: usize, q: usize, v: v128, last: bool): void {
  if (last) store<f64>(ptr + (q << 3), f64x2.extract_lane(v, 0));
  else v128.store(ptr + (q << 3), v);
}

/**
 * softTargetRows along the class axis: with c = classWeight[c]·(targetScale[r, s]·target[r, c, s] + uniform[r, s]),
 * loss[r, s] = Σ_c c·((max − x) + rest), mass[r, s] = Σ_c c, summed class after class as the row
 * kernel does; both 0 at a position whose targetScale and uniform are 0.
 */
export function softTargetCols<T>(
  x: usize, target: usize, classWeight: usize, max: usize, rest: usize, targetScale: usize, uniform: usize,
  rows: i32, classes: i32, positions: i32, loss: usize, mass: usize,
): void {
  let C = <usize>classes, W = <usize>positions;
  let zero = f64x2.splat(0);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let base = r * C * W;
    for (let s0: usize = 0; s0 < W; s0 += 2) {
      let s = W >= 2 ? min(s0, W - 2) : s0; // the last pair overlaps the one before
      let last = s + 1 == W;
      let q = r * W + s;
      let Mx = pair<f64>(max, q, last), L = pair<f64>(rest, q, last);
      let A = pair<f64>(targetScale, q, last), B = pair<f64>(uniform, q, last);
      let S = zero, Cs = zero;
      for (let c: usize = 0; c < C; c++) {
        let i = base + c * W + s;
        let cj = B;
        if (target) cj = f64x2.add(cj, f64x2.mul(A, pair<T>(target, i, last)));
        if (classWeight) cj = f64x2.mul(cj, f64x2.splat(f64at(classWeight, c)));
        S = f64x2.add(S, f64x2.mul(cj, f64x2.add(f64x2.sub(Mx, pair<T>(x, i, last)), L)));
        Cs = f64x2.add(Cs, cj);
      }
      // a position with no target mass (an ignored one): 0, as PyTorch masks it (0·∞ would be NaN)
      let dead = v128.and(f64x2.eq(A, zero), f64x2.eq(B, zero));
      storeF64(loss, q, v128.andnot(S, dead), last);
      storeF64(mass, q, v128.andnot(Cs, dead), last);
    }
  }
}

/**
 * softmaxGradRows along the class axis, element for element the row kernel's arithmetic:
 * grad = softmaxScale·p − classWeight[c]·(targetScale·target + uniform) − [offset + c = label]·labelScale;
 * the label's element formed again with its p − 1 part as expm1; exactly 0 at a position whose
 * four scales are 0; class weights read only at positions with a target or uniform term.
 */
export function softmaxGradCols<T>(
  x: usize, target: usize, classWeight: usize, max: usize, rest: usize, softmaxScale: usize, label: usize, labelScale: usize,
  targetScale: usize, uniform: usize, rows: i32, classes: i32, positions: i32, offset: i32, grad: usize,
): void {
  if (sizeof<T>() == 4 && positions >= 4) {
    softmaxGradCols32(x, target, classWeight, max, rest, softmaxScale, label, labelScale, targetScale, uniform, rows, classes, positions, offset, grad);
    return;
  }
  let C = <usize>classes, W = <usize>positions;
  let zero = f64x2.splat(0);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let base = r * C * W;
    // every element, in tiles of TILE classes × all positions (the input's own order, each
    // position's parameters loaded once per tile) …
    for (let c0: usize = 0; c0 < C; c0 += TILE) {
      let c1 = min(c0 + TILE, C);
      for (let s0: usize = 0; s0 < W; s0 += 2) {
        let s = W >= 2 ? min(s0, W - 2) : s0; // the last pair overlaps the one before
        let last = s + 1 == W;
        let q = r * W + s;
        let Mx = pair<f64>(max, q, last), L = pair<f64>(rest, q, last), G = pair<f64>(softmaxScale, q, last);
        let A = pair<f64>(targetScale, q, last), B = pair<f64>(uniform, q, last);
        let weighted = v128.not(v128.and(f64x2.eq(A, zero), f64x2.eq(B, zero)));
        for (let c = c0; c < c1; c++) {
          let i = base + c * W + s;
          let cc = B;
          if (target) cc = f64x2.add(cc, f64x2.mul(A, pair<T>(target, i, last)));
          if (classWeight) cc = v128.bitselect(f64x2.mul(cc, f64x2.splat(f64at(classWeight, c))), cc, weighted);
          let v = pair<T>(x, i, last);
          let s1 = f64x2.sub(v, Mx);
          let d = f64x2.sub(s1, L);
          storePair<T>(grad, i, f64x2.sub(f64x2.mul(G, expC(d, diffErr(v, Mx, L, s1, d))), cc), last);
        }
      }
    }
    labelsCols<T>(x, target, classWeight, max, rest, softmaxScale, label, labelScale, targetScale, uniform, r, C, W, offset, grad);
  }
}

/**
 * softmaxGradCols, after its elementwise pass over row r: each position's label element formed
 * again (its p − 1 part as expm1, as labelColumn in ./losses.ts), or the position's zeros when it
 * carries no weight.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function labelsCols<T>(
  x: usize, target: usize, classWeight: usize, max: usize, rest: usize, softmaxScale: usize, label: usize, labelScale: usize,
  targetScale: usize, uniform: usize, r: usize, C: usize, W: usize, offset: i32, grad: usize,
): void {
    let base = r * C * W;
    for (let s: usize = 0; s < W; s++) {
      let p = r * W + s;
      let g0 = f64at(softmaxScale, p), a0 = f64at(targetScale, p), b0 = f64at(uniform, p), ls = f64at(labelScale, p);
      if (g0 == 0 && a0 == 0 && b0 == 0 && (!label || ls == 0)) {
        // a position that carries no weight (an ignored one): exactly 0 (0·exp(NaN) would be NaN)
        for (let c: usize = 0; c < C; c++) {
          let i = base + c * W + s;
          if (sizeof<T>() == 8) store<f64>(grad + (i << 3), 0);
          else store<f32>(grad + (i << 2), 0);
        }
        continue;
      }
      if (!label) continue;
      let col = <i64>f64at(label, p) - <i64>offset;
      if (col < 0 || col >= <i64>C) continue;
      let k = base + <usize>col * W + s;
      let cv = b0;
      if (target) cv += a0 * at<T>(target, k);
      if (classWeight && (a0 != 0 || b0 != 0)) cv *= f64at(classWeight, <usize>col);
      let xk = at<T>(x, k), m = f64at(max, p), lr = f64at(rest, p);
      let s1 = xk - m, d = s1 - lr;
      let e = subErr(xk, m, s1) + subErr(s1, lr, d);
      if (e - e != 0) e = 0;
      let pk = Math.exp(d);
      let g = (g0 - ls) * (pk + pk * e) + ls * (Math.expm1(d) + pk * e) - cv;
      if (sizeof<T>() == 8) store<f64>(grad + (k << 3), g);
      else store<f32>(grad + (k << 2), <f32>g);
    }
}

/**
 * softmaxGradCols for f32 data and at least four positions: the lanes over four consecutive
 * positions (the last quad of a row overlapping the one before), p = exp((x − max) − rest) as
 * softmaxGradRows32 forms it (the difference and the range reduction in f64, exp(r) by the f32
 * polynomial, 2^k through the exponent bits: ≤ 2 f32 ulp), softmaxScale·p − classWeight·
 * (targetScale·target + uniform) in f64 lanes, rounded to f32 once; a quad with a lane whose exp is
 * not a normal f32 takes Math.exp per lane. Then labelsCols.
 */
function softmaxGradCols32(
  x: usize, target: usize, classWeight: usize, max: usize, rest: usize, softmaxScale: usize, label: usize, labelScale: usize,
  targetScale: usize, uniform: usize, rows: i32, classes: i32, positions: i32, offset: i32, grad: usize,
): void {
  let C = <usize>classes, W = <usize>positions;
  let invLn2 = v128.load(SOFTMAX_K), shift = v128.load(SOFTMAX_K, 16), ln2 = v128.load(SOFTMAX_K, 32), floor = v128.load(SOFTMAX_K, 48);
  let q0 = v128.load(EXP32_K, 64), q1 = v128.load(EXP32_K, 80), q2 = v128.load(EXP32_K, 96);
  let q3 = v128.load(EXP32_K, 112), q4 = v128.load(EXP32_K, 128), q5 = v128.load(EXP32_K, 144), one = v128.load(EXP32_K, 160);
  let zero = f64x2.splat(0);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let base = r * C * W;
    for (let c0: usize = 0; c0 < C; c0 += TILE) {
      let c1 = min(c0 + TILE, C);
      for (let s0: usize = 0; s0 < W; s0 += 4) {
        let s = min(s0, W - 4); // the last quad overlaps the one before (the same values written again)
        let q = r * W + s;
        let M0 = v128.load(max + (q << 3)), M1 = v128.load(max + (q << 3), 16);
        let L0 = v128.load(rest + (q << 3)), L1 = v128.load(rest + (q << 3), 16);
        let G0 = v128.load(softmaxScale + (q << 3)), G1 = v128.load(softmaxScale + (q << 3), 16);
        let A0 = v128.load(targetScale + (q << 3)), A1 = v128.load(targetScale + (q << 3), 16);
        let B0 = v128.load(uniform + (q << 3)), B1 = v128.load(uniform + (q << 3), 16);
        // the class weights scale only the target and uniform terms (as softmaxGradRows)
        let w0 = v128.not(v128.and(f64x2.eq(A0, zero), f64x2.eq(B0, zero)));
        let w1 = v128.not(v128.and(f64x2.eq(A1, zero), f64x2.eq(B1, zero)));
        for (let c = c0; c < c1; c++) {
          let i = base + c * W + s;
          let cc0 = B0, cc1 = B1;
          if (target) {
            let t = v128.load(target + (i << 2));
            cc0 = f64x2.add(cc0, f64x2.mul(A0, lo64(t)));
            cc1 = f64x2.add(cc1, f64x2.mul(A1, hi64(t)));
          }
          if (classWeight) {
            let w = f64x2.splat(f64at(classWeight, c));
            cc0 = v128.bitselect(f64x2.mul(cc0, w), cc0, w0);
            cc1 = v128.bitselect(f64x2.mul(cc1, w), cc1, w1);
          }
          let a = v128.load(x + (i << 2));
          let d0 = f64x2.sub(f64x2.sub(lo64(a), M0), L0);
          let d1 = f64x2.sub(f64x2.sub(hi64(a), M1), L1);
          if (!i64x2.all_true(v128.and(f64x2.ge(d0, floor), f64x2.ge(d1, floor)))) {
            for (let u: usize = 0; u < 4; u++) {
              let cv = u < 2 ? (u == 0 ? f64x2.extract_lane(cc0, 0) : f64x2.extract_lane(cc0, 1)) : u == 2 ? f64x2.extract_lane(cc1, 0) : f64x2.extract_lane(cc1, 1);
              let e = Math.exp(at<f32>(x, i + u) - f64at(max, q + u) - f64at(rest, q + u));
              store<f32>(grad + ((i + u) << 2), <f32>(f64at(softmaxScale, q + u) * e - cv));
            }
            continue;
          }
          let p = expD32(d0, d1, invLn2, shift, ln2, q0, q1, q2, q3, q4, q5, one);
          let g0 = f64x2.sub(f64x2.mul(G0, lo64(p)), cc0), g1 = f64x2.sub(f64x2.mul(G1, hi64(p)), cc1);
          v128.store(grad + (i << 2), v128.shuffle<u32>(f32x4.demote_f64x2_zero(g0), f32x4.demote_f64x2_zero(g1), 0, 1, 4, 5));
        }
      }
    }
    labelsCols<f32>(x, target, classWeight, max, rest, softmaxScale, label, labelScale, targetScale, uniform, r, C, W, offset, grad);
  }
}

// ---- ranks ----------------------------------------------------------------------------------------

/** count[r, s] = the number of classes c with x[r, c, s] > threshold[r, s] (countAbove along the class axis). */
export function countAboveCols<T>(x: usize, threshold: usize, rows: i32, classes: i32, positions: i32, count: usize): void {
  let C = <usize>classes, W = <usize>positions;
  for (let r: usize = 0; r < <usize>rows; r++) {
    let base = r * C * W;
    if (sizeof<T>() == 4) {
      for (let s0: usize = 0; s0 < W; s0 += 4) {
        let s = W >= 4 ? min(s0, W - 4) : s0; // the last group overlaps the one before: full vectors
        let lanes = min(W - s, 4);
        let pq = threshold + ((r * W + s) << 3);
        let t = v128.shuffle<u32>(f32x4.demote_f64x2_zero(lo4(pq, lanes)), f32x4.demote_f64x2_zero(hi4(pq, lanes)), 0, 1, 4, 5);
        let acc = i32x4.splat(0);
        for (let c: usize = 0; c < C; c++) acc = i32x4.sub(acc, f32x4.gt(load4(x + ((base + c * W + s) << 2), lanes), t));
        let o = count + ((r * W + s) << 3);
        store<f64>(o, <f64>i32x4.extract_lane(acc, 0));
        if (lanes > 1) store<f64>(o, <f64>i32x4.extract_lane(acc, 1), 8);
        if (lanes > 2) store<f64>(o, <f64>i32x4.extract_lane(acc, 2), 16);
        if (lanes > 3) store<f64>(o, <f64>i32x4.extract_lane(acc, 3), 24);
      }
    } else {
      for (let s0: usize = 0; s0 < W; s0 += 2) {
        let s = W >= 2 ? min(s0, W - 2) : s0; // the last pair overlaps the one before
        let last = s + 1 == W;
        let q = r * W + s;
        let t = pair<f64>(threshold, q, last);
        let acc = i64x2.splat(0);
        for (let c: usize = 0; c < C; c++) acc = i64x2.sub(acc, f64x2.gt(pair<f64>(x, base + c * W + s, last), t));
        storeF64(count, q, f64x2.convert_low_i32x4_s(v128.shuffle<u32>(acc, acc, 0, 2, 0, 2)), last);
      }
    }
  }
}
