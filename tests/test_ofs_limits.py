"""Damaged and crafted .ofs files: refused with a ScanFileError, before memory is spent on them.

Every file here is built in the test from a shipped sample (no binary test data): its members
are re-zipped byte for byte, with the metadata or one member changed. The shipped samples were
written before the metadata had a checksum, so a changed field there reaches the field checks.
"""

from __future__ import annotations

import hashlib
import io
import json
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import orthofit
from orthofit.errors import ScanFileError
from orthofit.io.ofs import load_ofs, read_meta, save_ofs

from conftest import SAMPLES

STATIC = SAMPLES / "static_normal.ofs"  # 150 x 96 x 96 at 50 Hz, 5.08 mm
ADVICE = "The file is damaged"
MiB = 1 << 20


def members_of(path: Path) -> dict[str, bytes]:
    """The raw (uncompressed) bytes of each member of an archive."""
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    return buf.getvalue()


def meta_npy(meta: dict | None = None, *, text: bytes | None = None) -> bytes:
    if text is None:
        text = json.dumps(meta, sort_keys=True).encode()
    return npy(np.frombuffer(text, np.uint8))


def meta_of(members: dict[str, bytes]) -> dict:
    return json.loads(np.load(io.BytesIO(members["meta.npy"])).tobytes())


def pack(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def with_meta(tmp_path: Path, change, source: Path = STATIC) -> Path:
    """``source`` with its metadata changed by ``change(meta)`` (no metadata checksum)."""
    members = members_of(source)
    meta = meta_of(members)
    change(meta)
    members["meta.npy"] = meta_npy(meta)
    return pack(tmp_path / "changed.ofs", members)


def header(descr: str, shape: tuple[int, ...]) -> bytes:
    """An npy (1.0) header declaring ``shape`` values of ``descr``."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def refused(path: Path, *words: str) -> str:
    with pytest.raises(ScanFileError) as err:
        orthofit.load(path)
    message = str(err.value)
    assert str(path) in message
    for word in words:
        assert word in message, message
    return message


# -- compatibility -------------------------------------------------------------------------

def test_shipped_samples_have_no_metadata_checksum_and_still_load():
    for path in sorted(SAMPLES.glob("*.ofs")):
        assert "meta" not in meta_of(members_of(path))["checksums"]
        assert orthofit.load(path).n_frames > 0


def test_fortran_ordered_members_of_older_files_still_load(tmp_path):
    # Before write_ofs streamed C-ordered chunks, numpy.savez stored a transposed array as it was.
    rec = orthofit.load(STATIC)
    frames = np.asfortranarray(rec.frames)
    members = members_of(STATIC)
    meta = meta_of(members)
    meta["checksums"]["frames_kpa"] = hashlib.sha256(
        np.ascontiguousarray(frames).tobytes()).hexdigest()
    members["frames_kpa.npy"] = npy(frames)
    members["meta.npy"] = meta_npy(meta)
    assert b"'fortran_order': True" in members["frames_kpa.npy"][:128]
    back = orthofit.load(pack(tmp_path / "old.ofs", members))
    assert np.array_equal(back.frames, rec.frames)


# -- the metadata's checksum ---------------------------------------------------------------

def test_new_files_carry_a_metadata_checksum(tmp_path):
    path = save_ofs(orthofit.load(STATIC), tmp_path / "new.ofs")
    sums = meta_of(members_of(path))["checksums"]
    assert len(sums["meta"]) == 64
    assert read_meta(path)["checksums"]["meta"] == sums["meta"]
    assert load_ofs(path).pitch_mm == (5.08, 5.08)


@pytest.mark.parametrize("field, value", [
    ("pitch_mm", [5.0, 5.0]), ("patient_id", "P-002"), ("mode", "walk"),
    ("profile", {"name": "another-mat"}),
])
def test_a_changed_field_of_a_new_file_fails_its_checksum(tmp_path, field, value):
    path = save_ofs(orthofit.load(STATIC), tmp_path / "new.ofs")
    members = members_of(path)
    meta = meta_of(members)
    meta[field] = value  # plausible, so only the checksum can tell
    members["meta.npy"] = meta_npy(meta)
    bad = pack(tmp_path / "edited.ofs", members)
    refused(bad, "metadata does not match its checksum", ADVICE)
    with pytest.raises(ScanFileError, match="does not match its checksum"):
        read_meta(bad)


# -- every field of the metadata: type and range -------------------------------------------

@pytest.mark.parametrize("field, value, words", [
    ("pitch_mm", [1e6, 1e6], ["'pitch_mm'", "0.5 to 50"]),
    ("pitch_mm", [0.01, 0.01], ["'pitch_mm'", "0.5 to 50"]),
    ("pitch_mm", [5.08, 60.0], ["'pitch_mm'"]),
    ("pitch_mm", [0.5, 50.0], ["'pitch_mm'", "4 times"]),
    ("pitch_mm", "5.08", ["'pitch_mm'", "'5.08'"]),
    ("pitch_mm", [5.08, "5.08"], ["'pitch_mm'"]),
    ("pitch_mm", [True, True], ["'pitch_mm'"]),
    ("pitch_mm", {"row": 5.08}, ["'pitch_mm'"]),
    ("pitch_mm", None, ["lacks the field 'pitch_mm'"]),
    ("shape", None, ["lacks the field 'shape'"]),
    ("shape", [150, 96], ["'shape'"]),
    ("shape", [150.0, 96, 96], ["'shape'", "integer"]),
    ("shape", [150, 5000, 96], ["'shape'", "4096"]),
    ("shape", [10**6, 4096, 4096], ["'shape'", "split"]),
    ("shape", [0, 96, 96], ["'shape'", "empty"]),
    ("shape", [-150, 96, 96], ["'shape'", "empty"]),
    ("shape", "150x96x96", ["'shape'"]),
    ("version", "1", ["'version'"]),
    ("version", 0, ["'version'"]),
    ("version", True, ["'version'"]),
    ("checksums", [], ["'checksums'"]),
    ("checksums", None, ["'checksums'"]),
    ("profile", [1, 2], ["'profile'", "a mapping"]),
    ("profile", {"name": ["x"]}, ["'name'", "text"]),
    ("profile", {"name": "m", "rows_are": 3}, ["'rows_are'"]),
    ("profile", {"name": "m", "noise_kpa": "low"}, ["'noise_kpa'"]),
    ("profile", {"name": "m", "in_shoe": "yes"}, ["'in_shoe'"]),
    ("profile", {"name": "m", "pitch_mm": [1e6, 1e6]}, ["'pitch_mm'"]),
    ("profile", {"name": "m", "rate_hz": 1e9}, ["'rate_hz'"]),
    ("metadata", "notes", ["'metadata'", "a mapping"]),
    ("metadata", {"capture": ["complete"]}, ["'capture'"]),
    ("metadata", {"source": "x.asf"}, ["'source'"]),
    ("metadata", {"warning": {"a": 1}}, ["'warning'"]),
    ("mode", 5, ["mode must be one of"]),
    ("mode", ["walk"], ["mode must be one of"]),
    ("patient_id", 12, ["patient_id"]),
    ("device_id", {"id": 1}, ["device_id"]),
    ("units", [], ["'units'"]),
])
def test_each_field_is_checked_and_named(tmp_path, field, value, words):
    def change(meta):
        if value is None:
            del meta[field]
        else:
            meta[field] = value

    message = refused(with_meta(tmp_path, change), *words)
    assert ADVICE in message or "Update orthofit" in message


@pytest.mark.parametrize("checksums, words", [
    ({"algorithm": "md5"}, ["'checksums.algorithm'"]),
    ({"frames_kpa": 5}, ["'checksums.frames_kpa'"]),
    ({"frames_kpa": None}, ["'checksums.frames_kpa'"]),
    ({"times_s": ["ab"]}, ["'checksums.times_s'"]),
])
def test_checksum_entries_are_checked(tmp_path, checksums, words):
    refused(with_meta(tmp_path, lambda meta: meta["checksums"].update(checksums)), *words)


@pytest.mark.parametrize("text, words", [
    (b"[" * 100_000 + b"]" * 100_000, ["not valid JSON"]),  # RecursionError before
    (b'{"a":' * 40 + b"1" + b"}" * 40, []),
    (b'{"format": "orthofit-scan", "version": 1, "pitch_mm": [NaN, 5]}', ["not valid JSON"]),
    (b'{"format": "orthofit-scan", "version": 1, "pitch_mm": [1e400, 5]}', ["not valid JSON"]),
    (b'{"format": "orthofit-scan", "version": ' + b"9" * 5000 + b"}", ["not valid JSON"]),
    (b"\xff\xfe{}", ["not valid JSON"]),
])
def test_metadata_json_that_no_writer_makes_is_refused(tmp_path, text, words):
    members = members_of(STATIC)
    members["meta.npy"] = meta_npy(text=text)
    refused(pack(tmp_path / "json.ofs", members), *words)


def test_metadata_nested_deeper_than_any_writer_is_refused(tmp_path):
    def nest(meta):
        deep: object = "x"
        for _ in range(200):
            deep = {"a": deep}
        meta["metadata"] = {"deep": deep}

    refused(with_meta(tmp_path, nest), "nested more than")


def test_oversized_metadata_is_not_read(tmp_path):
    refused(with_meta(tmp_path, lambda meta: meta["metadata"].update(pad="x" * (2 * MiB))),
            "'meta' member", "bytes")


# -- the time base --------------------------------------------------------------------------

def with_times(tmp_path: Path, change) -> Path:
    """The static sample with new timestamps and their (correct) checksum: a crafted file."""
    members = members_of(STATIC)
    times = change(np.load(io.BytesIO(members["times_s.npy"])).copy())
    members["times_s.npy"] = npy(times)
    meta = meta_of(members)
    meta["checksums"]["times_s"] = hashlib.sha256(times.tobytes()).hexdigest()
    members["meta.npy"] = meta_npy(meta)
    return pack(tmp_path / "times.ofs", members)


@pytest.mark.parametrize("change, words", [
    (lambda t: t * 1e-9, ["timestamps", "another unit"]),  # LinAlgError in the analysis before
    (lambda t: t * 1000, ["timestamps", "another unit"]),  # ms read as s: 20 s a frame
    (lambda t: np.where(np.arange(t.size) == 7, np.nan, t), ["not finite"]),
    (lambda t: np.where(np.arange(t.size) == 7, t[6], t), ["strictly increasing"]),
])
def test_implausible_timestamps_are_refused_at_load(tmp_path, change, words):
    refused(with_times(tmp_path, change), *words)


# -- members: declared shapes and sizes, checked before reading ----------------------------

def _peak_while_loading(path: Path) -> tuple[int, str]:
    tracemalloc.start()
    try:
        with pytest.raises(ScanFileError) as err:
            orthofit.load(path)
        return tracemalloc.get_traced_memory()[1], str(err.value)
    finally:
        tracemalloc.stop()


def zeros_member(zf: zipfile.ZipFile, name: str, head: bytes, n_bytes: int) -> None:
    """A member of ``head`` and ``n_bytes`` zeros, deflated: ~1 MB per GB (a zip bomb)."""
    with zf.open(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), "w", force_zip64=True) as out:
        out.write(head)
        block = bytes(MiB)
        for start in range(0, n_bytes, MiB):
            out.write(block[:n_bytes - start])


BOMB = 128 * MiB


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    """Versions of the static sample whose frames inflate to 128 MiB (~0.5 MiB compressed)."""
    folder = tmp_path_factory.mktemp("bombs")
    members = members_of(STATIC)
    meta = meta_of(members)
    t, r, c = meta["shape"]
    big_t = BOMB // (4 * r * c)
    out = {}

    def build(name, head, meta_shape, times_n=t):
        m = {**meta, "shape": meta_shape}
        times = np.arange(times_n) / 50.0
        m["checksums"] = {**meta["checksums"],
                          "times_s": hashlib.sha256(times.tobytes()).hexdigest()}
        path = folder / f"{name}.ofs"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("meta.npy", meta_npy(m))
            zf.writestr("times_s.npy", npy(times))
            zeros_member(zf, "frames_kpa.npy", head, big_t * r * c * 4)
        out[name] = path

    # The member declares the big shape, the metadata the sample's.
    build("header_disagrees", header("<f4", (big_t, r, c)), [t, r, c])
    # The member declares the sample's shape, but holds 128 MiB (the zip entry says so).
    build("size_disagrees", header("<f4", (t, r, c)), [t, r, c])
    # Member and metadata agree on the big shape, the timestamps do not.
    build("times_disagree", header("<f4", (big_t, r, c)), [big_t, r, c])
    # Everything agrees; only the frames' checksum is wrong (it can only be known at the end).
    build("consistent", header("<f4", (big_t, r, c)), [big_t, r, c], times_n=big_t)
    return out


@pytest.mark.parametrize("name, words", [
    ("header_disagrees", ["archive stores", "'frames_kpa'", "more than the metadata's shape"]),
    ("size_disagrees", ["archive stores", "'frames_kpa'", "more than the metadata's shape"]),
    ("times_disagree", ["'times_s' member has shape"]),
])
def test_a_member_that_inflates_beyond_its_declarations_is_not_read(bombs, name, words):
    peak, message = _peak_while_loading(bombs[name])
    for word in words:
        assert word in message, message
    assert peak < 32 * MiB, f"{peak / MiB:.0f} MiB allocated to refuse {name}"


def test_declared_arrays_must_fit_the_memory_available(bombs, monkeypatch):
    # 400 MiB available: a quarter is 100 MiB, less than the 128 MiB of frames declared.
    monkeypatch.setattr("orthofit.model.available_memory_bytes", lambda: 400 * MiB,
                        raising=False)
    peak, message = _peak_while_loading(bombs["consistent"])
    assert "GiB of memory" in message and "close other programs" in message
    assert peak < 32 * MiB


def test_a_consistent_file_within_the_memory_limit_is_read_then_checked(bombs):
    # Nothing tells a crafted stream of zeros from a real recording before its checksum.
    peak, message = _peak_while_loading(bombs["consistent"])
    assert "'frames_kpa' data does not match its checksum" in message
    assert BOMB <= peak < BOMB + 32 * MiB  # the frames once, not twice


@pytest.mark.parametrize("member", [
    header("|u1", (10**12,)) + b"{}",  # MemoryError (931 GiB) before
    header("|u1", (-5,)) + b"{}",
    header("<f8", (4,)) + np.zeros(4).tobytes(),
    header("|O", (2,)) + bytes(16),
    npy(np.zeros((3, 3), np.uint8)),
])
def test_a_meta_member_that_is_not_text_is_refused(tmp_path, member):
    members = members_of(STATIC)
    members["meta.npy"] = member
    refused(pack(tmp_path / "meta.ofs", members), "'meta' member", ADVICE)


@pytest.mark.parametrize("name, head, words", [
    ("frames_kpa.npy", header("<f4", (2**31, 1, 1)), ["'frames_kpa' member has shape"]),
    ("frames_kpa.npy", header("<c8", (150, 96, 96)), ["complex64"]),
    ("frames_kpa.npy", header("|O", (150, 96, 96)), ["object"]),
    ("frames_kpa.npy", header("<i4", (150, 96, 96)), ["int32"]),
    ("times_s.npy", header("<f8", (10**9,)), ["'times_s' member has shape"]),
    ("times_s.npy", header("<U8", (150,)), ["<U8"]),
])
def test_a_member_declaring_another_shape_or_dtype_is_refused(tmp_path, name, head, words):
    members = members_of(STATIC)
    members[name] = head + b"\x00" * 64
    refused(pack(tmp_path / "member.ofs", members), *words)


@pytest.mark.parametrize("extra", [1, 4096, -4096])
def test_a_member_whose_entry_size_differs_from_its_header_is_refused(tmp_path, extra):
    members = members_of(STATIC)
    data = members["frames_kpa.npy"]
    members["frames_kpa.npy"] = data + bytes(extra) if extra > 0 else data[:extra]
    refused(pack(tmp_path / "size.ofs", members), "'frames_kpa' member declares",
            "archive stores")


def test_an_archive_listing_more_entries_than_a_scan_has_is_refused(tmp_path):
    members = members_of(STATIC)
    members.update({f"x{i}.npy": b"" for i in range(100)})
    refused(pack(tmp_path / "many.ofs", members), "entries")


def test_read_meta_checks_the_fields_too(tmp_path):
    with pytest.raises(ScanFileError, match="'pitch_mm'"):
        read_meta(with_meta(tmp_path, lambda meta: meta.update(pitch_mm=[1e6, 1e6])))


# -- found by the mutation fuzz -------------------------------------------------------------

def raw_header(text: str) -> bytes:
    """An npy 1.0 header holding ``text`` as it is (numpy would refuse to write a bad one)."""
    text = text.ljust(117) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin-1")


# An unclosed parenthesis: numpy's header parser retries with the tokenizer, which raised
# tokenize.TokenError, neither a ValueError nor an OSError.
UNCLOSED = raw_header("{'descr': '<f4', 'fortran_order': False, 'shape': (150, 96, 96, }")


def test_an_unparseable_member_header_is_refused(tmp_path):
    members = members_of(STATIC)
    members["frames_kpa.npy"] = UNCLOSED + bytes(64)
    refused(pack(tmp_path / "header.ofs", members), "'frames_kpa' member's array header")


def test_an_unparseable_npy_header_is_refused(tmp_path):
    path = tmp_path / "frames.npy"
    path.write_bytes(UNCLOSED + bytes(64))
    with pytest.raises(ScanFileError, match="not a plain numeric NumPy array"):
        orthofit.load(path, pitch_mm=5.0, rate_hz=50)


@pytest.mark.parametrize("method", [zipfile.ZIP_LZMA, zipfile.ZIP_BZIP2, 99])
def test_a_member_claiming_another_compression_is_refused(tmp_path, method):
    # Deflated bytes announced as LZMA raised lzma.LZMAError, which is not an OSError.
    data = bytearray(pack(tmp_path / "ok.ofs", members_of(STATIC)).read_bytes())
    at = data.find(b"PK\x01\x02")  # the central directory's entries
    while data[at + 46:at + 60] != b"frames_kpa.npy":
        at = data.find(b"PK\x01\x02", at + 4)
    data[at + 10:at + 12] = method.to_bytes(2, "little")
    bad = tmp_path / "method.ofs"
    bad.write_bytes(bytes(data))
    refused(bad, "truncated or corrupted", ADVICE)
