"""Shared fixtures: the borderscape binary and the analysed demo (set by scripts/test)."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def binary() -> Path:
    return Path(os.environ.get("BORDERSCAPE_BIN", ROOT / "target/debug/borderscape"))


@pytest.fixture(scope="session")
def demo() -> Path:
    """The demo project (scripts/test writes it to target/browser-demo before pytest runs)."""
    path = Path(os.environ.get("BORDERSCAPE_DEMO", ROOT / "target/browser-demo"))
    assert (path / "borderscape.toml").is_file(), f"run `borderscape demo --out {path}` first"
    return path


@pytest.fixture(scope="session")
def run(binary):
    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done

    return run
