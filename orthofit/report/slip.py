"""The kiosk code slip: a small page the desktop prints for a patient to take to the kiosk.

It carries the clinic's name, the six-digit code in large type and how to use it, and nothing
else: no name, no date of birth, so a slip left on a chair tells nobody anything.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from orthofit.report.figures import BOLD, FONT, register_fonts

STEPS = ("At the kiosk, tap Start.", "Type this code, and your first name if you like.",
         "Take off your shoes and follow the screen.")


def code_slip_pdf(code: str, *, clinic: str = "", date: str = "") -> bytes:
    """The PDF bytes of an A6 slip with a six-digit visit ``code`` (deterministic)."""
    register_fonts()
    buf = io.BytesIO()
    width, height = A6
    # The initial font would otherwise be Helvetica: listed, unembedded, on a page not using it.
    c = canvas.Canvas(buf, pagesize=A6, invariant=1, pageCompression=1, initialFontName=FONT)
    c.setTitle("Your kiosk code")
    c.setAuthor(clinic or "orthofit")
    c.setCreator("orthofit")
    y = height - 14 * mm
    if clinic:
        c.setFont(BOLD, 11)
        c.drawCentredString(width / 2, y, clinic)
        y -= 9 * mm
    c.setFont(FONT, 11)
    c.drawCentredString(width / 2, y, "Your code for the foot scan kiosk")
    y -= 20 * mm
    c.setFont(BOLD, 34)
    c.drawCentredString(width / 2, y, f"{code[:3]} {code[3:]}")
    y -= 16 * mm
    c.setFont(FONT, 9.5)
    for i, step in enumerate(STEPS, 1):
        c.drawString(12 * mm, y, f"{i}. {step}")
        y -= 6 * mm
    if date:
        c.setFont(FONT, 8)
        c.drawCentredString(width / 2, 10 * mm, f"Issued {date}")
    c.showPage()
    c.save()
    return buf.getvalue()
