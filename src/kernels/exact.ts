// exp of a difference, exactly rounded in its argument. exp(fl(a − b)) is off by |a − b|·2^-53
// relative (340 ulp at a gap of 600): the rounding error of the difference (Knuth's TwoSum) is
// carried into the exp as exp(s)·(1 + c). Used by the TS loss kernels and the WASM glue (whose
// AssemblyScript twins are subErr and expDiff in assembly/vmath.ts).

/** The rounding error of s = fl(a − b), exactly (a − b = s + c); 0 where it is not finite. */
export function subErr(a: number, b: number, s: number): number {
  const t = s - a;
  const c = a - (s - t) - (b + t);
  return c - c === 0 ? c : 0;
}

/** exp(a − b + q), the rounding of both additions carried into the exp. */
export function expDiff(a: number, b: number, q = 0): number {
  const s = a - b;
  const d = s + q;
  const e = Math.exp(d);
  return e + e * (subErr(a, b, s) + subErr(s, -q, d));
}
