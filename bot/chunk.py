"""Chunking: a `Document` -> `Passage`s of whole sentences that never cross a section.

A section body is cut into units (a bullet, or a line and its continuation lines), units into
sentences, and consecutive sentences are packed into passages of about `passage_words` words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.analysis import sentence_spans
from bot.config import Settings
from bot.read import BULLET, split_markers
from bot.records import Document, Passage, Problem, Section, Sentence

# The reader's bullets, and Markdown block quotes: marks that start a unit and are never quoted.
_UNIT_MARK = re.compile(BULLET.pattern + r"|^[ \t]*>[ \t]*")
# A sentence longer than this is cut at white space so quotes stay readable.
MAX_SENTENCE_CHARS = 1500


def _units(text: str, section: Section) -> Iterator[tuple[int, int]]:
    """Yield the spans of bullets and paragraphs of a section, bullet marks excluded.

    A line continues the unit above when it starts lower-case and the line above does not end
    a sentence (hard-wrapped text); a blank line, a bullet or any other line starts a new one.
    """
    start = None
    end = section.start
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
            and text[start:end].rstrip()[-1:] not in (".", "!", "?", ":")
        )
        if continues:
            end = line_end
            continue
        if start is not None:
            yield start, end
            start = None
        if stripped:
            start = line_start + (bullet.end() if bullet else len(line) - len(line.lstrip()))
            end = line_end
    if start is not None:
        yield start, end


def _cut_long(start: int, end: int, text: str) -> Iterator[tuple[int, int]]:
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        yield start, cut
        start = cut + 1 if text[cut : cut + 1] == " " else cut
    if end > start:
        yield start, end


def sentences_of(document: Document, section: Section) -> list[tuple[Sentence, int]]:
    """Return the section's sentences, each with the end of its raw text (markers included)."""
    text = document.text
    known = frozenset(r.marker for r in document.references)
    result: list[tuple[Sentence, int]] = []
    for unit_start, unit_end in _units(text, section):
        unit: list[tuple[Sentence, int]] = []
        for rel_start, rel_end in sentence_spans(text[unit_start:unit_end]):
            for start, end in _cut_long(unit_start + rel_start, unit_start + rel_end, text):
                length, markers = split_markers(text[start:end], known)
                if length == 0 and unit:
                    # A lone marker after the last full stop ("... therapy. 2") cites the
                    # sentence before it.
                    previous, _ = unit[-1]
                    merged = tuple(dict.fromkeys(previous.markers + markers))
                    unit[-1] = (Sentence(previous.start, previous.end, merged), end)
                elif length > 0:
                    unit.append((Sentence(start, start + length, markers), end))
        result.extend(unit)
    return result


def _word_count(text: str) -> int:
    return len(text.split())


def chunk_document(document: Document, settings: Settings) -> tuple[Passage, ...]:
    """Cut a document into passages; ids are '<doc_id>#<n>', stable for an unchanged document."""
    passages: list[Passage] = []
    for section in document.sections:
        sentences = sentences_of(document, section)
        first = 0
        while first < len(sentences):
            last = first
            words = _word_count(document.text[sentences[first][0].start : sentences[first][1]])
            while last + 1 < len(sentences):
                sentence, raw_end = sentences[last + 1]
                more = _word_count(document.text[sentence.start : raw_end])
                if words + more > settings.passage_words:
                    break
                words += more
                last += 1
            start = sentences[first][0].start
            end = sentences[last][1]
            passages.append(
                Passage(
                    passage_id=f"{document.doc_id}#{len(passages) + 1}",
                    doc_id=document.doc_id,
                    doc_title=document.title,
                    doc_path=document.path,
                    section=section.heading,
                    start=start,
                    end=end,
                    text=document.text[start:end],
                    sentences=tuple(s for s, _ in sentences[first : last + 1]),
                )
            )
            if last + 1 >= len(sentences):
                break
            first = max(first + 1, last + 1 - settings.passage_overlap)
    return tuple(passages)


def check_markers(document: Document, passages: tuple[Passage, ...]) -> list[Problem]:
    """Return a problem for each marker that the document's References section does not list."""
    if not document.references:
        return []
    known = {r.marker for r in document.references}
    problems = []
    for passage in passages:
        for sentence in passage.sentences:
            for marker in sentence.markers:
                if marker not in known:
                    line = document.text.count("\n", 0, sentence.start) + 1
                    problems.append(
                        Problem(
                            document.path, line, f"marker [{marker}] has no entry in the References section"
                        )
                    )
    return problems
