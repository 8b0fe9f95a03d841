"""The words of the reports, in one place.

Patient texts aim at a reading age of about 12: short sentences, everyday words, one idea at a
time, and every technical word in brackets after its plain words (:data:`TERMS`). Facts come
from DOMAIN.md: the knee story of a foot that rolls inwards (Tiberio 1987; Neal 2014 finds it a
small risk factor, limited evidence), hip strengthening (Khayambashi 2012), the insole for a
high-arched foot (practice convention) and the diabetic foot (Armstrong 1998, Bus 2011). What
DOMAIN.md does not give evidence for (the ankle and outer knee of a foot that rolls outwards)
is said as "can" and "some people", never as a promise.

A foot is sorted into one of four *profiles* (:func:`profile`) that choose its explanation and
exercises: ``flat`` (low arch or rolls inwards), ``high`` (high arch or rolls outwards),
``normal`` and ``unknown`` (the scan cannot say yet).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from orthofit.analysis.pipeline import Analysis, FootResult
from orthofit.proposal.model import FootProposal, Proposal

#: Technical words the patient may meet, each with the plain words that must come right before
#: it in brackets: "rolls inwards (pronation)". The tests hold every patient text to this.
TERMS: dict[str, tuple[str, ...]] = {
    "pronation": ("rolls inwards", "roll inwards"),
    "supination": ("rolls outwards", "roll outwards"),
    "patella maltracking": ("does not run straight in its groove",),
    "patellofemoral pain": ("pain around or behind the kneecap",),
    "iliotibial band": ("the band of tissue down the outside of the thigh",),
    "stress fractures": ("small cracks in a bone from repeated strain",),
    "plantar fascia": ("the band of tissue under your foot",),
    "peroneal muscles": ("the muscles down the outside of your lower leg",),
    "shell": ("firm base",),
    "rearfoot post": ("heel wedge",),
    "forefoot post": ("front wedge",),
    "metatarsal pad": ("pad behind the ball of the foot",),
    "offloading": ("pressure relief",),
}

PICTURE = ("These are your own footprints from the pressure mat, seen from above, with your "
           "left foot on the left. Darker colours show where your feet pressed harder on the "
           "mat, and pale colours where they pressed less.")

# --------------------------------------------------------------------------------------------
# What we found: the arch and the rolling of each foot, said once when both feet agree
# --------------------------------------------------------------------------------------------

ARCH_WORDS = {
    "low": "Your {side} foot has a low arch. More of the middle of this foot touches the "
           "ground than in most people. Some people call this a flat foot.",
    "normal": "Your {side} foot has a normal arch. The middle of this foot lifts off the "
              "ground about as much as in most people.",
    "high": "Your {side} foot has a high arch. The middle of this foot hardly touches the "
            "ground, so the heel and the ball of the foot carry most of your weight.",
}
ARCH_BOTH = {
    "low": "Both your feet have a low arch. More of the middle of each foot touches the ground "
           "than in most people. Some people call this a flat foot.",
    "normal": "Both your feet have a normal arch. The middle of each foot lifts off the ground "
              "about as much as in most people.",
    "high": "Both your feet have a high arch. The middle of each foot hardly touches the "
            "ground, so your heels and the balls of your feet carry most of your weight.",
}
#: Why a class is not said yet, in plain words (from the reason the analysis gives).
UNSURE_ARCH = {
    "few": "We need a few more steps on the mat to say what kind of arch your {side} foot has.",
    "varied": "Your {side} foot left a slightly different print with each step, so we do not "
              "say yet what kind of arch it has. A few more steps on the mat will tell.",
    "close": "The arch of your {side} foot is close to the line between two kinds of arch, so "
             "we do not say yet which it is.",
}
UNSURE_ARCH_BOTH = {
    "few": "We need a few more steps on the mat to say what kind of arch your feet have.",
    "varied": "Your feet left a slightly different print with each step, so we do not say yet "
              "what kind of arch they have. A few more steps on the mat will tell.",
    "close": "The arches of your feet are close to the line between two kinds of arch, so we "
             "do not say yet which they are.",
}
ROLL_WORDS = {
    "pronated": "When you stand and walk, your {side} foot rolls inwards (pronation) more "
                "than usual.",
    "neutral": "Your {side} foot rolls inwards and outwards about as much as most feet do.",
    "supinated": "When you stand and walk, your {side} foot rolls outwards (supination) more "
                 "than usual, onto its outer edge.",
}
ROLL_BOTH = {
    "pronated": "When you stand and walk, both your feet roll inwards (pronation) more than "
                "usual.",
    "neutral": "Both your feet roll inwards and outwards about as much as most feet do.",
    "supinated": "When you stand and walk, both your feet roll outwards (supination) more than "
                 "usual, onto their outer edges.",
}
UNSURE_ROLL = {
    "few": "A few more steps will also show how your {side} foot rolls.",
    "varied": "How your {side} foot rolls changed from step to step, so we do not say yet.",
    "close": "How your {side} foot rolls is close to the line between two groups, so we do not "
             "say yet.",
}
UNSURE_ROLL_BOTH = {
    "few": "A few more steps will also show how your feet roll.",
    "varied": "How your feet roll changed from step to step, so we do not say yet.",
    "close": "How your feet roll is close to the line between two groups, so we do not say "
             "yet.",
}
BORDERLINE = ("Some of these results are close to the line between two groups, so they are "
              "less certain.")
NOT_MEASURED = "We could not measure your {side} foot well enough to describe it."


def _unsure_kind(reason: str | None) -> str:
    """Why a class is uncertain: too few steps, steps that differ, or close to a cut-off."""
    text = reason or ""
    if "are needed" in text:
        return "few"
    return "close" if "within" in text or "standing" in text else "varied"


def _arch_key(foot: FootResult) -> tuple[str, str] | None:
    """What the arch sentence of a foot says: ("class", kind) or ("unsure", why), or None."""
    c = foot.classification
    arch = c.get("arch_type")
    if arch in ARCH_WORDS:
        return ("class", arch)
    if arch == "uncertain":
        return ("unsure", _unsure_kind(c.get("arch_reason")))
    return None


def _roll_key(foot: FootResult) -> tuple[str, str] | None:
    """What the rolling sentence of a foot says, as :func:`_arch_key`."""
    c = foot.classification
    roll = c.get("pronation")
    if roll in ROLL_WORDS:
        return ("class", roll)
    if roll == "uncertain":
        return ("unsure", _unsure_kind(c.get("pronation_reason")))
    return None


_ONE = {"arch": (ARCH_WORDS, UNSURE_ARCH), "roll": (ROLL_WORDS, UNSURE_ROLL)}
_BOTH = {"arch": (ARCH_BOTH, UNSURE_ARCH_BOTH), "roll": (ROLL_BOTH, UNSURE_ROLL_BOTH)}


def _sentence(aspect: str, key: tuple[str, str], side: str | None) -> str:
    """The sentence for one finding of one foot (``side``) or of both feet (None)."""
    known, unsure = (_ONE if side else _BOTH)[aspect]
    table = known if key[0] == "class" else unsure
    return table[key[1]].format(side=side)


def foot_summary(foot: FootResult) -> str:
    """A plain-language paragraph about one foot: its arch and how it rolls."""
    parts = []
    for aspect, key in (("arch", _arch_key(foot)), ("roll", _roll_key(foot))):
        if key is not None:
            parts.append(_sentence(aspect, key, foot.side))
    c = foot.classification
    if c.get("arch_borderline") or c.get("pronation_borderline"):
        parts.append(BORDERLINE)
    if not parts:
        parts.append(NOT_MEASURED.format(side=foot.side))
    return " ".join(parts)


def findings(feet: Sequence[FootResult]) -> list[str]:
    """Paragraphs about the feet: a finding both feet share is said once ("Both your feet").

    One paragraph for the arches, one for how the feet roll (or one per foot when that foot
    could not be described), and the borderline caution once.
    """
    feet = list(feet)
    out: list[str] = []
    for aspect, key_of in (("arch", _arch_key), ("roll", _roll_key)):
        keys = [key_of(f) for f in feet]
        if len(feet) == 2 and keys[0] is not None and keys[0] == keys[1]:
            out.append(_sentence(aspect, keys[0], None))
            continue
        words = [_sentence(aspect, k, f.side) for f, k in zip(feet, keys, strict=True)
                 if k is not None]
        if words:
            out.append(" ".join(words))
    out += [NOT_MEASURED.format(side=f.side) for f in feet
            if _arch_key(f) is None and _roll_key(f) is None]
    if any(f.classification.get("arch_borderline") or f.classification.get(
            "pronation_borderline") for f in feet):
        out.append(BORDERLINE)
    return out


def hot_spots(proposal: Proposal, *, diabetic: bool) -> str | None:
    """A plain sentence on the spots the insole takes pressure off (offloading, a pad)."""
    where: dict[str, list[str]] = {}
    for foot in proposal.feet:
        regions: list[str] = []
        off = foot.elements.get("offloading")
        if off is not None and off.active:
            regions += list(off.values.get("regions") or [])
        pad = foot.elements.get("metatarsal_pad")
        if pad is not None and pad.active and pad.values.get("target"):
            regions.append(str(pad.values["target"]))
        for region in dict.fromkeys(regions):
            where.setdefault(region, []).append(foot.side)
    if not where:
        return None
    n_feet = len(proposal.feet)
    places = [f"{REGION_WORDS.get(r, r)} of "
              f"{'each foot' if len(sides) == n_feet > 1 else f'your {sides[0]} foot'}"
              for r, sides in where.items()]
    text = (f"The scan found high pressure under {_join(places)}; your insoles take pressure "
            "off it.")
    if diabetic:
        text += " Check the skin there every day."
    return text


def load_difference(analysis: Analysis) -> str | None:
    """A plain sentence when the patient stood with clearly more weight on one foot."""
    diff = analysis.asymmetry.get("load_share_diff_pct")
    if diff is None or abs(diff) < analysis.thresholds.asym_load_share_pct:
        return None
    heavier = "left" if diff > 0 else "right"
    return (f"You stood with more of your weight on your {heavier} foot than on the other. "
            "The mat cannot measure the length of your legs, so your podiatrist may check it.")


# --------------------------------------------------------------------------------------------
# Profiles: what a foot's findings mean, for its knee, and which exercises suit it
# --------------------------------------------------------------------------------------------

PROFILES = ("flat", "high", "normal", "unknown")


def profile(foot: FootResult) -> str:
    """The profile of a foot: how it rolls decides; the arch decides when the rolling is unsure.

    ``flat`` (rolls inwards, or a low arch whose rolling is unsure), ``high`` (rolls outwards,
    or a high arch likewise), ``normal`` (rolls as most feet do) or ``unknown``.
    """
    c = foot.classification
    roll, arch = c.get("pronation"), c.get("arch_type")
    if roll == "pronated":
        return "flat"
    if roll == "supinated":
        return "high"
    if roll == "neutral":
        return "normal"
    return {"low": "flat", "high": "high"}.get(arch, "unknown")


#: What the findings mean, per profile (said about "a foot like this" so one text fits one or
#: both feet; ``{feet}`` is "your feet", "your foot" or, when the feet differ, "this foot").
MEANING = {
    "flat": (
        "A low arch and a foot that rolls inwards are common, and many people with them never "
        "have pain. Rolling in puts more strain on the inside of the foot and ankle. It can "
        "also change how the shin and the knee move, as the next part explains. Your insoles "
        "support the arch, and the exercises make the muscles that hold the foot, knee and hip "
        "in line stronger."),
    "high": (
        "A high-arched foot that rolls outwards is often stiff. It carries your weight on a "
        "smaller area, mostly the heel and the ball of the foot, and it soaks up less of the "
        "shock of each step. Some people with this kind of foot get sore heels or a sore ball "
        "of the foot, or turn an ankle more easily. Your insoles spread the weight over more "
        "of the sole and cushion each step. The exercises keep the calf and the sole supple and "
        "the ankle steady."),
    "normal": (
        "This is good news: the way {feet} rolled on the mat is not known to strain the "
        "ankles or knees. General exercises help keep your feet, ankles and hips strong."),
    "unknown": (
        "The scan does not yet tell us enough to explain more. Your podiatrist will look at "
        "your feet with you and may repeat the scan."),
}

#: Why the feet matter for the knees: said once, before the part for each profile.
KNEE_INTRO = ("Your foot, shin, knee and hip work together like links in a chain. How a foot "
              "meets the ground changes how the leg above it moves.")
KNEE = {
    "flat": (
        "When a foot rolls inwards a lot, it turns the shin bone inwards too. If the hip also "
        "turns in and the knee drops inwards, the kneecap gets pulled towards the outside of "
        "the knee.",
        "The kneecap normally slides up and down in a groove at the front of the knee. When it "
        "is pulled outwards, it does not run straight in its groove (patella maltracking). It "
        "can then press hard on the back of the kneecap. This can cause pain around or behind "
        "the kneecap (patellofemoral pain), also called 'runner's knee'. Feet that roll in are "
        "only one small part of this. Weak hip muscles, tight calves and weak foot muscles "
        "matter too, so exercises help as much as insoles."),
    "high": (
        "A stiff foot that rolls outwards soaks up less of the shock when it lands, so more of "
        "it travels up the leg. It also puts more load on the outer side of the ankle, which "
        "is one reason some people with high arches sprain an ankle more easily.",
        "Some people feel it on the outside of the knee, where the band of tissue down the "
        "outside of the thigh (iliotibial band) can get sore. A few get small cracks in a bone "
        "from repeated strain (stress fractures) in the foot or shin. These links are less well "
        "studied than those of feet that roll inwards. Take them as things to watch for, not "
        "as things that will happen."),
    "normal": (
        "A foot that rolls in and out about as much as most feet do puts no extra twist on "
        "the knee. If your knees hurt, the scan does not point to {feet} as the cause. A "
        "physiotherapist can help find it.",),
    "unknown": (
        "Once the mat has seen more steps of {feet}, your podiatrist can tell you what the "
        "scan means for your knees.",),
}

# --------------------------------------------------------------------------------------------
# Exercises: a catalogue, and the plan of each profile
# --------------------------------------------------------------------------------------------

#: key: (name, how, how often, illustration key)
EXERCISES: dict[str, tuple[str, str, str, str]] = {
    "clamshell": (
        "Clamshells", "Lie on your side with your knees bent and your feet together. Keep your "
        "feet touching and lift your top knee like a clam opening. Lower it slowly.",
        "2 sets of 10 on each side, every day", "clamshell"),
    "hydrant": (
        "Fire hydrants", "Kneel on your hands and knees. Keep your knee bent and lift one leg "
        "out to the side, then lower it. Keep your back still.",
        "2 sets of 10 with each leg, every day", "hydrant"),
    "side_raise": (
        "Side-lying leg raises", "Lie on your side with your bottom knee bent. Keep your top "
        "leg straight and lift it up, toes pointing forward, then lower it slowly.",
        "2 sets of 10, lying on each side in turn, every day", "side_raise"),
    "bridge": (
        "Glute bridges", "Lie on your back with your knees bent and feet flat. Squeeze your "
        "bottom and lift your hips until your body is straight from shoulders to knees. Hold "
        "for 3 seconds.", "2 sets of 10, every day", "bridge"),
    "single_squat": (
        "Single-leg squats (later)", "When the others feel easy: stand on one leg and bend the "
        "knee a little, keeping the knee over your second toe, not falling inwards.",
        "from week 4: 2 sets of 8 on each leg, every other day", "single_squat"),
    "calf_stretch": (
        "Calf stretch", "Stand facing a wall with one foot back. Keep the back heel down and "
        "the knee straight, and lean forward until you feel a stretch in the calf. Then bend "
        "the back knee a little to stretch lower down.",
        "hold 30 seconds, 3 times on each leg, twice a day", "calf_stretch"),
    "short_foot": (
        "Short foot", "Sit with your foot flat. Without curling your toes, pull the ball of "
        "your foot towards your heel so the arch lifts a little. Hold, then relax.",
        "10 times, holding 5 seconds, every day", "short_foot"),
    "balance": (
        "Balance on one leg", "Stand on one leg near something to hold. Keep your knee soft "
        "and your hips level. When it gets easy, close your eyes or stand on a cushion.",
        "30 seconds on each leg, 3 times a day", "balance"),
    "sole_stretch": (
        "Sole stretch", "Sit with one leg straight out in front of you. Put a towel around "
        "the ball of your foot and gently pull your toes towards you. You should feel a "
        "stretch along the sole, from the heel to the toes. This stretches the band of tissue "
        "under your foot (plantar fascia).",
        "hold 30 seconds, 3 times on each foot, twice a day", "sole_stretch"),
    "ankle_band": (
        "Ankle turns against a band", "Sit with your legs out in front of you. Loop an "
        "exercise band around the front of one foot and hold both ends in the other hand, "
        "out to the inside. Turn the foot outwards against the band, then back slowly. This "
        "works the muscles down the outside of your lower leg (peroneal muscles), which "
        "steady the ankle.", "2 sets of 15 with each foot, every day", "ankle_band"),
    "heel_raise": (
        "Heel raises", "Stand with your feet apart, holding a worktop or the back of a chair. "
        "Rise up onto your toes, then lower your heels slowly.",
        "2 sets of 12, every day", "heel_raise"),
}
#: The versions for a person with diabetes: never barefoot, eyes open, something to hold.
EXERCISES_DIABETIC: dict[str, tuple[str, str, str, str]] = {
    "short_foot": (
        "Short foot (seated, shoes on)", "Sit on a chair with your shoes on and your feet "
        "flat. Without curling your toes, pull the ball of your foot towards your heel so the "
        "arch lifts a little. Hold, then relax.",
        "10 times, holding 5 seconds, every day", "short_foot"),
    "balance": (
        "Balance with support (shoes on)", "Wear your shoes and stand at a kitchen worktop or "
        "a sturdy chair, holding on with both hands. Lift one foot a little off the floor and "
        "keep your hips level and your eyes open. As it gets easier, hold on with one hand.",
        "30 seconds on each leg, 3 times a day", "supported_balance"),
}
#: Which exercises suit each profile, in the order they are done.
PLANS = {
    "flat": ("clamshell", "hydrant", "side_raise", "bridge", "single_squat", "calf_stretch",
             "short_foot", "balance"),
    "high": ("calf_stretch", "sole_stretch", "ankle_band", "balance"),
    "normal": ("calf_stretch", "heel_raise", "bridge", "balance"),
    "unknown": ("calf_stretch", "heel_raise", "bridge", "balance"),
}
#: Why these exercises, per profile.
PLAN_WHY = {
    "flat": ("The hip and foot exercises make the muscles that hold your hip, knee and foot in "
             "line stronger. Strengthening the hip for 4 to 8 weeks has helped people with "
             "kneecap pain for months afterwards."),
    "high": ("The stretches keep your calf and the sole of your foot supple, and the ankle "
             "work makes your ankle steadier."),
    "normal": ("You do not need special exercises for your feet. These general ones keep your "
               "feet, ankles and hips strong and supple."),
    "unknown": ("Until we know more, these general exercises keep your feet, ankles and hips "
                "strong and supple."),
}
PLAN_SAFETY = ("Start gently. A little muscle ache is normal; sharp pain is not, so stop and "
               "ask us.")
PLAN_DIABETIC = ("Because you have diabetes, do every exercise with your shoes and socks on, "
                 "and look at your feet when you have finished.")


def exercise_plan(sides_by_profile: dict[str, list[str]], *, diabetic: bool,
                  all_sides: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """The exercises for the profiles found, each once, in the order of the plans.

    An exercise for the foot only one side needs says so in its "how often".
    """
    order: list[str] = []
    wanted: dict[str, set[str]] = {}
    for name in PROFILES:
        for key in PLANS[name] if name in sides_by_profile else ():
            if key not in order:
                order.append(key)
            wanted.setdefault(key, set()).update(sides_by_profile[name])
    out = []
    for key in order:
        name, how, dose, figure = (EXERCISES_DIABETIC if diabetic else {}).get(
            key, EXERCISES[key])
        sides = wanted[key]
        if len(all_sides) > 1 and len(sides) == 1:
            dose += f" (for your {next(iter(sides))} leg)"
        out.append((name, how, dose, figure))
    return out


SHOES = {
    "flat": "Shoes with laces and a firm back around the heel give the insole a steady base.",
    "high": ("Shoes with good cushioning under the heel and the ball of the foot help, with "
             "enough room on top for a high arch."),
    "normal": "Any comfortable shoe that fits well and does up with laces or a strap is fine.",
    "unknown": "Comfortable shoes that fit well and do up with laces or a strap are best.",
}

# --------------------------------------------------------------------------------------------
# Diabetes: looking after your feet
# --------------------------------------------------------------------------------------------

FOOT_CARE_INTRO = (
    "Diabetes can dull the feeling in your feet and slow the healing of small wounds. A small "
    "sore can then become serious before you feel it. A few minutes each day keep your feet "
    "safe.")
FOOT_CARE = (
    "Look at both feet every day, including the soles and between the toes. Use a mirror for "
    "the parts you cannot see, or ask someone to help.",
    "Never walk barefoot, not even at home. Wear socks with shoes or slippers that cover your "
    "feet.",
    "Wear shoes that fit well, with room for your toes, and laces or straps. Feel inside them "
    "for stones or rough seams before you put them on.",
    "Do not cut corns or hard skin yourself. Test bath water with your elbow, not your foot.",
    "See your podiatrist the same day if you find a wound, a blister, a cut, or a change of "
    "colour, swelling or warmth on your foot.",
)

# --------------------------------------------------------------------------------------------
# The insole and what each part does
# --------------------------------------------------------------------------------------------

#: Plain names of the foot's regions (the insole's offloading regions).
REGION_WORDS = {
    "medial_heel": "the inner heel", "lateral_heel": "the outer heel",
    "midfoot": "the middle of the foot", "m1": "the ball of the foot behind the big toe",
    "m2": "the ball of the foot behind the second toe",
    "m3": "the ball of the foot behind the third toe",
    "m4": "the ball of the foot behind the fourth toe",
    "m5": "the ball of the foot behind the little toe", "hallux": "the big toe",
    "toes_2_5": "the smaller toes",
}


def _join(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def part_words(kind: str, values: dict[str, Any], *, foot_profile: str,
               diabetic: bool) -> tuple[str, str] | None:
    """A part of the insole in plain words: (name, what it does), or None when not shown."""
    if kind == "shell":
        if "full-contact" in str(values.get("product", "")).lower():
            return ("Firm base (shell)", "It is shaped to the whole of your sole, so your "
                    "weight spreads over as much of the foot as it can.")
        if values.get("length") == "3/4":
            return ("Firm base (shell)", "It holds the insole's shape and ends just behind the "
                    "ball of the foot, so it fits in most shoes.")
        return ("Firm base (shell)", "It holds the insole's shape from the heel to the toes.")
    if kind == "arch_support":
        what = {"flat": "It holds up your low arch from underneath so it sinks less when "
                        "you stand and walk.",
                "high": "It fills the space under your high arch so the middle of the foot "
                        "takes some of your weight, not just the heel and the ball of the "
                        "foot."}.get(foot_profile, "It follows the shape of your arch from "
                                                   "underneath for comfort.")
        return ("Arch support", what)
    if kind == "heel_cup":
        return ("Heel cup", "A raised rim around the heel holds the fatty pad under your heel "
                "bone in place, so it cushions and steadies each step.")
    if kind in ("rearfoot_post", "forefoot_post"):
        inner = values.get("side") != "lateral"
        where = "heel" if kind == "rearfoot_post" else "front of the foot"
        name = "Heel wedge (rearfoot post)" if kind == "rearfoot_post" else \
            "Front wedge (forefoot post)"
        return (name, f"A slight slope under the {'inner' if inner else 'outer'} side of the "
                f"{where} helps your foot roll {'inwards' if inner else 'outwards'} less.")
    if kind == "metatarsal_pad":
        return ("Pad behind the ball of the foot (metatarsal pad)", "A small dome just behind "
                "the ball of the foot lifts the bones there a little. It takes pressure off the "
                "spot that pressed hardest.")
    if kind == "offloading":
        regions = [REGION_WORDS.get(r, str(r)) for r in values.get("regions") or []]
        what = (f"A softer area or a cut-out under {_join(regions) if regions else 'the spots'}"
                ", where your foot pressed hardest, lowers the pressure there.")
        if diabetic:
            what += " With diabetes this matters: a spot that takes high pressure can get a " \
                "sore you may not feel."
        return ("Pressure relief (offloading)", what)
    if kind == "heel_lift":
        return ("Heel raise", "It lifts the heel a little.")
    if kind == "top_cover":
        if values.get("cushioning") == "extra":
            return ("Soft top layer", "An extra soft layer on top cushions each step.")
        return ("Top layer", "A thin, smooth layer on top is what your sock touches.")
    return None


def insole_parts(proposal: Proposal, profiles: dict[str, str], *,
                 diabetic: bool) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """The active parts of the insoles: (element kind, name, what it does, sides).

    A part the same on both insoles is listed once; when the two insoles' parts differ in
    what they do, each side gets its own line.
    """
    from orthofit.proposal.model import ELEMENT_KINDS

    out: list[tuple[str, str, str, tuple[str, ...]]] = []
    for kind in ELEMENT_KINDS:
        seen: dict[tuple[str, str], list[str]] = {}
        for foot in proposal.feet:
            words = _foot_part(foot, kind, profiles.get(foot.side, "unknown"), diabetic)
            if words is not None:
                seen.setdefault(words, []).append(foot.side)
        for (name, what), sides in seen.items():
            out.append((kind, name, what, tuple(sides)))
    return out


def _foot_part(foot: FootProposal, kind: str, foot_profile: str,
               diabetic: bool) -> tuple[str, str] | None:
    el = foot.elements.get(kind)
    if el is None or not el.active:
        return None
    return part_words(kind, dict(el.values), foot_profile=foot_profile, diabetic=diabetic)


WEARING = ("Wear the insoles for an hour or two at first and add a little time each day. They "
           "work best in shoes that do up with laces or a strap.")
WEARING_DIABETIC = ("In the first weeks, look at your feet each time you take the insoles out. "
                    "If a red mark has not faded after half an hour, stop wearing them and "
                    "call us.")

# --------------------------------------------------------------------------------------------
# Closing words
# --------------------------------------------------------------------------------------------

SEE_A_PROFESSIONAL = (
    "See a physiotherapist, a podiatrist or an orthopaedic specialist if pain in your foot, "
    "knee or hip lasts more than a few weeks, keeps you from your usual activities, gets worse "
    "even with the exercises and insoles, or wakes you at night. See a doctor straight away if "
    "a joint is swollen, hot or red, or if you cannot put weight on your leg.")

NOT_A_DIAGNOSIS = (
    "This report explains what the pressure mat measured. It is not a diagnosis. A pressure "
    "scan shows how your weight is spread under your feet; it does not show bones, joints or "
    "the length of your legs. Your podiatrist will go through it with you.")


def contact(clinic: str | None, details: str | None) -> str | None:
    """The "Questions?" line with the clinic's contact details, or None when none are given."""
    lines = [ln.strip() for ln in str(details or "").splitlines() if ln.strip()]
    if not lines:
        return None
    who = f"{clinic}" if clinic else "us"
    return f"If you have questions about your scan, your insoles or your exercises, contact " \
        f"{who}:\n" + "\n".join(lines)


def sides_phrase(sides: Iterable[str], all_sides: Sequence[str]) -> str:
    """"both insoles" / "left insole" for a part list."""
    sides = list(sides)
    if len(all_sides) > 1 and len(sides) == len(all_sides):
        return "both insoles"
    return " and ".join(sides) + " insole" + ("s" if len(sides) > 1 else "")


def cannot_analyse(analysis: Analysis) -> str:
    """Why a scan could not be analysed, for the clinician."""
    reasons = "; ".join(analysis.warnings) or "no complete footprint was found"
    return f"This scan could not be analysed: {reasons}. Repeat the capture with both feet " \
        "fully on the mat."


def cannot_analyse_patient(analysis: Analysis) -> str:
    """The same, in plain words."""
    if not analysis.steps:
        return ("The mat did not pick up your feet in this scan, so there is nothing to "
                "explain yet. We will repeat the scan with you.")
    return ("Part of your foot was off the edge of the mat in this scan, so we could not "
            "measure it properly. We will repeat the scan with you.")
