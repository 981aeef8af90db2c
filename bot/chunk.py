"""Chunking: a `Document` -> `Passage`s of whole sentences that never cross a section.

A section body is cut into units (a bullet, or a line and its continuation lines), units into
sentences, and consecutive sentences are packed into passages of about `passage_words` words.
A line that many documents repeat word for word (a disclaimer, a running header) is boilerplate:
it is in no passage, so it is never searched or quoted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.analysis import MAX_SPLIT_CHARS, SentenceSplit, split_sentences
from bot.config import Settings
from bot.read import BULLET, MAX_MARKERS_PER_SENTENCE, split_markers
from bot.records import Document, Passage, Problem, Section, Sentence

# The reader's bullets, and Markdown block quotes: marks that start a unit and are never quoted.
_UNIT_MARK = re.compile(BULLET.pattern + r"|^[ \t]*>[ \t]*")
# A sentence longer than this is cut at white space so quotes stay readable.
MAX_SENTENCE_CHARS = 1500


# A line is boilerplate when at least this many documents, and this share of them, repeat it.
BOILERPLATE_DOCUMENTS = 3
BOILERPLATE_SHARE = 0.1
# Longer lines are content, however often they repeat.
BOILERPLATE_CHARS = 300


def _line_key(line: str) -> str:
    """Return a line as compared for boilerplate: bullet marks and spacing dropped, case folded."""
    mark = _UNIT_MARK.match(line)
    return " ".join(line[mark.end() if mark else 0 :].split()).casefold()


def find_boilerplate(documents: Sequence[Document]) -> frozenset[str]:
    """Return the lines that at least `BOILERPLATE_DOCUMENTS` documents and `BOILERPLATE_SHARE`
    of them repeat (as `_line_key` compares them): disclaimers, running headers and footers."""
    if len(documents) < BOILERPLATE_DOCUMENTS:
        return frozenset()
    counts: Counter[str] = Counter()
    for document in documents:
        counts.update(
            {
                key
                for line in document.text.split("\n")
                if len(line) <= BOILERPLATE_CHARS and (key := _line_key(line))
            }
        )
    least = max(BOILERPLATE_DOCUMENTS, BOILERPLATE_SHARE * len(documents))
    return frozenset(key for key, count in counts.items() if count >= least)


def _units(
    text: str, section: Section, boilerplate: frozenset[str] = frozenset()
) -> Iterator[tuple[int, int]]:
    """Yield the spans of bullets and paragraphs of a section, bullet marks excluded.

    A line continues the unit above when it starts lower-case and the line above does not end
    a sentence (hard-wrapped text); a blank line, a bullet or any other line starts a new one.
    """
    start = None
    end = section.start
    last = ""  # the unit's last character but white space, kept as lines join it
    position = section.start
    for line in text[section.start : section.end].split("\n"):
        line_start, line_end = position, position + len(line)
        position = line_end + 1
        stripped = line.strip()
        bullet = _UNIT_MARK.match(line)
        continues = (
            start is not None
            and stripped
            and not bullet
            and stripped[0].islower()
            and last not in (".", "!", "?", ":")
        )
        if continues:
            end = line_end
            last = stripped[-1]
            continue
        if start is not None:
            yield start, end
            start = None
        if stripped and not (boilerplate and _line_key(line) in boilerplate):
            start = line_start + (bullet.end() if bullet else len(line) - len(line.lstrip()))
            end = line_end
            last = text[start:end].rstrip()[-1:]
    if start is not None:
        yield start, end


def _cut_long(start: int, end: int, text: str) -> list[tuple[int, int]]:
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        pieces.append((start, cut))
        start = cut + 1 if text[cut : cut + 1] == " " else cut
    if end > start:
        pieces.append((start, end))
    return pieces


# A document keeps its first this many citation markers; a hostile file of "[1-20]." sentences
# would otherwise make millions.
MAX_MARKERS_PER_DOCUMENT = 20_000
# Sentence marks (".", "?", "!") of one document that Punkt's slow path may read: a real
# document of 5 MiB has about 50,000; a hostile one of marks alone would cost minutes. The
# paragraphs after are split at every mark.
MAX_SLOW_SPLIT_MARKS = 100_000


@dataclass(slots=True)
class DocumentBudget:
    """What one document may still cost as it is chunked, and what it lost to the caps."""

    markers_left: int = MAX_MARKERS_PER_DOCUMENT
    slow_marks_left: int = MAX_SLOW_SPLIT_MARKS
    cut_sentences: int = 0
    simple_paragraphs: int = 0

    def take_markers(self, markers: tuple[str, ...]) -> tuple[str, ...]:
        """Return the markers a sentence keeps: at most MAX_MARKERS_PER_SENTENCE, within what is left."""
        kept = markers[: min(MAX_MARKERS_PER_SENTENCE, max(self.markers_left, 0))]
        if len(kept) < len(markers):
            self.cut_sentences += 1
        self.markers_left -= len(kept)
        return kept

    def split(self, text: str) -> SentenceSplit:
        """Return the sentences of a paragraph, within what is left of Punkt's slow path."""
        split = split_sentences(text, slow_path=self.slow_marks_left > 0)
        if split.slow:
            self.slow_marks_left -= text.count(".") + text.count("?") + text.count("!")
        if not split.by_punkt:
            self.simple_paragraphs += 1
        return split

    def problems(self, document: Document) -> list[Problem]:
        """Return the warnings that some of the document was cut to the caps."""
        found = []
        if self.simple_paragraphs:
            found.append(
                Problem(
                    document.path,
                    None,
                    f"{self.simple_paragraphs:,} paragraph(s) split at every full stop: over "
                    f"{MAX_SPLIT_CHARS:,} characters, too hard for the sentence splitter, or after "
                    f"the first {MAX_SLOW_SPLIT_MARKS:,} sentence marks it reads closely",
                )
            )
        if self.cut_sentences:
            found.append(
                Problem(
                    document.path,
                    None,
                    f"{self.cut_sentences:,} sentence(s) lost citation markers: a sentence keeps at "
                    f"most {MAX_MARKERS_PER_SENTENCE}, a document {MAX_MARKERS_PER_DOCUMENT:,}",
                )
            )
        return found


# A sentence as the chunker finds it: start and end of its quotable text, end of its raw text
# (trailing markers included), and its markers. Chunking writes these straight into columns;
# `chunk_document` makes them `Sentence` records.
SentenceSpan = tuple[int, int, int, tuple[str, ...]]


def sentences_of(
    document: Document,
    section: Section,
    known: frozenset[str],
    boilerplate: frozenset[str] = frozenset(),
    budget: DocumentBudget | None = None,
) -> list[SentenceSpan]:
    """Return the section's sentences; `known` holds the markers of the document's references,
    `boilerplate` the lines left out (see `find_boilerplate`); `budget` is what is left of the
    document's caps."""
    text = document.text
    budget = DocumentBudget() if budget is None else budget
    result: list[SentenceSpan] = []
    for unit_start, unit_end in _units(text, section, boilerplate):
        unit: list[SentenceSpan] = []
        split = budget.split(text[unit_start:unit_end])
        for rel_start, rel_end in split.spans:
            for start, end in _cut_long(unit_start + rel_start, unit_start + rel_end, text):
                length, markers = split_markers(text[start:end], known)
                markers = budget.take_markers(markers)
                if length == 0 and unit:
                    # A lone marker after the last full stop ("... therapy. 2") cites the
                    # sentence before it.
                    first, last, _, previous = unit[-1]
                    unit[-1] = (first, last, end, tuple(dict.fromkeys(previous + markers)))
                elif length > 0:
                    unit.append((start, start + length, end, markers))
        result.extend(unit)
    return result


def _word_count(text: str) -> int:
    return len(text.split())


def _fits(text: str, sentences: list[SentenceSpan], words: int) -> bool:
    """Return True when the sentences, counted one by one, hold at most `words` words.

    One count of the text they span bounds the sum: a sentence boundary inside a word can
    make two words of one, two boundaries between neighbours at most two more.
    """
    span = text[sentences[0][0] : sentences[-1][2]]
    return _word_count(span) + 2 * (len(sentences) - 1) <= words


def passage_sentences(
    document: Document,
    settings: Settings,
    boilerplate: frozenset[str] = frozenset(),
    problems: list[Problem] | None = None,
) -> Iterator[tuple[str, list[SentenceSpan]]]:
    """Yield each passage of a document, in order, as its section's heading and its sentences.

    Consecutive sentences of a section are packed while their words (markers included) number
    at most `passage_words`; a sentence longer than that is a passage of its own. Boilerplate
    lines are left out.
    """
    text = document.text
    known = frozenset(r.marker for r in document.references)
    budget = DocumentBudget()
    for section in document.sections:
        sentences = sentences_of(document, section, known, boilerplate, budget)
        if sentences and _fits(text, sentences, settings.passage_words):
            yield section.heading, sentences
            continue
        first = 0
        while first < len(sentences):
            last = first
            words = _word_count(text[sentences[first][0] : sentences[first][2]])
            while last + 1 < len(sentences):
                start, _, raw_end, _ = sentences[last + 1]
                more = _word_count(text[start:raw_end])
                if words + more > settings.passage_words:
                    break
                words += more
                last += 1
            yield section.heading, sentences[first : last + 1]
            if last + 1 >= len(sentences):
                break
            first = max(first + 1, last + 1 - settings.passage_overlap)
    if problems is not None:
        problems.extend(budget.problems(document))


def chunk_document(
    document: Document, settings: Settings, boilerplate: frozenset[str] = frozenset()
) -> tuple[Passage, ...]:
    """Cut a document into passages; ids are '<doc_id>#<n>', stable for an unchanged document."""
    passages: list[Passage] = []
    for heading, sentences in passage_sentences(document, settings, boilerplate):
        start, end = sentences[0][0], sentences[-1][2]
        passages.append(
            Passage(
                passage_id=f"{document.doc_id}#{len(passages) + 1}",
                doc_id=document.doc_id,
                doc_title=document.title,
                doc_path=document.path,
                section=heading,
                start=start,
                end=end,
                text=document.text[start:end],
                sentences=tuple(Sentence(s, e, markers) for s, e, _, markers in sentences),
            )
        )
    return tuple(passages)


def check_markers(document: Document, sentences: Iterable[tuple[int, tuple[str, ...]]]) -> list[Problem]:
    """Return a problem for each marker of these sentences, given as (start, markers), that the
    document's References section does not list (none when it has no References section)."""
    if not document.references:
        return []
    known = {r.marker for r in document.references}
    problems = []
    for start, markers in sentences:
        for marker in markers:
            if marker not in known:
                line = document.text.count("\n", 0, start) + 1
                problems.append(
                    Problem(document.path, line, f"marker [{marker}] has no entry in the References section")
                )
    return problems
