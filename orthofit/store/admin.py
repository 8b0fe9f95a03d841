r"""Running a clinic store on a PostgreSQL server: its roles, moving a store there, backing it up.

:func:`init_store` makes (or upgrades) the store's tables and two database roles, and gives
them their rights, so that the database itself, not orthofit's code alone, decides what each
computer may do:

- the **clinic role** (default ``orthofit_clinic``) reads and writes every record: the desktops,
  reception, ``orthofit store list|check|backup``;
- the **kiosk role** (default ``orthofit_kiosk``) may only add a scan to the kiosk queue (with its
  contents), add an event to the audit trail as ``kiosk``, read the two settings a kiosk needs
  (the PIN's hash and the cut-off profile's name) and keep the PIN's lockout. It cannot read a
  patient, a visit, another scan, a proposal, a report or the audit trail: PostgreSQL refuses
  (table rights, and row-level security on the tables it shares with the clinic).

Both are group roles without a login (``NOLOGIN``): the clinic's IT gives each person, desktop
or kiosk a login of its own and grants it one of them
(``CREATE ROLE room2 LOGIN IN ROLE orthofit_clinic``, the password set with ``\password`` in
psql), so that the audit trail and the server's own log tell who did what, and one kiosk can be
shut out without touching the others. A role that exists already is used as it is (its login and
password are not changed). :func:`init_store` is run by the database's owner (who then owns the
tables and may upgrade them), once at set-up and again after each orthofit update; running it on
a current store changes nothing and says so.

:func:`move_store` copies a clinic's SQLite store into an empty server store, checking every
file against its checksum, in one transaction; ``orthofit store backup`` of a server store is
:func:`orthofit.store.dump.dump` (``pg_dump``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orthofit.store import tables as t
from orthofit.store.backend import (
    DB_NAME,
    describe,
    is_url,
    postgres_engine,
    server_url,
    shown_url,
)
from orthofit.store.files import StoreError
from orthofit.store.queue import KIOSK_ACTOR, KIOSK_SCOPE, KIOSK_SETTINGS, KIOSK_SOURCE
from orthofit.store.store import (
    Store,
    StoreUnavailable,
    connection_lost,
    permission_denied,
    short_error,
)
from orthofit.store.upgrade import HEAD, UPGRADE_LOCK, schema_version, upgrade

#: The roles :func:`init_store` makes unless told other names.
CLINIC_ROLE, KIOSK_ROLE = "orthofit_clinic", "orthofit_kiosk"
#: A role name orthofit makes: lower case, digits and underscores (no quoting surprises).
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,47}")
#: The tables with row-level security: those the kiosk shares with the clinic.
RLS_TABLES = ("scans", "blobs", "audit", "settings", "pin_lockout")
#: The tables whose ``id`` comes from a sequence.
SERIAL_TABLES = ("patients", "visits", "scans", "proposals", "reports", "audit")
#: What the kiosk role may do, table by table (a column list limits it to those columns).
#: ``visit_id`` is not among the scan's columns: a kiosk scan waits in the queue, always.
KIOSK_RIGHTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "scans": ("INSERT", ("id", "sha256", "mode", "frames", "recorded", "source", "kiosk_code",
                         "kiosk_name")),
    "blobs": ("INSERT", ()),
    # No ``id``: the kiosk's events are numbered by the sequence, never by the kiosk.
    "audit": ("INSERT", ("at", "actor", "action", "entity", "entity_id", "detail",
                         "workstation")),
    "settings": ("SELECT", ()),
    "pin_lockout": ("SELECT, INSERT, UPDATE, DELETE", ()),
    "alembic_version": ("SELECT", ()),  # to tell an old schema from a missing right
}
#: The sequences the kiosk draws ids from (USAGE: nextval only, it cannot read them).
KIOSK_SEQUENCES = ("scans", "audit")


def _quote_list(values: Any) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


#: The kiosk's row-level security policies: (table, name suffix, command, USING, WITH CHECK).
KIOSK_POLICIES = (
    ("scans", "queue", "INSERT", None,
     f"visit_id IS NULL AND source = '{KIOSK_SOURCE}' AND kiosk_code ~ '^[0-9]{{6}}$'"),
    # The database checks that a scan's contents are what their name says.
    ("blobs", "scan", "INSERT", None,
     "kind = 'scan' AND sha256 = encode(sha256(data), 'hex') AND size = length(data)"),
    ("audit", "events", "INSERT", None, f"actor = '{KIOSK_ACTOR}'"),
    ("settings", "settings", "SELECT", f"key IN ({_quote_list(KIOSK_SETTINGS)})", None),
    ("pin_lockout", "lockout", "ALL", f"scope = '{KIOSK_SCOPE}'", f"scope = '{KIOSK_SCOPE}'"),
)


@dataclass
class InitReport:
    """What :func:`init_store` did: ``changes`` in words (empty: the store was current)."""

    location: str
    clinic_role: str
    kiosk_role: str
    schema: int
    changes: list[str] = field(default_factory=list)


# -- connections ----------------------------------------------------------------------------

def _server(location: str) -> tuple[Any, str]:
    """An engine for a server store and its printable name; StoreError for a folder."""
    if not is_url(location):
        raise StoreError(f"{location} is a folder: a store in a folder needs no set-up (it is "
                         "made when it is first opened); roles exist only on a server "
                         "(postgresql://user@host/database)")
    url = server_url(str(location), allow_password=True)
    return postgres_engine(url, pool_size=1), shown_url(url)


@contextmanager
def _transaction(engine: Any, where: str) -> Iterator[Any]:
    """One transaction on the server: all of it is committed, or nothing."""
    from sqlalchemy import exc as sa_exc

    try:
        conn = engine.connect()
    except sa_exc.OperationalError as exc:
        raise StoreUnavailable(f"the server ({where}) cannot be reached ({short_error(exc)}); "
                               "check the address, the network, and the password in PGPASSWORD or "
                               "~/.pgpass") from exc
    try:
        with conn.begin():
            yield conn
    except sa_exc.DBAPIError as exc:
        if exc.connection_invalidated or connection_lost(exc):
            raise StoreUnavailable(f"the connection to {where} was lost ({short_error(exc)}); "
                                   "nothing was changed; try again") from exc
        if permission_denied(exc):
            raise StoreError(f"{where}: this database user may not do it ({short_error(exc)}); run "
                             "it as the database's owner (who made the store's tables)"
                             ) from exc
        raise StoreError(f"{where}: {short_error(exc)}; nothing was changed") from exc
    finally:
        conn.close()


def _ident(conn: Any, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _check_role_names(clinic_role: str, kiosk_role: str) -> None:
    for what, name in (("clinic", clinic_role), ("kiosk", kiosk_role)):
        if not ROLE_NAME.fullmatch(name or ""):
            raise StoreError(f"{name!r} cannot be the {what} role's name: use lower-case "
                             "letters, digits and underscores (at most 48), e.g. "
                             f"orthofit_{what}")
    if clinic_role == kiosk_role:
        raise StoreError("the clinic role and the kiosk role must be two different roles")


# -- what the database holds now, to say what changed ----------------------------------------

def _snapshot(conn: Any, roles: tuple[str, str]) -> dict[str, Any]:
    """The roles' rights, the row security and the policies as they are (compared later)."""
    from sqlalchemy import bindparam, text

    def rows(sql: str) -> set[tuple]:
        q = text(sql).bindparams(bindparam("roles", expanding=True))
        return {tuple(r) for r in conn.execute(q, {"roles": list(roles)})}

    here = "c.relnamespace = current_schema()::regnamespace"
    return {
        "version": schema_version(conn),
        "roles": rows("SELECT rolname FROM pg_roles WHERE rolname IN :roles"),
        "rights": rows(
            "SELECT c.relname, a.privilege_type, r.rolname FROM pg_class c "
            "CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee "
            f"WHERE {here} AND r.rolname IN :roles "
            "UNION SELECT c.relname || '(' || at.attname || ')', a.privilege_type, r.rolname "
            "FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid "
            "CROSS JOIN LATERAL aclexplode(at.attacl) a JOIN pg_roles r ON r.oid = a.grantee "
            f"WHERE {here} AND r.rolname IN :roles "
            "UNION SELECT 'database', a.privilege_type, r.rolname FROM pg_database d "
            "CROSS JOIN LATERAL aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee "
            "WHERE d.datname = current_database() AND r.rolname IN :roles "
            "UNION SELECT 'schema', a.privilege_type, r.rolname FROM pg_namespace n "
            "CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN pg_roles r ON r.oid = a.grantee "
            "WHERE n.nspname = current_schema() AND r.rolname IN :roles"),
        "rls": {r[0] for r in conn.execute(text(
            f"SELECT c.relname FROM pg_class c WHERE {here} AND c.relrowsecurity"))},
        "policies": {tuple(r) for r in conn.execute(text(
            "SELECT tablename, policyname, roles::text, cmd, qual, with_check FROM pg_policies "
            "WHERE schemaname = current_schema()"))},
    }


def _differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed between two snapshots, in words."""
    out = []
    if before["version"] != after["version"]:
        out.append(f"made the clinic store's tables (schema {after['version']})"
                   if before["version"] == 0 else
                   f"upgraded the schema from {before['version']} to {after['version']}")
    for (role,) in sorted(after["roles"] - before["roles"]):
        out.append(f"made the role {role} (no login: grant it to the clinic's logins)")
    for verb, rights in (("granted", after["rights"] - before["rights"]),
                         ("revoked", before["rights"] - after["rights"])):
        for role, words in sorted(_rights_words(rights).items()):
            out.append(f"{verb} {role}: {words}")
    if after["rls"] - before["rls"]:
        out.append("row-level security on " + ", ".join(sorted(after["rls"] - before["rls"])))
    for verb, policies in (("made", after["policies"] - before["policies"]),
                           ("removed", before["policies"] - after["policies"])):
        names = sorted({f"{p[1]} on {p[0]}" for p in policies})
        if verb == "removed":  # a policy made again as it was is no change
            names = [n for n in names if n not in {f"{p[1]} on {p[0]}"
                                                  for p in after["policies"]}]
        if names:
            out.append(f"{verb} the polic{'y' if len(names) == 1 else 'ies'} "
                       + ", ".join(names))
    return out


#: The order rights are named in.
RIGHTS_ORDER = ("CONNECT", "USAGE", "SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE",
                "REFERENCES", "TRIGGER", "CREATE", "TEMPORARY")


def _rights_words(rights: set[tuple[str, str, str]]) -> dict[str, str]:
    """(object, right, role) rows as words per role, objects with the same rights together.

    Examples
    --------
    >>> _rights_words({("scans(id)", "INSERT", "k"), ("scans(mode)", "INSERT", "k"),
    ...                ("blobs", "INSERT", "k"), ("settings", "SELECT", "k")})
    {'k': 'SELECT on settings; INSERT on blobs, scans (id, mode)'}
    """
    columns: dict[tuple[str, str, str], set[str]] = {}
    held: dict[str, dict[str, set[str]]] = {}
    for obj, right, role in rights:
        if obj.endswith(")"):
            table, column = obj[:-1].split("(", 1)
            columns.setdefault((role, table, right), set()).add(column)
        else:
            name = {"database": "the database", "schema": "the schema"}.get(obj, obj)
            held.setdefault(role, {}).setdefault(name, set()).add(right)
    for (role, table, right), cols in columns.items():
        held.setdefault(role, {}).setdefault(f"{table} ({', '.join(sorted(cols))})",
                                              set()).add(right)
    out = {}
    for role, objects in held.items():
        groups: dict[tuple[str, ...], list[str]] = {}
        for obj, rs in objects.items():
            key = tuple(sorted(rs, key=lambda r: (RIGHTS_ORDER + (r,)).index(r)))
            groups.setdefault(key, []).append(obj)
        out[role] = "; ".join(f"{', '.join(key)} on {', '.join(sorted(objs))}"
                              for key, objs in sorted(groups.items(), key=lambda g: (
                                  len(g[0]), [RIGHTS_ORDER.index(r) if r in RIGHTS_ORDER
                                              else 99 for r in g[0]])))
    return out


# -- roles and rights -------------------------------------------------------------------------

def _make_role(conn: Any, role: str) -> None:
    from sqlalchemy import text

    if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
        return  # used as it is: its login and password are the clinic's IT's business
    me = conn.execute(text("SELECT rolcreaterole OR rolsuper FROM pg_roles "
                           "WHERE rolname = current_user")).scalar()
    if not me:
        user = conn.execute(text("SELECT current_user")).scalar()
        raise StoreError(f"the role {role} does not exist and {user} may not make roles: have "
                         f"the server's administrator run `CREATE ROLE {role} NOLOGIN;` (or "
                         f"give {user} CREATEROLE), then run `orthofit store init` again")
    conn.exec_driver_sql(f"CREATE ROLE {_ident(conn, role)} NOLOGIN")


def _grant(conn: Any, clinic: str, kiosk: str) -> None:
    """Give both roles exactly their rights (anything else they held here is taken back)."""
    from sqlalchemy import text

    q = lambda n: _ident(conn, n)  # noqa: E731 - short, and read many times below
    run = conn.exec_driver_sql
    database = conn.execute(text("SELECT current_database()")).scalar()
    schema = _schema(conn)
    for role in (clinic, kiosk):
        run(f"GRANT CONNECT ON DATABASE {q(database)} TO {q(role)}")
        run(f"GRANT USAGE ON SCHEMA {q(schema)} TO {q(role)}")
    tables = [*t.metadata.tables, "alembic_version"]
    for table in tables:
        run(f"REVOKE ALL ON TABLE {q(table)} FROM {q(clinic)}, {q(kiosk)}")
        run(f"GRANT {'SELECT' if table == 'alembic_version' else 'SELECT, INSERT, UPDATE, DELETE'}"
            f" ON TABLE {q(table)} TO {q(clinic)}")
    for table, (rights, columns) in KIOSK_RIGHTS.items():
        cols = f" ({', '.join(q(c) for c in columns)})" if columns else ""
        run(f"GRANT {rights}{cols} ON TABLE {q(table)} TO {q(kiosk)}")
    for table in SERIAL_TABLES:
        seq = _sequence(conn, table)
        run(f"REVOKE ALL ON SEQUENCE {seq} FROM {q(clinic)}, {q(kiosk)}")
        # SELECT too: pg_dump run by a clinic login reads where each sequence stands.
        run(f"GRANT USAGE, SELECT ON SEQUENCE {seq} TO {q(clinic)}")
        if table in KIOSK_SEQUENCES:
            run(f"GRANT USAGE ON SEQUENCE {seq} TO {q(kiosk)}")
    for table in RLS_TABLES:
        run(f"ALTER TABLE {q(table)} ENABLE ROW LEVEL SECURITY")
        _policy(conn, table, f"{clinic}_all", "ALL", clinic, "true", "true")
    for table, suffix, command, using, check in KIOSK_POLICIES:
        _policy(conn, table, f"{kiosk}_{suffix}", command, kiosk, using, check)


def _schema(conn: Any) -> str:
    from sqlalchemy import text

    return str(conn.execute(text("SELECT current_schema()")).scalar())


def _sequence(conn: Any, table: str) -> str:
    from sqlalchemy import text

    seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
    if seq is None:
        raise StoreError(f"the table {table} has no id sequence: this is not a store orthofit "
                         "made; use an empty database")
    return str(seq)


def _policy(conn: Any, table: str, name: str, command: str, role: str, using: str | None,
            check: str | None) -> None:
    q = lambda n: _ident(conn, n)  # noqa: E731
    conn.exec_driver_sql(f"DROP POLICY IF EXISTS {q(name)} ON {q(table)}")
    conn.exec_driver_sql(
        f"CREATE POLICY {q(name)} ON {q(table)} FOR {command} TO {q(role)}"
        + (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else ""))


def _kiosk_is_narrow(conn: Any, kiosk: str, clinic: str) -> None:
    """Refuse a kiosk role that can do more than :data:`KIOSK_RIGHTS` (whatever the reason).

    The rights given here are exact, but a role can hold others: as a member of another role,
    through grants to PUBLIC, or as a superuser. Better no store than a kiosk that reads
    patients.
    """
    from sqlalchemy import text

    role = conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"),
                        {"r": kiosk}).first()
    if role.rolsuper or role.rolbypassrls:
        raise StoreError(f"the kiosk role {kiosk} is a superuser or bypasses row-level "
                         f"security: make it an ordinary role (ALTER ROLE {kiosk} NOSUPERUSER "
                         "NOBYPASSRLS) or name another one with --kiosk-role")
    if conn.execute(text("SELECT pg_has_role(:k, :c, 'MEMBER')"),
                    {"k": kiosk, "c": clinic}).scalar():
        raise StoreError(f"the kiosk role {kiosk} is a member of the clinic role {clinic}: it "
                         f"would read every patient; REVOKE {clinic} FROM {kiosk}")
    schema = _schema(conn)
    if conn.execute(text("SELECT has_schema_privilege(:k, :s, 'CREATE')"),
                    {"k": kiosk, "s": schema}).scalar():
        raise StoreError(f"the kiosk role {kiosk} may create objects in the schema {schema} "
                         "(a function planted there could run with the clinic's rights): have "
                         f"the schema's owner run `REVOKE CREATE ON SCHEMA {schema} FROM "
                         f"PUBLIC;` (and from {kiosk}), then run init again")
    allowed = {(tb, p.strip()) for tb, (ps, _cols) in KIOSK_RIGHTS.items()
               for p in ps.split(",")}
    held = conn.execute(text(
        "SELECT c.relname, p.priv FROM pg_class c "
        "CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', "
        "'REFERENCES', 'TRIGGER']) AS p(priv) "
        "WHERE c.relnamespace = current_schema()::regnamespace "
        "AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
        "AND (has_table_privilege(:k, c.oid, p.priv) OR (p.priv IN ('SELECT', 'INSERT', "
        "'UPDATE', 'REFERENCES') AND has_any_column_privilege(:k, c.oid, p.priv)))"),
        {"k": kiosk}).all()
    extra = sorted(f"{p} on {tb}" for tb, p in held if (tb, p) not in allowed)
    if extra:
        raise StoreError(f"the kiosk role {kiosk} holds rights it must not have ("
                         + ", ".join(extra[:6]) + (", ..." if len(extra) > 6 else "")
                         + "), through another role or PUBLIC; take them back, or name another "
                           "kiosk role with --kiosk-role; nothing was changed")


def _init(conn: Any, where: str, clinic_role: str, kiosk_role: str) -> list[str]:
    """Schema, roles, rights and policies on ``conn`` (in a transaction); what changed."""
    from sqlalchemy import text

    _check_role_names(clinic_role, kiosk_role)
    # Two administrators running init at once (or a desktop upgrading) take turns.
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
    roles = (clinic_role, kiosk_role)
    before = _snapshot(conn, roles)
    if before["version"] != HEAD:
        upgrade(conn, where)
    for role in roles:
        _make_role(conn, role)
    _grant(conn, clinic_role, kiosk_role)
    changes = []
    schema = _schema(conn)
    public_creates = "SELECT has_schema_privilege('public', :s, 'CREATE')"
    if conn.execute(text(public_creates), {"s": schema}).scalar():
        # PostgreSQL before 15 lets every role create objects in ``public``: a kiosk could
        # plant a function there that the clinic's queries would call.
        # (Only the schema's owner can take it back; if this user is not, the check below
        # refuses the kiosk role and says who must.)
        conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {_ident(conn, schema)} FROM PUBLIC")
        if not conn.execute(text(public_creates), {"s": schema}).scalar():
            changes.append(f"revoked PUBLIC: CREATE on the schema {schema}")
    _kiosk_is_narrow(conn, kiosk_role, clinic_role)
    return _differences(before, _snapshot(conn, roles)) + changes


def init_store(location: str, *, clinic_role: str = CLINIC_ROLE,
               kiosk_role: str = KIOSK_ROLE) -> InitReport:
    """Make or upgrade a server store and its two roles; what was done.

    Run by the database's owner. Everything is one transaction: a failure (a role that may not
    be made, a kiosk role that can read more than it should) leaves the database as it was.
    Running it again on a current store changes nothing (``changes`` is empty).

    Parameters
    ----------
    location : str
        ``postgresql://owner@host/database`` (the password from ``PGPASSWORD`` or
        ``~/.pgpass``).
    clinic_role, kiosk_role : str
        The roles' names (lower case, digits, underscores).
    """
    engine, where = _server(location)
    try:
        with _transaction(engine, where) as conn:
            changes = _init(conn, where, clinic_role, kiosk_role)
    finally:
        engine.dispose()
    return InitReport(where, clinic_role, kiosk_role, HEAD, changes)


# -- moving a folder store to a server ----------------------------------------------------------

@dataclass
class MoveReport:
    """What :func:`move_store` copied: rows per table in the source and in the destination.

    For ``blobs`` the source's number is the scan and report files read (a folder store keeps
    the contents as files).
    """

    source: str
    destination: str
    counts: dict[str, tuple[int, int]]
    init: list[str] = field(default_factory=list)


def _content(path: Path, sha: str, what: str) -> bytes:
    """A file of the source store, checked against the checksum its name carries."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"{what}: {path} is missing; restore it from a backup, then move "
                         "again; nothing was moved") from None
    except OSError as exc:
        raise StoreError(f"{what}: {path} cannot be read ({exc.strerror or exc}); nothing was "
                         "moved") from exc
    if hashlib.sha256(data).hexdigest() != sha:
        raise StoreError(f"{what}: {path} does not match its checksum (it was changed or "
                         "damaged); restore it from a backup, then move again; nothing was "
                         "moved")
    return data


#: Rows copied per statement (executemany): bounded memory, few round trips.
BATCH_ROWS = 500


def move_store(source: str | Path, destination: str, *, clinic_role: str = CLINIC_ROLE,
               kiosk_role: str = KIOSK_ROLE) -> MoveReport:
    """Copy the folder store ``source`` into the empty server store ``destination``.

    Every record keeps its id (the sequences are set past them, so new records do not
    collide); scans' and reports' files go into the database, each checked against its
    checksum as it is read. The destination is made with :func:`init_store` if the database is
    empty; one that holds records already is refused (no merge). Everything is one
    transaction: a damaged file, a lost connection or anything else leaves the destination as
    it was. The source is only read (its writers wait until the copy is done) and nothing is
    deleted from it.
    """
    from sqlalchemy import func, select, text

    if is_url(source):
        raise StoreError(f"--from names a server ({describe(source)}); store move copies a "
                         "store kept in a folder to a server")
    folder = Path(source)
    if not (folder / DB_NAME).is_file():
        raise StoreError(f"{folder} holds no clinic store ({DB_NAME} is not there)")
    engine, where = _server(destination)
    src = None
    try:
        src = Store(folder, create=False)  # an older store is upgraded, as any opening does
        # A write transaction on the source only to keep other writers out while it is read
        # (a scan filed meanwhile would miss the move); it changes nothing there.
        with src._tx() as s, _transaction(engine, where) as d:
            made: list[str] = []
            if schema_version(d) == 0:
                made = _init(d, where, clinic_role, kiosk_role)
            elif schema_version(d) != HEAD:
                raise StoreError(f"{where} holds an older clinic store (schema "
                                 f"{schema_version(d)}); run `orthofit store init {where}` "
                                 "first")
            held = {n: _count(d, n) for n in t.RECORD_TABLES}
            if any(held.values()):
                what = ", ".join(f"{n} {c}" for n, c in held.items() if c)
                raise StoreError(f"{where} already holds records ({what}); store move copies "
                                 "into an empty store only and never merges two stores")
            counts = {n: _count(s, n) for n in t.RECORD_TABLES}
            files = _copy(s, d, folder)
            counts["blobs"] = files
            for table in SERIAL_TABLES:
                d.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"))
            moved = {n: (counts[n], _count(d, n)) for n in t.RECORD_TABLES}
            wrong = [n for n, (a, b) in moved.items() if a != b]
            if wrong:
                raise StoreError(f"the copy of {', '.join(wrong)} came out with other counts "
                                 "than the source's; nothing was moved")
            damaged = d.execute(select(func.count()).select_from(t.blobs).where(
                t.blobs.c.sha256 != func.encode(func.sha256(t.blobs.c.data), "hex"))).scalar()
            if damaged:
                raise StoreError(f"{damaged} scan(s) or report(s) arrived damaged on the "
                                 "server; nothing was moved; try again")
    finally:
        engine.dispose()
        if src is not None:
            src.close()
    return MoveReport(str(folder), where, moved, made)


def _count(conn: Any, table: str) -> int:
    from sqlalchemy import func, select

    return int(conn.execute(select(func.count()).select_from(t.metadata.tables[table])).scalar())


def _copy(s: Any, d: Any, folder: Path) -> int:
    """Copy every record from ``s`` to ``d``; the number of scan and report files put in."""
    from sqlalchemy.dialects.postgresql import insert

    stored: set[str] = set()

    def put(sha: str, kind: str, path: Path, what: str) -> None:
        if sha in stored:
            return
        data = _content(path, sha, what)
        d.execute(insert(t.blobs).values(sha256=sha, kind=kind, size=len(data), data=data)
                  .on_conflict_do_nothing(index_elements=["sha256"]))
        stored.add(sha)

    for name in t.RECORD_TABLES:
        if name == "blobs":
            continue  # made from the files, as their scans and reports are copied
        table = t.metadata.tables[name]
        batch: list[dict[str, Any]] = []
        for row in s.execute(table.select().order_by(*table.primary_key.columns)):
            record = dict(row._mapping)
            if name == "scans":
                put(record["sha256"], "scan", folder / "scans" / f"{record['sha256']}.ofs",
                    f"scan {record['id']}")
            elif name == "reports":
                put(record["sha256"], "report", folder / "reports" / f"{record['sha256']}.pdf",
                    f"report {record['id']}")
            batch.append(record)
            if len(batch) >= BATCH_ROWS:
                d.execute(table.insert(), batch)
                batch = []
        if batch:
            d.execute(table.insert(), batch)
    return len(stored)


# -- backing up a server store -----------------------------------------------------------------
