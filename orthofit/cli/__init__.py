"""The ``orthofit`` command line: one module per group of commands.

``main`` (the console script) builds the parser from ``analyze`` (analyze, import, samples),
``capture`` (record, recover, mats, emulate, calibrate, demo), ``report`` (report, propose),
``store``, ``kiosk`` and ``gui``; ``args`` holds the argument types (every number with its unit
and range) and the path checks; ``main`` reports every error in one line, once.
"""

from __future__ import annotations

from orthofit.cli.analyze import summary_text
from orthofit.cli.args import parse_pitch
from orthofit.cli.main import build_parser, main

__all__ = ["build_parser", "main", "parse_pitch", "summary_text"]
