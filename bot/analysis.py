"""Text analysis, the only user of NLTK: one analyzer for passages and queries, and sentence spans.

No NLTK data package is ever loaded: stemmers are algorithmic, the sentence splitter is Punkt
with our own abbreviations, and the stopword list ships in `bot/data/stopwords.txt`.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain
from typing import TypeVar

from nltk.stem import PorterStemmer, SnowballStemmer
from nltk.tokenize import RegexpTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from bot.config import Settings

_V = TypeVar("_V")

# Words made of letters and digits, joined by inner hyphens, apostrophes or dots, so that
# "stiff-man", "2-10", "2.5" and "e.g" stay whole.
_WORD_PATTERN = r"\w+(?:[-'.]\w+)*"
_WORD = RegexpTokenizer(_WORD_PATTERN)
_ASCII_WORD = re.compile(_WORD_PATTERN, re.ASCII)  # for ASCII text only: the same words, sooner

# Punkt without training data knows no abbreviation; a period after these never ends a sentence.
_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "vs",
        "etc",
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "no",
        "approx",
        "fig",
        "figs",
        "al",
        "u.s",
        "u.k",
        "inc",
        "ltd",
        "jr",
        "sr",
        "mg",
        "mcg",
        "ml",
        "kg",
        "hr",
        "hrs",
        "min",
        "max",
        "wk",
        "wks",
        "mo",
        "yr",
        "yrs",
        "ca",
        "cf",
        "ed",
        "eds",
        "vol",
        "pp",
        "p.o",
        "b.i.d",
        "t.i.d",
        "q.i.d",
    ]
)


@cache
def stopwords() -> frozenset[str]:
    """Return the shipped stopword list."""
    text = resources.files("bot").joinpath("data/stopwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def framing_words() -> frozenset[str]:
    """Return the shipped list of words that frame a question ("usual", "typical", "how long")."""
    text = resources.files("bot").joinpath("data/framing_words.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def normalize(text: str) -> str:
    """Return text in compatibility form, without accents, case-folded, with plain apostrophes."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def _tokens(text: str) -> list[str]:
    """Return the raw word tokens of text, case-folded and normalized.

    On ASCII text, \\w is [A-Za-z0-9_] for the standard engine as for the timeout-guarded one
    NLTK compiles with, so both find the same words; the standard one is several times faster,
    and normalization does nothing there but case-folding.
    """
    if text.isascii():
        return _ASCII_WORD.findall(text.casefold())
    return _WORD.tokenize(normalize(text))


def _clean(token: str) -> str:
    """Return the word a token stands for: outer apostrophes and dots and a possessive 's removed."""
    word = token.strip("'.")
    return word[:-2] if word.endswith("'s") else word


def words(text: str) -> list[str]:
    """Return the normalized words of text, stopwords included, possessive 's removed."""
    return [word for word in map(_clean, _tokens(text)) if word]


@cache
def _stemmer(name: str) -> SnowballStemmer | PorterStemmer | None:
    if name == "snowball":
        return SnowballStemmer("english")
    if name == "porter":
        return PorterStemmer()
    return None


@cache
def stem(word: str, stemmer: str = "snowball") -> str:
    """Return the stem of one normalized word (cached: words repeat far more than they vary)."""
    engine = _stemmer(stemmer)
    if engine is None or not word.isalpha():
        return word
    return engine.stem(word)


def is_stopword(word: str, settings: Settings) -> bool:
    """Return True when settings drop this normalized word."""
    return settings.stopwords and word in stopwords()


@cache
def lemmas() -> dict[str, str]:
    """Return the shipped irregular forms and their lemma ("children": "child", "older": "old")."""
    text = resources.files("bot").joinpath("data/lemmas.txt").read_text(encoding="utf-8")
    pairs = (line.split() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {form: lemma for form, lemma in pairs}


def _term(word: str, settings: Settings) -> str:
    """Return the index term of one normalized word without hyphens: its lemma's stem."""
    if settings.lemmas:
        word = lemmas().get(word, word)
    return stem(word, settings.stemmer)


def word_terms(word: str, settings: Settings) -> list[str]:
    """Return the index terms of one normalized word: a hyphenated word gives itself and its parts."""
    if "-" not in word:
        return [] if is_stopword(word, settings) else [_term(word, settings)]
    parts = [p for p in word.split("-") if p]
    whole = "-".join(_term(p, settings) for p in parts)
    return [whole] + [_term(p, settings) for p in parts if not is_stopword(p, settings)]


def analyze(text: str, settings: Settings) -> list[str]:
    """Return the index terms of text: the one analyzer used for passages and queries alike."""
    return [term for word in words(text) for term in word_terms(word, settings)]


class _TokenCache(dict[str, tuple[str, tuple[str, ...]]]):
    """Token as matched -> (the word `words` keeps, or "", and the word's terms)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def __missing__(self, token: str) -> tuple[str, tuple[str, ...]]:
        word = _clean(token)
        entry = (word, tuple(word_terms(word, self.settings)) if word else ())
        self[token] = entry
        return entry


def analyze_many(texts: Iterable[str], settings: Settings) -> Iterator[tuple[list[str], list[str]]]:
    """Yield `(words(text), analyze(text, settings))` for each text, fast on many texts.

    Words repeat far more than they vary: each distinct token is analyzed once per call.
    """
    entries = _TokenCache(settings)
    lookup = entries.__getitem__
    for text in texts:
        analyzed = [lookup(token) for token in _tokens(text)]
        yield [word for word, _ in analyzed if word], [term for _, terms in analyzed for term in terms]


# Untrained Punkt (our abbreviations, no collocations, sentence starters or orthographic
# counts) decides the usual boundary, "word. Next", from the two words alone. The splitter below
# takes that decision itself, and leaves every other case to Punkt: faster by several times on
# ordinary prose, and tests/test_analysis.py checks that it splits exactly as Punkt does.
_SPACE_CLASS = "[ \t\n\r\f\v]"
# A word as Punkt reads it, one token: letters and digits joined by inner hyphens or periods
# ("stiff-man", "2.5", "U.S").
_PLAIN_WORD = r"[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*"
# A word that may follow a boundary: its first letter is all Punkt looks at, and inner
# hyphens and apostrophes ("Follow-up", "It's") make no period that could end a sentence.
_NEXT_WORD = r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*"
# A context as Punkt hands it to `text_contains_sentbreak`: word, mark, white space, next word.
_PLAIN_CONTEXT = re.compile(rf"({_PLAIN_WORD})([.?!]){_SPACE_CLASS}+({_NEXT_WORD})[,;:]?")
# In ASCII text: every place Punkt considers a boundary (its `period_context_re`; its white
# space is these six characters, not \x1c-\x1f as for `re`), and the plain ones: after white
# space, a word (maybe after "(", a token of its own) or a run ending in a closing bracket or
# quote (then "." is a token of its own), the mark, white space, and a next word (maybe with
# ",;:." after it), "-" or "(word)".
_CANDIDATE = re.compile(rf"[.?!](?=[)\";}}\]*:@'({{\[?!]|{_SPACE_CLASS}+[^ \t\n\r\f\v])")
_PREVIOUS = re.compile(rf"\(?(?P<word>{_PLAIN_WORD})|[^ \t\n\r\f\v.?!]*[)\]}}\"]")
_FOLLOWING = re.compile(
    rf"{_SPACE_CLASS}+(?P<next>{_NEXT_WORD}[,;:.]?|-|\({_PLAIN_WORD}\)?[,;:.]?)(?:{_SPACE_CLASS}|\Z)"
)
# Or after the mark: closing brackets and quotes, white space and more text. Punkt then decides
# from the first closer alone, and moves the closers into the sentence that ends there.
_CLOSING = re.compile(rf"(?P<closers>[)\"'\]}}]+){_SPACE_CLASS}+(?=[^ \t\n\r\f\v])")
# Punkt's numbers (its "##number##" type), as plain words.
_NUMBER = re.compile(r"[0-9][0-9.-]*")
# White space other than " ": most texts have none, and `rfind(" ")` then finds the last space.
_OTHER_SPACE = re.compile("[\t\n\r\f\v]")


def _plain_break(word: str, mark: str, following: str, abbreviations: set[str]) -> bool:
    """Return Punkt's decision on "<word><mark> <following>...": does a sentence end here?"""
    if mark != ".":
        return True  # "?" and "!" end a sentence that another word follows
    lowered = word.lower()
    if lowered in abbreviations or lowered.split("-")[-1] in abbreviations:
        return False  # with no orthographic evidence, an abbreviation never ends one
    initial = len(word) == 1 and word.isalpha()
    if initial or _NUMBER.fullmatch(word):
        # An initial or ordinal before a lower-case word, or an initial before a capital
        # ("J. Bach"), does not end a sentence.
        return not (following[0].islower() or (initial and following[0].isupper()))
    return True


class _SentenceSplitter(PunktSentenceTokenizer):
    """Punkt, taking the decision on plain boundaries itself (see above)."""

    def text_contains_sentbreak(self, text: str) -> bool:
        match = _PLAIN_CONTEXT.fullmatch(text)
        if match is None:
            return super().text_contains_sentbreak(text)
        return _plain_break(*match.groups(), self._params.abbrev_types)

    def plain_spans(self, text: str) -> list[tuple[int, int]] | None:
        """Return the spans of the sentences of text, white space excluded, when every boundary
        in it is plain, else None.

        Punkt's slices start at the word after a boundary and end at the mark, so only the
        text's outer white space is left to exclude.
        """
        if not text.isascii():
            return None
        abbreviations = self._params.abbrev_types
        only_spaces = _OTHER_SPACE.search(text) is None
        spans = []
        start = len(text) - len(text.lstrip())
        previous = 0  # just after the previous candidate
        for candidate in _CANDIDATE.finditer(text):
            mark_at = candidate.start()
            if only_spaces:
                space = text.rfind(" ", previous, mark_at)
            else:
                space = max(text.rfind(c, previous, mark_at) for c in " \t\n\r\f\v")
            if space < 0 and previous > 0:
                return None  # the word before reaches back to the previous mark
            before = _PREVIOUS.fullmatch(text, space + 1, mark_at)
            if before is None:
                return None
            after = _FOLLOWING.match(text, mark_at + 1)
            if after is not None:
                following, stop, next_start = after["next"], mark_at + 1, after.start("next")
            else:
                closing = _CLOSING.match(text, mark_at + 1)
                if closing is None:
                    return None
                following, stop, next_start = closing["closers"], closing.end("closers"), closing.end()
            word = before["word"]
            # After a closing bracket or quote, Punkt's "." is a token of its own, a break.
            if word is None or _plain_break(word, text[mark_at], following, abbreviations):
                spans.append((start, stop))
                start = next_start
            previous = mark_at + 1
        end = len(text.rstrip())
        if end > start:
            spans.append((start, end))
        return spans


class _Computed(dict[str, _V]):
    """A dict that computes a missing value from its key, once."""

    def __init__(self, compute: Callable[[str], _V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: str) -> _V:
        value = self[key] = self.compute(key)
        return value


class PassageEncoder:
    """Passages -> term ids and the ids of the words they use, each distinct token analyzed once.

    `term_id` and `word_id` give the id of a term and of a word (a vocabulary that grows).
    """

    def __init__(
        self, settings: Settings, term_id: Callable[[str], int], word_id: Callable[[str], int]
    ) -> None:
        entries = _TokenCache(settings)

        def counted(token: str) -> int:
            word = entries[token][0]
            return word_id(word) if len(word) >= 3 and word.isalpha() else -1

        self._term_ids = _Computed(lambda token: tuple(map(term_id, entries[token][1])))
        self._word_id = _Computed(counted)
        self._heading_ids = _Computed(
            lambda heading: tuple(chain.from_iterable(map(self._term_ids.__getitem__, _tokens(heading))))
        )

    def add(self, heading: str, text: str, term_ids: array[int], word_ids: array[int]) -> int:
        """Append the term ids of `analyze(f"{heading} {text}")` to `term_ids` and the ids of the
        distinct words of three letters or more of `words(text)` to `word_ids` (with -1 for the
        rest); return the number of terms."""
        before = len(term_ids)
        term_ids.extend(self._heading_ids[heading])
        tokens = _tokens(text)
        term_ids.extend(chain.from_iterable(map(self._term_ids.__getitem__, tokens)))
        word_ids.extend(set(map(self._word_id.__getitem__, tokens)))
        return len(term_ids) - before


@cache
def _sentence_splitter() -> _SentenceSplitter:
    parameters = PunktParameters()
    parameters.abbrev_types = set(_ABBREVIATIONS)
    return _SentenceSplitter(parameters)


# Punkt reads a text this long or shorter; a longer one (a paragraph of megabytes, which no real
# document has) is split at every ".", "?" or "!" before white space, as when Punkt gives up.
MAX_SPLIT_CHARS = 100_000
_SIMPLE_END = re.compile(r"[.?!](?=\s)")


@dataclass(frozen=True, slots=True)
class SentenceSplit:
    """The sentences of a text, as (start, end) spans without their outer white space; whether
    Punkt found them (False: split simply, the text being too long or Punkt timing out), and
    whether Punkt took its slow path (any boundary but the plain "word. Next")."""

    spans: tuple[tuple[int, int], ...]
    by_punkt: bool = True
    slow: bool = False


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    chunk = text[start:end]
    left = len(chunk) - len(chunk.lstrip())
    right = len(chunk.rstrip())
    return (start + left, start + right) if right > left else None


def _simple_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Split at each sentence mark that white space follows: linear on any text."""
    spans = []
    start = 0
    for mark in _SIMPLE_END.finditer(text):
        spans.append(_trimmed(text, start, mark.end()))
        start = mark.end()
    spans.append(_trimmed(text, start, len(text)))
    return tuple(span for span in spans if span)


def split_sentences(text: str, slow_path: bool = True) -> SentenceSplit:
    """Return the sentences of text, as Punkt finds them when it can.

    Punkt's slow path costs about 1 microsecond a character on prose but up to 20 on text made
    of marks ('a.. a.. '); with `slow_path` False, a text that needs it is split simply.
    """
    if "." not in text and "?" not in text and "!" not in text:
        # No candidate boundary: Punkt would give the whole text.
        whole = _trimmed(text, 0, len(text))
        return SentenceSplit((whole,) if whole else ())
    if len(text) > MAX_SPLIT_CHARS:
        return SentenceSplit(_simple_spans(text), by_punkt=False)
    splitter = _sentence_splitter()
    spans = splitter.plain_spans(text)
    if spans is not None:
        return SentenceSplit(tuple(spans))
    if not slow_path:
        return SentenceSplit(_simple_spans(text), by_punkt=False)
    try:
        found = [_trimmed(text, start, end) for start, end in splitter.span_tokenize(text)]
    except TimeoutError:  # NLTK's guard on its own patterns
        return SentenceSplit(_simple_spans(text), by_punkt=False, slow=True)
    return SentenceSplit(tuple(span for span in found if span), slow=True)


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) of each sentence of text, surrounding white space excluded."""
    yield from split_sentences(text).spans


_SPACE = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Return text case-folded with runs of white space made one space (for substring matching)."""
    return _SPACE.sub(" ", normalize(text)).strip()
