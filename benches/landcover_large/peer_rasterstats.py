"""Peer of the benchmark: per-county class cell counts with rasterstats (PyPI),
zonal_stats(..., categorical=True) (cells whose centre is inside; no fractions, no areas).

    python peer_rasterstats.py COUNTIES_WGS84.geojson RASTER.tif OUT.csv [EVERY]

With EVERY = k only every k-th county is computed (a documented fraction for long runs).
"""
import json
import sys

from rasterstats import zonal_stats

counties, raster, out = sys.argv[1:4]
every = int(sys.argv[4]) if len(sys.argv) > 4 else 1
with open(counties) as f:
    features = [f for f in json.load(f)["features"] if f["properties"]["level"] == "county"]
features = features[::every]
stats = zonal_stats(features, raster, categorical=True)
with open(out, "w") as f:
    f.write("code,class,cells\n")
    for feature, counts in zip(features, stats):
        for c in sorted(counts):
            f.write(f"{feature['properties']['code']},{c},{counts[c]}\n")
