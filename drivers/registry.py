"""Build the codec a mat profile describes."""

from __future__ import annotations

from typing import Any

from orthofit.drivers.base import Codec
from orthofit.drivers.binary import BinaryCodec, Checksum, Field
from orthofit.drivers.ofp1 import Ofp1Codec
from orthofit.drivers.simple import PollCodec, RunLengthCodec
from orthofit.drivers.text import AsciiIndexCodec, AsciiRowsCodec
from orthofit.errors import ProfileError
from orthofit.matprofile import MatProfile


def _hex(text: str) -> bytes:
    return bytes.fromhex(str(text).replace("0x", "").replace(",", " "))


def _binary(profile: MatProfile, c: dict[str, Any]) -> BinaryCodec:
    checksum = None
    if c.get("checksum"):
        ck = c["checksum"]
        checksum = Checksum(ck["algorithm"], int(ck["offset"]), ck.get("endian", "little"),
                            tuple(int(v) for v in ck.get("covers", (0, int(ck["offset"])))))
    fields = tuple(Field(f["name"], int(f["offset"]), int(f.get("size", 1)),
                         f.get("endian", "big"),
                         None if f.get("expect") is None else int(f["expect"]))
                   for f in c.get("fields", []))
    return BinaryCodec(
        sync=_hex(c["sync"]), rows=profile.rows, cols=profile.cols,
        sample_bytes=int(c.get("sample_bytes", 2)), endian=c.get("endian", "big"),
        order=c.get("order", "row"), payload_offset=int(c["payload_offset"]),
        after_payload=int(c.get("after_payload", 0)), fields=fields, checksum=checksum,
        poll_request=_hex(c["poll"]) if c.get("poll") else None,
        max_count=_max_count(profile, 1 << (8 * int(c.get("sample_bytes", 2)))),
    )


def _max_count(profile: MatProfile, limit: int) -> int | None:
    """The profile's largest count, or None when the samples cannot hold more anyway."""
    return profile.max_count if profile.max_count < limit - 1 else None


def make_codec(profile: MatProfile) -> Codec:
    """The codec for ``profile`` (raises ProfileError naming what is wrong)."""
    c = dict(profile.codec)
    kind = c.get("kind")
    try:
        # Every codec drops (and counts) a frame holding a value outside 0 .. max_count.
        top = profile.max_count
        if kind == "ofp1":
            wide = c.get("wide")
            return Ofp1Codec(profile.rows, profile.cols, None if wide is None else bool(wide),
                             max_count=_max_count(profile, 1 << 16))
        if kind == "ascii_rows":
            return AsciiRowsCodec(profile.rows, profile.cols, c.get("separator", ","),
                                  c.get("terminator", "flag"), max_count=top)
        if kind == "ascii_index":
            return AsciiIndexCodec(profile.rows, profile.cols, max_count=top)
        if kind == "poll":
            return PollCodec(profile.rows, profile.cols, _hex(c.get("poll", "41")),
                             c.get("order", "column"), max_count=min(top, 255))
        if kind == "rle":
            return RunLengthCodec(profile.rows, profile.cols, max_count=min(top, 254))
        if kind == "binary":
            return _binary(profile, c)
    except (KeyError, ValueError, TypeError) as exc:
        raise ProfileError(f"mat profile {profile.name!r}: [codec] is incomplete or wrong "
                           f"({type(exc).__name__}: {exc})") from exc
    raise ProfileError(f"mat profile {profile.name!r}: unknown codec kind {kind!r}")
