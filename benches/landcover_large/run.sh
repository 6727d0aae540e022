#!/usr/bin/env bash
# Land cover at scale, whole process, side by side: borderscape vs exactextract vs rasterstats on
# a SYNTHETIC N x N class raster (default 20,000 x 20,000 = 4e8 cells, uint8, tiled 512 x 512,
# DEFLATE, WGS84 over the demo counties' extent), written by generate.py on first use, and the
# demo's 305 counties. Not run in CI (minutes per run). Results: README.md.
#
# Usage: benches/landcover_large/run.sh [PAIRS] [N]
#   PAIRS alternating runs of each pair (default 3); per-pair ratios, their median, peak RSS.
#   RASTERSTATS_EVERY=k runs rasterstats on every k-th county only and scales its time by k.
#   BENCH_VENV (default /tmp/borderscape-landcover-venv), BENCH_DIR (default
#   /tmp/borderscape-landcover-large) hold the Python peers and the data; BORDERSCAPE_BIN a
#   binary built already.
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-3}
n=${2:-20000}
every=${RASTERSTATS_EVERY:-1}
venv=${BENCH_VENV:-/tmp/borderscape-landcover-venv}
work=${BENCH_DIR:-/tmp/borderscape-landcover-large}
here=benches/landcover_large
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q numpy tifffile exactextract==0.3.0 pandas rasterio rasterstats; }
# BORDERSCAPE_BIN: a binary built already (else a release build of this tree).
bin=${BORDERSCAPE_BIN:-./target/release/borderscape}
[ -n "${BORDERSCAPE_BIN:-}" ] || cargo build --release --quiet --bin borderscape
mkdir -p "$work/project" "$work/out"
gzip -dc data/demo/jurisdictions.geojson.gz > "$work/project/jurisdictions.geojson"
counties=$work/counties_wgs84.geojson
[ -f "$counties" ] || $bin convert "$work/project/jurisdictions.geojson" "$counties" --from-datum gcj02 --to-datum wgs84 --quiet
raster=$work/project/synthetic_landcover_${n}.tif
if [ ! -f "$raster" ]; then
  # The counties' extent (GCJ-02, within 0.01 degrees of WGS84 here) padded by 0.05 degrees.
  bounds=$("$venv/bin/python" -c '
import json, sys
xs, ys = [], []
def walk(c):
    if isinstance(c[0], (int, float)): xs.append(c[0]); ys.append(c[1])
    else: [walk(x) for x in c]
for f in json.load(open(sys.argv[1]))["features"]: walk(f["geometry"]["coordinates"])
print(*(round(v, 2) for v in (min(xs) - 0.05, min(ys) - 0.05, max(xs) + 0.05, max(ys) + 0.05)))' "$work/project/jurisdictions.geojson")
  echo "writing $raster over $bounds (W S E N)"
  /usr/bin/time -f "generator: %e s, peak RSS %M KB" "$venv/bin/python" $here/generate.py "$raster" $bounds "$n"
fi
cat > "$work/project/borderscape.toml" <<TOML
[region]
name = "YRD, synthetic land cover"
[layers.jurisdictions]
path = "jurisdictions.geojson"
datum = "gcj02"
[layers.landcover]
path = "$(basename "$raster")"
year = 2019
scheme = "igbp"
TOML
echo "raster: $(du -h "$raster" | cut -f1), ${n} x ${n} cells; $(nproc) cores; $(date -u +%FT%TZ)"

# Runs OURS and PEER alternately PAIRS times; prints each pair (seconds, peak RSS MB) and the
# medians. SCALE multiplies the peer's time (a peer run on 1/SCALE of the counties).
# Usage: compare LABEL_PEER SCALE -- OURS... -- PEER...
compare() {
  local peer_label=$1 scale=$2; shift 3
  local ours=() peer=()
  while [ "$1" != -- ]; do ours+=("$1"); shift; done; shift
  peer=("$@")
  for _ in $(seq "$pairs"); do
    /usr/bin/time -o "$work/t_ours" -f "%e %M" "${ours[@]}" >"$work/ours.log" 2>&1 || { cat "$work/ours.log" >&2; exit 1; }
    /usr/bin/time -o "$work/t_peer" -f "%e %M" "${peer[@]}" >"$work/peer.log" 2>&1 || { cat "$work/peer.log" >&2; exit 1; }
    echo "$(tail -1 "$work/t_ours") $(tail -1 "$work/t_peer")"
  done | awk -v b="$peer_label" -v s="$scale" -v n="$pairs" '
    { t1[NR]=$1; t2[NR]=$3*s; r[NR]=$3*s/$1; m1[NR]=$2/1024; m2[NR]=$4/1024
      printf "  pair %d: borderscape %.1f s %.0f MB | %s %.1f s%s %.0f MB | ratio %.2f\n", NR, $1, m1[NR], b, t2[NR], (s>1 ? " (scaled x" s ")" : ""), m2[NR], r[NR] }
    function median(x,   i, j, k, tmp) { for (i=1;i<=n;i++) tmp[i]=x[i];
      for (i=2;i<=n;i++) { k=tmp[i]; for (j=i-1;j>0 && tmp[j]>k;j--) tmp[j+1]=tmp[j]; tmp[j+1]=k }
      return (n%2 ? tmp[(n+1)/2] : (tmp[n/2]+tmp[n/2+1])/2) }
    END { printf "  median: borderscape %.1f s, peak %.0f MB | %s %.1f s, peak %.0f MB | ratio (peer / borderscape) %.2f x\n",
          median(t1), median(m1), b, median(t2), median(m2), median(r) }'
}

ours=("$bin" analyze "$work/project" --only landcover --out "$work/out/borderscape" --quiet)
echo "borderscape analyze --only landcover vs exactextract 0.3.0 (unique, frac and count weighted by spherical cell area), $pairs alternating pairs:"
compare exactextract 1 -- "${ours[@]}" -- "$venv/bin/python" $here/peer_exactextract.py "$counties" "$raster" "$work/out/exactextract.csv"
echo "borderscape analyze --only landcover vs rasterstats zonal_stats(categorical=True)$([ "$every" -gt 1 ] && echo " on every ${every}th county, time x $every"), $pairs alternating pairs:"
compare rasterstats "$every" -- "${ours[@]}" -- "$venv/bin/python" $here/peer_rasterstats.py "$counties" "$raster" "$work/out/rasterstats.csv" "$every"
