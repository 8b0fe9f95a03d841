"""Benchmark: rendering the clinician and the patient report of a walk scan.

    python benchmarks/bench_report.py

Target (issue: reports): each renders in under 2 s (analysis, proposal, content and PDF),
measured from the scan in memory to the PDF bytes; best of five runs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orthofit
from orthofit.io.profiles import load_insole_rules, load_thresholds
from orthofit.report.make import build_reports
from orthofit.report.render import render_pdf

SCAN = Path(__file__).resolve().parents[1] / "sample_scans" / "walk_normal.ofs"


def main() -> int:
    rec = orthofit.load(SCAN)
    th, rules = load_thresholds(), load_insole_rules()
    info = {"date": "2026-11-21", "file": SCAN.name, "patient_name": "Benchmark"}
    times = {"clinician": [], "patient": []}
    sizes = {}
    for _ in range(5):
        for audience in times:
            t0 = time.perf_counter()
            reports = build_reports(rec, thresholds=th, rules=rules, info=info)
            doc = reports.clinician if audience == "clinician" else reports.patient
            data = render_pdf(doc, patient=audience == "patient")
            times[audience].append(time.perf_counter() - t0)
            sizes[audience] = len(data)
    ok = True
    for audience, values in times.items():
        best = min(values)
        ok &= best < 2.0
        print(f"{audience:9s} report of {SCAN.name}: {best:.3f} s ({sizes[audience] // 1024} KiB)"
              f" target < 2 s{'  ok' if best < 2.0 else '  OVER TARGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
