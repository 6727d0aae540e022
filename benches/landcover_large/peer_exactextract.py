"""Peer of the benchmark: per-county class areas (m2) with exactextract (PyPI), reading the
GeoTIFF through rasterio. frac and count weighted by each cell's spherical area give class
area = frac x count, the quantity borderscape's landcover_jurisdiction reports.

    python peer_exactextract.py COUNTIES_WGS84.geojson RASTER.tif OUT.csv
"""
import json
import sys

from exactextract import exact_extract
from exactextract.feature import JSONFeatureSource

counties, raster, out = sys.argv[1:4]
with open(counties) as f:
    features = [f for f in json.load(f)["features"] if f["properties"]["level"] == "county"]
weight = "(coverage_weight=area_spherical_m2)"
table = exact_extract(
    raster,
    JSONFeatureSource(features),
    ["unique", "frac" + weight, "count" + weight],
    include_cols=["code"],
    output="pandas",
)
with open(out, "w") as f:
    f.write("code,class,area_m2\n")
    for row in table.itertuples():
        for c, frac in zip(row.unique, row.frac):
            f.write(f"{row.code},{int(c)},{frac * row.count:.1f}\n")
