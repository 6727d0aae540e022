"""The cross-border within-distance join of `borderscape analyze --only conflicts`
(incompatible land use), done with GeoPandas + shapely, for side-by-side timings.

Reads the plan zones, finds every pair of zones in different jurisdictions whose classes the
compatibility matrix forbids at their distance (rule 2 within the radius, rule 1 within the
setback; most specific prefix row wins), and writes the pairs as CSV.

Usage: python conflicts_peer.py PLANS.gpkg COMPATIBILITY.csv RADIUS_M OUT.csv
"""
import csv
import sys

import geopandas as gpd
import numpy as np
import shapely


def rule_limits(rules, classes, radius):
    """(causing, affected) -> distance limit in metres, for every conflicting class pair."""
    limits = {}
    for c in classes:
        for a in classes:
            best = None
            for r in rules:
                if c.startswith(r["class_a"]) and a.startswith(r["class_b"]):
                    key = (len(r["class_a"]), len(r["class_b"]))
                    if best is None or key > best[0]:
                        best = (key, r)
            if best is None or best[1]["rule"] == "0":
                continue
            rule = best[1]
            limits[(c, a)] = float(rule["setback_m"]) if rule["rule"] == "1" else radius
    return limits


def main():
    plans_path, matrix_path, radius, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    with open(matrix_path, newline="", encoding="utf-8") as f:
        rules = list(csv.DictReader(f))
    zones = gpd.read_file(plans_path, engine="pyogrio", columns=["id", "jurisdiction", "class"])
    limits = rule_limits(rules, zones["class"].unique(), radius)
    causing = zones[zones["class"].isin({c for c, _ in limits})]
    affected = zones[zones["class"].isin({a for _, a in limits})]
    reach = max(limits.values())
    joined = gpd.sjoin(causing, affected, predicate="dwithin", distance=reach, lsuffix="c", rsuffix="a")
    joined = joined[joined["jurisdiction_c"] != joined["jurisdiction_a"]]
    limit = np.array(
        [limits.get(pair, np.nan) for pair in zip(joined["class_c"], joined["class_a"])], dtype=float
    )
    keep = ~np.isnan(limit)
    joined, limit = joined[keep], limit[keep]
    distance = shapely.distance(joined.geometry.values, affected.geometry.loc[joined["index_a"]].values)
    joined = joined.assign(distance_m=np.round(distance, 1))[distance < limit - 1e-6]
    joined[["id_c", "id_a", "jurisdiction_c", "jurisdiction_a", "distance_m"]].to_csv(out, index=False)
    print(f"{len(joined)} incompatible pairs", file=sys.stderr)


if __name__ == "__main__":
    main()
