#!/usr/bin/env bash
# Baseline quality on the shared splits (P1 TFRS protocol, P2 full ranking) and evaluation speed.
# usage: bash bench/baselines.sh [models...]      (default: random popularity itemknn)
# Prints a markdown table; paste it into bench/RESULTS.md with the date and commit.
set -euo pipefail
cd "$(dirname "$0")/.."
S="${TWOTOWER_SHARED:-../shared}/datasets/splits/ml-100k"
ITEMS="${TWOTOWER_SHARED:-../shared}/datasets/ml-100k"
dotnet build src/TwoTower.Cli -c Release -v q -nologo >/dev/null
CLI="dotnet artifacts/bin/TwoTower.Cli/release/twotower.dll"
[ -n "${TWOTOWER_ARTIFACTS:-}" ] && CLI="dotnet $TWOTOWER_ARTIFACTS/bin/TwoTower.Cli/release/twotower.dll"
tmp=$(mktemp -d)
models=("$@"); [ ${#models[@]} -eq 0 ] && models=(random popularity itemknn)
echo "machine: $(nproc) cores, $(uname -m); date: $(date -u +%F); commit: $(git rev-parse --short HEAD)"
echo
echo "| model | P1 top_10 | P1 top_100 | P1 f_top_100 | P2 HR@10 | P2 NDCG@10 | P2 Recall@100 | P2 MRR | P2 eval s | fit s (P2) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for m in "${models[@]}"; do
  $CLI train --model "$m" --train "$S/p1/train.csv" --items "$ITEMS" --out "$tmp/p1.zip" >/dev/null 2>&1
  p1=$($CLI evaluate --model "$tmp/p1.zip" --train "$S/p1/train.csv" --test "$S/p1/test.csv" --protocol tfrs --json 2>/dev/null | tail -1)
  fit=$($CLI train --model "$m" --train "$S/p2/train.csv" --items "$ITEMS" --out "$tmp/p2.zip" --json 2>/dev/null | tail -1)
  p2=$($CLI evaluate --model "$tmp/p2.zip" --train "$S/p2/train.csv" --test "$S/p2/test.csv" --json 2>/dev/null | tail -1)
  /usr/bin/python3 - "$m" "$p1" "$p2" "$fit" <<'PY'
import json, sys
m, p1, p2, fit = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
f = lambda v: f"{v:.4f}"
print(f"| {m} | {f(p1['top_10'])} | {f(p1['top_100'])} | {f(p1['f_top_100'])} | {f(p2['HR@10'])} | {f(p2['NDCG@10'])} | {f(p2['Recall@100'])} | {f(p2['MRR'])} | {p2['seconds']:.3f} | {fit['fit_seconds']:.3f} |")
PY
done
rm -rf "$tmp"
