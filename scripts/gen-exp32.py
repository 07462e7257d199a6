#!/usr/bin/env python3
"""The f32 exp polynomial of assembly/vmath.ts (expPoly32s, EXP32_P): exp(r) = 1 + r + r²·P(r)
for |r| ≤ ln 2/2 (plus 10^-4 relative: k comes from fl(x·log2 e), and the reduced argument carries
a correction below half an ulp of x), P = P0 + P1·r + … + P4·r⁴.

1. Fit: Lawson's iteratively reweighted least squares on Chebyshev nodes minimises the largest
   *relative* error of 1 + r + r²·P(r) against mpmath's exp (30 digits); the coefficients are then
   rounded to f32 one at a time (P0 first), each to whichever of its two f32 neighbours and its
   nearest gives the smaller error after refitting the ones not yet fixed.
2. Check: the kernel's f32 evaluation order (z = r², (P0 + P1·r) + (P2 + P3·r)·z + P4·z², then
   (P·z + r) + 1, every operation rounded to f32 by numpy) over 4·10^7 uniform f32 arguments and a
   grid with the ends, in f32 ulps of the exact exp (f64's exp, within 2^-29 f32 ulp); the same for
   Cephes' expf polynomial (degree 5, EXP32_K) for comparison.

Printed: the coefficients as f32 bit patterns (EXP32_P's order), the fit's own error, and both
polynomials' worst and mean error. Run: python3 scripts/gen-exp32.py   (Debian python3-mpmath,
python3-numpy). Last run: P error 0.026 ulp; f32 evaluation worst 0.845 ulp (Cephes' 0.822).
"""
import numpy as np
import mpmath

mpmath.mp.dps = 30
DEG = 5  # coefficients of P
A = 0.34658 * 1.0001

t = np.cos(np.pi * (np.arange(8000) + 0.5) / 8000)
r = A * t
r = r[np.abs(r) > 1e-7]
E = np.array([float(mpmath.exp(mpmath.mpf(x))) for x in r])
g = np.array([float((mpmath.exp(mpmath.mpf(x)) - 1 - x) / mpmath.mpf(x) ** 2) for x in r])
w = r ** 2 / E  # relative error of 1 + r + r²·P = w·(P − g)
V = np.vander(r, DEG, increasing=True)


def lawson(fixed):
    free = [i for i in range(DEG) if i not in fixed]
    rhs = g - sum(V[:, i] * v for i, v in fixed.items()) if fixed else g.copy()
    Vf = V[:, free]
    W = np.ones_like(r)
    for _ in range(400):
        sw = np.sqrt(W) * np.abs(w)
        c, *_ = np.linalg.lstsq(Vf * sw[:, None], rhs * sw, rcond=None)
        e = np.abs(w * (Vf @ c - rhs))
        W = W * e
        W /= W.sum()
    full = np.zeros(DEG)
    for i, v in fixed.items():
        full[i] = v
    for k, i in enumerate(free):
        full[i] = c[k]
    return full


def err(c):
    return np.abs(w * (V @ c - g)).max() * 2 ** 23  # f32 ulps at 1 (relative 2^-23)


fixed = {}
for i in range(DEG):
    cur = lawson(fixed)
    best = None
    v = np.float32(cur[i])
    for cand in (v, np.nextafter(v, np.float32(1)), np.nextafter(v, np.float32(-1))):
        f2 = dict(fixed)
        f2[i] = float(cand)
        c2 = lawson(f2) if len(f2) < DEG else np.array([f2[j] for j in range(DEG)])
        e = err(c2)
        if best is None or e < best[0]:
            best = (e, float(cand))
    fixed[i] = best[1]
P = [np.float32(fixed[i]) for i in range(DEG)]
print('EXP32_P (P0 … P4):', ', '.join('0x%08x' % np.float32(p).view(np.uint32) for p in P))
print('  values:', ', '.join(repr(float(p)) for p in P))
print('P error (exact arithmetic, f32 ulps at 1): %.4f' % err(np.array([float(p) for p in P])))

f32 = np.float32
Q = [f32(x) for x in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1)]
rng = np.random.default_rng(1)
worst = {'P (ours)': [0.0, 0.0], 'Cephes': [0.0, 0.0]}
n = 0
for it in range(20):
    x = rng.uniform(-A, A, 2_000_000).astype(f32)
    if it == 0:
        x = np.concatenate([x, np.linspace(-A, A, 200001).astype(f32), f32([0, 1e-30, -1e-30, 1e-8, -1e-8])])
    ref = np.exp(x.astype(np.float64))
    ulp = np.spacing(ref.astype(f32)).astype(np.float64)
    z = x * x
    z2 = z * z
    p5 = ((P[0] + P[1] * x) + (P[2] + P[3] * x) * z) + P[4] * z2
    y5 = (p5 * z + x) + f32(1)
    p6 = ((Q[0] * x + Q[1]) * z2 + (Q[2] * x + Q[3]) * z) + (Q[4] * x + Q[5])
    y6 = (p6 * z + x) + f32(1)
    for name, y in (('P (ours)', y5), ('Cephes', y6)):
        e = np.abs(y.astype(np.float64) - ref) / ulp
        worst[name][0] = max(worst[name][0], e.max())
        worst[name][1] += e.sum()
    n += x.size
for name, (wmax, wsum) in worst.items():
    print('%-9s f32 evaluation: worst %.3f ulp, mean %.3f ulp over %d arguments' % (name, wmax, wsum / n, n))
