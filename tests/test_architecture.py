"""The import direction of DESIGN.md, enforced on the source."""

import ast
from pathlib import Path

import pytest

from conftest import REPO

PACKAGES = {"orthofit": REPO / "orthofit", "orthofit.drivers": REPO / "drivers",
            "orthofit.profiles": REPO / "profiles", "orthofit.sample_scans": REPO / "sample_scans"}
# What "I/O" means for the analysis: files, processes, devices, networks, serialisation.
IO_MODULES = {"os", "io", "pathlib", "shutil", "tempfile", "json", "tomllib", "pickle", "csv",
              "socket", "serial", "subprocess", "sqlite3", "zipfile", "orthofit.io",
              "skimage.io", "logging.handlers"}


def modules():
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            name = ".".join([package, *rel.parts]).removesuffix(".__init__")
            yield name, path


def imports_of(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
            yield "<open()>"


ALL = sorted(modules())


def test_sources_were_found():
    names = [n for n, _ in ALL]
    assert "orthofit.analysis.pipeline" in names and "orthofit.drivers" in names


@pytest.mark.parametrize("name, path", ALL, ids=[n for n, _ in ALL])
def test_import_direction(name, path):
    found = set(imports_of(path))
    if not name.startswith("orthofit.gui"):
        assert not {m for m in found if m.split(".")[0] in ("PyQt6", "pyqtgraph")}, \
            f"{name} imports Qt: only orthofit.gui may"
    if not name.startswith("orthofit.report"):
        assert not {m for m in found if m.split(".")[0] == "reportlab"}, \
            f"{name} imports reportlab: only orthofit.report may"
    if name.startswith("orthofit.analysis"):
        bad = {m for m in found if m in IO_MODULES or m.split(".")[0] in IO_MODULES
               or m.startswith("orthofit.io") or m == "<open()>"}
        assert not bad, f"{name} does I/O ({sorted(bad)}): the analysis must stay pure"
    if name == "orthofit.model":
        inner = {m for m in found if m.startswith("orthofit")}
        assert inner <= {"orthofit.errors"}, f"the model must not depend on {sorted(inner)}"
