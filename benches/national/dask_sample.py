"""A national synthetic sample on a Dask LocalCluster of two workers against the whole run
(issue 22), outside CI: all of mainland China's jurisdictions (benches/national/run.sh writes
them) and SYNTHETIC plans of examples/national_plans.rs.

Usage: python benches/national/dask_sample.py JURISDICTIONS.parquet PLANS.parquet [GROUP_LEVEL]
(with the borderscape package and dask[distributed] installed: pip install "./python[dask]")
"""

import sys
import time

import geopandas as gpd
import pandas as pd
from dask.distributed import Client, LocalCluster

import borderscape
import borderscape.dask



def main() -> None:
    jurisdictions_path, plans_path = sys.argv[1], sys.argv[2]
    group_level = sys.argv[3] if len(sys.argv) > 3 else "province"
    jurisdictions = gpd.read_parquet(jurisdictions_path)
    plans = gpd.read_parquet(plans_path)
    print(f"{len(jurisdictions)} jurisdictions, {len(plans)} SYNTHETIC zones")

    clock = time.perf_counter()
    whole = borderscape.conflicts(jurisdictions, plans, synthetic=["plans"], tables=True)
    print(f"whole run: {time.perf_counter() - clock:.1f} s, {len(whole['conflicts'])} conflicts")

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
        clock = time.perf_counter()
        parts = borderscape.dask.conflicts(plans_path, jurisdictions, client, group_level=group_level,
                                           synthetic=["plans"], tables=True)
        print(f"LocalCluster, 2 workers: {time.perf_counter() - clock:.1f} s, {parts.summary['partitions']}")

    for name in ["conflicts", "conflicts_by_border", "plan_consistency"]:
        pd.testing.assert_frame_equal(pd.DataFrame(parts[name]), pd.DataFrame(whole[name]), obj=name)
        print(f"{name}: {len(whole[name])} rows, identical")


if __name__ == "__main__":  # the workers are processes that import this file
    main()
