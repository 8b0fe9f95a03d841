"""``orthofit store list|backup|check``: the clinic store from the command line."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from orthofit.cli.args import store_location

EXIT_OK, EXIT_FAILED = 0, 1


def cmd_store(args: argparse.Namespace, out: TextIO) -> int:
    """List, back up or check the clinic store."""
    from orthofit.store import Store

    location = store_location(args.store)  # a folder must exist; a server's store too
    store = Store(location)
    try:
        if args.action == "list":
            summary = store.summary()
            if args.json:
                out.write(json.dumps(summary) + "\n")
            else:
                c = summary["counts"]
                out.write(f"{summary['folder']}: {c['patients']} patient(s), {c['visits']} "
                          f"visit(s), {c['scans']} scan(s), {len(summary['kiosk_queue'])} "
                          "waiting in the kiosk queue\n")
                for s in summary["scans"]:
                    who = f"patient {s['patient_id']}" if s["visit_id"] else \
                        f"kiosk code {s['kiosk_code']}"
                    out.write(f"  scan {s['id']}: {s['mode']}, {s['frames']} frames, "
                              f"{s['recorded']}, {who}\n")
            return EXIT_OK
        if args.action == "backup":
            folder = store.backup(force=args.force)
            out.write(f"backup written to {folder}\n" if folder else
                      "today's backup exists already (--force makes it again)\n")
            return EXIT_OK
        problems = store.check()
        for p in problems:
            out.write(f"problem: {p}\n")
        out.write("the store is consistent\n" if not problems else "")
        return EXIT_FAILED if problems else EXIT_OK
    finally:
        store.close()


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``store`` to the ``orthofit`` parser."""
    p = sub.add_parser("store", parents=[common], help="the clinic store: list, backup, check",
                       description="list: patients, visits, scans and the kiosk queue. backup: "
                                   "today's copy. check: integrity and every scan's file.")
    p.add_argument("action", choices=("list", "backup", "check"), help="what to do")
    p.add_argument("--store", default=None, metavar="DIR|URL",
                   help="the store: a folder (it must exist) or a server's "
                        "postgresql://user@host/db (default: $ORTHOFIT_STORE, else the user's "
                        "data folder or $ORTHOFIT_DATA)")
    p.add_argument("--json", action="store_true", help="list as one JSON object")
    p.add_argument("--force", action="store_true", help="backup: make today's copy again")
    p.set_defaults(func=cmd_store)
