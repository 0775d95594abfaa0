# Peer of BatchScoreBench: FAISS exact inner-product search of every user vector against the catalogue (k 10),
# the same U.npy / I.npy. Usage: OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 faiss_batch.py DIR [repeats]
import sys, time
import numpy as np, faiss

d = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
U = np.load(f"{d}/U.npy"); I = np.load(f"{d}/I.npy")
index = faiss.IndexFlatIP(I.shape[1]); index.add(I)
print(f"# faiss {faiss.__version__}, {U.shape[0]} users x {I.shape[0]} items, d {I.shape[1]}, k 10; best of {repeats} after a warm-up")
for t in (1, 2):
    faiss.omp_set_num_threads(t)
    index.search(U[:4096], 10)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); index.search(U, 10); times.append(time.perf_counter() - t0)
    best = min(times)
    print(f"faiss threads {t}: search {best:.3f} s ({U.shape[0] / best:.0f} users/s)", flush=True)
