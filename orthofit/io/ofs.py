"""The native scan format ``.ofs``.

An ``.ofs`` file is a NumPy ``.npz`` archive (zip, deflate), so ``numpy.load`` alone reads it:

============== ======================== ==============================================
member         dtype, shape             what
============== ======================== ==============================================
``meta``       uint8, (N,)              UTF-8 JSON: format name and version, pitch,
                                        mode, ids, mat profile, metadata, checksums
``frames_kpa`` float32, (T, R, C)       pressure in kPa
``times_s``    float64, (T,)            timestamp of each frame
``raw_counts`` any integer, (T, R, C)   optional: the mat's counts before calibration
``valid``      bool, (R, C)             optional: sensels that exist on the sensor
============== ======================== ==============================================

``meta["checksums"]`` holds the SHA-256 of every array member's bytes, so corruption that the
zip CRC would not name (a wrong but well-formed array) is caught too. Files are written
atomically: a temporary file in the same folder, flushed and fsynced, then renamed over the
target, so a crash leaves either the old file or the new one, never half of one. Files are
created readable by their owner only (patient data).

Reading ``meta`` by hand::

    import json, numpy as np
    with np.load("scan.ofs") as z:
        meta = json.loads(z["meta"].tobytes())
        frames = z["frames_kpa"]
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.model import Recording, RecordingError

FORMAT_NAME = "orthofit-scan"
FORMAT_VERSION = 1
#: The first bytes of every zip archive, hence of every .ofs file.
ZIP_MAGIC = b"PK\x03\x04"
_ARRAY_MEMBERS = ("frames_kpa", "times_s", "raw_counts", "valid")
_ADVICE_CORRUPT = (
    "The file is damaged; use the original recording or a backup copy. If the capture "
    "crashed, 'orthofit recover' rebuilds a scan from its journal"
)


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _arrays(rec: Recording) -> dict[str, np.ndarray]:
    arrays = {"frames_kpa": rec.frames, "times_s": rec.times_s}
    if rec.raw_counts is not None:
        arrays["raw_counts"] = rec.raw_counts
    if rec.valid is not None:
        arrays["valid"] = rec.valid
    return arrays


def meta_of(rec: Recording) -> dict[str, Any]:
    """Return the JSON metadata that :func:`save_ofs` writes for ``rec`` (without checksums)."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "shape": list(rec.frames.shape),
        "pitch_mm": list(rec.pitch_mm),
        "mode": rec.mode,
        "patient_id": rec.patient_id,
        "device_id": rec.device_id,
        "profile": dict(rec.profile),
        "metadata": dict(rec.metadata),
        "units": {"frames_kpa": "kPa", "times_s": "s", "pitch_mm": "mm"},
    }


def write_atomic(path: str | Path, write: Any, *, mode: int = 0o600) -> Path:
    """Write a file atomically: ``write(fileobj)`` fills a temporary file that replaces ``path``.

    The temporary file lives in the target folder (so the rename is atomic), is fsynced before
    the rename, and the folder is fsynced after it, so a crash or power cut leaves either the old
    file or the complete new one. The file is created with ``mode`` (owner-only by default).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        # Never leave a half-written temporary file behind.
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open folders; the rename is still atomic
        return path
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


#: An array member written in pieces: its dtype, its shape, and a function giving its chunks
#: (arrays whose first axis adds up to the shape's first length).
Chunked = tuple[np.dtype, tuple[int, ...], Callable[[], Iterable[np.ndarray]]]


def write_ofs(path: str | Path, meta: dict[str, Any], members: dict[str, Chunked]) -> Path:
    """Write an ``.ofs`` whose arrays come in chunks: the memory used is one chunk's.

    Each array member is streamed into the archive (deflate level 1: several times faster on
    noisy frames than numpy.savez_compressed for a few percent more bytes, and numpy.load reads
    it the same way) while its SHA-256 is computed; ``meta`` goes last, with the checksums.
    Atomic and owner-readable only.
    """
    try:
        json.dumps(meta, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise RecordingError(
            f"the recording's profile or metadata cannot be stored as JSON ({exc})") from exc

    def write(fh: Any) -> None:
        sums: dict[str, str] = {}
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, (dtype, shape, chunks) in members.items():
                dtype = np.dtype(dtype)
                digest = hashlib.sha256()
                written = 0
                with zf.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array_header_2_0(member, {
                        "descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                        "shape": tuple(int(v) for v in shape)})
                    for chunk in chunks():
                        data = np.ascontiguousarray(chunk, dtype=dtype)
                        digest.update(data)
                        member.write(memoryview(data).cast("B"))  # no copy
                        written += data.shape[0] if data.ndim else 1
                if written != (shape[0] if shape else 1):
                    raise RecordingError(f"'{name}' got {written} rows, not {shape[0]}")
                sums[name] = digest.hexdigest()
            full = {**meta, "checksums": {"algorithm": "sha256", **sums}}
            text = json.dumps(full, sort_keys=True, allow_nan=False).encode("utf-8")
            with zf.open("meta.npy", "w") as member:
                np.lib.format.write_array(member, np.frombuffer(text, dtype=np.uint8),
                                          allow_pickle=False)

    return write_atomic(path, write)


def save_ofs(rec: Recording, path: str | Path) -> Path:
    """Write ``rec`` to ``path`` in the native format, atomically and owner-readable only.

    Parameters
    ----------
    rec : Recording
        The recording to store (kPa frames, times, geometry, ids and metadata).
    path : str or Path
        Target file; conventionally ends in ``.ofs``.

    Returns
    -------
    Path
        The path written.
    """
    members = {name: (array.dtype, array.shape, lambda a=array: (a,))
               for name, array in _arrays(rec).items()}
    return write_ofs(path, meta_of(rec), members)


def _corrupt(path: Path, problem: str) -> ScanFileError:
    return ScanFileError(path, problem, _ADVICE_CORRUPT)


def read_meta(path: str | Path) -> dict[str, Any]:
    """Return the JSON metadata of an ``.ofs`` file without reading its frames."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            return _decode_meta(path, z)
    except ScanFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as exc:
        raise _corrupt(path, f"not a readable orthofit scan ({exc})") from exc


def _decode_meta(path: Path, z: Any) -> dict[str, Any]:
    if "meta" not in z.files:
        raise ScanFileError(
            path,
            "this .npz archive has no 'meta' member, so it is not an orthofit scan",
            "Save plain arrays as .npy and pass --pitch-mm and --rate-hz",
        )
    try:
        meta = json.loads(z["meta"].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _corrupt(path, f"its metadata is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ScanFileError(path, "its metadata does not name the orthofit-scan format")
    version = meta.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ScanFileError(
            path,
            f"it is format version {version!r}; this orthofit reads versions up to "
            f"{FORMAT_VERSION}",
            "Update orthofit to read it",
        )
    return meta


def load_ofs(path: str | Path) -> Recording:
    """Read a native ``.ofs`` scan, verifying its checksums.

    Raises
    ------
    ScanFileError
        When the file is missing, truncated, corrupted, of a newer format version or
        inconsistent; the message names the file and what is wrong.
    """
    path = Path(path)
    if not path.exists():
        raise ScanFileError(path, "no such file", "Check the path")
    with path.open("rb") as fh:
        head = fh.read(4)
    if head != ZIP_MAGIC:
        raise ScanFileError(path, "not an orthofit scan (it does not start like an .ofs file)")
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = _decode_meta(path, z)
            arrays = {name: z[name] for name in _ARRAY_MEMBERS if name in z.files}
    except ScanFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as exc:
        raise _corrupt(path, f"the file is truncated or corrupted ({exc})") from exc
    for name in ("frames_kpa", "times_s"):
        if name not in arrays:
            raise _corrupt(path, f"the '{name}' member is missing")
    sums = meta.get("checksums", {})
    for name, array in arrays.items():
        expected = sums.get(name)
        if expected is None:
            raise _corrupt(path, f"no checksum is stored for '{name}'")
        if _sha256(array) != expected:
            raise _corrupt(path, f"the '{name}' data does not match its checksum")
    try:
        return Recording(
            frames=arrays["frames_kpa"],
            times_s=arrays["times_s"],
            pitch_mm=tuple(meta["pitch_mm"]),
            profile=meta.get("profile") or {"name": "unknown"},
            mode=meta.get("mode", "unknown"),
            patient_id=meta.get("patient_id"),
            device_id=meta.get("device_id"),
            raw_counts=arrays.get("raw_counts"),
            valid=arrays.get("valid"),
            metadata=meta.get("metadata") or {},
        )
    except (RecordingError, KeyError, TypeError) as exc:
        raise _corrupt(path, f"its contents are inconsistent ({exc})") from exc
