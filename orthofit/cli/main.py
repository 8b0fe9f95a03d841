"""The parser of the ``orthofit`` command and the one place errors reach the user.

No traceback reaches the user: a mistake the user can make is explained in one line (exit 2
for a command line that cannot be carried out, 1 for a failure), an unexpected one is reported
in one line with a pointer to ``--debug``, accepted anywhere on the line.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from typing import TextIO

from orthofit import __version__
from orthofit.cli import analyze, capture, gui, insole, kiosk, report, store
from orthofit.cli.args import UsageError
from orthofit.errors import OrthofitError

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``orthofit`` command."""
    # --debug may come before or after the command: every parser knows it. SUPPRESS keeps a
    # sub-parser from resetting what the main parser already read.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show full tracebacks and debug logs")
    parser = argparse.ArgumentParser(
        prog="orthofit", parents=[common],
        description="Pressure-plate analysis and insole fitting for podiatry.",
        epilog="Run 'orthofit COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"orthofit {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in (analyze, capture, report, insole, store, kiosk, gui):
        group.add_parsers(sub, common)
    return parser


def _quiet_third_parties() -> None:
    """Keep other libraries' warnings and Qt's platform notes off the user's terminal."""
    warnings.simplefilter("ignore")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false;default.warning=false")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    args.debug = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    if not debug:
        _quiet_third_parties()
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args, out or sys.stdout)
    except KeyboardInterrupt:
        print("orthofit: interrupted", file=sys.stderr)
        return 130
    except UsageError as exc:
        print(f"orthofit {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OrthofitError as exc:
        print(f"orthofit: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # never a traceback in front of a user
        if debug:
            raise
        log.debug("command failed", exc_info=True)
        print(f"orthofit: unexpected error: {type(exc).__name__}: {exc}. Run the same command "
              "with --debug for the details, and please report it.", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
