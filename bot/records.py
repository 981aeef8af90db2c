"""The records that flow through the pipeline: frozen, typed, and free of I/O.

Offsets always index `Document.text`: `document.text[start:end]` is exactly the text of the
section, passage, sentence or quote that carries them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Problem:
    """A recoverable problem met while reading: shown to the user, never swallowed."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Reference:
    """A numbered entry of a document's References section."""

    marker: str
    text: str


@dataclass(frozen=True, slots=True)
class Section:
    """A titled span of a document; `start:end` covers its body, heading excluded."""

    heading: str
    start: int
    end: int
    level: int = 1


@dataclass(frozen=True, slots=True)
class Sentence:
    """A quotable sentence: its span excludes bullets and trailing citation markers."""

    start: int
    end: int
    markers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """One source document as read, with its sections and resolved references."""

    doc_id: str
    title: str
    path: str
    text: str
    sections: tuple[Section, ...]
    references: tuple[Reference, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of whole sentences inside one section of one document."""

    passage_id: str
    doc_id: str
    doc_title: str
    doc_path: str
    section: str
    start: int
    end: int
    text: str
    sentences: tuple[Sentence, ...]

    @property
    def markers(self) -> tuple[str, ...]:
        """Return the markers of all sentences, in order of first use."""
        return tuple(dict.fromkeys(m for s in self.sentences for m in s.markers))


@dataclass(frozen=True, slots=True)
class Citation:
    """A marker and the reference it stands for (None when the document lists none)."""

    marker: str
    reference: str | None


@dataclass(frozen=True, slots=True)
class Quote:
    """A sentence quoted verbatim: `text == document.text[start:end]`.

    `inherited` is True when the sentence has no marker of its own and the citations are
    those of its passage.
    """

    text: str
    passage_id: str
    doc_id: str
    doc_title: str
    section: str
    start: int
    end: int
    citations: tuple[Citation, ...]
    inherited: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved passage with its BM25 score and 1-based rank."""

    passage: Passage
    score: float
    rank: int


@dataclass(frozen=True, slots=True)
class Query:
    """What was searched for a question.

    `terms` are the analyzed terms sent to the index, with repeats; `weights` the weight of
    each (1.0 for the question's own terms). `corrections` map typed words to the words used;
    `expansions` list the words added from aliases, synonyms and question words (how people
    ask mapped to the words answers use); `concepts` each content word
    with the terms that satisfy it; `borrowed` the words taken from earlier turns of a
    conversation, with their weights. `groups` hold the names of one thing (a word's own
    terms, then each alias's added terms): a passage scores the best of them, not their sum.
    """

    text: str
    terms: tuple[str, ...]
    weights: tuple[float, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    expansions: tuple[str, ...] = ()
    concepts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    borrowed: tuple[tuple[str, float], ...] = ()
    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to one question: quotes, or an abstention naming the missing words.

    `prompt` replaces an answer when the question cannot be searched as asked; with `choices`
    (the titles of the documents it could be about) it asks which one is meant.
    """

    question: str
    query: Query
    abstained: bool
    missing_terms: tuple[str, ...]
    quotes: tuple[Quote, ...]
    hits: tuple[Hit, ...]
    prompt: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Turn:
    """One question of a conversation and its answer."""

    question: str
    query: Query
    answer: Answer


@dataclass(frozen=True, slots=True)
class Conversation:
    """The turns so far; asking returns a new conversation with one more turn."""

    turns: tuple[Turn, ...] = ()


@dataclass(frozen=True, slots=True)
class Corpus:
    """The documents read from a folder or a BEIR file, and the problems met."""

    root: str
    documents: tuple[Document, ...]
    problems: tuple[Problem, ...] = ()
    synonyms: tuple[tuple[str, ...], ...] = field(default=())
