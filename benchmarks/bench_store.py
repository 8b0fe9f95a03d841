"""Benchmark: a clinic's workstations on one store, at the same time.

    python benchmarks/bench_store.py [--seconds 60]

Targets (issue 14): 4 desktop processes and 2 kiosk processes work on one PostgreSQL store for
60 s (search, open a patient, file a scan, save a proposal; the kiosks queue scans): 0 errors
reaching a user, 0 lost or duplicated writes (counted afterwards against what every process
says it wrote), 95th percentile of "open a patient" under 50 ms and of "file a 3 MB scan" under
150 ms. The same mix on SQLite with one desktop and one kiosk on the same computer.

"File a scan" is what the desktop does after a capture: the capture's ``.ofs`` (3 MB: random
frames, which do not compress) goes into the store, checked, its SHA-256 taken and its bytes
written in the same transaction as its row. The scans are captured before the clock starts.
A throwaway PostgreSQL server is started for the run (tests/pgserver.py) and removed after.
Baseline in the same run: the same operations made by one desktop alone on the same server,
before the others start; the ratios say what sharing the server costs. A save refused because
another desktop saved the same proposal first (``ConflictError``) is what the desktop shows the
clinician, not an error: it is counted apart.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # pgserver: the tests' throwaway server

#: Patients (each with one visit and one small scan) in the store before the workstations start.
PATIENTS = 300
#: The size of a filed scan (MB): random frames, which do not compress.
SCAN_MB = 3.0
DESKTOP_MIX = (("search", 0.3), ("open", 0.35), ("file", 0.1), ("proposal", 0.25))
#: Between two operations a desktop waits this long (s): far quicker than a clinician clicks,
#: so six workstations keep the server busy, but not a loop that only measures the 2 cores.
DESKTOP_PAUSE_S = (0.1, 0.3)
#: A kiosk queues a scan this often (s); a patient at a real kiosk takes a minute.
KIOSK_PAUSE_S = (1.0, 3.0)
NAMES = ("Berg", "Lind", "Holm", "Dahl", "Falk", "Kross", "Moll", "Nagel", "Roth", "Stein")


def _scan(worker: str, i: int, mb: float = SCAN_MB):
    import orthofit

    rng = np.random.default_rng(zlib.crc32(f"{worker}/{i}".encode()))
    frames = rng.random((max(1, int(mb * 1e6 / 4 / 3200)), 64, 50), dtype=np.float32) * 300
    return orthofit.Recording(frames, np.arange(len(frames)) / 100.0, 5.08, mode="walk")


def seed(location: str) -> None:
    """The store before the day starts: patients with a visit and a small scan each."""
    from orthofit.store import Store

    store = Store(location, actor="seed", workstation="seed", create=True)
    for i in range(PATIENTS):
        pid = store.add_patient(f"P{i:03d}", f"{NAMES[i % len(NAMES)]}{i:03d}")
        vid = store.add_visit(pid, "2026-11-01")
        store.add_scan(_scan("seed", i, mb=0.05), visit_id=vid, source="seed")
    store.close()


def work(location: str, role: str, name: str, seconds: float, out: str) -> None:
    """One workstation's day: timed operations, one JSON line each, into ``out``.

    The scans it will file are captured (saved) before the clock starts, as a capture is
    before it is filed; then it waits for the others (``out.go``) so that all work at once.
    """
    from orthofit.io.ofs import save_ofs
    from orthofit.store import ConflictError, Store

    rng = random.Random(name)
    store = Store(location, actor=name, workstation=name)
    pids = [p["id"] for p in store.search_patients("", limit=PATIENTS)]
    visits = {p: store.visits(p)[0]["id"] for p in pids}
    seeded = [s["id"] for p in pids[:50] for v in store.visits(p) for s in v["scans"]]
    kinds, weights = zip(*DESKTOP_MIX, strict=True)
    captures = [(rec, save_ofs(rec, Path(f"{out}.{k}.ofs")))
                for k, rec in ((k, _scan(name, k)) for k in range(pool_size(role, seconds)))]
    Path(f"{out}.ready").touch()
    while not Path(f"{out}.go").exists():
        time.sleep(0.02)
    log = open(out, "w")  # noqa: SIM115 - one file for the whole run
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        op = "queue" if role == "kiosk" else rng.choices(kinds, weights)[0]
        rec = file = None
        if op in ("file", "queue"):
            if not captures:
                break  # more scans than a day's pace: the run ends for this one
            rec, file = captures.pop()
        status, detail = "ok", {}
        t0 = time.perf_counter()
        try:
            if op == "search":
                store.search_patients(rng.choice(NAMES)[:3])
            elif op == "open":
                pid = rng.choice(pids)
                store.patient(pid)
                store.visits(pid)
            elif op == "file":
                detail["scan"] = store.add_scan(rec, visit_id=visits[rng.choice(pids)],
                                                source=name, file=file)
            elif op == "queue":
                detail["scan"] = store.add_scan(rec, kiosk_code=f"{rng.randrange(10**6):06d}",
                                                source="kiosk", file=file)
            else:
                sid = rng.choice(seeded)
                record = store.proposal_record(sid)
                store.save_proposal(sid, {"rules": "default"}, {"by": name, "i": i},
                                    expected_version=record["row_version"] if record else 0)
        except ConflictError:
            status = "conflict"
        except Exception as exc:  # noqa: BLE001 - every failure is counted, whatever it is
            status, detail = "error", {"error": f"{type(exc).__name__}: {exc}"[:300]}
        ms = (time.perf_counter() - t0) * 1e3
        if file is not None:
            file.unlink()
        log.write(json.dumps({"op": op, "ms": ms, "status": status, **detail}) + "\n")
        i += 1
        time.sleep(rng.uniform(*(KIOSK_PAUSE_S if role == "kiosk" else DESKTOP_PAUSE_S)))
    log.close()
    for _, file in captures:
        file.unlink()
    store.close()


def pool_size(role: str, seconds: float) -> int:
    """How many scans a workstation captures ahead: more than it files at its pace."""
    if role == "kiosk":
        return int(seconds / KIOSK_PAUSE_S[0]) + 2
    share = dict(DESKTOP_MIX)["file"]
    return int(seconds / DESKTOP_PAUSE_S[0] * share * 1.5) + 3


def run_mix(location: str, roles: list[tuple[str, str]], seconds: float,
            folder: Path) -> list[dict]:
    """Run workstations in processes of their own at the same time; all their operations."""
    procs = []
    for role, name in roles:
        out = folder / f"{name}.jsonl"
        procs.append((out, subprocess.Popen(
            [sys.executable, __file__, "--worker", role, name, location, str(seconds),
             str(out)])))
    while not all(Path(f"{out}.ready").exists() or p.poll() is not None for out, p in procs):
        time.sleep(0.05)
    for out, _ in procs:  # all captured: the day starts for everyone at once
        Path(f"{out}.go").touch()
    for _, p in procs:
        p.wait()
    ops = []
    for out, p in procs:
        if p.returncode != 0:
            ops.append({"op": "process", "ms": 0.0, "status": "error",
                        "error": f"{out.stem} exited with {p.returncode}"})
        ops += [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return ops


def p95(ops: list[dict], op: str) -> float:
    values = [o["ms"] for o in ops if o["op"] == op and o["status"] == "ok"]
    return float(np.percentile(values, 95)) if values else float("nan")


def verify(location: str, ops: list[dict]) -> tuple[int, int]:
    """Lost and duplicated writes: every filed scan there once, every proposal save counted."""
    from orthofit.store import Store

    store = Store(location, actor="audit")
    filed = [o["scan"] for o in ops if o["op"] in ("file", "queue") and o["status"] == "ok"]
    counts = store.counts()
    with store._read() as c:
        present = {r[0] for r in c.exec_driver_sql("SELECT id FROM scans")}
        saves = c.exec_driver_sql("SELECT COUNT(*) FROM audit WHERE entity = 'proposal' AND "
                                  "actor <> 'seed'").scalar()
    store.close()
    lost = len(set(filed) - present) + abs(
        sum(o["op"] == "proposal" and o["status"] == "ok" for o in ops) - int(saves))
    duplicated = (len(filed) - len(set(filed))) + (counts["scans"] - PATIENTS - len(filed))
    return lost, duplicated


def report(label: str, ops: list[dict], base: list[dict] | None, lost: int, dup: int,
           targets: bool) -> bool:
    errors = [o for o in ops if o["status"] == "error"]
    conflicts = sum(o["status"] == "conflict" for o in ops)
    print(f"-- {label}: {len(ops)} operations, {len(errors)} errors, {conflicts} conflicts "
          f"shown, {lost} lost, {dup} duplicated")
    for e in errors[:5]:
        print(f"   error: {e.get('error')}")
    ok = not errors and lost == 0 and dup == 0
    for op, limit in (("search", None), ("open", 50.0), ("file", 150.0), ("proposal", None),
                      ("queue", None)):
        if not any(o["op"] == op for o in ops):
            continue
        value = p95(ops, op)
        ratio = f"{value / p95(base, op):5.2f}x alone" if base and any(
            o["op"] == op for o in base) else " " * 13
        verdict = ""
        if limit is not None and targets:
            good = value < limit
            ok &= good
            verdict = f"(target < {limit:.0f} ms){'  ok' if good else '  OVER TARGET'}"
        print(f"   {op:9s} p95 {value:7.1f} ms  {ratio}  {verdict}")
    return ok


def main() -> int:
    import pgserver

    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="orthofit-bench-store-") as tmp:
        folder = Path(tmp)
        if pgserver.bindir() is None:
            print("PostgreSQL is not installed: the server half is skipped")
        else:
            # Not inside the private temporary folder: the server runs as the postgres user
            # when this runs as root, and must be able to reach its own folder.
            server = Path(tempfile.mkdtemp(prefix="orthofit-bench-pg-"))
            url = pgserver.start(server)
            try:
                seed(url)
                alone = run_mix(url, [("desktop", "alone")], min(args.seconds, 15.0), folder)
                report("PostgreSQL, one desktop alone (baseline)", alone, None,
                       *verify(url, alone), targets=False)
                seed_then = alone
                mix = run_mix(url, [("desktop", f"desktop-{n}") for n in range(1, 5)] +
                              [("kiosk", f"kiosk-{n}") for n in range(1, 3)], args.seconds,
                              folder)
                lost, dup = verify(url, seed_then + mix)
                ok &= report("PostgreSQL, 4 desktops + 2 kiosks", mix, alone, lost, dup,
                             targets=True)
            finally:
                pgserver.stop(server)
        location = str(folder / "sqlite")
        seed(location)
        mix = run_mix(location, [("desktop", "desktop"), ("kiosk", "kiosk")], args.seconds,
                      folder)
        ok &= report("SQLite, 1 desktop + 1 kiosk on one computer", mix, None,
                     *verify(location, mix), targets=False)
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        role, name, location, seconds, out = sys.argv[2:7]
        work(location, role, name, float(seconds), out)
    else:
        sys.exit(main())
