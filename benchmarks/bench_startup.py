"""Start-up of the command line, as a new user meets it: whole processes, timed.

    python benchmarks/bench_startup.py

Targets (issue: the command line as a new user meets it): ``orthofit --help`` under 0.5 s and
``orthofit analyze`` of a sample scan under 1 s on this machine. The baseline is a bare
``python -c pass`` measured in the same run; each figure is the fastest of several runs.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "sample_scans" / "walk_normal.ofs"
RUNS = 7


def fastest(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    cli = [sys.executable, "-m", "orthofit.cli"]
    base = fastest([sys.executable, "-c", "pass"])
    rows = [("python -c pass (baseline)", base, None),
            ("orthofit --help", fastest([*cli, "--help"]), 0.5),
            ("orthofit --version", fastest([*cli, "--version"]), 0.5),
            ("orthofit analyze SAMPLE", fastest([*cli, "analyze", str(SAMPLE)]), 1.0)]
    ok = True
    for name, secs, limit in rows:
        verdict = "" if limit is None else ("  ok" if secs < limit else "  OVER TARGET")
        ok &= limit is None or secs < limit
        target = "" if limit is None else f" (target < {limit:g} s)"
        print(f"{name:28s} {secs:6.3f} s  {secs / base:5.1f}x the baseline{target}{verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
