"""Several processes on one store: saves never lose their files to another process's sweep.

Two writer processes each open the store afresh for every scan they save (opening sweeps the
leftovers of interrupted saves), while a third opens it and lists it over and over, as
``orthofit store list`` does. Every save must succeed and every saved scan must be in the store
and readable afterwards. The test runs for a few seconds; to run it longer by hand::

    python tests/test_store_concurrency.py --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

#: How long the test's writers run (s); ``ORTHOFIT_STRESS_SECONDS`` or ``--seconds`` change it.
SECONDS = float(os.environ.get("ORTHOFIT_STRESS_SECONDS", "4"))


def _recording(writer: int, i: int):
    import orthofit

    # Every scan differs (its checksum names its file), and its content says who saved it.
    frames = np.full((20, 30, 30), float(i), np.float32)
    frames[0, 0, :2] = (writer, i)
    return orthofit.Recording(frames, np.arange(20) / 50.0, 5.08)


def writer(folder: str, seconds: float, number: int, visit_id: int) -> None:
    """Open the store, save a scan, close it; again until ``seconds`` are up. JSON lines out."""
    from orthofit.store import Store

    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        try:
            store = Store(folder)
            try:
                sid = store.add_scan(_recording(number, i), visit_id=visit_id)
            finally:
                store.close()
            print(json.dumps({"ok": True, "writer": number, "i": i, "scan": sid}), flush=True)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, whatever it is
            print(json.dumps({"ok": False, "writer": number, "i": i,
                              "error": f"{type(exc).__name__}: {exc}"}), flush=True)
        i += 1


def lister(folder: str, seconds: float) -> None:
    """Open the store and list it (as ``orthofit store list``) until ``seconds`` are up."""
    from orthofit.store import Store

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            store = Store(folder)
            try:
                store.summary()
            finally:
                store.close()
            print(json.dumps({"ok": True, "lister": True}), flush=True)
        except Exception as exc:  # noqa: BLE001
            print(json.dumps({"ok": False, "lister": True,
                              "error": f"{type(exc).__name__}: {exc}"}), flush=True)


def run(folder: Path, seconds: float) -> dict:
    """Two writers and a lister on a new store in ``folder``; what they did, and the check."""
    from orthofit.store import Store

    store = Store(folder)
    visit_id = store.add_visit(store.add_patient("Stress", "Test"))
    store.close()
    me = str(Path(__file__).resolve())
    roles = [["writer", str(folder), str(seconds), str(n), str(visit_id)] for n in (1, 2)]
    roles.append(["lister", str(folder), str(seconds)])
    # Each process reports into a file of its own: a pipe nobody reads at the moment would
    # fill and stop the process writing to it, and the processes would no longer overlap.
    outs = [folder.parent / f"process-{i}.jsonl" for i in range(len(roles))]
    procs = []
    for role, out in zip(roles, outs, strict=True):
        with out.open("w") as fh:
            procs.append(subprocess.Popen([sys.executable, me, *role], stdout=fh))
    lines = []
    for proc, out in zip(procs, outs, strict=True):
        assert proc.wait(timeout=seconds + 120) == 0
        lines += [json.loads(line) for line in out.read_text().splitlines()]
    saves = [r for r in lines if "writer" in r]
    listings = [r for r in lines if "lister" in r]
    failed = [r for r in saves if not r["ok"]]
    # Every save that said it succeeded is in the store, readable, with its own content.
    store = Store(folder)
    try:
        missing = []
        for r in saves:
            if not r["ok"]:
                continue
            try:
                rec = store.load_scan(r["scan"])
                if tuple(rec.frames[0, 0, :2]) != (r["writer"], r["i"]):
                    missing.append(f"scan {r['scan']} holds another recording")
            except Exception as exc:  # noqa: BLE001
                missing.append(f"scan {r['scan']}: {type(exc).__name__}: {exc}")
        stored = store.summary()["counts"]["scans"]
        problems = store.check()
        leftovers = [p for p in (folder / "scans").rglob("*") if p.is_file()
                     and not (p.parent.name == "scans" and p.suffix == ".ofs"
                              and not p.name.startswith("."))]
    finally:
        store.close()
    return {"saves": len(saves), "failed": len(failed), "errors": sorted(
        {r["error"] for r in failed})[:5], "listings": len(listings),
        "listings_failed": sum(not r["ok"] for r in listings), "stored": stored,
        "unreadable": missing, "check": problems, "leftovers": [str(p) for p in leftovers]}


def test_two_writers_and_a_lister_lose_no_save(tmp_path):
    report = run(tmp_path / "store", SECONDS)
    assert report["saves"] >= 20, report  # the writers really ran side by side
    assert report["failed"] == 0, report
    assert report["listings_failed"] == 0 and report["listings"] > 0, report
    assert report["stored"] == report["saves"] and report["unreadable"] == [], report
    assert report["check"] == [] and report["leftovers"] == [], report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("role", nargs="?", default="run", choices=("run", "writer", "lister"))
    parser.add_argument("args", nargs="*")
    parser.add_argument("--seconds", type=float, default=60.0)
    opts = parser.parse_args()
    if opts.role == "writer":
        writer(opts.args[0], float(opts.args[1]), int(opts.args[2]), int(opts.args[3]))
    elif opts.role == "lister":
        lister(opts.args[0], float(opts.args[1]))
    else:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            result = run(Path(tmp) / "store", opts.seconds)
        print(json.dumps(result, indent=1))
        sys.exit(0 if result["failed"] == 0 and result["stored"] == result["saves"] else 1)
