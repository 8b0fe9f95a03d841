"""The first six steps of the SQLite clinic store's schema, from before Alembic.

An SQLite store made by orthofit before schema 7 records the step it is at in
``PRAGMA user_version``; :mod:`orthofit.store.upgrade` runs the steps it misses, stamps it with
Alembic's baseline revision ``0006`` and upgrades it from there. Never edit these: they are what
the clinics' old stores hold. New schema changes are Alembic revisions
(``orthofit/store/migrations/versions``).
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: patients, visits, scans, proposals, reports, audit trail.
    """
    CREATE TABLE patients (
        id INTEGER PRIMARY KEY,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        birth_date TEXT,
        sex TEXT,
        shoe_size TEXT,
        activity TEXT,
        conditions TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE INDEX patients_name ON patients (last_name, first_name);
    CREATE TABLE visits (
        id INTEGER PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
        date TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX visits_patient ON visits (patient_id, date);
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        visit_id INTEGER REFERENCES visits (id) ON DELETE CASCADE,
        sha256 TEXT NOT NULL UNIQUE,
        mode TEXT NOT NULL,
        frames INTEGER NOT NULL,
        recorded TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE proposals (
        id INTEGER PRIMARY KEY,
        scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        original TEXT NOT NULL,
        edited TEXT,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        audience TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id INTEGER,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    """,
    # 2: the kiosk queue: scans taken at the kiosk wait, unassigned, under a visit code.
    """
    ALTER TABLE scans ADD COLUMN kiosk_code TEXT;
    CREATE INDEX scans_kiosk ON scans (kiosk_code) WHERE visit_id IS NULL;
    """,
    # 3: settings (mat, port, threshold and rule profiles, clinic name and logo).
    """
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 4: the kiosk: the first name a patient typed with their scan, visit codes the desktop
    # issued for a patient (so the queue can suggest whom a scan belongs to).
    """
    ALTER TABLE scans ADD COLUMN kiosk_name TEXT;
    CREATE TABLE kiosk_codes (
        code TEXT PRIMARY KEY,
        patient_id INTEGER NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
        created TEXT NOT NULL
    );
    """,
    # 5: wrong administrator PINs, so that the lockout survives a restart and grows.
    """
    CREATE TABLE pin_lockout (
        scope TEXT PRIMARY KEY,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until REAL NOT NULL DEFAULT 0
    );
    """,
    # 6: the patient's weight (kg; force as % body weight) and who referred them (report header).
    """
    ALTER TABLE patients ADD COLUMN weight_kg REAL;
    ALTER TABLE patients ADD COLUMN referrer TEXT;
    """,
)

#: The last step before Alembic.
LEGACY_VERSION = len(MIGRATIONS)
