"""The insole outlines for the lab, as SVG at true size (printed at 100 %, 1 mm is 1 mm).

The document's width and height are in millimetres and its viewBox counts millimetres too, so
a cutting program or a printer takes every coordinate as a millimetre. Both feet are drawn with
their zones, labels beside the outlines (never on them), and a 50 mm scale bar with the line
"Print at 100 %: this bar measures 50 mm" so the lab can check a print before cutting.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from orthofit.io.ofs import write_atomic
from orthofit.proposal.sheet import Sheet, layout_sheet
from orthofit.report.content import InsoleFigure
from orthofit.report.insole_figure import measure

PT_PER_MM = 72 / 25.4
#: Label size in mm (3 mm is about 8.5 pt: readable on a printed sheet at arm's length).
LABEL_MM = 3.0
SVG_NS = "http://www.w3.org/2000/svg"
FONTS = "'Bitstream Vera Sans', 'DejaVu Sans', Verdana, sans-serif"


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def insole_sheet_mm(fig: InsoleFigure) -> Sheet:
    """The lab sheet's layout in millimetres (1 drawing unit = 1 mm)."""
    return layout_sheet(fig.outlines, scale=1.0, font_size=LABEL_MM, measure=measure,
                        print_check=True)


def insole_svg(fig: InsoleFigure) -> str:
    """SVG text of the insoles at true size (units: mm)."""
    sheet = insole_sheet_mm(fig)
    h = sheet.height

    def pts(points) -> str:  # noqa: ANN001 - (N, 2) drawing units, y up
        return " ".join(f"{_num(x)},{_num(h - y)}" for x, y in points)

    ET.register_namespace("", SVG_NS)
    root = ET.Element("svg", {
        "xmlns": SVG_NS, "version": "1.1",
        "width": f"{_num(sheet.width)}mm", "height": f"{_num(h)}mm",
        "viewBox": f"0 0 {_num(sheet.width)} {_num(h)}"})
    ET.SubElement(root, "title").text = "Insole outlines, true size (units: mm)"
    ET.SubElement(root, "desc").text = (
        "Seen from above, toes up, left foot on the left. Print at 100 % (no fit to page): "
        "the scale bar then measures 50 mm.")
    feet = ET.SubElement(root, "g", {"id": "insoles", "stroke": "black", "stroke-width": "0.3",
                                     "stroke-linejoin": "round"})
    for shape in sheet.shapes:
        attrs = {"points": pts(shape.points), "class": f"{shape.kind} {shape.element}".strip()}
        if shape.side:
            attrs["data-side"] = shape.side
        if shape.dashed:
            attrs["stroke-dasharray"] = "2 1"
        if shape.closed:
            grey = round(255 * shape.grey)
            attrs["fill"] = f"rgb({grey},{grey},{grey})"
            if shape.kind == "outline":
                attrs["stroke-width"] = "0.5"
            ET.SubElement(feet, "polygon", attrs)
        else:
            attrs["fill"] = "none"
            ET.SubElement(feet, "polyline", attrs)
    texts = ET.SubElement(root, "g", {"id": "labels", "font-family": FONTS,
                                      "font-size": _num(sheet.font_size), "fill": "black"})
    for label in sheet.labels:
        if label.leader is not None:
            (ax, ay), (ex, ey) = label.leader
            ET.SubElement(texts, "line", {"x1": _num(ax), "y1": _num(h - ay), "x2": _num(ex),
                                          "y2": _num(h - ey), "stroke": "rgb(64,64,64)",
                                          "stroke-width": "0.2"})
            ET.SubElement(texts, "circle", {"cx": _num(ax), "cy": _num(h - ay), "r": "0.5"})
        attrs = {"x": _num(label.baseline[0]), "y": _num(h - label.baseline[1]),
                 "text-anchor": label.anchor, "class": label.kind}
        if label.bold:
            attrs["font-weight"] = "bold"
        ET.SubElement(texts, "text", attrs).text = label.text
    bar = sheet.scale_bar
    if bar is not None:
        (x0, y0), length = bar.start, bar.length
        g = ET.SubElement(root, "g", {"id": "scale-bar", "stroke": "black",
                                      "data-length-mm": _num(bar.length_mm)})
        ET.SubElement(g, "line", {"x1": _num(x0), "y1": _num(h - y0), "x2": _num(x0 + length),
                                  "y2": _num(h - y0), "stroke-width": "0.5"})
        ticks = int(round(bar.length_mm / bar.tick_mm))
        for k in range(ticks + 1):
            x = x0 + length * k / ticks
            tick = 2.0 if k in (0, ticks) else 1.0
            ET.SubElement(g, "line", {"x1": _num(x), "y1": _num(h - y0), "x2": _num(x),
                                      "y2": _num(h - y0 - tick), "stroke-width": "0.3"})
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def write_insole_svg(fig: InsoleFigure, path: str | Path) -> Path:
    """Write the insoles' SVG atomically (owner-only)."""
    text = insole_svg(fig).encode("utf-8")
    return write_atomic(path, lambda fh: fh.write(text), mode=0o600)
