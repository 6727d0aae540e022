"""Reference class areas per county of the demo land cover, by exactextract (PyPI), for
crates/cli/tests/landcover.rs. Run once; the output is committed with its provenance.

    python -m pip install exactextract==0.3.0 pyproj==3.7.2 tifffile numpy
    borderscape demo --out /tmp/demo --quiet
    borderscape convert /tmp/demo/jurisdictions.geojson /tmp/j_wgs84.geojson --from-datum gcj02 --to-datum wgs84
    python benches/peers/landcover_exactextract.py /tmp/j_wgs84.geojson data/demo/landcover_2019.tif \
        > crates/cli/tests/data/landcover_exactextract.csv

The raster is read with tifffile and handed over as a NumPy array on the demo grid;
exactextract gives each cell's covered fraction (ops cell_id, coverage, values); the cell areas
are ellipsoidal, from pyproj's Geod (GRS80) on each row's quadrangle with its parallels
densified to 2,000 points: both independent of borderscape's code.
"""
import sys

import json

import numpy as np
import tifffile
from exactextract import exact_extract
from exactextract.feature import JSONFeatureSource
from exactextract.raster import NumPyRasterSource
from pyproj import Geod

polygons, raster = sys.argv[1], sys.argv[2]
geod = Geod(ellps="GRS80")
# The demo grid: 170 x 170 cells of 0.05 degrees from 114.65 E, 35.35 N.
x0, y0, d, n = 114.65, 35.35, 0.05, 170


def row_area_m2(row):
    north, south = y0 - row * d, y0 - (row + 1) * d
    k = 2000
    lons = np.concatenate([np.linspace(x0, x0 + d, k), np.linspace(x0 + d, x0, k)])
    lats = np.concatenate([np.full(k, south), np.full(k, north)])
    return abs(geod.polygon_area_perimeter(lons, lats)[0])


areas = np.array([row_area_m2(r) for r in range(n)])
grid = NumPyRasterSource(tifffile.imread(raster), x0, y0 - n * d, x0 + n * d, y0, nodata=255)
with open(polygons) as f:
    counties = [f for f in json.load(f)["features"] if f["properties"]["level"] == "county"]
features = exact_extract(grid, JSONFeatureSource(counties), ["cell_id", "coverage", "values"], include_cols=["code", "level"], output="pandas")
print("# exactextract 0.3.0 (ops cell_id, coverage, values) x pyproj 3.7.2 Geod(GRS80) row areas; see benches/peers/landcover_exactextract.py")
print("code,class,area_ha")
for f in features.itertuples():
    if f.level != "county":
        continue
    rows = np.asarray(f.cell_id) // n
    by_class = {}
    for c, cov, row in zip(np.asarray(f.values), np.asarray(f.coverage), rows):
        if c == 255:
            continue
        by_class[int(c)] = by_class.get(int(c), 0.0) + cov * areas[row] / 1e4
    for c in sorted(by_class):
        print(f"{f.code},{c},{by_class[c]:.4f}")
