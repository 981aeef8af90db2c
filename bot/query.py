"""Question -> `Query`: cleaning, spelling corrections, aliases, synonyms and question words.

The `Lexicon` is learned from the corpus when the index is built: the words passages use (for
spelling), and groups of names that mean the same thing, from "Valium (diazepam)" patterns in
the documents and from the user's synonyms file. Question words ("treatments", "how many
people") add, at a lower weight, the words answers use for them ("management", "prevalence").
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Container, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from nltk.metrics.distance import edit_distance

from bot.analysis import framing_words, normalize, word_terms, words
from bot.config import Settings
from bot.errors import QuestionError
from bot.records import BORROWED_MARK, Concept, Corpus, Passage, Query
from bot.wording import (
    OLDER_ADULT,
    PASSING,
    Wording,
    by_initial,
    class_groups,
    english_class,
    english_correction,
    is_framing_english,
    is_name,
    lay_groups,
    near_in_length,
    reword,
    subject_groups,
    wordnet_groups,
)

MAX_QUESTION_CHARS = 2000
# A message longer than this is refused before it is cleaned: no run of spaces and control
# characters is that long in a question worth cleaning.
MAX_RAW_QUESTION_CHARS = 4 * MAX_QUESTION_CHARS
# A document teaches at most this many name pairs ("Valium (diazepam)"): its first ones; the rest
# are ignored, and the build reports the document.
MAX_ALIASES_PER_DOCUMENT = 50
# A word is searched with at most this many other names from the corpus's pairs and synonyms
# file (those the most passages use): more are ignored.
MAX_ALTERNATIVES_PER_WORD = 20
# A slip is compared with at most this many corpus words of each first letter and length (the
# most used): a rarer word is never a correction.
MAX_CORRECTION_CANDIDATES = 1000
# At most this many distinct words of a question are looked up for a correction: the first;
# the rest are searched as typed.
MAX_CORRECTED_WORDS = 8
# Other names, borrowed words and answer words are searched only while a question's distinct
# terms stay within this many (the most of a shipped question: 57); its own words always are.
MAX_QUERY_TERMS = 256
# Shorter unknown words are more often real words the corpus lacks than typos ("safe", not "same").
MIN_CORRECTED = 5
# A slip for an ordinary English word is read as that word only when this long ("alowed"):
# shorter ones are as often names ("benzo" is no slip for "benz").
MIN_ENGLISH_CORRECTED = 6
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
    return list(dict.fromkeys(w for _, answered in fired_rules(asked) for w in answered))


def fired_rules(asked: Iterable[str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Return (the question words that fired it, its answer words) for each item of a rule that
    fires: "titration increments?" fires one rule twice, once for each word.

    Words match as typed or as their singular ("dangers" fires the rule of "danger"; a stem
    would let "effects" fire the rule of "effective").
    """
    present = {_singular(w) for w in asked}
    return [
        (item, answered)
        for items, answered in question_words()
        for item in items
        if all(_singular(w) in present for w in item)
    ]


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
        self._by_word.update({w: self._most_used_groups(w, g) for w, g in by_word.items()})
        self._by_initial.update(
            {
                key: words_ if len(words_) <= MAX_CORRECTION_CANDIDATES else self._most_used(words_)
                for key, words_ in by_initial(word for word, _ in self.word_counts).items()
            }
        )

    def _most_used(self, words_: Sequence[str]) -> tuple[str, ...]:
        """Return the `MAX_CORRECTION_CANDIDATES` words the most passages use, most used first."""
        return tuple(sorted(words_, key=lambda w: -self.count(w))[:MAX_CORRECTION_CANDIDATES])

    def _most_used_groups(self, word: str, numbers: Sequence[int]) -> tuple[int, ...]:
        """Return the numbers of a word's groups, once each, at most `MAX_ALTERNATIVES_PER_WORD`
        of them: those whose other names the most passages use, in their order."""
        numbers = tuple(dict.fromkeys(numbers))
        if len(numbers) <= MAX_ALTERNATIVES_PER_WORD:
            return numbers

        def used(number: int) -> int:
            return max((self.count(w) for item in self.groups[number] for w in item if w != word), default=0)

        return tuple(sorted(sorted(numbers, key=lambda n: -used(n))[:MAX_ALTERNATIVES_PER_WORD]))

    def count(self, word: str) -> int:
        """Return how many passages use this normalized word."""
        return self._counts.get(word, 0)

    def correct(self, word: str) -> str | None:
        """Return the corpus word closest to a misspelled word, or None when none is close.

        Candidates share the first letter and are at most one edit away (two for words of nine
        letters or more, transpositions counting once); the closest wins, then the most used.
        """
        limit = 1 if len(word) < 9 else 2
        candidates = near_in_length(word, self._by_initial, limit)
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
    """Return name pairs written as 'Name (other)' where exactly one side is capitalized or both are.

    Each text gives its first `MAX_ALIASES_PER_DOCUMENT` pairs; an ordinary English word written
    in lower case is no name ("Valium (bleach)").
    """
    pairs: dict[tuple[str, ...], None] = {}
    for text in texts:
        pairs.update(_text_aliases(text, MAX_ALIASES_PER_DOCUMENT))
    return list(pairs)


def aliases_over_cap(text: str) -> int:
    """Return how many distinct name pairs a text writes when that is more than the
    `MAX_ALIASES_PER_DOCUMENT` that `learn_aliases` keeps of it; else 0."""
    # Each pair is written with a bracket: a text with few brackets is not read through.
    if text.count("(") <= MAX_ALIASES_PER_DOCUMENT:
        return 0
    found = len(_text_aliases(text))
    return found if found > MAX_ALIASES_PER_DOCUMENT else 0


def _text_aliases(text: str, limit: int | None = None) -> dict[tuple[str, ...], None]:
    """Return the distinct name pairs of one text, in order of first use, the first `limit` of them."""
    pairs: dict[tuple[str, ...], None] = {}
    if "(" not in text or not _ALIAS_END.search(text):
        return pairs
    for match in _ALIAS.finditer(text):
        outer, inner = match.groups()
        if inner.isupper() or outer.isupper() or not (outer[0].isupper() or inner[0].isupper()):
            continue
        a, b = normalize(outer), normalize(inner)
        if a == b or (outer[0].islower() and not is_name(a)) or (inner[0].islower() and not is_name(b)):
            continue
        pairs[tuple(sorted((a, b)))] = None
        if len(pairs) == limit:
            break
    return pairs


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
        QuestionError: the question is longer than `MAX_QUESTION_CHARS` once cleaned, or than
            `MAX_RAW_QUESTION_CHARS` as given (refused before it is cleaned).
    """
    if len(question) > MAX_RAW_QUESTION_CHARS:
        raise QuestionError(len(question), MAX_QUESTION_CHARS)
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in question)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QuestionError(len(cleaned), MAX_QUESTION_CHARS)
    return cleaned


@dataclass(frozen=True, slots=True)
class _Unit:
    """A word of the question, or a phrase that names one thing ("water pill"), and the groups
    of other names it belongs to, with the subject kind of the first subject group among them."""

    words: tuple[str, ...]
    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()
    kind: str = ""

    @property
    def word(self) -> str:
        return " ".join(self.words)


def _shipped_groups(settings: Settings) -> list[tuple[tuple[tuple[str, ...], ...], str]]:
    """Return the shipped groups a question's words are looked up in, each with its subject kind."""
    found: list[tuple[tuple[tuple[str, ...], ...], str]] = []
    if settings.subjects or settings.lay_terms:
        found += [(g.items, g.kind if settings.subjects else "") for g in subject_groups()]
    if settings.lay_terms:
        found += [(g, "") for g in lay_groups()]
    return found


def _key(word: str, settings: Settings) -> str:
    """Return what a word is matched by in phrases: its stem ("adults", "adult"), or itself."""
    terms = word_terms(word, settings)
    return terms[0] if terms else word


@cache
def _shipped_by_key(settings: Settings) -> dict[str, tuple[int, ...]]:
    by_key: dict[str, list[int]] = {}
    for number, (group, _) in enumerate(_shipped_groups(settings)):
        for item in group:
            by_key.setdefault(_key(item[0], settings), []).append(number)
    return {k: tuple(dict.fromkeys(n)) for k, n in by_key.items()}


@cache
def _classes_by_word() -> dict[str, tuple[tuple[tuple[str, ...], ...], ...]]:
    by_word: dict[str, list[tuple[tuple[str, ...], ...]]] = {}
    for group in class_groups():
        if len(group[0]) == 1:
            by_word.setdefault(group[0][0], []).append(group)
    return {w: tuple(g) for w, g in by_word.items()}


@cache
def _wordnet_by_word() -> dict[str, tuple[tuple[tuple[str, ...], ...], ...]]:
    by_word: dict[str, list[tuple[tuple[str, ...], ...]]] = {}
    for group in wordnet_groups():
        for item in group:
            if len(item) == 1:
                by_word.setdefault(item[0], []).append(group)
    return {w: tuple(g) for w, g in by_word.items()}


def _units(tokens: Sequence[str], lexicon: Lexicon, settings: Settings) -> list[_Unit]:
    """Cut the question's words into units: phrases that a group names, longest first, then words.

    A phrase matches its words next to each other as typed ("water pill", not "pill ... water"),
    each word by its stem ("older adult" for "older adults"); a word in several groups keeps
    them all.
    """
    shipped = _shipped_groups(settings)
    shipped_by_key = _shipped_by_key(settings)
    keys = [_key(t, settings) for t in tokens]
    # (start, end, group, kind) for every item matching at a position.
    matches: list[tuple[int, int, tuple[tuple[str, ...], ...], str]] = []
    for i, token in enumerate(tokens):
        candidates: list[tuple[tuple[tuple[str, ...], ...], str]] = []
        if settings.aliases or lexicon.groups:
            candidates += [(lexicon.groups[n], "") for n in lexicon._by_word.get(token, ())]
        candidates += [shipped[n] for n in shipped_by_key.get(keys[i], ())]
        for group, kind in dict.fromkeys(candidates):
            for item in group:
                if tuple(keys[i : i + len(item)]) == tuple(_key(w, settings) for w in item):
                    matches.append((i, i + len(item), group, kind))
    taken = [False] * len(tokens)
    spans: dict[tuple[int, int], list[tuple[tuple[tuple[str, ...], ...], str]]] = {}
    for start, end, group, kind in sorted(matches, key=lambda m: (m[0] - m[1], m[0])):
        if (start, end) in spans:
            spans[(start, end)].append((group, kind))
        elif not any(taken[start:end]):
            spans[(start, end)] = [(group, kind)]
            taken[start:end] = [True] * (end - start)
    starts = {start: (start, end) for start, end in spans}
    units = []
    i = 0
    while i < len(tokens):
        span = starts.get(i)
        if span is None:
            units.append(_Unit((tokens[i],)))
            i += 1
            continue
        found = spans[span]
        kind = next((k for _, k in found if k), "")
        if not kind and span[1] - span[0] > 1:
            # A phrase holding a population or route word is about it too ("kidney disease");
            # one holding a kind of quantity is one quantity ("trial dose" is no other dose).
            for key in keys[span[0] : span[1]]:
                for number in shipped_by_key.get(key, ()):
                    group, group_kind = shipped[number]
                    if (
                        group_kind
                        and group_kind != "quantity"
                        and any(len(item) == 1 and _key(item[0], settings) == key for item in group)
                    ):
                        found.append((group, group_kind))
                        kind = kind or group_kind
        units.append(_Unit(tuple(tokens[span[0] : span[1]]), tuple(g for g, _ in found), kind))
        i = span[1]
    return units


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Words of four letters or more, as counted for an asking sentence's own words.
_CONTENT_WORD = re.compile(
    r"\b(?!(?:that|this|true|with|what|then|they|them|there|have|would|should|could|does|will|just|about|really|know|right|anything|something)\b)[a-z]{4,}\b",
    re.I,
)
# An asking sentence with fewer such words asks of the sentence before it too.
MIN_ASKING_WORDS = 2
_ASKING = re.compile(
    r"^(?:what|whats|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|"
    r"should|would|will|may|might|must|shall|has|have|any|and|or|but|so)\b",
    re.IGNORECASE,
)


def _asking_sentence(text: str) -> str:
    """Return the sentences of a question from the one that asks on: the last that ends with
    "?" or opens as a question does, or else the last ("my husband has MS. ... what dose does
    he start on" asks in its last sentence; the sentences before it tell the background)."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    if len(sentences) < 2:
        return text
    asking = [n for n, s in enumerate(sentences) if s.rstrip().endswith("?") or _ASKING.match(s)]
    first = asking[-1] if asking else len(sentences) - 1
    # "... is that true or not?": a sentence that asks nothing of its own asks of the one before.
    while first > 0 and len(_CONTENT_WORD.findall(" ".join(sentences[first:]))) < MIN_ASKING_WORDS:
        first -= 1
    return " ".join(sentences[first:])


# Where a clause saying what a medicine is for ends: at a comma, a dash or a sentence's end, or
# where the question goes on ("pepcid for heartburn, is that ok?", "cipro for a uti and ...").
_PURPOSE_END = re.compile(
    r"[,.;:!?]|\s-+\s|\b(?:and|but|or|so|is|are|was|can|could|will|would|does|do|did|should|ok|okay|safe"
    r"|with|how|what|which|when|why|who)\b",
    re.IGNORECASE,
)
# How a medicine is linked to what it is taken for: "valium for flying", "can botox shots help my
# sweating", "does baclofen work for cravings".
_USE_LINK = re.compile(
    r"\s+(?:(?:shots?|injections?|jabs?|tablets?|pills?|oil|gummies)\s+)?"
    r"(?:for|helps?(?:\s+with)?|works?\s+for|good\s+for|used\s+for)\s",
    re.IGNORECASE,
)
# "flexeril for her back": a clause about the person says why it was given to them.
_PERSONAL = frozenset(["my", "her", "his", "their", "your", "our"])
# "been on ativan for sleep", "gave me valium for a back spasm": the medicine is taken, and the
# clause says why; a use is asked when the medicine is named for it ("valium for flying?").
_ON_IT = frozenset(
    ["on", "takes", "taking", "took", "gave", "given", "prescribed", "started", "uses", "using"]
)
# "ativan for years" tells how long, not what for.
_FOR_A_TIME = re.compile(
    r"^(?:(?:a|an|the|some|about|over|almost|nearly|a few|several|many|\d+|one|two|three|four|five|six)\s+)*"
    r"(?:years?|yrs?|months?|weeks?|days?|hours?|ages|decades?|while|long|time)\b",
    re.IGNORECASE,
)


def _for_clauses(text: str, documented: Collection[str], settings: Settings) -> tuple[set[str], set[str]]:
    """Return the words saying what a medicine is taken for, as (uses, purposes).

    Uses follow a medicine the documents are about: "valium for fear of flying" asks of that
    use, which its quotes must speak of. Purposes follow a medicine no document is about: in
    "and pepcid for heartburn", heartburn is why the other medicine is taken, not what the
    documents must speak of.
    """
    uses: set[str] = set()
    purposes: set[str] = set()
    tokens = list(re.finditer(r"[\w'-]+", text))
    members = _classes_by_word()  # the one-word medicines of the shipped class list
    for number, token in enumerate(tokens[:-2]):
        link = _USE_LINK.match(text, token.end())
        if not link:
            continue
        word = normalize(token.group(0)).lower()
        before = {t.group(0).lower() for t in tokens[max(0, number - 2) : number]}
        if any(t in documented for t in word_terms(word, settings)):
            if before & _ON_IT:
                continue  # "started on tizanidine for spasms": why it was given, a story
            found = uses
        elif word in members:
            found = purposes
        else:
            continue
        rest = text[link.end() :]
        end = _PURPOSE_END.search(rest)
        said = (rest[: end.start()] if end else rest).strip()
        clause = words(said)
        # "Can it help my back" asks of a use; "flexeril for her back" tells why it was given.
        personal = link.group(0).split()[-1].lower() == "for" and clause and clause[0] in _PERSONAL
        if clause and not _FOR_A_TIME.match(said) and not (personal and found is uses):
            found.update(clause)
    return uses, purposes


def _singular(word: str) -> str:
    """Return a word without a plural's final "s" ("dangers", "danger"); "ss" endings stay."""
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


@cache
def _framing_keys(settings: Settings) -> frozenset[str]:
    """Return the stems of the framing words ("takes" frames a question as "take" does)."""
    return frozenset(_key(w, settings) for w in framing_words())


def _named(word: str, lexicon: Lexicon, settings: Settings) -> bool:
    """Return True for a word some group of names holds (the corpus's, the shipped lists')."""
    return (
        word in lexicon._by_word
        or _key(word, settings) in _shipped_by_key(settings)
        or word in _classes_by_word()
        or word in _wordnet_by_word()
    )


def _terms_of(words_: Sequence[str], settings: Settings) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for w in words_ for t in word_terms(w, settings)))


def _may_be_slip(word: str, known: Container[str], settings: Settings) -> bool:
    """Return True for a typed word that may be a slip: long enough, of letters, and none of
    whose terms the index holds."""
    own = word_terms(word, settings)
    return (
        settings.spelling
        and bool(own)
        and word.isalpha()
        and len(word) >= MIN_CORRECTED
        and not any(t in known for t in own)
        # An ordinary English word the corpus lacks is not a slip ("cravings", "garden").
        and not (settings.english and not is_name(word))
    )


def _correction(word: str, lexicon: Lexicon, settings: Settings) -> str | None:
    """Return the word a slip is read as: the closest corpus word, else an ordinary English one;
    None when none is close."""
    correction = lexicon.correct(word)
    if (
        not correction
        and settings.english
        and len(word) >= MIN_ENGLISH_CORRECTED
        and not _named(word, lexicon, settings)
    ):
        # Not a slip for a corpus word, maybe for an ordinary one ("alowed", "allowed").
        correction = english_correction(word)
    return correction if correction != word else None


def _other_names(
    unit: _Unit, own: tuple[str, ...], settings: Settings
) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Return a unit's own terms and those of its groups' other names (at most
    `MAX_ALTERNATIVES_PER_WORD` of them), each with the words it is written with."""
    written: dict[tuple[str, ...], tuple[str, ...]] = {own: unit.words}
    for group in unit.groups:
        for item in group:
            if len(written) > MAX_ALTERNATIVES_PER_WORD:
                return written
            terms_of_item = _terms_of(item, settings)
            # A phrase whose other words are stopwords ("in your system") is no one word.
            if len(item) > 1 and len(terms_of_item) < 2 and item != unit.words:
                continue
            written.setdefault(terms_of_item, item)
    return written


# At most this many members stand for a family named without one.
MAX_MEMBERS = 5


def build_query(
    question: str,
    lexicon: Lexicon,
    known: frozenset[str] | set[str] | dict[str, int],
    settings: Settings,
    context: Sequence[tuple[str, float, str]] = (),
    documented: Collection[str] = frozenset(),
    family: Callable[[str], Sequence[str]] = lambda term: (),
) -> Query:
    """Turn a cleaned question into the terms to search.

    Args:
        question: the question, already cleaned.
        lexicon: the corpus's word counts and synonym groups.
        known: the index's terms; a word none of whose terms is known may be corrected.
        settings: analysis settings.
        context: (word, weight, role) from earlier turns of a conversation (see
            `conversation.context_words`).
        documented: the terms of the medicines documents are about, which their own names
            find better than the names of their classes.
        family: the index's terms that are a term followed by a number ("cyp": "cyp2c19"),
            searched for a family named without its member ("which CYP").
    """
    wording = reword(question) if settings.shorthand else Wording(question, question)
    tokens = words(wording.text)
    uses, purposes = _for_clauses(wording.text, documented, settings)
    asking = set(words(_asking_sentence(wording.text))) - purposes
    corrections: dict[str, str] = {}
    # Each distinct word looked up, and what it is read as (None: as typed).
    tried: dict[str, str | None] = {}
    for number, word in enumerate(tokens):
        if word not in tried:
            if len(tried) >= MAX_CORRECTED_WORDS or not _may_be_slip(word, known, settings):
                continue
            tried[word] = _correction(word, lexicon, settings)
        correction = tried[word]
        if correction:
            corrections[word] = correction
            tokens[number] = correction
            if word in asking:
                asking.add(correction)
    terms: list[str] = []
    searched: set[str] = set()
    weights: list[float] = []
    concepts: list[Concept] = []
    expansions: list[str] = []
    names: list[tuple[tuple[str, ...], ...]] = []

    def add(new_terms: Sequence[str], weight: float, typed: bool = False) -> tuple[str, ...]:
        added = tuple(t for t in dict.fromkeys(new_terms) if t not in searched)
        if not typed and len(terms) + len(added) > MAX_QUERY_TERMS:
            return ()
        terms.extend(added)
        searched.update(added)
        weights.extend([weight] * len(added))
        return added

    typed_terms = {t for w in tokens for t in word_terms(w, settings)}
    for unit in _units(tokens, lexicon, settings):
        own = _terms_of(unit.words, settings)
        if not own:
            continue
        # Each alternative's terms, and the words it is written with.
        written = _other_names(unit, own, settings)
        absent = not any(all(t in known for t in a) for a in written if a)
        classes: dict[tuple[str, ...], tuple[str, ...]] = {}
        if (
            settings.lay_terms
            and len(unit.words) == 1
            and unit.word not in lexicon._by_word
            and not any(t in documented for t in own)
        ):
            # A medicine may be spoken of by its class ("sertraline", "SSRIs"): a passage on the
            # class answers for it. One the corpus never names is searched by its class too. A
            # medicine the corpus gives two names of has documents of its own, which answer
            # for it better than any passage on its class.
            for group in _classes_by_word().get(unit.word, ()):
                for item in group[1:]:
                    classes.setdefault(_terms_of(item, settings), item)
            if absent:
                for other, item in classes.items():
                    written.setdefault(other, item)
        if absent and settings.wordnet and len(unit.words) == 1:
            # A word the corpus never uses may still be said another way ("lockjaw", "tetanus").
            for group in _wordnet_by_word().get(unit.word, ()):
                for item in group:
                    other = _terms_of(item, settings)
                    if other and all(t in known for t in other):
                        written.setdefault(other, item)
        if absent and len(unit.words) == 1 and len(own) == 1 and unit.word.isalpha() and len(unit.word) >= 3:
            # A family named without its member ("which CYP"): the corpus's "cyp2c19", "cyp1a2".
            for member in family(own[0])[:MAX_MEMBERS]:
                written.setdefault((member,), (member,))
        # An other name made only of framing words ("coming off" is "come") says nothing.
        framing_keys = _framing_keys(settings)
        alternatives = [a for a in written if a and (a == own or not all(t in framing_keys for t in a))]
        framing = len(unit.words) == 1 and (
            _key(unit.word, settings) in framing_keys
            or unit.word in wording.framing
            # An ordinary word that frames a question ("actually", "husband") is no missing fact,
            # nor is a number the corpus never uses.
            or (
                settings.english
                and absent
                and len(alternatives) == 1
                and (is_framing_english(unit.word) or unit.word.isdecimal())
            )
            # A letter or two the corpus never uses ("t4", "s") names nothing to look for.
            or (absent and len(alternatives) == 1 and len(unit.word) <= 2)
        )
        # An everyday thing the corpus never names ("football", "sofa") was mentioned in passing.
        passing = (
            absent and settings.english and len(alternatives) == 1 and english_class(unit.word) == PASSING
        )
        role = (
            "framing"
            if unit.word in wording.framing
            else "subject"
            if unit.kind and settings.subjects
            else "framing"
            if framing
            else "passing"
            if passing
            else "content"
        )
        background = not any(w in asking for w in unit.words)
        if role == "subject" and unit.kind == "population" and wording.told_age and unit.word == OLDER_ADULT:
            # "my mum is 79 and ... is that a side effect?": her age ranks what speaks of older
            # adults first, but a quote need not.
            role, background = "content", True
        # An adjective of framing ("excessive" sweating) is no use of its own.
        use = role == "content" and bool(set(unit.words) & uses) and not is_framing_english(unit.word)
        kind = unit.kind if role == "subject" else "use" if use else ""
        if any(c.word == unit.word for c in concepts):
            continue  # a word asked twice is one concept
        # The class names of a medicine the corpus names match, but are not searched.
        matching = alternatives + [c for c in classes if c and c not in alternatives]
        concepts.append(Concept(unit.word, tuple(matching), role, kind, background))
        added = [add(own, FRAMING_WEIGHT if framing else 1.0, typed=True)]
        for alternative in alternatives[1:]:
            if all(t in typed_terms for t in alternative):
                continue  # typed too ("Is Zorvex the same as quinopril?"): each counts on its own
            # Another name for one thing weighs as one word, however many words it has
            # ("Parafon Forte" for "chlorzoxazone"), so names do not drown the rest of the question.
            new = add(alternative, 1.0 / len(alternative))
            if new:
                added.append(new)
                expansions.append(" ".join(written[alternative]))
        # A passage naming a thing twice ("baclofen (Lioresal)") is no more about it than one
        # naming it once: the index scores the best of a word's names, not their sum.
        if settings.alias_groups and len(added) > 1:
            names.append(tuple(added))
    context_words = []
    borrowed = []
    for word, weight, role in context:
        extra = add(_terms_of(words(word), settings), weight)
        if extra:
            context_words.append(word)
            borrowed.append((word, weight))
            # The medicines a follow-up is about must be found around its quotes; anything else
            # borrowed only ranks, as the background of the question.
            topic = role in ("topic", "alternative")
            # What a vague question asked, borrowed by the reply naming what it meant, is asked.
            asked = role == "asked"
            alternatives = [extra]
            for unit in _units(words(word), lexicon, settings):
                for group in unit.groups:
                    for item in group:
                        other = _terms_of(item, settings)
                        if other and other not in alternatives:
                            alternatives.append(other)
            concepts.append(
                Concept(word, tuple(alternatives), "topic" if topic else "content", "", not (topic or asked))
            )
    if settings.question_words:
        # Added after the borrowed words so that a word borrowed from an earlier turn still
        # counts as a concept; these never do, so they cannot make the bot abstain. A rule fired
        # by one word gives that word other ways a passage can say it ("stops": "withdrawal").
        by_word = {_singular(c.word): n for n, c in enumerate(concepts) if c.role != "framing"}
        for asked_words, answered in fired_rules(tokens):
            for word in answered:
                if add(word_terms(word, settings), QUESTION_WORD_WEIGHT):
                    expansions.append(word)
            owner = by_word.get(_singular(asked_words[0])) if len(asked_words) == 1 else None
            if owner is not None:
                concept = concepts[owner]
                extra = tuple(_terms_of((w,), settings) for w in answered)
                more = tuple(a for a in extra if a and a not in concept.alternatives)
                concepts[owner] = dataclasses.replace(concept, alternatives=concept.alternatives + more)
    text = wording.text
    for typed, used in corrections.items():
        text = re.sub(rf"(?i)\b{re.escape(typed)}\b", used, text)
    if context_words:
        text = f"{text}{BORROWED_MARK}{' '.join(context_words)})"
    return Query(
        text=text,
        terms=tuple(terms),
        weights=tuple(weights),
        corrections=tuple(corrections.items()),
        expansions=tuple(dict.fromkeys(expansions)),
        concepts=tuple(concepts),
        borrowed=tuple(borrowed),
        groups=tuple(names),
        rewordings=wording.changes,
    )
