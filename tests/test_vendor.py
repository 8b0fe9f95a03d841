"""Readers of other systems' exports, over the real samples in ../shared/vendor-samples."""

import numpy as np
import pytest

import orthofit
from orthofit.errors import ScanFileError

# name, expected shape (rows, cols), pitch (mm), rate (Hz), is a foot recording
SAMPLES = {
    "fscan_testL.asf": ((60, 21), (5.08, 5.08), 31.25, True),
    "iscan_test.csv": ((28, 28), (1.27, 1.27), 10.0, False),  # a fingertip sensor, raw units
    "emed_test.lst": ((95, 64), (5.0, 5.0), 100.0, True),
    "xsensor_data.csv": ((31, 26), (8.6, 8.6), 76.9, True),
    "footscan_test.xls": ((42, 24), (7.62, 5.08), 500.0, True),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_reader_conformance(shared_dir, name):
    shape, pitch, rate, foot = SAMPLES[name]
    rec = orthofit.load(shared_dir / "vendor-samples" / name)
    assert rec.shape == shape
    assert rec.pitch_mm == pytest.approx(pitch)
    assert rec.rate_hz == pytest.approx(rate, abs=0.1)
    assert rec.frames.dtype == np.float32 and rec.frames.min() >= 0
    assert np.all(np.diff(rec.times_s) > 0)
    assert rec.metadata["source"]["file"] == name
    force = rec.frames.sum(axis=(1, 2)) * rec.sensel_area_mm2 * 1e-3
    if foot:
        # A person: hundreds of newtons at mid-stance, not thousands or units.
        assert 300 < force.max() < 2000
    result = orthofit.analyze(rec)
    result.to_dict()  # runs to the end
    if foot:
        assert result.feet and all(f.metrics["arch_index"] for f in result.feet)


def test_fscan_sample_is_a_left_foot(shared_dir):
    result = orthofit.analyze(orthofit.load(shared_dir / "vendor-samples" / "fscan_testL.asf"))
    assert [f.side for f in result.feet] == ["left"]
    assert result.feet[0].metrics and len(result.feet[0].steps) >= 5
    assert any("in-shoe" in w for w in result.warnings)


def test_emed_sample_is_one_step_of_one_foot(shared_dir):
    rec = orthofit.load(shared_dir / "vendor-samples" / "emed_test.lst")
    r0, c0, _, width = rec.metadata["source"]["window_rows_cols"]
    assert (r0, c0, width) == (30, 26, 22)  # the printed window keeps its place on the plate
    assert rec.frames[:, :30].max() == 0 and rec.frames[:, :, :26].max() == 0
    result = orthofit.analyze(rec)
    assert len(result.steps) == 1 and result.steps[0].complete
    assert result.feet[0].side == "right"  # pressuRe reads it as a right foot too
    assert 0.18 < result.feet[0].metrics["arch_index"] < 0.30


def test_footscan_sample_is_the_right_foot_it_names(shared_dir):
    rec = orthofit.load(shared_dir / "vendor-samples" / "footscan_test.xls")
    assert rec.metadata["source"]["side"] == "right"
    assert rec.metadata["source"]["rectangle"] == {"left": 40, "bottom": 6, "width": 20,
                                                   "height": 38}
    result = orthofit.analyze(rec)
    assert [f.side for f in result.feet] == ["right"]
    assert result.feet[0].metrics["stance_time_s"] == pytest.approx(0.656, abs=0.01)


def test_iscan_raw_units_are_flagged(shared_dir):
    rec = orthofit.load(shared_dir / "vendor-samples" / "iscan_test.csv")
    assert "raw sensor units" in rec.metadata["warning"]
    assert any("raw sensor units" in w for w in orthofit.analyze(rec).warnings)


TEKSCAN = """DATA_TYPE MOVIE
VERSION Tekscan test
ROWS 2
COLS 3
ROW_SPACING 0.5 cm
COL_SPACING 5 mm
SECONDS_PER_FRAME 0.01
UNITS {units}
MIRROR_ROW 0
MIRROR_COL {mirror}
ASCII_DATA @@

Frame 1
B,1,2
3,4,5

Frame 2
B,2,2
3,4,{last}
@@
"""


def write(tmp_path, text, name="t.asf"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_tekscan_units_spacing_mirror_and_outside_sensels(tmp_path):
    rec = orthofit.load(write(tmp_path, TEKSCAN.format(units="PSI", mirror=1, last=6)))
    assert rec.pitch_mm == (5.0, 5.0) and rec.rate_hz == 100
    # PSI to kPa, and the columns mirrored back.
    assert np.allclose(rec.frames[1], np.array([[2, 2, 0], [6, 4, 3]]) * 6.89476)
    assert rec.valid.tolist() == [[True, True, False], [True, True, True]]
    assert rec.metadata["source"]["units"] == "PSI"


@pytest.mark.parametrize("text, message, line", [
    (TEKSCAN.format(units="KPa", mirror=0, last="x"), "not a number", None),
    (TEKSCAN.format(units="KPa", mirror=0, last="6").replace("3,4,6\n", ""),
     "frame 2 has 3 values", 17),
    (TEKSCAN.format(units="bar", mirror=0, last=6), "not KPa, PSI or raw", None),
    (TEKSCAN.format(units="KPa", mirror=0, last=6).replace("ROWS 2\n", ""), "ROWS", None),
    (TEKSCAN.format(units="KPa", mirror=0, last=6).split("ASCII_DATA")[0], "frames are missing",
     None),
    (TEKSCAN.format(units="KPa", mirror=0, last=6).replace("UNITS", "START_FRAME 1\n"
     "END_FRAME 3\nUNITS"), "promises 3 frames", None),
])
def test_tekscan_errors_name_file_line_and_problem(tmp_path, text, message, line):
    path = write(tmp_path, text)
    with pytest.raises(ScanFileError, match=message) as err:
        orthofit.load(path)
    assert str(path) in str(err.value)
    if line is not None:
        assert f"line {line}" in str(err.value)


def test_emed_errors(shared_dir, tmp_path):
    text = (shared_dir / "vendor-samples" / "emed_test.lst").read_text(encoding="latin-1")
    bad = tmp_path / "bad.lst"
    bad.write_text(text.replace("15.00\t10.00", "15.00\tabc", 1), encoding="latin-1")
    with pytest.raises(ScanFileError, match="not a number") as err:
        orthofit.load(bad)
    assert "line " in str(err.value)
    kpa_x10 = tmp_path / "units.lst"
    kpa_x10.write_text(text.replace("15.00\t10.00", "150.00\t100.00", 1), encoding="latin-1")
    with pytest.raises(ScanFileError, match="Force column does not match"):
        orthofit.load(kpa_x10)


def test_xsensor_two_insoles_side_by_side(shared_dir):
    rec = orthofit.load(shared_dir / "vendor-samples" / "xsensor_data.csv")
    assert rec.shape == (31, 11 + 4 + 11) and rec.pitch_mm == (8.6, 8.6)
    assert rec.profile["in_shoe"] and not rec.valid[:, 11:15].any()
    assert np.all(np.diff(rec.times_s) > 0) and rec.rate_hz == pytest.approx(76.9, abs=0.5)
    left_force = rec.frames[:, :, :11].sum(axis=(1, 2)) * rec.sensel_area_mm2 * 1e-3
    # The export's own statistics give 411.67 N (est. load) for the first left frame.
    assert left_force[0] == pytest.approx(411.67, rel=0.05)
    result = orthofit.analyze(rec)
    assert [f.side for f in result.feet] == ["left", "right"]


def test_import_keeps_the_source(shared_dir, tmp_path):
    import hashlib
    import subprocess
    import sys

    src = shared_dir / "vendor-samples" / "emed_test.lst"
    out = tmp_path / "emed.ofs"
    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "import", str(src), "-o",
                           str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rec = orthofit.load(out)
    assert rec.metadata["source"]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert rec.metadata["source"]["format"] == "novel-emed-lst"
    assert rec.profile["name"] == "novel-emed" and rec.rate_hz == 100
    assert np.array_equal(rec.frames, orthofit.load(src).frames)


def zebris_text(frames, units="N/cm^2"):
    rows, cols = frames[0].shape
    out = [f"Platform {{\n  Columns {cols}\n  Lines {rows}\n  Cell width,mm 8.47\n"
           f"  Units {units}\n  Frequency 100\n}}\n"]
    for i, f in enumerate(frames):
        body = "\n".join(" ".join(f"{v:g}" for v in row) for row in f)
        out.append(f"Frame {i} {{\n  time {i * 0.01:.2f}\n{body}\n}}\n")
    return "".join(out)


def test_zebris_blocks(tmp_path):
    rng = np.random.default_rng(0)
    frames = [np.round(rng.uniform(0, 30, (4, 6)), 1) for _ in range(3)]
    path = tmp_path / "z.txt"
    path.write_text(zebris_text(frames))
    rec = orthofit.load(path)
    assert rec.shape == (4, 6) and rec.pitch_mm == (8.47, 8.47) and rec.rate_hz == 100
    assert np.allclose(rec.frames, np.stack(frames) * 10)  # N/cm2 to kPa
    path.write_text(zebris_text(frames).replace("Frame 1 {\n  time 0.01\n",
                                                "Frame 1 {\n  time 0.01\n1 2 3\n"))
    with pytest.raises(ScanFileError, match="frame 1 has 27 values") as err:
        orthofit.load(path)
    assert "line 15" in str(err.value)  # the "Frame 1 {" line


def test_pliance_grid_and_its_own_force(shared_dir):
    path = shared_dir / "vendor-samples" / "pliance_test.asc"
    rec = orthofit.load(path)
    assert rec.shape == (29, 28) and rec.pitch_mm == pytest.approx((10.28, 5.28))
    assert rec.valid.sum() == 812  # the mat's sensors; the rest of the lattice is empty
    # The export's own force column (its COP block) agrees with ours.
    lines = path.read_text(encoding="latin-1").splitlines()
    table = next(i for i, ln in enumerate(lines) if ln.startswith("time[secs]"))
    start = float(lines[table + 1].split()[0])
    block = next(i for i, ln in enumerate(lines) if "force[N]" in ln)
    theirs = {round(float(p[0]), 4): float(p[1]) for p in
              (ln.split() for ln in lines[block + 2:]) if len(p) >= 2 and p[0][0].isdigit()}
    ours = rec.frames.sum(axis=(1, 2)) * rec.sensel_area_mm2 * 1e-3
    for t, f in zip(rec.times_s + start, ours, strict=True):
        if theirs.get(round(t, 4), 0) > 20:
            assert f == pytest.approx(theirs[round(t, 4)], rel=1e-3)
    result = orthofit.analyze(rec)
    assert result.mode == "walk" and len(result.feet) == 1


def test_pedar_insoles_say_what_they_cannot(shared_dir):
    rec = orthofit.load(shared_dir / "vendor-samples" / "pedar_example.asc")
    assert rec.shape == (2, 99) and rec.profile["layout"] == "sensors"
    assert rec.rate_hz == 100
    result = orthofit.analyze(rec)
    data = result.to_dict()
    assert [f["side"] for f in data["feet"]] == ["left", "right"]
    for foot in data["feet"]:
        assert foot["arch_index"] is None and foot["cpei"] is None
        assert foot["peak_pressure_kpa"] > 50 and "not computed" in foot["flags"][0]
    right = result.foot("right")
    assert len(right.steps) >= 5  # a walk: several steps of the right insole
    assert 0.4 < right.metrics["stance_time_s"] < 1.5


def test_footscan_text_export(tmp_path):
    rng = np.random.default_rng(2)
    frames = rng.uniform(0, 3, (4, 5, 3)).round(1)
    text = "Dynamic Roll off\n\n" + "".join(
        f"Frame {i} ({i * 2:.2f} ms)\n" + "\n".join("\t".join(f"{v:.1f}" for v in row)
                                                   for row in f) + "\n\n"
        for i, f in enumerate(frames))
    path = write(tmp_path, text, "roll.txt")
    rec = orthofit.load(path)
    assert rec.rate_hz == 500 and rec.pitch_mm == (7.62, 5.08)
    assert np.allclose(rec.frames[:, 2:-2, 2:-2], frames / (7.62 * 5.08) * 1000, rtol=1e-5)
    write(tmp_path, text.replace("\t0.", "\tx.", 1), "roll.txt")
    with pytest.raises(ScanFileError, match="not a number"):
        orthofit.load(path)


def test_emed_summary_pages_are_skipped(shared_dir, tmp_path):
    src = shared_dir / "vendor-samples" / "emed_test.lst"
    text = src.read_text(encoding="latin-1")
    first = text.split("\f")[0]
    summary = first.replace("Pict-No.: 1  Force", "MVP  Force").replace("MV over frames",
                                                                        "MVP")
    path = tmp_path / "with_mvp.lst"
    path.write_text(text + "\f" + summary, encoding="latin-1")
    assert np.array_equal(orthofit.load(path).frames, orthofit.load(src).frames)
