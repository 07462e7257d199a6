// Scoring kernels: the k largest log-probabilities of each row together with its log-sum-exp
// (topLogProbs, the top-label confidence of calibrationError), and the entropy of softmax(row)
// with its gradient (softmaxEntropy). Blocks of `rows` × `classes` row-major elements; per-row
// results are f64. Descriptors, argument names and order: src/kernels/table.ts; the exports are
// generated into assembly/index.ts; the TS twins are in src/kernels/ts-scoring.ts.

import { at, EXP32_K, EXP32_LO, EXP32_P, expDiff, expfs, exp64, f64at, fastExp64, hi64, lo64, pair, storePair, subErr64, subErrNeg32 } from './vmath';
import { fastDot32, fastEnd32, fastTies32, LSE_BLOCK, LSE_K32, LSE_K64, othersFast32, othersSum32, rowMax32, rowMin32, tinyExp } from './losses';

// ---- the k largest, with the log-sum-exp ---------------------------------------------------------

/**
 * Inserts v (index idx) into the descending list of K values at vp (indices at ip), given
 * v > the list's last value: after every entry ≥ v (ties keep the earlier, lower index first),
 * the last entry dropped.
 */
// @ts-ignore: decorator (TS1206: TypeScript rejects decorators on functions; asc reads them)
@inline function insert(vp: usize, ip: usize, K: usize, v: f64, idx: f64): void {
  let p = K - 1;
  while (p > 0) {
    let w = load<f64>(vp + ((p - 1) << 3));
    if (!(w < v)) break;
    store<f64>(vp + (p << 3), w);
    store<f64>(ip + (p << 3), load<f64>(ip + ((p - 1) << 3)));
    p--;
  }
  store<f64>(vp + (p << 3), v);
  store<f64>(ip + (p << 3), idx);
}

/** The selection's flags: a +∞ or NaN element (the row's log-sum-exp takes the scalar path); an element outside [0, 1]. */
const NOT_FINITE: i32 = 1;
const OUT_OF_RANGE: i32 = 2;

/**
 * The k largest f32 elements of x[i … end) into the list at vp/ip (index base + element), in one
 * read: eight elements a step compared with the list's last value (the threshold; one compare and
 * one branch per vector, rarely taken), tested for +∞/NaN, and with `check` for [0, 1]. Not
 * inlined: one copy per element type (the module's size; `check` is a loop-invariant branch).
 */
function select32(x: usize, i: usize, end: usize, vp: usize, ip: usize, K: usize, base: f64, check: bool): i32 {
  let last = vp + ((K - 1) << 3);
  let t = load<f64>(last);
  let T = f32x4.splat(<f32>t);
  let inf = f32x4.splat(Infinity), zero = f32x4.splat(0), one = f32x4.splat(1);
  let fin = i32x4.splat(-1), ok = i32x4.splat(-1);
  let N = inf;
  for (; i + 8 <= end; i += 8) {
    let a = v128.load(x + (i << 2)), b = v128.load(x + (i << 2) + 16);
    fin = v128.and(fin, v128.and(f32x4.lt(a, inf), f32x4.lt(b, inf)));
    N = f32x4.pmin(N, f32x4.pmin(a, b));
    if (check) {
      ok = v128.and(ok, v128.and(v128.and(f32x4.ge(a, zero), f32x4.le(a, one)), v128.and(f32x4.ge(b, zero), f32x4.le(b, one))));
    }
    let ga = f32x4.gt(a, T), gb = f32x4.gt(b, T);
    if (v128.any_true(v128.or(ga, gb))) {
      // only the lanes above the threshold (bit l: element i + l), each checked again as it rises
      let bits = i32x4.bitmask(ga) | (i32x4.bitmask(gb) << 4);
      while (bits != 0) {
        let l = <usize>ctz(bits);
        bits &= bits - 1;
        let v = <f64>load<f32>(x + ((i + l) << 2));
        if (v > t) {
          insert(vp, ip, K, v, base + <f64>(i + l));
          t = load<f64>(last);
        }
      }
      T = f32x4.splat(<f32>t);
    }
  }
  let flags = (i32x4.all_true(fin) ? 0 : NOT_FINITE) | (i32x4.all_true(ok) ? 0 : OUT_OF_RANGE);
  let n = min(min(f32x4.extract_lane(N, 0), f32x4.extract_lane(N, 1)), min(f32x4.extract_lane(N, 2), f32x4.extract_lane(N, 3)));
  for (; i < end; i++) {
    let v = <f64>load<f32>(x + (i << 2));
    if (<f32>v < n) n = <f32>v;
    if (!(v < Infinity)) flags |= NOT_FINITE;
    if (check && !(v >= 0 && v <= 1)) flags |= OUT_OF_RANGE;
    if (v > t) {
      insert(vp, ip, K, v, base + <f64>i);
      t = load<f64>(last);
    }
  }
  selectMin32 = n;
  return flags;
}

/**
 * The least element of the row select32 last read (meaningful when it found no +∞ or NaN): a
 * lower bound for othersSum32's fast loop, as rowMax32's rowMin32 is.
 */
let selectMin32: f32 = 0;

/** select32 for f64 elements, four a step. */
function select64(x: usize, i: usize, end: usize, vp: usize, ip: usize, K: usize, base: f64, check: bool): i32 {
  let last = vp + ((K - 1) << 3);
  let t = load<f64>(last);
  let T = f64x2.splat(t);
  let inf = f64x2.splat(Infinity), zero = f64x2.splat(0), one = f64x2.splat(1);
  let fin = i64x2.splat(-1), ok = i64x2.splat(-1);
  for (; i + 4 <= end; i += 4) {
    let a = v128.load(x + (i << 3)), b = v128.load(x + (i << 3) + 16);
    fin = v128.and(fin, v128.and(f64x2.lt(a, inf), f64x2.lt(b, inf)));
    if (check) {
      ok = v128.and(ok, v128.and(v128.and(f64x2.ge(a, zero), f64x2.le(a, one)), v128.and(f64x2.ge(b, zero), f64x2.le(b, one))));
    }
    let ga = f64x2.gt(a, T), gb = f64x2.gt(b, T);
    if (v128.any_true(v128.or(ga, gb))) {
      let bits = i64x2.bitmask(ga) | (i64x2.bitmask(gb) << 2);
      while (bits != 0) {
        let l = <usize>ctz(bits);
        bits &= bits - 1;
        let v = load<f64>(x + ((i + l) << 3));
        if (v > t) {
          insert(vp, ip, K, v, base + <f64>(i + l));
          t = load<f64>(last);
        }
      }
      T = f64x2.splat(t);
    }
  }
  let flags = (i64x2.all_true(fin) ? 0 : NOT_FINITE) | (i64x2.all_true(ok) ? 0 : OUT_OF_RANGE);
  for (; i < end; i++) {
    let v = load<f64>(x + (i << 3));
    if (!(v < Infinity)) flags |= NOT_FINITE;
    if (check && !(v >= 0 && v <= 1)) flags |= OUT_OF_RANGE;
    if (v > t) {
      insert(vp, ip, K, v, base + <f64>i);
      t = load<f64>(last);
    }
  }
  return flags;
}

/** The state of a scalar log-sum-exp or entropy (max, sum of the others' exp, their dot with x − max). */
let gM: f64 = -Infinity;
let gS: f64 = 0;
let gT: f64 = 0;

/**
 * The entropy parts of x[i … i + n) one element at a time (short rows, tails, rows holding +∞ or
 * NaN): a running max m, the sum s of exp(x − m) over the others (the max's 1 apart) and
 * t = Σ exp(x − m)·(x − m); when the max grows the old state is rescaled,
 * t ← (t + (m_old − m)·(1 + s))·e^(m_old − m). A −∞ element adds nothing; NaN makes s NaN; +∞
 * makes t NaN (PyTorch's softmax of such a row is NaN). gS alone is lseRows's sum of others.
 */
function entropyScalar<T>(x: usize, i: usize, n: usize): void {
  let m = gM, s = gS, t = gT;
  for (let j: usize = 0; j < n; j++) {
    let v = at<T>(x, i + j);
    if (v == -Infinity) continue;
    if (v > m) {
      if (m > -Infinity) {
        let f = expDiff(m, v);
        t = (t + (m - v) * (1 + s)) * f;
        s = (s + 1) * f;
      }
      m = v;
    } else if (v == m) {
      s += 1;
    } else if (v < m) {
      let e = expDiff(v, m);
      s += e;
      t += e * (v - m);
    } else {
      s = NaN; // v is NaN
    }
  }
  gM = m;
  gS = s;
  gT = t;
}

/**
 * Σ exp(x − m) over the f64 elements x[i … end) other than one equal to their max m (finite),
 * as othersSum32 does for f32: fastExp64 of the difference with its rounding (subErr64) carried
 * in, in blocks of LSE_BLOCK elements; exp below −708 from tinyExp.
 */
function othersSum64(x: usize, i: usize, end: usize, m: f64): f64 {
  let lo = v128.load(LSE_K64), one = v128.load(LSE_K64, 32);
  let M = f64x2.splat(m);
  let S = f64x2.splat(0), C = f64x2.splat(0);
  while (i + 2 <= end) {
    let stop = min(i + LSE_BLOCK, end);
    let B = f64x2.splat(0);
    for (; i + 2 <= stop; i += 2) {
      let a = v128.load(x + (i << 3));
      let d = f64x2.sub(a, M);
      let q = f64x2.eq(a, M);
      C = f64x2.add(C, v128.and(q, one));
      let e = fastExp64(f64x2.pmax(lo, d));
      e = f64x2.add(e, f64x2.mul(e, subErr64(a, M, d)));
      let g = f64x2.ge(d, lo);
      B = f64x2.add(B, v128.and(e, v128.andnot(g, q)));
      if (!i64x2.all_true(g)) B = f64x2.add(B, tinyExp(f64x2.extract_lane(d, 0), f64x2.extract_lane(d, 1), -708));
    }
    S = f64x2.add(S, B);
  }
  let sum = f64x2.extract_lane(S, 0) + f64x2.extract_lane(S, 1);
  let ones = f64x2.extract_lane(C, 0) + f64x2.extract_lane(C, 1);
  for (; i < end; i++) {
    let v = load<f64>(x + (i << 3));
    if (v == m) ones += 1;
    else sum += expDiff(v, m);
  }
  return (ones - 1) + sum;
}

/**
 * Per row: the k largest elements (values and class indices offset + j, as f64; the list at
 * values/indices + r·k) and lseRows's parts (max[r], rest[r]). The selection's read gives the
 * max (the list's first value: NaN is never selected); a row without +∞ or NaN then sums the
 * others' exp against it (othersSum32 / othersSum64), any other row takes the scalar path.
 * Returns nonzero when `check` found an element outside [0, 1] or NaN.
 */
export function topRows<T>(
  x: usize, rows: i32, classes: i32, offset: i32, k: i32, check: bool, max: usize, rest: usize, values: usize, indices: usize,
): i32 {
  let n = <usize>classes, K = <usize>k;
  let bad: i32 = 0;
  let lo32 = v128.load(LSE_K32), one32 = v128.load(LSE_K32, 32);
  let log2e = v128.load(EXP32_K), shift = v128.load(EXP32_K, 16), c1 = v128.load(EXP32_K, 32), c2 = v128.load(EXP32_K, 48);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n, end = i + n;
    let vp = values + ((r * K) << 3), ip = indices + ((r * K) << 3);
    for (let j: usize = 0; j < K; j++) {
      store<f64>(vp + (j << 3), -Infinity);
      store<f64>(ip + (j << 3), -1);
    }
    let base = <f64>offset - <f64>i;
    let flags: i32;
    let least: f32 = -Infinity; // a lower bound of the row's elements, for othersSum32 (f32)
    if (K == 1 && !check) {
      // the arg-max alone (calibrationError's confidence, k = 1): the row's max by SIMD (NaN when
      // it holds +∞ or NaN: the scalar path), then its first index, found by a scan
      let mx: f64 = sizeof<T>() == 4 ? <f64>rowMax32(x, i, end, v128.load(LSE_K32, 16)) : rowMax64(x, i, end);
      if (sizeof<T>() == 4) least = rowMin32;
      if (mx != mx) flags = NOT_FINITE;
      else {
        flags = 0;
        if (mx > -Infinity) {
          let j = i;
          while (at<T>(x, j) != mx) j++;
          store<f64>(vp, mx);
          store<f64>(ip, base + <f64>j);
        }
      }
      if (flags & NOT_FINITE) {
        flags = sizeof<T>() == 4 ? select32(x, i, end, vp, ip, K, base, false) : select64(x, i, end, vp, ip, K, base, false);
      }
    } else if (sizeof<T>() == 4) {
      flags = select32(x, i, end, vp, ip, K, base, check);
      least = selectMin32;
    } else flags = select64(x, i, end, vp, ip, K, base, check);
    if (flags & OUT_OF_RANGE) bad = 1;
    let m = load<f64>(vp);
    let s: f64;
    if ((flags & NOT_FINITE) || !(m > -Infinity)) {
      gM = -Infinity;
      gS = 0;
      gT = 0;
      entropyScalar<T>(x, i, n);
      m = gM;
      s = gS;
    } else if (sizeof<T>() == 4) {
      // the row's least element (rowMax32's or select32's): othersSum32's fast loop where the whole
      // row is within exp's range, as logSumExp takes it (the same sum, bit for bit)
      s = othersSum32(x, i, end, <f32>m, least, lo32, one32, log2e, shift, c1, c2);
    } else {
      s = othersSum64(x, i, end, m);
    }
    store<f64>(max + (r << 3), m);
    store<f64>(rest + (r << 3), Math.log1p(s));
  }
  return bad;
}

// ---- the entropy of softmax(row) -----------------------------------------------------------------

/** The max of the f64 elements x[start … end), or NaN when one of them is +∞ or NaN (rowMax32's f64 twin). */
function rowMax64(x: usize, start: usize, end: usize): f64 {
  let inf = f64x2.splat(Infinity);
  let Ma = f64x2.splat(-Infinity), Mb = Ma;
  let fin = i64x2.splat(-1);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let a = v128.load(x + (i << 3)), b = v128.load(x + (i << 3) + 16);
    fin = v128.and(fin, v128.and(f64x2.lt(a, inf), f64x2.lt(b, inf)));
    Ma = f64x2.pmax(Ma, a);
    Mb = f64x2.pmax(Mb, b);
  }
  Ma = f64x2.pmax(Ma, Mb);
  let m = max(f64x2.extract_lane(Ma, 0), f64x2.extract_lane(Ma, 1));
  let ok = i64x2.all_true(fin);
  for (; i < end; i++) {
    let v = load<f64>(x + (i << 3));
    ok = ok && v < Infinity;
    if (v > m) m = v;
  }
  return ok ? m : NaN;
}

/**
 * The entropy parts of the f32 elements x[i … end) against their max m (finite): gS = Σ others
 * exp(x − m), gT = Σ exp(x − m)·(x − m). Four lanes at a time: expfs of the f32 difference d with
 * its rounding carried in (< 1 f32 ulp), e·d in f32 (one more rounding, 2^-24 relative), pairs
 * widened into f64 lane sums; elements equal to m counted (their d is 0: no dot term); below
 * expfs's range (−86), both terms in f64 from the f64 difference; a −∞ element adds nothing.
 */
function entropyOthers32(x: usize, i: usize, end: usize, m: f32): void {
  let lo = v128.load(LSE_K32), one = v128.load(LSE_K32, 32);
  let log2e = v128.load(EXP32_K), shift = v128.load(EXP32_K, 16), c1 = v128.load(EXP32_K, 32), c2 = v128.load(EXP32_K, 48);
  let p0 = v128.load(EXP32_P), p1 = v128.load(EXP32_P, 16), p2 = v128.load(EXP32_P, 32), p3 = v128.load(EXP32_P, 48), p4 = v128.load(EXP32_P, 64);
  let M = f32x4.splat(m);
  let S0 = f64x2.splat(0), S1 = f64x2.splat(0), D0 = f64x2.splat(0), D1 = f64x2.splat(0);
  let C = f32x4.splat(0);
  let sum: f64 = 0, dot: f64 = 0, ties: f64 = 0;
  let least = rowMin32; // entropyRows calls this right after rowMax32 on the row
  if (least - m >= EXP32_LO && i + 16 <= end) {
    sum = m >= 0 && least >= -m ? othersFast32<u8, u16, f32>(x, i, end, m) : m <= 0 ? othersFast32<u16, u16, f32>(x, i, end, m) : othersFast32<u64, u16, f32>(x, i, end, m);
    dot = fastDot32;
    ties = <f64>fastTies32;
    i = fastEnd32;
  }
  for (; i + 8 <= end; i += 8) {
    let a = v128.load(x + (i << 2)), b = v128.load(x + (i << 2) + 16);
    let da = f32x4.sub(a, M), db = f32x4.sub(b, M);
    let ea = expfs(da, subErrNeg32(a, M, da), log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
    let eb = expfs(db, subErrNeg32(b, M, db), log2e, shift, c1, c2, p0, p1, p2, p3, p4, one);
    let qa = f32x4.eq(a, M), qb = f32x4.eq(b, M);
    C = f32x4.add(C, f32x4.add(v128.and(qa, one), v128.and(qb, one)));
    let ga = f32x4.ge(da, lo), gb = f32x4.ge(db, lo);
    let ka = v128.andnot(ga, qa), kb = v128.andnot(gb, qb);
    let e = f32x4.add(v128.and(ea, ka), v128.and(eb, kb));
    let t = f32x4.add(v128.and(f32x4.mul(ea, da), ka), v128.and(f32x4.mul(eb, db), kb));
    S0 = f64x2.add(S0, lo64(e));
    S1 = f64x2.add(S1, hi64(e));
    D0 = f64x2.add(D0, lo64(t));
    D1 = f64x2.add(D1, hi64(t));
    if (!i32x4.all_true(v128.and(ga, gb))) {
      // lanes below expfs's range (or −∞): their terms in f64
      for (let l: usize = 0; l < 8; l++) {
        let d = <f64>load<f32>(x + ((i + l) << 2)) - <f64>m;
        if (d < <f64>EXP32_LO && d > -746) {
          let ex = Math.exp(d);
          sum += ex;
          dot += ex * d;
        }
      }
    }
  }
  sum += (f64x2.extract_lane(S0, 0) + f64x2.extract_lane(S1, 0)) + (f64x2.extract_lane(S0, 1) + f64x2.extract_lane(S1, 1));
  dot += (f64x2.extract_lane(D0, 0) + f64x2.extract_lane(D1, 0)) + (f64x2.extract_lane(D0, 1) + f64x2.extract_lane(D1, 1));
  let ones = ties + (<f64>(f32x4.extract_lane(C, 0) + f32x4.extract_lane(C, 1)) + <f64>(f32x4.extract_lane(C, 2) + f32x4.extract_lane(C, 3)));
  for (; i < end; i++) {
    let v = at<f32>(x, i);
    if (v == <f64>m) ones += 1;
    else if (v > -Infinity) {
      let e = expDiff(v, <f64>m);
      sum += e;
      dot += e * (v - <f64>m);
    }
  }
  gS = (ones - 1) + sum;
  gT = dot;
}

/** entropyOthers32 for f64 elements: fastExp64 with the difference's rounding carried in, e·d in f64, in blocks. */
function entropyOthers64(x: usize, i: usize, end: usize, m: f64): void {
  let lo = v128.load(LSE_K64), one = v128.load(LSE_K64, 32);
  let M = f64x2.splat(m);
  let S = f64x2.splat(0), D = f64x2.splat(0), C = f64x2.splat(0);
  let sum: f64 = 0, dot: f64 = 0;
  while (i + 2 <= end) {
    let stop = min(i + LSE_BLOCK, end);
    let B = f64x2.splat(0), E = f64x2.splat(0);
    for (; i + 2 <= stop; i += 2) {
      let a = v128.load(x + (i << 3));
      let d = f64x2.sub(a, M);
      let q = f64x2.eq(a, M);
      C = f64x2.add(C, v128.and(q, one));
      let e = fastExp64(f64x2.pmax(lo, d));
      e = f64x2.add(e, f64x2.mul(e, subErr64(a, M, d)));
      let g = f64x2.ge(d, lo);
      let keep = v128.andnot(g, q);
      B = f64x2.add(B, v128.and(e, keep));
      E = f64x2.add(E, v128.and(f64x2.mul(e, d), keep));
      if (!i64x2.all_true(g)) {
        for (let l: usize = 0; l < 2; l++) {
          let dl = load<f64>(x + ((i + l) << 3)) - m;
          if (dl < -708 && dl > -746) {
            let ex = Math.exp(dl);
            sum += ex;
            dot += ex * dl;
          }
        }
      }
    }
    S = f64x2.add(S, B);
    D = f64x2.add(D, E);
  }
  sum += f64x2.extract_lane(S, 0) + f64x2.extract_lane(S, 1);
  dot += f64x2.extract_lane(D, 0) + f64x2.extract_lane(D, 1);
  let ones = f64x2.extract_lane(C, 0) + f64x2.extract_lane(C, 1);
  for (; i < end; i++) {
    let v = load<f64>(x + (i << 3));
    if (v == m) ones += 1;
    else if (v > -Infinity) {
      let e = expDiff(v, m);
      sum += e;
      dot += e * (v - m);
    }
  }
  gS = (ones - 1) + sum;
  gT = dot;
}

/**
 * Per row the entropy parts (max, sum, dot) of softmax(row): two reads, the max (rowMax32 /
 * rowMax64), then the others' exp and their dot with x − max. A row holding +∞ or NaN, or only
 * −∞, takes the scalar path.
 */
export function entropyRows<T>(x: usize, rows: i32, classes: i32, max: usize, sum: usize, dot: usize): void {
  let n = <usize>classes;
  let inf = v128.load(LSE_K32, 16);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let i = r * n, end = i + n;
    let m: f64 = sizeof<T>() == 4 ? <f64>rowMax32(x, i, end, inf) : rowMax64(x, i, end);
    if (!(m > -Infinity)) {
      gM = -Infinity;
      gS = 0;
      gT = 0;
      entropyScalar<T>(x, i, n);
      m = gM;
    } else if (sizeof<T>() == 4) entropyOthers32(x, i, end, <f32>m);
    else entropyOthers64(x, i, end, m);
    store<f64>(max + (r << 3), m);
    store<f64>(sum + (r << 3), gS);
    store<f64>(dot + (r << 3), gT);
  }
}

/**
 * grad[r, j] = −scale·p·(log p + h[r]), log p = (x − max[r]) − rest[r] (two parts of one sign),
 * p = exp(log p); 0 where x = −∞ (p = 0). Two elements at a time in f64 (f32 widened exactly,
 * the result rounded once into f32).
 */
export function entropyGradRows<T>(x: usize, max: usize, rest: usize, h: usize, rows: i32, classes: i32, scale: f64, grad: usize): void {
  let n = <usize>classes;
  let ninf = f64x2.splat(-Infinity);
  let S = f64x2.splat(-scale);
  for (let r: usize = 0; r < <usize>rows; r++) {
    let M = f64x2.splat(f64at(max, r)), L = f64x2.splat(f64at(rest, r)), H = f64x2.splat(f64at(h, r));
    let i = r * n, end = i + n;
    for (; i < end; i += 2) {
      let last = i + 1 == end;
      let a = pair<T>(x, i, last);
      let lp = f64x2.sub(f64x2.sub(a, M), L);
      let p = exp64(lp);
      let g = f64x2.mul(S, f64x2.mul(p, f64x2.add(lp, H)));
      g = v128.andnot(g, f64x2.eq(a, ninf));
      storePair<T>(grad, i, g, last);
    }
  }
}
