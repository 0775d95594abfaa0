"""Synthetic implicit-feedback data for scale checks of the toolkit (not a quality benchmark).

Usage: /usr/bin/python3 synthetic_interactions.py USERS ITEMS INTERACTIONS OUT.csv
Writes user_id,item_id,rating,timestamp. Each user draws items without replacement with probability
proportional to popularity^0.7 (Zipf, shuffled over ids) times exp(6 * cos(user, item)) in an 8-d taste space,
so there is a personal signal for a model to learn; timestamps and ratings are random.
"""
import sys

import numpy as np

rng = np.random.default_rng(7)
U, I, N, d = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), 8
pu = rng.normal(size=(U, d)); pu /= np.linalg.norm(pu, axis=1, keepdims=True)
qi = rng.normal(size=(I, d)); qi /= np.linalg.norm(qi, axis=1, keepdims=True)
logpop = -0.7 * np.log(np.arange(1, I + 1)); rng.shuffle(logpop)
counts = rng.geometric(1.0 / (N / U), size=U) + 4
t0 = 880000000
with open(sys.argv[4], "w") as f:
    f.write("user_id,item_id,rating,timestamp\n")
    for u in range(U):
        n = min(counts[u], I // 10)
        g = logpop + 6.0 * (qi @ pu[u]) + rng.gumbel(size=I)  # Gumbel top-n = sampling without replacement
        keep = np.argpartition(-g, n)[:n]
        ts = t0 + np.sort(rng.integers(0, 10**7, size=n))
        r = rng.integers(1, 6, size=n)
        f.write("".join(f"{u+1},{i+1},{rr},{t}\n" for i, rr, t in zip(rng.permutation(keep), r, ts)))
