"""The clinic store's tables as they are at the newest schema (SQLAlchemy Core).

One definition serves both databases: SQLite (one computer) and PostgreSQL (a clinic's server).
Times are ISO 8601 text in UTC (as every earlier store wrote them), so that a store moved
between the two compares and sorts the same. The migrations that bring an older store here live
in ``orthofit/store/migrations/versions``; this module is what the queries are written against.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    text,
)

metadata = MetaData()

patients = Table(
    "patients", metadata,
    Column("id", Integer, primary_key=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("birth_date", Text),
    Column("sex", Text),
    Column("shoe_size", Text),
    Column("activity", Text),
    Column("conditions", Text, nullable=False, server_default="[]"),
    Column("notes", Text, nullable=False, server_default=""),
    Column("created", Text, nullable=False),
    Column("updated", Text, nullable=False),
    Column("weight_kg", Float),
    Column("referrer", Text),
    # Several workstations: each save names the version it started from (see Store).
    Column("row_version", Integer, nullable=False, server_default="1"),
    Column("updated_by", Text, nullable=False, server_default=""),
)
Index("patients_name", patients.c.last_name, patients.c.first_name)

visits = Table(
    "visits", metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", Integer, ForeignKey("patients.id", ondelete="CASCADE"),
           nullable=False),
    Column("date", Text, nullable=False),
    Column("notes", Text, nullable=False, server_default=""),
)
Index("visits_patient", visits.c.patient_id, visits.c.date)

scans = Table(
    "scans", metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_id", Integer, ForeignKey("visits.id", ondelete="CASCADE")),
    Column("sha256", Text, nullable=False, unique=True),
    Column("mode", Text, nullable=False),
    Column("frames", Integer, nullable=False),
    Column("recorded", Text, nullable=False),
    Column("source", Text, nullable=False, server_default=""),
    Column("kiosk_code", Text),
    Column("kiosk_name", Text),
)
Index("scans_kiosk", scans.c.kiosk_code, sqlite_where=text("visit_id IS NULL"),
      postgresql_where=text("visit_id IS NULL"))

proposals = Table(
    "proposals", metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", Integer, ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("original", Text, nullable=False),
    Column("edited", Text),
    Column("created", Text, nullable=False),
    Column("updated", Text, nullable=False),
    Column("row_version", Integer, nullable=False, server_default="1"),
    Column("updated_by", Text, nullable=False, server_default=""),
)

reports = Table(
    "reports", metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", Integer, ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("audience", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("created", Text, nullable=False),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Integer),
    Column("detail", Text, nullable=False, server_default="{}"),
    # The computer the change was made on (its host name): several desktops share one store.
    Column("workstation", Text, nullable=False, server_default=""),
)

settings = Table(
    "settings", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

kiosk_codes = Table(
    "kiosk_codes", metadata,
    Column("code", Text, primary_key=True),
    Column("patient_id", Integer, ForeignKey("patients.id", ondelete="CASCADE"),
           nullable=False),
    Column("created", Text, nullable=False),
)

pin_lockout = Table(
    "pin_lockout", metadata,
    Column("scope", Text, primary_key=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("locked_until", Float, nullable=False, server_default="0"),
)

# The contents of scans and reports on a server (PostgreSQL), named by their SHA-256 and
# checked against it on every read; an SQLite store keeps them as files beside the database.
blobs = Table(
    "blobs", metadata,
    Column("sha256", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

#: The tables that hold a clinic's records, parents before children (moving, counting).
RECORD_TABLES = ("patients", "visits", "scans", "proposals", "reports", "audit", "settings",
                 "kiosk_codes", "pin_lockout", "blobs")
