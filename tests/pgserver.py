"""A throwaway PostgreSQL server for the tests and benchmarks: start it, use it, remove it.

``initdb`` into a folder of its own, listening on 127.0.0.1 on a free port (never on another
address), password authentication over TCP, made for speed rather than durability (no fsync:
the cluster is deleted afterwards). PostgreSQL refuses to run as root, so when the tests run as
root the server runs as the ``postgres`` user (Debian's packages make it).

From a shell (``.ci/run``)::

    eval "$(python tests/pgserver.py start /tmp/pg)"   # exports ORTHOFIT_TEST_PG
    python tests/pgserver.py stop /tmp/pg              # stops it and removes the folder
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

#: The superuser the tests connect as.
SUPERUSER = "postgres"
#: Settings for a test server: fast, small, local only.
SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "max_connections": "300", "shared_buffers": "64MB", "listen_addresses": "'127.0.0.1'"}


def bindir() -> Path | None:
    """The folder of PostgreSQL's server programs (Debian keeps them out of PATH)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parent.parent.name))
    return Path(versions[-1]).parent if versions else None


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", SUPERUSER, "--", *cmd]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(folder: str | Path, *, ssl: bool = False) -> str:
    """Start a server with its data in ``folder``; the superuser's URL (password in it).

    ``ssl``: the server also speaks TLS, with a self-signed certificate made here (openssl).
    """
    bins = bindir()
    if bins is None:
        raise RuntimeError("PostgreSQL's server programs (initdb) are not installed")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    password = secrets.token_hex(12)
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, SUPERUSER)
        shutil.chown(pwfile, SUPERUSER)
    subprocess.run(_as_server_user([str(bins / "initdb"), "-D", str(data), "-U", SUPERUSER,
                                    "--pwfile", str(pwfile), "--auth-host=scram-sha-256",
                                    "--auth-local=trust", "-E", "UTF8", "--no-sync",
                                    "--locale=C"]),
                   check=True, stdout=subprocess.DEVNULL)
    pwfile.unlink()
    port = _free_port()
    if ssl:
        subprocess.run(["openssl", "req", "-new", "-x509", "-days", "2", "-nodes", "-subj",
                        "/CN=localhost", "-keyout", str(data / "server.key"), "-out",
                        str(data / "server.crt")], check=True, capture_output=True)
        os.chmod(data / "server.key", 0o600)
        if os.geteuid() == 0:
            for name in ("server.key", "server.crt"):
                shutil.chown(data / name, SUPERUSER)
    with (data / "postgresql.conf").open("a") as fh:
        if ssl:
            fh.write("ssl = on\n")
        for key, value in {**SETTINGS, "port": str(port),
                           "unix_socket_directories": f"'{folder}'"}.items():
            fh.write(f"{key} = {value}\n")
    subprocess.run(_as_server_user([str(bins / "pg_ctl"), "-D", str(data), "-l",
                                    str(folder / "server.log"), "-w", "-t", "60", "start"]),
                   check=True, stdout=subprocess.DEVNULL)
    (folder / "port").write_text(str(port))
    return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{port}/postgres"


def pause(folder: str | Path) -> None:
    """Stop the server in ``folder`` (fast: every connection is cut), keeping its data."""
    data = Path(folder) / "data"
    subprocess.run(_as_server_user([str(bindir() / "pg_ctl"), "-D", str(data), "-m", "fast",
                                    "-w", "stop"]), check=True, stdout=subprocess.DEVNULL)


def resume(folder: str | Path) -> None:
    """Start the server in ``folder`` again after :func:`pause`."""
    data = Path(folder) / "data"
    subprocess.run(_as_server_user([str(bindir() / "pg_ctl"), "-D", str(data), "-l",
                                    str(Path(folder) / "server.log"), "-w", "start"]),
                   check=True, stdout=subprocess.DEVNULL)


def restart(folder: str | Path, *, down_s: float = 0.0) -> None:
    """Stop the server (fast: connections are cut), wait ``down_s`` seconds, start it again."""
    pause(folder)
    time.sleep(down_s)
    resume(folder)


def stop(folder: str | Path) -> None:
    """Stop the server in ``folder`` (if it runs) and remove the folder."""
    bins = bindir()
    data = Path(folder) / "data"
    if bins is not None and (data / "postmaster.pid").exists():
        subprocess.run(_as_server_user([str(bins / "pg_ctl"), "-D", str(data), "-m",
                                        "immediate", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    action, where = sys.argv[1], sys.argv[2]
    if action == "start":
        print(f"export ORTHOFIT_TEST_PG='{start(where)}' ORTHOFIT_TEST_PG_DIR='{where}'")
    elif action == "stop":
        stop(where)
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop FOLDER")
