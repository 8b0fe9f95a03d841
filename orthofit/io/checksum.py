"""The identity of a scan: the SHA-256 of its file's bytes.

A proposal records the checksums of the scans it was made from, so a command given a proposal
and scans can tell when the two do not belong together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path


def file_sha256(path: str | Path) -> str:
    """The SHA-256 (hex) of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan_checksums(paths: Sequence[str | Path]) -> list[str]:
    """The checksums of the scans of one visit, in the order given."""
    return [file_sha256(p) for p in paths]
