"""The conflicts analysis in partitions by border, scheduled on a Dask cluster.

A national plans layer (10⁷–10⁸ zones) does not fit one machine. ``conflicts`` divides the
work: units of the analysis level are grouped by their ancestor at ``group_level`` (counties
by city); a partition is one group, or two groups whose features come within the analysis
reach of each other, and computes what concerns a unit of each from their zones alone. Each
partition reads only its rows of the plans GeoParquet file; the results are merged into the
tables of a whole run, equal to it (the partition plan, its proof and its limits are in
docs/python.md).

Point ``client`` at any ``dask.distributed`` cluster: ``Client(LocalCluster(n_workers=2))``,
``Client("tcp://scheduler:8786")``, or a dask-jobqueue cluster on HPC. Every worker needs the
borderscape package installed and the plans file at the same path (a shared file system).
"""

from __future__ import annotations

import json
import os
from typing import Any, Mapping, Optional, Sequence, Union

import geopandas as gpd
import pyarrow.parquet as pq
import pyproj

from . import Frame, Results, _datum, _native, _parquet, _results

__all__ = ["conflicts", "partition_plan"]


def _file_datum(path: str) -> str:
    """The datum of a GeoParquet file from its CRS (OGC:CRS84 when it gives none)."""
    metadata = pq.read_schema(path).metadata or {}
    geo = json.loads(metadata.get(b"geo", b"{}"))
    column = geo.get("columns", {}).get(geo.get("primary_column", "geometry"), {})
    crs = column.get("crs")
    if crs is None:
        return "wgs84"
    code = pyproj.CRS.from_json_dict(crs).to_epsg()
    return f"EPSG:{code}" if code else "wgs84"


def _spec(
    plans: Union[str, os.PathLike],
    jurisdictions: gpd.GeoDataFrame,
    others: Mapping[str, Optional[Frame]],
    plans_datum: Optional[str],
    fields: Optional[Mapping[str, Mapping[str, str]]],
    datums: Optional[Mapping[str, str]],
    synthetic: Sequence[str],
    parameters: Mapping[str, Any],
) -> tuple:
    """The project as the native functions take it: layers, parameters, region, CRS."""
    path = os.fspath(plans)
    fields = fields or {}
    layers = [
        (
            "plans",
            path,
            plans_datum or _file_datum(path),
            dict(fields.get("plans", {})),
            "plans" in synthetic,
            None,
        )
    ]
    for kind, frame in {"jurisdictions": jurisdictions, **others}.items():
        if frame is not None:
            layers.append(
                (
                    kind,
                    kind,
                    _datum(frame, kind, (datums or {}).get(kind)),
                    dict(fields.get(kind, {})),
                    kind in synthetic,
                    _parquet(frame),
                )
            )
    wanted = {k: v for k, v in parameters.items() if v is not None}
    return (layers, json.dumps({"conflicts": wanted}), "borderscape", "auto")


def _run_partition(spec: tuple, plan: str, p: int) -> tuple:
    """One partition on a worker (module level, so that Dask sends it by reference)."""
    return _native.partition_run(spec, plan, p)


def partition_plan(
    plans: Union[str, os.PathLike],
    jurisdictions: gpd.GeoDataFrame,
    *,
    group_level: str = "city",
    plans_datum: Optional[str] = None,
    layers: Optional[Mapping[str, Frame]] = None,
    fields: Optional[Mapping[str, Mapping[str, str]]] = None,
    datums: Optional[Mapping[str, str]] = None,
    **parameters: Any,
) -> dict:
    """The partition plan: which zones (rows of the plans file) and which borders each
    partition works on, the analysis reach (m) that decides which groups meet, and the plan
    versions. Arguments as :func:`conflicts`."""
    spec = _spec(plans, jurisdictions, layers or {}, plans_datum, fields, datums, (), parameters)
    return json.loads(_native.partition_plan(spec, group_level))


def conflicts(
    plans: Union[str, os.PathLike],
    jurisdictions: gpd.GeoDataFrame,
    client: Any = None,
    *,
    group_level: str = "city",
    plans_datum: Optional[str] = None,
    facilities: Optional[gpd.GeoDataFrame] = None,
    roads: Optional[gpd.GeoDataFrame] = None,
    rivers: Optional[gpd.GeoDataFrame] = None,
    channels: Optional[gpd.GeoDataFrame] = None,
    layers: Optional[Mapping[str, Frame]] = None,
    fields: Optional[Mapping[str, Mapping[str, str]]] = None,
    datums: Optional[Mapping[str, str]] = None,
    synthetic: Sequence[str] = (),
    tables: bool = False,
    **parameters: Any,
) -> Union[gpd.GeoDataFrame, Results]:
    """The conflicts of a plans layer given as a (Geo)Parquet file, partition by partition on
    the Dask cluster of ``client`` (``None``: one after another in this process).

    Args:
        plans: path of the plans file (GeoParquet reads only each partition's rows; other
            formats are read whole by every partition).
        jurisdictions: polygons with ``code``, ``name``, ``level`` and ``parent``.
        client: a ``dask.distributed.Client``.
        group_level: units are grouped by their ancestor at this level (``province``, ``city``,
            or the analysis level itself for one group per unit): coarser groups give fewer,
            larger partitions.
        plans_datum: the plans' datum when the file's CRS cannot say it (``gcj02``, ``bd09``).
        facilities, roads, rivers, channels, layers, fields, datums, synthetic, tables,
        **parameters: as :func:`borderscape.conflicts`.

    Returns:
        The ``conflicts`` table (or every table with ``tables=True``), equal to a whole run's;
        ``.summary["partitions"]`` says how the work was divided.
    """
    others = {
        "facilities": facilities,
        "roads": roads,
        "rivers": rivers,
        "channels": channels,
        **(layers or {}),
    }
    spec = _spec(plans, jurisdictions, others, plans_datum, fields, datums, synthetic, parameters)
    plan = _native.partition_plan(spec, group_level)
    count = len(json.loads(plan)["partitions"])
    if client is None:
        parts = [_native.partition_run(spec, plan, p) for p in range(count)]
    else:
        shared_spec, shared_plan = client.scatter([spec, plan], broadcast=True)
        futures = [client.submit(_run_partition, shared_spec, shared_plan, p, pure=False) for p in range(count)]
        parts = client.gather(futures)
    found, summary = _native.partition_merge(spec, plan, parts)
    results = _results(found, json.dumps({"analyses": {"conflicts": {"results": json.loads(summary)}}}))
    described = json.loads(plan)
    results.summary["partitions"] = {
        "group_level": described["group_level"],
        "groups": len(described["groups"]),
        "partitions": count,
        "reach_m": described["reach_m"],
        "largest_partition_zones": max((p["zones"] for p in described["partitions"]), default=0),
        "zones": described["zones"],
        "zones_away": described["zones_away"],
    }
    return results if tables else results["conflicts"]
