#!/usr/bin/env bash
# The national benchmark (issue 21), outside CI: all of mainland China's jurisdictions (cnmaps
# 1.1.9 wheel from PyPI, Amap boundaries, GCJ-02 → WGS84), SYNTHETIC plan zones at a chosen
# density as GeoParquet (examples/national_plans.rs), then
#   1. `borderscape borders` on the counties against GeoPandas + libpysal (alternating runs,
#      median per-pair ratio) and the rook/queen pairs of both compared;
#   2. `borderscape analyze --only borders,conflicts` on the plans: wall time and peak RSS.
# Usage: benches/national/run.sh [ZONES] [RUNS]   (ZONES default 1000000: also 10000000, 100000000)
# PEERS=0 skips step 1; WHOLE=0 skips step 2; PARTITIONS=province (or city) runs step 2 in
# partitions by border too (and compares the tables when the whole run ran).
set -euo pipefail
cd "$(dirname "$0")/../.."
zones=${1:-1000000}
runs=${2:-3}
dir=${NATIONAL_DIR:-/tmp/borderscape-national}
venv=${PEERS_VENV:-/tmp/borderscape-peers}
mkdir -p "$dir"
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q geopandas libpysal shapely pyproj pyogrio; }
cargo build --release --quiet --bin borderscape --example national_plans
bs=./target/release/borderscape
china=$dir/china_gcj02.geojson
[ -f "$china" ] || python3 benches/national/fetch_china.py --wheels "$dir/wheels" --out "$china"
[ -f "$dir/jurisdictions.parquet" ] ||
  $bs convert "$china" "$dir/jurisdictions.parquet" --from-datum gcj02 --to-datum wgs84 --quiet

out=$(mktemp -d)
source benches/peers/compare.sh
if [ "${PEERS:-1}" = 1 ]; then
echo "borders, all of China's county-level units (cnmaps 1.1.9), $runs alternating runs:"
compare "borderscape borders" "GeoPandas + libpysal + shapely + pyproj" -- \
  $bs borders "$china" --datum gcj02 --level county --out "$out/ours.csv" --quiet -- \
  "$venv/bin/python" benches/peers/borders_peer.py "$china" county "$out/peer.csv"
# Rook (shared edge) and queen (edge or point) pairs at every level, ours against libpysal's;
# the longest shared borders' geodesic lengths side by side.
for level in county city province; do
  if [ "$level" != county ]; then
    $bs borders "$china" --datum gcj02 --level "$level" --out "$out/ours.csv" --quiet
    "$venv/bin/python" benches/peers/borders_peer.py "$china" "$level" "$out/peer.csv" 2>/dev/null
  fi
  python3 - "$out/ours.csv" "$out/peer.csv" "$level" <<'PY'
import csv, sys
rows = lambda f: list(csv.DictReader(open(f, encoding="utf-8")))
ours, peer = rows(sys.argv[1]), rows(sys.argv[2])
rook = lambda rs: {(r["a"], r["b"]) for r in rs if r["kind"] == "edge"}
queen = lambda rs: {(r["a"], r["b"]) for r in rs}
print(f"  {sys.argv[3]}: rook pairs {len(rook(ours))} (libpysal {len(rook(peer))}, equal: {rook(ours) == rook(peer)}), "
      f"queen pairs {len(queen(ours))} (libpysal {len(queen(peer))}, equal: {queen(ours) == queen(peer)})")
length = {(r["a"], r["b"]): float(r["length_km"]) for r in peer}
worst = max((abs(float(r["length_km"]) - length[(r["a"], r["b"])]) for r in ours if (r["a"], r["b"]) in length), default=0)
print(f"    largest difference of a shared border's geodesic length: {worst:.3f} km")
PY
done
fi

plans=$dir/plans_$zones.parquet
[ -f "$plans" ] || /usr/bin/time -f "  generated in %e s, peak %M KB" \
  ./target/release/examples/national_plans "$dir/jurisdictions.parquet" "$plans" "$zones"
project=$dir/project_$zones
mkdir -p "$project"
ln -sf "$dir/jurisdictions.parquet" "$project/jurisdictions.parquet"
ln -sf "$plans" "$project/plans.parquet"
cat > "$project/borderscape.toml" <<TOML
# SYNTHETIC plans ($zones zones, examples/national_plans.rs) over mainland China's jurisdictions (cnmaps 1.1.9).
[region]
name = "China (national benchmark, SYNTHETIC plans)"
crs = "auto"

[layers.jurisdictions]
path = "jurisdictions.parquet"
datum = "wgs84"

[layers.plans]
path = "plans.parquet"
datum = "wgs84"
synthetic = true
TOML
if [ "${WHOLE:-1}" = 1 ]; then
  echo "analyze --only borders,conflicts, $zones SYNTHETIC zones:"
  rm -rf "$project/results"
  /usr/bin/time -f "  %e s, peak RSS %M KB" $bs analyze "$project" --only borders,conflicts \
    --format parquet --out "$project/results" --quiet
fi
# PARTITIONS=province (or city): conflicts in partitions by border, the plans read in parts.
if [ -n "${PARTITIONS:-}" ]; then
  echo "analyze --only borders,conflicts --partitions $PARTITIONS, $zones SYNTHETIC zones:"
  rm -rf "$project/results_partitioned"
  /usr/bin/time -f "  %e s, peak RSS %M KB" $bs analyze "$project" --only borders,conflicts \
    --partitions "$PARTITIONS" --format parquet --out "$project/results_partitioned"
  if [ -d "$project/results" ]; then
    for t in conflicts conflicts_by_border plan_consistency; do
      cmp -s "$project/results/tables/$t.csv" "$project/results_partitioned/tables/$t.csv" &&
        echo "  $t: equal to the whole run" || echo "  $t: DIFFERS from the whole run"
    done
  fi
fi
