"""Writes the benchmark's SYNTHETIC class raster: N x N cells (default 20,000 x 20,000 = 4e8),
uint8, IGBP class codes in a spatial pattern, tiled 512 x 512 and DEFLATE, WGS84 degrees over
the given extent (the demo counties' extent). Not land cover of anywhere: the pattern is a sum
of sines (blobs and corridors of many sizes) plus white noise (seeded per tile), so that class
edges are ragged and speckled as in classified imagery: the file compresses about 15:1, as 30 m
land cover does, rather than 140:1 for the sines alone, and habitat forms patches of every size.

Tiles are computed and written one at a time (tifffile takes an iterator of tiles), so the
writer's own memory is a few tiles whatever N is.

    python generate.py OUT.tif WEST SOUTH EAST NORTH [N]
"""
import sys

import numpy as np
import tifffile

out, west, south, east, north = sys.argv[1], *map(float, sys.argv[2:6])
n = int(sys.argv[6]) if len(sys.argv) > 6 else 20_000
tile = 512
dx, dy = (east - west) / n, (north - south) / n

# IGBP (MODIS MCD12Q1) codes: 17 water, 11 permanent wetland, 5 mixed forest (habitat in the
# igbp scheme), 10 grassland, 12 cropland, 13 urban.
WATER, WETLAND, FOREST, GRASS, CROP, URBAN = 17, 11, 5, 10, 12, 13


def classes(r0, c0):
    """The classes of the tile whose top-left cell is (row r0, column c0), by global cell
    coordinates, so that tiles join seamlessly."""
    y, x = np.mgrid[r0 : r0 + tile, c0 : c0 + tile].astype(np.float32)
    f = (
        np.sin(x / 1900.0) + np.sin(y / 2300.0)
        + 0.6 * np.sin((x + y) / 700.0) + 0.4 * np.sin((x - 2 * y) / 230.0)
        + 0.25 * np.sin(x / 61.0) * np.sin(y / 53.0)
        + 0.1 * np.random.default_rng([r0, c0]).standard_normal((tile, tile), np.float32)
    )
    g = np.sin(x / 3100.0 + 1.0) * np.cos(y / 2700.0) + 0.3 * np.sin((2 * x + y) / 150.0)
    t = np.full((tile, tile), CROP, np.uint8)
    t[f < -1.3] = WATER
    t[(f >= -1.3) & (f < -0.9) & (g > 0.2)] = WETLAND
    t[(f >= -0.2) & (f < 0.7)] = FOREST
    t[(f >= 0.7) & (f < 1.2)] = GRASS
    t[f >= 1.2] = URBAN
    return t


def tiles():
    for r0 in range(0, n, tile):
        for c0 in range(0, n, tile):
            yield classes(r0, c0)


geokeys = (1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326)  # geographic, pixel-is-area, WGS84
tifffile.imwrite(
    out,
    tiles(),
    shape=(n, n),
    dtype=np.uint8,
    tile=(tile, tile),
    compression="zlib",
    description=f"SYNTHETIC land cover (IGBP codes, sum-of-sines pattern) for the borderscape benchmark, {n} x {n}; not real data",
    metadata=None,
    extratags=[
        (33550, "d", 3, (dx, dy, 0.0)),
        (33922, "d", 6, (0.0, 0.0, 0.0, west, north, 0.0)),
        (34735, "H", len(geokeys), geokeys),
    ],
)
