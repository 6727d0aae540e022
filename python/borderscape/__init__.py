"""borderscape: cross-border ecological governance analysis for city clusters, in Python.

The functions take and return GeoPandas and pandas objects and run the same Rust code as the
``borderscape`` command line: results equal the command line's, and errors raise
:class:`BorderscapeError` subclasses carrying the command line's message. Layers cross into Rust
in one piece, as the bytes of a GeoParquet file (WKB geometries), and results come back the same
way; nothing is converted feature by feature in Python.

Output geometries are in WGS84 (EPSG:4326), as in the command line's results.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any, Mapping, Optional, Sequence, Union

import geopandas as gpd
import pandas as pd

from . import _native
from ._native import BorderscapeError, InputError, InternalError, UsageError

__version__: str = _native.__version__

__all__ = [
    "BorderscapeError",
    "InputError",
    "InternalError",
    "Results",
    "UsageError",
    "analyze",
    "borders",
    "conflicts",
    "coupling",
    "moran",
]

Frame = Union[gpd.GeoDataFrame, pd.DataFrame]


class Results(dict):
    """The tables of a run by name (GeoDataFrames for layers, DataFrames for tables), with the
    run's ``summary`` (the command line's summary.json) as a dict."""

    summary: dict

    def __init__(self, tables: Mapping[str, Frame], summary: dict):
        super().__init__(tables)
        self.summary = summary


def _datum(
    frame: Frame, name: str, given: Optional[str] = None, default: Optional[str] = None
) -> str:
    """The datum of a GeoDataFrame's coordinates as borderscape names it: ``given`` (for the
    offset datums gcj02 and bd09, which no CRS can express), else EPSG:<code> of its CRS, else
    ``default``."""
    if given is not None:
        return given
    if not isinstance(frame, gpd.GeoDataFrame):
        return "wgs84"
    if frame.crs is None and default is not None:
        return default
    if frame.crs is None:
        raise UsageError(
            f"{name}: the GeoDataFrame has no CRS; set it (e.g. gdf.set_crs(4326)), "
            "or convert GCJ-02/BD-09 coordinates first with `borderscape convert`"
        )
    code = frame.crs.to_epsg()
    if code is None:
        raise UsageError(f"{name}: its CRS has no EPSG code; reproject it (e.g. gdf.to_crs(4326))")
    return f"EPSG:{code}"


def _parquet(frame: Frame) -> bytes:
    """The frame as the bytes of one (Geo)Parquet file, geometries as WKB."""
    buffer = io.BytesIO()
    if isinstance(frame, gpd.GeoDataFrame):
        frame.to_parquet(buffer, index=False, geometry_encoding="WKB", schema_version="1.1.0")
    else:
        frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _frame(spatial: bool, data: bytes) -> Frame:
    if spatial:
        return gpd.read_parquet(io.BytesIO(data))
    return pd.read_parquet(io.BytesIO(data))


def _results(tables: dict, summary: str) -> Results:
    return Results(
        {name: _frame(spatial, data) for name, (spatial, data) in tables.items()},
        json.loads(summary),
    )


def _run_layers(
    layers: Mapping[str, Optional[Frame]],
    only: Sequence[str],
    parameters: Mapping[str, Mapping[str, Any]],
    fields: Optional[Mapping[str, Mapping[str, str]]] = None,
    synthetic: Sequence[str] = (),
    datums: Optional[Mapping[str, str]] = None,
    region: str = "borderscape",
    crs: str = "auto",
) -> Results:
    given = []
    for kind, frame in layers.items():
        if frame is None:
            continue
        given.append(
            (
                kind,
                kind,
                _datum(frame, kind, (datums or {}).get(kind)),
                dict((fields or {}).get(kind, {})),
                kind in synthetic,
                _parquet(frame),
            )
        )
    wanted = {name: {k: v for k, v in p.items() if v is not None} for name, p in parameters.items()}
    tables, summary = _native.analyze_layers((given, json.dumps(wanted), region, crs), list(only))
    return _results(tables, summary)


def analyze(project: Union[str, os.PathLike], only: Optional[Sequence[str]] = None) -> Results:
    """Runs the analyses of a project folder (with its borderscape.toml) as ``borderscape
    analyze`` does, without writing anything.

    Args:
        project: the project folder, or its manifest.
        only: run these analyses (with those they depend on); default: every analysis the
            project's layers allow.

    Returns:
        Every output table by name, with ``.summary``.
    """
    tables, summary = _native.analyze_project(os.fspath(project), list(only) if only else None)
    return _results(tables, summary)


def borders(
    jurisdictions: gpd.GeoDataFrame,
    level: Optional[str] = None,
    *,
    snap_tolerance_m: Optional[float] = None,
    zone_width_m: Optional[float] = None,
    fields: Optional[Mapping[str, str]] = None,
    datum: Optional[str] = None,
    tables: bool = False,
) -> Union[gpd.GeoDataFrame, Results]:
    """The borders between touching jurisdictions: one row per pair of units of one level
    (``a`` < ``b``) with the shared line, its geodesic length (km) and whether it crosses a
    province or city border.

    Args:
        jurisdictions: polygons with ``code``, ``name``, ``level`` (province, city, county) and
            ``parent`` columns (map other column names with ``fields``).
        level: the level(s) to analyse, e.g. ``"county"`` or ``"city,county"``; default: as
            ``analyze``.
        snap_tolerance_m: boundary segments within this distance count as shared (m).
        zone_width_m: width of the border zones (m).
        fields: canonical field → column, e.g. ``{"code": "adcode"}``.
        datum: the datum of the coordinates when the CRS cannot say it: ``gcj02`` or ``bd09``
            (Amap's and Baidu's offset coordinates, read as EPSG:4326 by GeoPandas).
        tables: return every table of the analysis (borders, border_islands, border_zones,
            topology_issues, jurisdictions) instead of ``borders`` alone.
    """
    run = _run_layers(
        {"jurisdictions": jurisdictions},
        ["borders"],
        {"borders": {"levels": level, "snap_tolerance_m": snap_tolerance_m, "zone_width_m": zone_width_m}},
        fields={"jurisdictions": fields or {}},
        datums={"jurisdictions": datum} if datum else None,
    )
    return run if tables else run["borders"]


def conflicts(
    jurisdictions: gpd.GeoDataFrame,
    plans: Optional[gpd.GeoDataFrame] = None,
    *,
    facilities: Optional[gpd.GeoDataFrame] = None,
    roads: Optional[gpd.GeoDataFrame] = None,
    rivers: Optional[gpd.GeoDataFrame] = None,
    channels: Optional[gpd.GeoDataFrame] = None,
    layers: Optional[Mapping[str, Frame]] = None,
    fields: Optional[Mapping[str, Mapping[str, str]]] = None,
    synthetic: Sequence[str] = (),
    datums: Optional[Mapping[str, str]] = None,
    tables: bool = False,
    **parameters: Any,
) -> Union[gpd.GeoDataFrame, Results]:
    """Cross-border conflicts: incompatible plans facing each other, ecological discontinuity,
    NIMBY spillover, dead-end roads and channels, construction inside control lines.

    Args:
        jurisdictions: polygons with ``code``, ``name``, ``level`` and ``parent``.
        plans: plan zones with ``class`` (China 2023 land-use class), and optionally ``id``,
            ``plan`` (version), ``control`` (control line), ``jurisdiction``.
        facilities, roads, rivers, channels: the other layers conflicts read.
        layers: any further layers by kind (``lakes``, ``ecology``, …).
        fields: per layer kind, canonical field → column.
        synthetic: kinds of the layers that are generated, not observed (carried into the
            results).
        datums: per layer kind, the datum when the CRS cannot say it (``gcj02``, ``bd09``).
        tables: return every table (conflicts, conflicts_by_border, plan_consistency,
            conflict_changes) instead of ``conflicts`` alone.
        **parameters: the analysis's parameters, e.g. ``level="county"``, ``radius_m=1000``
            (``borderscape analyze --list`` lists them with units and bounds).
    """
    given = {
        "jurisdictions": jurisdictions,
        "plans": plans,
        "facilities": facilities,
        "roads": roads,
        "rivers": rivers,
        "channels": channels,
        **(layers or {}),
    }
    run = _run_layers(given, ["conflicts"], {"conflicts": parameters}, fields, synthetic, datums)
    return run if tables else run["conflicts"]


def moran(
    gdf: Frame,
    column: str,
    weights: str = "queen",
    *,
    transform: str = "r",
    permutations: Optional[int] = None,
    seed: Optional[int] = None,
    alternative: str = "two-sided",
    local: bool = False,
    significance: Optional[float] = None,
    fdr: bool = True,
    bivariate: Optional[str] = None,
    id: Optional[str] = None,
    snap_tolerance_m: float = 0.0,
    datum: Optional[str] = None,
) -> dict:
    """Moran's I of ``column`` as ``borderscape moran`` computes it (and as PySAL's esda does).

    Args:
        gdf: polygons (queen/rook weights) or any geometries (knn/distance weights); with a
            .gal/.gwt file as ``weights``, any table.
        column: the variable.
        weights: ``queen``, ``rook``, ``knn:K``, ``distance:METRES``, or a .gal/.gwt file.
        transform: ``r`` (row-standardised, esda's default), ``b`` (binary) or ``o`` (as given).
        permutations, seed: the permutation test (default 999 permutations, seed 12345).
        alternative: p_sim's alternative: ``two-sided`` (the default, as the command line's),
            ``directed`` (esda's Moran p_sim), ``greater``, ``less``, ``folded``.
        local: also compute local Moran (LISA); returned under ``"lisa_table"`` as a
            (Geo)DataFrame.
        significance, fdr: the LISA cluster threshold (with ``fdr``, the default,
            Benjamini–Hochberg at ``significance``; ``fdr=False``: p_sim ≤ ``significance``).
        bivariate: also the bivariate Moran's I of ``column`` against the lag of this column.
        id: column of ids matching a .gal/.gwt file (default: record numbers 1..n).
        snap_tolerance_m: boundaries within this distance count as shared (m).
        datum: the datum when the CRS cannot say it (``gcj02``, ``bd09``); without either,
            WGS84, as the command line's default ``--datum``.

    Returns:
        The command line's ``--json`` report: ``I``, ``EI``, ``VI_norm``, ``z_norm``,
        ``p_norm``, ``VI_rand``, ``z_rand``, ``p_rand``, ``p_sim``, ``EI_sim``, ``seI_sim``,
        ``z_sim``, ``islands``, ``weights``, and ``bivariate``/``lisa`` when asked for.
    """
    report, lisa = _native.moran(
        _parquet(gdf),
        "GeoDataFrame",
        column,
        os.fspath(weights),
        transform,
        permutations,
        seed,
        alternative,
        local,
        significance,
        fdr,
        bivariate,
        id,
        _datum(gdf, "GeoDataFrame", datum, default="wgs84"),
        snap_tolerance_m,
    )
    result = json.loads(report)
    if lisa is not None:
        result["lisa_table"] = _frame(isinstance(gdf, gpd.GeoDataFrame), lisa)
    return result


def coupling(
    df: pd.DataFrame,
    unit: str,
    systems: Mapping[str, Sequence[str]],
    *,
    year: Optional[str] = None,
    model: str = "standard",
    weights: str = "entropy",
    entropy_scope: str = "pooled",
    alpha: Optional[Mapping[str, float]] = None,
) -> pd.DataFrame:
    """Coupling coordination degree (C, T, D and their classes) of subsystems built from
    indicator columns, as ``borderscape coupling`` computes it.

    Args:
        df: one row per unit (and year).
        unit: the column naming the unit.
        systems: subsystem name → its indicator columns; prefix a column with ``-`` where less
            is better, e.g. ``{"economy": ["gdp"], "ecology": ["forest", "-load"]}``.
        year: the column of the year (panel data).
        model: ``standard`` or ``modified``.
        weights: ``entropy`` or ``equal`` indicator weights.
        entropy_scope: entropy weights over all rows (``pooled``) or per ``year``.
        alpha: subsystem weights of T (default: equal).

    Returns:
        One row per input row: unit, year, ``U_<system>``, C, T, D, C_class, D_class; the
        indicator weights are in ``.attrs["weights"]``.
    """
    frame = pd.DataFrame(df.drop(columns="geometry")) if isinstance(df, gpd.GeoDataFrame) else df
    records, indicator_weights = _native.coupling(
        _parquet(frame),
        "DataFrame",
        unit,
        [f"{name}={','.join(columns)}" for name, columns in systems.items()],
        year,
        model,
        weights,
        entropy_scope,
        list((alpha or {}).items()),
    )
    out = pd.DataFrame(json.loads(records))
    out.attrs["weights"] = json.loads(indicator_weights)
    return out
