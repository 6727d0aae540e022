"""GeoParquet written by borderscape opens in GeoPandas with its CRS, attributes, geometries and
bbox covering; GeoParquet written by GeoPandas (WKB and GeoArrow) reads back in borderscape."""

import json
import shutil
import subprocess

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pyproj
import pytest
import shapely


@pytest.fixture(scope="module")
def results(demo, run, tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet") / "results"
    run("analyze", demo, "--only", "conflicts", "--format", "gpkg,parquet", "--out", out, "--quiet")
    return out


def test_conflicts_open_in_geopandas_as_written(results):
    gdf = gpd.read_parquet(results / "parquet/conflicts.parquet")
    csv = pd.read_csv(results / "tables/conflicts.csv", keep_default_na=False, dtype=str)
    assert len(gdf) == len(csv) > 0
    assert gdf.crs == pyproj.CRS.from_epsg(4326)
    assert list(gdf["identity"]) == list(csv["identity"])
    assert (gdf["severity"].astype(str) == csv["severity"]).all()
    # The same features as the GeoPackage's layers (split there by geometry type).
    layers = [name for name, _ in gpd.list_layers(results / "results.gpkg").values if name.startswith("conflicts")
              and not name.startswith("conflicts_by")]
    gpkg = pd.concat([gpd.read_file(results / "results.gpkg", layer=layer) for layer in layers])
    assert sorted(gpkg["identity"]) == sorted(gdf["identity"])
    merged = gdf.merge(gpkg[["identity", "plan", "geometry"]], on=["identity", "plan"], suffixes=("", "_gpkg"))
    assert len(merged) == len(gdf)
    assert shapely.equals_exact(merged["geometry"].values, merged["geometry_gpkg"].values, 1e-12).all()


def test_geo_metadata_and_bbox_covering(results):
    path = results / "parquet/conflicts.parquet"
    geo = json.loads(pq.ParquetFile(path).metadata.metadata[b"geo"])
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
    column = geo["columns"]["geometry"]
    assert column["encoding"] == "WKB"
    assert column["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    gdf = gpd.read_parquet(path)
    bounds = gdf.geometry.bounds
    assert bounds["minx"].min() == pytest.approx(column["bbox"][0])
    # GeoPandas filters by the covering column; the result is what a geometric test keeps.
    box = (119.0, 30.5, 121.0, 32.0)
    filtered = gpd.read_parquet(path, bbox=box)
    expected = gdf[gdf.intersects(shapely.box(*box))]
    assert set(filtered["identity"] + filtered["plan"]) >= set(expected["identity"] + expected["plan"])
    assert len(filtered) < len(gdf)


@pytest.mark.parametrize("datum", ["EPSG:4490", "EPSG:4549", "EPSG:32650"])
def test_crs_is_the_registry_crs(demo, run, tmp_path, datum):
    out = tmp_path / "j.parquet"
    run("convert", demo / "jurisdictions.geojson", out, "--to-datum", datum, "--quiet")
    gdf = gpd.read_parquet(out)
    assert gdf.crs == pyproj.CRS.from_user_input(datum)
    assert gdf.crs.to_epsg() == int(datum.split(":")[1])


@pytest.mark.parametrize("encoding", ["WKB", "geoarrow"])
def test_geopandas_files_read_back(demo, run, tmp_path, encoding):
    original = gpd.read_file(demo / "roads.gpkg")
    source = tmp_path / "roads.parquet"
    original.to_parquet(source, geometry_encoding=encoding.lower(), write_covering_bbox=True)
    run("convert", source, tmp_path / "roads.geojson", "--quiet")
    back = gpd.read_file(tmp_path / "roads.geojson")
    assert len(back) == len(original)
    assert shapely.equals_exact(back.geometry.values, original.geometry.values, 1e-9).all()
    assert list(back["id"]) == list(original["id"])


def test_gdal_opens_it_where_gdal_has_the_parquet_driver(results):
    ogrinfo = shutil.which("ogrinfo")
    formats = subprocess.run([ogrinfo, "--formats"], capture_output=True, text=True).stdout if ogrinfo else ""
    if "Parquet" not in formats:
        pytest.skip("this GDAL has no (Geo)Parquet driver (Debian 12's GDAL 3.6 and the PyPI GDAL builds lack it)")
    info = subprocess.run([ogrinfo, "-so", "-al", results / "parquet/conflicts.parquet"],
                          capture_output=True, text=True, check=True).stdout
    assert "Geometry Column = geometry" in info and "EPSG" in info


@pytest.mark.parametrize("compression", ["snappy", "zstd", "gzip", "brotli", "lz4", "none"])
def test_every_parquet_codec_reads(demo, run, tmp_path, compression):
    original = gpd.read_file(demo / "jurisdictions.geojson")
    source = tmp_path / f"j_{compression}.parquet"
    original.to_parquet(source, compression=None if compression == "none" else compression)
    run("convert", source, tmp_path / "j.geojson", "--quiet")
    back = gpd.read_file(tmp_path / "j.geojson")
    assert list(back["code"]) == list(original["code"])
    assert shapely.equals_exact(back.geometry.values, original.geometry.values, 1e-9).all()
