#!/usr/bin/env bash
# Alternates HnswBench and the hnswlib peer (same data, same ef list) ROUNDS times, so that both see the same
# background load; compare the best figures of each. Needs a saved index (HnswBench --save) and the peer's cache.
# usage: bench/HnswBench/compare.sh INDEX_FILE [ROUNDS] [EF_LIST]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="${TWOTOWER_ARTIFACTS:-$here/../../artifacts}/bin/HnswBench/release/HnswBench.dll"
for r in $(seq "${2:-3}"); do
  echo "## round $r  [$(cut -d' ' -f1-3 /proc/loadavg)]"
  dotnet "$bench" --load "$1" --repeats 3 --ef "${3:-32,64,96}" | sed -n '/^ *ef/,$p' | sed 's/^/ours    /'
  /usr/bin/python3 "$here/hnswlib_peer.py" --repeats 3 --ef "${3:-32,64,96}" | sed -n '/^ *ef/,$p' | sed 's/^/hnswlib /'
done
