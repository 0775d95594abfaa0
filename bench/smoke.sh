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

"${cli[@]}" bench train --quick --json --train "$splits/p1/train.csv" --items "$ml" 2>/dev/null | check "bench train" examples_per_s
"${cli[@]}" bench latency --data "$ml" --items 2500 --factors 16 --queries 300 --json 2>/dev/null | check "bench latency" p99_ms
