"""Open any scan orthofit understands, choosing the reader by the file's content.

Readers register here as ``(name, sniff, read)``: ``sniff(head, path)`` looks at the first
kilobytes (and the name, as a tie-breaker only) and ``read(path, pitch_mm=, rate_hz=)`` returns a
:class:`~orthofit.model.Recording`. Vendor readers (Tekscan, Novel, footscan, XSENSOR, Zebris)
join the same list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.io.ofs import ZIP_MAGIC, load_ofs, npy_header
from orthofit.io.vendor import emed, footscan, novel_asc, tekscan, xsensor, zebris
from orthofit.model import (
    Recording,
    RecordingError,
    check_memory,
    check_pitch,
    check_rate,
    check_shape,
    single_frame_times,
)

NPY_MAGIC = b"\x93NUMPY"
_HEAD_BYTES = 4096


@dataclass(frozen=True)
class Reader:
    """A file reader: a name, a content sniffer and the function that reads the file."""

    name: str
    sniff: Callable[[bytes, Path], bool]
    read: Callable[..., Recording]


def _npy_error(path: Path, exc: Exception) -> ScanFileError:
    """What numpy's complaint about a ``.npy`` means for the user."""
    if isinstance(exc, ValueError):
        return ScanFileError(path, f"not a plain numeric NumPy array ({exc})",
                             "Save the frames with numpy.save")
    return ScanFileError(path, f"the .npy file is truncated or unreadable ({exc})")


def _npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype, int, int]:
    """The declared shape and dtype of a ``.npy``, where its data starts, and the file's size."""
    try:
        with path.open("rb") as fh:
            shape, _, dtype = npy_header(fh)
            return shape, dtype, fh.tell(), path.stat().st_size
    except (ValueError, OSError, EOFError) as exc:
        raise _npy_error(path, exc) from exc


def load_npy(
    path: str | Path,
    *,
    pitch_mm: float | tuple[float, float] | None = None,
    rate_hz: float | None = None,
) -> Recording:
    """Read a plain NumPy ``.npy`` of kPa values: one R x C image or T x R x C frames.

    A plain array carries no geometry, so ``pitch_mm`` is required, and ``rate_hz`` too when
    there is more than one frame. The header's shape and the pitch and rate are checked for
    plausible ranges (:mod:`orthofit.model`) before the data is read.
    """
    path = Path(path)
    shape, dtype, offset, size = _npy_header(path)
    if dtype.hasobject:
        raise ScanFileError(path, "not a plain numeric NumPy array (it holds Python objects)",
                            "Save the frames with numpy.save")
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in "iuf":
        raise ScanFileError(path, f"holds {dtype} values, not pressures in kPa")
    if len(shape) not in (2, 3):
        raise ScanFileError(
            path, f"holds an array of shape {shape}; expected R x C or T x R x C kPa values"
        )
    if pitch_mm is None:
        raise ScanFileError(
            path,
            "a plain .npy has no sensel size",
            "Give it with --pitch-mm (for example --pitch-mm 5.08 or --pitch-mm 7.62x5.08)",
        )
    n_frames = 1 if len(shape) == 2 else shape[0]
    if n_frames > 1 and rate_hz is None:
        raise ScanFileError(
            path,
            f"a plain .npy of {n_frames} frames has no frame rate",
            "Give it with --rate-hz (for example --rate-hz 100)",
        )
    try:
        check_pitch(pitch_mm)
        if rate_hz is not None:
            check_rate(rate_hz)
        check_shape(n_frames, *shape[-2:])
        values = n_frames * shape[-2] * shape[-1]
        if offset + values * dtype.itemsize > size:
            raise ScanFileError(path, f"the .npy file is truncated: its header declares "
                                      f"{shape} {dtype} values, {values * dtype.itemsize} bytes, "
                                      f"but only {size - offset} follow")
        # The array as stored, and its float32 copy unless it is float32 already.
        check_memory(values * (dtype.itemsize + (0 if dtype == np.float32 else 4)),
                     f"the {' x '.join(map(str, shape))} values of this .npy")
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
    try:
        array = np.load(path, allow_pickle=False, mmap_mode=None)
    except (ValueError, OSError, EOFError) as exc:
        raise _npy_error(path, exc) from exc
    try:
        return Recording(
            frames=array.astype(np.float32, copy=False),
            times_s=single_frame_times(n_frames, rate_hz),
            pitch_mm=pitch_mm,
            profile={"name": "plain-npy"},
            metadata={"source": {"file": path.name, "format": "npy"}},
        )
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc


def _read_ofs(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    # The native format carries its own geometry and time base; overrides do not apply.
    return load_ofs(path)


READERS: list[Reader] = [
    Reader("ofs", lambda head, path: head.startswith(ZIP_MAGIC), _read_ofs),
    Reader("npy", lambda head, path: head.startswith(NPY_MAGIC), load_npy),
    Reader("tekscan", tekscan.sniff, tekscan.read),
    Reader("novel-emed", emed.sniff, emed.read),
    Reader("xsensor", xsensor.sniff, xsensor.read),
    Reader("zebris", zebris.sniff, zebris.read),
    Reader("footscan", footscan.sniff, footscan.read),
    Reader("footscan-text", footscan.sniff_text, footscan.read_text),
    Reader("novel-asc", novel_asc.sniff, novel_asc.read),
]


def load(
    path: str | Path,
    *,
    pitch_mm: float | tuple[float, float] | None = None,
    rate_hz: float | None = None,
) -> Recording:
    """Read a scan: native ``.ofs``, plain ``.npy``, or any registered vendor export.

    Parameters
    ----------
    path : str or Path
        The file to read. The reader is chosen by content, not by the extension.
    pitch_mm : float or (float, float), optional
        Sensel pitch (row, column) in mm; needed only for formats without geometry (``.npy``).
    rate_hz : float, optional
        Frame rate in Hz; needed only for multi-frame formats without a time base.

    Returns
    -------
    Recording

    Raises
    ------
    ScanFileError
        The file is missing, unreadable or of an unknown kind; the message says what to do.
    """
    path = Path(path)
    if path.is_dir():
        raise ScanFileError(path, "is a folder, not a scan file")
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except FileNotFoundError as exc:
        raise ScanFileError(path, "no such file", "Check the path") from exc
    except OSError as exc:
        raise ScanFileError(path, f"cannot be opened ({exc.strerror or exc})") from exc
    if not head:
        raise ScanFileError(path, "the file is empty")
    for reader in READERS:
        if reader.sniff(head, path):
            return reader.read(path, pitch_mm=pitch_mm, rate_hz=rate_hz)
    known = ", ".join(r.name for r in READERS)
    raise ScanFileError(
        path,
        "not a scan format orthofit knows",
        f"Readable formats: {known}. Convert other data to a T x R x C kPa .npy",
    )
