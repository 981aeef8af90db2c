"""Every question's work is bounded, whatever a hostile document holds.

Each hostile test runs under an alarm: a regression fails it instead of hanging the suite. What
is checked is behaviour (the answer, what was searched, how often the costly steps ran), never
how long they took.
"""

from __future__ import annotations

import itertools
import signal
import string
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import SEED, write_corpus

from bot import ask, load
from bot.query import (
    MAX_ALIASES_PER_DOCUMENT,
    learn_aliases,
)

# Far longer than any of these tests takes, far shorter than the unbounded work took.
ALARM_SECONDS = 20


@contextmanager
def alarm(seconds: int = ALARM_SECONDS) -> Iterator[None]:
    """Fail the test when the block runs longer than `seconds`."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def made_up(count: int, prefix: str, letters: int = 4) -> list[str]:
    """Return `count` distinct made-up words: `prefix` and then `letters` lower-case letters."""
    combinations = itertools.product(string.ascii_lowercase, repeat=letters)
    return [prefix + "".join(c) for c in itertools.islice(combinations, count)]


def with_seed(folder: Path, documents: dict[str, str]) -> Path:
    """Write documents beside the seed document (on Valium, also called diazepam)."""
    return write_corpus(folder, {SEED.name: SEED.read_text(encoding="utf-8"), **documents})


# 40,000 such lines made a Valium question take 26 s; each made-up name was one more name of Valium.
PAIRS = 40_000


@pytest.fixture(scope="module")
def aliases_bot(tmp_path_factory: pytest.TempPathFactory):
    lines = ["Valium (bleach) is here."] + [f"Valium ({name}) is here." for name in made_up(PAIRS, "Qz")]
    folder = with_seed(tmp_path_factory.mktemp("aliases"), {"names.txt": "Names\n" + "\n".join(lines) + "\n"})
    with alarm():
        return load(folder, use_cache=False)


def test_a_document_teaches_only_its_first_name_pairs_and_is_reported(aliases_bot):
    problems = [p for p in aliases_bot.problems if p.path == "names.txt"]
    assert [p.message for p in problems] == [
        f"learned only the first {MAX_ALIASES_PER_DOCUMENT} of {PAIRS} name pairs 'Name (other)';"
        " the rest are ignored"
    ]
    valium = [g for g in aliases_bot.lexicon.groups if ("valium",) in g]
    assert len(valium) == MAX_ALIASES_PER_DOCUMENT + 1  # and the seed's "Valium (diazepam)"


def test_an_everyday_word_written_as_a_name_finds_nothing_else(aliases_bot):
    with alarm():
        answer, _ = ask(aliases_bot, "Is bleach dangerous to drink?")
    assert "valium" not in answer.query.terms
    assert not any(q.doc_id == SEED.stem for q in answer.quotes)


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("Valium (bleach) is here.", []),
        ("soap (Valium) is here.", []),
        ("Carisoprodol (Soma) and alprazolam (Xanax)", [("carisoprodol", "soma"), ("alprazolam", "xanax")]),
    ],
    ids=["lower-case-everyday-word", "everyday-word-outside", "capitalized-brands"],
)
def test_an_everyday_word_is_a_name_only_when_capitalized(text, pairs):
    assert learn_aliases([text]) == pairs
