"""The printed insoles as people see them: the report's height maps and sections, the desktop's
preview and its export. Angles and heights are measured back from what is drawn."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import trimesh
from pypdf import PdfReader
from reportlab.graphics.shapes import Line, Polygon
from reportlab.lib.pagesizes import A4

from orthofit.insole3d import PrintSpec, build_insole
from orthofit.insole3d.export import PLATE_GAP_MM
from orthofit.insole3d.views import face_light, hillshade, plate_meshes
from orthofit.io.profiles import load_insole_rules, load_thresholds, read_profile
from orthofit.proposal.model import override
from orthofit.proposal.outline import insole_outline
from orthofit.proposal.rules import propose
from orthofit.report.content import InsoleFigure, Para, Table, all_text
from orthofit.report.insole3d_block import InsoleHeights, insole_heights_blocks
from orthofit.report.insole3d_figure import section_group

from conftest import SAMPLES, visit

TOL_MM, TOL_DEG = 0.5, 0.5
FLAT = ["walk_flat.ofs", "walk_flat_2.ofs", "walk_flat_3.ofs"]


@functools.cache
def spec() -> PrintSpec:
    return PrintSpec.from_dict(read_profile("insoles", "default")["print3d"])


@functools.cache
def flat():
    analysis = visit("flat")
    return analysis, propose(analysis, load_insole_rules())


def views(proposal):
    """The report's printed-insole figure for the flat visit and ``proposal``, by side."""
    analysis, _ = flat()
    blocks = insole_heights_blocks(analysis, proposal, spec())
    fig = next(b for b in blocks if isinstance(b, InsoleHeights))
    return fig, {v.side: v for v in fig.views}


def drawn_polygon(group):
    """The first polygon of a drawn group as (x, y) points."""
    poly = next(s for s in group.contents if isinstance(s, Polygon))
    return np.asarray(poly.points, float).reshape(-1, 2)


# --- the report's sections --------------------------------------------------------------------


@pytest.mark.parametrize(("side", "post_side", "degrees"),
                         [("left", "medial", 7.0), ("right", "lateral", 4.5)])
def test_heel_section_is_drawn_at_the_post_angle(side, post_side, degrees):
    _, p = flat()
    p = override(p, side, "rearfoot_post", side=post_side, degrees=degrees)
    fig, by_side = views(p)
    view = by_side[side]
    k = 1.7  # points per mm, both ways: the drawing is at true scale
    group = section_group(view.heel, view, view.post_text, 0.0, 0.0, k, "A")
    pts = drawn_polygon(group)[: len(view.heel.w_mm)]  # the top line, then the bed
    # The part between the cup's walls, located on paper from the section's own span.
    lo, hi = view.heel.fit_span_mm
    xs = view.x_sign * view.heel.w_mm
    x_lo = k * (view.x_sign * np.array([lo, hi]) - xs.min())
    sel = (pts[:, 0] >= x_lo.min()) & (pts[:, 0] <= x_lo.max())
    assert sel.sum() > 20
    slope = np.polyfit(pts[sel, 0], pts[sel, 1], 1)[0]
    # Rising toward the posted side: on paper a left foot's medial side is on the right.
    medial_right = view.x_sign < 0
    toward_medial = slope if medial_right else -slope
    rise = toward_medial if post_side == "medial" else -toward_medial
    assert np.degrees(np.arctan(rise)) == pytest.approx(degrees, abs=TOL_DEG)
    assert f"{degrees:g}°" in view.post_text and post_side in view.post_text


def test_arch_section_peak_is_the_proposed_height():
    _, p = flat()
    p = override(p, "left", "arch_support", height_mm=24.0)
    fig, by_side = views(p)
    view = by_side["left"]
    k = 1.5
    group = section_group(view.arch, view, view.arch_text, 0.0, 0.0, k, "B")
    pts = drawn_polygon(group)[: len(view.arch.w_mm)]
    # The crest above the shell's top (drawn dashed at the base thickness), on paper.
    assert pts[:, 1].max() / k - spec().base_thickness_mm == pytest.approx(24.0, abs=TOL_MM)
    # The dimension line drawn beside it spans the same height.
    dims = [s for s in group.contents if isinstance(s, Line) and s.x1 == s.x2]
    assert max(abs(d.y2 - d.y1) for d in dims) / k == pytest.approx(24.0, abs=TOL_MM)
    assert view.arch_text == "arch support 24 mm"
    # The other foot keeps the proposal's 18 mm.
    assert by_side["right"].arch.peak_mm() == pytest.approx(18.0, abs=TOL_MM)


def test_height_map_reads_the_solid_including_a_recess():
    _, p = flat()
    p = override(p, "left", "offloading", regions=["m1"])
    p = override(p, "left", "shell", length="full")
    fig, by_side = views(p)
    z = by_side["left"].heights.z_mm
    # The recess floor, recess_depth_mm below the shell's top, is in the map: it is the
    # solid the STL holds, not the proposal's surface.
    floor = spec().base_thickness_mm - spec().recess_depth_mm
    assert np.nanmin(z) == pytest.approx(floor, abs=0.05)
    assert np.nanmin(by_side["right"].heights.z_mm) >= spec().base_thickness_mm - 0.05


def test_an_insole_that_cannot_be_built_is_one_line():
    analysis, p = flat()
    p = override(p, "right", "rearfoot_post", side="medial", degrees=30.0)
    blocks = insole_heights_blocks(analysis, p, spec())
    assert len(blocks) == 2 and isinstance(blocks[1], Para)
    assert "No printed insole is shown" in blocks[1].text and "30" in blocks[1].text


def test_report_keeps_its_layout_and_says_why_not(tmp_path):
    import orthofit
    from orthofit.report import render
    from orthofit.report.make import build_reports

    recs = [orthofit.load(SAMPLES / n) for n in FLAT]
    reports = build_reports(recs, thresholds=load_thresholds(), rules=load_insole_rules(),
                            info={"date": "2026-11-30", "file": ", ".join(FLAT)}, labels=FLAT)
    doc = reports.clinician
    # On the prescription's page: after the lab drawing, right before the element table.
    at = next(i for i, b in enumerate(doc.blocks) if isinstance(b, InsoleHeights))
    assert isinstance(doc.blocks[at - 1], InsoleFigure)
    assert isinstance(doc.blocks[at + 1], Table) and doc.blocks[at + 1].rows[0][0] == "Element"
    chosen = render.render_pdf(doc)
    renders = [render._render(doc, A4, False, layout) for layout in render.LAYOUTS]
    kept = next(r for r in renders if r.data == chosen)
    assert not kept.orphan
    # As printed: the page that holds the table holds the strip and the drawing too.
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(chosen)).pages]
    page = next(t for t in pages if "Element Left Right Reason" in t)
    assert "Printed insoles as written to left.stl" in page and "Proposed insoles" in page
    assert "A: post 5° medial" in page and "B: arch 18 mm" in page
    # Without the figure the report would not be shorter by more than the figure's page.
    without = type(doc)(**{**doc.__dict__, "blocks": [b for b in doc.blocks
                                                      if not isinstance(b, InsoleHeights)]})
    assert kept.pages <= min(r.pages for r in (render._render(without, A4, False, lay)
                                               for lay in render.LAYOUTS[-1:])) + 1
    # An edit past the catalogue's limits: the report is still made and says why, in a line.
    bad = override(reports.proposal, "left", "arch_support", height_mm=45.0)
    again = build_reports(recs, thresholds=load_thresholds(), rules=load_insole_rules(),
                          proposal=bad, info={"date": "2026-11-30"}, labels=FLAT)
    text = all_text(again.clinician)
    assert "No printed insole is shown" in text and "45 mm" in text
    assert not any(isinstance(b, InsoleHeights) for b in again.clinician.blocks)
    assert render.render_pdf(again.clinician).startswith(b"%PDF")


def test_the_reports_drawing_sizes_its_zones_as_the_printed_solids(tmp_path):
    """A clinic's catalogue sizes the dome and the arch pad of the drawing on the page too."""
    import orthofit
    from orthofit.report.make import build_reports

    recs = [orthofit.load(SAMPLES / n) for n in FLAT]
    clinic = PrintSpec.from_dict({**read_profile("insoles", "default")["print3d"],
                                  "pad_length_mm": 30.0, "dome_width_mm": 16.0,
                                  "arch_start_pct": 22.0, "arch_end_pct": 70.0})
    _, p = flat()
    p = override(p, "left", "metatarsal_pad", type="dome", height_mm=5.0, offset_mm=5.0,
                 target="m2")
    doc = build_reports(recs, thresholds=load_thresholds(), rules=load_insole_rules(),
                        proposal=p, info={"date": "2026-11-30"}, labels=FLAT,
                        print_spec=clinic).clinician
    figure = next(b for b in doc.blocks if isinstance(b, InsoleFigure))
    left = next(o for o in figure.outlines if o.side == "left")
    zones = {z.kind: z.polygon for z in left.zones}
    assert np.ptp(zones["metatarsal_pad"], axis=0) == pytest.approx([30.0, 16.0], abs=0.05)
    l0 = left.toeless_length_mm
    assert zones["arch_support"][:, 0].min() == pytest.approx(0.22 * l0, abs=1e-6)
    assert zones["arch_support"][:, 0].max() == pytest.approx(0.70 * l0, abs=1e-6)


def test_hillshade_lights_slopes_facing_the_light():
    u = np.arange(20.0)
    ramp = np.tile(u[:, None], (1, 10)) * np.tan(np.radians(20))  # rises toward the toes
    # The ramp faces the heel: lit by a light 45 degrees up from behind at cos(45 - 20) and by
    # one from the toes at cos(45 + 20); a flat top at sin(45) either way.
    facing = hillshade(ramp, 1.0, azimuth_deg=270.0, altitude_deg=45.0)
    away = hillshade(ramp, 1.0, azimuth_deg=90.0, altitude_deg=45.0)
    flat_ = hillshade(np.zeros((20, 10)), 1.0, azimuth_deg=90.0, altitude_deg=45.0)
    assert facing[10, 5] == pytest.approx(np.cos(np.radians(25)), abs=1e-6)
    assert away[10, 5] == pytest.approx(np.cos(np.radians(65)), abs=1e-6)
    assert flat_[10, 5] == pytest.approx(np.sin(np.radians(45)), abs=1e-6)


# --- the 3D view's arrays (pure) ---------------------------------------------------------------


def mirrored_pair(*regions):
    """A left insole (post, arch, dome, recesses of ``regions``) and the right one of the
    mirrored proposal."""
    analysis, p = flat()
    p = override(p, "left", "rearfoot_post", side="medial", degrees=5.0)
    p = override(p, "left", "offloading", regions=list(regions))
    p = override(p, "left", "metatarsal_pad", type="dome", height_mm=5.0, offset_mm=5.0,
                 target="m2")
    foot = p.foot("left")
    step = next(f for f in analysis.feet if f.side == "left").representative()
    outline = insole_outline(step.footprint, foot, margin_mm=spec().margin_mm,
                             shapes=spec().shapes)
    return (build_insole(outline, foot, spec()),
            build_insole(dataclasses.replace(outline, side="right"),
                         dataclasses.replace(foot, side="right"), spec()))


def test_plate_meshes_are_the_bodies_side_by_side_and_mirror_images():
    left, right = mirrored_pair("m1")
    meshes, centre = plate_meshes([right, left])
    assert [m.name for m in meshes] == ["left insole", "left fill m1", "right insole",
                                        "right fill m1"]
    assert [m.kind for m in meshes] == ["insole", "fill", "insole", "fill"]
    bodies = [left.body, left.fills["m1"], right.body, right.fills["m1"]]
    for m, body in zip(meshes, bodies, strict=True):
        # One for one: every vertex and triangle of the body, in the same order, moved
        # along x only.
        assert m.vertices.shape == body.vertices.shape and m.vertices.dtype == np.float32
        np.testing.assert_array_equal(m.faces, body.faces)
        shift = m.vertices - np.asarray(body.vertices, np.float32)
        assert np.ptp(shift[:, 0]) < 1e-3 and np.abs(shift[:, 1:]).max() == 0
    # Left at -x, right at +x, their inner edges the plate's gap apart, the middle at x = 0.
    assert meshes[0].vertices[:, 0].max() == pytest.approx(-PLATE_GAP_MM / 2, abs=1e-3)
    assert meshes[2].vertices[:, 0].min() == pytest.approx(PLATE_GAP_MM / 2, abs=1e-3)
    assert centre[0] == pytest.approx(0.0, abs=1e-3)
    assert centre[2] == pytest.approx(left.body.bounds[1][2] / 2, abs=1e-3)
    # Each fill lies inside its own insole on the plate, and the two mirror each other.
    for body, fill in ((meshes[0], meshes[1]), (meshes[2], meshes[3])):
        assert body.vertices[:, 0].min() < fill.vertices[:, 0].min()
        assert fill.vertices[:, 0].max() < body.vertices[:, 0].max()
    lo, hi = meshes[1].vertices.min(axis=0), meshes[1].vertices.max(axis=0)
    np.testing.assert_allclose([-hi[0], -lo[0]], [meshes[3].vertices[:, 0].min(),
                                                  meshes[3].vertices[:, 0].max()], atol=1e-3)
    # Without a recess (no boolean re-triangulating the top) the left's vertices, x
    # negated, are the right's.
    meshes, _ = plate_meshes(mirrored_pair())
    a = np.round(meshes[0].vertices * np.float32([-1, 1, 1]), 3)
    b = np.round(meshes[1].vertices, 3)
    np.testing.assert_allclose(a[np.lexsort(a.T)], b[np.lexsort(b.T)], atol=2e-3)


def test_face_light_is_the_cosine_to_the_light():
    # A triangle tilted 30 degrees about x, facing -y: lit from -y at 30 degrees above the
    # bed it faces the light at 30 degrees off (cos 30); from +y at 120 degrees (dark).
    tilt = np.radians(30)
    v = np.array([[0, 0, 0], [1, 0, 0], [0, np.cos(tilt), np.sin(tilt)]], float)
    f = np.array([[0, 1, 2]])
    toward = face_light(v, f, azimuth_deg=270.0, altitude_deg=30.0, ambient=0.2)
    away = face_light(v, f, azimuth_deg=90.0, altitude_deg=30.0, ambient=0.2)
    assert toward[0] == pytest.approx(0.2 + 0.8 * np.cos(np.radians(30)), abs=1e-9)
    assert away[0] == pytest.approx(0.2, abs=1e-9)


GL_SCRIPT = """
import sys
from PyQt6.QtWidgets import QApplication
import orthofit
from orthofit.gui.insole3d_view import InsolePreview, opengl_unavailable
from orthofit.insole3d import PrintSpec
from orthofit.io.profiles import load_insole_rules, read_profile
from orthofit.proposal.model import override
from orthofit.proposal.rules import propose

app = QApplication(sys.argv[:1])
reason = opengl_unavailable()
if reason is not None:
    sys.exit("no OpenGL under xvfb: " + reason)
analysis = orthofit.analyze_trials([orthofit.load(p) for p in sys.argv[2:]])
p = propose(analysis, load_insole_rules())
p = override(p, "left", "offloading", regions=["m1", "hallux"])
p = override(p, "left", "shell", length="full")
spec = PrintSpec.from_dict(read_profile("insoles", "default")["print3d"])
view = InsolePreview()
view.resize(640, 480)
view.show()
view.show_insoles(analysis, p, spec)
view.update_now()
for _ in range(20):
    app.processEvents()
assert view.gl is not None and not view.note.isVisible()
view.gl.grabFramebuffer().save(sys.argv[1])
print(len(view.meshes), sum(len(m.faces) for m in view.meshes))
"""


def test_the_3d_view_draws_the_insoles_under_a_real_x_server(tmp_path):
    """Under Xvfb with Mesa's software OpenGL the preview is the 3D view, and draws them."""
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (apt-get install xvfb libgl1-mesa-dri): the "
                    "OpenGL view cannot be made without an X server")
    script, frame = tmp_path / "gl_frame.py", tmp_path / "frame.png"
    script.write_text(GL_SCRIPT, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    env.pop("ORTHOFIT_3D", None)
    run = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1024x768x24", sys.executable,
                          str(script), str(frame), *[str(SAMPLES / n) for n in FLAT]],
                         capture_output=True, text=True, env=env, timeout=240)
    assert run.returncode == 0, run.stderr[-2000:]
    bodies, faces = (int(x) for x in run.stdout.split()[-2:])
    assert bodies == 4  # two insoles, two fills (m1 and the hallux) on the left
    assert faces > 1000
    from PIL import Image

    rgb = np.asarray(Image.open(frame).convert("RGB")).astype(int)
    w = rgb.shape[1]
    assert w == 640
    # Not blank: the insoles cover much of the frame, lit (many shades), not the white
    # background or the grey grid alone.
    shades = len(np.unique(rgb.reshape(-1, 3), axis=0))
    body = (rgb.min(axis=2) < 235) & (np.ptp(rgb, axis=2) > 8)
    assert shades > 200 and body.mean() > 0.15
    # The orange fills are on the left foot, drawn on the left of the frame (seen from
    # behind the heels, above): none on the right half.
    orange = (rgb[..., 0] - rgb[..., 2] > 80) & (rgb[..., 0] > 120)
    cols = np.nonzero(orange)[1]
    assert len(cols) > 200 and cols.max() < w / 2


# --- the desktop ------------------------------------------------------------------------------

pytest.importorskip("pytestqt")


@pytest.fixture
def proposal_view(qtbot):
    from orthofit.gui.proposal import ProposalView

    analysis, p = flat()
    view = ProposalView()
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    view.show_proposal(p, analysis)
    qtbot.waitUntil(lambda: view.preview.version >= 1, timeout=20000)
    return view


def test_preview_changes_where_the_element_is_edited(proposal_view, qtbot):
    view = proposal_view
    before = view.preview.rgb.copy()
    version = view.preview.version
    view.edit("left", "arch_support", height_mm=28.0)
    qtbot.waitUntil(lambda: view.preview.version > version, timeout=20000)
    after = view.preview.rgb
    assert after.shape == before.shape
    changed = np.abs(after.astype(int) - before.astype(int)).max(axis=2) > 2
    rows, cols = np.nonzero(changed)
    assert len(rows) > 100
    # Only the left insole changed, and only around its arch support.
    col0_right = view.preview.where["right"][0]
    assert cols.max() < col0_right
    outline = next(o for o in view.canvas.outlines if o.side == "left")
    zone = next(z for z in outline.zones if z.kind == "arch_support")
    u_lo, u_hi = zone.polygon[:, 0].min(), zone.polygon[:, 0].max()
    m = view.preview.maps["left"]
    assert m.u_mm[rows].min() >= u_lo - 1 and m.u_mm[rows].max() <= u_hi + 1
    r, c = view.preview.pixel("left", *zone.anchor)
    assert changed[r, c]
    # The solid previewed is the one exported: its arch is now 28 mm above the shell.
    assert np.nanmax(m.z_mm) - spec().base_thickness_mm == pytest.approx(28.0, abs=1.0)


def test_preview_says_why_it_cannot_build(proposal_view, qtbot):
    view = proposal_view
    version = view.preview.version
    view.proposal = override(view.proposal, "left", "rearfoot_post", side="medial",
                             degrees=25.0)
    view.redraw()
    qtbot.waitUntil(lambda: view.preview.version > version, timeout=20000)
    assert view.preview.rgb is None
    assert "25" in view.preview.caption.text() and "limit" in view.preview.caption.text()


def test_export_writes_the_files_of_orthofit_insole(proposal_view, tmp_path, monkeypatch):
    from PyQt6.QtWidgets import QFileDialog

    from orthofit.cli.main import main

    view = proposal_view
    gui_dir, cli_dir = tmp_path / "gui", tmp_path / "cli"
    gui_dir.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(gui_dir))
    view.report_info = lambda: {"file": "scan 7", "scan_sha256": ["ab" * 32]}
    view.export_button.click()
    assert sorted(p.name for p in gui_dir.iterdir()) == ["insoles.3mf", "insoles.txt",
                                                          "left.stl", "right.stl"]
    assert main(["insole", *[str(SAMPLES / n) for n in FLAT], "-o", str(cli_dir)]) == 0
    # The same proposal gives the same solids, byte for byte, as the command line's.
    for name in ("left.stl", "right.stl"):
        assert hashlib.sha256((gui_dir / name).read_bytes()).hexdigest() == \
            hashlib.sha256((cli_dir / name).read_bytes()).hexdigest()
    scene = trimesh.load(gui_dir / "insoles.3mf")
    assert {"left insole", "right insole"} <= set(scene.geometry)
    note = (gui_dir / "insoles.txt").read_text()
    assert "scan 7" in note and "ab" * 32 in note and "arch_support    18 mm" in note


def test_report_info_carries_the_stored_scans_checksums(qtbot, tmp_path):
    from orthofit.gui.app import MainWindow, demo_store
    from orthofit.io.checksum import file_sha256

    window = MainWindow(demo_store(tmp_path / "store"))
    qtbot.addWidget(window)
    pid = window.store.search_patients("Flatley")[0]["id"]
    scans = window.store.visits(pid)[0]["scans"]
    window.open_scan(scans[0]["id"])
    info = window.report_info()
    # One checksum per trial analysed together, each the SHA-256 of the stored file's bytes.
    assert info["scan_sha256"] == [file_sha256(window.store.scan_path(s["sha256"]))
                                   for s in window.store.visit_scans(scans[0]["id"])]
    assert len(info["scan_sha256"]) == 3
    window.store.close()


def test_offscreen_the_preview_is_the_shaded_map_with_a_note(proposal_view):
    from PyQt6.QtWidgets import QApplication

    from orthofit.gui.insole3d_view import opengl_unavailable

    if QApplication.instance().platformName() != "offscreen":
        pytest.skip("run on a display that may have OpenGL (the tests set offscreen Qt)")
    # Offscreen Qt makes no OpenGL context: the tab shows the height map and says why.
    reason = opengl_unavailable()
    assert reason is not None and "offscreen" in reason
    preview = proposal_view.preview
    assert preview.gl is None and preview.view.isVisible()
    assert preview.note.isVisible()
    assert "No 3D view here" in preview.note.text() and reason in preview.note.text()
    shown = preview.image.image
    assert shown is not None and shown.shape == preview.rgb.transpose(1, 0, 2).shape
    assert "seen from above" in preview.caption.text()


def test_a_3d_view_that_fails_to_start_falls_back_to_the_map(qtbot, monkeypatch):
    from orthofit.gui import insole3d_view

    def broken():
        raise RuntimeError("the driver gave up")

    monkeypatch.setattr(insole3d_view, "opengl_unavailable", lambda: None)
    monkeypatch.setattr(insole3d_view, "_gl_view", broken)
    preview = insole3d_view.InsolePreview()
    qtbot.addWidget(preview)
    assert preview.gl is None and preview.image is not None
    assert "could not start (RuntimeError: the driver gave up)" in preview.note.text()
    analysis, p = flat()
    preview.show_insoles(analysis, p, spec())
    preview.update_now()
    assert preview.rgb is not None and set(preview.maps) == {"left", "right"}


def test_the_3d_view_can_be_turned_off(monkeypatch):
    from orthofit.gui.insole3d_view import probe_opengl

    monkeypatch.setenv("ORTHOFIT_3D", "off")
    assert probe_opengl() == "turned off by ORTHOFIT_3D"
