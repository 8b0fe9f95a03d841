"""Write several files into a folder, all of them or none."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_files(folder: str | Path, contents: Mapping[str, bytes]) -> list[Path]:
    """Write every file of ``contents`` (name: bytes) into ``folder``, or none.

    All go to a temporary folder inside ``folder`` first, each flushed to disk, then each is
    moved into place (a rename, which cannot be left half done).

    ``folder`` must exist. Returns the paths written, in the order of ``contents``.
    """
    folder = Path(folder)
    tmp = Path(tempfile.mkdtemp(prefix=".insole-", dir=folder))
    try:
        for name, data in contents.items():
            with (tmp / name).open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        out = []
        for name in contents:
            os.replace(tmp / name, folder / name)
            out.append(folder / name)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
