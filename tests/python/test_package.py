"""The Python package (python/, built by scripts/test into the test environment): its functions
on GeoDataFrames give the command line's results, `moran` agrees with esda, and refusals raise
exceptions carrying the command line's message."""

import json
import shutil
import subprocess

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
import shapely

import borderscape

from conftest import ROOT

COLUMBUS = ROOT / "data/pysal_examples/columbus/columbus.shp"
SYNTHETIC = ["plans", "roads", "channels"]


@pytest.fixture(scope="module")
def cli_results(demo, run, tmp_path_factory):
    """The command line's results of the demo, as GeoParquet."""
    out = tmp_path_factory.mktemp("cli") / "results"
    run("analyze", demo, "--only", "borders,conflicts", "--format", "parquet", "--out", out, "--quiet")
    return out / "parquet"


@pytest.fixture(scope="module")
def layers(demo):
    """The demo's layers as GeoPandas reads them (jurisdictions are GCJ-02, which no CRS says)."""
    read = lambda name: gpd.read_file(demo / name)
    return {
        "jurisdictions": read("jurisdictions.geojson"),
        "plans": read("plans.gpkg"),
        "facilities": read("facilities.geojson"),
        "roads": read("roads.gpkg"),
        "channels": read("channels.gpkg"),
        "rivers": read("rivers.geojson"),
        "lakes": read("lakes.geojson"),
    }


def same_geometries(mine, theirs, tolerance: float = 0.0) -> bool:
    """Both empty, or equal to within `tolerance` (degrees), row by row."""
    mine, theirs = np.asarray(mine), np.asarray(theirs)
    missing = shapely.is_missing(mine)
    return bool((missing == shapely.is_missing(theirs)).all()
                and shapely.equals_exact(mine[~missing], theirs[~missing], tolerance).all())


def cli_error(binary, *args) -> str:
    """The message the command line prints after `error: ` when it refuses."""
    done = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: "), done.stderr
    return done.stderr[len("error: "):].strip()


def test_analyze_equals_the_command_line(demo, cli_results):
    results = borderscape.analyze(demo, only=["borders", "conflicts"])
    assert results.summary["analyses"]["conflicts"]["results"]["synthetic_inputs"]
    for name in ["borders", "border_zones", "conflicts", "conflicts_by_border", "plan_consistency", "conflict_changes"]:
        cli = pd.read_parquet(cli_results / f"{name}.parquet") if name.startswith(("conflicts_by", "plan_", "conflict_")) \
            else gpd.read_parquet(cli_results / f"{name}.parquet")
        mine = results[name]
        assert type(mine) is type(cli), name
        assert list(mine.columns) == list(cli.columns), name
        assert len(mine) == len(cli) > 0, name
        if isinstance(cli, gpd.GeoDataFrame):
            assert mine.crs == cli.crs
            assert same_geometries(mine.geometry.values, cli.geometry.values), name
            mine, cli = pd.DataFrame(mine.drop(columns="geometry")), pd.DataFrame(cli.drop(columns="geometry"))
        pd.testing.assert_frame_equal(mine, cli, check_exact=True, obj=name)


def test_borders_of_a_geodataframe_equal_the_command_line(layers, cli_results):
    mine = borderscape.borders(layers["jurisdictions"], datum="gcj02")
    cli = gpd.read_parquet(cli_results / "borders.parquet")
    assert list(mine.columns) == list(cli.columns)
    key = ["a", "b", "level", "kind"]
    merged = mine.merge(cli, on=key, suffixes=("", "_cli"))
    assert len(merged) == len(mine) == len(cli) > 900
    assert (merged["length_km"] == merged["length_km_cli"]).all()
    assert (merged["cross_province"] == merged["cross_province_cli"]).all()
    # The analysis CRS is centred on the extent of all layers: with the jurisdictions alone it
    # moves a little, and the shared lines come back within 1e-7° (~1 cm).
    assert same_geometries(merged.geometry.values, merged["geometry_cli"].values, 1e-7)


def test_borders_at_one_level(layers):
    counties = borderscape.borders(layers["jurisdictions"], level="county", datum="gcj02")
    assert set(counties["level"]) == {"county"}
    assert counties.crs.to_epsg() == 4326


def test_conflicts_of_geodataframes_equal_the_command_line(layers, cli_results):
    found = borderscape.conflicts(
        layers["jurisdictions"], layers["plans"],
        facilities=layers["facilities"], roads=layers["roads"], channels=layers["channels"],
        rivers=layers["rivers"], layers={"lakes": layers["lakes"]},
        datums={"jurisdictions": "gcj02"}, synthetic=SYNTHETIC, tables=True,
    )
    cli = gpd.read_parquet(cli_results / "conflicts.parquet")
    mine = found["conflicts"]
    assert len(mine) == len(cli) > 1000
    assert list(mine["identity"]) == list(cli["identity"])
    for column in ["type", "severity", "causing", "affected", "plan", "distance_m", "area_ha", "evidence"]:
        assert mine[column].equals(cli[column]), column
    assert found.summary["analyses"]["conflicts"]["results"]["synthetic_inputs"] == SYNTHETIC
    consistency = pd.read_parquet(cli_results / "plan_consistency.parquet")
    pd.testing.assert_frame_equal(found["plan_consistency"], consistency)


def test_conflicts_take_parameters(layers):
    near = borderscape.conflicts(layers["jurisdictions"], layers["plans"], datums={"jurisdictions": "gcj02"}, radius_m=100)
    far = borderscape.conflicts(layers["jurisdictions"], layers["plans"], datums={"jurisdictions": "gcj02"}, radius_m=3000)
    kind = "incompatible_land_use"
    assert (near["type"] == kind).sum() < (far["type"] == kind).sum()
    with pytest.raises(borderscape.InputError, match="parameter `radius_m`: must be at least 0, got -1"):
        borderscape.conflicts(layers["jurisdictions"], layers["plans"], datums={"jurisdictions": "gcj02"}, radius_m=-1)


def test_moran_equals_esda_on_columbus():
    gdf = gpd.read_file(COLUMBUS)
    mine = borderscape.moran(gdf, "CRIME", weights="queen")
    w = libpysal.weights.Queen.from_dataframe(gdf, use_index=False)
    w.transform = "r"
    ref = esda.Moran(gdf["CRIME"].values, w, permutations=0)
    for name in ["I", "EI", "VI_norm", "z_norm", "VI_rand", "z_rand"]:
        assert mine[name] == pytest.approx(getattr(ref, name), rel=1e-9), name
    for name in ["p_norm", "p_rand"]:
        assert mine[name] == pytest.approx(getattr(ref, name), rel=1e-9), name
    assert mine["weights"]["links"] == w.s0 * 0 + sum(w.cardinalities.values())


def test_moran_equals_the_command_line(binary):
    done = subprocess.run(
        [str(binary), "moran", COLUMBUS, "--var", "HOVAL", "--weights", "rook", "--bivariate", "CRIME", "--json"],
        capture_output=True, text=True, check=True,
    )
    mine = borderscape.moran(gpd.read_file(COLUMBUS), "HOVAL", weights="rook", bivariate="CRIME")
    cli = json.loads(done.stdout)
    assert mine.keys() == cli.keys() and mine["bivariate"].keys() == cli["bivariate"].keys()
    # The same code in another build (the extension and the binary): equal to the last bit or so.
    for report, reference in [(mine, cli), (mine["bivariate"], cli["bivariate"])]:
        for key, value in reference.items():
            if isinstance(value, float):
                assert report[key] == pytest.approx(value, rel=1e-12), key
            elif not isinstance(value, dict):
                assert report[key] == value, key
    assert mine["weights"] == cli["weights"]


def test_local_moran_returns_a_table():
    result = borderscape.moran(gpd.read_file(COLUMBUS), "CRIME", local=True)
    lisa = result["lisa_table"]
    assert isinstance(lisa, gpd.GeoDataFrame) and len(lisa) == 49
    assert sum(result["lisa"]["clusters"].values()) == 49


def test_coupling_equals_the_command_line(binary, demo):
    table = demo / "indicators.csv"
    df = pd.read_csv(table)
    years = "year" if "year" in df.columns else None
    numeric = [c for c in df.columns if c not in {"code", "year"} and pd.api.types.is_numeric_dtype(df[c])]
    systems = {"economy": numeric[:2], "ecology": numeric[2:4]}
    args = [str(binary), "coupling", table, "--unit", "code", "--json",
            "--system", f"economy={','.join(systems['economy'])}", "--system", f"ecology={','.join(systems['ecology'])}"]
    if years:
        args += ["--year", years]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    cli = pd.DataFrame(json.loads(done.stdout))
    mine = borderscape.coupling(df, "code", systems, year=years)
    mine["unit"] = mine["unit"].astype(str)
    cli["unit"] = cli["unit"].astype(str)
    pd.testing.assert_frame_equal(mine, cli)
    assert set(mine.attrs["weights"]) == {"economy/all", "ecology/all"}


def test_errors_carry_the_command_line_message(binary, demo, tmp_path):
    # A project whose plans hold a class outside the China 2023 classification.
    project = tmp_path / "project"
    shutil.copytree(demo, project, ignore=shutil.ignore_patterns("results"))
    plans = gpd.read_file(project / "plans.gpkg")
    plans.loc[3, "class"] = "9999"
    plans.to_file(project / "plans.gpkg", driver="GPKG")
    with pytest.raises(borderscape.InputError) as raised:
        borderscape.analyze(project, only=["conflicts"])
    expected = cli_error(binary, "analyze", project, "--only", "conflicts", "--out", tmp_path / "out", "--quiet")
    assert str(raised.value) == expected
    assert "feature 3" in expected and "`class`" in expected and "9999" in expected


def test_errors_on_geodataframes_name_the_feature_and_field(layers, binary, tmp_path):
    plans = layers["plans"].copy()
    plans.loc[5, "class"] = "abc"
    with pytest.raises(borderscape.InputError) as raised:
        borderscape.conflicts(layers["jurisdictions"], plans, datums={"jurisdictions": "gcj02"})
    message = str(raised.value)
    assert message.startswith("1 error(s) in the input:\n  plans: feature 5 (id ")
    assert "field `class`: `abc` is not a class" in message
    # The same words as the command line's, which names the file instead.
    path = tmp_path / "plans.gpkg"
    plans.to_file(path, driver="GPKG")
    gdf = gpd.read_file(COLUMBUS)
    gdf["CRIME"] = gdf["CRIME"].astype(str)
    gdf.loc[2, "CRIME"] = "n/a"
    with pytest.raises(borderscape.InputError) as raised:
        borderscape.moran(gdf, "CRIME")
    shapefile = tmp_path / "columbus.gpkg"
    gdf.to_file(shapefile, driver="GPKG")
    expected = cli_error(binary, "moran", shapefile, "--var", "CRIME")
    assert str(raised.value) == expected.replace(str(shapefile), "GeoDataFrame")


def test_a_geodataframe_without_crs_is_refused(layers):
    with pytest.raises(borderscape.UsageError, match="no CRS"):
        borderscape.borders(layers["jurisdictions"].set_crs(None, allow_override=True))
