"""Every question's work is bounded, whatever a hostile document holds.

Each hostile test runs under an alarm: a regression fails it instead of hanging the suite. What
is checked is behaviour (the answer, what was searched, how often the costly steps ran), never
how long they took.
"""

from __future__ import annotations

import difflib
import itertools
import signal
import string
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import SEED, write_corpus

from bot import Settings, ask, load
from bot.analysis import word_terms
from bot.errors import QuestionError
from bot.query import (
    MAX_ALIASES_PER_DOCUMENT,
    MAX_ALTERNATIVES_PER_WORD,
    MAX_CORRECTED_WORDS,
    MAX_CORRECTION_CANDIDATES,
    MAX_QUERY_TERMS,
    MAX_QUESTION_CHARS,
    MAX_RAW_QUESTION_CHARS,
    Lexicon,
    build_query,
    clean_question,
    learn_aliases,
)

# Far longer than any of these tests takes, far shorter than the unbounded work took.
ALARM_SECONDS = 20
VALIUM_QUESTION = "What is the usual dose of Valium for muscle spasms?"


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


def test_a_question_on_a_name_with_many_pairs_still_quotes_its_passage(aliases_bot):
    with alarm():
        answer, _ = ask(aliases_bot, VALIUM_QUESTION)
    assert not answer.abstained
    assert any("2-10 mg taken 2-4 times daily" in q.text for q in answer.quotes)
    valium = next(c for c in answer.query.concepts if c.word == "valium")
    assert len(valium.alternatives) <= 1 + MAX_ALTERNATIVES_PER_WORD
    # The name the most passages use is kept among the many.
    assert ("diazepam",) in valium.alternatives
    assert len(set(answer.query.terms)) <= MAX_QUERY_TERMS


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


def test_a_word_keeps_the_groups_whose_names_the_most_passages_use():
    made = made_up(3 * MAX_ALTERNATIVES_PER_WORD, "qz")
    counts = sorted([("diazepam", 40), ("valium", 50), *((name, 1) for name in made)])
    groups = tuple((("valium",), (name,)) for name in [*made, "diazepam"])
    lexicon = Lexicon(tuple(counts), groups)
    kept = [lexicon.groups[n] for n in lexicon._by_word["valium"]]
    assert len(kept) == MAX_ALTERNATIVES_PER_WORD
    assert (("valium",), ("diazepam",)) in kept
    assert kept[:-1] == list(groups[: MAX_ALTERNATIVES_PER_WORD - 1])  # ties: the first ones
    # Every name still knows its own groups.
    assert lexicon._by_word[made[-1]] == (len(made) - 1,)


def test_a_long_question_of_names_with_many_names_searches_a_bounded_query():
    # 300 words, each the first of as many name pairs as a word may be searched with.
    asked = made_up(300, "zw", 3)
    groups = tuple(
        ((word,), (f"{word}{other}",))
        for word in asked
        for other in made_up(MAX_ALTERNATIVES_PER_WORD, "", 2)
    )
    names = {w for g in groups for item in g for w in item}
    lexicon = Lexicon(tuple((w, 1) for w in sorted(names)), groups)
    question = " ".join(asked)[:MAX_QUESTION_CHARS]
    with alarm():
        query = build_query(question, lexicon, names, Settings())
    own = {t for word in asked for t in word_terms(word, Settings())}
    assert len(set(query.terms) - own) <= MAX_QUERY_TERMS
    assert all(len(c.alternatives) <= 1 + MAX_ALTERNATIVES_PER_WORD for c in query.concepts)
    # The question's own words are all searched, and all still concepts a quote must speak of.
    assert own <= set(query.terms)
    assert [c.word for c in query.concepts] == asked


# 470,000 such words made a long misspelled question spend 147 s finding corrections.
WORDS = 30_000


@pytest.fixture(scope="module")
def words_bot(tmp_path_factory: pytest.TempPathFactory):
    # "s" and five letters: all of one first letter and length, where corrections are looked for.
    text = "Word list\n" + " ".join(made_up(WORDS, "s", 5)) + ".\n"
    folder = with_seed(tmp_path_factory.mktemp("words"), {"words.txt": text})
    with alarm():
        return load(folder, use_cache=False)


# Slips of six letters beginning with "s" that no corpus word is: one more would be tried.
SLIPS = [
    f"sa{end}" for end in ("qapx", "zorq", "xemq", "uzat", "tqff", "pxzz", "ikqe", "omxv", "uzpi", "anxi")
]


def test_a_long_misspelled_question_corrects_a_bounded_number_of_words(words_bot, monkeypatch):
    corrected, compared = [], []
    correct = Lexicon.correct
    close = difflib.get_close_matches

    def counted_correct(self: Lexicon, word: str) -> str | None:
        corrected.append(word)
        return correct(self, word)

    def counted_close(word, candidates, *args, **kwargs):
        compared.append(len(candidates))
        return close(word, candidates, *args, **kwargs)

    monkeypatch.setattr(Lexicon, "correct", counted_correct)
    monkeypatch.setattr(difflib, "get_close_matches", counted_close)
    question = " ".join(SLIPS * 3)
    with alarm():
        answer, _ = ask(words_bot, question)
    assert len(SLIPS) > MAX_CORRECTED_WORDS
    assert corrected == SLIPS[:MAX_CORRECTED_WORDS]  # each distinct word once, the first ones
    assert compared and max(compared) <= 3 * MAX_CORRECTION_CANDIDATES  # its length and one either side
    assert {typed for typed, _ in answer.query.corrections} <= set(SLIPS[:MAX_CORRECTED_WORDS])


def test_a_normal_misspelling_is_still_corrected_beside_many_words(words_bot):
    with alarm():
        answer, _ = ask(words_bot, "how long can i take diazepan for back spasms")
    assert answer.query.corrections == (("diazepan", "diazepam"),)
    assert any(q.doc_id == SEED.stem for q in answer.quotes)


def test_correction_candidates_are_the_most_used_words():
    rare = made_up(2 * MAX_CORRECTION_CANDIDATES, "sa", 4)
    lexicon = Lexicon(tuple(sorted([("sazzzy", 5), *((w, 1) for w in rare)])))
    # "sazzzx" is one letter from "sazzzy", which the most passages use, and from no kept rare word.
    assert lexicon.correct("sazzzx") == "sazzzy"
    assert len(lexicon._by_initial[("s", 6)]) == MAX_CORRECTION_CANDIDATES


def test_a_huge_message_is_refused_before_it_is_cleaned(monkeypatch):
    class Uncleaned:
        def __getattr__(self, name: str) -> object:
            raise AssertionError("the message was cleaned")

    monkeypatch.setattr("bot.query.unicodedata", Uncleaned())
    with alarm(), pytest.raises(QuestionError) as raised:
        clean_question("a" * 10_000_000)
    assert raised.value.length == 10_000_000
    assert raised.value.limit == MAX_QUESTION_CHARS


def test_a_question_padded_with_space_is_still_cleaned_and_asked(seed_bot):
    question = "What is the usual dose of Valium?" + " " * (MAX_RAW_QUESTION_CHARS - 100)
    assert clean_question(question) == "What is the usual dose of Valium?"
    with pytest.raises(QuestionError):
        ask(seed_bot, "x" * (MAX_RAW_QUESTION_CHARS + 1))
