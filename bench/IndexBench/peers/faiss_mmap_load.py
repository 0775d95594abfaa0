"""FAISS peer for IndexBench's mmap mode: time to open a saved IndexFlatIP, time to the first query's answer,
resident memory, and warm batched 1-thread QPS, with a plain read_index and with IO_FLAG_MMAP.
usage: /usr/bin/python3 faiss_mmap_load.py build N OUT.faiss     (first N rows of $ANN_CACHE/base_1000000.npy)
       /usr/bin/python3 faiss_mmap_load.py open FILE full|mmap [k]
"""
import os, sys, tempfile, time
import numpy as np
import faiss

cache = os.environ.get("ANN_CACHE", os.path.join(tempfile.gettempdir(), "annbench"))
faiss.omp_set_num_threads(1)


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


if sys.argv[1] == "build":
    n, out = int(sys.argv[2]), sys.argv[3]
    x = np.load(os.path.join(cache, "base_1000000.npy"), mmap_mode="r")[:n]
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(np.ascontiguousarray(x, dtype=np.float32))
    faiss.write_index(index, out)
    print(f"built IndexFlatIP n {n} d {x.shape[1]}, {os.path.getsize(out) / 2**20:.0f} MiB")
else:
    path, mode = sys.argv[2], sys.argv[3]
    k = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    q = np.load(os.path.join(cache, "queries_1000000.npy")).astype(np.float32)
    before = rss_kib()
    t = time.perf_counter()
    index = faiss.read_index(path, faiss.IO_FLAG_MMAP if mode == "mmap" else 0)
    open_ms = (time.perf_counter() - t) * 1e3
    rss_open = rss_kib()
    t = time.perf_counter()
    index.search(q[:1], k)
    first_ms = (time.perf_counter() - t) * 1e3
    rss_first = rss_kib()
    index.search(q, k)
    runs, cpu_runs = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.thread_time()
        index.search(q, k)
        runs.append(len(q) / (time.perf_counter() - t))
        cpu_runs.append(len(q) / (time.thread_time() - c))
    rss_warm = rss_kib()
    print(f"faiss-{mode:<8} open_ms {open_ms:8.1f} first_query_ms {first_ms:8.1f} open+first_ms {open_ms + first_ms:8.1f} "
          f"rss_open_mib {(rss_open - before) / 1024:7.0f} rss_first_mib {(rss_first - before) / 1024:7.0f} "
          f"rss_warm_mib {(rss_warm - before) / 1024:7.0f} qps_best {max(runs):8.0f} qps_thread_cpu {max(cpu_runs):8.0f} qps_runs {'/'.join(f'{r:.0f}' for r in runs)}")
