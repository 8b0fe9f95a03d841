"""Codecs are pure: literal bytes in, frames and counters out."""

import numpy as np
import pytest

from orthofit.drivers.base import ProtocolMismatchError
from orthofit.drivers.binary import BinaryCodec, Checksum, Field
from orthofit.drivers.ofp1 import Ofp1Codec
from orthofit.drivers.simple import PollCodec, RunLengthCodec
from orthofit.drivers.text import AsciiIndexCodec, AsciiRowsCodec

# One OFP1 frame written out by hand: 2 x 2 uint16 [[1, 2], [3, 4]], seq 7, time 1000 us.
# CRC-16/CCITT-FALSE over bytes 2..23 = 0x35B8, sent little-endian.
FRAME = bytes.fromhex(
    "a55a" "01" "01" "0200" "0200" "07000000" "e8030000" "0100" "0200" "0300" "0400" "b835"
)


def decode_all(codec, *chunks):
    state = codec.initial_state()
    frames = []
    for chunk in chunks:
        got, state = codec.decode(state, chunk)
        frames += got
    return frames, state


def ofp1(seq, t_us=0, values=((1, 2), (3, 4))):
    return Ofp1Codec().encode(np.array(values, np.uint16), seq=seq, time_us=t_us)


def test_ofp1_encodes_the_documented_bytes():
    assert ofp1(7, 1000) == FRAME


def test_ofp1_finds_frames_anywhere_and_counts_skipped_bytes():
    frames, state = decode_all(Ofp1Codec(), b"\x00\xa5\xff" + FRAME + b"garbage" + ofp1(8, 2000))
    assert [f.seq for f in frames] == [7, 8]
    assert frames[0].counts.tolist() == [[1, 2], [3, 4]]
    assert frames[0].counts.dtype == np.uint16
    assert state.stats.bytes_skipped == 3 + 7
    assert state.stats.sequence_gaps == 0


def test_ofp1_byte_by_byte_equals_whole():
    data = ofp1(1) + b"\xa5" + ofp1(2) + ofp1(3)
    whole, _ = decode_all(Ofp1Codec(), data)
    single, state = decode_all(Ofp1Codec(), *[data[i:i + 1] for i in range(len(data))])
    assert [f.seq for f in single] == [f.seq for f in whole] == [1, 2, 3]
    assert state.pending == b""


def test_ofp1_crc_error_drops_only_that_frame():
    bad = bytearray(ofp1(2))
    bad[17] ^= 0x40  # a payload bit flips on the wire
    frames, state = decode_all(Ofp1Codec(), ofp1(1) + bytes(bad) + ofp1(3))
    assert [f.seq for f in frames] == [1, 3]
    assert state.stats.crc_errors == 1
    assert state.stats.sequence_gaps == 1 and state.stats.frames_missing == 1


def test_ofp1_cut_frame_resyncs_on_the_next():
    cut = ofp1(2)[:15]  # the cable hiccups mid-header
    frames, state = decode_all(Ofp1Codec(), ofp1(1) + cut + ofp1(3) + ofp1(4))
    assert [f.seq for f in frames] == [1, 3, 4]
    cut = ofp1(2)[:20]  # ...or mid-payload: the next frame's bytes fail this one's CRC
    frames, state = decode_all(Ofp1Codec(), ofp1(1) + cut + ofp1(3) + ofp1(4))
    assert [f.seq for f in frames] == [1, 3, 4]
    assert state.stats.crc_errors >= 1


def test_ofp1_sync_pattern_inside_payload_is_not_a_frame():
    # Payload bytes that look like the start of a frame header.
    tricky = ((0x5AA5, 0x0101), (0x0002, 0x0002))
    data = ofp1(1, values=tricky) + ofp1(2, values=tricky)
    frames, state = decode_all(Ofp1Codec(), data)
    assert [f.seq for f in frames] == [1, 2]
    # Joined in the middle of the first frame: the fake header is rejected, frame 2 found.
    frames, state = decode_all(Ofp1Codec(), data[16:])
    assert [f.seq for f in frames] == [2]


def test_ofp1_sequence_wrap_is_not_a_gap_and_gaps_are_counted():
    frames, state = decode_all(Ofp1Codec(), ofp1(2**32 - 1) + ofp1(0) + ofp1(1) + ofp1(5))
    assert [f.seq for f in frames] == [2**32 - 1, 0, 1, 5]
    assert state.stats.sequence_gaps == 1 and state.stats.frames_missing == 3


def test_ofp1_device_clock_is_unwrapped():
    times = [2**32 - 2000, 2**32 - 1000, 500, 1500]
    data = b"".join(ofp1(i, t) for i, t in enumerate(times))
    frames, _ = decode_all(Ofp1Codec(), data[:40], data[40:])
    got = [f.device_time_us for f in frames]
    assert got == [2**32 - 2000, 2**32 - 1000, 2**32 + 500, 2**32 + 1500]
    assert np.all(np.diff(got) > 0)


def test_ofp1_uint8_frames():
    data = Ofp1Codec().encode(np.array([[9, 8, 7]], np.uint8), seq=1)
    assert data[3] == 0 and len(data) == 16 + 3 + 2
    frames, _ = decode_all(Ofp1Codec(), data)
    assert frames[0].counts.tolist() == [[9, 8, 7]] and frames[0].counts.dtype == np.uint8


def test_ofp1_profile_geometry_mismatch_is_named():
    codec = Ofp1Codec(rows=4, cols=4)
    with pytest.raises(ProtocolMismatchError, match="4 x 4"):
        decode_all(codec, ofp1(1) + ofp1(2) + ofp1(3))
    # A right-sized stream with one stray frame of another size just counts it.
    right = Ofp1Codec().encode(np.zeros((4, 4), np.uint16), seq=1)
    frames, state = decode_all(codec, right + ofp1(2))
    assert len(frames) == 1 and state.stats.geometry_mismatches == 1


def test_ofp1_false_header_does_not_stall_the_stream():
    # A sync followed by a header claiming a 500 x 500 frame, inside garbage.
    fake = bytes.fromhex("a55a0101f401f40100000000000000000000")
    frames, _ = decode_all(Ofp1Codec(), ofp1(1) + fake + ofp1(2))
    assert [f.seq for f in frames] == [1, 2]


def test_ascii_rows_with_garbage():
    codec = AsciiRowsCodec(rows=2, cols=3)
    data = b"3,4\nflag\n1,2,3\nx,y,z\nflag\n1,2,3\r\n4,5,6\r\nflag\r\n7,8,9\n"
    frames, state = decode_all(codec, data)
    assert [f.counts.tolist() for f in frames] == [[[1, 2, 3], [4, 5, 6]]]
    assert state.stats.bad_frames == 2  # the joined-mid-frame one and the garbled one
    frames, state = decode_all(codec, b"1,2,3\n4,5,6\n", b"flag\n")
    assert len(frames) == 1


def test_ascii_rows_empty_line_terminator():
    codec = AsciiRowsCodec(rows=1, cols=2, terminator="")
    frames, _ = decode_all(codec, b"1,2\n\n3,4\n\n")
    assert [f.counts.tolist() for f in frames] == [[[1, 2]], [[3, 4]]]


def test_ascii_index_lines():
    codec = AsciiIndexCodec(rows=1, cols=3)
    data = b"2 0.5\n0 1.25\n1 2.0\n2 3.3\n0 0.1\n2 0.2\n0 1\n1 1\n2 1\n"
    frames, state = decode_all(codec, data)
    assert [f.counts.tolist() for f in frames] == [[[1.25, 2.0, 3.299999952316284]],
                                                   [[1.0, 1.0, 1.0]]]
    assert state.stats.bad_frames == 1  # 0, then 2 without 1


def test_poll_frames_are_column_major_and_zero_is_garbage():
    codec = PollCodec(rows=2, cols=2)
    frames, state = decode_all(codec, bytes([1, 2, 3, 4]), bytes([0, 9, 9, 9]))
    assert frames[0].counts.tolist() == [[1, 3], [2, 4]]
    assert len(frames) == 1 and state.stats.bad_frames == 1
    assert codec.poll_request == b"A"


def test_run_length_frames():
    codec = RunLengthCodec(rows=2, cols=3)
    frames, state = decode_all(codec, b"\x05\x00\x05\xff", b"\x00", b"\x05\x09\xff\x07\xff")
    assert [f.counts.tolist() for f in frames] == [[[5, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 9]]]
    assert state.stats.bad_frames == 1  # the last frame has one value, not six


def test_m1616_frames_by_sync():
    codec = BinaryCodec(sync=b"\xaa\xab\xac", rows=16, cols=16, sample_bytes=2, endian="big",
                        payload_offset=3, after_payload=4)
    counts = np.arange(256, dtype=np.uint16).reshape(16, 16)
    frame = codec.encode(counts)
    assert len(frame) == 519 and frame[:5] == b"\xaa\xab\xac\x00\x00"
    frames, state = decode_all(codec, b"\x01\x02" + frame + frame[:100], frame)
    # The frame cut after 100 bytes is dropped (a sync inside it shows it was cut); both whole
    # frames arrive.
    assert len(frames) == 2 and frames[1].counts.tolist() == counts.tolist()
    assert state.stats.bad_frames == 1 and state.stats.bytes_skipped == 102


def test_bbaa_modbus_crc_error():
    codec = BinaryCodec(sync=b"\xbb\xaa", rows=16, cols=16, sample_bytes=2, endian="little",
                        payload_offset=4, after_payload=2,
                        fields=(Field("length", 2, 2, "little", 512),),
                        checksum=Checksum("crc16-modbus", -2, "little", (0, -2)))
    good = codec.encode(np.full((16, 16), 300))
    assert len(good) == 518 and good[2:4] == b"\x00\x02"
    bad = bytearray(good)
    bad[100] ^= 1
    frames, state = decode_all(codec, good + bytes(bad) + good)
    assert len(frames) == 2 and state.stats.crc_errors == 1


def test_aacc_sequence_byte_wraps():
    codec = BinaryCodec(sync=b"\xaa", rows=16, cols=16, sample_bytes=2, endian="big",
                        payload_offset=4, after_payload=4,
                        fields=(Field("type", 1, 1, expect=1), Field("length", 2, 2, "big", 512),
                                Field("seq", -4, 1), Field("trailer", -1, 1, expect=0xCC)),
                        checksum=Checksum("crc16-ccitt-false", -3, "big", (1, -3)))
    data = b"".join(codec.encode(np.zeros((16, 16)), seq=s) for s in (254, 255, 256, 260))
    assert len(data) == 4 * 520 and data[519] == 0xCC
    frames, state = decode_all(codec, data)
    assert [f.seq for f in frames] == [254, 255, 0, 4]
    assert state.stats.sequence_gaps == 1 and state.stats.frames_missing == 3
