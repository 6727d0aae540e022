#!/usr/bin/env bash
# Whole-command timings, borderscape vs its Python peers, side by side in one session.
# Installs the peers (GeoPandas, libpysal, shapely, pyproj, pyogrio) into a venv on first use.
# Usage: benches/peers/run.sh [RUNS] [borders|conflicts|all]
#   (default 5 runs each, all jobs; prints median wall-clock seconds and peak memory)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
jobs=${2:-all}
venv=${PEERS_VENV:-/tmp/borderscape-peers}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q geopandas libpysal shapely pyproj pyogrio; }
cargo build --release --quiet --bin borderscape --example large_plans
out=$(mktemp -d)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Median seconds and the largest peak resident memory (MB) over the runs.
time_cmd() {
  for _ in $(seq "$runs"); do /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; done |
    awk '{print $1, $2}' | sort -n | awk '{t[NR]=$1; if ($2>m) m=$2} END {printf "%s s, %.0f MB", t[int((NR+1)/2)], m/1024}'
}
ratio() { awk -v a="${1%% s*}" -v b="${2%% s*}" 'BEGIN { printf "  ratio (peer / borderscape): %.1f x\n", b / a }'; }

if [ "$jobs" = borders ] || [ "$jobs" = all ]; then
  data=../shared/data/yrd/jurisdictions.geojson
  ours=$(time_cmd ./target/release/borderscape borders "$data" --datum gcj02 --level county --out "$out/ours.csv" --quiet)
  peer=$(time_cmd "$venv/bin/python" benches/peers/borders_peer.py "$data" county "$out/peer.csv")
  echo "borders, YRD counties (305 units, 375k vertices), median of $runs runs:"
  echo "  borderscape borders: $ours"
  echo "  GeoPandas + libpysal + shapely + pyproj: $peer"
  ratio "$ours" "$peer"
fi

if [ "$jobs" = conflicts ] || [ "$jobs" = all ]; then
  project=${BENCH_PROJECT:-/tmp/borderscape-large-plans}
  [ -f "$project/plans.gpkg" ] || ./target/release/examples/large_plans "$project" 1000000
  ours=$(time_cmd ./target/release/borderscape analyze "$project" --only conflicts --out "$out/results" --quiet)
  peer=$(time_cmd "$venv/bin/python" benches/peers/conflicts_peer.py "$project/plans.gpkg" crates/core/data/compatibility.csv 1000 "$out/peer.csv")
  echo "conflicts, 1M synthetic plan zones over 100 jurisdictions, median of $runs runs:"
  echo "  borderscape analyze --only conflicts: $ours"
  echo "  GeoPandas sjoin(dwithin) + shapely: $peer"
  ratio "$ours" "$peer"
fi
