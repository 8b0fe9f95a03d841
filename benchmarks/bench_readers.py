"""Benchmark: parsing speed of the vendor readers on the shared samples.

    python benchmarks/bench_readers.py

Target (issue: vendor import): at least 20 MB/s of text on one core, on the largest sample a
reader handles. The baseline is ``numpy.fromstring(text, sep=",")`` over the same number of
bytes of plain comma-separated numbers, measured in the same run.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
from common import best_of

import orthofit

SHARED = Path(__file__).resolve().parents[2] / "shared" / "vendor-samples"
FILES = ("xsensor_data.csv", "emed_test.lst", "fscan_testL.asf", "iscan_test.csv")


def main() -> int:
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} is not there")
        return 0
    largest = max(FILES, key=lambda f: (SHARED / f).stat().st_size)
    ok = True
    for name in FILES:
        path = SHARED / name
        size = path.stat().st_size
        secs = best_of(lambda p=path: orthofit.load(p))
        rate = size / secs / 1e6
        text = ",".join(["12.5"] * (size // 5))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = best_of(lambda t=text: np.fromstring(t, sep=","))
        mark = ""
        if name == largest:
            ok &= rate >= 20
            mark = "  ok" if rate >= 20 else "  UNDER TARGET"
        target = " (target >= 20 MB/s)" + mark if mark else ""
        print(f"{name:20s} {size / 1e6:5.2f} MB  {secs * 1e3:7.1f} ms  {rate:6.1f} MB/s  "
              f"{base / secs:5.2f}x numpy.fromstring{target}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
