#!/usr/bin/env python3
"""Peer of `borderscape moran` and the synergy LISA: esda / libpysal on PySAL's example data.

Prints JSON with the reference values that crates/cli/tests/synergy.rs and
crates/core/src/stats/morans_i.rs record:
- sids2 SIDR79 (North Carolina, n = 100) with sids2.gal (ids = the numeric DBF field FIPSNO; the
  file is rook contiguity of sids2.shp), with rook and queen weights built from sids2.shp, and
  binary weights: esda.Moran moments.
- columbus CRIME with the inverse-distance GWT written by --write-gwt (libpysal DistanceBand on the
  DBF's X, Y centroids, threshold 5 (the units of X, Y), binary=False, alpha=-1, i.e.
  w_ij = 1/d_ij; written by libpysal's GwtIO, 6 significant digits, header `0 49 columbus POLYID`),
  read back with libpysal.io.open: esda.Moran with transformation 'r', 'b' and 'o'.
- columbus CRIME LISA: esda.Moran_Local(permutations=999, seed=12345).p_sim and esda.fdr of it at
  0.05 and 0.1; and over seeds 0..19 with 9999 permutations, the units whose p_sim is at most
  esda.fdr(p_sim, 0.05) in every seed ("always") and in none ("never").
- columbus esda.Moran_BV(CRIME, y) for y = INC and OPEN (9999 permutations, np.random.seed(1)):
  I, p_sim, EI_sim, seI_sim, z_sim; with the exact moments of the permutation distribution
  (y permuted over all units): E = 0 and sd = sqrt(S_aa) / (n - 1), a_j = sum_i w_ij zx_i,
  S_aa = sum (a_j - mean a)^2 (Wald & Wolfowitz 1944: Var(sum a_j b_pi(j)) = S_aa S_bb / (n - 1),
  S_bb = sum zy^2 = n - 1).
- np.var([1, 2, 3, 4]): the population variance (ddof 0) that esda's VI_sim = seI_sim**2 is.

Usage: moran_peer.py LIBPYSAL_EXAMPLES_DIR [--write-gwt OUT.gwt]
(LIBPYSAL_EXAMPLES_DIR: e.g. .../site-packages/libpysal/examples, holding sids2/ and columbus/.)
"""
import argparse
import json
import os
import warnings

import esda
import libpysal
import numpy as np
from libpysal.weights import W

warnings.filterwarnings("ignore")


def moments(m):
    return {k: float(getattr(m, k)) for k in
            ["I", "EI", "VI_norm", "z_norm", "p_norm", "VI_rand", "z_rand", "p_rand"]}


def in_order(w, ids):
    """The weights of `w` (any id type) with ids in the data's order, as ints."""
    neighbours = {int(i): [int(j) for j in w.neighbors[i]] for i in w.neighbors}
    weights = {int(i): list(w.weights[i]) for i in w.weights}
    return W(neighbours, weights, id_order=[int(i) for i in ids], silence_warnings=True)


def main(examples, write_gwt):
    out = {"esda": esda.__version__, "libpysal": libpysal.__version__, "numpy": np.__version__}

    sids = os.path.join(examples, "sids2")
    db = libpysal.io.open(os.path.join(sids, "sids2.dbf"))
    fips = db.by_col("FIPSNO")
    y = np.array(db.by_col("SIDR79"))
    gal = in_order(libpysal.io.open(os.path.join(sids, "sids2.gal")).read(), fips)
    rook = libpysal.weights.Rook.from_shapefile(os.path.join(sids, "sids2.shp"))
    queen = libpysal.weights.Queen.from_shapefile(os.path.join(sids, "sids2.shp"))
    out["sids2"] = {
        "gal_links": int(gal.nonzero),
        "gal_r": moments(esda.Moran(y, gal, permutations=0)),
        "rook_links": int(rook.nonzero),
        "queen_links": int(queen.nonzero),
        "rook_r": moments(esda.Moran(y, rook, permutations=0)),
        "queen_r": moments(esda.Moran(y, queen, permutations=0)),
        "gal_b": moments(esda.Moran(y, gal, transformation="b", permutations=0)),
    }

    col = os.path.join(examples, "columbus")
    db = libpysal.io.open(os.path.join(col, "columbus.dbf"))
    polyid = db.by_col("POLYID")
    crime = np.array(db.by_col("CRIME"))
    if write_gwt:
        points = np.column_stack([db.by_col("X"), db.by_col("Y")])
        band = libpysal.weights.DistanceBand(points, threshold=5.0, binary=False, alpha=-1.0,
                                             ids=polyid, silence_warnings=True)
        band._shpName, band._varName = "columbus", "POLYID"
        f = libpysal.io.open(write_gwt, "w")
        f.write(band)
        f.close()
        gwt = in_order(libpysal.io.open(write_gwt).read(), polyid)
        out["columbus_gwt"] = {
            "links": int(gwt.nonzero),
            "islands": len(gwt.islands),
            "r": moments(esda.Moran(crime, gwt, permutations=0)),
            "b": moments(esda.Moran(crime, gwt, transformation="b", permutations=0)),
            "o": moments(esda.Moran(crime, gwt, transformation="o", permutations=0)),
        }

    queen_gal = libpysal.io.open(os.path.join(col, "columbus.gal")).read()
    lm = esda.Moran_Local(crime, queen_gal, permutations=999, seed=12345)
    out["columbus_lisa"] = {
        "p_sim_seed12345": [float(p) for p in lm.p_sim],
        "fdr_05": float(esda.fdr(lm.p_sim, 0.05)),
        "fdr_10": float(esda.fdr(lm.p_sim, 0.1)),
    }
    seeds = range(20)
    hits = np.zeros(len(crime), dtype=int)
    for s in seeds:
        p = esda.Moran_Local(crime, queen_gal, permutations=9999, seed=s).p_sim
        hits += p <= esda.fdr(p, 0.05)
    out["columbus_lisa"]["fdr_9999_always"] = [int(i) for i in np.where(hits == len(seeds))[0]]
    out["columbus_lisa"]["fdr_9999_never"] = [int(i) for i in np.where(hits == 0)[0]]

    wr = libpysal.io.open(os.path.join(col, "columbus.gal")).read()
    wr.transform = "r"
    dense, _ = wr.full()
    n = len(crime)
    out["columbus_bv"] = {}
    for field in ["INC", "OPEN"]:
        other = np.array(db.by_col(field))
        np.random.seed(1)
        bv = esda.Moran_BV(crime, other, queen_gal, permutations=9999)
        zx = (crime - crime.mean()) / crime.std(ddof=1)
        a = dense.T @ zx
        out["columbus_bv"][field] = {
            "I": float(bv.I), "p_sim": float(bv.p_sim), "EI_sim": float(bv.EI_sim),
            "seI_sim": float(bv.seI_sim), "z_sim": float(bv.z_sim),
            "exact_E": 0.0, "exact_sd": float(np.sqrt(((a - a.mean()) ** 2).sum()) / (n - 1)),
        }
    out["np_var_1_2_3_4"] = float(np.var([1.0, 2.0, 3.0, 4.0]))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("examples")
    parser.add_argument("--write-gwt")
    args = parser.parse_args()
    main(args.examples, args.write_gwt)
