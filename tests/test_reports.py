"""The PDFs as a reader sees them: their text, pages, fonts, metadata and determinism."""

import dataclasses
import io
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from pypdf import PdfReader

import orthofit
from orthofit.analysis.classify import INTERVAL_METHOD
from orthofit.io.profiles import load_insole_rules, load_thresholds
from orthofit.proposal.model import override
from orthofit.report.content import all_text
from orthofit.report.make import build_reports
from orthofit.report.render import render_pdf
from orthofit.report.svg import insole_svg

from conftest import SAMPLES

INFO = {"date": "2026-11-21", "file": "walk_flat.ofs", "patient_name": "Alex Example",
        "clinic": "Demo Clinic"}
#: One visit: three passes of a flat foot over the plate.
FLAT_VISIT = ["walk_flat.ofs", "walk_flat_2.ofs", "walk_flat_3.ofs"]


def flat_visit():
    return [orthofit.load(SAMPLES / name) for name in FLAT_VISIT]


@pytest.fixture(scope="module")
def walk_reports():
    return build_reports(flat_visit(), thresholds=load_thresholds(), rules=load_insole_rules(),
                         info=INFO, labels=FLAT_VISIT)


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_clinician_pdf_shows_the_analysis_values(walk_reports):
    data = render_pdf(walk_reports.clinician)
    text = pdf_text(data)
    for foot in walk_reports.analysis.feet:
        m = foot.metrics
        assert f"{m['arch_index']:.3f}" in text
        assert f"{m['cpei']:.1f} %" in text
        assert f"{m['chippaux_smirak_pct']:.1f} %" in text
        assert f"{m['peak_pressure_kpa']:.0f} kPa" in text
    assert "Alex Example" in text and "Demo Clinic" in text
    assert "0.21-0.26 (Cavanagh & Rodgers)" in text and "provisional" in text
    assert "pronated - from CPEI" in text
    assert "page 1 of" in text


def test_every_element_appears_with_its_reason(walk_reports):
    text = pdf_text(render_pdf(walk_reports.clinician))
    for foot in walk_reports.proposal.feet:
        for el in foot.elements.values():
            assert el.describe() in text
            # The reason's words after its measured values (one footnote may give the values
            # of both feet: "arch index 0.360 left, 0.361 right").
            assert squash(el.reason.text.split("): ", 1)[-1]) in text
            assert el.reason.evidence in text
            assert squash(el.reason.source) in text


def test_a_changed_element_shows_both_values():
    recs = flat_visit()
    first = build_reports(recs, thresholds=load_thresholds(), rules=load_insole_rules(),
                          info=INFO)
    edited = override(first.proposal, "left", "rearfoot_post", degrees=7.0)
    again = build_reports(recs, thresholds=load_thresholds(), rules=load_insole_rules(),
                          proposal=edited, info=INFO)
    text = pdf_text(render_pdf(again.clinician))
    post = again.proposal.foot("left").elements["rearfoot_post"]
    seven = post.describe()
    five = dataclasses.replace(post, values=post.proposed).describe()
    assert "7" in seven and "5" in five
    assert f"{seven} (changed by the clinician; proposed: {five})" in text


def test_clinician_pdf_shows_steps_and_their_spread(walk_reports):
    text = pdf_text(render_pdf(walk_reports.clinician))
    left = walk_reports.analysis.foot("left")
    assert len(left.used_steps) == 5
    # How many steps the figures come from, from how many trials; the dot strips per foot.
    assert "5 from 3 trials" in text and "4 from 3 trials" in text
    assert "Step by step" in text
    assert "Arch index, left" in text and "CPEI, right" in text
    assert f"median {left.metrics['cpei']:.3g} %, n 5" in text
    assert "walk_flat_2.ofs" in text
    assert squash(INTERVAL_METHOD) in text


def test_one_pass_reports_its_classes_as_uncertain():
    one = build_reports(orthofit.load(SAMPLES / "walk_flat.ofs"), thresholds=load_thresholds(),
                        rules=load_insole_rules(), info=INFO)
    clinician = pdf_text(render_pdf(one.clinician))
    assert "uncertain (2 steps: at least 3 are needed; record more steps)" in clinician
    assert "No posting is proposed for the left foot" in clinician
    patient = pdf_text(render_pdf(one.patient, patient=True))
    # Both feet are uncertain for the same reason: said once, for both.
    assert "We need a few more steps on the mat to say what kind of arch your feet have" \
        in patient
    assert "low arch" not in patient and "rolls inwards more than usual" not in patient
    assert "No posting" not in patient  # the clinician's note, not the patient's


def test_patient_pdf_speaks_plainly(walk_reports):
    text = pdf_text(render_pdf(walk_reports.patient, patient=True))
    for words in ("Both your feet have a low arch", "rolls inwards", "patella maltracking",
                  "patellofemoral pain", "Clamshells", "Fire hydrants", "Side-lying leg raises",
                  "Glute bridges", "Single-leg squats", "Calf stretch", "Short foot",
                  "Balance on one leg", "How often", "When to see a professional",
                  "It is not a diagnosis", "physiotherapist"):
        assert words in text, words
    assert "CPEI" not in text  # no jargon numbers for the patient


def test_patient_text_reads_at_about_age_12(walk_reports):
    # Flesch-Kincaid grade of the patient's prose (a rough, standard readability measure).
    text = all_text(walk_reports.patient)
    sentences = max(len(re.findall(r"[.!?]", text)), 1)
    words = re.findall(r"[A-Za-z']+", text)

    def syllables(word: str) -> int:
        groups = re.findall(r"[aeiouy]+", word.lower())
        return max(1, len(groups) - (word.lower().endswith("e") and len(groups) > 1))

    grade = 0.39 * len(words) / sentences + 11.8 * sum(map(syllables, words)) / len(words) - 15.59
    assert grade <= 8.5  # US grade 7-8 is a reading age of about 12-13


@pytest.mark.parametrize("size, width", [("a4", 595.27), ("letter", 612.0)])
def test_page_sizes_fonts_and_metadata(walk_reports, size, width):
    reader = PdfReader(io.BytesIO(render_pdf(walk_reports.clinician, page_size=size)))
    assert float(reader.pages[0].mediabox.width) == pytest.approx(width, abs=0.5)
    meta = reader.metadata
    assert meta.title == "orthofit clinician report"
    assert meta.author == "Demo Clinic" and "Plantar pressure" in meta.subject
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"] \
                if "/DescendantFonts" in font else font.get("/FontDescriptor")
            if descriptor is not None:
                fonts.add("/FontFile2" in descriptor.get_object())
            else:
                fonts.add(False)
    assert fonts == {True}  # every font is embedded


def test_output_is_deterministic(walk_reports):
    assert render_pdf(walk_reports.clinician) == render_pdf(walk_reports.clinician)
    assert render_pdf(walk_reports.patient, patient=True) == \
        render_pdf(walk_reports.patient, patient=True)


@pytest.mark.skipif(shutil.which("pdftoppm") is None,
                    reason="poppler's pdftoppm is not installed (.ci/run installs it)")
def test_pages_render_and_are_not_blank(walk_reports, tmp_path):
    for name, doc, patient in (("c", walk_reports.clinician, False),
                               ("p", walk_reports.patient, True)):
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(render_pdf(doc, patient=patient))
        subprocess.run(["pdftoppm", "-r", "30", "-gray", str(pdf), str(tmp_path / name)],
                       check=True)
        pages = sorted(tmp_path.glob(f"{name}-*.pgm"))
        assert len(pages) == len(PdfReader(pdf).pages) >= 3
        for page in pages:
            raw = page.read_bytes()
            pixels = np.frombuffer(raw[raw.index(b"255\n") + 4:], np.uint8)
            assert (pixels < 200).mean() > 0.01, page.name  # ink on every page


def test_an_empty_scan_still_gets_a_report(tmp_path):
    rec = orthofit.Recording(np.zeros((5, 40, 40), np.float32), np.arange(5) / 50, 5.08)
    reports = build_reports(rec, thresholds=load_thresholds(), rules=load_insole_rules(),
                            info=INFO)
    assert "could not be analysed" in pdf_text(render_pdf(reports.clinician))
    assert "did not pick up your feet" in pdf_text(render_pdf(reports.patient, patient=True))


def test_insole_svg_is_true_size(walk_reports):
    # Millimetres throughout (tests/test_insole_drawing.py checks the scale bar and outlines).
    svg = insole_svg(walk_reports.insoles)
    width_mm = float(re.search(r'<svg[^>]* width="([\d.]+)mm"', svg).group(1))
    assert width_mm == float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    assert len(walk_reports.insoles.outlines) == 2
    assert "arch support 18 mm" in svg and "medial rearfoot post 5\N{DEGREE SIGN}" in svg


def cli(*args):
    return subprocess.run([sys.executable, "-m", "orthofit.cli", *args], capture_output=True,
                          text=True)


def test_cli_report_both_and_propose(tmp_path):
    out = tmp_path / "r.pdf"
    proc = cli("report", str(SAMPLES / "static_cavus.ofs"), "-o", str(out), "--date",
               "2026-01-02", "--patient-name", "Jo")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "r-clinician.pdf").exists() and (tmp_path / "r-patient.pdf").exists()
    assert (tmp_path / "r-clinician.pdf").stat().st_mode & 0o077 == 0  # owner only
    proc = cli("propose", str(SAMPLES / "static_cavus.ofs"), "-o", str(tmp_path / "p.json"))
    assert proc.returncode == 0 and (tmp_path / "p.svg").exists()
    proc = cli("report", str(SAMPLES / "static_cavus.ofs"), "--proposal",
               str(tmp_path / "r-clinician.pdf"), "-o", str(tmp_path / "x.pdf"))
    assert proc.returncode == 1 and "cannot read the proposal" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_proposal_edited_by_hand_shows_what_changed(tmp_path):
    scans = [str(SAMPLES / name) for name in FLAT_VISIT]
    assert cli("propose", *scans, "-o", str(tmp_path / "p.json")).returncode == 0
    data = json.loads((tmp_path / "p.json").read_text())
    post = next(e for e in data["feet"][0]["elements"] if e["kind"] == "rearfoot_post")
    assert post["values"]["degrees"] == 5.0 and "proposed" not in post
    post["values"]["degrees"] = 7.0  # edited in a text editor: no "proposed" values added
    (tmp_path / "edited.json").write_text(json.dumps(data))
    proc = cli("report", *scans, "--proposal", str(tmp_path / "edited.json"), "-o",
               str(tmp_path / "r.pdf"), "--audience", "clinician")
    assert proc.returncode == 0, proc.stderr
    text = pdf_text((tmp_path / "r.pdf").read_bytes())
    seven = "medial, 7\N{DEGREE SIGN}" if "\N{DEGREE SIGN}" in text else "medial, 7 deg"
    five = seven.replace("7", "5")
    assert f"{seven} (changed by the clinician; proposed: {five})" in text
    # The reason quotes 5 degrees: it says it is the reason of the proposed value, not of 7.
    assert f"Rearfoot post proposed as {five}: The foot rolls in" in text
    assert f"Changed by the clinician to {seven}." in text


def test_a_foot_half_off_the_mat_is_said_plainly(tmp_path):
    from orthofit import footmodel as fm

    rec, _ = fm.render_stance([(fm.named_foot("normal"), fm.Placement((150, 230), 0, "left"))],
                              fm.Mat(40, 60, (5.08, 5.08)), duration_s=0.2, rate_hz=20)
    reports = build_reports(rec, thresholds=load_thresholds(), rules=load_insole_rules(),
                            info=INFO)
    assert "off the mat" in pdf_text(render_pdf(reports.clinician))
    assert "off the edge of the mat" in pdf_text(render_pdf(reports.patient, patient=True))


def test_patient_words_say_why_a_class_is_not_given():
    from orthofit.analysis import Thresholds
    from orthofit.report import texts

    one_pass = orthofit.analyze(orthofit.load(SAMPLES / "walk_flat.ofs"))
    assert texts.foot_summary(one_pass.foot("left")).startswith(
        "We need a few more steps on the mat")
    near = orthofit.analyze(orthofit.load(SAMPLES / "static_normal.ofs"),
                            thresholds=Thresholds(ai_high=0.22, ai_low=0.30))
    assert "close to the line between two kinds of arch" in texts.foot_summary(near.feet[0])
    varied = {"arch_type": "uncertain", "arch_reason": "5 steps, arch index 0.19-0.27: record "
              "more steps", "pronation": "uncertain", "pronation_reason": "5 steps, CPEI "
              "8.0-41.6 %: record more steps"}
    foot = dataclasses.replace(one_pass.foot("left"), classification=varied)
    words = texts.foot_summary(foot)
    assert "a slightly different print with each step" in words
    assert "changed from step to step" in words
