# %% [markdown]
# # borderscape in a notebook: the Yangtze River Delta demo
#
# Read the demo's layers with GeoPandas, find the borders between counties and the conflicts
# between their plans, and map them. Each `# %%` block is a notebook cell (open this file in
# Jupyter with jupytext, or paste the cells). Write the demo first:
# `borderscape demo --out yrd`. The plans, facilities, roads and channels of the demo are
# SYNTHETIC; the boundaries, lakes and rivers are real.

# %%
import os
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # drop this line in a notebook to see the figure inline
import matplotlib.pyplot as plt

import borderscape

demo = Path(os.environ.get("BORDERSCAPE_DEMO", "yrd"))
out = Path(os.environ.get("BORDERSCAPE_EXAMPLE_OUT", "."))

# %% [markdown]
# The demo's boundaries are Amap's (GCJ-02): GeoPandas reads them as EPSG:4326, so say which
# datum they really are in; the other layers are WGS84 and say so through their CRS.

# %%
counties = gpd.read_file(demo / "jurisdictions.geojson")
plans = gpd.read_file(demo / "plans.gpkg")
print(len(counties), "jurisdictions,", len(plans), "plan zones (synthetic)")

# %% [markdown]
# ## Borders
# One row per pair of touching units (a < b), with the shared line and its geodesic length.

# %%
borders = borderscape.borders(counties, level="county", datum="gcj02")
print(len(borders), "county borders,", round(borders["length_km"].sum()), "km")
print(borders.nlargest(5, "length_km")[["a_name", "b_name", "length_km", "cross_province"]])

# %% [markdown]
# ## Conflicts
# Incompatible plans facing each other within `radius_m`, ecological discontinuity around the
# lakes, construction inside control lines. Parameters are keywords (units in their names).

# %%
found = borderscape.conflicts(
    counties,
    plans,
    layers={"lakes": gpd.read_file(demo / "lakes.geojson")},
    datums={"jurisdictions": "gcj02"},
    synthetic=["plans"],
    radius_m=1000,
    tables=True,
)
conflicts = found["conflicts"]
print(conflicts.groupby(["type", "plan"]).size())

# %% [markdown]
# ## A map
# Conflicts of the 2035 plan by severity over the county borders, cross-province borders bold.

# %%
fig, ax = plt.subplots(figsize=(9, 9))
counties[counties["level"] == "county"].to_crs(4326).plot(ax=ax, color="#f4f1ea", edgecolor="#c9c4b8", linewidth=0.2)
borders.plot(ax=ax, color="#7a7468", linewidth=0.4)
borders[borders["cross_province"]].plot(ax=ax, color="#222222", linewidth=1.2)
latest = conflicts[conflicts["plan"] == conflicts["plan"].max()]
latest.set_geometry(latest.representative_point()).plot(
    ax=ax, column="severity", categorical=True, markersize=4, cmap="OrRd", legend=True,
    legend_kwds={"title": "severity (1 low, 3 high)"},
)
ax.set_title(f"Cross-border conflicts, plan {latest['plan'].iloc[0]} (synthetic plans)")
ax.set_axis_off()
fig.savefig(out / "conflicts_map.png", dpi=120, bbox_inches="tight")
print("map written to", out / "conflicts_map.png")
