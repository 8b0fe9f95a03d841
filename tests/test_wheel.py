"""A built wheel carries drivers/, profiles/ and the samples under one namespace (DESIGN.md)."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, SAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    # Built from a copy of the sources: pip builds in the tree, and a build/ folder left there
    # (by a developer, or by another test worker at the same moment) must not leak into it.
    source = tmp_path_factory.mktemp("source") / "orthofit"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".venv"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(source)], check=True, capture_output=True)
    (path,) = out.glob("orthofit-*.whl")
    return path


def test_wheel_contents(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("orthofit/drivers/__init__.py", "orthofit/profiles/thresholds/default.toml",
                     "orthofit/sample_scans/walk_normal.ofs",
                     "orthofit/sample_scans/walk_normal.json", "orthofit/cli/main.py"):
        assert required in names, required
    assert not any(n.startswith(("tests/", "drivers/", "profiles/")) for n in names)


def test_installed_wheel_analyzes_a_sample(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    # The test's own environment lends numpy, scikit-image and the rest without a network (a
    # path file, read before nothing else: its own .pth files, an editable orthofit among them,
    # are not run). The base interpreter's site-packages would not do: on a fresh machine
    # they hold none of these. The wheel itself is installed into the fresh environment and
    # must win over any checkout.
    site_dir = Path(subprocess.run(
        [str(env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"), "-c",
         "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    lent = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    (site_dir / "lent-by-the-tests.pth").write_text("\n".join(lent) + "\n", encoding="utf-8")
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--no-deps", "--no-index",
                    "-q", str(wheel)], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run(
        [str(bindir / "python"), "-c",
         "import orthofit, orthofit.drivers, orthofit.profiles; print(orthofit.__file__);"
         "print(orthofit.drivers.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert all(str(env_dir) in w for w in where), where
    passes = [str(SAMPLES / f"walk_normal{s}.ofs") for s in ("", "_2", "_3")]
    proc = subprocess.run([str(bindir / "orthofit"), "analyze", *passes, "--combine", "--json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert [f["arch_type"] for f in result["feet"]] == ["normal", "normal"]
    listed = subprocess.run([str(bindir / "orthofit"), "samples"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=True).stdout.split()
    assert any(p.endswith("balance_normal.ofs") and str(env_dir) in p for p in listed)
