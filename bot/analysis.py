"""Text analysis, the only user of NLTK: one analyzer for passages and queries, and sentence spans.

No NLTK data package is ever loaded: stemmers are algorithmic, the sentence splitter is Punkt
with our own abbreviations, and the stopword list ships in `bot/data/stopwords.txt`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources

from nltk.stem import PorterStemmer, SnowballStemmer
from nltk.tokenize import RegexpTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from bot.config import Settings

# Words made of letters and digits, joined by inner hyphens, apostrophes or dots, so that
# "stiff-man", "2-10", "2.5" and "e.g" stay whole.
_WORD_PATTERN = r"\w+(?:[-'.]\w+)*"
_WORD = RegexpTokenizer(_WORD_PATTERN)
_ASCII_WORD = re.compile(_WORD_PATTERN)

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


def word_terms(word: str, settings: Settings) -> list[str]:
    """Return the index terms of one normalized word: a hyphenated word gives itself and its parts."""
    if "-" not in word:
        return [] if is_stopword(word, settings) else [stem(word, settings.stemmer)]
    parts = [p for p in word.split("-") if p]
    whole = "-".join(stem(p, settings.stemmer) for p in parts)
    return [whole] + [stem(p, settings.stemmer) for p in parts if not is_stopword(p, settings)]


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


@cache
def _sentence_splitter() -> PunktSentenceTokenizer:
    parameters = PunktParameters()
    parameters.abbrev_types = set(_ABBREVIATIONS)
    return PunktSentenceTokenizer(parameters)


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield the (start, end) of each sentence of text, surrounding white space excluded."""
    for start, end in _sentence_splitter().span_tokenize(text):
        chunk = text[start:end]
        left = len(chunk) - len(chunk.lstrip())
        right = len(chunk.rstrip())
        if right > left:
            yield start + left, start + right


_SPACE = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Return text case-folded with runs of white space made one space (for substring matching)."""
    return _SPACE.sub(" ", normalize(text)).strip()
