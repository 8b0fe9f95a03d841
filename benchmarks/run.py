"""Run every benchmark: ``python benchmarks/run.py``. Exit status 1 when a target is missed."""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}")
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit as done:
            if done.code:
                failed.append(script.name)
        print()
    if failed:
        print("targets missed in: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
