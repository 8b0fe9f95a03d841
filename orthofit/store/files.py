"""The scan and report files of a store kept in a folder (the SQLite store, one computer).

Scans live as ``scans/<sha256>.ofs``, named by their checksum, reports as
``reports/<sha256>.pdf``. A file is written completely (atomically) before the row that names it
is committed, so a crash or a kill leaves at worst an unreferenced file, never a row without its
file. Every folder is kept at mode 0700: patients' data is readable by the user alone.

Several processes may use one store at once (the desktop, the kiosk, ``orthofit store list``),
and each sweeps the leftovers of interrupted saves when it opens the store. A save therefore
works in a folder of its own under ``scans/.incoming/`` and holds an exclusive lock
(``flock``) on the lock file beside that folder for as long as it writes; a sweep removes a
save's folder only when it can take that lock itself, that is when the process that saved is
gone. Nothing another process is writing is ever removed.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orthofit.errors import OrthofitError

try:
    import fcntl
except ImportError:  # Windows: a file open for writing cannot be removed there anyway
    fcntl = None  # type: ignore[assignment]

#: Where saves in progress work, inside ``scans/`` (so that the final rename stays on one disk).
INCOMING = ".incoming"
#: Leftovers of saves by an orthofit older than the locks are removed only after this long (s):
#: longer than any save takes, so a save still running in such a process is never cut.
LEGACY_STALE_S = 3600.0


class StoreError(OrthofitError):
    """The store cannot do what was asked (the message says why)."""


def private_folder(path: Path, *, parents: bool = False) -> Path:
    """Make ``path`` a folder only its owner can enter (mode 0700), made if missing.

    An existing folder with a wider mode (0755, say, from a copy or an older orthofit) is
    narrowed: patients' data must not be readable by other users of the computer.
    """
    old = os.umask(0o077)
    try:
        path.mkdir(parents=parents, exist_ok=True, mode=0o700)
    except FileExistsError:
        raise StoreError(f"{path} is a file; the clinic store needs a folder there") from None
    finally:
        os.umask(old)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode != 0o700:
        try:
            os.chmod(path, 0o700)
        except OSError as exc:
            raise StoreError(f"{path} can be read by other users (mode {mode:o}) and its mode "
                             f"cannot be changed ({exc.strerror or exc}); make it 0700") from exc
    return path


def why_not_saved(folder: Path, exc: OSError) -> StoreError:
    """The truth about a failed save, with advice only where it fits the cause."""
    why = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "; free some disk space and try again"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        advice = "; this user may not write there: check the folder's owner and permissions"
    elif exc.errno == errno.EROFS:
        advice = "; the disk is read-only"
    elif exc.errno == errno.ENOENT:
        advice = ("; a file of the save disappeared while it was written (was the store "
                  "folder moved or cleaned by another program?); try again")
    else:
        advice = "; try again, and check the disk if it happens again"
    return StoreError(f"the scan could not be saved in {folder} ({why}){advice}")


def _lock(fd: int, *, wait: bool) -> bool:
    """Take an exclusive advisory lock on ``fd``; False if another process holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def sweep(scans: Path) -> None:
    """Remove the leftovers of saves whose process is gone (never a save in progress)."""
    area = scans / INCOMING
    for lock_path in area.glob("*.lock"):
        try:
            fd = os.open(lock_path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue  # finished (and removed) meanwhile
        try:
            if fcntl is None:
                if time.time() - os.fstat(fd).st_mtime < LEGACY_STALE_S:
                    continue
            elif not _lock(fd, wait=False):
                continue  # a save is running: its files are not leftovers
            # The save's process died: its folder and then its lock go (while locked, so
            # that a save that has just made this lock file sees it gone and starts anew).
            shutil.rmtree(area / lock_path.stem, ignore_errors=True)
            lock_path.unlink(missing_ok=True)
        finally:
            os.close(fd)
    for work in area.iterdir():
        # A save's folder exists only while its lock file does; alone, it is left over
        # from a sweep that was itself interrupted.
        if work.is_dir() and not work.with_name(f"{work.name}.lock").exists():
            shutil.rmtree(work, ignore_errors=True)
    # ``.incoming-*`` and ``.*.part`` in scans/ itself are an older orthofit's saves: they
    # carry no lock, so only their age tells that nobody is writing them any more.
    for leftover in [*scans.glob(".incoming-*"), *scans.glob(".*.part")]:
        try:
            if time.time() - leftover.stat().st_mtime > LEGACY_STALE_S:
                leftover.unlink(missing_ok=True)
        except OSError:
            pass


@contextmanager
def saving(scans: Path) -> Iterator[Path]:
    """A folder of its own for one save, locked against sweeps for as long as it lasts."""
    area = scans / INCOMING
    while True:
        token = uuid.uuid4().hex
        lock_path = area / f"{token}.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL |
                     getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            _lock(fd, wait=True)  # waits only while a sweep that found it removes it
            os.write(fd, f"{os.getpid()}\n".encode())
            try:
                still = os.stat(lock_path)
            except FileNotFoundError:
                still = None
            mine = os.fstat(fd)
        except BaseException:
            os.close(fd)
            raise
        if still is not None and (still.st_ino, still.st_dev) == (mine.st_ino, mine.st_dev):
            break
        os.close(fd)  # a sweep took the new lock file for a dead save's: make another
    work = area / token
    try:
        work.mkdir(mode=0o700)
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
        lock_path.unlink(missing_ok=True)
        os.close(fd)

