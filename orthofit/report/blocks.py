"""The blocks a report is made of (headings, paragraphs, tables, figures) and the document.

Pure data: :mod:`orthofit.report.content` and the modules beside it fill them from an analysis
and a proposal, :mod:`orthofit.report.render` lays them out with reportlab.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from orthofit.proposal.outline import InsoleOutline


@dataclasses.dataclass(frozen=True)
class Heading:
    """A section title (level 1) or sub-title (level 2)."""

    text: str
    level: int = 1


@dataclasses.dataclass(frozen=True)
class Para:
    """A paragraph; ``style`` is body, small, note, warning or big."""

    text: str
    style: str = "body"


@dataclasses.dataclass(frozen=True)
class Table:
    """Rows of cells (first row a header); ``widths`` are fractions of the text width.

    ``flagged`` cells are boxed; a table of ``labels`` (label, value, label, value...) has no
    header row and prints its even columns in bold.
    """

    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None
    flagged: tuple[tuple[int, int], ...] = ()
    labels: bool = False


@dataclasses.dataclass(frozen=True)
class ForceCurves:
    """Force-time curves of the steps, per side, against s from touch-down.

    Each series is ``(label, times_s, force)``, the label starting with the side; ``unit`` is
    "N", or "% body weight" when the patient's weight is known.
    """

    series: tuple[tuple[str, np.ndarray, np.ndarray], ...]
    unit: str = "N"


@dataclasses.dataclass(frozen=True)
class Stabilogram:
    """The body's centre of pressure while standing, about its mean, with its 95 % ellipse.

    ``x_mm`` runs medio-laterally (to the right), ``y_mm`` forwards; the ellipse is given by its
    centre, semi-axes (mm) and the angle of its first axis from x (degrees, anticlockwise).
    """

    x_mm: np.ndarray
    y_mm: np.ndarray
    centre_mm: tuple[float, float]
    semi_axes_mm: tuple[float, float]
    angle_deg: float
    area_mm2: float


@dataclasses.dataclass(frozen=True)
class Row:
    """Blocks side by side; ``widths`` are fractions of the text width."""

    blocks: tuple[Any, ...]
    widths: tuple[float, ...]


@dataclasses.dataclass(frozen=True)
class StepStrip:
    """One measure of one foot: every step's value as a dot beside the normal range.

    ``interval`` is the uncertainty of the median (the class is stated when it holds no
    cut-off); ``cuts`` are the classification cut-offs; the axis runs ``lo`` to ``hi``.
    """

    label: str
    values: tuple[float, ...]
    centre: float
    interval: tuple[float, float] | None
    normal: tuple[float, float]
    cuts: tuple[float, ...]
    lo: float
    hi: float
    unit: str
    verdict: str


@dataclasses.dataclass(frozen=True)
class StepStrips:
    """Dot strips of the steps' arch index and CPEI, per foot."""

    strips: tuple[StepStrip, ...]


@dataclasses.dataclass(frozen=True)
class InsoleFigure:
    """The proposed insoles drawn as outlines with their zones."""

    outlines: tuple[InsoleOutline, ...]


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise: its name, how to do it, how often, and which illustration."""

    name: str
    how: str
    dose: str
    figure: str


@dataclasses.dataclass(frozen=True)
class SignatureLine:
    """Space for notes and a signature."""

    label: str = "Clinician"


@dataclasses.dataclass(frozen=True)
class PageBreak:
    """Start a new page; a ``soft`` one may be left out to spare an orphan last page."""

    soft: bool = False


@dataclasses.dataclass
class Document:
    """A report before rendering."""

    title: str
    subject: str
    author: str
    header: str
    blocks: list[Any]
    date: str
    logo: str | None = None
    #: Words shown in the header of every page (the diabetes flag), or None.
    flag: str | None = None
