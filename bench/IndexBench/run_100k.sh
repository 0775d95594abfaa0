#!/usr/bin/env bash
# Same-session ANN runs on the peers' 100k x 128 synthetic set (ann_bench.py, seed 20240601), ours and the peers alternating
# so that both see the same background load. Writes one file per run into OUT (default ./index-runs).
# Needs: the set in $ANN_CACHE (default $TMPDIR/annbench; `python3 ann_bench.py --n 100000 --gen-only` writes it), the CLI built
# (TWOTOWER_ARTIFACTS), the native hnswlib peer built from peers/hnswlib_native.cpp (HNSWLIB_NATIVE), python3-faiss, python3-hnswlib.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
peers="${PEERS_DIR:-$here/../../../shared/peers}"
cache="${ANN_CACHE:-${TMPDIR:-/tmp}/annbench}"
out="$(realpath -m "${OUT:-index-runs}")"
cli="${TWOTOWER_ARTIFACTS:-$here/../../artifacts}/bin/TwoTower.Cli/release/twotower"
native="${HNSWLIB_NATIVE:-$here/peers/hnswlib_native}"
mkdir -p "$out"
cd "$cache"
B="--base base_100000.npy --queries queries_100000.npy --gt gt_100000.npy"
for round in 1 2; do
  echo "round $round $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/log.txt"
  "$cli" index bench $B --index HNSW16 --ef 16,24,32,48,64,96,128 --threads 1 --repeats 3 --json > "$out/hnsw16_t1_r$round.txt" 2>&1
  "$native" base_100000.npy queries_100000.npy gt_100000.npy 16 16,24,32,48,64,96,128 3 > "$out/native16_r$round.txt" 2>&1
  "$cli" index bench $B --index Flat --threads 1 --repeats 3 --json > "$out/flat_t1_r$round.txt" 2>&1
  OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 "$peers/ann_bench.py" --n 100000 --index flat > "$out/faiss_flat_r$round.txt" 2>&1
  "$cli" index bench $B --index IVF256,Flat --nprobe 1,2,4,8,16,32,64 --threads 1 --repeats 3 --json > "$out/ivf256_t1_r$round.txt" 2>&1
  OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 "$peers/ann_bench.py" --n 100000 --index ivfflat > "$out/faiss_ivf_r$round.txt" 2>&1
done
"$cli" index bench $B --index HNSW16 --ef 16,24,32,48,64,96,128 --threads 2 --repeats 3 --json > "$out/hnsw16_t2.txt" 2>&1
/usr/bin/python3 "$peers/ann_bench.py" --n 100000 --index hnswlib16 > "$out/debian_hnswlib16.txt" 2>&1
"$cli" index bench $B --index HNSW32 --ef 16,24,32,48,64,96 --threads 1 --repeats 3 --json > "$out/hnsw32_t1.txt" 2>&1
"$cli" index bench $B --index IVF256,PQ16 --nprobe 8,32 --threads 1 --repeats 3 --json > "$out/ivfpq_t1.txt" 2>&1
echo "done $(date -u +%T)" >> "$out/log.txt"
