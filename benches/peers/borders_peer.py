#!/usr/bin/env python3
"""Peer of `borderscape borders`: the same job with GeoPandas + libpysal + shapely + pyproj.

Rook and queen contiguity from libpysal (exact shared vertices/edges), then for every rook pair the
shared boundary (shapely intersection of the two boundaries) and its geodesic length on WGS84
(pyproj.Geod). Writes a CSV with the columns of `borderscape borders`:
a,b,level,kind,length_km (a < b).

Usage: borders_peer.py LAYER.geojson LEVEL OUT.csv
Used two ways: as the timing peer (benches/peers/run.sh) and to produce the reference pairs and
lengths that tests/data/pysal_borders_<level>.csv records.
"""
import csv
import sys

import geopandas as gpd
import libpysal
from pyproj import Geod


def main(path, level, out):
    gdf = gpd.read_file(path)
    gdf = gdf[gdf["level"] == level].reset_index(drop=True)
    codes = list(gdf["code"])
    queen = libpysal.weights.Queen.from_dataframe(gdf, use_index=False, silence_warnings=True)
    rook = libpysal.weights.Rook.from_dataframe(gdf, use_index=False, silence_warnings=True)
    geod = Geod(ellps="WGS84")
    boundaries = gdf.geometry.boundary
    rows = []
    for i, neighbours in queen.neighbors.items():
        for j in neighbours:
            if codes[i] >= codes[j]:
                continue
            if j in rook.neighbors[i]:
                shared = boundaries[i].intersection(boundaries[j])
                length_km = geod.geometry_length(shared) / 1000.0
                kind = "edge"
            else:
                length_km = 0.0
                kind = "point"
            rows.append((codes[i], codes[j], level, kind, f"{length_km:.6f}"))
    rows.sort()
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "b", "level", "kind", "length_km"])
        w.writerows(rows)
    islands = [codes[i] for i, n in queen.neighbors.items() if not n]
    print(f"{len(rows)} pairs, islands: {islands}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:4])
