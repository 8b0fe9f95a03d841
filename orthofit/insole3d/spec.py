"""The catalogue's dimensions for printed insoles (the ``[print3d]`` section of an insole profile).

Every length of the solid that the proposal does not give comes from here, so a clinic or lab
changes its base thickness, margins, limits, or where the arch support and the metatarsal pad
lie and how large they are, in its own profile, not in the code. Each value is checked where
it enters: a value outside its range is refused with a message naming the key, the value and
the range.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from orthofit.errors import OrthofitError, ProfileError
from orthofit.proposal.outline import ZoneShapes


class BuildError(OrthofitError):
    """An insole cannot be built as asked (the message says which element and what to do)."""


class CatalogueError(BuildError, ProfileError):
    """The profile's ``[print3d]`` catalogue is missing or holds a value no insole can have."""


#: The allowed range of each size that places or sizes an element (both ends allowed), its
#: unit and what it is: past these an arch pad or dome would leave its part of the foot.
RANGES: dict[str, tuple[float, float, str, str]] = {
    "arch_start_pct": (10.0, 45.0, "%", "where the arch support starts, of the foot's length"),
    "arch_apex_pct": (25.0, 60.0, "%", "where the arch support is highest"),
    "arch_end_pct": (45.0, 85.0, "%", "where the arch support ends"),
    "arch_width_pct": (10.0, 70.0, "%", "the arch support's width, of the insole's width"),
    "arch_axis_reach_pct": (30.0, 100.0, "%", "the arch support's reach toward the axis"),
    "arch_edge_inset_mm": (0.0, 10.0, "mm", "the arch support's edge inside the insole's"),
    "pad_length_mm": (5.0, 60.0, "mm", "the metatarsal dome's or bar's length"),
    "dome_width_mm": (5.0, 60.0, "mm", "the metatarsal dome's width"),
    "pad_heads_pct": (55.0, 90.0, "%", "where the metatarsal heads are taken to be"),
    "shell_three_quarter_pct": (50.0, 95.0, "%", "where a 3/4 shell ends"),
    "offload_margin_mm": (0.0, 20.0, "mm", "an offloaded region's margin"),
}
#: Sizes that may be zero (an inset or margin of none); every other one must be positive.
MAY_BE_ZERO = ("arch_edge_inset_mm", "offload_margin_mm")


@dataclasses.dataclass(frozen=True)
class PrintSpec:
    """Dimensions (mm) and limits (mm, degrees) of a printed insole, from the catalogue.

    The ``*_pct`` places are percentages of the toe-less foot length from the back of the
    heel (``arch_width_pct``, ``arch_axis_reach_pct``: of a width across); see
    :class:`~orthofit.proposal.outline.ZoneShapes` and ``profiles/insoles/default.toml``.
    """

    base_thickness_mm: float
    margin_mm: float
    mesh_spacing_mm: float
    recess_depth_mm: float
    min_wall_mm: float
    heel_cup_blend_mm: float
    heel_cup_taper_mm: float
    arch_blend_mm: float
    post_blend_mm: float
    heel_lift_blend_mm: float
    max_post_degrees: float
    max_arch_height_mm: float
    max_heel_cup_mm: float
    max_pad_height_mm: float
    max_heel_lift_mm: float
    arch_start_pct: float
    arch_apex_pct: float
    arch_end_pct: float
    arch_width_pct: float
    arch_axis_reach_pct: float
    arch_edge_inset_mm: float
    pad_length_mm: float
    dome_width_mm: float
    pad_heads_pct: float
    shell_three_quarter_pct: float
    offload_margin_mm: float

    @property
    def shapes(self) -> ZoneShapes:
        """The places and sizes of the arch pad, the metatarsal pad and a 3/4 shell's end."""
        return ZoneShapes(**{f.name: getattr(self, f.name)
                             for f in dataclasses.fields(ZoneShapes)})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, source: str = "the profile"
                  ) -> PrintSpec:
        """Check and read the ``[print3d]`` table; messages name the key and the profile.

        Raises :class:`CatalogueError` naming the key, its value and the allowed range.
        """
        if not data:
            raise CatalogueError(f"{source} has no [print3d] section, which gives the dimensions "
                             "of printed insoles; copy it from the shipped 'default' profile")
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in data]
        if missing:
            raise CatalogueError(f"{source}: [print3d] lacks {', '.join(missing)}")
        values = {}
        for name in names:
            value = data[name]
            floor_ok = name in MAY_BE_ZERO and value == 0
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not math.isfinite(value) or (value <= 0 and not floor_ok):
                what = "zero or more" if name in MAY_BE_ZERO else "a positive number"
                raise CatalogueError(f"{source}: [print3d] {name} must be {what}, "
                                     f"not {value!r}")
            if name in RANGES:
                lo, hi, unit, what = RANGES[name]
                if not lo <= value <= hi:
                    raise CatalogueError(
                        f"{source}: [print3d] {name} = {value:g} {unit} is outside the "
                        f"allowed range {lo:g} to {hi:g} {unit} ({what})")
            values[name] = float(value)
        spec = cls(**values)
        if not spec.arch_start_pct < spec.arch_apex_pct < spec.arch_end_pct:
            raise CatalogueError(
                f"{source}: [print3d] the arch support must start, peak and end in that order "
                f"along the foot: arch_start_pct {spec.arch_start_pct:g} %, arch_apex_pct "
                f"{spec.arch_apex_pct:g} %, arch_end_pct {spec.arch_end_pct:g} %")
        if spec.shell_three_quarter_pct <= spec.arch_end_pct:
            raise CatalogueError(
                f"{source}: [print3d] shell_three_quarter_pct = "
                f"{spec.shell_three_quarter_pct:g} % would cut a 3/4 shell before its arch "
                f"support ends (arch_end_pct {spec.arch_end_pct:g} %): it must be larger")
        if spec.base_thickness_mm - spec.recess_depth_mm < spec.min_wall_mm:
            raise CatalogueError(
                f"{source}: [print3d] a recess of {spec.recess_depth_mm:g} mm in a "
                f"{spec.base_thickness_mm:g} mm base leaves less than the minimum wall of "
                f"{spec.min_wall_mm:g} mm")
        if spec.max_post_degrees >= 45:
            raise CatalogueError(f"{source}: [print3d] max_post_degrees must be below 45")
        return spec
