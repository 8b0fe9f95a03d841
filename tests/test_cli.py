import json
import subprocess
import sys
from io import StringIO

import numpy as np
import pytest

from orthofit.cli import main, parse_pitch

from conftest import SAMPLES


def run(*argv):
    out = StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_json_one_object_per_path_feet_left_to_right():
    paths = [str(SAMPLES / "walk_normal.ofs"), str(SAMPLES / "static_flat.ofs")]
    code, text = run("analyze", *paths, "--json")
    assert code == 0
    lines = text.strip().splitlines()
    assert len(lines) == 2
    for line, path in zip(lines, paths, strict=True):
        obj = json.loads(line)
        assert obj["path"] == path
        assert [f["side"] for f in obj["feet"]] == ["left", "right"]
        for foot in obj["feet"]:
            assert {"arch_index", "arch_type", "cpei", "pronation", "steps", "stats",
                    "arch_reason", "pronation_reason"} <= foot.keys()
            assert foot["arch_type"] in ("high", "normal", "low", "uncertain")
            assert foot["pronation"] in ("pronated", "neutral", "supinated", "uncertain")
    walk = json.loads(lines[0])
    # One pass: two steps of the left foot, too few to state a class; the reason says so.
    assert walk["feet"][0]["arch_type"] == "uncertain"
    assert walk["feet"][0]["arch_reason"] == "2 steps: at least 3 are needed; record more steps"
    assert json.loads(lines[1])["feet"][0]["arch_type"] == "low"  # a standing print
    assert walk["feet"][0]["n_steps"] == 2 and len(walk["feet"][0]["steps"]) == 2
    assert isinstance(walk["feet"][0]["cpei"], float)
    assert len(walk["feet"][0]["steps"][0]["force_n"]) > 10
    assert json.loads(lines[1])["feet"][0]["cpei"] is None  # static: no walk, no CPEI


def test_unreadable_path_reports_and_the_others_still_run(tmp_path):
    bad = tmp_path / "broken.ofs"
    bad.write_bytes(b"PK\x03\x04garbage")
    code, text = run("analyze", str(bad), str(SAMPLES / "static_normal.ofs"), "--json")
    assert code == 1
    first, second = [json.loads(line) for line in text.strip().splitlines()]
    assert first["path"] == str(bad) and "broken.ofs" in first["error"]
    assert "Traceback" not in first["error"]
    assert second["feet"][0]["side"] == "left"


def test_npy_needs_pitch_and_rate(tmp_path, capsys):
    rec_path = tmp_path / "frames.npy"
    from orthofit import load

    np.save(rec_path, load(SAMPLES / "static_normal.ofs").frames[:20])
    code, _ = run("analyze", str(rec_path))
    assert code == 1
    assert "--pitch-mm" in capsys.readouterr().err
    code, text = run("analyze", str(rec_path), "--pitch-mm", "5.08", "--rate-hz", "50", "--json")
    obj = json.loads(text)
    assert code == 0 and obj["recording"]["pitch_mm"] == [5.08, 5.08]
    assert obj["feet"][0]["arch_type"] == "normal"


def test_human_summary_names_the_findings():
    passes = [str(SAMPLES / f"walk_flat{s}.ofs") for s in ("", "_2", "_3")]
    code, text = run("analyze", *passes, "--combine")
    assert code == 0
    assert "3 trials analysed together" in text
    assert "LEFT foot (5 complete step(s))" in text and "RIGHT foot (4 complete step(s))" in text
    assert "arch: low" in text and "rolling: pronated" in text
    assert "(IQR " in text


def test_empty_scan_says_no_foot(tmp_path):
    np.save(tmp_path / "empty.npy", np.zeros((30, 40)))
    code, text = run("analyze", str(tmp_path / "empty.npy"), "--pitch-mm", "5")
    assert code == 0
    assert "no foot was found on the mat" in text


@pytest.mark.parametrize("text, value", [("5.08", (5.08, 5.08)), ("7.62x5.08", (7.62, 5.08))])
def test_parse_pitch(text, value):
    assert parse_pitch(text) == value


def test_bad_option_value_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["analyze", "x.npy", "--pitch-mm", "abc"])
    assert exit_info.value.code == 2
    assert "argument --pitch-mm: give a number from 0.5 to 50 mm, not 'abc'" in \
        capsys.readouterr().err


@pytest.mark.parametrize("argv, says", [
    (["analyze", "x.npy", "--pitch-mm", "1e9"], "--pitch-mm: give a number from 0.5 to 50 mm"),
    (["analyze", "x.npy", "--pitch-mm", "5x0"], "--pitch-mm: give a number from 0.5 to 50 mm"),
    (["analyze", "x.npy", "--rate-hz", "1e9"], "--rate-hz: give a number from 1 to 2000 Hz"),
    (["analyze", "x.npy", "--rate-hz", "nan"], "--rate-hz: give a number from 1 to 2000 Hz"),
    (["record", "--port", "p", "--profile", "q", "-o", "a.ofs", "--seconds", "-5"],
     "--seconds: give a number from 0.1 to 3600 s"),
    (["record", "--port", "p", "--profile", "q", "-o", "a.ofs", "--frames", "-3"],
     "--frames: give a whole number from 1 to 10,000,000 frames"),
    (["record", "--port", "p", "--profile", "q", "-o", "a.ofs", "--frames", "0"],
     "--frames: give a whole number from 1 to 10,000,000 frames"),
    (["calibrate", "weight", "--port", "p", "--profile", "q", "--kg", "-72"],
     "--kg: give a number from 10 to 300 kg"),
    (["report", "s.ofs", "-o", "r.pdf", "--date", "tomorrow"],
     "--date: give a date as YYYY-MM-DD"),
    (["kiosk", "--size", "10x10"], "--size: give a whole number from 200 to 10,000 pixels"),
    (["emulate", "--tcp", "70000"], "--tcp: give a whole number from 0 to 65,535"),
])
def test_every_number_is_checked_with_its_unit_and_range(argv, says, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_every_option_has_help_text():
    from orthofit.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001 - argparse API
    missing = [f"{name} {opt.option_strings or opt.dest}"
               for name, p in sub.choices.items() for opt in p._actions  # noqa: SLF001
               if opt.dest not in ("help",) and not opt.help]
    assert missing == []


def test_version_and_debug_anywhere(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("orthofit 0.")
    # --debug after the command as well as before it.
    assert main(["analyze", str(SAMPLES / "static_normal.ofs"), "--debug"]) == 0
    assert main(["--debug", "analyze", str(SAMPLES / "static_normal.ofs")]) == 0


def test_output_into_a_missing_folder_is_made(tmp_path):
    out = tmp_path / "new" / "deeper" / "scan.ofs"
    assert main(["import", str(SAMPLES / "static_normal.ofs"), "-o", str(out)]) == 0
    assert out.is_file()


def test_paths_are_checked_before_work(tmp_path, capsys):
    a_file = tmp_path / "not-a-store"
    a_file.write_text("x")
    assert main(["store", "list", "--store", str(a_file)]) == 2
    assert "that is a file; a clinic store is a folder" in capsys.readouterr().err
    typo = tmp_path / "clinc-stor"
    assert main(["store", "list", "--store", str(typo)]) == 2
    assert "there is no clinic store there" in capsys.readouterr().err
    assert not typo.exists()  # a typo does not start a new, empty store
    assert main(["import", str(SAMPLES / "static_normal.ofs"), "-o", str(tmp_path)]) == 2
    assert "that is a folder; give a file name inside it" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.ofs"), "-o", str(tmp_path / "x.ofs")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_console_script_runs_without_traceback(tmp_path):
    missing = tmp_path / "missing.ofs"
    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "analyze", str(missing)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_a_failure_is_said_once(tmp_path, capsys):
    code = main(["record", "--port", str(tmp_path / "no-such-port"), "--profile",
                 "ofp1-generic", "--frames", "5", "-o", str(tmp_path / "x.ofs")])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("orthofit: cannot open the mat's port")


def test_text_summary_gives_each_foots_gait_as_the_json_does():
    paths = [str(SAMPLES / f"walk_normal{s}.ofs") for s in ("", "_2", "_3")]
    code, text = run("analyze", *paths, "--combine")
    assert code == 0
    code, js = run("analyze", *paths, "--combine", "--json")
    gait = json.loads(js)["gait"]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("gait:")]
    assert len(lines) == 2  # one per foot, in the foot's block
    for line, side in zip(lines, ("left", "right"), strict=True):
        g = gait[side]
        assert f"cadence {g['cadence_steps_min']:.0f} steps/min" in line
        assert f"stride {g['stride_length_mm']:.0f} mm" in line
        assert f"progression angle {g['progression_angle_deg']:.1f} deg" in line
    # A standing print has no gait to state.
    code, text = run("analyze", str(SAMPLES / "static_flat.ofs"))
    assert code == 0 and "gait:" not in text


def test_report_with_a_clinic_rules_file_draws_the_printed_insoles(tmp_path):
    """The printed insoles' sizes come from the profile given by path, as the rules do."""
    from importlib import resources

    from pypdf import PdfReader

    clinic = tmp_path / "clinic.toml"
    shipped = resources.files("orthofit.profiles").joinpath("insoles", "default.toml")
    # Renamed, so only the path (not the shipped name) can lead to its sizes.
    clinic.write_text(shipped.read_text(encoding="utf-8").replace(
        'name = "default"', 'name = "our clinic"'), encoding="utf-8")
    out = tmp_path / "x.pdf"
    code, _ = run("report", str(SAMPLES / "walk_flat.ofs"), "--rules", str(clinic), "-o",
                  str(out), "--audience", "clinician")
    text = " ".join(p.extract_text() for p in PdfReader(out).pages)
    assert code == 0 and "Printed insoles" in text
    assert "No printed insole is shown" not in text and "arch support" in text


@pytest.mark.parametrize("argv, what", [
    (["gui", "--store", "{tmp}", "--create"], "the desktop"),
    (["kiosk", "--emulate", "--store", "{tmp}", "--create"], "the kiosk"),
])
def test_a_window_without_a_screen_is_refused_clearly_not_aborted(tmp_path, argv, what):
    """Qt would abort with "reinstalling the application may fix this problem"."""
    import os

    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    args = [a.replace("{tmp}", str(tmp_path / "store")) for a in argv]
    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", *args], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert f"{what} needs a screen and this session has none" in proc.stderr
    assert "--screenshot" in proc.stderr and "Reinstalling" not in proc.stderr
