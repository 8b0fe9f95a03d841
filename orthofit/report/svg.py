"""The insole outlines for the lab, as SVG at true size (printed at 100 %, 1 mm is 1 mm)."""

from __future__ import annotations

import re
from pathlib import Path

from reportlab.graphics import renderSVG

from orthofit.io.ofs import write_atomic
from orthofit.report.content import InsoleFigure
from orthofit.report.figures import insole_drawing

PT_PER_MM = 72 / 25.4


def insole_svg(fig: InsoleFigure) -> str:
    """SVG text of the insoles at true size.

    User units are points and the document's width and height say so, so 1 mm of insole is
    1 mm on paper or in a cutting program.
    """
    widest = max((o.width_mm for o in fig.outlines), default=100.0)
    width_mm = max(len(fig.outlines), 1) * (widest + 30)
    height_mm = max((o.length_mm for o in fig.outlines), default=100.0) + 30
    drawing = insole_drawing(fig, width_mm * PT_PER_MM, height_mm * PT_PER_MM, scale=PT_PER_MM)
    text = renderSVG.drawToString(drawing)
    w, h = drawing.width, drawing.height
    return re.sub(r'<svg width="[^"]+" height="[^"]+"', f'<svg width="{w:.2f}pt" '
                  f'height="{h:.2f}pt"', text, count=1)


def write_insole_svg(fig: InsoleFigure, path: str | Path) -> Path:
    """Write the insoles' SVG atomically (owner-only)."""
    text = insole_svg(fig).encode("utf-8")
    return write_atomic(path, lambda fh: fh.write(text), mode=0o600)
