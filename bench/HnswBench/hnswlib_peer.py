"""hnswlib peer for HnswBench, timed like it: batched search on 1 thread, best of --repeats runs, wall-clock
and process CPU time (CPU time is steadier when other jobs share the cores). Data from the peers' ann_bench.py.
usage: /usr/bin/python3 hnswlib_peer.py [--n 100000] [--m 16] [--ef 32,64,96] [--repeats 3]
(PEERS_DIR: folder of ann_bench.py, default ../../../shared/peers relative to this file)"""
import argparse, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("PEERS_DIR", os.path.join(here, "..", "..", "..", "shared", "peers")))
import numpy as np, hnswlib, ann_bench

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=100000)
ap.add_argument("--m", type=int, default=16)
ap.add_argument("--ef", default="32,64,96")
ap.add_argument("--repeats", type=int, default=3)
a = ap.parse_args()
base, q, gt = ann_bench.load(a.n)
path = os.path.join(ann_bench.CACHE, f"hnswlib_M{a.m}_{a.n}.bin")
index = hnswlib.Index(space="ip", dim=base.shape[1])
if os.path.exists(path):
    index.load_index(path)
    print(f"loaded {path}")
else:
    index.init_index(max_elements=a.n, ef_construction=200, M=a.m)
    t, c = time.perf_counter(), time.process_time()
    index.add_items(base, np.arange(a.n), num_threads=2)
    print(f"build (2 threads, M {a.m}, efC 200): {time.perf_counter() - t:.2f} s wall, {time.process_time() - c:.2f} s CPU")
    index.save_index(path)
print(f"{'ef':>5} {'recall@10':>9} {'QPS wall':>9} {'QPS cpu':>9}")
for ef in map(int, a.ef.split(",")):
    index.set_ef(ef)
    index.knn_query(q[:10], k=10, num_threads=1)
    wall, cpu = [], []
    for _ in range(a.repeats):
        t, c = time.perf_counter(), time.process_time()
        res = index.knn_query(q, k=10, num_threads=1)[0].astype(np.int64)
        wall.append(len(q) / (time.perf_counter() - t)); cpu.append(len(q) / (time.process_time() - c))
    print(f"{ef:>5} {ann_bench.recall(res, gt):9.4f} {max(wall):9.0f} {max(cpu):9.0f}", flush=True)
