"""The words of the reports, in one place.

Patient texts aim at a reading age of about 12: short sentences, everyday words, one idea at a
time. Facts come from DOMAIN.md (kinetic chain: Tiberio 1987, Neal 2014; hip strengthening:
Khayambashi 2012).
"""

from __future__ import annotations

from orthofit.analysis.pipeline import Analysis, FootResult
from orthofit.proposal.model import Proposal
from orthofit.proposal.rules import is_uncertainty_note

PICTURE = ("These are your own footprints from the pressure mat, seen from above. Darker "
           "means more pressure. The scale beside them shows the pressure in kilopascals (kPa).")

ARCH_WORDS = {
    "low": "Your {side} foot has a low arch. More of the middle of your foot touches the "
           "ground than in most people. Some people call this a flat foot.",
    "normal": "Your {side} foot has a normal arch. The middle of your foot lifts off the "
              "ground about as much as in most people.",
    "high": "Your {side} foot has a high arch. The middle of your foot hardly touches the "
            "ground, so your heel and the ball of your foot carry most of your weight.",
}
#: Why a class is not said yet, in plain words (from the reason the analysis gives).
UNSURE_ARCH = {
    "few": "We need a few more steps on the mat to say what kind of arch your {side} foot has.",
    "varied": "Your {side} foot left a slightly different print with each step, so we do not "
              "say yet what kind of arch it has. A few more steps on the mat will tell.",
    "close": "The arch of your {side} foot is close to the line between two kinds of arch, so "
             "we do not say yet which it is.",
}
ROLL_WORDS = {
    "pronated": "When you stand and walk, this foot rolls inwards more than usual. This is "
                "called pronation.",
    "neutral": "This foot rolls inwards and outwards about as much as most feet do.",
    "supinated": "This foot rolls outwards more than usual, onto its outer edge. This is "
                 "called supination.",
}
UNSURE_ROLL = {
    "few": "A few more steps will also show how this foot rolls.",
    "varied": "How this foot rolls changed from step to step, so we do not say yet.",
    "close": "How this foot rolls is close to the line between two groups, so we do not say "
             "yet.",
}


def _unsure_kind(reason: str | None) -> str:
    """Why a class is uncertain: too few steps, steps that differ, or close to a cut-off."""
    text = reason or ""
    if "are needed" in text:
        return "few"
    return "close" if "within" in text or "standing" in text else "varied"

KINETIC_CHAIN_1 = (
    "Your foot, shin, knee and hip work together like links in a chain. When a foot rolls "
    "inwards a lot, it turns the shin bone inwards too. If the hip also turns in and the knee "
    "drops inwards, the kneecap gets pulled towards the outside of the knee.")
KINETIC_CHAIN_2 = (
    "The kneecap normally slides up and down in a groove at the front of the knee. When it is "
    "pulled outwards, it does not run straight in its groove. Doctors call this patella "
    "maltracking. It can press hard on the back of the kneecap and cause pain around or behind "
    "it, called patellofemoral pain or 'runner's knee'. Feet that roll in are only one small "
    "part of this. Weak hip muscles, tight calves and weak foot muscles matter too, so "
    "exercises help as much as insoles.")

PLAN_INTRO = (
    "These exercises make the muscles that hold your hip, knee and foot in line stronger. "
    "Strengthening the hip for 4 to 8 weeks has helped people with kneecap pain for months "
    "afterwards. Start gently. A little muscle ache is normal; sharp pain is not, so stop and "
    "ask us.")

#: (name, how, how often, illustration key)
EXERCISES = (
    ("Clamshells", "Lie on your side with your knees bent and your feet together. Keep your "
     "feet touching and lift your top knee like a clam opening. Lower it slowly.",
     "2 sets of 10 on each side, every day", "clamshell"),
    ("Fire hydrants", "Kneel on your hands and knees. Keep your knee bent and lift one leg out "
     "to the side, then lower it. Keep your back still.", "2 sets of 10 on each side, every day",
     "hydrant"),
    ("Side-lying leg raises", "Lie on your side with your bottom knee bent. Keep your top leg "
     "straight and lift it up, toes pointing forward, then lower it slowly.",
     "2 sets of 10 on each side, every day", "side_raise"),
    ("Glute bridges", "Lie on your back with your knees bent and feet flat. Squeeze your bottom "
     "and lift your hips until your body is straight from shoulders to knees. Hold for 3 "
     "seconds.", "2 sets of 10, every day", "bridge"),
    ("Single-leg squats (later)", "When the others feel easy: stand on one leg and bend the "
     "knee a little, keeping the knee over your second toe, not falling inwards.",
     "from week 4: 2 sets of 8 on each leg, every other day", "single_squat"),
    ("Calf stretch", "Stand facing a wall with one foot back. Keep the back heel down and the "
     "knee straight, and lean forward until you feel a stretch in the calf. Then bend the back "
     "knee a little to stretch lower down.", "hold 30 seconds, 3 times on each leg, twice a day",
     "calf_stretch"),
    ("Short foot", "Sit with your foot flat. Without curling your toes, pull the ball of your "
     "foot towards your heel so the arch lifts a little. Hold, then relax.",
     "10 times, holding 5 seconds, every day", "short_foot"),
    ("Balance on one leg", "Stand on one leg near something to hold. Keep your knee soft and "
     "your hips level. When it gets easy, close your eyes or stand on a cushion.",
     "30 seconds on each leg, 3 times a day", "balance"),
)

SEE_A_PROFESSIONAL = (
    "See a physiotherapist, a podiatrist or an orthopaedic specialist if pain in your foot, "
    "knee or hip lasts more than a few weeks, keeps you from your usual activities, gets worse "
    "even with the exercises and insoles, or wakes you at night. See a doctor straight away if "
    "a joint is swollen, hot or red, if you cannot put weight on your leg, or if you have "
    "diabetes and notice a sore, a blister or a change of colour on your foot.")

NOT_A_DIAGNOSIS = (
    "This report explains what the pressure mat measured. It is not a diagnosis. A pressure "
    "scan shows how your weight is spread under your feet; it does not show bones, joints or "
    "the length of your legs. Your podiatrist will go through it with you.")


def foot_summary(foot: FootResult) -> str:
    """A plain-language paragraph about one foot."""
    c = foot.classification
    side = foot.side
    parts = []
    arch = c.get("arch_type")
    if arch in ARCH_WORDS:
        parts.append(ARCH_WORDS[arch].format(side=side))
    elif arch == "uncertain":
        parts.append(UNSURE_ARCH[_unsure_kind(c.get("arch_reason"))].format(side=side))
    roll = c.get("pronation")
    if roll in ROLL_WORDS:
        parts.append(ROLL_WORDS[roll])
    elif roll == "uncertain":
        parts.append(UNSURE_ROLL[_unsure_kind(c.get("pronation_reason"))])
    if c.get("arch_borderline") or c.get("pronation_borderline"):
        parts.append("Some of these results are close to the line between two groups, so "
                     "they are less certain.")
    if not parts:
        parts.append(f"We could not measure your {side} foot well enough to describe it.")
    return " ".join(parts)


INSOLE_WORDS = {
    "arch_support": "supports the arch of your {side} foot from underneath",
    "rearfoot_post": "has a small wedge under the heel that stops the {side} foot rolling "
                     "{direction} so much",
    "forefoot_post": "has a small wedge under the front of the {side} foot",
    "metatarsal_pad": "has a small dome behind the ball of the {side} foot to take pressure "
                      "off the sore spot",
    "offloading": "has a softer area or a cut-out under the high-pressure spots of the {side} "
                  "foot",
    "heel_lift": "raises the {side} heel a little",
}


def insole_lines(proposal: Proposal) -> list[str]:
    """What each insole does, in words."""
    lines = []
    for foot in proposal.feet:
        did = []
        for kind, words in INSOLE_WORDS.items():
            el = foot.elements.get(kind)
            if el is None or not el.active:
                continue
            direction = "outwards" if el.values.get("side") == "lateral" else "inwards"
            did.append(words.format(side=foot.side, direction=direction))
        cover = foot.elements.get("top_cover")
        if cover is not None and cover.values.get("cushioning") == "extra":
            did.append("has an extra soft top layer to cushion your steps")
        if did:
            lines.append(f"The insole for your {foot.side} foot " + "; it ".join(did) + ".")
    # What the engine left out because a class is uncertain is for the clinician; the patient
    # reads about it in the summary of each foot.
    lines += [n for n in proposal.notes if not is_uncertainty_note(n)]
    lines.append("Wear the insoles for an hour or two at first and add a little time each day. "
                 "They work best in firm, lace-up shoes.")
    return lines


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
