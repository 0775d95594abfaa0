"""Same-run peer timings for MfBench: numpy implicit ALS (the peer's own als_fit) and a numpy EASE.

usage (from the repository root): /usr/bin/python3 bench/MfBench/peer_timing.py [path/to/shared/peers]
Needs python3-numpy, python3-scipy and libopenblas0-openmp (Debian).
"""
import os
import sys
import time

import numpy as np

peers = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared", "peers")
sys.path.insert(0, peers)
import baselines as B  # noqa: E402
import data as D  # noqa: E402


def ease_fit(train, lam):
    u, i = train
    x = np.zeros((D.N_USERS, D.N_ITEMS))
    x[u, i] = 1.0
    g = x.T @ x + lam * np.eye(D.N_ITEMS)
    p = np.linalg.inv(g)
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    return b


def best(f, n=5):
    f()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts)


tr, te = D.p1_split()
full = (np.concatenate([tr[0], te[0]]), np.concatenate([tr[1], te[1]]))
print(f"numpy {np.__version__}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}")
t_als = best(lambda: B.als_fit(full, factors=64, reg=0.1, alpha=20.0, iters=15), n=2)
print(f"peer numpy iALS 64f 15 it on ML-100K: {t_als:.3f}s ({t_als / 15:.4f}s/iteration)")
t_ease = best(lambda: ease_fit(full, 300.0))
print(f"numpy EASE on ML-100K (dense float64 inv): {t_ease:.3f}s")
