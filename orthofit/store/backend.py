"""Where a store lives: an SQLite file in a folder, or a PostgreSQL database on a server.

A location is a folder (SQLite, the default: one computer, nothing to set up) or a URL
``postgresql://user@host[:port]/database[?sslmode=require]`` (a clinic's server). The password
of a server store never comes from the URL (a command line is visible to every user of the
computer): libpq reads it from ``PGPASSWORD`` or ``~/.pgpass``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from orthofit.store.files import StoreError

#: How long a connection to the server may take before the store says it cannot reach it (s).
CONNECT_TIMEOUT_S = 5
#: TCP keepalives for every connection to a server (libpq's settings; times in s, ms for the
#: user timeout): a network that drops silently is noticed in about 10 s instead of the
#: operating system's two hours, so a desktop says "not reachable" instead of hanging.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
             "keepalives_count": 3, "tcp_user_timeout": 10000}
#: The SQLite database's name in the store's folder.
DB_NAME = "orthofit.sqlite3"


def is_url(location: object) -> bool:
    """Whether ``location`` names a server (``scheme://...``) rather than a folder.

    Any scheme counts, so that ``mysql://...`` is refused as a server orthofit does not
    support instead of being taken for a folder of that name.
    """
    return isinstance(location, str) and re.match(r"\s*[A-Za-z][A-Za-z0-9+.-]*://",
                                                  location) is not None


def server_url(text: str, *, allow_password: bool = False) -> Any:
    """A PostgreSQL URL checked and made ready for SQLAlchemy (psycopg 3 as the driver).

    Raises StoreError for another scheme, a missing database name or host, or (unless
    ``allow_password``) a password written into the URL.

    Examples
    --------
    >>> str(server_url("postgresql://clinic@db.example/orthofit?sslmode=require"))
    'postgresql+psycopg://clinic@db.example/orthofit?sslmode=require'
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    raw = text.strip()
    if raw.lower().startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    try:
        url = make_url(raw)
    except ArgumentError:
        raise StoreError(f"{describe(text)} is not a PostgreSQL address; write it as "
                         "postgresql://user@host/database") from None
    if url.get_backend_name() != "postgresql":
        raise StoreError(f"{describe(text)}: only PostgreSQL servers are supported "
                         "(postgresql://user@host/database)")
    if url.password is not None and not allow_password:
        raise StoreError("a password in the store's address would be visible to every user of "
                         "this computer; leave it out and put it in PGPASSWORD or ~/.pgpass")
    if not url.database:
        raise StoreError(f"{describe(text)} names no database: postgresql://user@host/DATABASE")
    return url.set(drivername="postgresql+psycopg")


def shown_url(url: Any) -> str:
    """A server's SQLAlchemy URL as the user wrote it: ``postgresql://``, no password."""
    return describe(url.set(drivername="postgresql").render_as_string(hide_password=True))


def dialect_insert(conn: Any, table: Any) -> Any:
    """An INSERT on ``table`` with ``ON CONFLICT`` in the dialect of ``conn``."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def describe(location: object) -> str:
    """A store's location for messages: a folder as it is, a URL without its password."""
    text = str(location)
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", text)


def sqlite_engine(path: Path) -> Any:
    """An engine for the store's SQLite file: WAL, foreign keys, full sync, our own BEGINs.

    pysqlite's own transaction handling is switched off (``isolation_level=None``) and every
    transaction starts with the BEGIN the store asks for: ``BEGIN IMMEDIATE`` for a change (it
    takes the write lock first, so two writers queue instead of failing half-way) and a plain
    ``BEGIN`` for reading.
    """
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 10.0})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA foreign_keys=ON")
        dbapi_conn.execute("PRAGMA synchronous=FULL")
        dbapi_conn.execute("PRAGMA busy_timeout=10000")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write")
                             else "BEGIN")

    return engine


def postgres_engine(url: Any, *, pool_size: int = 2) -> Any:
    """An engine for a server store, its connections checked before use.

    A connection dropped by a server restart or a network fault is replaced instead of failing
    the next request.
    """
    from sqlalchemy import create_engine

    application = f"orthofit@{os.uname().nodename}"[:63] if hasattr(os, "uname") else "orthofit"
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=2,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT_S,
                                       "application_name": application, **KEEPALIVE})
