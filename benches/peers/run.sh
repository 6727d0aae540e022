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
# Runs our command and the peer's alternately (so that drift of a shared machine touches both
# alike) and prints the median seconds and largest peak memory of each, and the median of the
# per-pair ratios. Usage: compare LABEL_OURS LABEL_PEER -- OURS... -- PEER...
compare() {
  local ours_label=$1 peer_label=$2; shift 3
  local ours=() peer=()
  while [ "$1" != -- ]; do ours+=("$1"); shift; done; shift
  peer=("$@")
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$out/t_ours" -f "%e %M" "${ours[@]}" >/dev/null 2>&1
    /usr/bin/time -o "$out/t_peer" -f "%e %M" "${peer[@]}" >/dev/null 2>&1
    echo "$(tail -1 "$out/t_ours") $(tail -1 "$out/t_peer")"
  done | awk -v a="$ours_label" -v b="$peer_label" -v n="$runs" '
    { t1[NR]=$1; t2[NR]=$3; r[NR]=$3/$1; if ($2>m1) m1=$2; if ($4>m2) m2=$4 }
    function median(x,   i, j, k, tmp) { for (i=1;i<=n;i++) tmp[i]=x[i];
      for (i=2;i<=n;i++) { k=tmp[i]; for (j=i-1;j>0 && tmp[j]>k;j--) tmp[j+1]=tmp[j]; tmp[j+1]=k }
      return tmp[int((n+1)/2)] }
    END { printf "  %s: %s s, %.0f MB\n  %s: %s s, %.0f MB\n  ratio (peer / borderscape), median of the %d alternating pairs: %.1f x\n",
          a, median(t1), m1/1024, b, median(t2), m2/1024, n, median(r) }'
}

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
fi
