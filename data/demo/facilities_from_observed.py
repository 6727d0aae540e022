"""Writes data/demo/facilities.geojson.gz: the power plants of data/observed/power_plants.geojson
(WRI Global Power Plant Database v1.3.0, CC BY 4.0) whose type is a nuisance or polluting one
(coal, gas, waste incineration, landfill gas, nuclear); wind, solar and hydro plants are left out.
Run from the repository root: python3 data/demo/facilities_from_observed.py"""

import gzip
import json

KEPT = {"coal_power", "gas_power", "waste_incineration", "landfill_gas", "nuclear_power"}

with open("data/observed/power_plants.geojson", encoding="utf-8") as f:
    plants = json.load(f)
plants["features"] = [p for p in plants["features"] if p["properties"]["type"] in KEPT]
text = json.dumps(plants, ensure_ascii=False, separators=(",", ":")).encode()
with gzip.GzipFile("data/demo/facilities.geojson.gz", "wb", compresslevel=9, mtime=0) as out:
    out.write(text)
print(len(plants["features"]), "facilities")
