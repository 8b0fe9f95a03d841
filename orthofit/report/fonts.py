"""The report fonts: the Bitstream Vera TrueType fonts that ship with reportlab, embedded."""

from __future__ import annotations

from pathlib import Path

import reportlab
from reportlab.graphics.shapes import STATE_DEFAULTS
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "Vera"
BOLD = "VeraBd"
_FONTS = {"Vera": "Vera.ttf", "VeraBd": "VeraBd.ttf", "VeraIt": "VeraIt.ttf",
          "VeraBI": "VeraBI.ttf"}


def register_fonts() -> None:
    """Register the Vera fonts once (PDFs embed them, so they look the same everywhere)."""
    if "Vera" in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(reportlab.__file__).parent / "fonts"
    for name, file in _FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily("Vera", normal="Vera", bold="VeraBd", italic="VeraIt",
                                  boldItalic="VeraBI")
    # Drawings start from reportlab's default state, whose font is Helvetica: it would be set
    # (and listed, unembedded) on every page with a figure even though no text uses it.
    STATE_DEFAULTS["fontName"] = "Vera"


register_fonts()
