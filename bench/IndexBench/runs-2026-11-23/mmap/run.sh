#!/bin/bash
# The 1M full-vs-mmap run of bench/RESULTS.md ("Memory-mapped index loading"). Run from the folder holding hnsw32-1m.ttvx and flat1m.ttvx (made with
# "IndexBench mmap build"); REPO is the repository root, TWOTOWER_ARTIFACTS the build output of IndexBench.
B=$TWOTOWER_ARTIFACTS/bin/IndexBench/release/IndexBench
P=$REPO/bench/IndexBench/peers/faiss_mmap_load.py
echo "# hnsw32-1m $(date -u +%FT%TZ) $(uptime)"
for r in 1 2 3 4; do for m in full mmap mmap-noverify; do $B mmap open hnsw32-1m.ttvx $m 10 64; done; done
echo "# flat-1m $(date -u +%FT%TZ) $(uptime)"
[ -f faiss-flat1m.faiss ] || /usr/bin/python3 $P build 1000000 faiss-flat1m.faiss
for r in 1 2; do
  for m in full mmap mmap-noverify; do $B mmap open flat1m.ttvx $m 10; done
  for m in full mmap; do /usr/bin/python3 $P open faiss-flat1m.faiss $m 10; done
done
echo "# done $(date -u +%FT%TZ) $(uptime)"
