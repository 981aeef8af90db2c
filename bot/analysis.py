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
# On ASCII text, \w is [A-Za-z0-9_] for the standard engine as for the timeout-guarded one NLTK
# compiles with, so both find the same words; the standard one is several times faster.
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


def words(text: str) -> list[str]:
    """Return the normalized words of text, stopwords included, possessive 's removed."""
    result = []
    for token in _WORD.tokenize(normalize(text)):
        token = token.strip("'.")
        if token.endswith("'s"):
            token = token[:-2]
        if token:
            result.append(token)
    return result


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
        word = token.strip("'.")
        if word.endswith("'s"):
            word = word[:-2]
        entry = (word, tuple(word_terms(word, self.settings)) if word else ())
        self[token] = entry
        return entry


def analyze_many(texts: Iterable[str], settings: Settings) -> Iterator[tuple[list[str], list[str]]]:
    """Yield `(words(text), analyze(text, settings))` for each text, fast on many texts.

    Words repeat far more than they vary: each distinct token is analyzed once per call, and
    ASCII text skips Unicode normalization (case-folding is all it does there).
    """
    entries = _TokenCache(settings)
    lookup = entries.__getitem__
    for text in texts:
        tokens = _ASCII_WORD.findall(text.casefold()) if text.isascii() else _WORD.tokenize(normalize(text))
        analyzed = [lookup(token) for token in tokens]
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
