"""The notebook-style example of docs/python/example.py runs on the demo and draws its map."""

import os
import runpy

from conftest import ROOT


def test_the_python_example_runs_and_draws_the_map(demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BORDERSCAPE_DEMO", str(demo))
    monkeypatch.setenv("BORDERSCAPE_EXAMPLE_OUT", str(tmp_path))
    runpy.run_path(str(ROOT / "docs/python/example.py"), run_name="__main__")
    printed = capsys.readouterr().out
    assert "county borders" in printed and "incompatible_land_use" in printed
    assert (tmp_path / "conflicts_map.png").stat().st_size > 50_000
