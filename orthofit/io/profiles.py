"""Find and read the TOML profiles shipped in ``orthofit.profiles`` (``profiles/`` in a checkout).

A profile is named by its file stem (``default``) or given as a path to a TOML file; clinics
keep their own copies anywhere and pass the path.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from orthofit.analysis.classify import Thresholds
from orthofit.errors import ProfileError
from orthofit.matprofile import MatProfile
from orthofit.proposal.rules import RuleSet

KINDS = ("thresholds", "mats", "insoles")


def profile_names(kind: str) -> list[str]:
    """Names of the shipped profiles of one kind (``thresholds``, ``mats``, ``insoles``)."""
    folder = resources.files("orthofit.profiles").joinpath(kind)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def read_profile(kind: str, name_or_path: str | Path) -> dict[str, Any]:
    """Parse a profile given by shipped name or by path; errors say which file and why."""
    if kind not in KINDS:
        raise ProfileError(f"unknown profile kind {kind!r}; expected one of {', '.join(KINDS)}")
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        source = candidate
        try:
            text = candidate.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(f"{candidate}: cannot read the profile ({exc.strerror})") from exc
    else:
        entry = resources.files("orthofit.profiles").joinpath(kind, f"{name_or_path}.toml")
        if not entry.is_file():
            known = ", ".join(profile_names(kind)) or "none"
            raise ProfileError(
                f"no {kind} profile named {name_or_path!r}; shipped ones: {known}. "
                "Give a path to a .toml file for your own"
            )
        source = Path(str(entry))
        text = entry.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not valid TOML ({exc})") from exc
    data.setdefault("name", source.stem)
    return data


def load_thresholds(name_or_path: str | Path = "default") -> Thresholds:
    """Read a threshold profile into :class:`~orthofit.analysis.Thresholds`."""
    return Thresholds.from_dict(read_profile("thresholds", name_or_path))


def load_mat_profile(name_or_path: str | Path) -> MatProfile:
    """Read a mat profile (shipped name such as ``ofp1-generic``, or a path to a TOML file)."""
    return MatProfile.from_dict(read_profile("mats", name_or_path))


def load_insole_rules(name_or_path: str | Path = "default") -> RuleSet:
    """Read an insole rule set (shipped name or path)."""
    return RuleSet.from_dict(read_profile("insoles", name_or_path))
