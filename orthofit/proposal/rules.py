"""The proposal engine: measured values in, an insole proposal with reasons out.

Rules are data (``profiles/insoles/*.toml``, read by ``orthofit.io.profiles``); this module
checks them and applies them. It does no I/O.
"""

from __future__ import annotations

import dataclasses
import operator
import string
from collections.abc import Mapping
from typing import Any

from orthofit.analysis.masks import MASK_NAMES
from orthofit.analysis.pipeline import Analysis, FootResult
from orthofit.errors import ProfileError
from orthofit.proposal.model import (
    ELEMENT_KINDS,
    EVIDENCE_LEVELS,
    Element,
    FootProposal,
    Proposal,
    Reason,
)
from orthofit.proposal.wording import MASK_TITLES

_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
        ">": operator.gt, ">=": operator.ge, "in": lambda a, b: a in b,
        "not in": lambda a, b: a not in b}


@dataclasses.dataclass(frozen=True)
class Rule:
    """One rule: conditions, the elements it sets, and its reason."""

    id: str
    when: tuple[tuple[str, str, Any], ...]
    when_any: tuple[tuple[str, str, Any], ...]
    sets: Mapping[str, Mapping[str, Any]]
    text: str
    source: str
    evidence: str
    note: str = ""


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """A checked set of insole rules with its defaults, settings and product catalogue."""

    name: str
    description: str
    settings: Mapping[str, float]
    defaults: Mapping[str, Mapping[str, Any]]
    default_reason: Reason
    rules: tuple[Rule, ...]
    catalogue: Mapping[str, Mapping[str, Any]]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSet:
        """Check and build a rule set from parsed TOML; errors name the rule and the key."""
        name = str(data.get("name", "custom"))

        def bad(msg: str) -> ProfileError:
            return ProfileError(f"insole rules {name!r}: {msg}")

        defaults = dict(data.get("defaults", {}))
        missing = set(ELEMENT_KINDS) - set(defaults)
        if missing:
            raise bad(f"[defaults] must give every element; missing {', '.join(sorted(missing))}")
        catalogue = {str(p["name"]): dict(p) for p in data.get("catalogue", [])}
        settings = {k: float(v) for k, v in data.get("settings", {}).items()}
        rules = []
        for raw in data.get("rules", []):
            rid = str(raw.get("id", "?"))
            conds = []
            for key in ("when", "when_any"):
                parsed = []
                for cond in raw.get(key, []):
                    if len(cond) != 3 or cond[1] not in _OPS:
                        raise bad(f"rule {rid!r}: condition {cond!r} must be "
                                  f"[measure, one of {', '.join(_OPS)}, value]")
                    value = cond[2]
                    if isinstance(value, str) and value.startswith("@"):
                        if value[1:] not in settings:
                            raise bad(f"rule {rid!r}: {value} is not in [settings]")
                        value = settings[value[1:]]
                    parsed.append((str(cond[0]), cond[1], value))
                conds.append(tuple(parsed))
            sets = dict(raw.get("set", {}))
            for kind, values in sets.items():
                if kind not in ELEMENT_KINDS:
                    raise bad(f"rule {rid!r} sets unknown element {kind!r}")
                unknown = set(values) - set(ELEMENT_KINDS[kind])
                if unknown:
                    raise bad(f"rule {rid!r}: {kind} has no {', '.join(sorted(unknown))}")
                product = values.get("product")
                if product and product not in catalogue:
                    raise bad(f"rule {rid!r} names product {product!r}, which is not in the "
                              "catalogue")
            evidence = str(raw.get("evidence", "none"))
            if evidence not in EVIDENCE_LEVELS:
                raise bad(f"rule {rid!r}: evidence must be one of {', '.join(EVIDENCE_LEVELS)}")
            rules.append(Rule(rid, conds[0], conds[1], sets, str(raw.get("text", "")),
                              str(raw.get("source", "")), evidence, str(raw.get("note", ""))))
        dr = data.get("defaults_reason", {})
        return cls(name, str(data.get("description", "")), settings, defaults,
                   Reason("baseline", str(dr.get("text", "")), {}, str(dr.get("source", "")),
                          str(dr.get("evidence", "practice convention"))),
                   tuple(rules), catalogue)


def foot_measures(foot: FootResult, analysis: Analysis, *, diabetic: bool = False,
                  knee_oa: bool = False, diabetic_peak_kpa: float = 700.0) -> dict[str, Any]:
    """The values rules look at, for one foot."""
    m = foot.metrics
    masks = foot.masks
    mets = {k: masks[k]["peak_kpa"] for k in ("m1", "m2", "m3", "m4", "m5") if k in masks}
    mth_mask = max(mets, key=mets.get) if mets else None
    balance = analysis.balance or {}
    load = balance.get(f"{foot.side}_pct")
    other = balance.get("right_pct" if foot.side == "left" else "left_pct")
    over = [k for k in MASK_NAMES if k in masks and masks[k]["peak_kpa"] >= diabetic_peak_kpa]
    cls = foot.classification
    if cls.get("pronation_basis") == "cpei" and m.get("cpei") is not None:
        evidence = f"CPEI {m['cpei']:.1f} %"
    elif m.get("medial_pct") is not None:
        evidence = f"{m['medial_pct']:.0f} % of the load on the medial side"
    else:
        evidence = "no measure"
    return {
        "side": foot.side,
        "arch_type": cls.get("arch_type"), "arch_index": m.get("arch_index"),
        "arch_borderline": cls.get("arch_borderline"), "arch_reason": cls.get("arch_reason"),
        "pronation": cls.get("pronation"), "pronation_reason": cls.get("pronation_reason"),
        "pronation_basis": cls.get("pronation_basis"), "pronation_evidence": evidence,
        "cpei": m.get("cpei"), "medial_pct": m.get("medial_pct"),
        "peak_pressure_kpa": m.get("peak_pressure_kpa"),
        "mth_peak_kpa": mets.get(mth_mask) if mth_mask else None, "mth_peak_mask": mth_mask,
        "mth_peak_head": MASK_TITLES.get(mth_mask, "").split(" ")[0] if mth_mask else "",
        "hallux_peak_kpa": masks.get("hallux", {}).get("peak_kpa"),
        "heel_peak_kpa": max((masks[k]["peak_kpa"] for k in ("medial_heel", "lateral_heel")
                              if k in masks), default=None),
        "load_pct": load, "load_diff_pct": None if load is None or other is None else
        load - other,
        "diabetic": diabetic, "knee_oa": knee_oa,
        "regions_over_threshold": ", ".join(MASK_TITLES[k] for k in over) or "none",
        "regions_over_threshold_list": over,
    }


class _Lenient(string.Formatter):
    """Fill ``{measure:.1f}`` from measures; a missing or None value prints as n/a."""

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        return kwargs.get(key)

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None:
            return "n/a"
        try:
            return super().format_field(value, format_spec)
        except (ValueError, TypeError):
            return str(value)


_FMT = _Lenient()


def _fill(value: Any, measures: Mapping[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and \
            value[1:-1] in measures:
        return measures[value[1:-1]]  # a whole value taken from a measure (list, name)
    if isinstance(value, str):
        return _FMT.format(value, **measures)
    return value


def _holds(cond: tuple[str, str, Any], measures: Mapping[str, Any]) -> bool:
    name, op, value = cond
    got = measures.get(name)
    if got is None and op not in ("==", "!="):
        return False
    try:
        return bool(_OPS[op](got, value))
    except TypeError:
        return False


def _quoted(rule: Rule, measures: Mapping[str, Any]) -> dict[str, Any]:
    names = [c[0] for c in rule.when + rule.when_any]
    out = {}
    for n in names:
        v = measures.get(n)
        out[n] = round(v, 3) if isinstance(v, float) else v
    return out


def propose_foot(measures: Mapping[str, Any], rules: RuleSet) -> tuple[FootProposal, list[str]]:
    """Apply the rules to one foot's measures; return its proposal and notes."""
    elements = {kind: Element(kind, dict(values), rules.default_reason)
                for kind, values in rules.defaults.items()}
    notes = []
    for rule in rules.rules:
        if rule.when and not all(_holds(c, measures) for c in rule.when):
            continue
        if rule.when_any and not any(_holds(c, measures) for c in rule.when_any):
            continue
        if not rule.when and not rule.when_any:
            continue
        reason = Reason(rule.id, _fill(rule.text, measures), _quoted(rule, measures),
                        rule.source, rule.evidence)
        for kind, values in rule.sets.items():
            merged = {**elements[kind].values, **{k: _fill(v, measures)
                                                  for k, v in values.items()}}
            elements[kind] = Element(kind, merged, reason)
        if rule.note:
            notes.append(_fill(rule.note, measures))
    return FootProposal(str(measures.get("side")), elements, dict(measures)), notes


_UNCERTAIN = " is uncertain ("


def _uncertain_notes(measures: Mapping[str, Any]) -> list[str]:
    """Say what is not proposed because a class is uncertain (rules never match "uncertain")."""
    side = measures.get("side")
    out = []
    if measures.get("pronation") == "uncertain":
        out.append(f"No posting is proposed for the {side} foot: how it rolls{_UNCERTAIN}"
                   f"{measures.get('pronation_reason')}).")
    if measures.get("arch_type") == "uncertain":
        out.append(f"The {side} foot's arch type{_UNCERTAIN}{measures.get('arch_reason')}); "
                   "its arch support is the standard shell's.")
    return out


def is_uncertainty_note(note: str) -> bool:
    """Whether a proposal note says a class was uncertain (a note for the clinician)."""
    return _UNCERTAIN in note


def propose(analysis: Analysis, rules: RuleSet, *, diabetic: bool = False,
            knee_oa: bool = False, scan: Mapping[str, Any] | None = None) -> Proposal:
    """An insole proposal for every analysed foot (feet ordered left to right)."""
    feet = []
    notes: list[str] = []
    for foot in analysis.feet:
        if not any(s.complete for s in foot.steps):
            notes.append(f"The {foot.side} foot could not be measured completely; no insole "
                         "is proposed for it.")
            continue
        measures = foot_measures(foot, analysis, diabetic=diabetic, knee_oa=knee_oa,
                                 diabetic_peak_kpa=rules.settings.get("diabetic_peak_kpa",
                                                                      700.0))
        fp, foot_notes = propose_foot(measures, rules)
        feet.append(fp)
        notes += [n for n in foot_notes if n not in notes]
        notes += _uncertain_notes(measures)
    if not feet:
        notes.append("No foot could be analysed, so no insole is proposed.")
    return Proposal(tuple(feet), rules.name, tuple(notes), dict(scan or {}))
