"""Bringing a store's schema to the newest version (Alembic), from whatever it was.

Versions 1-6 are the numbered steps SQLite stores took before Alembic
(:data:`orthofit.store.schema.MIGRATIONS`, recorded in ``PRAGMA user_version``); an SQLite store
at one of them is brought to 6 by those steps, stamped with Alembic's revision ``0006`` and
upgraded from there. A new store (SQLite or PostgreSQL) is made by Alembic from revision
``0006`` on. The whole upgrade is one transaction under a lock (SQLite's write lock,
PostgreSQL's advisory lock), so two workstations opening an old store at once upgrade it once,
and a failure leaves it as it was. An SQLite store also keeps the version in
``PRAGMA user_version``, so an orthofit older than Alembic refuses it ("newer orthofit").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orthofit.store.files import StoreError
from orthofit.store.schema import LEGACY_VERSION, MIGRATIONS

#: The newest schema this orthofit writes (the number of the last Alembic revision).
HEAD = 7
#: The first revision under Alembic; SQLite stores before it took the legacy steps.
BASELINE = LEGACY_VERSION
#: Where Alembic's revisions are.
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: PostgreSQL advisory lock key held while the schema is changed (any constant, ours alone).
UPGRADE_LOCK = 0x0F7F_0001


def schema_version(conn: Any) -> int:
    """The schema version of the store on ``conn`` (0: an empty database)."""
    from sqlalchemy import inspect, text

    legacy = int(conn.exec_driver_sql("PRAGMA user_version").scalar()) \
        if conn.dialect.name == "sqlite" else 0
    if inspect(conn).has_table("alembic_version"):
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        # An SQLite store also carries it in user_version (for orthofit before Alembic): the
        # larger of the two is the truth should one of them lag.
        return max(int(row[0]) if row is not None else 0, legacy)
    if conn.dialect.name == "sqlite":
        return legacy
    if inspect(conn).has_table("patients"):
        raise StoreError("this database holds tables that are not an orthofit store's; "
                         "use an empty database for the clinic store")
    return 0


def _alembic(conn: Any, action: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    getattr(command, action)(cfg, revision)


def upgrade(conn: Any, where: str) -> int:
    """Bring the store on ``conn`` (in a write transaction) to :data:`HEAD`; the old version.

    ``where`` names the store in messages.
    """
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
    # Read inside the lock: another workstation may have upgraded it a moment ago.
    version = schema_version(conn)
    if version > HEAD:
        raise StoreError(f"{where} was written by a newer orthofit (schema {version}, this one "
                         f"knows {HEAD}); update orthofit")
    if version == HEAD:
        return version
    from sqlalchemy import inspect

    if 0 < version <= BASELINE and not inspect(conn).has_table("alembic_version"):
        # An SQLite store from before Alembic: its own steps to 6, then Alembic from there.
        for number in range(version, BASELINE):
            for statement in filter(str.strip, MIGRATIONS[number].split(";")):
                conn.exec_driver_sql(statement)
        _alembic(conn, "stamp", f"{BASELINE:04d}")
    _alembic(conn, "upgrade", "head")
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA user_version = {HEAD}")
    return version
