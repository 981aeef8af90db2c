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
    """A retrieved passage with its BM25 score, 1-based rank and position in the index (-1 when
    made by hand)."""

    passage: Passage
    score: float
    rank: int
    position: int = -1


@dataclass(frozen=True, slots=True)
class Concept:
    """A word (or phrase) of a question and the ways a passage can say it.

    Each alternative is a tuple of terms that must all be present: the word's own terms first,
    then those of its other names ("diuretic" for "water pill"). `role` is "content" (what the
    question asks about), "framing" (how it asks: "usual", "actually"), "passing" (an everyday
    thing the corpus never names, mentioned in passing: "football", "sofa") or "subject" (a
    population, route or kind of quantity, named in `kind`, that a quote must be about too) or
    "topic" (the subject of earlier turns of a conversation, which this question is about).
    A content word's `kind` is "use" when it names the use a question asks of a medicine the
    documents are about ("fear" in "valium for fear of flying?"), which a quote must speak of.
    `background` is True for a word only of the sentences a long question opens with, before
    the one that asks ("my husband has MS ... what dose does he start on?").
    """

    word: str
    alternatives: tuple[tuple[str, ...], ...]
    role: str = "content"
    kind: str = ""
    background: bool = False

    @property
    def terms(self) -> tuple[str, ...]:
        """Return every term of every alternative, once each."""
        return tuple(dict.fromkeys(t for alternative in self.alternatives for t in alternative))

    def found_in(self, terms: set[str] | frozenset[str]) -> bool:
        """Return True when all terms of one alternative are among the given terms."""
        return any(all(t in terms for t in alternative) for alternative in self.alternatives)


# How a query's text shows the words it borrowed: "And for baclofen? (+ dose)".
BORROWED_MARK = " (+ "


@dataclass(frozen=True, slots=True)
class Query:
    """What was searched for a question.

    `terms` are the analyzed terms sent to the index, with repeats; `weights` the weight of
    each (1.0 for the question's own terms). `corrections` map typed words to the words used,
    `rewordings` shorthand and ages to what they were read as ("whats" -> "what is");
    `expansions` list the words added from aliases, synonyms, everyday names and question words
    (how people ask mapped to the words answers use); `concepts` the question's words (and
    phrases) with the terms that satisfy them; `borrowed` the words taken from earlier turns of
    a conversation, with their weights. `groups` hold the names of one thing (a word's own
    terms, then each other name's added terms): a passage scores the best of them, not their sum.
    """

    text: str
    terms: tuple[str, ...]
    weights: tuple[float, ...] = ()
    corrections: tuple[tuple[str, str], ...] = ()
    expansions: tuple[str, ...] = ()
    concepts: tuple[Concept, ...] = ()
    borrowed: tuple[tuple[str, float], ...] = ()
    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()
    rewordings: tuple[tuple[str, str], ...] = ()

    @property
    def own_text(self) -> str:
        """Return the question as read, without the words borrowed from earlier turns."""
        return self.text.split(BORROWED_MARK)[0]


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to one question: quotes, or an abstention naming the missing words.

    `missing_terms` are the question's words no passage answering it holds: why it abstained,
    or, beside quotes, what the quotes had to leave out. `about` names what the nearest
    passages do speak of, when they miss only some of what was asked ("tizanidine", not
    "children"). `prompt` replaces an answer when the question cannot be searched as asked;
    with `choices` (the titles of the documents it could be about) it asks which one is meant.
    """

    question: str
    query: Query
    abstained: bool
    missing_terms: tuple[str, ...]
    quotes: tuple[Quote, ...]
    hits: tuple[Hit, ...]
    prompt: str | None = None
    choices: tuple[str, ...] = ()
    about: tuple[str, ...] = ()


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


@dataclass(frozen=True, slots=True)
class Change:
    """One line of a corpus folder's change log (`bot.changes`): a file added or removed."""

    action: str
    path: str
    sha256: str
    size: int
    who: str
    time: str
    title: str = ""
    # Where a removed file was kept, relative to the cache folder.
    kept_as: str = ""
