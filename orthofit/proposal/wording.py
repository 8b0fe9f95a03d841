"""How a proposal's values read: numbers with their units, the shell, the footnoted reasons.

Every screen and page that shows an insole value (the GUI's proposal tab, the clinician PDF,
the lab's SVG, the command line) words it here, so "22 mm", "3.5 mm" and "5°" read the same
everywhere. Pure text: no I/O, no drawing.
"""

from __future__ import annotations

import math
from typing import Any

DEGREE = "\N{DEGREE SIGN}"
#: Readable names of the anatomical masks, for reasons, notes and reports.
MASK_TITLES = {"medial_heel": "medial heel", "lateral_heel": "lateral heel",
               "midfoot": "midfoot", "m1": "1st metatarsal head",
               "m2": "2nd metatarsal head", "m3": "3rd metatarsal head",
               "m4": "4th metatarsal head", "m5": "5th metatarsal head", "hallux": "hallux",
               "toes_2_5": "toes 2-5"}


def format_value(value: Any, unit: str = "", *, degree_sign: bool = True) -> str:
    """A number with its unit, to the precision an insole is made to (0.5 mm, 0.5 degrees).

    Whole numbers print without decimals and others with one, so a height reads "22 mm", not
    "22.00 mm", and a half millimetre keeps its ".5". Degrees print as "5°" (no space, as
    typeset), or "5 deg" where a font has no degree sign. Text values pass through.

    Examples
    --------
    >>> format_value(22.0, "mm"), format_value(3.5, "mm"), format_value(3.54, "mm")
    ('22 mm', '3.5 mm', '3.5 mm')
    >>> format_value(5.0, "deg"), format_value(5.0, "deg", degree_sign=False)
    ('5°', '5 deg')
    >>> format_value(-0.02, "deg"), format_value("medial")
    ('0°', 'medial')
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{value} {unit}".strip() if unit else str(value)
    if not math.isfinite(value):
        return "n/a"
    rounded = round(float(value), 1) + 0.0  # + 0.0: no "-0"
    number = f"{rounded:.0f}" if rounded == round(rounded) else f"{rounded:.1f}"
    if unit == "deg":
        return f"{number}{DEGREE}" if degree_sign else f"{number} deg"
    return f"{number} {unit}".strip()


def shell_words(product: str, length: str) -> str:
    """The shell as "EVA shell, 3/4 length": the product, its length said once.

    A catalogue name that already ends with the length ("EVA shell 3/4") is not made to
    repeat it ("EVA shell 3/4, 3/4").

    Examples
    --------
    >>> shell_words("EVA shell 3/4", "3/4")
    'EVA shell, 3/4 length'
    >>> shell_words("Diabetic full-contact", "full")
    'Diabetic full-contact, full length'
    >>> shell_words("", "3/4"), shell_words("Cork shell", "")
    ('3/4 length', 'Cork shell')
    """
    product, length = str(product or "").strip(), str(length or "").strip()
    if length and product.lower().endswith(" " + length.lower()):
        product = product[: -len(length) - 1].rstrip(" ,")
    if not length:
        return product
    return f"{product}, {length} length" if product else f"{length} length"


def describe_values(kind: str, values: dict[str, Any], units: dict[str, str], *,
                    degree_sign: bool = True) -> str:
    """An active element's values in words, e.g. "medial, 5°".

    Examples
    --------
    >>> describe_values("metatarsal_pad", {"type": "dome", "height_mm": 5.0, "offset_mm": 5.0,
    ...                 "target": "m3"}, {})
    'dome, 5 mm high, 5 mm behind the 3rd metatarsal head'
    >>> describe_values("offloading", {"method": "cut-out", "regions": ["hallux", "m1"]}, {})
    'cut-out under the hallux, 1st metatarsal head'
    """
    if kind == "shell":
        return shell_words(values.get("product", ""), values.get("length", "")) or "none"
    if kind == "metatarsal_pad":
        out = str(values.get("type", "pad"))
        if values.get("height_mm"):
            out += f", {format_value(values['height_mm'], 'mm')} high"
        target = MASK_TITLES.get(str(values.get("target", "")), values.get("target"))
        if target:
            out += f", {format_value(values.get('offset_mm') or 0.0, 'mm')} behind the {target}"
        return out
    if kind == "offloading":
        regions = ", ".join(MASK_TITLES.get(r, str(r)) for r in values.get("regions") or [])
        method = str(values.get("method") or "offload")
        return f"{method} under the {regions}" if regions else "none"
    parts = []
    for key, unit in units.items():
        value = values.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list | tuple):
            parts.append(", ".join(str(x) for x in value))
        else:
            parts.append(format_value(value, unit, degree_sign=degree_sign))
    return ", ".join(parts) if parts else "none"


def reason_footnote(text: str, source: str, evidence: str) -> str:
    """A reason as a footnote: what the rule found, then its published source and evidence.

    The evidence level is said once when the source is nothing but that level.

    Examples
    --------
    >>> reason_footnote("Low arch.", "Cavanagh & Rodgers 1987", "practice convention")
    'Low arch. Source: Cavanagh & Rodgers 1987. Evidence: practice convention.'
    >>> reason_footnote("No finding.", "practice convention", "practice convention")
    'No finding. Evidence: practice convention.'
    """
    text = text.strip()
    if text and not text.endswith((".", "!", "?")):
        text += "."
    out = [text] if text else []
    if source and source.strip().lower() != evidence.strip().lower():
        out.append(f"Source: {source.strip().rstrip('.')}.")
    if evidence:
        out.append(f"Evidence: {evidence}.")
    return " ".join(out)
