#!/usr/bin/env bash
# The rivers analysis at scale (issue 17): a synthetic tree of ~100 000 reaches over 55 × 55
# counties with 10 000 wastewater plants (crates/cli/examples/large_rivers.rs), origin tracking at
# county level, 99 siting permutations; and the rivers analysis on the demo.
# Usage: benches/rivers_large.sh [RUNS]   (prints the analysis seconds from run.json, the whole
# command's wall seconds and peak memory, per run)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cargo build --release --quiet --bin borderscape --example large_rivers
out=$(mktemp -d)
./target/release/examples/large_rivers "$out/large" >/dev/null
./target/release/borderscape demo --out "$out/demo" --quiet
for project in large demo; do
  echo "$project:"
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$out/t" -f "%e %M" ./target/release/borderscape analyze "$out/$project" --only rivers --quiet
    python3 -c "import json,sys; s=json.load(open(sys.argv[1]))['seconds']['rivers']; w,m=open(sys.argv[2]).read().split(); print(f'  rivers {s:.2f} s, whole command {w} s, peak {int(m)/1024:.0f} MB')" \
      "$out/$project/results/run.json" "$out/t"
  done
done
rm -rf "$out"
