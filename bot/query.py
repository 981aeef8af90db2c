"""Question -> `Query`: cleaning, spelling corrections, aliases, synonyms and question words.

The `Lexicon` is learned from the corpus when the index is built: the words passages use (for
spelling), and groups of names that mean the same thing, from "Valium (diazepam)" patterns in
the documents and from the user's synonyms file. Question words ("treatments", "how many
people") add, at a lower weight, the words answers use for them ("management", "prevalence").
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from nltk.metrics.distance import edit_distance

from bot.analysis import framing_words, normalize, word_terms, words
from bot.config import Settings
from bot.errors import QuestionError
from bot.records import Corpus, Passage, Query

MAX_QUESTION_CHARS = 2000
# Shorter unknown words are more often real words the corpus lacks than typos ("safe", not "same").
MIN_CORRECTED = 5
# Words that frame a question ("the usual dose") say little about which passage answers it.
FRAMING_WEIGHT = 0.25
# Answer words for how a question is asked ("treatments": "management, therapy") point to the
# passage of the right type within a topic's documents, but are not what the user typed.
QUESTION_WORD_WEIGHT = 0.5
# "Valium (diazepam)", "baclofen (Lioresal)": two single names, one of them capitalized.
_ALIAS = re.compile(r"\b([A-Za-z][A-Za-z-]{3,})[ \t]+\(([A-Za-z][A-Za-z-]{3,})\)")
# What every `_ALIAS` match holds, found far faster (it starts with a bracket): most texts have none.
_ALIAS_END = re.compile(r"[ \t]\([A-Za-z][A-Za-z-]{3,}\)")


@cache
def question_words() -> tuple[tuple[tuple[tuple[str, ...], ...], tuple[str, ...]], ...]:
    """Return the shipped rules mapping question words to answer words, as (left items, right words).

    Each left item is the normalized words that must all occur in a question for the rule to fire.

    Raises:
        ValueError: a line of the shipped file is not `question words -> answer words`.
    """
    text = resources.files("bot").joinpath("data/question_words.txt").read_text(encoding="utf-8")
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        left, sep, right = line.partition("->")
        asked = tuple(tuple(words(item)) for item in left.split(",") if words(item))
        answered = tuple(dict.fromkeys(w for item in right.split(",") for w in words(item)))
        if not (sep and asked and answered):
            raise ValueError(f"question_words.txt:{number}: write 'question words -> answer words'")
        rules.append((asked, answered))
    return tuple(rules)


def answer_words(asked: Iterable[str]) -> list[str]:
    """Return the answer words of every rule whose question words occur among the given words."""
    present = set(asked)
    found: dict[str, None] = {}
    for items, answered in question_words():
        if any(all(w in present for w in item) for item in items):
            found.update(dict.fromkeys(answered))
    return list(found)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """What the corpus teaches about words: their passage counts and their synonym groups."""

    word_counts: tuple[tuple[str, int], ...] = ()
    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()
    _counts: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    _by_word: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)
    _by_initial: dict[tuple[str, int], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        self._counts.update(self.word_counts)
        by_word: dict[str, list[int]] = {}
        for number, group in enumerate(self.groups):
            for item in group:
                for word in item:
                    by_word.setdefault(word, []).append(number)
        self._by_word.update({w: tuple(dict.fromkeys(g)) for w, g in by_word.items()})
        by_initial: dict[tuple[str, int], list[str]] = {}
        for word, _ in self.word_counts:
            by_initial.setdefault((word[0], len(word)), []).append(word)
        self._by_initial.update({k: tuple(v) for k, v in by_initial.items()})

    def count(self, word: str) -> int:
        """Return how many passages use this normalized word."""
        return self._counts.get(word, 0)

    def correct(self, word: str) -> str | None:
        """Return the corpus word closest to a misspelled word, or None when none is close.

        Candidates share the first letter and are at most one edit away (two for words of nine
        letters or more, transpositions counting once); the closest wins, then the most used.
        """
        limit = 1 if len(word) < 9 else 2
        candidates = [
            c
            for size in range(len(word) - limit, len(word) + limit + 1)
            for c in self._by_initial.get((word[0], size), ())
        ]
        close = difflib.get_close_matches(word, candidates, n=8, cutoff=0.7)
        scored = [(edit_distance(word, c, transpositions=True), -self.count(c), c) for c in close]
        scored = [s for s in scored if s[0] <= limit]
        return min(scored)[2] if scored else None

    def synonyms(self, question_words: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
        """Return (question word, words of a synonym) for each synonym item the question uses."""
        present = set(question_words)
        found = []
        for number in dict.fromkeys(g for w in question_words for g in self._by_word.get(w, ())):
            group = self.groups[number]
            used = [item for item in group if all(w in present for w in item)]
            for item in used:
                for other in group:
                    if other not in used:
                        found.extend((w, other) for w in item)
        return found


def learn_aliases(texts: Iterable[str]) -> list[tuple[str, ...]]:
    """Return name pairs written as 'Name (other)' where exactly one side is capitalized or both are."""
    pairs: dict[tuple[str, str], None] = {}
    for text in texts:
        if "(" not in text or not _ALIAS_END.search(text):
            continue
        for outer, inner in _ALIAS.findall(text):
            if inner.isupper() or outer.isupper() or not (outer[0].isupper() or inner[0].isupper()):
                continue
            a, b = normalize(outer), normalize(inner)
            if a != b:
                pairs[tuple(sorted((a, b)))] = None
    return list(pairs)


def build_lexicon(
    corpus: Corpus,
    passages: Sequence[Passage],
    settings: Settings,
    aliases: Iterable[tuple[str, ...]] | None = None,
) -> Lexicon:
    """Learn word counts and synonym groups from the corpus and its synonyms file.

    `aliases` are the pairs `learn_aliases` finds in the corpus's texts, when already found.
    """
    counts: Counter[str] = Counter()
    for passage in passages:
        counts.update({w for w in words(passage.text) if w.isalpha() and len(w) >= 3})
    groups: list[tuple[tuple[str, ...], ...]] = []
    if settings.aliases:
        for a, b in learn_aliases(d.text for d in corpus.documents) if aliases is None else aliases:
            groups.append(((a,), (b,)))
    for line in corpus.synonyms:
        items = tuple(tuple(words(item)) for item in line)
        groups.append(tuple(item for item in items if item))
    return Lexicon(tuple(sorted(counts.items())), tuple(g for g in groups if len(g) > 1))


def clean_question(question: str) -> str:
    """Remove control characters and surrounding space; raise when over the length limit.

    Raises:
        QuestionError: the question is longer than `MAX_QUESTION_CHARS`.
    """
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in question)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QuestionError(len(cleaned), MAX_QUESTION_CHARS)
    return cleaned


def build_query(
    question: str,
    lexicon: Lexicon,
    known: frozenset[str] | set[str] | dict[str, int],
    settings: Settings,
    context: Sequence[tuple[str, float]] = (),
) -> Query:
    """Turn a cleaned question into the terms to search.

    Args:
        question: the question, already cleaned.
        lexicon: the corpus's word counts and synonym groups.
        known: the index's terms; a word none of whose terms is known may be corrected.
        settings: analysis settings.
        context: (word, weight) pairs from earlier turns of a conversation.
    """
    terms: list[str] = []
    weights: list[float] = []
    corrections: dict[str, str] = {}
    concepts: dict[str, list[str]] = {}
    used_words: list[str] = []
    for word in words(question):
        own = word_terms(word, settings)
        if not own:
            continue
        if (
            settings.spelling
            and word.isalpha()
            and len(word) >= MIN_CORRECTED
            and not any(t in known for t in own)
        ):
            correction = lexicon.correct(word)
            if correction and correction != word:
                corrections[word] = correction
                own = word_terms(correction, settings)
                word = correction
        used_words.append(word)
        concepts.setdefault(word, []).extend(own)
        terms.extend(own)
        weights.extend([FRAMING_WEIGHT if word in framing_words() else 1.0] * len(own))
    expansions: list[str] = []
    # A passage naming a thing twice ("baclofen (Lioresal)") is no more about it than one naming
    # it once: the index scores the best of a word's names, not their sum.
    names: dict[str, list[tuple[str, ...]]] = {}
    for word, other in lexicon.synonyms(used_words) if settings.aliases or lexicon.groups else ():
        extra = [t for w in other for t in word_terms(w, settings)]
        new = [t for t in extra if t not in terms]
        concepts.setdefault(word, []).extend(extra)
        terms.extend(new)
        # Another name for one thing weighs as one word, however many words it has
        # ("Parafon Forte" for "chlorzoxazone"), so names do not drown the rest of the question.
        weights.extend([1.0 / max(1, len(extra))] * len(new))
        expansions.extend(w for w in other if w not in expansions)
        if new and settings.alias_groups:
            names.setdefault(word, [tuple(word_terms(word, settings))]).append(tuple(new))
    context_words = []
    borrowed = []
    for word, weight in context:
        extra = [t for t in word_terms(word, settings) if t not in terms]
        if extra:
            context_words.append(word)
            borrowed.append((word, weight))
            concepts.setdefault(word, []).extend(extra)
            terms.extend(extra)
            weights.extend([weight] * len(extra))
    if settings.question_words:
        # Added after the borrowed words so that a word borrowed from an earlier turn still
        # counts as a concept; these never do, so they cannot make the bot abstain or answer.
        asked = [corrections.get(w, w) for w in words(question)]
        for word in answer_words(asked):
            new = [t for t in dict.fromkeys(word_terms(word, settings)) if t not in terms]
            if new:
                terms.extend(new)
                weights.extend([QUESTION_WORD_WEIGHT] * len(new))
                expansions.append(word)
    text = question
    for typed, used in corrections.items():
        text = re.sub(rf"(?i)\b{re.escape(typed)}\b", used, text)
    if context_words:
        text = f"{text} (+ {' '.join(context_words)})"
    return Query(
        text=text,
        terms=tuple(terms),
        weights=tuple(weights),
        corrections=tuple(corrections.items()),
        expansions=tuple(expansions),
        concepts=tuple((w, tuple(dict.fromkeys(ts))) for w, ts in concepts.items()),
        borrowed=tuple(borrowed),
        groups=tuple(tuple(alternatives) for alternatives in names.values()),
    )
