"""Shared fixtures: sample scans, foot-model trials (cached) and the ../shared folder."""

from __future__ import annotations

import functools
import os
import tempfile
import uuid
from pathlib import Path

import pytest

from orthofit import footmodel as fm

# Qt needs no screen in tests; set before any test imports PyQt6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_scans"
SHARED = Path(os.environ.get("ORTHOFIT_SHARED", REPO.parent / "shared"))


@functools.cache
def walk(kind: str = "normal", **kw):
    """A cached foot-model walk (recording, truth); never mutate the result."""
    return fm.walk_trial(kind, **kw)


@functools.cache
def stance(kind: str = "normal", **kw):
    """A cached foot-model static trial (recording, truth)."""
    return fm.static_trial(kind, **kw)


@functools.cache
def visit(kind: str = "normal"):
    """The analysis of a sample visit: the three walk passes of ``kind`` analysed together."""
    import orthofit

    names = [f"walk_{kind}", f"walk_{kind}_2", f"walk_{kind}_3"]
    return orthofit.analyze_trials([orthofit.load(SAMPLES / f"{n}.ofs") for n in names],
                                   labels=[f"{n}.ofs" for n in names])


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"../shared is not beside the repository ({SHARED}): no vendor samples")
    return SHARED


# -- the clinic store on both databases ---------------------------------------------------------

@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """The superuser URL of a PostgreSQL server for the tests.

    ``ORTHOFIT_TEST_PG`` when set (``.ci/run`` starts one for the whole run), else a throwaway
    server started here for this session (tests/pgserver.py). Without PostgreSQL installed the
    tests that need it are skipped, unless ``ORTHOFIT_REQUIRE_PG`` is set (CI): then they fail.
    """
    import pgserver

    if os.environ.get("ORTHOFIT_TEST_PG"):
        yield os.environ["ORTHOFIT_TEST_PG"]
        return
    if pgserver.bindir() is None:
        if os.environ.get("ORTHOFIT_REQUIRE_PG"):
            pytest.fail("PostgreSQL is not installed, and ORTHOFIT_REQUIRE_PG asks for it")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="orthofit-pg-"))
    try:
        yield pgserver.start(folder)
    finally:
        pgserver.stop(folder)


def _admin(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                           autocommit=True)


@pytest.fixture()
def pg_url(pg_server):
    """The superuser's URL of a new, empty database of its own (dropped afterwards)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with _admin(pg_server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = pg_server.rpartition("/")
    yield f"{base}/{name}"
    with _admin(pg_server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request, tmp_path):
    """Where a clinic store lives, once for each database: a folder, then a server's URL."""
    if request.param == "sqlite":
        return tmp_path / "store"
    from orthofit.store import Store

    url = request.getfixturevalue("pg_url")
    Store(url, create=True).close()  # the schema, as `orthofit store init` makes it
    return url


@pytest.fixture()
def private_pg(pg_server):
    """(folder, URL of a new database with the schema) on a PostgreSQL server of the test's own.

    For tests that stop, restart or kill the server: never the shared one, which other tests
    use at the same time. The folder is in /tmp (the server's user must be able to enter it).
    """
    import psycopg

    import pgserver

    folder = tempfile.mkdtemp(prefix="orthofit-pg-own-")
    try:
        url = pgserver.start(folder)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE clinic")
        url = url.rpartition("/")[0] + "/clinic"
        from orthofit.store import Store

        Store(url, create=True).close()
        yield folder, url
    finally:
        pgserver.stop(folder)
