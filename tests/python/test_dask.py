"""Conflicts in partitions by border (borderscape.dask): a LocalCluster with two workers, and
partitions run one after another, give the tables of a whole run."""

import subprocess

import geopandas as gpd
import pandas as pd
import pytest
from dask.distributed import Client, LocalCluster

import borderscape
import borderscape.dask

from conftest import ROOT

GENERATOR = ROOT / "target/debug/examples/national_plans"


@pytest.fixture(scope="module")
def counties(demo):
    return gpd.read_file(demo / "jurisdictions.geojson")


@pytest.fixture(scope="module")
def sample(demo, tmp_path_factory):
    """SYNTHETIC plans by the national benchmark's generator (benches/national) over the demo's
    jurisdictions: about 20,000 zones as GeoParquet."""
    path = tmp_path_factory.mktemp("sample") / "plans.parquet"
    subprocess.run([GENERATOR, demo / "jurisdictions.geojson", path, "20000", "7"], check=True, capture_output=True)
    return path


def assert_same_tables(whole, parts, names):
    for name in names:
        pd.testing.assert_frame_equal(pd.DataFrame(parts[name]), pd.DataFrame(whole[name]), obj=name)
        if isinstance(whole[name], gpd.GeoDataFrame):
            assert parts[name].geometry.geom_equals_exact(whole[name].geometry, 0).all(), name


NAMES = ["conflicts", "conflicts_by_border", "plan_consistency"]


def test_the_plan_puts_every_zone_in_one_group_and_every_border_in_one_partition(sample, counties):
    plan = borderscape.dask.partition_plan(sample, counties)
    rows = sorted(r for g in plan["groups"] for r in g["rows"])
    # Every zone is in one group, or beyond the border band (there are such zones).
    assert rows == sorted(set(rows)) and len(rows) + plan["zones_away"] == plan["zones"] > 19_000
    assert plan["zones_away"] > 0
    borders = sorted(b for p in plan["partitions"] for b in p["borders"])
    assert borders == list(range(len(plan["borders"]))) and len(borders) > 800
    assert len(plan["groups"]) == 41  # the demo's cities
    assert plan["reach_m"] == 2000.0  # twice the 1,000 m border zone
    assert max(p["zones"] for p in plan["partitions"]) < plan["zones"] / 5


def test_a_local_cluster_of_two_workers_equals_the_whole_run(sample, counties):
    whole = borderscape.conflicts(counties, gpd.read_parquet(sample), synthetic=["plans"], tables=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        parts = borderscape.dask.conflicts(sample, counties, client, synthetic=["plans"], tables=True)
    assert len(whole["conflicts"]) > 1000
    assert_same_tables(whole, parts, NAMES)
    assert parts.summary["partitions"]["partitions"] > 100
    mine = parts.summary["analyses"]["conflicts"]["results"]
    theirs = whole.summary["analyses"]["conflicts"]["results"]
    assert mine == theirs


def test_the_demo_in_partitions_equals_the_whole_run(demo, counties, run, tmp_path):
    """Every conflict type of the demo (two plan versions, lakes, facilities, roads, channels)."""
    plans = tmp_path / "plans.parquet"
    run("convert", demo / "plans.gpkg", plans, "--quiet")
    layers = {
        "facilities": gpd.read_file(demo / "facilities.geojson"),
        "roads": gpd.read_file(demo / "roads.gpkg"),
        "channels": gpd.read_file(demo / "channels.gpkg"),
        "rivers": gpd.read_file(demo / "rivers.geojson"),
    }
    lakes = {"lakes": gpd.read_file(demo / "lakes.geojson")}
    datums = {"jurisdictions": "gcj02"}
    whole = borderscape.conflicts(counties, gpd.read_parquet(plans), **layers, layers=lakes, datums=datums, tables=True)
    parts = borderscape.dask.conflicts(plans, counties, group_level="province", **layers, layers=lakes, datums=datums,
                                       tables=True)
    assert set(whole["conflicts"]["type"]) >= {"incompatible_land_use", "ecological_discontinuity", "nimby_spillover",
                                               "plan_constraint", "dead_end_road"}
    assert_same_tables(whole, parts, NAMES + ["conflict_changes"])
