#!/usr/bin/env bash
# Whole-command timings, borderscape vs its Python peers, side by side in one session.
# Installs the peers (GeoPandas, libpysal, shapely, pyproj) into a venv on first use.
# Usage: benches/peers/run.sh [RUNS]   (default 5 runs each; prints median wall-clock seconds)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
venv=${PEERS_VENV:-/tmp/borderscape-peers}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q geopandas libpysal shapely pyproj; }
cargo build --release --quiet
data=../shared/data/yrd/jurisdictions.geojson
out=$(mktemp -d)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_cmd() { for _ in $(seq "$runs"); do /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1; done | median; }
ours=$(time_cmd ./target/release/borderscape borders "$data" --datum gcj02 --level county --out "$out/ours.csv" --quiet)
peer=$(time_cmd "$venv/bin/python" benches/peers/borders_peer.py "$data" county "$out/peer.csv")
echo "borders, YRD counties (305 units, 375k vertices), median of $runs runs:"
echo "  borderscape borders: ${ours} s"
echo "  GeoPandas + libpysal + shapely + pyproj: ${peer} s"
awk -v a="$ours" -v b="$peer" 'BEGIN { printf "  ratio (peer / borderscape): %.1f x\n", b / a }'
