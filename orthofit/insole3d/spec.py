"""The catalogue's dimensions for printed insoles (the ``[print3d]`` section of an insole profile).

Every length of the solid that the proposal does not give comes from here, so a clinic or lab
changes its base thickness, margins or limits in its own profile, not in the code.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from orthofit.errors import OrthofitError


class BuildError(OrthofitError):
    """An insole cannot be built as asked (the message says which element and what to do)."""


@dataclasses.dataclass(frozen=True)
class PrintSpec:
    """Dimensions (mm) and limits (mm, degrees) of a printed insole, from the catalogue."""

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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, source: str = "the profile"
                  ) -> PrintSpec:
        """Check and read the ``[print3d]`` table; messages name the key and the profile."""
        if not data:
            raise BuildError(f"{source} has no [print3d] section, which gives the dimensions "
                             "of printed insoles; copy it from the shipped 'default' profile")
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in data]
        if missing:
            raise BuildError(f"{source}: [print3d] lacks {', '.join(missing)}")
        values = {}
        for name in names:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not math.isfinite(value) or value <= 0:
                raise BuildError(f"{source}: [print3d] {name} must be a positive number, "
                                 f"not {value!r}")
            values[name] = float(value)
        spec = cls(**values)
        if spec.base_thickness_mm - spec.recess_depth_mm < spec.min_wall_mm:
            raise BuildError(
                f"{source}: [print3d] a recess of {spec.recess_depth_mm:g} mm in a "
                f"{spec.base_thickness_mm:g} mm base leaves less than the minimum wall of "
                f"{spec.min_wall_mm:g} mm")
        if spec.max_post_degrees >= 45:
            raise BuildError(f"{source}: [print3d] max_post_degrees must be below 45")
        return spec
