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
zip CRC would not name (a wrong but well-formed array) is caught too, and ``checksums["meta"]``
the SHA-256 of the metadata itself: its JSON with ``sort_keys=True`` and without that one entry
(files written before it was added have none and are read without it). Files are written
atomically: a temporary file in the same folder, flushed and fsynced, then renamed over the
target, so a crash leaves either the old file or the new one, never half of one. Files are
created readable by their owner only (patient data).

Reading checks every field of ``meta`` (type and a plausible range, see
:mod:`orthofit.model`) and each member's declared dtype and shape against the metadata, the zip
entry's size and the memory available before anything is allocated, so a damaged or crafted file
is refused with a :class:`~orthofit.errors.ScanFileError` instead of exhausting memory.

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
import struct
import tempfile
import tokenize
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.model import (
    MAX_PITCH_RATIO,
    PITCH_MM_RANGE,
    Recording,
    RecordingError,
    check_fields,
    check_memory,
    check_pitch,
    check_shape,
    check_times,
)

FORMAT_NAME = "orthofit-scan"
FORMAT_VERSION = 1
#: The first bytes of every zip archive, hence of every .ofs file.
ZIP_MAGIC = b"PK\x03\x04"
_ARRAY_MEMBERS = ("frames_kpa", "times_s", "raw_counts", "valid")
_ADVICE_CORRUPT = (
    "The file is damaged; use the original recording or a backup copy. If the capture "
    "crashed, 'orthofit recover' rebuilds a scan from its journal"
)
#: Largest ``meta`` member read, in bytes: real ones have a few kB, and 1 MB of JSON already
#: makes tens of MB of Python objects.
MAX_META_BYTES = 1 << 20
#: Deepest nesting of the metadata JSON (real files have 4 levels).
MAX_META_DEPTH = 32
#: Most entries an .ofs archive may list (it has 3 to 5), and the largest central directory
#: read: a crafted directory of millions of entries costs gigabytes before any member is read.
MAX_ENTRIES = 64
MAX_DIRECTORY_BYTES = 64 << 10
#: Longest npy header (numpy refuses to parse more than 10,000 characters).
_MAX_NPY_HEADER = 10_000 + 16
#: Bytes read from a member at a time (hashed and copied into the array as they come).
_CHUNK = 1 << 20
try:  # members may be LZMA-compressed (zip method 14); its errors are not OSErrors
    from lzma import LZMAError
except ImportError:  # a Python without lzma: zipfile cannot decompress such members at all
    LZMAError = zlib.error  # type: ignore[misc,assignment]
#: Errors the zip and npy layers raise on a damaged archive.
_ARCHIVE_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, LZMAError,
                   NotImplementedError, RuntimeError, struct.error, ValueError, KeyError,
                   IndexError, OverflowError)
#: What each array member may hold: dtype kinds, and the axes of the recording's (T, R, C).
_MEMBER_KINDS = {"frames_kpa": ("f", (0, 1, 2)), "times_s": ("f", (0,)),
                 "raw_counts": ("iuf", (0, 1, 2)), "valid": ("b", (1, 2))}


def _sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _meta_digest(meta: dict[str, Any]) -> str:
    """SHA-256 of the metadata's canonical JSON, without its own checksum."""
    sums = meta.get("checksums")
    if isinstance(sums, dict):
        meta = {**meta, "checksums": {k: v for k, v in sums.items() if k != "meta"}}
    text = json.dumps(meta, sort_keys=True, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    it the same way) while its SHA-256 is computed; ``meta`` goes last, with the checksums
    (its own included).
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
            # The checksum covers the metadata as a reader parses it (lists, not tuples).
            full = json.loads(json.dumps(full, allow_nan=False))
            full["checksums"]["meta"] = _meta_digest(full)
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


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_directory(path: Path, fh: Any) -> None:
    """Refuse an archive whose central directory lists more entries than a scan has.

    ``zipfile`` builds an object per listed entry before anything can be checked, so a
    directory of millions of entries would cost gigabytes; its end record says how many.
    """
    size = fh.seek(0, os.SEEK_END)
    tail_len = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return  # no end record: zipfile names the problem
    entries, directory = struct.unpack_from("<HI", tail, at + 10)
    if (entries == 0xFFFF or directory == 0xFFFFFFFF) and at >= 20 \
            and tail[at - 20:at - 16] == b"PK\x06\x07":  # zip64: the real counts are there
        (end64,) = struct.unpack_from("<Q", tail, at - 20 + 8)
        if end64 + 56 <= size:
            fh.seek(end64)
            record = fh.read(56)
            if record[:4] == b"PK\x06\x06":
                entries, directory = struct.unpack_from("<QQ", record, 32)
    if entries > MAX_ENTRIES or directory > MAX_DIRECTORY_BYTES:
        raise _corrupt(path, f"its archive lists {entries} entries in {directory} bytes; a scan "
                             f"has at most {len(_ARRAY_MEMBERS) + 1}")


def npy_header(fh: Any) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Read an ``.npy`` header from ``fh``: its shape, Fortran order and dtype.

    Raises
    ------
    ValueError
        Whatever is wrong with it: numpy's parser of the header (a Python literal) raises
        several kinds of errors on damaged bytes, all turned into this one.
    """
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError(f"npy format version {version} is not one that plain arrays use")
    except (ValueError, TypeError, SyntaxError, KeyError, IndexError, OverflowError,
            RecursionError, tokenize.TokenError) as exc:
        raise ValueError(str(exc) or type(exc).__name__) from exc
    return tuple(shape), bool(fortran), dtype


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, name: str,
                 expect: Callable[[tuple[int, ...], np.dtype], str | None],
                 digest: Any = None) -> np.ndarray:
    """Read one ``.npy`` member in chunks, hashing its data into ``digest`` as it comes.

    ``expect(shape, dtype)`` returns what is wrong with the declared shape and dtype (or None);
    the declared size must also be the zip entry's uncompressed size, so nothing is allocated
    for more than the archive says it holds, and reading stops at the declared size.
    """
    with zf.open(info) as fh:
        try:
            shape, fortran, dtype = npy_header(fh)
        except ValueError as exc:
            raise _corrupt(path, f"the '{name}' member's array header is unreadable "
                                 f"({_short(str(exc), 200)})") from exc
        if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
            problem: str | None = f"holds {dtype} values"
        else:
            problem = expect(shape, dtype)
        if problem:
            raise _corrupt(path, f"the '{name}' member {problem}")
        count = int(np.prod(shape, dtype=object))
        nbytes = count * dtype.itemsize
        header = fh.tell()
        if header + nbytes != info.file_size:
            raise _corrupt(path, f"the '{name}' member declares {shape} {dtype} values "
                                 f"({header + nbytes} bytes) but the archive stores "
                                 f"{info.file_size} bytes for it")
        out = np.empty(shape[::-1] if fortran else shape, dtype=dtype)
        buf = memoryview(out.reshape(-1).view(np.uint8))
        hasher = None if fortran else digest  # the checksum is over C-order bytes
        pos = 0
        while pos < nbytes:
            chunk = fh.read(min(_CHUNK, nbytes - pos))
            if not chunk:
                raise _corrupt(path, f"the '{name}' member ends after {pos} of its "
                                     f"{nbytes} bytes")
            buf[pos:pos + len(chunk)] = chunk
            if hasher is not None:
                hasher.update(chunk)
            pos += len(chunk)
        if fh.read(1):
            raise _corrupt(path, f"the '{name}' member holds more than its declared {nbytes} "
                                 f"bytes")
    if fortran:
        out = out.T
        if digest is not None:
            digest.update(np.ascontiguousarray(out).data)
    return out


def _json_float(text: str) -> float:
    value = float(text)
    if not np.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def _json_constant(text: str) -> Any:
    raise ValueError(f"{text} is not a number JSON allows")


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_META_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def _read_meta_member(path: Path, zf: zipfile.ZipFile) -> dict[str, Any]:
    """Read, parse and verify the ``meta`` member (format, version, its checksum)."""
    info = _info(zf, "meta")
    if info is None:
        raise ScanFileError(
            path,
            "this .npz archive has no 'meta' member, so it is not an orthofit scan",
            "Save plain arrays as .npy and pass --pitch-mm and --rate-hz",
        )
    if info.file_size > MAX_META_BYTES + 4096:
        raise _corrupt(path, f"its 'meta' member is {info.file_size} bytes; real metadata is "
                             f"a few kB (at most {MAX_META_BYTES})")

    def expect(shape: tuple[int, ...], dtype: np.dtype) -> str | None:
        if dtype != np.uint8 or len(shape) != 1:
            return f"holds {shape} {dtype} values, not UTF-8 text (uint8)"
        if not 0 <= shape[0] <= MAX_META_BYTES:
            return f"declares {shape[0]} bytes of text (at most {MAX_META_BYTES})"
        return None

    raw = _read_member(zf, info, path, "meta", expect).tobytes()
    try:
        meta = json.loads(raw.decode("utf-8"), parse_float=_json_float,
                          parse_constant=_json_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _corrupt(path, f"its metadata is not valid JSON ({_short(str(exc), 200)})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ScanFileError(path, "its metadata does not name the orthofit-scan format")
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _corrupt(path, f"its metadata field 'version' is {_short(version)}; expected a "
                             f"format version from 1 to {FORMAT_VERSION}")
    if version > FORMAT_VERSION:
        raise ScanFileError(
            path,
            f"it is format version {version!r}; this orthofit reads versions up to "
            f"{FORMAT_VERSION}",
            "Update orthofit to read it",
        )
    if _depth(meta) > MAX_META_DEPTH:
        raise _corrupt(path, f"its metadata is nested more than {MAX_META_DEPTH} levels deep")
    sums = meta.get("checksums")
    if not isinstance(sums, dict):
        raise _field(path, "checksums", sums, "a mapping of member names to SHA-256 digests")
    if "meta" in sums:  # files written before the metadata had a checksum have none
        if _meta_digest(meta) != sums["meta"]:
            raise _corrupt(path, "its metadata does not match its checksum")
    return meta


def _info(zf: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    try:
        return zf.getinfo(f"{name}.npy")
    except KeyError:
        return None


def _field(path: Path, name: str, value: object, expected: str) -> ScanFileError:
    if value is None:
        return _corrupt(path, f"its metadata lacks the field '{name}' ({expected})")
    return _corrupt(path, f"its metadata field '{name}' is {_short(value)}; expected {expected}")


def _meta_fields(path: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Check every field of the metadata (type, plausible range) before anything is allocated.

    Returns the fields as the Recording takes them, with ``shape`` (T, R, C) and ``sums``.
    """
    shape = meta.get("shape")
    if not isinstance(shape, list) or len(shape) != 3:
        raise _field(path, "shape", shape, "[frames, rows, columns], three integers")
    try:
        shape = check_shape(*shape)
    except RecordingError as exc:
        raise _field(path, "shape", meta["shape"], f"[frames, rows, columns]: {exc}") from exc
    pitch = meta.get("pitch_mm")
    try:
        if pitch is None:
            raise RecordingError("missing")
        check_pitch(pitch)
    except RecordingError:
        lo, hi = PITCH_MM_RANGE
        raise _field(path, "pitch_mm", pitch, f"[row, column] sensel pitch, two numbers of mm "
                     f"from {lo:g} to {hi:g}, the larger at most {MAX_PITCH_RATIO:g} times the "
                     f"smaller") from None
    fields = {
        "pitch_mm": tuple(pitch) if isinstance(pitch, list) else pitch,
        "mode": meta.get("mode", "unknown"),
        "patient_id": meta.get("patient_id"),
        "device_id": meta.get("device_id"),
        "profile": meta.get("profile") or {"name": "unknown"},
        "metadata": meta.get("metadata") or {},
    }
    for name in ("profile", "metadata", "units"):
        value = meta.get(name)
        if value is not None and not isinstance(value, dict):
            raise _field(path, name, value, "a mapping")
    try:
        check_fields(**fields)
    except RecordingError as exc:
        raise _corrupt(path, f"its metadata is invalid: {exc}") from exc
    sums = meta["checksums"]
    if sums.get("algorithm", "sha256") != "sha256":
        raise _field(path, "checksums.algorithm", sums.get("algorithm"), "'sha256'")
    for name, digest in sums.items():
        if name != "algorithm" and (not isinstance(digest, str) or len(digest) != 64):
            raise _field(path, f"checksums.{name}", digest, "a SHA-256 digest (64 hex digits)")
    return {**fields, "shape": shape, "sums": sums}


def read_meta(path: str | Path) -> dict[str, Any]:
    """Return the JSON metadata of an ``.ofs`` file without reading its frames (checked)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            _check_directory(path, fh)
            with zipfile.ZipFile(fh) as zf:
                meta = _read_meta_member(path, zf)
        _meta_fields(path, meta)
        return meta
    except ScanFileError:
        raise
    except _ARCHIVE_ERRORS as exc:
        raise _corrupt(path, f"not a readable orthofit scan ({_short(str(exc), 200)})") from exc


def _read_arrays(path: Path, zf: zipfile.ZipFile, shape: tuple[int, int, int],
                 sums: dict[str, Any]) -> dict[str, np.ndarray]:
    """Read the array members, each checked against the metadata and its checksum."""
    infos = {name: _info(zf, name) for name in _ARRAY_MEMBERS}
    for name in ("frames_kpa", "times_s"):
        if infos[name] is None:
            raise _corrupt(path, f"the '{name}' member is missing")
    present = {name: info for name, info in infos.items() if info is not None}
    for name, info in present.items():
        if sums.get(name) is None:
            raise _corrupt(path, f"no checksum is stored for '{name}'")
        # An npy header takes at most ~10 kB and a value 8 bytes: the entry cannot be larger.
        values = int(np.prod([shape[a] for a in _MEMBER_KINDS[name][1]], dtype=object))
        if info.file_size > _MAX_NPY_HEADER + 8 * values:
            raise _corrupt(path, f"the archive stores {info.file_size} bytes for the '{name}' "
                                 f"member, more than the metadata's shape {list(shape)} allows")
    try:
        check_memory(sum(info.file_size for info in present.values()),
                     f"the {' x '.join(map(str, shape))} frames of this scan")
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
    arrays: dict[str, np.ndarray] = {}
    # The timestamps first: they are small and a wrong time base is refused before the frames.
    for name in ("times_s", "frames_kpa", "raw_counts", "valid"):
        if name not in present:
            continue
        kinds, axes = _MEMBER_KINDS[name]
        want = tuple(shape[a] for a in axes)

        def expect(got: tuple[int, ...], dtype: np.dtype, kinds: str = kinds,
                   want: tuple[int, ...] = want) -> str | None:
            if dtype.kind not in kinds or dtype.itemsize > 8:
                return f"holds {dtype} values"
            if got != want:
                return f"has shape {got} but the metadata's shape {list(shape)} makes it {want}"
            return None

        digest = hashlib.sha256()
        arrays[name] = _read_member(zf, present[name], path, name, expect, digest)
        if digest.hexdigest() != sums[name]:
            raise _corrupt(path, f"the '{name}' data does not match its checksum")
        if name == "times_s":
            try:
                check_times(arrays[name], shape[0])
            except RecordingError as exc:
                raise _corrupt(path, f"its timestamps are wrong: {exc}") from exc
    return arrays


def load_ofs(path: str | Path) -> Recording:
    """Read a native ``.ofs`` scan, verifying its checksums.

    The metadata is checked field by field, and each member's declared shape and size against
    it, the archive and the memory available, before any array is allocated.

    Raises
    ------
    ScanFileError
        When the file is missing, truncated, corrupted, of a newer format version, implausible
        or inconsistent; the message names the file and what is wrong.
    """
    path = Path(path)
    if not path.exists():
        raise ScanFileError(path, "no such file", "Check the path")
    try:
        with path.open("rb") as fh:
            if fh.read(4) != ZIP_MAGIC:
                raise ScanFileError(
                    path, "not an orthofit scan (it does not start like an .ofs file)")
            _check_directory(path, fh)
            with zipfile.ZipFile(fh) as zf:
                meta = _read_meta_member(path, zf)
                fields = _meta_fields(path, meta)
                arrays = _read_arrays(path, zf, fields.pop("shape"), fields.pop("sums"))
    except ScanFileError:
        raise
    except RecordingError as exc:
        raise _corrupt(path, f"its contents are inconsistent ({exc})") from exc
    except _ARCHIVE_ERRORS as exc:
        raise _corrupt(path, f"the file is truncated or corrupted ({_short(str(exc), 200)})"
                       ) from exc
    try:
        return Recording(
            frames=arrays["frames_kpa"],
            times_s=arrays["times_s"],
            raw_counts=arrays.get("raw_counts"),
            valid=arrays.get("valid"),
            **fields,
        )
    except RecordingError as exc:
        raise _corrupt(path, f"its contents are inconsistent ({exc})") from exc
