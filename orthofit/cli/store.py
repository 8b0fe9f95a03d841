"""``orthofit store list|backup|check|init|move``: the clinic store from the command line."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any, TextIO

from orthofit.cli.args import UsageError, store_location

EXIT_OK, EXIT_FAILED = 0, 1


def _server(text: str | None, option: str) -> str:
    """A server's address given as ``option``: checked, and never with a password in it."""
    from orthofit.store.backend import is_url

    if not text:
        raise UsageError("give the server's address: orthofit store init "
                         "postgresql://owner@host/database" if option == "ORTHOFIT_STORE" else
                         f"{option}: give the server's address, postgresql://user@host/database")
    if not is_url(text):
        raise UsageError(f"{option} {text}: that is a folder; this needs a server's address, "
                         "postgresql://user@host/database (a store in a folder needs no init)")
    try:
        # $ORTHOFIT_STORE is read by store_location itself (it may carry a password there).
        return str(store_location(None if option == "ORTHOFIT_STORE" else text))
    except UsageError as exc:  # it names --store, the option it knows
        raise UsageError(str(exc).replace("--store", option, 1)) from None


def _roles(args: argparse.Namespace) -> dict[str, str]:
    from orthofit.store.admin import CLINIC_ROLE, KIOSK_ROLE

    return {"clinic_role": args.clinic_role or CLINIC_ROLE,
            "kiosk_role": args.kiosk_role or KIOSK_ROLE}


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    """Make or upgrade a server store and its clinic and kiosk roles."""
    from orthofit.store.admin import init_store

    if args.url is not None:
        where, option = args.url, "URL"
    elif args.store is not None:
        where, option = args.store, "--store"
    else:
        where, option = os.environ.get("ORTHOFIT_STORE"), "ORTHOFIT_STORE"
    report = init_store(_server(where, option), **_roles(args))
    if not report.changes:
        out.write(f"{report.location} is current (schema {report.schema}, roles "
                  f"{report.clinic_role} and {report.kiosk_role}): nothing to change\n")
        return EXIT_OK
    out.write(f"{report.location}:\n")
    for change in report.changes:
        out.write(f"  {change}\n")
    out.write(f"Give each desktop and reception login the clinic role, each kiosk login the kiosk "
              f"role, e.g. in psql:\n"
              f"  CREATE ROLE room2 LOGIN IN ROLE {report.clinic_role}; \\password room2\n"
              f"  CREATE ROLE kiosk1 LOGIN IN ROLE {report.kiosk_role}; \\password kiosk1\n")
    return EXIT_OK


def cmd_move(args: argparse.Namespace, out: TextIO) -> int:
    """Copy a folder store into an empty server store."""
    from orthofit.store.admin import move_store
    from orthofit.store.backend import DB_NAME, is_url

    if not args.source:
        raise UsageError("move needs --from DIR (the store's folder) and --to URL (the server)")
    if is_url(args.source):
        raise UsageError(f"--from {args.source}: that is a server; --from is the folder of the "
                         "store to move")
    source = Path(args.source).expanduser()
    if not (source / DB_NAME).is_file():
        raise UsageError(f"--from {args.source}: there is no clinic store there ({DB_NAME} "
                         "is missing); check the path")
    report = move_store(source, _server(args.destination, "--to"), **_roles(args))
    if report.init:
        out.write(f"made the store on {report.destination}:\n")
        for change in report.init:
            out.write(f"  {change}\n")
    out.write(f"moved {report.source} to {report.destination}; every scan and report was "
              "checked against its checksum\n")
    width = max(len(n) for n in report.counts)
    out.write(f"  {'table':<{width}}  {'source':>8}  {'server':>8}\n")
    for name, (before, after) in report.counts.items():
        note = "  (the scan and report files)" if name == "blobs" else ""
        out.write(f"  {name:<{width}}  {before:>8}  {after:>8}{note}\n")
    out.write(f"nothing was deleted from {report.source}; point the desktops and kiosks at the "
              "server, and keep the folder until you have checked the server's store\n")
    return EXIT_OK


def cmd_store(args: argparse.Namespace, out: TextIO) -> int:
    """List, back up, check, make (init) or move the clinic store."""
    from orthofit.store import Store

    if args.action == "init":
        return cmd_init(args, out)
    if args.action == "move":
        return cmd_move(args, out)
    if args.url is not None:
        raise UsageError(f"store {args.action} takes the store with --store, not "
                         f"{args.url!r}")
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
    p = sub.add_parser(
        "store", parents=[common],
        help="the clinic store: list, backup, check, init, move",
        description="list: patients, visits, scans and the kiosk queue. backup: today's copy "
                    "(a server's: pg_dump into this computer's backups folder). check: "
                    "integrity and every scan's contents. init URL: make or upgrade a store on "
                    "a PostgreSQL server with its clinic and kiosk roles (run by the "
                    "database's owner; again after each update). move --from DIR --to URL: "
                    "copy a store kept in a folder to an empty server store.",
        epilog="A server's password never goes on the command line: put it in PGPASSWORD or "
               "~/.pgpass. Add ?sslmode=require to the address for an encrypted connection.")
    p.add_argument("action", choices=("list", "backup", "check", "init", "move"),
                   help="what to do")
    p.add_argument("url", nargs="?", default=None, metavar="URL",
                   help="init: the server's postgresql://owner@host/database")
    p.add_argument("--store", default=None, metavar="DIR|URL",
                   help="the store: a folder (it must exist) or a server's "
                        "postgresql://user@host/db (default: $ORTHOFIT_STORE, else the user's "
                        "data folder or $ORTHOFIT_DATA)")
    p.add_argument("--json", action="store_true", help="list as one JSON object")
    p.add_argument("--force", action="store_true", help="backup: make today's copy again")
    # No defaults here: the store's code (and SQLAlchemy) loads only when a command needs it.
    p.add_argument("--clinic-role", default=None, metavar="NAME",
                   help="init, move: the desktops' database role (default orthofit_clinic)")
    p.add_argument("--kiosk-role", default=None, metavar="NAME",
                   help="init, move: the kiosks' database role (default orthofit_kiosk)")
    p.add_argument("--from", dest="source", default=None, metavar="DIR",
                   help="move: the folder of the store to copy (it is only read)")
    p.add_argument("--to", dest="destination", default=None, metavar="URL",
                   help="move: the server's postgresql://owner@host/database (empty, or made "
                        "with init)")
    p.set_defaults(func=cmd_store)
