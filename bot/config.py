"""`Settings`: every tunable of citebot, its default and its validation."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from bot.errors import SettingsError

VARIANTS = ("okapi", "bm25l", "bm25plus")
STEMMERS = ("snowball", "porter", "none")

# Each setting's name in words, for readers who do not know BM25's letters; the code stays in
# brackets where the words leave it out. `conversation` is `bot eval`'s own switch (see
# `bot.evaluate.parse_variant`). A setting missing here is named by its code, "_" read as " ".
SETTING_NAMES = {
    "variant": "BM25 variant",
    "k1": "term-frequency saturation (k1)",
    "b": "length normalization (b)",
    "epsilon": "floor of common words' weight (epsilon)",
    "delta": "lower bound of each word's score (delta)",
    "stemmer": "stemmer",
    "stopwords": "stopwords left out",
    "passage_words": "passage length",
    "passage_overlap": "sentences shared by neighbouring passages",
    "title_weight": "title weight",
    "section_weight": "section heading weight",
    "top_k": "passages shown",
    "max_quotes": "quotes at most",
    "document_weight": "weight of the passage's document",
    "answer_passages": "passages quotes are chosen from",
    "min_context": "share of the question's other words a quote needs",
    "conversation": "follow-ups read with the earlier turns",
}
# Values in words where the code is not a word; the code follows in brackets.
VALUE_NAMES = {
    "variant": {"okapi": "Okapi", "bm25l": "BM25L", "bm25plus": "BM25+"},
    "stemmer": {"snowball": "Snowball", "porter": "Porter"},
}
UNITS = {"passage_words": "words"}


def value_code(value: object) -> str:
    """Return a setting's value as `name=value` writes it: on or off for a switch."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def setting_in_words(name: str, value: object) -> str:
    """Return one setting in words, with its code where the words differ: 'BM25 variant: Okapi
    (okapi)', 'stemmer: none', 'passage length: 200 words'."""
    code = value_code(value)
    words = VALUE_NAMES.get(name, {}).get(code, code)
    shown = words if words == code else f"{words} ({code})"
    if name in UNITS:
        shown += f" {UNITS[name]}"
    return f"{SETTING_NAMES.get(name, name.replace('_', ' '))}: {shown}"


@dataclass(frozen=True, slots=True)
class Settings:
    """Retrieval, chunking and answering settings; derive variants with `dataclasses.replace`."""

    # Chosen with `bot eval --compare` on the shipped questions and MedQuAD dev (see README).
    variant: str = "bm25plus"
    k1: float = 1.2
    b: float = 0.4
    epsilon: float = 0.25
    delta: float | None = None
    stemmer: str = "snowball"
    stopwords: bool = True
    passage_words: int = 120
    passage_overlap: int = 0
    title_weight: int = 3
    section_weight: int = 1
    top_k: int = 5
    max_quotes: int = 3
    max_unknown_focus: float = 0.4
    aliases: bool = True
    spelling: bool = True
    question_words: bool = True
    # A word and its aliases ("baclofen", "Lioresal") score as one: the best of them, not the sum.
    alias_groups: bool = True
    # A passage's score plus this share of its document's (each query term at its best passage
    # of the document): the other passages of the document a question names rank higher.
    document_weight: float = 0.25
    # How people type: shorthand ("whats", "max", "yr") expanded and ages named as populations.
    shorthand: bool = True
    # Everyday and clinical names of one thing ("water pill", "diuretic"), shipped in bot/data.
    lay_terms: bool = True
    # WordNet's synonyms of a question word the corpus never uses ("lockjaw": "tetanus").
    wordnet: bool = True
    # An ordinary English word the corpus never uses frames the question unless it names a thing.
    english: bool = True
    # A quote must be about what the question names: its medicine or condition, its population,
    # route and kind of quantity; at least this share of its other words must be found too.
    subjects: bool = True
    min_context: float = 0.34
    # A question naming nothing specific ("side effects?") is asked back: which document?
    clarify: bool = True
    # Quotes are chosen from this many best passages, however many are shown.
    answer_passages: int = 5
    # Irregular forms analyzed as their lemma ("children" as "child", "older" as "old"): off, as
    # it measured no better (README, "Tuning"); the population lists name such forms themselves.
    lemmas: bool = False
    # Lines repeated across documents (disclaimers, running headers) are neither indexed nor quoted.
    boilerplate: bool = True

    def __post_init__(self) -> None:
        checks: list[tuple[str, bool, str]] = [
            ("variant", self.variant in VARIANTS, f"choose one of {', '.join(VARIANTS)}"),
            ("stemmer", self.stemmer in STEMMERS, f"choose one of {', '.join(STEMMERS)}"),
            ("k1", 0 <= self.k1 <= 10, "must be between 0 and 10"),
            ("b", 0 <= self.b <= 1, "must be between 0 and 1"),
            ("epsilon", 0 <= self.epsilon <= 1, "must be between 0 and 1"),
            ("delta", self.delta is None or 0 <= self.delta <= 5, "must be between 0 and 5"),
            ("passage_words", 10 <= self.passage_words <= 5000, "must be between 10 and 5000"),
            ("passage_overlap", 0 <= self.passage_overlap <= 5, "must be between 0 and 5"),
            ("title_weight", 0 <= self.title_weight <= 5, "must be between 0 and 5"),
            ("section_weight", 0 <= self.section_weight <= 5, "must be between 0 and 5"),
            ("top_k", 1 <= self.top_k <= 100, "must be between 1 and 100"),
            ("max_quotes", 1 <= self.max_quotes <= 3, "must be between 1 and 3"),
            ("max_unknown_focus", 0 < self.max_unknown_focus <= 1, "must be above 0 and at most 1"),
            ("document_weight", 0 <= self.document_weight <= 5, "must be between 0 and 5"),
            ("min_context", 0 <= self.min_context <= 1, "must be between 0 and 1"),
            ("answer_passages", 1 <= self.answer_passages <= 100, "must be between 1 and 100"),
        ]
        for name, ok, problem in checks:
            if not ok:
                raise SettingsError(name, getattr(self, name), problem)

    @property
    def bm25_delta(self) -> float:
        """Return delta for BM25L/BM25Plus, with rank-bm25's own defaults (0.5 and 1)."""
        if self.delta is not None:
            return self.delta
        return 0.5 if self.variant == "bm25l" else 1.0

    def index_key(self) -> str:
        """Return a short hash of the settings that change what the index holds."""
        index_fields = {
            k: v
            for k, v in asdict(self).items()
            if k
            not in (
                "top_k",
                "max_quotes",
                "max_unknown_focus",
                "spelling",
                "question_words",
                "alias_groups",
                "document_weight",
                "shorthand",
                "lay_terms",
                "wordnet",
                "english",
                "subjects",
                "min_context",
                "clarify",
                "answer_passages",
            )
        }
        blob = json.dumps(index_fields, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
