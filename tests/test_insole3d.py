"""Printable 3D insoles: every figure is measured back from the built mesh, not the code's."""

import dataclasses
import functools
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import trimesh

import orthofit
from orthofit.analysis.masks import MASK_NAMES, assign_masks
from orthofit.cli.main import main
from orthofit.errors import ProfileError
from orthofit.insole3d import BuildError, CatalogueError, PrintSpec, build_insole, build_insoles
from orthofit.insole3d.export import stl_bytes, threemf_bytes
from orthofit.insole3d.mesh import distance_to_edge
from orthofit.insole3d.views import top_sampler
from orthofit.io.profiles import load_insole_rules, read_profile
from orthofit.proposal.model import Proposal, override
from orthofit.proposal.outline import HEEL_END, MIDFOOT_END, ZoneShapes, insole_outline
from orthofit.proposal.rules import propose

from conftest import REPO, SAMPLES, visit

TOL_MM, TOL_DEG = 0.5, 0.5
PLA_INI = REPO / "tests" / "data" / "prusa-pla.ini"


@functools.cache
def spec() -> PrintSpec:
    return PrintSpec.from_dict(read_profile("insoles", "default")["print3d"])


@functools.cache
def flat_visit():
    analysis = visit("flat")
    return analysis, propose(analysis, load_insole_rules())


def plain(**edits):
    """The flat visit's left-foot proposal with nothing on it but ``edits`` (kind: values)."""
    analysis, p = flat_visit()
    base = {"arch_support": {"height_mm": 0.0}, "heel_cup": {"depth_mm": 0.0},
            "rearfoot_post": {"side": "none", "degrees": 0.0},
            "forefoot_post": {"side": "none", "degrees": 0.0},
            "heel_lift": {"height_mm": 0.0}, "shell": {"length": "full"},
            "metatarsal_pad": {"type": "none", "height_mm": 0.0},
            "offloading": {"regions": []}}
    for kind, values in {**base, **edits}.items():
        p = override(p, "left", kind, **values)
    return p.foot("left")


def footprint(side="left"):
    analysis, _ = flat_visit()
    return next(f for f in analysis.feet if f.side == side).representative().footprint


def build(foot, side="left"):
    outline = insole_outline(footprint(side), foot, margin_mm=spec().margin_mm)
    return outline, build_insole(outline, foot, spec())


def top_points(mesh, side="left"):
    """Vertices of the upward-facing triangles, in the foot frame: columns u, w, z (mm)."""
    up = mesh.face_normals[:, 2] > 0.2
    v = mesh.vertices[np.unique(mesh.faces[up])]
    sign = -1.0 if side == "left" else 1.0
    return np.stack([v[:, 1], sign * v[:, 0], v[:, 2]], axis=1)


def fit_plane(pts):
    """z = a u + b w + c by least squares; returns (a, b, c)."""
    a = np.column_stack([pts[:, 0], pts[:, 1], np.ones(len(pts))])
    return np.linalg.lstsq(a, pts[:, 2], rcond=None)[0]


def heel_seat(outline, pts):
    """Top points of the heel seat: inside the cup's blend and behind the arch pad."""
    arch_start = 0.27 * outline.toeless_length_mm
    d = distance_to_edge(outline.polygon, pts[:, 0], pts[:, 1])
    return pts[(d > spec().heel_cup_blend_mm + 1) & (pts[:, 0] < arch_start - 1)]


def flat_level(pts, outline):
    """The flat shell's top, measured at the lateral toe region where no element reaches."""
    l0 = outline.toeless_length_mm
    sel = (pts[:, 0] > l0) & (pts[:, 1] > 0)
    return float(np.median(pts[sel, 2]))


# --- the solid is a solid --------------------------------------------------------------------


@pytest.mark.parametrize("edits", [
    {},
    {"arch_support": {"height_mm": 20.0}, "heel_cup": {"depth_mm": 15.0},
     "rearfoot_post": {"side": "medial", "degrees": 6.0},
     "forefoot_post": {"side": "lateral", "degrees": 4.0}, "heel_lift": {"height_mm": 5.0},
     "metatarsal_pad": {"type": "dome", "height_mm": 5.0, "offset_mm": 5.0, "target": "m2"},
     "offloading": {"regions": ["m1", "hallux"]}},
    {"shell": {"length": "3/4"}, "metatarsal_pad": {"type": "bar", "height_mm": 4.0,
                                                    "offset_mm": 3.0, "target": "m3"}},
])
def test_watertight_consistent_positive(edits):
    _, solid = build(plain(**edits))
    for mesh in [solid.body, *solid.fills.values()]:
        assert mesh.is_watertight and mesh.is_winding_consistent and mesh.is_volume
        assert mesh.volume > 0
        assert mesh.bounds[0][2] == pytest.approx(0.0, abs=1e-6) or mesh is not solid.body
    assert solid.body.bounds[0][2] == pytest.approx(0.0, abs=1e-6)


def test_outline_length_and_width_match_the_outline():
    outline, solid = build(plain())
    lo, hi = solid.body.bounds
    assert hi[1] - lo[1] == pytest.approx(np.ptp(outline.polygon[:, 0]), abs=TOL_MM)
    assert hi[0] - lo[0] == pytest.approx(np.ptp(outline.polygon[:, 1]), abs=TOL_MM)
    # The outline is the print's hull grown by the catalogue margin: longer than the print.
    fp = footprint()
    assert hi[1] - lo[1] > np.ptp(fp.sensel_u_mm) + spec().margin_mm
    outline34, solid34 = build(plain(shell={"length": "3/4"}))
    lo, hi = solid34.body.bounds
    assert hi[1] == pytest.approx(outline34.shell_end_u_mm, abs=TOL_MM)
    assert hi[1] - lo[1] < 0.8 * np.ptp(outline.polygon[:, 0])


def test_arch_apex_height_and_place():
    outline, solid = build(plain(arch_support={"height_mm": 20.0}))
    pts = top_points(solid.body)
    base = flat_level(pts, outline)
    assert base == pytest.approx(spec().base_thickness_mm, abs=TOL_MM)
    apex = pts[np.argmax(pts[:, 2])]
    assert apex[2] - base == pytest.approx(20.0, abs=TOL_MM)
    # Highest on the medial side, where the proposal's arch pad has its widest point.
    zone = next(z for z in outline.zones if z.kind == "arch_support")
    assert apex[1] < 0
    rows = np.unique(pts[:, 0])
    top = np.array([pts[pts[:, 0] == r, 2].max() for r in rows])
    i = int(np.argmax(top))
    a, b, _ = np.polyfit(rows[i - 2:i + 3], top[i - 2:i + 3], 2)
    assert -b / (2 * a) == pytest.approx(zone.anchor[0], abs=TOL_MM)
    # Blended: nowhere does the surface step (neighbouring rows differ by a slope < 1).
    assert np.max(np.abs(np.diff(top)) / np.diff(rows)) < 1.0


@pytest.mark.parametrize("side, degrees", [("medial", 6.0), ("lateral", 4.0)])
def test_rearfoot_post_angle_from_a_plane_on_the_heel(side, degrees):
    outline, solid = build(plain(rearfoot_post={"side": side, "degrees": degrees},
                                 heel_cup={"depth_mm": 12.0}))
    seat = heel_seat(outline, top_points(solid.body))
    assert len(seat) > 100
    _, b, _ = fit_plane(seat)
    measured = np.degrees(np.arctan(abs(b)))
    assert measured == pytest.approx(degrees, abs=TOL_DEG)
    # Medial raised: higher toward negative w (medial); lateral raised: toward positive w.
    assert (b < 0) == (side == "medial")


def test_forefoot_post_angle():
    outline, solid = build(plain(forefoot_post={"side": "lateral", "degrees": 5.0}))
    pts = top_points(solid.body)
    l0 = outline.toeless_length_mm
    d = distance_to_edge(outline.polygon, pts[:, 0], pts[:, 1])
    sel = pts[(pts[:, 0] > MIDFOOT_END * l0 + 2) & (d > 2)]
    _, b, _ = fit_plane(sel)
    assert np.degrees(np.arctan(b)) == pytest.approx(5.0, abs=TOL_DEG)


def test_heel_cup_depth():
    outline, solid = build(plain(heel_cup={"depth_mm": 15.0}))
    pts = top_points(solid.body)
    a, b, c = fit_plane(heel_seat(outline, pts))
    heel = pts[pts[:, 0] < HEEL_END * outline.toeless_length_mm]
    rim = heel[:, 2] - (a * heel[:, 0] + b * heel[:, 1] + c)
    assert rim.max() == pytest.approx(15.0, abs=TOL_MM)
    # The rim is at the back of the heel, on the outline's edge.
    back = heel[np.argmax(rim)]
    assert distance_to_edge(outline.polygon, back[:1], back[1:2])[0] < 1.0


def test_heel_lift_raises_the_heel_seat():
    outline, plain_solid = build(plain())
    _, lifted = build(plain(heel_lift={"height_mm": 6.0}))
    z0 = np.median(heel_seat(outline, top_points(plain_solid.body))[:, 2])
    z1 = np.median(heel_seat(outline, top_points(lifted.body))[:, 2])
    assert z1 - z0 == pytest.approx(6.0, abs=TOL_MM)
    # The toes stay where they were.
    assert flat_level(top_points(lifted.body), outline) == pytest.approx(
        flat_level(top_points(plain_solid.body), outline), abs=0.01)


def test_metatarsal_dome_height_and_place():
    outline, solid = build(plain(metatarsal_pad={"type": "dome", "height_mm": 6.0,
                                                 "offset_mm": 5.0, "target": "m2"}))
    pts = top_points(solid.body)
    base = flat_level(pts, outline)
    l0 = outline.toeless_length_mm
    fore = pts[pts[:, 0] > MIDFOOT_END * l0 - 30]
    peak = fore[np.argmax(fore[:, 2])]
    near = fore[np.hypot(fore[:, 0] - peak[0], fore[:, 1] - peak[1]) < 3.0]
    # A paraboloid through the points near the top gives the apex between grid points.
    q = np.column_stack([near[:, 0] ** 2, near[:, 1] ** 2, near[:, 0], near[:, 1],
                         np.ones(len(near))])
    k = np.linalg.lstsq(q, near[:, 2], rcond=None)[0]
    u0, w0 = -k[2] / (2 * k[0]), -k[3] / (2 * k[1])
    z0 = k[0] * u0 ** 2 + k[1] * w0 ** 2 + k[2] * u0 + k[3] * w0 + k[4]
    assert z0 - base == pytest.approx(6.0, abs=TOL_MM)
    # Where the proposal puts it: its distal edge offset_mm proximal to the second
    # metatarsal head's region, centred across it.
    fp = footprint()
    sel = assign_masks(fp) == MASK_NAMES.index("m2")
    heads_u, heads_w = fp.sensel_u_mm[sel].mean(), fp.sensel_w_mm[sel].mean()
    zone = next(z for z in outline.zones if z.kind == "metatarsal_pad")
    half_length = np.ptp(zone.polygon[:, 0]) / 2
    assert u0 == pytest.approx(heads_u - 5.0 - half_length, abs=TOL_MM)
    assert w0 == pytest.approx(heads_w, abs=TOL_MM)


def test_edited_proposal_changes_the_solid():
    outline, before = build(plain(arch_support={"height_mm": 12.0}))
    _, after = build(plain(arch_support={"height_mm": 20.0}))
    lift = top_points(after.body)[:, 2].max() - top_points(before.body)[:, 2].max()
    assert lift == pytest.approx(8.0, abs=TOL_MM)
    assert after.body.volume > before.body.volume


def test_offloading_recess_and_its_fill():
    outline, solid = build(plain(offloading={"regions": ["m1"]}))
    _, whole = build(plain())
    fill = solid.fills["m1"]
    # The fill is exactly what the recess took out of the insole.
    assert solid.body.volume + fill.volume == pytest.approx(whole.body.volume, rel=1e-4)
    # It is recess_depth_mm deep: from the top of the shell down to the floor left below.
    assert fill.bounds[0][2] == pytest.approx(spec().base_thickness_mm
                                              - spec().recess_depth_mm, abs=0.01)
    assert fill.bounds[0][2] >= spec().min_wall_mm


def test_left_and_right_are_mirror_images():
    def pair(**edits):
        foot = plain(rearfoot_post={"side": "medial", "degrees": 5.0},
                     arch_support={"height_mm": 18.0}, **edits)
        outline = insole_outline(footprint(), foot, margin_mm=spec().margin_mm)
        return (build_insole(outline, foot, spec()),
                build_insole(dataclasses.replace(outline, side="right"),
                             dataclasses.replace(foot, side="right"), spec()))

    def mirror(mesh):
        out = mesh.copy()
        out.apply_transform(np.diag([-1.0, 1.0, 1.0, 1.0]))
        return out

    left, right = pair()
    mirrored = mirror(left.body)
    assert right.body.volume == pytest.approx(left.body.volume, rel=1e-9)
    assert right.body.volume > 0 and mirrored.volume > 0  # still outward-wound
    a = np.round(np.asarray(right.body.vertices), 4)
    b = np.round(np.asarray(mirrored.vertices), 4)
    np.testing.assert_array_equal(a[np.lexsort(a.T)], b[np.lexsort(b.T)])
    # With a recess (cut by a boolean, so triangulated its own way): same volumes and places.
    left_cut, right_cut = pair(offloading={"regions": ["m1"]})
    assert right_cut.body.volume == pytest.approx(left_cut.body.volume, rel=1e-6)
    np.testing.assert_allclose(right_cut.fills["m1"].bounds,
                               mirror(left_cut.fills["m1"]).bounds, atol=1e-4)
    # Seen from above, a left insole's medial post is high at +x, a right one's at -x.
    for solid, sign in ((left, 1.0), (right, -1.0)):
        v = solid.body.vertices
        heel = v[v[:, 1] < 20]
        assert sign * heel[np.argmax(heel[:, 2]), 0] > 0


def test_3mf_reopens_with_named_bodies_in_mm():
    analysis, p = flat_visit()
    p = override(p, "left", "offloading", regions=["m1", "hallux"])
    p = override(p, "left", "shell", length="full")
    solids = build_insoles(analysis, p, spec())
    scene = trimesh.load(io.BytesIO(threemf_bytes(solids)), file_type="3mf")
    assert scene.units in ("millimeter", "millimeters", "mm")
    assert set(scene.geometry) == {"left insole", "left fill m1", "left fill hallux",
                                   "right insole"}
    assert scene.geometry["left insole"].volume == pytest.approx(solids[0].body.volume,
                                                                 rel=1e-4)
    # Side by side on the plate: the left at -x, the right at +x, not overlapping.
    bounds = {n: scene.graph[n][0] @ np.r_[scene.geometry[n].centroid, 1] for n in scene.graph
              .nodes_geometry}
    assert bounds["left insole"][0] < 0 < bounds["right insole"][0]
    # The STL is binary: 80-byte header, count, 50 bytes a triangle.
    stl = stl_bytes(solids[0])
    assert len(stl) == 84 + 50 * len(solids[0].body.faces)
    again = trimesh.load(io.BytesIO(stl), file_type="stl")
    assert again.is_watertight and again.volume == pytest.approx(solids[0].body.volume,
                                                                 rel=1e-4)


# --- limits and the catalogue ------------------------------------------------------------------


@pytest.mark.parametrize("kind, values, words", [
    ("rearfoot_post", {"side": "medial", "degrees": 30.0},
     "rearfoot post of 30° cannot be printed in an insole: the catalogue's limit is 10° "
     "(max_post_degrees in [print3d])"),
    ("arch_support", {"height_mm": 80.0}, "arch support of 80 mm"),
    ("heel_lift", {"height_mm": -3.0}, "zero or more"),
    ("forefoot_post", {"side": "sideways", "degrees": 3.0}, "'medial' or 'lateral'"),
])
def test_elements_beyond_what_can_be_built_are_refused(kind, values, words):
    with pytest.raises(BuildError, match=re.escape(words)):
        build(plain(**{kind: values}))


def test_catalogue_section_is_required_and_checked():
    with pytest.raises(BuildError, match=r"no \[print3d\] section"):
        PrintSpec.from_dict(None, source="insole profile 'clinic'")
    data = dict(read_profile("insoles", "default")["print3d"])
    with pytest.raises(BuildError, match="minimum wall"):
        PrintSpec.from_dict({**data, "recess_depth_mm": 3.5})
    with pytest.raises(BuildError, match="lacks margin_mm"):
        PrintSpec.from_dict({k: v for k, v in data.items() if k != "margin_mm"})


# --- places and sizes from the catalogue, measured on the solid --------------------------------


def catalogue(**changes) -> PrintSpec:
    """The shipped [print3d] catalogue with ``changes``, read and checked as a profile is."""
    return PrintSpec.from_dict({**read_profile("insoles", "default")["print3d"], **changes})


def build_with(foot, cat: PrintSpec):
    """As ``build``, with the outline's zones and the solid both sized by ``cat``."""
    outline = insole_outline(footprint(), foot, margin_mm=cat.margin_mm, shapes=cat.shapes)
    return outline, build_insole(outline, foot, cat)


def test_the_drawings_sizes_without_a_profile_are_the_shipped_catalogues():
    assert catalogue().shapes == ZoneShapes()


def support_ends(solid, base_mm):
    """Where the arch support begins and ends along the foot (u, mm), read from the mesh.

    The top's rows lie across the foot; a row's highest point above the flat shell is the
    support there. It begins at the last row before the first raised one (the surface between
    rows is linear, so the raised part starts there), and ends at the first row after it.
    """
    top = top_points(solid.body)
    rows = np.unique(top[:, 0])
    rise = np.array([top[top[:, 0] == r, 2].max() for r in rows]) - base_mm
    raised = np.flatnonzero(rise > 1e-3)
    return rows[raised[0] - 1], rows[raised[-1] + 1]


@pytest.mark.parametrize("changes", [
    {},
    {"arch_start_pct": 22.0},
    {"arch_end_pct": 60.0},
    {"arch_start_pct": 31.0, "arch_apex_pct": 49.0, "arch_end_pct": 70.0},
])
def test_arch_support_starts_and_ends_where_the_catalogue_says(changes):
    cat = catalogue(**changes)
    outline, solid = build_with(plain(arch_support={"height_mm": 20.0}), cat)
    l0 = outline.toeless_length_mm
    start, end = support_ends(solid, cat.base_thickness_mm)
    assert start == pytest.approx(cat.arch_start_pct / 100 * l0, abs=TOL_MM)
    assert end == pytest.approx(cat.arch_end_pct / 100 * l0, abs=TOL_MM)
    # Against the shipped catalogue's solid: moved by what the entry changed, and no more.
    _, shipped = build(plain(arch_support={"height_mm": 20.0}))
    start0, end0 = support_ends(shipped, spec().base_thickness_mm)
    assert start - start0 == pytest.approx((cat.arch_start_pct - 27.0) / 100 * l0, abs=TOL_MM)
    assert end - end0 == pytest.approx((cat.arch_end_pct - 66.0) / 100 * l0, abs=TOL_MM)
    # The apex height is the proposal's wherever the catalogue puts the support.
    assert top_points(solid.body)[:, 2].max() - cat.base_thickness_mm == pytest.approx(
        20.0, abs=TOL_MM)


def half_height_span(z, u, w, du, dw, level):
    """Along the line (u, w) + t (du, dw), the ``t`` range (mm) where the top is >= level."""
    t = np.arange(-60.0, 60.0, 0.02)
    above = t[z(u + t * du, w + t * dw) >= level]
    return float(above[0]), float(above[-1])


@pytest.mark.parametrize(("kind", "length", "width"), [
    ("dome", 20.0, 24.0), ("dome", 30.0, 16.0), ("dome", 12.0, 40.0), ("bar", 26.0, 24.0)])
def test_metatarsal_pad_size_and_place_follow_the_catalogue(kind, length, width):
    """The pad is a cosine-squared bump: half its height at half its semi-axes from its centre,
    so its full width at half height is half its length (along) and half its width (across)."""
    cat = catalogue(pad_length_mm=length, dome_width_mm=width)
    height, offset = 6.0, 5.0
    _, solid = build_with(plain(metatarsal_pad={"type": kind, "height_mm": height,
                                                "offset_mm": offset, "target": "m2"}), cat)
    fp = footprint()
    sel = assign_masks(fp) == MASK_NAMES.index("m2")
    heads_u, heads_w = fp.sensel_u_mm[sel].mean(), fp.sensel_w_mm[sel].mean()
    z = top_sampler(solid)
    level = cat.base_thickness_mm + height / 2
    # Along the foot through the heads' line across: the pad's span at half height.
    lo, hi = half_height_span(z, heads_u - offset - length / 2, heads_w, 1.0, 0.0, level)
    centre_u = heads_u - offset - length / 2 + (lo + hi) / 2
    assert hi - lo == pytest.approx(length / 2, abs=TOL_MM)
    # Its distal end (half a length ahead of its centre) stays offset_mm behind the heads.
    assert centre_u + length / 2 == pytest.approx(heads_u - offset, abs=TOL_MM)
    lo, hi = half_height_span(z, centre_u, heads_w, 0.0, 1.0, level)
    if kind == "dome":
        assert hi - lo == pytest.approx(width / 2, abs=TOL_MM)
        assert heads_w + (lo + hi) / 2 == pytest.approx(heads_w, abs=TOL_MM)
    else:  # a bar is as high across the whole insole
        assert hi - lo > 40.0


@pytest.mark.parametrize("pct", [66.5, 72.0, 80.0])
def test_a_three_quarter_shell_ends_where_the_catalogue_says(pct):
    cat = catalogue(shell_three_quarter_pct=pct)
    outline, solid = build_with(plain(shell={"length": "3/4"}), cat)
    assert solid.body.bounds[1][1] == pytest.approx(pct / 100 * outline.toeless_length_mm,
                                                    abs=TOL_MM)


@pytest.mark.parametrize("margin", [0.0, 3.0, 6.0])
def test_an_offloading_recess_reaches_the_catalogue_margin_beyond_its_sensels(margin):
    cat = catalogue(offload_margin_mm=margin)
    _, solid = build_with(plain(offloading={"regions": ["m1"]}), cat)
    fill = solid.fills["m1"].vertices
    fp = footprint()
    sel = assign_masks(fp) == MASK_NAMES.index("m1")
    # The region's sensel centres, grown by the margin on every side.
    assert np.ptp(fill[:, 1]) == pytest.approx(np.ptp(fp.sensel_u_mm[sel]) + 2 * margin,
                                               abs=TOL_MM)
    assert np.ptp(fill[:, 0]) == pytest.approx(np.ptp(fp.sensel_w_mm[sel]) + 2 * margin,
                                               abs=TOL_MM)
    ref = solid.fills["m1"] if margin == 3.0 else build_with(
        plain(offloading={"regions": ["m1"]}), catalogue())[1].fills["m1"]
    grown = np.ptp(fill, axis=0)[:2] - np.ptp(ref.vertices, axis=0)[:2]
    np.testing.assert_allclose(grown, 2 * (margin - 3.0), atol=TOL_MM)


@pytest.mark.parametrize(("changes", "words"), [
    ({"arch_start_pct": 70.0}, "[print3d] arch_start_pct = 70 % is outside the allowed range "
                               "10 to 45 %"),
    ({"pad_length_mm": 80.0}, "pad_length_mm = 80 mm is outside the allowed range 5 to 60 mm"),
    ({"dome_width_mm": 0.0}, "dome_width_mm must be a positive number, not 0.0"),
    ({"offload_margin_mm": -1.0}, "offload_margin_mm must be zero or more, not -1.0"),
    ({"arch_width_pct": "wide"}, "arch_width_pct must be a positive number, not 'wide'"),
    ({"arch_start_pct": 40.0, "arch_apex_pct": 35.0},
     "must start, peak and end in that order along the foot: arch_start_pct 40 %"),
    ({"shell_three_quarter_pct": 60.0}, "shell_three_quarter_pct = 60 % would cut a 3/4 shell"),
])
def test_an_entry_out_of_its_range_is_refused_by_name(changes, words):
    with pytest.raises(CatalogueError, match=re.escape(words)) as caught:
        catalogue(**changes)
    # A profile's fault (a ProfileError) that stops a build (a BuildError): both catch it.
    assert isinstance(caught.value, ProfileError) and isinstance(caught.value, BuildError)


def test_cli_refuses_a_clinic_catalogue_out_of_range(tmp_path, capsys):
    from importlib import resources

    shipped = resources.files("orthofit.profiles").joinpath("insoles", "default.toml")
    text = shipped.read_text(encoding="utf-8")
    assert "dome_width_mm = 24.0" in text
    clinic = tmp_path / "clinic.toml"
    clinic.write_text(text.replace("dome_width_mm = 24.0", "dome_width_mm = 90.0"),
                      encoding="utf-8")
    _refused(["insole", *SCANS, "--rules", str(clinic)], tmp_path / "out", capsys,
             "dome_width_mm = 90 mm is outside the allowed range 5 to 60 mm")


def test_report_refuses_a_damaged_clinic_catalogue_and_draws_a_good_one(tmp_path, capsys):
    """`orthofit report` says what is wrong with a clinic's catalogue (never the shipped sizes
    behind its back), and with a good one the lab drawing has the clinic's dome."""
    from importlib import resources

    text = resources.files("orthofit.profiles").joinpath("insoles", "default.toml").read_text(
        encoding="utf-8")
    bad, good = tmp_path / "bad.toml", tmp_path / "good.toml"
    bad.write_text(text.replace("dome_width_mm = 24.0", "dome_width_mm = 90.0"), "utf-8")
    good.write_text(text.replace("dome_width_mm = 24.0", "dome_width_mm = 40.0"), "utf-8")
    scan = str(SAMPLES / "walk_cavus.ofs")
    assert main(["report", scan, "--rules", str(bad), "-o", str(tmp_path / "r.pdf")]) == 1
    err = capsys.readouterr().err
    assert "dome_width_mm = 90 mm is outside the allowed range 5 to 60 mm" in err
    assert not list(tmp_path.glob("r*.pdf"))
    import orthofit
    from orthofit.io.profiles import load_insole_rules, load_thresholds
    from orthofit.proposal.model import override
    from orthofit.report.insole3d_block import print_spec
    from orthofit.report.make import build_reports

    def dome_widths(rules):
        rec = orthofit.load(scan)
        sets = build_reports(rec, thresholds=load_thresholds("default"),
                             rules=load_insole_rules(rules), info={"date": "2026-11-30"},
                             print_spec=print_spec(rules))
        proposal = sets.proposal
        for foot in proposal.feet:  # a dome on both feet, whatever the rules proposed
            proposal = override(proposal, foot.side, "metatarsal_pad", type="dome",
                                height_mm=5.0, offset_mm=5.0, target="m2")
        sets = build_reports(rec, thresholds=load_thresholds("default"),
                             rules=load_insole_rules(rules), info={"date": "2026-11-30"},
                             proposal=proposal, print_spec=print_spec(rules))
        return [float(np.ptp(z.polygon[:, 1])) for o in sets.insoles.outlines
                for z in o.zones if z.kind == "metatarsal_pad"]

    shipped, clinic = dome_widths("default"), dome_widths(str(good))
    assert len(shipped) == len(clinic) == 2
    assert all(abs(c - s - 16.0) < 1.0 for s, c in zip(shipped, clinic, strict=True))


def test_a_print_wider_than_any_foot_is_refused_not_printed(tmp_path, capsys, shared_dir):
    """The XSENSOR sample's right 'foot' loads the whole sensor, 188 mm across: no insole."""
    scan = shared_dir / "vendor-samples" / "xsensor_data.csv"
    _refused(["insole", str(scan)], tmp_path / "out", capsys,
             "the right foot's print is 188 mm wide for 296 mm long, which is no foot's shape")
    # Real feet from the other vendors' samples still make their insoles.
    for name in ("fscan_testL.asf", "emed_test.lst"):
        out = tmp_path / name
        assert main(["insole", str(shared_dir / "vendor-samples" / name), "-o", str(out)]) == 0
        assert list(out.glob("*.stl"))


# --- the command -------------------------------------------------------------------------------

SCANS = [str(SAMPLES / f"walk_flat{s}.ofs") for s in ("", "_2", "_3")]


def test_cli_writes_all_files(tmp_path, capsys):
    out = tmp_path / "insoles"
    assert main(["insole", *SCANS, "--diabetic", "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["insoles.3mf", "insoles.txt", "left.stl",
                                                     "right.stl"]
    for side in ("left", "right"):
        mesh = trimesh.load(out / f"{side}.stl")
        assert mesh.is_watertight and mesh.volume > 0
        assert (out / f"{side}.stl").read_bytes()[:5] != b"solid"
    text = (out / "insoles.txt").read_text()
    assert "proposed by the rules 'default'" in text and "walk_flat_2.ofs  SHA-256" in text
    assert "left.stl:" in text and "insoles.3mf:" in text
    scene = trimesh.load(out / "insoles.3mf")
    assert {"left insole", "right insole"} <= set(scene.geometry)


def test_cli_takes_an_edited_proposal_from_propose(tmp_path):
    proposal = tmp_path / "p.json"
    assert main(["propose", *SCANS, "-o", str(proposal)]) == 0
    data = json.loads(proposal.read_text())
    assert len(data["scan"]["sha256"]) == 3
    p = override(Proposal.from_dict(data), "left", "arch_support", height_mm=24.0)
    p = override(p, "left", "rearfoot_post", side="none", degrees=0.0)
    proposal.write_text(json.dumps(p.to_dict()))
    out = tmp_path / "out"
    assert main(["insole", *SCANS, "--proposal", str(proposal), "-o", str(out)]) == 0
    left = trimesh.load(out / "left.stl")
    pts = top_points(left)
    assert pts[:, 2].max() - spec().base_thickness_mm == pytest.approx(24.0, abs=TOL_MM)
    assert "changed by the clinician" in (out / "insoles.txt").read_text()


def _refused(args, out, capsys, words):
    assert main([*args, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    # Nothing written, not even the folder.
    assert not out.exists()


def test_cli_refuses_a_proposal_for_another_scan(tmp_path, capsys):
    proposal = tmp_path / "p.json"
    assert main(["propose", str(SAMPLES / "walk_normal.ofs"), "-o", str(proposal)]) == 0
    _refused(["insole", *SCANS, "--proposal", str(proposal)], tmp_path / "out", capsys,
             "was made for another scan (walk_normal.ofs")


@pytest.mark.parametrize("kind, values, words", [
    ("rearfoot_post", {"side": "medial", "degrees": 30.0}, "cannot be printed"),
    ("arch_support", {"height_mm": 200.0}, "arch support of 200 mm cannot be printed"),
])
def test_cli_refuses_elements_beyond_the_catalogue(tmp_path, capsys, kind, values, words):
    proposal = tmp_path / "p.json"
    assert main(["propose", *SCANS, "-o", str(proposal)]) == 0
    data = json.loads(proposal.read_text())
    for el in data["feet"][0]["elements"]:
        if el["kind"] == kind:
            el["values"].update(values)
    proposal.write_text(json.dumps(data))
    _refused(["insole", *SCANS, "--proposal", str(proposal)], tmp_path / "out", capsys, words)


def test_cli_refuses_a_foot_not_analysed(tmp_path, capsys):
    rec = orthofit.load(SAMPLES / "static_normal.ofs")
    frames = np.array(rec.frames)
    load_cols = frames.sum(axis=(0, 1))
    cols = np.nonzero(load_cols)[0]
    gap = cols[np.argmax(np.diff(cols))]  # the last column of the foot at the left
    frames[:, :, gap + 1:] = 0.0  # the foot on the right steps off the mat
    npy = tmp_path / "one_foot.npy"
    np.save(npy, frames)
    args = ["--pitch-mm", "5.08", "--rate-hz", "50"]
    proposal = tmp_path / "p.json"
    assert main(["propose", str(npy), *args, "-o", str(proposal)]) == 0
    data = json.loads(proposal.read_text())
    assert [f["side"] for f in data["feet"]] == ["left"]
    data["feet"].append({**data["feet"][0], "side": "right"})  # a hand-made right insole
    proposal.write_text(json.dumps(data))
    _refused(["insole", str(npy), *args, "--proposal", str(proposal)], tmp_path / "out",
             capsys, "no complete print of the right foot")


# --- a real slicer -----------------------------------------------------------------------------


def printed_extents(gcode: str) -> dict:
    """Per labelled object, the x and y range of its extruding moves (mm)."""
    out, current = {}, None
    for line in gcode.splitlines():
        if line.startswith("; printing object "):
            current = line.removeprefix("; printing object ").split(" id:")[0]
        elif line.startswith("; stop printing object"):
            current = None
        elif current and line.startswith("G1") and " E" in line:
            x, y = re.search(r"X([-\d.]+)", line), re.search(r"Y([-\d.]+)", line)
            if x and y:
                lo, hi = out.setdefault(current, ([1e9, 1e9], [-1e9, -1e9]))
                for i, v in enumerate((float(x.group(1)), float(y.group(1)))):
                    lo[i], hi[i] = min(lo[i], v), max(hi[i], v)
    return out


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("prusa-slicer") is None,
                    reason="PrusaSlicer is not installed (.ci/run installs it: apt-get install "
                           "prusa-slicer)")
def test_prusaslicer_slices_the_stl_and_the_3mf(tmp_path):
    out = tmp_path / "insoles"
    analysis, p = flat_visit()
    proposal = tmp_path / "p.json"
    p = override(p, "left", "offloading", regions=["m1", "hallux"])
    p = override(p, "left", "shell", length="full")
    proposal.write_text(json.dumps(dataclasses.replace(
        p, scan={"file": ", ".join(Path(s).name for s in SCANS)}).to_dict()))
    assert main(["insole", *SCANS, "--proposal", str(proposal), "-o", str(out)]) == 0
    top = trimesh.load(out / "left.stl").bounds[1][2]
    # The 3MF's bodies keep their places (not arranged apart), centred on the bed.
    for name, extra in (("left.stl", []),
                        ("insoles.3mf", ["--dont-arrange", "--center", "175,175"])):
        gcode = tmp_path / f"{name}.gcode"
        run = subprocess.run(["prusa-slicer", "--export-gcode", "--load", str(PLA_INI),
                              "--gcode-label-objects", *extra, "-o", str(gcode),
                              str(out / name)],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        text = gcode.read_text()
        # 0.3 mm layers up to the insole's top (a layer more or less at either end).
        assert text.count(";LAYER_CHANGE") >= int(top / 0.3) - 2
        assert "G1" in text
    extents = printed_extents(text)
    assert set(extents) == {"left insole", "left fill m1", "left fill hallux", "right insole"}
    (lx0, ly0), (lx1, ly1) = extents["left insole"]
    for fill in ("left fill m1", "left fill hallux"):
        (x0, y0), (x1, y1) = extents[fill]
        assert lx0 < x0 < x1 < lx1 and ly0 < y0 < y1 < ly1, (fill, extents)
    # The left insole lies left of the right one, apart.
    assert lx1 < extents["right insole"][0][0]


def test_scan_identity_without_checksums_falls_back_to_file_names():
    from orthofit.cli.insole import check_scan_identity
    from orthofit.errors import OrthofitError

    old = {"file": "walk_flat.ofs", "mode": "walk"}  # written before checksums were recorded
    note = check_scan_identity(old, ["ab"], ["walk_flat.ofs"], source="p.json")
    assert "by file name only" in note
    with pytest.raises(OrthofitError, match="made for walk_flat.ofs, not for walk_normal.ofs"):
        check_scan_identity(old, ["ab"], ["walk_normal.ofs"], source="p.json")
    # The desktop names a stored scan, not a file: nothing to compare, so it says so.
    assert "check that it was made for these scans" in check_scan_identity(
        {"file": "scan 12"}, ["ab"], ["walk_flat.ofs"], source="p.json")
    with pytest.raises(OrthofitError, match="another scan"):
        check_scan_identity({**old, "sha256": ["cd"]}, ["ab"], ["walk_flat.ofs"],
                            source="p.json")
