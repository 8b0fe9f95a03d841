"""Damaged vendor files give a ScanFileError naming the file (and line), never a crash.

Every case is built in tmp_path from the real samples in ../shared/vendor-samples, cut or
mutated the way the hardening audit (and a mutation fuzz over every sample) found them to fail.
"""

import re
import warnings

import numpy as np
import pytest

import orthofit
from orthofit.errors import ScanFileError
from orthofit.io.vendor import checks, zebris
from orthofit.io.vendor.numtext import NumberTextError, parse_numbers


@pytest.fixture
def vendor(shared_dir):
    return shared_dir / "vendor-samples"


def load_error(path, match=None):
    """The ScanFileError of ``path``, checked to name the file; no warning may escape."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy overflow warning is a crash here too
        with pytest.raises(ScanFileError, match=match) as err:
            orthofit.load(path)
    assert str(path) in str(err.value)
    return err.value


def load_ok(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return orthofit.load(path)


def write(tmp_path, name, data):
    path = tmp_path / name
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return path


def replace_once(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


# 1. footscan .xls: xlrd's own failures and its stdout chatter -------------------------------

@pytest.mark.parametrize("keep", [0.5, 0.05, -1000])
def test_truncated_footscan_xls_is_a_scan_file_error_and_prints_nothing(vendor, tmp_path, capfd,
                                                                       keep):
    data = (vendor / "footscan_test.xls").read_bytes()
    cut = data[:int(len(data) * keep)] if keep > 0 else data[:keep]
    path = write(tmp_path, "cut.xls", cut)
    err = load_error(path, "not a readable Excel 97 workbook")
    assert "truncated or damaged" in str(err)
    out, _ = capfd.readouterr()
    assert out == ""  # xlrd's "WARNING ***" lines would break `analyze --json`


# Single bytes flipped by the fuzz: xlrd then raised AssertionError, KeyError, IndexError.
@pytest.mark.parametrize("offset, byte", [(985956, 155), (321033, 39), (387134, 57)])
def test_damaged_footscan_workbook_is_a_scan_file_error(vendor, tmp_path, capfd, offset, byte):
    data = bytearray((vendor / "footscan_test.xls").read_bytes())
    data[offset] = byte
    load_error(write(tmp_path, "bad.xls", bytes(data)), "not a readable Excel 97 workbook")
    assert capfd.readouterr().out == ""


# A flipped byte that turns a cell into 4e96 N: the cast to float32 overflowed with a warning.
@pytest.mark.parametrize("offset, byte, line", [(83859, 84, 404), (1522151, 246, 9645)])
def test_footscan_absurd_value_is_named_with_its_row(vendor, tmp_path, offset, byte, line):
    data = bytearray((vendor / "footscan_test.xls").read_bytes())
    data[offset] = byte
    err = load_error(write(tmp_path, "bad.xls", bytes(data)), "not a plausible pressure")
    assert err.line == line


# 2. Tekscan / I-Scan cut mid-row: the complete frames are kept ------------------------------

def _cut_inside_frame(data: bytes, frame: int, row: int) -> bytes:
    """``data`` cut in the middle of the given data row of the given frame."""
    at = re.search(rb"^Frame %d\b" % frame, data, re.MULTILINE).start()
    for _ in range(row):
        at = data.index(b"\n", at) + 1
    return data[:data.index(b"\n", at) - 5]


def test_iscan_cut_mid_row_keeps_the_complete_frames(vendor, tmp_path):
    full = orthofit.load(vendor / "iscan_test.csv")
    data = (vendor / "iscan_test.csv").read_bytes()
    # Frame 3's first rows are all 'B' (outside the sensor): the partial frame once parsed to
    # NaN only, and numpy refused to write NaN into an integer array.
    path = write(tmp_path, "cut.csv", _cut_inside_frame(data, 3, 2))
    rec = load_ok(path)
    assert rec.n_frames == 2 and np.array_equal(rec.frames, full.frames[:2])
    assert rec.metadata["source"]["dropped_frames"] == 1 and rec.metadata["source"]["truncated"]
    assert "cut short" in rec.metadata["warning"] and "frame 3 was dropped" in \
        rec.metadata["warning"]
    assert "raw sensor units" in rec.metadata["warning"]  # the other warning stays
    assert any("cut short" in w for w in orthofit.analyze(rec).warnings)


def test_fscan_cut_inside_a_value_keeps_the_frames_before(vendor, tmp_path):
    full = orthofit.load(vendor / "fscan_testL.asf")
    data = (vendor / "fscan_testL.asf").read_bytes()
    rec = load_ok(write(tmp_path, "cut.asf", _cut_inside_frame(data, 120, 40)))
    assert rec.n_frames == 119 and np.array_equal(rec.frames, full.frames[:119])
    assert rec.times_s == pytest.approx(full.times_s[:119])


def test_tekscan_cut_in_the_first_frame_is_refused_with_its_line(vendor, tmp_path):
    data = (vendor / "iscan_test.csv").read_bytes()
    err = load_error(write(tmp_path, "cut.csv", _cut_inside_frame(data, 1, 10)),
                     "frame 1 has .* values")
    assert err.line == 28 and "truncated" in str(err)


def test_tekscan_frame_numbers_must_increase(vendor, tmp_path):
    text = (vendor / "fscan_testL.asf").read_text(encoding="latin-1")
    path = write(tmp_path, "bad.asf", replace_once(text, "\nFrame 3\n", "\nFrame 2\n"))
    err = load_error(path, "frame number 2 does not follow frame 2")
    assert err.line == text.splitlines().index("Frame 3") + 1


def test_only_no_value_marks_parse_as_floats():
    assert np.isnan(parse_numbers(b"B,B\nB", nan_token=b"B")).all()


# 3. Novel .asc decimal commas -----------------------------------------------------------------

def test_pliance_with_decimal_commas_throughout_reads_the_same(vendor, tmp_path):
    text = (vendor / "pliance_test.asc").read_text(encoding="latin-1")
    path = write(tmp_path, "eu.asc", re.sub(r"(\d)\.(\d)", r"\1,\2", text))
    rec, ref = load_ok(path), orthofit.load(vendor / "pliance_test.asc")
    assert np.array_equal(rec.frames, ref.frames) and rec.pitch_mm == ref.pitch_mm
    assert rec.times_s == pytest.approx(ref.times_s)
    assert rec.metadata["source"]["decimal_comma"]


@pytest.mark.parametrize("column", ["time", "sensor"])
def test_pliance_single_decimal_comma_names_line_and_value(vendor, tmp_path, column):
    lines = (vendor / "pliance_test.asc").read_text(encoding="latin-1").splitlines()
    table = next(i for i, ln in enumerate(lines) if ln.startswith("time[secs]"))
    k = table + 13
    old = lines[k].split()[0 if column == "time" else 5]
    lines[k] = lines[k].replace(old, old.replace(".", ","), 1)
    # A comma in the time column once ended the table there: 12 of 281 frames, no error.
    err = load_error(write(tmp_path, "mixed.asc", "\n".join(lines) + "\n"), "decimal comma")
    assert err.line == k + 1 and repr(old.replace(".", ",")) in str(err)


def test_pedar_cut_mid_row_keeps_the_complete_rows(vendor, tmp_path):
    full = orthofit.load(vendor / "pedar_example.asc")
    text = (vendor / "pedar_example.asc").read_text(encoding="latin-1")
    rec = load_ok(write(tmp_path, "cut.asc", text[:len(text) // 2]))
    assert 700 < rec.n_frames < 800 and np.array_equal(rec.frames, full.frames[:rec.n_frames])
    assert "unfinished last row dropped" in rec.metadata["warning"]


def test_novel_garbled_row_is_named_not_cut_off(vendor, tmp_path):
    lines = (vendor / "pliance_test.asc").read_text(encoding="latin-1").splitlines()
    table = next(i for i, ln in enumerate(lines) if ln.startswith("time[secs]"))
    lines[table + 40] = lines[table + 40].replace(".", "x", 1)
    load_error(write(tmp_path, "bad.asc", "\n".join(lines) + "\n"), "not a number")


# 4. XSENSOR grids whose row count is off by one ----------------------------------------------

def _xsensor_lines(vendor):
    return (vendor / "xsensor_data.csv").read_text(encoding="utf-8-sig").splitlines()


def _write_xsensor(tmp_path, lines):
    return write(tmp_path, "x.csv", ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))


@pytest.mark.parametrize("rows", [30, 32])
def test_xsensor_rows_off_by_one_is_refused_at_its_line(vendor, tmp_path, rows):
    lines = _xsensor_lines(vendor)
    k = [i for i, ln in enumerate(lines) if ln.startswith("Rows,31")][5]  # frame 3, right
    lines[k] = lines[k].replace("31", str(rows), 1)
    err = load_error(_write_xsensor(tmp_path, lines), f"has 31 rows; its Rows line says {rows}")
    assert err.line == k + 1


def test_xsensor_extra_grid_row_is_not_ignored(vendor, tmp_path):
    lines = _xsensor_lines(vendor)
    k = next(i for i, ln in enumerate(lines) if ln.startswith("SENSELS")) + 2
    lines.insert(k, lines[k])
    load_error(_write_xsensor(tmp_path, lines), "has 32 rows; its Rows line says 31")


def test_xsensor_cut_keeps_the_complete_frames(vendor, tmp_path):
    full = orthofit.load(vendor / "xsensor_data.csv")
    lines = _xsensor_lines(vendor)
    frame_50 = [i for i, ln in enumerate(lines) if ln.startswith("FRAME,")][50]
    cut = "\n".join(lines[:frame_50 + 100])[:-3]  # inside the left insole's grid
    rec = load_ok(write(tmp_path, "x.csv", ("\ufeff" + cut).encode("utf-8")))
    assert rec.n_frames == 50 and np.array_equal(rec.frames, full.frames[:50])
    assert "unfinished one dropped" in rec.metadata["warning"]


def test_xsensor_cut_in_the_first_frame(vendor, tmp_path):
    lines = _xsensor_lines(vendor)
    first = next(i for i, ln in enumerate(lines) if ln.startswith("FRAME,"))
    load_error(_write_xsensor(tmp_path, lines[:first + 3]), "ends inside its first frame")


# 5. Header numbers in range before anything is allocated ------------------------------------

@pytest.mark.parametrize("name, old, new, message", [
    ("fscan_testL.asf", "ROWS 60", "ROWS 5000", "ROWS 5000 is not between 1 and 4096"),
    ("fscan_testL.asf", "COLS 21", "COLS 0", "COLS 0 is not between 1 and 4096"),
    ("fscan_testL.asf", "ROW_SPACING 5.08 mm", "ROW_SPACING 508 mm", "sensel of 508 mm"),
    ("fscan_testL.asf", "SECONDS_PER_FRAME 0.032", "SECONDS_PER_FRAME 0.00001",
     "100000 frames a second"),
    ("fscan_testL.asf", "SECONDS_PER_FRAME 0.032", "SECONDS_PER_FRAME 0", "frames a second"),
    ("fscan_testL.asf", "SECONDS_PER_FRAME 0.032", "SECONDS_PER_FRAME nan", "not a number"),
    ("fscan_testL.asf", "END_FRAME 205", "END_FRAME 9999999", "declares 9999999 frames"),
    ("emed_test.lst", "Matrix: 64x95", "Matrix: 64x5000", "5000 is not between 1 and 4096"),
    ("emed_test.lst", "Sensor size: 0.500x0.500", "Sensor size: 0.010x0.500", "0.1 mm"),
    ("emed_test.lst", "Time/picture:10.0 ms", "Time/picture:0.1 ms", "10000 frames a second"),
    ("emed_test.lst", "Matrix: 64x95", "Matrix: 64x50", "does not fit the 64x50 matrix"),
    ("xsensor_data.csv", "Rows,31", "Rows,inf", "Rows 'inf' is not a number"),
    ("xsensor_data.csv", "Columns,11", "Columns,1e400", "is not a number"),
    ("xsensor_data.csv", "Sensel Width (cm),0.86", "Sensel Width (cm),86", "860 mm"),
    ("xsensor_data.csv", "Time, 08:21:17.982", "Time, 08:21", "not hh:mm:ss"),
    ("pliance_test.asc", "scanning rate [Hz]: 24", "scanning rate [Hz]: 24000",
     "24000 frames a second"),
    ("pliance_test.asc", "x[2]   0.5280", "x[2]   0.5281   0.5280", "values for"),
])
def test_header_numbers_are_checked(vendor, tmp_path, name, old, new, message):
    data = (vendor / name).read_bytes().decode("latin-1")
    path = write(tmp_path, name, replace_once(data, old, new).encode("latin-1"))
    err = load_error(path, re.escape(message))
    if "fit" not in message:  # the window is checked against the matrix after every page
        assert err.line is not None


def test_declared_size_is_bounded_before_allocation(vendor, monkeypatch):
    monkeypatch.setattr(checks, "MAX_VALUES", 64 * 95 * 50)  # fewer than the sample's 106
    load_error(vendor / "emed_test.lst", "106 frames of 95 x 64 sensels")


# 6. Zebris: the Platform block after a real export's preamble ------------------------------

def zebris_export(frames, *, preamble=True, frequency=100):
    rows, cols = frames[0].shape
    out = []
    if preamble:
        out += ["Person {", "  Name: Doe, Jane", "  Birthdate: 01.01.1970", "  Height: 168 cm",
                "  Weight: 61 kg", "  Shoe size: 39", "}", "Record {", "  Date: 12.03.2024",
                "  Time: 10:15:02", "  Type: gait, treadmill", "  Speed: 3.0 km/h",
                f"  Frames: {len(frames)}", "}", "Name: Doe, Jane", "Comment: none", ""]
        out.append("time;force;cop_x;cop_y")
        for i, f in enumerate(frames):
            # Butterfly COP per frame: numbers only, much like a frame's rows.
            out.append(f"{i / frequency:.3f};{f.sum():.1f};{i * 0.5 - 3:.2f};{i % 7 - 3:.2f}")
        out.append("")
    out += ["Platform {", f"  Columns {cols}", f"  Lines {rows}", "  Cell width,mm 8.47",
            "  Units N/cm^2", f"  Frequency {frequency}", "}"]
    for i, f in enumerate(frames):
        out.append(f"Frame {i} {{\n  time {i / frequency:.2f}")
        out += [" ".join(f"{v:g}" for v in row) for row in f]
        out.append("}")
    return "\n".join(out) + "\n"


@pytest.fixture
def zebris_frames():
    rng = np.random.default_rng(3)
    return [np.round(rng.uniform(0, 30, (5, 7)), 1) for _ in range(40)]


def test_zebris_export_with_preamble(tmp_path, zebris_frames):
    text = zebris_export(zebris_frames)
    assert text.index("Platform {") > 1000
    path = write(tmp_path, "gait.txt", text)
    rec = load_ok(path)
    assert rec.shape == (5, 7) and rec.rate_hz == 100 and rec.pitch_mm == (8.47, 8.47)
    assert np.allclose(rec.frames, np.stack(zebris_frames) * 10)
    assert rec.metadata["source"]["preamble_lines"] == text[:text.index("Platform {")].count(
        "\n")


def test_zebris_platform_beyond_the_sniffed_head(tmp_path, zebris_frames):
    frames = zebris_frames * 10  # a preamble table of 400 rows: Platform past 4 kB
    text = zebris_export([f + i * 0.1 for i, f in enumerate(frames)])
    assert text.index("Platform {") > 8192
    rec = load_ok(write(tmp_path, "long.txt", text))
    assert rec.n_frames == 400


def test_zebris_search_for_platform_is_bounded(tmp_path, zebris_frames, monkeypatch):
    path = write(tmp_path, "gait.txt", zebris_export(zebris_frames))
    monkeypatch.setattr(zebris, "PREAMBLE_LIMIT", 500)
    load_error(path, "not a scan format orthofit knows")
    assert not zebris.sniff(path.read_bytes()[:4096], path)


def test_text_with_a_platform_word_but_no_block_is_not_zebris(tmp_path):
    path = write(tmp_path, "notes.txt", "Name: x\nPlatform: treadmill {fast}\n" * 300)
    load_error(path, "not a scan format orthofit knows")


def test_zebris_cut_inside_the_last_frame(tmp_path, zebris_frames):
    text = zebris_export(zebris_frames)
    rec = load_ok(write(tmp_path, "cut.txt", text[:text.index("Frame 30 {") + 40]))
    assert rec.n_frames == 30 and np.allclose(rec.frames, np.stack(zebris_frames[:30]) * 10)
    assert "'Frame 30'" in rec.metadata["warning"]


def test_zebris_damaged_frame_header_is_named(tmp_path, zebris_frames):
    text = zebris_export(zebris_frames)
    bad = replace_once(text, "Frame 12 {", "Frme 12 {")
    err = load_error(write(tmp_path, "bad.txt", bad), "not a closed 'Frame n")
    assert err.line == bad[:bad.index("Frme 12")].count("\n") + 1


@pytest.mark.parametrize("old, new, message", [
    ("Columns 7", "Columns 5000", "Columns 5000 is not between"),
    ("Frequency 100", "Frequency 0", "0 frames a second"),
    ("Cell width,mm 8.47", "Cell width,mm", "no 'Cell width,mm'"),
    ("Cell width,mm 8.47", "Cell width,mm 0", "sensel of 0 mm"),
])
def test_zebris_platform_numbers_are_checked(tmp_path, zebris_frames, old, new, message):
    path = write(tmp_path, "z.txt", replace_once(zebris_export(zebris_frames), old, new))
    assert load_error(path, re.escape(message)).line is not None


# Found by the mutation fuzz ------------------------------------------------------------------

def test_tekscan_form_feed_token_is_named(vendor, tmp_path):
    text = (vendor / "fscan_testL.asf").read_text(encoding="latin-1")
    # A line holding a form feed: bytes.split() took it for blank and found no word to name.
    path = write(tmp_path, "ff.asf", replace_once(text, "\nB,0,0,0", "\n\f\nB,0,0,0"))
    assert load_error(path, "is not a number").line is not None


def test_emed_infinite_force_is_named(vendor, tmp_path):
    lines = (vendor / "emed_test.lst").read_text(encoding="latin-1").split("\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith("75\t"))
    lines[k] = lines[k].rsplit("\t", 1)[0] + "\t1e400"  # float() reads inf: allclose warned
    err = load_error(write(tmp_path, "inf.lst", "\n".join(lines).encode("latin-1")),
                     "Force column holds inf")
    assert err.line == k + 1


@pytest.mark.parametrize("text, message", [
    (b"1," + b"9" * 40, "more than 31 digits"),  # once an IndexError from the power table
    (b"1.2.3", "'1.2.3' is not a number"),  # once read as 1.23 without a word
    (b"4,BB", "'BB' is not a number"),
])
def test_numbers_that_are_not_numbers(text, message):
    with pytest.raises(NumberTextError, match=message):
        parse_numbers(text, nan_token=b"B")


def test_tiny_numbers_do_not_wrap_around():
    assert parse_numbers(b"0." + b"0" * 40 + b"1").tolist() == [0.0]


@pytest.mark.parametrize("name", ["emed_test.lst", "fscan_testL.asf", "iscan_test.csv",
                                  "pedar_example.asc", "pliance_test.asc", "xsensor_data.csv",
                                  "footscan_test.xls"])
@pytest.mark.parametrize("keep", [0.003, 0.37, 0.81])
def test_truncated_samples_load_or_say_why(vendor, tmp_path, capfd, name, keep):
    data = (vendor / name).read_bytes()
    path = write(tmp_path, name, data[:int(len(data) * keep)])
    try:
        rec = load_ok(path)
    except ScanFileError as exc:
        assert str(path) in str(exc)
    else:
        assert rec.metadata["source"].get("truncated") or "warning" in rec.metadata
    assert capfd.readouterr().out == ""
