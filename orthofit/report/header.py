"""Who a report is about: the patient header, age on the report date, the diabetes flag.

Pure functions on the report ``info`` dict (no reportlab): ``make.py`` completes the dict,
``content.py`` prints it. The dict's ``patient`` entry holds only what is known; a row the
clinic did not fill in is left out rather than printed as a dash.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from orthofit.report.scale import PressureScale, parse_scale

#: The words a report prints on every page of a diabetic patient's clinician report.
DIABETES_FLAG = "Diabetes - offloading rules applied"


def age_years(birth_date: str | dt.date, on: str | dt.date) -> int | None:
    """Completed years of age on the day ``on`` (None when born after it).

    A birthday on 29 February is reached on 1 March in a common year.

    Examples
    --------
    >>> age_years("1980-06-15", "2026-06-14")
    45
    >>> age_years("1980-06-15", "2026-06-15")
    46
    """
    born = birth_date if isinstance(birth_date, dt.date) else dt.date.fromisoformat(birth_date)
    day = on if isinstance(on, dt.date) else dt.date.fromisoformat(on)
    if born > day:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def has_diabetes(conditions: Any) -> bool:
    """Whether a list of conditions names diabetes ("diabetes", "Diabetes type 2", "diabetic").

    Examples
    --------
    >>> has_diabetes(["knee pain", "Diabetes type 2"])
    True
    """
    if isinstance(conditions, str):
        conditions = [conditions]
    return any("diabet" in str(c).lower() for c in conditions or [])


def has_knee_oa(conditions: Any) -> bool:
    """Whether a list of conditions names osteoarthritis of the knee (offer the lateral wedge).

    "knee OA", "Knee osteoarthritis" and "gonarthrosis" do.

    Examples
    --------
    >>> has_knee_oa(["Diabetes", "medial knee osteoarthritis"]), has_knee_oa(["hip OA"])
    (True, False)
    """
    if isinstance(conditions, str):
        conditions = [conditions]
    for c in conditions or []:
        words = str(c).lower()
        if "gonarthros" in words or ("knee" in words and ("osteoarthr" in words
                                                          or " oa" in f" {words}")):
            return True
    return False


def complete_info(info: dict[str, Any], *, diabetic: bool = False) -> dict[str, Any]:
    """The report ``info`` with its shared keys filled in (a new dict; ``info`` is kept).

    ``patient`` becomes a dict (its ``name`` taken from ``patient_name`` when missing, and
    the other way round); ``diabetic`` is true when the ``diabetic`` argument or ``info`` says
    so or a condition names diabetes; ``pressure_scale`` becomes a
    :class:`~orthofit.report.scale.PressureScale` (the clinic default when missing; a settings
    string is parsed).
    """
    out = dict(info)
    patient = {k: v for k, v in dict(out.get("patient") or {}).items()
               if v not in (None, "", [], ())}
    if "name" not in patient and out.get("patient_name"):
        patient["name"] = out["patient_name"]
    if patient.get("name") and not out.get("patient_name"):
        out["patient_name"] = patient["name"]
    out["patient"] = patient
    out["diabetic"] = bool(diabetic or out.get("diabetic")
                           or has_diabetes(patient.get("conditions")))
    scale = out.get("pressure_scale")
    if not isinstance(scale, PressureScale):
        scale = parse_scale(scale)
    out["pressure_scale"] = scale
    return out


def _number(value: float, unit: str) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") + f" {unit}"


def patient_rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    """The known facts about the patient as (label, value) rows, in reading order.

    Age is counted on the report date (``info["date"]``); conditions name diabetes first
    with what the report does about it.
    """
    p = info.get("patient") or {}
    rows: list[tuple[str, str]] = []
    name = p.get("name") or info.get("patient_name")
    if name:
        rows.append(("Patient", str(name)))
    born = p.get("birth_date")
    if born:
        try:
            age = age_years(str(born), str(info.get("date")))
        except ValueError:
            age = None
        rows.append(("Age", f"{age} years (born {born})" if age is not None else f"born {born}"))
    if p.get("sex"):
        rows.append(("Sex", str(p["sex"])))
    if p.get("weight_kg"):
        rows.append(("Weight", _number(float(p["weight_kg"]), "kg")))
    if p.get("shoe_size"):
        rows.append(("Shoe size", str(p["shoe_size"])))
    if p.get("referrer"):
        rows.append(("Referred by", str(p["referrer"])))
    conditions = [str(c) for c in p.get("conditions") or [] if str(c).strip()]
    if info.get("diabetic") and not has_diabetes(conditions):
        conditions.insert(0, "diabetes")
    if conditions:
        text = ", ".join(conditions)
        if info.get("diabetic"):
            text += " (the diabetic offloading rules are applied)"
        rows.append(("Conditions", text))
    return rows


#: Internal project files that must never reach a report (the sources behind the rules are
#: cited by their published references, which the same text keeps).
_FILE = (r"\b(?:DOMAIN|DESIGN|FORMATS|README|CHANGELOG|CONTRIBUTING)\.md\b"
         r"(?:\s*,?\s*section\s+[\d.]+)?")
_INTERNAL = re.compile(rf"\s*\((?:see\s+|from\s+)?{_FILE}\)|(?:\s*\b(?:see|from)\s+)?{_FILE}\s*:?",
                       re.IGNORECASE)


def public_text(text: str) -> str:
    """``text`` without references to the project's internal files (``DOMAIN.md: ...``).

    Examples
    --------
    >>> public_text("source: DOMAIN.md: medial post 4-6 deg (practice convention); Banwell")
    'source: medial post 4-6 deg (practice convention); Banwell'
    >>> public_text("Posting rules from DOMAIN.md; degrees are practice convention")
    'Posting rules; degrees are practice convention'
    >>> public_text("Zebris text exports (FORMATS.md section 3).")
    'Zebris text exports.'
    """
    out = _INTERNAL.sub(" ", text)
    out = re.sub(r"[ \t]{2,}", " ", out)
    out = re.sub(r" ([;,.:])", r"\1", out)
    # A "source:" left with nothing after it (the file was all it named) says nothing.
    out = re.sub(r"\bsource:\s*;\s*", "", out)
    return out.strip()
