"""Backing up a clinic store on a server: ``pg_dump`` of the whole database.

Scans and reports live in the database on a server, so one dump holds everything. Kept apart
from :mod:`orthofit.store.admin` so that :meth:`orthofit.store.Store.backup` reaches it without
an import circle.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from orthofit.store.backend import CONNECT_TIMEOUT_S
from orthofit.store.files import StoreError


def program(name: str) -> Path:
    """A PostgreSQL client program: on PATH, else the newest in /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: int(re.sub(r"\D", "", Path(p).parent.parent.name) or 0))
    if versions:
        return Path(versions[-1])
    raise StoreError(f"{name} is not installed: install PostgreSQL's client programs (Debian, "
                     "Ubuntu: apt install postgresql-client) of the server's version or newer")


def dump(store: Any, *, force: bool = False) -> Path | None:
    """Back up a server store (a :class:`~orthofit.store.Store` on PostgreSQL) with ``pg_dump``.

    Returns the file, or None if today's exists already.

    The whole database (scans and reports are in it) goes into
    ``backups/<database>-<date>.dump`` in this computer's folder (``store.folder``), in
    ``pg_dump``'s custom format (compressed; ``pg_restore`` reads it), mode 0600, written under
    a temporary name and renamed when complete. ``force`` makes today's again. The password
    goes to ``pg_dump`` through its environment (``PGPASSWORD``, or ``~/.pgpass`` as for
    orthofit), never its command line. Run by the database's owner or a clinic login.
    """
    url = store.url
    day = dt.date.today().isoformat()
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(url.database)) + f"-{day}.dump"
    folder = store.folder / "backups"
    from orthofit.store.files import private_folder

    private_folder(folder)
    target = folder / name
    if target.exists() and not force:
        return None
    pg_dump = program("pg_dump")
    env = dict(os.environ, PGCONNECT_TIMEOUT=str(CONNECT_TIMEOUT_S))
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    # The address without its password (URL.set cannot remove one: None there means "keep").
    conninfo = url._replace(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    part = folder / f".{name}.{os.getpid()}.part"
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    try:
        # --enable-row-security: a clinic login (not the owner) may dump too; its policies
        # let it see every row. --no-password: fail, rather than wait for a prompt.
        proc = subprocess.run([str(pg_dump), "--format=custom", "--no-password",
                               "--enable-row-security", f"--file={part}",
                               f"--dbname={conninfo}"],
                              env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            why = " ".join((proc.stderr or "").split())[:400] or f"exit {proc.returncode}"
            advice = ("; install PostgreSQL's client programs of the server's version or newer"
                      if "version mismatch" in why else "")
            raise StoreError(f"pg_dump could not back up {store.location}: {why}{advice}")
        with open(part, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(part, 0o600)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)
    return target
