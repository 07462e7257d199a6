#!/usr/bin/env python3
"""PyTorch's CPU F.ctc_loss, forward + backward, on one thread: the baseline of bench/ctc.mjs,
which runs this script alongside itself and asks it for timings between its own rounds
(interleaved). Protocol, one line each way: "<T> <N> <C> <S> <reps>" on stdin; the median
milliseconds per forward+backward of <reps> calls on stdout ("ready" once at start). The data are
random log-probabilities (float32, as a model emits them) with targets of S labels per sample and
full input lengths, made once per shape; the loss is reduction 'sum' and its backward() the
gradient, as the benchmark's other implementations compute it.
"""
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
data = {}


def setup(T, N, C, S):
    x = F.log_softmax(torch.randn(T, N, C), -1).detach().requires_grad_(True)
    targets = torch.randint(1, C, (N, S))
    il = torch.full((N,), T, dtype=torch.long)
    tl = torch.full((N,), S, dtype=torch.long)
    return x, targets, il, tl


print('ready', flush=True)
for line in sys.stdin:
    T, N, C, S, reps = (int(v) for v in line.split())
    key = (T, N, C, S)
    if key not in data:
        data[key] = setup(T, N, C, S)
    x, targets, il, tl = data[key]
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        loss = F.ctc_loss(x, targets, il, tl, reduction='sum')
        loss.backward()
        times.append(time.perf_counter() - t0)
        x.grad = None
    times.sort()
    print(f'{times[len(times) // 2] * 1e3:.4f}', flush=True)
