"""How people word questions: shorthand to expand, ages, everyday names, and which words are framing.

Everything here is read from the reviewed lists shipped in `bot/data` (their sources and licences
are in `bot/data/README.md`):

- `shorthand.txt`: "whats" is "what is", "max" is "maximum", "yr" is "year";
- `lay_terms.txt`: everyday and clinical names of one thing ("water pill", "diuretic");
- `drug_classes.txt`: medicines and the classes documents name instead ("sertraline", "SSRIs");
- `subject_words.txt`: the populations, routes and kinds of quantity a quote must also be about;
- `english_words.txt`: ordinary English words, each marked as naming a thing or framing a
  question; a word that is not there is a name (of a drug, say) or a typing slip;
- `wordnet_synonyms.txt`: WordNet's synonym sets of illnesses, body parts, drugs and care.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from nltk.metrics.distance import edit_distance

from bot.analysis import normalize, words

SUBJECT_KINDS = ("population", "organ", "route", "quantity", "condition")
# Ages that make a person a child, or an older adult, as drug labels and guidelines count them.
ADULT_AGE = 18
OLDER_AGE = 65
OLDER_ADULT = "older adult"
# "80 year old", "6-year-old", "9 yo"; "aged 85", "is 70", "turned 12" (but not "is 36 mg").
_AGE = re.compile(
    r"\b(\d{1,3})[ -]?(?:years?|yrs?|yr)[ -]olds?\b|\b(\d{1,3}) ?(?:y/?o|yo)\b"
    r"|\b(?:aged?|age of|is|was|turned|turning|she's|he's|shes|hes) (\d{1,3})\b"
    r"(?! ?(?:mg|mcg|g|kg|ml|units?|percent|%|times|x|mm|cm|minutes?|hours?|days?|weeks?|months?|years?)\b)"
    r"(?![\d.\-\w])(?!,\d)",
    re.IGNORECASE,
)
OLDEST_AGE = 120
# A question asking about age itself: "at her age", "too old", "for someone that old", "elderly".
_AGE_ASKED = re.compile(
    r"\bage\b|\b(?:too|that|so) old\b|\bold (?:people|person|folks?|patients?|age)\b|\bolder\b"
    r"|\belderly\b|\bseniors?\b|\bgeriatric\b",
    re.IGNORECASE,
)
# Before an age the question asks of: "for an 80 year old", "in a 70 yo".
_FOR_AGE = re.compile(r"\b(?:for|in|to|of) (?:an?|my|his|her|their|the|your) *$", re.IGNORECASE)
_DECADE = re.compile(r"\b(?:in (?:his|her|their|my) )?([6-9])0'?s\b", re.IGNORECASE)
_UNIT_GLUED = re.compile(r"\b(\d+(?:\.\d+)?)(mg|mcg|ml|g|kg|units?|mg/kg)\b", re.IGNORECASE)
_PERCENT = re.compile(r"(?<=\d)\s*%|(?<!\w)%")
# A typed word as the shorthand list names it: letters, digits, inner apostrophes and slashes.
_TYPED = re.compile(r"[\w'\u2019]+(?:/[\w'\u2019]*)*")


def _data_lines(name: str) -> list[tuple[int, str]]:
    text = resources.files("bot").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


@cache
def shorthand() -> dict[str, str]:
    """Return the shipped shorthand: typed word -> the words meant.

    Raises:
        ValueError: a line of the shipped file is not `typed -> meant`.
    """
    meant: dict[str, str] = {}
    for number, line in _data_lines("shorthand.txt"):
        typed, sep, words_meant = (part.strip() for part in line.partition("->"))
        if not (sep and typed and words_meant):
            raise ValueError(f"shorthand.txt:{number}: write 'typed -> meant'")
        meant[normalize(typed)] = words_meant
    return meant


@cache
def _shorthand_phrases() -> re.Pattern[str] | None:
    """Return a pattern matching the shorthand of several words ("side affects")."""
    phrases = [p for p in shorthand() if " " in p]
    if not phrases:
        return None
    alternation = "|".join(
        re.escape(p).replace("\\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True)
    )
    return re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE)


def _groups(name: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Return the groups of a comma-separated list: each item as its normalized words."""
    groups = []
    for _, line in _data_lines(name):
        items = tuple(dict.fromkeys(tuple(words(item)) for item in line.split(",") if words(item)))
        if len(items) > 1:
            groups.append(items)
    return tuple(groups)


@cache
def lay_groups() -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Return the shipped groups of everyday and clinical names of one thing."""
    return _groups("lay_terms.txt")


@cache
def class_groups() -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Return one group per medicine of `drug_classes.txt`: the medicine, then its class's names.

    A member is grouped with its class only, never with the other members: a passage on
    fluoxetine does not answer for sertraline, one on SSRIs does.

    Raises:
        ValueError: a line of the shipped file is not `members -> class names`.
    """
    groups = []
    for number, line in _data_lines("drug_classes.txt"):
        members, sep, names = line.partition("->")
        items = [tuple(words(m)) for m in members.split(",") if words(m)]
        classes = tuple(dict.fromkeys(tuple(words(n)) for n in names.split(",") if words(n)))
        if not (sep and items and classes):
            raise ValueError(f"drug_classes.txt:{number}: write 'member, member -> class name, class name'")
        groups.extend((member, *(c for c in classes if c != member)) for member in items)
    return tuple(groups)


@cache
def _medicines() -> frozenset[str]:
    return frozenset(w for group in class_groups() for item in group[:1] for w in item)


def is_medicine(word: str) -> bool:
    """Return True for a medicine `drug_classes.txt` names ("gabapentin", "sertraline")."""
    return word in _medicines()


@cache
def wordnet_groups() -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Return WordNet's synonym sets shipped in `wordnet_synonyms.txt`."""
    return _groups("wordnet_synonyms.txt")


@dataclass(frozen=True, slots=True)
class SubjectGroup:
    """A population, route or kind of quantity, and the words (or phrases) that name it."""

    kind: str
    items: tuple[tuple[str, ...], ...]

    @property
    def name(self) -> str:
        """Return the group's first name, as the answer names it."""
        return " ".join(self.items[0])


@cache
def subject_groups() -> tuple[SubjectGroup, ...]:
    """Return the shipped subject groups.

    Raises:
        ValueError: a line of the shipped file does not start with a known kind.
    """
    groups = []
    for number, line in _data_lines("subject_words.txt"):
        kind, sep, listed = (part.strip() for part in line.partition(":"))
        if not sep or kind not in SUBJECT_KINDS:
            raise ValueError(
                f"subject_words.txt:{number}: start with one of {', '.join(SUBJECT_KINDS)} and ':'"
            )
        items = tuple(dict.fromkeys(tuple(words(item)) for item in listed.split(",") if words(item)))
        groups.append(SubjectGroup(kind, items))
    return tuple(groups)


# The classes of `english_words.txt`.
CONDITION, CONTENT, ACT, PASSING, FRAMING = "s", "c", "v", "o", "f"


@cache
def english_classes() -> dict[str, str]:
    """Return ordinary English words and their class: CONDITION (an illness or state of the body),
    CONTENT (a thing a document must speak of to answer), ACT (an act a verb names), PASSING (an
    everyday thing a question may mention in passing) or FRAMING (it frames a question)."""
    classes = {}
    for number, line in _data_lines("english_words.txt"):
        word, _, kind = line.partition("\t")
        if kind not in (CONDITION, CONTENT, ACT, PASSING, FRAMING):
            raise ValueError(
                f"english_words.txt:{number}: write 'word<TAB>class', the class one of s, c, v, o, f"
            )
        classes[word] = kind
    return classes


def english_class(word: str) -> str | None:
    """Return an ordinary English word's class, for a plural or possessive by its singular
    ("mums"); None for a word that is not ordinary English."""
    classes = english_classes()
    # A plural's class is its singular's: "mums" are mothers, not chrysanthemums.
    for form in (word[:-1] if word.endswith("s") else "", word[:-2] if word.endswith("es") else "", word):
        if len(form) > 2 and form in classes:
            return classes[form]
    return None


def is_framing_english(word: str) -> bool:
    """Return True for an ordinary English word that frames a question rather than names a thing."""
    return english_class(word) == FRAMING


def is_name(word: str) -> bool:
    """Return True for a word that is not ordinary English: a name, a technical term or a slip."""
    return english_class(word) is None


def by_initial(known: Iterable[str]) -> dict[tuple[str, int], tuple[str, ...]]:
    """Return words by their first letter and length: where corrections of a slip are looked for."""
    grouped: dict[tuple[str, int], list[str]] = {}
    for word in known:
        grouped.setdefault((word[0], len(word)), []).append(word)
    return {k: tuple(v) for k, v in grouped.items()}


def near_in_length(word: str, grouped: Mapping[tuple[str, int], Sequence[str]], limit: int) -> list[str]:
    """Return the words of `grouped` (see `by_initial`) that share a word's first letter and
    are at most `limit` letters longer or shorter."""
    return [
        c
        for size in range(len(word) - limit, len(word) + limit + 1)
        for c in grouped.get((word[0], size), ())
    ]


@cache
def _english_by_initial() -> dict[tuple[str, int], tuple[str, ...]]:
    return by_initial(english_classes())


@cache
def _english_order() -> dict[str, int]:
    return {word: n for n, word in enumerate(english_classes())}


def english_correction(word: str) -> str | None:
    """Return the commonest ordinary English word one edit away from a word that is none
    ("alowed": "allowed"); None when there is none."""
    if len(word) < 4 or not word.isalpha() or not is_name(word):
        return None
    candidates = near_in_length(word, _english_by_initial(), 1)
    close = [c for c in candidates if edit_distance(word, c, transpositions=True) == 1]
    if not close:
        return None
    # The file lists the commonest words first.
    order = _english_order()
    return min(close, key=order.__getitem__)


@dataclass(frozen=True, slots=True)
class Wording:
    """A question as typed and as understood: shorthand expanded, ages named as populations.

    `changes` lists (typed, understood) for every rewrite, in order; `framing` the words that
    only said how old someone is ("80", "year", "old"), now said by the population named.
    `told_age` is True when an older adult was named only from an age the question tells in
    passing ("my mum is 79 and ... is that a known side effect?"), not one it asks about ("is
    it safe at her age?", "the dose for an 80 year old").
    """

    typed: str
    text: str
    changes: tuple[tuple[str, str], ...] = ()
    framing: frozenset[str] = frozenset()
    told_age: bool = False


def _age_words(age: int) -> str | None:
    if age < ADULT_AGE:
        return "child"
    if age >= OLDER_AGE:
        return OLDER_ADULT
    return None


def reword(question: str) -> Wording:
    """Return a question with its shorthand expanded and ages named ("my 80 year old mum" adds
    "older adult"); the words of the question are otherwise kept as typed."""
    changes: list[tuple[str, str]] = []
    meant = shorthand()

    def expand(match: re.Match[str]) -> str:
        typed = match.group(0)
        key = normalize(typed)
        if key not in meant:
            # "w/": the trailing slash belongs to the word; a slash inside ("mg/kg") may not.
            return typed
        changes.append((typed, meant[key]))
        return meant[key]

    # "2mg", "500mg": a number and its unit are two words.
    def split_unit(match: re.Match[str]) -> str:
        changes.append((match.group(0), f"{match.group(1)} {match.group(2)}"))
        return f"{match.group(1)} {match.group(2)}"

    text = _UNIT_GLUED.sub(split_unit, question)
    phrases = _shorthand_phrases()
    if phrases is not None:

        def expand_phrase(match: re.Match[str]) -> str:
            key = " ".join(normalize(match.group(0)).split())
            changes.append((match.group(0), meant[key]))
            return meant[key]

        text = phrases.sub(expand_phrase, text)
    text = _TYPED.sub(expand, text)
    if "%" in text:
        text = _PERCENT.sub(" percent", text)
        changes.append(("%", "percent"))

    framing: set[str] = set()
    # For each older age named, whether the question only tells it (see `Wording.told_age`).
    told: list[bool] = []

    def name_age(match: re.Match[str]) -> str:
        age = int(next(g for g in match.groups() if g))
        if age > OLDEST_AGE:
            return match.group(0)
        named = _age_words(age)
        framing.update(words(match.group(0)))
        if named is None:
            return match.group(0)
        if named == OLDER_ADULT:
            # "for an 80 year old", "in a 70 yo": an age the question asks of, not one it tells.
            told.append(not _FOR_AGE.search(match.string[: match.start()]))
        changes.append((match.group(0), f"{match.group(0)} ({named})"))
        return f"{match.group(0)} ({named})"

    text = _AGE.sub(name_age, text)

    def name_decade(match: re.Match[str]) -> str:
        told.append(True)
        framing.update(words(match.group(0)))
        changes.append((match.group(0), f"{match.group(0)} ({OLDER_ADULT})"))
        return f"{match.group(0)} ({OLDER_ADULT})"

    text = _DECADE.sub(name_decade, text)
    told_only = bool(told) and all(told) and not _AGE_ASKED.search(question)
    return Wording(question, re.sub(r"\s+", " ", text).strip(), tuple(changes), frozenset(framing), told_only)
