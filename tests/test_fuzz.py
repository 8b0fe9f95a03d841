"""Every way bytes come in, fuzzed briefly (the long run: ``python benchmarks/fuzz.py``).

Each target of the harness gets its seeds mutated by Hypothesis-chosen edits, derandomised so a
run never depends on luck: the same inputs every time, and a failure shrinks to the fewest
edits. Every input a longer fuzzing run ever found (``tests/data/fuzz/TARGET/*.bin``) is
replayed.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orthofit.errors import OrthofitError

from conftest import REPO

_spec = importlib.util.spec_from_file_location("orthofit_fuzz", REPO / "benchmarks" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fuzz  # dataclasses look their module up while it loads
_spec.loader.exec_module(fuzz)

TARGETS = fuzz.targets()
FOUND = sorted(p for p in fuzz.FINDINGS.glob("*/*.bin"))

#: Inputs per target in the test run: a few seconds each.
EXAMPLES = 100


def feed(target, data: bytes) -> None:
    try:
        target.run(data)
    except OrthofitError:
        pass  # a message for the user: what a damaged input should give


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_mutated_inputs_give_only_orthofit_errors(name):
    target = TARGETS[name]
    seeds = target.seeds()

    @settings(max_examples=EXAMPLES, deadline=fuzz.HANG_S * 1000, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    @given(st.integers(0, len(seeds) - 1), st.integers(0, 2**32 - 1), st.integers(1, 6))
    def check(which, seed, rounds):
        feed(target, fuzz.mutate(seeds[which], random.Random(seed), rounds))

    check()


def test_the_seeds_themselves_are_read_without_error():
    # A harness whose seeds already fail would fuzz nothing but the error path.
    for name, target in TARGETS.items():
        for data in target.seeds():
            target.run(data)  # no exception at all, not even orthofit's own
            assert data, name


@pytest.mark.parametrize("path", FOUND, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_input_fuzzing_found_stays_fixed(path: Path):
    name = path.parent.name.replace("_", ":", 1)
    if name not in TARGETS:
        pytest.skip(f"{name}: its seeds are not here (../shared missing?)")
    feed(TARGETS[name], path.read_bytes())


def test_mutations_change_inputs_and_replace_numbers_with_absurd_ones():
    rng = random.Random(3)
    data = b"1 2 3\n4 5 6\n"
    outs = {fuzz.mutate(data, rng) for _ in range(200)}
    assert len(outs) > 150
    assert any(token in out for out in outs for token in (b"nan", b"inf", b"1e308"))
