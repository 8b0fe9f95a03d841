"""The patient's report follows the findings: foot type, each foot, diabetes, plain words.

Content is checked on the document (``all_text``) and on the PDF as a reader gets it (pypdf).
The sample visits are synthetic feet whose class is known (walk_flat: low arch, rolls in;
walk_cavus: high arch, rolls out; walk_normal: neither), and feet that differ are made by
giving one foot of a visit another class before the proposal is made.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections import Counter
from functools import cache

import pytest
from pypdf import PdfReader

import orthofit
from orthofit.io.profiles import load_insole_rules
from orthofit.proposal.rules import propose
from orthofit.report import texts
from orthofit.report.content import Exercise, Heading, PageBreak, Para, all_text
from orthofit.report.patient import InsoleParts, patient_report
from orthofit.report.render import render_pdf

from conftest import SAMPLES, visit

INFO = {"date": "2026-11-21", "patient_name": "Alex Example", "clinic": "Demo Clinic"}
CONTACT = "12 High Street, Springfield\nPhone 01234 567890\nfeet@democlinic.example"


@cache
def static(kind: str):
    return orthofit.analyze(orthofit.load(SAMPLES / f"static_{kind}.ofs"))


def report(analysis, *, diabetic=False, **info):
    """The patient document of an analysis, with the engine's proposal."""
    proposal = propose(analysis, load_insole_rules(), diabetic=diabetic)
    rec = analysis.recordings[0]
    return patient_report(analysis, proposal, rec.frames, rec.pitch_mm,
                          info={**INFO, "diabetic": diabetic, **info})


def with_right(analysis, arch: str, roll: str):
    """The analysis with its right foot given another class (a copy; the cache is kept)."""
    feet = [f if f.side == "left" else dataclasses.replace(
        f, classification={**f.classification, "arch_type": arch, "pronation": roll})
        for f in analysis.feet]
    return dataclasses.replace(analysis, feet=feet)


@cache
def doc(name: str, diabetic: bool = False):
    """Documents shared by the tests (built once)."""
    kinds = {"flat": lambda: visit("flat"), "cavus": lambda: visit("cavus"),
             "normal": lambda: visit("normal"), "static_cavus": lambda: static("cavus"),
             "mixed": lambda: with_right(visit("flat"), "high", "supinated")}
    return report(kinds[name](), diabetic=diabetic, clinic_contact=CONTACT)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def exercises(d) -> list[Exercise]:
    return [b for b in d.blocks if isinstance(b, Exercise)]


def section(d, title: str) -> str:
    """The words under a level-1 heading, up to the next one."""
    out, inside = [], False
    for b in d.blocks:
        if isinstance(b, Heading) and b.level == 1:
            inside = b.text == title
        elif inside and isinstance(b, Heading | Para):
            out.append(b.text)
    return squash(" ".join(out))


@cache
def pdf(name: str, diabetic: bool = False, size: str = "a4") -> bytes:
    return render_pdf(doc(name, diabetic), page_size=size, patient=True)


def pdf_text(data: bytes) -> str:
    return squash(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


# --------------------------------------------------------------------------------------------
# The report follows the findings
# --------------------------------------------------------------------------------------------

def test_the_sample_feet_have_the_classes_the_tests_rely_on():
    for kind, arch, roll in (("flat", "low", "pronated"), ("cavus", "high", "supinated"),
                             ("normal", "normal", "neutral")):
        for foot in visit(kind).feet:
            assert (foot.classification["arch_type"], foot.classification["pronation"]) == \
                (arch, roll), (kind, foot.side)


def test_flat_and_high_arched_feet_get_different_texts_and_exercises():
    flat, cavus = doc("flat"), doc("cavus")
    assert section(flat, "What this means") != section(cavus, "What this means")
    assert texts.MEANING["flat"] in section(flat, "What this means")
    assert texts.MEANING["high"] in section(cavus, "What this means")
    flat_ex = {e.name for e in exercises(flat)}
    cavus_ex = {e.name for e in exercises(cavus)}
    assert {"Clamshells", "Fire hydrants", "Glute bridges", "Short foot"} <= flat_ex
    assert {"Sole stretch", "Ankle turns against a band"} <= cavus_ex
    assert not {"Clamshells", "Fire hydrants", "Short foot"} & cavus_ex
    assert not {"Sole stretch", "Ankle turns against a band"} & flat_ex
    # The PDFs say so too.
    assert "Short foot" in pdf_text(pdf("flat")) and "Short foot" not in pdf_text(pdf("cavus"))
    assert "Sole stretch" in pdf_text(pdf("cavus"))


@pytest.mark.parametrize("name", ["cavus", "static_cavus"])
def test_a_foot_rolling_outwards_does_not_get_the_rolling_in_knee_story(name):
    knee = section(doc(name), "Why your feet matter for your knees")
    for paragraph in texts.KNEE["flat"]:
        assert squash(paragraph) not in knee
    assert "patella maltracking" not in all_text(doc(name))
    assert "shin bone inwards" not in all_text(doc(name))
    # Its own story: shock, the ankle, the outer knee, said as a possibility.
    assert "sprain an ankle" in knee and "(iliotibial band)" in knee
    assert "not as things that will happen" in knee
    words = section(doc(name), "What we found")
    assert "roll outwards (supination)" in words and "inwards (pronation)" not in words


def test_a_foot_rolling_inwards_gets_the_kinetic_chain():
    knee = section(doc("flat"), "Why your feet matter for your knees")
    assert "turns the shin bone inwards" in knee
    assert "does not run straight in its groove (patella maltracking)" in knee
    assert "pain around or behind the kneecap (patellofemoral pain)" in knee


def test_a_normal_foot_gets_a_short_reassuring_text_and_general_exercises():
    d = doc("normal")
    meaning = section(d, "What this means")
    assert meaning.startswith("This is good news")
    assert len(meaning) < len(section(doc("flat"), "What this means"))
    knee = section(d, "Why your feet matter for your knees")
    assert "does not point to your feet as the cause" in knee
    assert "kneecap gets pulled" not in knee and "iliotibial" not in knee
    names = [e.name for e in exercises(d)]
    assert names == [texts.EXERCISES[k][0] for k in texts.PLANS["normal"]]
    assert "Heel raises" in names and "Clamshells" not in names


def test_a_hot_spot_is_named_and_not_called_normal():
    d = doc("normal", True)  # normal feet; the diabetic rules offload the big toe
    found = section(d, "What we found")
    assert "high pressure under the big toe of each foot" in found
    assert "Check the skin there every day." in found
    assert "high pressure" not in section(doc("normal"), "What we found")


def test_feet_that_agree_are_described_once():
    words = section(doc("flat"), "What we found")
    assert "Both your feet have a low arch." in words
    assert "both your feet roll inwards (pronation)" in words
    assert "Your left foot" not in words and "Your right foot" not in words
    assert not any(isinstance(b, Heading) and b.level == 2 for b in doc("flat").blocks)


def test_feet_that_differ_each_get_their_part():
    d = doc("mixed")
    found = section(d, "What we found")
    assert "Your left foot has a low arch." in found and "Your right foot has a high arch." \
        in found
    assert "your left foot rolls inwards (pronation)" in found
    assert "your right foot rolls outwards (supination)" in found
    subtitles = [b.text for b in d.blocks if isinstance(b, Heading) and b.level == 2]
    assert subtitles == ["Your left foot", "Your right foot"] * 2  # what it means, knees
    knee = section(d, "Why your feet matter for your knees")
    assert "turns the shin bone inwards" in knee and "(iliotibial band)" in knee
    dose = {e.name: e.dose for e in exercises(d)}
    assert dose["Clamshells"].endswith("(for your left leg)")
    assert dose["Short foot"].endswith("(for your left leg)")
    assert dose["Sole stretch"].endswith("(for your right leg)")
    assert not dose["Calf stretch"].endswith("leg)")  # both feet need it
    # The insole list says which insole a part is on when they differ.
    parts = next(b for b in d.blocks if isinstance(b, InsoleParts))
    names = [row[1] for row in parts.rows[1:]]
    assert "Heel wedge (rearfoot post), left insole only" in names
    assert "Heel wedge (rearfoot post), right insole only" in names


def test_findings_merge_only_what_agrees():
    flat = visit("flat")
    left, right = flat.foot("left"), flat.foot("right")
    neutral = dataclasses.replace(right, classification={**right.classification,
                                                         "pronation": "neutral"})
    words = texts.findings([left, neutral])
    assert words[0] == texts.ARCH_BOTH["low"]
    assert words[1] == (texts.ROLL_WORDS["pronated"].format(side="left") + " "
                        + texts.ROLL_WORDS["neutral"].format(side="right"))
    assert texts.findings([left, right])[1] == texts.ROLL_BOTH["pronated"]


# --------------------------------------------------------------------------------------------
# Diabetes
# --------------------------------------------------------------------------------------------

def test_diabetes_brings_foot_care_and_no_barefoot_exercise():
    plain, diabetic = doc("flat"), doc("flat", True)
    assert all_text(plain) != all_text(diabetic)
    care = section(diabetic, "Looking after your feet with diabetes")
    for line in texts.FOOT_CARE:
        assert squash(line) in care
    assert "Look at both feet every day" in care and "mirror" in care
    assert "Never walk barefoot" in care and "the same day" in care
    assert "Looking after your feet" not in all_text(plain)
    for e in exercises(diabetic):
        words = f"{e.name} {e.how}".lower()
        assert "close your eyes" not in words and "barefoot" not in words
        assert "cushion" not in words  # standing on a cushion: a fall risk
    names = [e.name for e in exercises(diabetic)]
    assert "Balance on one leg" not in names and "Balance with support (shoes on)" in names
    assert "Short foot (seated, shoes on)" in names
    assert "shoes and socks on" in section(diabetic, "Your exercise plan")
    # Without diabetes the balance exercise goes on to closed eyes.
    assert "close your eyes" in next(e.how for e in exercises(plain)
                                     if e.name == "Balance on one leg")
    text = pdf_text(pdf("flat", True))
    assert "Never walk barefoot" in text and "Balance with support" in text
    assert "close your eyes" not in text


@pytest.mark.parametrize("info", [{"diabetic": True},
                                  {"patient": {"conditions": ["Type 2 diabetes"]}}])
def test_diabetes_is_read_from_the_flag_or_the_conditions(info):
    analysis = visit("normal")
    proposal = propose(analysis, load_insole_rules())  # made without the flag
    rec = analysis.recordings[0]
    d = patient_report(analysis, proposal, rec.frames, rec.pitch_mm, info={**INFO, **info})
    assert "Looking after your feet with diabetes" in all_text(d)
    other = patient_report(analysis, proposal, rec.frames, rec.pitch_mm,
                           info={**INFO, "patient": {"conditions": ["asthma"]}})
    assert "Looking after your feet" not in all_text(other)


def test_the_diabetic_insole_text_explains_the_offloading():
    d = doc("normal", True)
    parts = next(b for b in d.blocks if isinstance(b, InsoleParts))
    row = next(r for r in parts.rows[1:] if r[1].startswith("Pressure relief (offloading)"))
    assert "the big toe" in row[2] and "diabetes" in row[2]  # the sample's hot spot: hallux
    assert "offloading" in parts.kinds


# --------------------------------------------------------------------------------------------
# Plain words, no kPa, nothing said twice
# --------------------------------------------------------------------------------------------

#: Words a patient must not meet bare (stems); the TERMS entries are allowed in their brackets.
JARGON = ("pronat", "supinat", "maltracking", "patellofemoral", "plantar", "peroneal",
          "iliotibial", "metatarsal", "offload", "rearfoot", "forefoot", "hallux", "medial",
          "lateral", "valgus", "varus", "kinetic chain", "dorsiflex", "cpei", "kpa", "orthos",
          "orthotic", "stress fracture")
ALL_DOCS = [("flat", False), ("cavus", False), ("normal", False), ("mixed", False),
            ("flat", True), ("normal", True), ("static_cavus", False)]


def without_explained_terms(text: str) -> str:
    """The text with every "plain words (term)" taken out."""
    for term, plain in texts.TERMS.items():
        alternatives = "|".join(re.escape(p) for p in plain)
        text = re.sub(rf"(?:{alternatives}) \({re.escape(term)}\)", " ", text, flags=re.I)
    return text


@pytest.mark.parametrize("name, diabetic", ALL_DOCS)
def test_every_technical_word_comes_after_its_plain_words(name, diabetic):
    text = squash(all_text(doc(name, diabetic)))
    rest = without_explained_terms(text)
    for word in (*JARGON, *texts.TERMS):
        assert not re.search(rf"\b{re.escape(word)}", rest, re.I), word


@pytest.mark.parametrize("name, diabetic", [("flat", False), ("cavus", True)])
def test_the_pdf_has_no_bare_technical_word(name, diabetic):
    # The drawings' own words (insole captions, scale, titles) are held to it too.
    rest = without_explained_terms(pdf_text(pdf(name, diabetic)))
    for word in (*JARGON, *texts.TERMS):
        assert not re.search(rf"\b{re.escape(word)}", rest, re.I), word


def test_the_terms_are_really_used_in_brackets():
    flat, cavus = squash(all_text(doc("flat"))), squash(all_text(doc("cavus")))
    assert "roll inwards (pronation)" in flat and "(patella maltracking)" in flat
    assert "roll outwards (supination)" in cavus and "(plantar fascia)" in cavus
    assert "(peroneal muscles)" in cavus and "Heel wedge (rearfoot post)" in cavus
    # The test above would catch a bare term: it finds one in a made-up sentence.
    assert re.search(r"\bpronation", without_explained_terms("Your foot shows pronation."))


@pytest.mark.parametrize("name, diabetic", [("flat", False), ("static_cavus", False),
                                            ("normal", True), ("mixed", False)])
def test_no_kpa_reaches_the_patient(name, diabetic):
    text = pdf_text(pdf(name, diabetic))
    assert "kPa" not in text and "kpa" not in text.lower()
    assert "more pressure" in text and "less pressure" in text
    assert "kPa" not in all_text(doc(name, diabetic))


def sentences(d) -> list[str]:
    """The sentences of the prose: paragraphs, exercise instructions, the insole list."""
    chunks = []
    for b in d.blocks:
        if isinstance(b, Para):
            chunks.append(b.text.removeprefix("\u2022 "))
        elif isinstance(b, Exercise):
            chunks.append(b.how)
        elif isinstance(b, InsoleParts):
            chunks += [row[2] for row in b.rows[1:]]
    out = []
    for chunk in chunks:
        out += [s for s in re.split(r"(?<=[.!?])\s+", squash(chunk)) if len(s.split()) > 3]
    return out


@pytest.mark.parametrize("name, diabetic", ALL_DOCS)
def test_no_sentence_is_repeated_word_for_word(name, diabetic):
    counts = Counter(sentences(doc(name, diabetic)))
    assert len(counts) > 30
    assert [s for s, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("name, diabetic", [("cavus", False), ("flat", True),
                                            ("mixed", False)])
def test_the_words_stay_easy_to_read(name, diabetic):
    # Flesch-Kincaid grade of the prose (as tests/test_reports.py does for the flat visit).
    text = all_text(doc(name, diabetic))
    n_sentences = max(len(re.findall(r"[.!?]", text)), 1)
    words = re.findall(r"[A-Za-z']+", text)

    def syllables(word: str) -> int:
        groups = re.findall(r"[aeiouy]+", word.lower())
        return max(1, len(groups) - (word.lower().endswith("e") and len(groups) > 1))

    grade = 0.39 * len(words) / n_sentences + 11.8 * sum(map(syllables, words)) / len(words) \
        - 15.59
    assert grade <= 8.5


# --------------------------------------------------------------------------------------------
# The insole, the clinic, the pages
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, diabetic", [("flat", False), ("cavus", False),
                                            ("normal", True), ("mixed", False)])
def test_the_insole_part_list_is_the_proposal(name, diabetic):
    d = doc(name, diabetic)
    analysis = {"flat": visit("flat"), "cavus": visit("cavus"), "normal": visit("normal"),
                "mixed": with_right(visit("flat"), "high", "supinated")}[name]
    proposal = propose(analysis, load_insole_rules(), diabetic=diabetic)
    active = {k for f in proposal.feet for k, el in f.elements.items() if el.active}
    parts = next(b for b in d.blocks if isinstance(b, InsoleParts))
    assert set(parts.kinds) == active
    # One line per part (two when the insoles' parts do different things).
    assert len(parts.rows) - 1 >= len(active)
    # The picture's numbers are the list's: each zone is labelled with its part's number.
    numbers = {}
    for mark, part, _ in parts.rows[1:]:
        if mark.isdigit():
            numbers.setdefault(mark, part)
    labels = {z.label for o in parts.outlines for z in o.zones}
    assert labels == set(numbers) and labels
    for o in parts.outlines:
        for z in o.zones:
            title = numbers[z.label].lower()
            assert {"arch_support": "arch support", "rearfoot_post": "heel wedge",
                    "forefoot_post": "front wedge", "metatarsal_pad": "ball of the foot",
                    "offloading": "pressure relief", "heel_lift": "heel raise"}[z.kind] in title


def test_the_clinic_contact_closes_the_report_when_given():
    text = pdf_text(pdf("flat"))
    assert "Questions?" in text and "Phone 01234 567890" in text
    assert text.index("Phone 01234 567890") > text.index("This is not a diagnosis")
    plain = report(visit("flat"))  # no contact details
    words = all_text(plain)
    assert "Questions?" not in words and "None" not in words and "contact" not in words


def fills(data: bytes) -> list[float]:
    """How far down each page's frame (18 mm margins) its text reaches (0-1)."""
    mm = 72 / 25.4
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        top, bottom = float(page.mediabox.height) - 18 * mm, 18 * mm
        ys = []

        def visit_text(text, cm, tm, font, size, ys=ys):
            if text.strip():
                ys.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])

        page.extract_text(visitor_text=visit_text)
        body = [y for y in ys if bottom - 2 < y < top + 2]
        out.append((top - min(body)) / (top - bottom) if body else 0.0)
    return out


@pytest.mark.parametrize("name, diabetic, size", [
    ("flat", False, "a4"), ("cavus", False, "a4"), ("normal", False, "a4"),
    ("flat", True, "a4"), ("cavus", True, "letter"), ("flat", False, "letter"),
    ("mixed", False, "a4")])
def test_no_page_is_left_mostly_empty(name, diabetic, size):
    assert not any(isinstance(b, PageBreak) for b in doc(name, diabetic).blocks)
    pages = fills(pdf(name, diabetic, size))
    assert len(pages) >= 2
    assert min(pages[:-1]) >= 0.5, pages
    assert pages[-1] > 0.05
