"""Reference patch metrics of a small class raster by pylandstats (PyPI), for
crates/cli/tests/landcover_peers.rs. Run once; both outputs are committed with their provenance.

    python -m pip install pylandstats==3.1.0 numpy
    python benches/peers/landcover_pylandstats.py crates/cli/tests/data

writes landcover_pylandstats_grid.csv (the raster: 30 x 30 cells of 30 m, classes 1-4, a
seeded random field smoothed so that patches of many sizes, diagonal links included, form) and
landcover_pylandstats.csv (per class: patches, mean patch area and effective mesh size).

pylandstats counts 8-neighbour patches (neighborhood_rule="8", FRAGSTATS' rule 8), gives
AREA_MN in hectares (class area / patches) and, for `effective_mesh_size(class_val=k)`,
FRAGSTATS' class-level MESH = (1/A) sum_j a_j^2 with a_j the area of patch j of class k and A
the landscape's area, in hectares. That is Jaeger's (2000) effective mesh size m_eff of class k
over the landscape. borderscape's CUT mesh of a unit is (1/A_unit) sum_i A_i^2 with A_i the
area of patch i inside the unit (Moser et al. 2007); when the unit is the whole raster every
patch lies wholly inside it, so A_i = a_i, A_unit = A and CUT = MESH (and CBC = CUT, since a
patch's complete area is then its area inside). The Rust test therefore takes the whole raster
as its unit, each class in turn as habitat, and compares CUT (km^2 -> ha), patches and
habitat area / patches with these values.
"""
import os
import sys

import numpy as np
import pylandstats as pls

out = sys.argv[1]
n, res = 30, 30.0
rng = np.random.RandomState(19)
field = rng.uniform(size=(n + 2, n + 2))
# A 3 x 3 mean (edge cells from the padding) makes blobs; quartiles give four classes.
smooth = sum(field[i : i + n, j : j + n] for i in range(3) for j in range(3)) / 9.0
grid = 1 + np.searchsorted(np.quantile(smooth, [0.25, 0.5, 0.75]), smooth).astype(np.uint8)

with open(os.path.join(out, "landcover_pylandstats_grid.csv"), "w") as f:
    f.write("# 30 x 30 classes (rows north to south), 30 m cells; written by benches/peers/landcover_pylandstats.py\n")
    for row in grid:
        f.write(",".join(str(int(c)) for c in row) + "\n")

landscape = pls.Landscape(grid, res=(res, res), nodata=0, neighborhood_rule="8")
with open(os.path.join(out, "landcover_pylandstats.csv"), "w") as f:
    f.write(f"# pylandstats {pls.__version__} (neighborhood_rule 8; number_of_patches, area_mn, effective_mesh_size, hectares); see benches/peers/landcover_pylandstats.py\n")
    f.write("class,patches,mean_patch_area_ha,effective_mesh_size_ha\n")
    for k in landscape.classes:
        k = int(k)
        f.write(
            f"{k},{landscape.number_of_patches(class_val=k)},"
            f"{float(landscape.area_mn(class_val=k))!r},{float(landscape.effective_mesh_size(class_val=k))!r}\n"
        )
