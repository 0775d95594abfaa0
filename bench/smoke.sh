#!/usr/bin/env bash
# Benchmarks in smoke mode (seconds, tiny sizes): proves the bench commands run and print their JSON contract.
# Full runs and their figures: bench/RESULTS.md. Called by .ci/run after the tests (the CLI is already built).
set -euo pipefail
cd "$(dirname "$0")/.."
art="${TWOTOWER_ARTIFACTS:-artifacts}"
cli=(dotnet "$art/bin/TwoTower.Cli/release/twotower.dll")
shared="${TWOTOWER_SHARED:-../shared}"
ml="$shared/datasets/ml-100k"
splits="$shared/datasets/splits/ml-100k"

check() { # $1 = name, $2 = JSON key that must appear on the last line
  local last; last=$(tail -n 1)
  case "$last" in *"\"$2\""*) echo "smoke $1: ok";; *) echo "smoke $1: no \"$2\" in: $last" >&2; return 1;; esac
}
err=$(mktemp)
trap 'rm -f "$err"' EXIT
smoke() { # $1 = name, $2 = JSON key, then the CLI arguments; a failure shows the command's last error lines
  local name=$1 key=$2; shift 2
  "${cli[@]}" "$@" 2>"$err" | check "$name" "$key" || { tail -n 5 "$err" >&2; return 1; }
}

smoke "bench train" examples_per_s bench train --quick --json --train "$splits/p1/train.csv" --items "$ml"
smoke "bench ann" recall bench ann --n 2000 --d 16 --queries 100 --clusters 20 --index HNSW16 --ef 32 --repeats 1 --json
smoke "bench latency" p99_ms bench latency --data "$ml" --items 2500 --factors 16 --queries 300 --json
