#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/ from the repository's own test data (run from anywhere).

Sources: data/demo (the demo's inputs; the GeoTIFF seeds need gdal_translate), data/pysal_examples (columbus and stl, BSD-3, see its
README), and hand-written GeoJSON, CSV, WKB and TOML covering the readers' branches. The
seeds are committed; re-run this only when the readers learn a new shape of input.
The GeoParquet seeds are not written here: they are columbus converted by `borderscape convert
data/pysal_examples/columbus/columbus.shp fuzz/seeds/geoparquet/columbus_wkb.parquet
--row-group-rows 16` (and `_native` with `--geometry-encoding geoarrow`).
"""
import gzip
import json
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"
DEMO = sys.argv[1] if len(sys.argv) > 1 else None  # a `borderscape demo` folder, for its manifest


def write(target, name, data):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def frame(*pieces):
    """Pieces framed as fuzz/src/lib.rs `split` reads them."""
    head = b"".join(struct.pack("<H", len(p)) for p in pieces[:-1])
    return head + b"".join(pieces)


def square(code, level, parent, x, y, size):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Feature",
            "properties": {"code": code, "name": f"县{code}", "level": level, "parent": parent},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


# GeoJSON: hand-made jurisdictions, and the first features of the demo's rivers and lakes.
features = [square("10", "province", None, 120, 30, 1), square("1001", "county", "10", 120, 30, 0.5),
            square("1002", "county", "10", 120.5, 30, 0.5)]
write("geojson", "squares.geojson", json.dumps({"type": "FeatureCollection", "features": features}))
for layer in ["rivers", "lakes"]:
    with gzip.open(ROOT / "data" / "demo" / f"{layer}.geojson.gz", "rt") as f:
        collection = json.load(f)
    small = [ft for ft in collection["features"] if len(json.dumps(ft)) < 3000][:3]
    write("geojson", f"{layer}.geojson", json.dumps({"type": "FeatureCollection", "features": small}))
write("geojson", "mixed.geojson", json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"code": 310101, "x": 1.5, "flag": True, "n": None},
     "geometry": {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}},
    {"type": "Feature", "properties": {"code": "310102"}, "geometry": None},
    {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [121.5, 31.2]}}]}))

# Shapefile: columbus and stl (.shp, .dbf, no .cpg / a .cpg).
for folder, stem, cpg in [("columbus", "columbus", b""), ("stl", "stl_hom", b"UTF-8"), ("columbus", "columbus", b"GBK")]:
    base = ROOT / "data" / "pysal_examples" / folder / stem
    shp, dbf = base.with_suffix(".shp").read_bytes(), base.with_suffix(".dbf").read_bytes()
    write("shapefile", f"{stem}-{cpg.decode() or 'nocpg'}", frame(shp, dbf, cpg))

# GeoPackage blobs: GP header (with each envelope kind), then WKB of every type, both byte orders.
def gp(wkb, envelope=b"", flags_env=0, empty=False, big=False):
    flags = (flags_env << 1) | (0 if big else 1) | (0b10000 if empty else 0)
    return b"GP\x00" + bytes([flags]) + struct.pack(">i" if big else "<i", 4326) + envelope + wkb


def wkb(kind, body, big=False):
    return (b"\x00" if big else b"\x01") + struct.pack(">I" if big else "<I", kind) + body


def pts(coords, big=False):
    f = ">" if big else "<"
    return struct.pack(f + "I", len(coords)) + b"".join(struct.pack(f + "dd", *c) for c in coords)


ring = [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]
hole = [(0.5, 0.5), (1, 0.5), (1, 1), (0.5, 0.5)]
point = wkb(1, struct.pack("<dd", 121.5, 31.2))
line = wkb(2, pts([(0, 0), (1, 1), (2, 0)]))
polygon = wkb(3, struct.pack("<I", 2) + pts(ring) + pts(hole))
multipolygon = wkb(6, struct.pack("<I", 2) + polygon + wkb(3, struct.pack("<I", 1) + pts([(5, 5), (6, 5), (6, 6), (5, 5)])))
multiline = wkb(5, struct.pack("<I", 2) + line + wkb(2, pts([(3, 3), (4, 4)])))
multipoint = wkb(4, struct.pack("<I", 2) + point + wkb(1, struct.pack("<dd", 1, 2)))
collection = wkb(7, struct.pack("<I", 2) + point + line)
point_z = wkb(1001, struct.pack("<ddd", 1, 2, 3))
big_line = wkb(2, pts([(0, 0), (1, 1)], big=True), big=True)
env = struct.pack("<dddd", 0, 2, 0, 2)
for name, blob in [("point", gp(point)), ("line", gp(line, env, 1)), ("polygon", gp(polygon, env, 1)),
                   ("multipolygon", gp(multipolygon, env + struct.pack("<dd", 0, 0), 2)),
                   ("multiline", gp(multiline)), ("multipoint", gp(multipoint)),
                   ("collection", gp(collection)), ("point_z", gp(point_z, env + struct.pack("<dd", 0, 3), 2)),
                   ("big_endian", gp(big_line, big=True)), ("empty", gp(b"", empty=True))]:
    write("gpkg_wkb", name, blob)

# CSV: the demo's governance registry, the head of stl, WKT and lon/lat tables.
write("csv_wkt", "governance.csv", (ROOT / "data" / "demo" / "governance.csv").read_bytes())
stl = (ROOT / "data" / "pysal_examples" / "stl" / "stl_hom.csv").read_text().splitlines()[:12]
write("csv_wkt", "stl_head.csv", "\n".join(stl) + "\n")
write("csv_wkt", "wkt.csv", 'id,name,wkt\n1,太湖,"POLYGON((120 31,121 31,121 32,120 31))"\n'
      '2,line,"LINESTRING(0 0,1 1)"\n3,empty,\n4,multi,"MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))"\n')
write("csv_wkt", "lonlat.csv", "id,lon,lat,load_kg_yr\nA,121.47,31.23,1200.5\nB,120.15,30.28,\nC,x,y,3\n")

# Manifests: the demo's, and one with every kind of analysis parameter.
if DEMO:
    write("manifest", "demo.toml", (Path(DEMO) / "borderscape.toml").read_bytes())
write("manifest", "params.toml", """[region]
name = "t"
crs = "EPSG:32651"

[layers.jurisdictions]
path = "j.geojson"
datum = "wgs84"

[analysis.conflicts]
zone_width_m = 2000
radius_m = 500.0

[analysis.synergy]
permutations = 999
seed = 7
alternative = "greater"
systems = { ecology = ["forest", "-pollution"], economy = ["gdp"] }

[analysis.rivers]
decay = { TN = 0.005, TP = 0.01 }
lake_retention = "TN=0.3,TP=0.5"
""")
# geotiff: the demo's land cover (DEFLATE, predictor, 16-row strips) and two clips of it made by
# gdal_translate (GDAL 3): LZW in 16 x 16 tiles, and 16-bit PackBits strips.
import subprocess  # noqa: E402

LANDCOVER = ROOT / "data" / "demo" / "landcover_2019.tif"
write("geotiff", "demo_deflate_strips.tif", LANDCOVER.read_bytes())
for name, options in [
    ("lzw_tiles.tif", ["-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16", "-co", "COMPRESS=LZW", "-srcwin", "0", "0", "40", "40"]),
    ("packbits_16bit.tif", ["-ot", "UInt16", "-co", "COMPRESS=PACKBITS", "-srcwin", "50", "50", "30", "30"]),
]:
    subprocess.run(["gdal_translate", "-q", *options, str(LANDCOVER), str(SEEDS / "geotiff" / name)], check=True)

print(f"seeds written under {SEEDS}")
