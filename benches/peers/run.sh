#!/usr/bin/env bash
# Whole-command timings, borderscape vs its Python peers, side by side in one session.
# Installs the peers (GeoPandas, libpysal, shapely, pyproj, pyogrio) into a venv on first use.
# Usage: benches/peers/run.sh [RUNS] [borders|conflicts|all]
#   (default 5 runs each, all jobs; ours and the peer's alternate; prints median wall-clock
#   seconds, peak memory and the median per-pair ratio)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
jobs=${2:-all}
venv=${PEERS_VENV:-/tmp/borderscape-peers}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q geopandas libpysal shapely pyproj pyogrio; }
cargo build --release --quiet --bin borderscape --example large_plans
out=$(mktemp -d)
# compare LABEL_OURS LABEL_PEER -- OURS... -- PEER...  (alternating runs, medians, ratio)
source benches/peers/compare.sh

if [ "$jobs" = borders ] || [ "$jobs" = all ]; then
  data=$out/yrd_jurisdictions.geojson
  gzip -dc data/yrd/jurisdictions.geojson.gz > "$data"
  echo "borders, YRD counties (305 units, 375k vertices), $runs alternating runs:"
  compare "borderscape borders" "GeoPandas + libpysal + shapely + pyproj" -- \
    ./target/release/borderscape borders "$data" --datum gcj02 --level county --out "$out/ours.csv" --quiet -- \
    "$venv/bin/python" benches/peers/borders_peer.py "$data" county "$out/peer.csv"
fi

if [ "$jobs" = conflicts ] || [ "$jobs" = all ]; then
  project=${BENCH_PROJECT:-/tmp/borderscape-large-plans}
  [ -f "$project/plans.gpkg" ] || ./target/release/examples/large_plans "$project" 1000000
  echo "conflicts, 1M synthetic plan zones over 100 jurisdictions, $runs alternating runs:"
  compare "borderscape analyze --only conflicts" "GeoPandas sjoin(dwithin) + shapely" -- \
    ./target/release/borderscape analyze "$project" --only conflicts --out "$out/results" --quiet -- \
    "$venv/bin/python" benches/peers/conflicts_peer.py "$project/plans.gpkg" crates/core/data/compatibility.csv 1000 "$out/peer.csv"
  echo "  previous figures, and what moved them: benches/peers/HISTORY.md"
fi
