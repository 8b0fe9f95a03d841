"""The insole drawings (PDF page, lab SVG, GUI tab): what a clinician and a lab read off them."""

from __future__ import annotations

import functools
import itertools
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from orthofit.io.profiles import load_insole_rules
from orthofit.proposal.model import Element, Reason, override
from orthofit.proposal.outline import HEEL_END, MIDFOOT_END, insole_outline, width_at
from orthofit.proposal.rules import propose
from orthofit.proposal.sheet import box_meets_polygon, boxes_overlap, inside, layout_sheet
from orthofit.proposal.wording import format_value, shell_words
from orthofit.report.content import InsoleFigure
from orthofit.report.insole_blocks import insole_outlines
from orthofit.report.insole_figure import insole_sheet
from orthofit.report.svg import insole_svg

from conftest import visit

RULES = load_insole_rules("default")
SVG = "{http://www.w3.org/2000/svg}"
#: Proposals with many zones: every foot type, with diabetes (offloading, full shell) and the
#: knee option (forefoot posts).
CASES = [(kind, diabetic, knee, False) for kind in ("flat", "normal", "cavus")
         for diabetic, knee in ((False, False), (True, True))] + [("flat", False, False, True)]


@functools.cache
def outlines(kind: str, diabetic: bool = False, knee_oa: bool = False, every: bool = False):
    """The insoles of a sample visit; ``every``: with every kind of zone set by hand."""
    analysis = visit(kind)
    proposal = propose(analysis, RULES, diabetic=diabetic, knee_oa=knee_oa)
    if every:
        for side in ("left", "right"):
            proposal = override(proposal, side, "heel_lift", height_mm=4.5)
            proposal = override(proposal, side, "metatarsal_pad", type="dome", height_mm=5.0,
                                offset_mm=5.0, target="m2")
            proposal = override(proposal, side, "forefoot_post", side="medial", degrees=3.5)
            proposal = override(proposal, side, "offloading", method="cut-out",
                                regions=["hallux", "m1", "m5"])
    return insole_outlines(analysis, proposal)


def assert_labels_clear(sheet):
    """No label box meets an insole outline, and no two labels overlap."""
    polygons = sheet.outlines()
    assert len(polygons) == 2
    for label in sheet.labels:
        for poly in polygons:
            assert not box_meets_polygon(label.box, poly), (label.text, label.box)
        x0, y0, x1, y1 = label.box
        assert 0 <= x0 and x1 <= sheet.width + 1e-6 and 0 <= y0 and y1 <= sheet.height + 1e-6
    for a, b in itertools.combinations(sheet.labels, 2):
        assert not boxes_overlap(a.box, b.box), (a.text, b.text)


@pytest.mark.parametrize("kind, diabetic, knee_oa, every", CASES)
def test_labels_stand_beside_the_insoles_never_on_them(kind, diabetic, knee_oa, every):
    ols = outlines(kind, diabetic, knee_oa, every)
    zones = [z for o in ols for z in o.zones]
    assert zones  # something to label
    pdf = insole_sheet(ols, 480.0, 230.0)  # the clinician PDF's frame (points)
    assert_labels_clear(pdf)
    svg = layout_sheet(ols, scale=1.0, font_size=3.0, print_check=True)  # the lab SVG (mm)
    assert_labels_clear(svg)
    # Every zone is named once, and its leader line starts inside the zone it names.
    named = [lb for lb in pdf.labels if lb.leader is not None and lb.kind != "shell_end"]
    assert sorted(lb.text for lb in named) == sorted(z.label for z in zones)
    zone_shapes = [s for s in pdf.shapes if s.kind == "zone"]
    for label in named:
        start = label.leader[0]
        assert any(inside(start, s.points) for s in zone_shapes if s.element == label.kind)


def test_box_and_polygon_geometry_known_answers():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)
    assert box_meets_polygon((5, 5, 6, 6), square)  # inside
    assert box_meets_polygon((-5, 4, 15, 6), square)  # across, no corner inside either
    assert not box_meets_polygon((11, 0, 20, 10), square)
    assert boxes_overlap((0, 0, 2, 2), (1, 1, 3, 3)) and not boxes_overlap((0, 0, 2, 2),
                                                                           (2, 0, 4, 2))


def test_the_arch_support_is_a_pad_along_the_medial_midfoot():
    for o in outlines("flat"):
        pad = next(z for z in o.zones if z.kind == "arch_support")
        u, w = pad.polygon[:, 0], pad.polygon[:, 1]
        l0 = o.toeless_length_mm
        # Many vertices, not a four-cornered box; on the medial side (w < 0) of the midfoot.
        assert len(pad.polygon) > 20
        assert (w < 0).all()
        assert u.min() >= 0.25 * l0 and u.max() <= 0.7 * l0
        # It hugs the insole's medial edge and tapers to that edge at both ends.
        assert all(inside(p, o.polygon) for p in pad.polygon)
        for end in (u.min(), u.max()):
            across = w[np.isclose(u, end)]
            assert np.ptp(across) < 1.0
        # Widest in the middle (under the navicular), about 40 % of the insole's width.
        mid = 0.45 * l0
        near = np.abs(u - mid) < 0.03 * l0
        med, lat = width_at(o.polygon, mid)
        assert np.ptp(w[near]) > 0.3 * (lat - med)


def test_the_shell_end_is_drawn_only_on_a_three_quarter_shell_and_named():
    three_quarter = outlines("flat")  # the standard shell
    full = outlines("cavus", True, True)  # diabetic full-contact, full length
    assert all(o.shell_part == "3/4" for o in three_quarter)
    assert all(o.shell_part == "" for o in full)
    sheet = insole_sheet(three_quarter, 480.0, 230.0)
    ends = [s for s in sheet.shapes if s.kind == "shell_end"]
    assert len(ends) == 2 and all(s.dashed for s in ends)
    names = [lb for lb in sheet.labels if lb.kind == "shell_end"]
    assert [lb.text for lb in names] == ["3/4 shell ends here"] * 2
    # The line lies across the insole at the shell's end, behind the toes (not above them).
    for o, line in zip(three_quarter, ends, strict=True):
        y = line.points[:, 1]
        heel = min(s.points[:, 1].min() for s in sheet.shapes
                   if s.kind == "outline" and s.side == o.side)
        assert np.ptp(y) < 1e-6
        frac = (y[0] - heel) / sheet.scale / o.length_mm
        assert 0.45 < frac < 0.75
    full_sheet = insole_sheet(full, 480.0, 230.0)
    assert not [s for s in full_sheet.shapes if s.kind == "shell_end"]
    assert not [lb for lb in full_sheet.labels if lb.kind == "shell_end"]


def test_zone_labels_word_their_values():
    flat = outlines("flat")
    labels = {z.label for o in flat for z in o.zones}
    assert labels == {"arch support 18 mm", "medial rearfoot post 5\N{DEGREE SIGN}"}
    wedge = {z.label for o in outlines("normal", True, True) for z in o.zones}
    assert "lateral forefoot post 5\N{DEGREE SIGN}" in wedge
    assert not any(re.search(r"\d\.\d0\b", text) for text in labels | wedge)  # no "22.00"


@pytest.mark.parametrize("value, unit, text", [
    (22.0, "mm", "22 mm"), (22.00, "mm", "22 mm"), (3.5, "mm", "3.5 mm"), (3.54, "mm", "3.5 mm"),
    (12.96, "mm", "13 mm"), (5.0, "deg", "5\N{DEGREE SIGN}"), (4.5, "deg", "4.5\N{DEGREE SIGN}"),
    (-0.01, "deg", "0\N{DEGREE SIGN}"), (0.0, "mm", "0 mm"), (7, "mm", "7 mm"),
])
def test_values_are_formatted_as_made(value, unit, text):
    assert format_value(value, unit) == text


def test_a_font_without_the_degree_sign_gets_deg():
    assert format_value(5.0, "deg", degree_sign=False) == "5 deg"
    post = Element("rearfoot_post", {"side": "medial", "degrees": 5.0}, Reason("r", "t"))
    assert post.describe() == "medial, 5\N{DEGREE SIGN}"
    assert post.describe(degree_sign=False) == "medial, 5 deg"


def test_the_report_font_has_the_signs_it_prints():
    from reportlab.pdfbase import pdfmetrics

    from orthofit.report.figures import register_fonts

    register_fonts()
    face = pdfmetrics.getFont("Vera").face
    for sign in ("\N{DEGREE SIGN}", "\N{MULTIPLICATION SIGN}"):
        assert ord(sign) in face.charWidths  # a glyph, not a missing-character box


def test_the_shell_says_its_length_once():
    assert shell_words("EVA shell 3/4", "3/4") == "EVA shell, 3/4 length"
    assert shell_words("EVA shell full", "full") == "EVA shell, full length"
    shell = Element("shell", {"product": "EVA shell 3/4", "length": "3/4"}, Reason("r", "t"))
    assert shell.describe() == "EVA shell, 3/4 length"


def svg_root(fig):
    return ET.fromstring(insole_svg(fig))


def test_the_svg_is_in_true_millimetres_with_a_50_mm_scale_bar():
    fig = InsoleFigure(outlines("flat"))
    root = svg_root(fig)
    width, height = root.get("width"), root.get("height")
    assert width.endswith("mm") and height.endswith("mm")
    x0, y0, vb_w, vb_h = (float(v) for v in root.get("viewBox").split())
    # One user unit is one millimetre: the viewBox spans the page's size in mm.
    assert (x0, y0) == (0.0, 0.0)
    assert vb_w == pytest.approx(float(width[:-2])) and vb_h == pytest.approx(float(height[:-2]))
    bar = root.find(f"{SVG}g[@id='scale-bar']")
    assert bar is not None and float(bar.get("data-length-mm")) == 50.0
    line = bar.find(f"{SVG}line")  # the bar itself comes first, then its ticks
    assert float(line.get("x2")) - float(line.get("x1")) == pytest.approx(50.0, abs=0.01)
    assert float(line.get("y1")) == float(line.get("y2"))
    assert len(bar.findall(f"{SVG}line")) == 1 + 6  # ticks every 10 mm, both ends included
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "50 mm" in texts
    assert any(t.startswith("Print at 100 %: this bar measures 50 mm") for t in texts)


def test_the_svg_draws_both_feet_at_their_size_with_labels_outside():
    ols = outlines("flat")
    root = svg_root(InsoleFigure(ols))
    polys = {p.get("data-side"): p for p in root.iter(f"{SVG}polygon")
             if p.get("class") == "outline"}
    assert set(polys) == {"left", "right"}
    for o in ols:
        pts = np.array([[float(v) for v in xy.split(",")]
                        for xy in polys[o.side].get("points").split()])
        # The outline's extent in the SVG is the insole's in mm (to the 0.01 mm written).
        assert np.ptp(pts[:, 1]) == pytest.approx(o.length_mm, abs=0.02)
        assert np.ptp(pts[:, 0]) == pytest.approx(o.width_mm, abs=0.02)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("arch support 18 mm") == 2
    assert "Left insole, 264 \N{MULTIPLICATION SIGN} 114 mm" in texts


def test_an_insole_outline_without_a_proposal_has_no_zones():
    analysis = visit("normal")
    step = analysis.feet[0].representative()
    o = insole_outline(step.footprint)
    assert o.zones == () and o.shell_part == ""
    assert HEEL_END < MIDFOOT_END


def test_the_gui_draws_the_same_layout_with_labels_clear(qtbot):
    pytest.importorskip("PyQt6")
    from orthofit.gui.proposal import InsoleCanvas

    canvas = InsoleCanvas()
    qtbot.addWidget(canvas)
    for size in ((1000, 300), (700, 260)):
        canvas.resize(*size)
        canvas.show()
        canvas.set_outlines(outlines("cavus", True, True))
        qtbot.waitExposed(canvas)
        sheet = canvas.sheet
        # The sheet, scaled by the canvas's zoom (a larger sheet drawn smaller when the
        # widget is narrow for the labels), is the widget.
        zoom = canvas.fit.zoom
        assert (sheet.width * zoom, sheet.height * zoom) == pytest.approx(size)
        assert_labels_clear(sheet)
        image = canvas.grab().toImage()
        assert image.width() == size[0]


def test_the_gui_tab_edits_a_post_side_and_numbers_each_reason_once(qtbot):
    pytest.importorskip("PyQt6")
    from orthofit.gui.proposal import ProposalView

    analysis = visit("flat")
    view = ProposalView()
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    view.show_proposal(propose(analysis, RULES), analysis)
    # Values read as made: "18 mm", "5°" (no "18.00 mm"); the shell's length said once.
    assert view.editors[("left", "arch_support", "height_mm")].text() == "18 mm"
    assert view.editors[("left", "rearfoot_post", "degrees")].text() == "5\N{DEGREE SIGN}"
    assert view.values[("left", "shell")].text() == "EVA shell, 3/4 length"
    # The standard shell's reason is printed once for the 12 elements it explains.
    assert view.footnotes.text().count("No finding called for more than") == 1
    assert {view.reasons[("left", k)].text() for k in ("shell", "forefoot_post",
                                                        "top_cover")} == {"reason [1]"}
    view.editors[("left", "rearfoot_post", "side")].setCurrentText("lateral")
    post = view.proposal.foot("left").elements["rearfoot_post"]
    assert post.values == {"side": "lateral", "degrees": 5.0} and post.changed
    assert "(changed)" in view.reasons[("left", "rearfoot_post")].text()
    labels = [lb.text for lb in view.canvas.sheet.labels]
    assert "lateral rearfoot post 5\N{DEGREE SIGN}" in labels
    assert "medial rearfoot post 5\N{DEGREE SIGN}" in labels  # the right foot's, unchanged
    assert_labels_clear(view.canvas.sheet)
