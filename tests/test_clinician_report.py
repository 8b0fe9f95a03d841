"""The clinician's PDF: whole footprints on one scale, the patient header, diabetes, the layout.

Content is checked on the document model (what each block holds, in mat millimetres) and on the
PDF as a reader gets it (pypdf: its words and where they stand on the page).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from functools import cache

import numpy as np
import pytest
from pypdf import PdfReader

import orthofit
from orthofit.cli import main
from orthofit.io.profiles import load_insole_rules, load_thresholds
from orthofit.report import header
from orthofit.report.content import (
    Document,
    ForceCurves,
    Para,
    PressureMaps,
    SignatureLine,
    Stabilogram,
    Table,
    all_text,
    capture_table,
    force_curves,
    gait_table,
    header_table,
    mask_table,
    public_document,
    rolloff,
    rolloff_table,
)
from orthofit.report.footmaps import (
    LINE_OVERHANG_MM,
    MARGIN_MM,
    REGION_LABELS,
    map_image,
    pressure_maps,
)
from orthofit.report.make import build_reports
from orthofit.report.map_figure import LABEL_PT, pressure_maps_drawing
from orthofit.report.render import MIN_LAST_PAGE_FILL, render_pdf
from orthofit.report.scale import PressureScale

from conftest import SAMPLES


def sample_sets() -> dict[str, list[str]]:
    """Every sample: each walk visit as its three passes, each standing scan alone."""
    out = {v.stem: json.loads(v.read_text())["scans"]
           for v in sorted(SAMPLES.glob("visit_walk_*.json"))}
    out.update({f.stem: [f.name] for f in sorted(SAMPLES.glob("*.ofs"))
                if not f.stem.startswith("walk")})
    return out


SETS = sample_sets()
PATIENT = {"name": "Alex Example", "birth_date": "1961-12-03", "sex": "female",
           "weight_kg": 72.5, "shoe_size": "EU 40", "referrer": "Dr P. Jones"}


def info(diabetic: bool = False, **more):
    return {"date": "2026-11-21", "clinic": "Demo Clinic",
            "patient": dict(PATIENT, conditions=["Diabetes type 2"] if diabetic else []),
            "clinic_contact": "1 High Street\n+44 1234 567890", **more}


@cache
def recordings(name: str):
    return tuple(orthofit.load(SAMPLES / s) for s in SETS[name])


@cache
def reports(name: str, diabetic: bool = False):
    return build_reports(list(recordings(name)), thresholds=load_thresholds(),
                         rules=load_insole_rules(), info=info(diabetic), labels=SETS[name])


@cache
def pdf(name: str, diabetic: bool = False, size: str = "a4") -> bytes:
    return render_pdf(reports(name, diabetic).clinician, page_size=size)


def page_texts(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]


def maps_of(doc: Document) -> PressureMaps:
    return next(b for b in doc.blocks if isinstance(b, PressureMaps))


# --------------------------------------------------------------------------------------------
# The patient header
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("born, on, age", [
    ("1961-12-03", "2026-11-21", 64),   # birthday later in the year: not yet reached
    ("1961-11-21", "2026-11-21", 65),   # on the birthday
    ("1961-11-22", "2026-11-21", 64),   # the day before it
    ("2000-02-29", "2025-02-28", 24),   # a 29 February birthday in a common year...
    ("2000-02-29", "2025-03-01", 25),   # ...is reached on 1 March
    ("2000-02-29", "2024-02-29", 24),
    ("2026-11-21", "2026-11-21", 0),
    ("2026-11-22", "2026-11-21", None),  # born after the report: no age
])
def test_age_is_counted_on_the_report_date(born, on, age):
    assert header.age_years(born, on) == age


def facts(table: Table) -> dict[str, str]:
    """The (label, value) pairs of a header table of two facts a row."""
    return {row[i]: row[i + 1] for row in table.rows for i in range(0, len(row), 2) if row[i]}


def test_the_header_holds_only_what_is_known():
    a = reports("static_flat").analysis
    full = facts(header_table(header.complete_info(info()), a))
    assert full["Patient"] == "Alex Example"
    assert full["Age"] == "64 years (born 1961-12-03)"
    assert full["Sex"] == "female" and full["Weight"] == "72.5 kg"
    assert full["Shoe size"] == "EU 40" and full["Referred by"] == "Dr P. Jones"
    assert full["Report date"] == "2026-11-21" and full["Scan"] == "static trial"
    assert "Conditions" not in full  # none known
    bare = header_table(header.complete_info({"date": "2026-11-21", "patient_name": "Jo"}), a)
    assert set(facts(bare)) == {"Patient", "Report date", "Scan"}


def test_unknown_capture_rows_are_left_out_and_a_known_time_is_written_plainly():
    a = reports("static_flat").analysis
    unknown = capture_table({"date": "2026-11-21", "recorded": None}, a)
    assert "Recorded" not in [r[0] for r in unknown.rows]
    known = capture_table({"date": "2026-11-21", "recorded": "2026-11-21T09:05:33.120"}, a)
    assert ("Recorded", "2026-11-21 09:05") in known.rows
    text = "\n".join(page_texts(pdf("static_flat")))
    assert "Recorded -" not in text and "Recorded " not in text.replace("Recorded for", "")


# --------------------------------------------------------------------------------------------
# Diabetes
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["visit_walk_cavus", "static_flat"])
def test_a_diabetic_patient_is_flagged_on_every_page(name):
    flagged, plain = page_texts(pdf(name, True)), page_texts(pdf(name, False))
    assert len(flagged) >= 3
    assert all(header.DIABETES_FLAG in page for page in flagged)
    assert not any(header.DIABETES_FLAG in page for page in plain)
    rows = facts(header_table(header.complete_info(info(True)), reports(name).analysis))
    assert rows["Conditions"].startswith("Diabetes type 2")


def test_diabetes_in_the_conditions_applies_the_offloading_rules():
    # No --diabetic: the patient's conditions alone say diabetes. The cavus visit's hallux
    # peaks near 740 kPa, above the 700 kPa barefoot threshold.
    diabetic, plain = reports("visit_walk_cavus", True), reports("visit_walk_cavus", False)
    assert diabetic.clinician.flag == header.DIABETES_FLAG and plain.clinician.flag is None
    off = diabetic.proposal.foot("left").elements["offloading"]
    assert off.describe() != plain.proposal.foot("left").elements["offloading"].describe()
    assert "hallux" in off.describe()
    # The maps box the regions at or above 700 kPa and the caption names them.
    maps = maps_of(diabetic.clinician)
    assert maps.mark_kpa == 700.0 and maps_of(plain.clinician).mark_kpa is None
    high = [(m.side, r.label) for m in maps.maps for r in m.regions if r.value >= 700]
    assert ("left", "H") in high
    caption = next(b.text for b in diabetic.clinician.blocks
                   if isinstance(b, Para) and b.text.startswith("Peak pressure of"))
    assert "left H" in caption and "are boxed" in caption


def test_info_is_completed_from_either_source():
    assert header.complete_info({"date": "x"}, diabetic=True)["diabetic"]
    assert header.complete_info({"date": "x", "patient": {"conditions": ["diabetic"]}})[
        "diabetic"]
    done = header.complete_info({"date": "x", "patient_name": "Jo"})
    assert not done["diabetic"] and done["patient"] == {"name": "Jo"}
    assert done["pressure_scale"] == PressureScale(800.0)
    assert header.complete_info({"pressure_scale": "per trial"})["pressure_scale"].max_kpa \
        is None


# --------------------------------------------------------------------------------------------
# The footprints
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SETS))
def test_footprints_are_whole_and_framed_alike(name):
    r = reports(name)
    maps = maps_of(r.clinician)
    for m in maps.maps:  # one frame size
        assert m.size_mm == pytest.approx(maps.maps[0].size_mm)
    for m in maps.maps:
        x0, y0, x1, y1 = m.window_mm
        bx0, by0, bx1, by1 = m.print_box_mm
        # The print, its outermost heel and toe sensels included, lies inside the frame with
        # a margin on every side.
        assert min(bx0 - x0, by0 - y0, x1 - bx1, y1 - by1) >= MARGIN_MM - 1e-9
        # Nothing of the step's print is lost: the window holds every loaded sensel.
        foot = r.analysis.foot(m.side)
        step = foot.representative()
        r0, r1, c0, c1 = step.contact.box
        t0, t1 = step.frames
        frames = r.analysis.frames_of(step)
        whole = map_image(frames[t0:t1, r0:r1, c0:c1], step.contact.mask, "peak",
                          r.analysis.threshold_kpa, 0.01)
        assert m.peak_kpa.sum() == pytest.approx(whole.sum())
        loaded_rows, loaded_cols = np.nonzero(m.peak_kpa > 0)
        assert x0 + loaded_cols.min() * m.pitch_mm[1] >= bx0 - 1e-9
        assert x0 + (loaded_cols.max() + 1) * m.pitch_mm[1] <= bx1 + 1e-9
        # Region labels inside the frame; thirds lines end near the print, not far outside.
        reach = LINE_OVERHANG_MM + max(m.pitch_mm)
        for region in m.regions:
            assert x0 < region.x_mm < x1 and y0 < region.y_mm < y1
            inside = m.mask_index == REGION_LABELS.index(region.label)
            assert region.value == pytest.approx(float(m.peak_kpa[inside].max()))
        assert len(m.thirds) == 2
        for seg in m.thirds:
            for x, y in seg:
                assert bx0 - reach <= x <= bx1 + reach and by0 - reach <= y <= by1 + reach


def test_the_drawing_gives_both_frames_one_height_and_legible_labels():
    maps = maps_of(reports("visit_walk_flat").clinician)
    d = pressure_maps_drawing(maps, 480, 330)
    frames, sizes = [], []

    def walk(node, dy=0.0):
        for item in getattr(node, "contents", []):
            shift = dy + (item.transform[5] if hasattr(item, "transform") else 0.0)
            if type(item).__name__ == "Rect" and item.fillColor is None and \
                    item.strokeWidth == 0.3:
                frames.append((item.width, item.height, shift))
            if type(item).__name__ == "String":
                sizes.append(item.fontSize)
            walk(item, shift)

    walk(d)
    assert len(frames) == 2
    assert frames[0][:2] == pytest.approx(frames[1][:2])  # same width and height
    assert frames[0][2] == pytest.approx(frames[1][2])    # drawn side by side, level
    assert min(sizes) >= 7 and LABEL_PT >= 7


def test_one_clinic_scale_for_static_and_walk_unless_per_trial():
    walk, static = reports("visit_walk_flat"), reports("static_flat")
    assert maps_of(walk.clinician).vmax_kpa == maps_of(static.clinician).vmax_kpa == 800.0
    for r in (walk, static):
        assert "clinic scale 0-800 kPa" in all_text(r.clinician)
    a = static.analysis
    rec = a.recordings[0]
    own = pressure_maps(a, rec.frames, rec.pitch_mm, scale=PressureScale(None))
    assert own.vmax_kpa == pytest.approx(max(m.peak_kpa.max() for m in own.maps))
    assert own.vmax_kpa < 200 and "this trial's peak" in own.scale_text


# --------------------------------------------------------------------------------------------
# Walks and standing trials
# --------------------------------------------------------------------------------------------

def test_no_pressure_time_integral_for_standing_trials():
    for name in ("static_flat", "balance_normal"):
        a = reports(name).analysis
        assert "PTI L / R (kPa s)" not in mask_table(a).rows[0]
        assert "kPa s" not in "\n".join(page_texts(pdf(name)))
    walk = reports("visit_walk_flat").analysis
    table = mask_table(walk)
    assert table.rows[0][2] == "PTI L / R (kPa s)"
    left = walk.foot("left").masks["hallux"]["pti_kpa_s"]
    assert table.rows[-2][2].startswith(f"{left:.1f} / ")


def test_a_standing_foot_carries_its_load_split():
    a = reports("balance_normal").analysis
    maps = maps_of(reports("balance_normal").clinician)
    loads = {m.side: m.load for m in maps.maps}
    b = a.balance
    # The totals are the balance's left/right shares; each is split front and rear as the
    # analysis splits its forefoot share, so the fronts add up to it.
    assert loads["left"].total_pct == pytest.approx(b["left_pct"], abs=1e-9)
    assert loads["right"].total_pct == pytest.approx(b["right_pct"], abs=1e-9)
    assert loads["left"].fore_pct + loads["right"].fore_pct == pytest.approx(b["fore_pct"],
                                                                             abs=0.05)
    for m in maps.maps:
        assert m.split is not None and m.load.fore_pct + m.load.rear_pct == pytest.approx(
            m.load.total_pct)
    text = "\n".join(page_texts(pdf("balance_normal")))
    assert f"Left foot: {loads['left'].total_pct:.0f} % of the load" in text
    assert "front" in text and "rear" in text
    walk = maps_of(reports("visit_walk_flat").clinician)
    assert all(m.load is None and m.split is None for m in walk.maps)


def test_the_stabilogram_is_the_analysis_one():
    r = reports("balance_normal")
    data = r.analysis.balance.get("stabilogram")
    if data is None:
        pytest.skip("the analysis gives no stabilogram yet")
    stab = next(b for row in r.clinician.blocks for b in getattr(row, "blocks", ())
                if isinstance(b, Stabilogram))
    assert stab.area_mm2 == pytest.approx(data["ellipse"]["area_mm2"])
    assert len(stab.x_mm) == np.isfinite(np.asarray(data["x_mm"], float)).sum()
    assert "95 % ellipse" in all_text(r.clinician)


def test_force_curves_in_body_weight_and_styled_per_side():
    a = reports("visit_walk_flat").analysis
    curves = force_curves(a, 72.5)
    assert curves.unit == "% body weight"
    step = next(s for s in a.foot("left").steps if s.complete)
    assert curves.series[0][2] == pytest.approx(step.force_n / (72.5 * 9.80665) * 100)
    assert force_curves(a, None).unit == "N"
    assert force_curves(reports("static_flat").analysis, 72.5) is None
    from orthofit.report.figures import SIDE_STYLE, force_curves_drawing

    assert SIDE_STYLE["left"][0] != SIDE_STYLE["right"][0]   # colour
    assert SIDE_STYLE["left"][1] != SIDE_STYLE["right"][1]   # and dash
    d = force_curves_drawing(ForceCurves(curves.series, curves.unit), 480)
    plot = next(c for c in d.contents if type(c).__name__ == "LinePlot")
    sides = [label.split()[0] for label, _, _ in curves.series]
    for i, side in enumerate(sides):
        assert plot.lines[i].strokeColor == SIDE_STYLE[side][0]
    text = "\n".join(page_texts(pdf("visit_walk_flat")))
    assert "force (% body weight)" in text and "left foot (5 steps)" in text


def test_gait_parameters_and_roll_off_per_foot():
    a = reports("visit_walk_flat").analysis
    table = rolloff_table(a)
    phases = rolloff(a.foot("left"))
    want = [s.phases.get("foot_flat_pct") for s in a.foot("left").used_steps]
    assert phases["foot_flat_pct"] == pytest.approx(
        a.foot("left").metrics.get("foot_flat_pct") or float(np.median(want)))
    assert table.rows[3][1] == f"{phases['foot_flat_pct']:.0f} %"
    if a.gait:
        gait = gait_table(a)
        rows = {r[0]: r for r in gait.rows}
        assert rows["Steps"][1] == str(a.gait["left"]["steps"])
        cadence = a.gait["left"].get("cadence_steps_min")
        if cadence is not None:
            assert rows["Cadence"][1] == f"{cadence:.0f} steps/min"
    # Without gait parameters (an analysis from before they existed) the report still builds.
    bare = dataclasses.replace(a, gait=None) if hasattr(a, "gait") else a
    assert gait_table(bare) is None
    assert gait_table(reports("static_flat").analysis) is None


# --------------------------------------------------------------------------------------------
# Words and layout
# --------------------------------------------------------------------------------------------

def test_internal_file_names_are_taken_out():
    doc = Document("t", "s", "a", "h", [
        Para("Rule 'x'; source: DOMAIN.md: medial post 4-6 deg (practice convention)."),
        Table((("Rules", "Posting rules from DOMAIN.md; see FORMATS.md section 3"),))], "d")
    text = all_text(public_document(doc))
    assert "DOMAIN" not in text and "FORMATS" not in text and ".md" not in text
    assert "source: medial post 4-6 deg (practice convention)." in text


@pytest.mark.parametrize("name", list(SETS))
@pytest.mark.parametrize("diabetic", [False, True])
def test_no_internal_file_name_in_any_report(name, diabetic):
    patient = render_pdf(reports(name, diabetic).patient, patient=True)
    for data in (pdf(name, diabetic), patient):
        text = "\n".join(page_texts(data))
        for word in ("DOMAIN", ".md", "FORMATS", "DESIGN"):
            assert word not in text, (name, word)


def lowest_text(page) -> float:
    """How far down its frame the page's body text reaches (0 top, 1 bottom)."""
    ys = []
    page.extract_text(visitor_text=lambda text, cm, tm, *_: ys.append(tm[5] * cm[3] + cm[5])
                      if text.strip() else None)
    height = float(page.mediabox.height)
    margin = 18 * 72 / 25.4
    body = [y for y in ys if margin < y < height - margin]
    return (height - margin - min(body)) / (height - 2 * margin)


@pytest.mark.parametrize("name", list(SETS))
@pytest.mark.parametrize("size", ["a4", "letter"])
def test_no_orphan_last_page(name, size):
    for diabetic in (False, True):
        reader = PdfReader(io.BytesIO(pdf(name, diabetic, size)))
        assert 3 <= len(reader.pages) <= 5
        # No page holds only a heading or a row or two: each fills a good part of its frame.
        for page in reader.pages:
            assert lowest_text(page) >= MIN_LAST_PAGE_FILL
        # The last page is the prescription, whole: the lab drawing, the printed insoles'
        # height maps and sections, the element table and the signature together.
        text = re.sub(r"\s+", " ", reader.pages[-1].extract_text())
        assert "Proposed insoles" in text and "Clinician: name and signature" in text
        assert "Element Left Right Reason" in text
        assert "Printed insoles as written to left.stl and right.stl" in text
        assert "A: post" in text or "A: no post" in text
        for earlier in reader.pages[:-1]:
            assert "Printed insoles" not in earlier.extract_text()


def test_the_signature_ends_the_report_after_the_capture_table():
    doc = reports("visit_walk_flat").clinician
    assert isinstance(doc.blocks[-1], SignatureLine)
    capture = next(i for i, b in enumerate(doc.blocks)
                   if isinstance(b, Table) and b.rows[0][0] == "Capture")
    assert capture < len(doc.blocks) - 3


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("extra, says", [
    (["--weight-kg", "5"], "--weight-kg: give a number from 20 to 300 kg, not '5'"),
    (["--weight-kg", "heavy"], "--weight-kg: give a number from 20 to 300 kg"),
    (["--pressure-scale", "10"], "--pressure-scale: give 'per trial' or a maximum from 50 to "
                                 "3000 kPa, not '10'"),
    (["--pressure-scale", "auto"], "--pressure-scale: give 'per trial' or a maximum"),
    (["--birth-date", "1980-13-01"], "--birth-date: give a date as YYYY-MM-DD"),
    (["--birth-date", "2990-01-01"], "--birth-date: 2990-01-01 is in the future"),
    (["--shoe-size", " "], "--shoe-size: give some text, not an empty string"),
    (["--referrer", "x" * 200], "--referrer: give at most 120 characters, not 200"),
])
def test_report_options_are_checked(extra, says, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(SAMPLES / "static_flat.ofs"), "-o", str(tmp_path / "r.pdf"),
              *extra])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_a_birth_date_after_the_report_date_is_refused(capsys, tmp_path):
    code = main(["report", str(SAMPLES / "static_flat.ofs"), "-o", str(tmp_path / "r.pdf"),
                 "--date", "2020-01-01", "--birth-date", "2020-06-01"])
    assert code == 2
    assert "--birth-date 2020-06-01 is after the report date 2020-01-01" in \
        capsys.readouterr().err
    assert not (tmp_path / "r-clinician.pdf").exists()


def test_the_options_reach_the_report(tmp_path):
    out = tmp_path / "r.pdf"
    scans = [str(SAMPLES / s) for s in SETS["visit_walk_flat"]]
    assert main(["report", *scans, "-o", str(out), "--audience", "clinician", "--date",
                 "2026-11-21", "--patient-name", "Alex Example", "--birth-date", "1961-12-03",
                 "--sex", "female", "--weight-kg", "72.5", "--shoe-size", "EU 40",
                 "--referrer", "Dr P. Jones", "--condition", "diabetes",
                 "--clinic-contact", r"1 High Street\n+44 1234 567890",
                 "--pressure-scale", "600"]) == 0
    pages = page_texts(out.read_bytes())
    text = " ".join(pages)
    for words in ("64 years (born 1961-12-03)", "female", "72.5 kg", "EU 40", "Dr P. Jones",
                  "1 High Street +44 1234 567890", "clinic scale 0-600 kPa",
                  "force (% body weight)", "Conditions diabetes"):
        assert words in text, words
    assert all(header.DIABETES_FLAG in p for p in pages)  # --condition diabetes alone


def test_knee_osteoarthritis_among_the_conditions_offers_the_wedge_as_the_flag_does():
    name = next(iter(SETS))
    recs = list(recordings(name))

    def proposal(conditions, knee_oa=False):
        return build_reports(recs, thresholds=load_thresholds(), rules=load_insole_rules(),
                             info={"date": "2026-11-21",
                                   "patient": dict(PATIENT, conditions=conditions)},
                             knee_oa=knee_oa, labels=SETS[name]).proposal

    def posts(p):
        return [f.elements["forefoot_post"].values for f in p.feet]

    flagged = posts(proposal([], knee_oa=True))
    assert all(v == {"side": "lateral", "degrees": 5.0} for v in flagged)
    assert posts(proposal(["Medial knee osteoarthritis"])) == flagged
    assert posts(proposal(["hip OA"])) != flagged
