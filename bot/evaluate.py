"""Evaluation: test questions -> a `Report` of retrieval and answer measures, settings side by side.

Owns the test-questions format (JSON Lines, or a BEIR folder), how its relevance judgments map
onto the passages of any chunking, the trec_eval definitions of the measures, and the baseline
row. It never prints: `bot/report.py` renders a `Report`.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
import time
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from bot.analysis import collapse, normalize
from bot.config import Settings, setting_in_words, value_code
from bot.errors import QuestionsFileError, SettingsError
from bot.pipeline import Bot, ask, build, search
from bot.query import MAX_QUESTION_CHARS
from bot.read import Undecodable, decode_utf8, read_corpus
from bot.records import Answer, Conversation, Corpus, Document, Passage, Problem

QUESTIONS_FILE = "questions.jsonl"
RELEVANCE_FIELDS = ("documents", "sections", "passages", "texts")
TURN_FIELDS = (*RELEVANCE_FIELDS, "question", "answer_contains", "abstain", "clarify")
CASE_FIELDS = (*TURN_FIELDS, "id", "turns", "tags")
PASSAGE = "passage"
DOCUMENT = "document"
BASELINE_LABEL = "baseline"
BASELINE_WORDS = "baseline: plain BM25 (Okapi) on whole documents"
DEFAULTS_LABEL = "defaults"
BASELINE_DESCRIPTION = (
    "rank_bm25 BM25Okapi with default parameters on text.lower().split() of whole documents "
    "(no passages, no titles, no stemming or stopwords); ranks documents only"
)
# Why a turn failed, in the order they are checked.
ANSWERED_INSTEAD = "answered"  # expected to abstain, but quoted
ABSTAINED = "abstained"  # expected an answer, but abstained
NOT_RETRIEVED = "retrieval"  # no relevant passage (or document) in the top_k shown
WRONG_QUOTE = "quote"  # the quotes lack the expected text
NOT_CLARIFIED = "not-asked"  # expected to ask which document is meant, but did not
ASKED_INSTEAD = "asked"  # asked which document is meant, where an answer (or abstention) was due

# Settings worth comparing with the defaults: the candidates the README's tuning measured.
SUGGESTED_VARIANTS = (
    "k1=0.9",
    "k1=1.5",
    "b=0.75",
    "b=0.9",
    "variant=okapi",
    "variant=bm25l",
    "passage_words=60",
    "passage_words=200",
    "passage_words=400",
    "title_weight=1",
    "title_weight=0",
    "section_weight=0",
    "section_weight=2",
    "stemmer=porter",
    "stemmer=none",
    "stopwords=off",
    "conversation=off",
)

Progress = Callable[[int, int, str], None]
"""Called as `progress(done, total, label)`: turns evaluated so far, turns to evaluate in all."""


# --- the test questions -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expected:
    """What one turn should retrieve and quote.

    Each relevance field holds (key, grade) pairs: `documents` doc ids, `sections`
    "<doc id>#<heading>", `passages` "<doc id>#<n>", `texts` substrings. Grade 0 is judged not
    relevant. `answer_contains` holds the texts any one of which the quotes must contain.
    `abstain` is None when the line does not say; `clarify` is True when the question names
    nothing specific and the bot should ask which document is meant.
    """

    documents: tuple[tuple[str, int], ...] = ()
    sections: tuple[tuple[str, int], ...] = ()
    passages: tuple[tuple[str, int], ...] = ()
    texts: tuple[tuple[str, int], ...] = ()
    answer_contains: tuple[str, ...] = ()
    abstain: bool | None = None
    clarify: bool = False

    @property
    def judged(self) -> bool:
        """Return True when relevance is given, so retrieval can be measured."""
        return any(grade > 0 for field in RELEVANCE_FIELDS for _, grade in getattr(self, field))

    @property
    def measured(self) -> bool:
        """Return True when the turn has any expectation at all."""
        return self.judged or bool(self.answer_contains) or self.abstain is not None or self.clarify


@dataclass(frozen=True, slots=True)
class CaseTurn:
    """One question of a test case and what its answer should be."""

    question: str
    expected: Expected


@dataclass(frozen=True, slots=True)
class Case:
    """A test case: one question, or the turns of a conversation, from one line of the file."""

    case_id: str
    line: int
    turns: tuple[CaseTurn, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseSet:
    """The test cases of a file (or a BEIR split) and the level their relevance is judged at."""

    path: str
    cases: tuple[Case, ...]
    level: str = PASSAGE

    @property
    def turn_count(self) -> int:
        return sum(len(c.turns) for c in self.cases)


def _closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def _did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    match = _closest(word, choices, cutoff)
    return f' (did you mean "{match}"?)' if match else ""


def _relevance(value: object, path: str, line: int, name: str) -> tuple[tuple[str, int], ...]:
    """Parse a relevance field: a list of keys (grade 1) or an object {key: grade}."""
    where = f'"{name}"'
    if isinstance(value, list):
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise QuestionsFileError(path, line, where, "expected a list of non-empty strings")
        return tuple((v, 1) for v in dict.fromkeys(value))
    if isinstance(value, dict):
        pairs = []
        for key, grade in value.items():
            if not key.strip():
                raise QuestionsFileError(path, line, where, "empty key")
            if isinstance(grade, bool) or not isinstance(grade, int) or grade < 0:
                raise QuestionsFileError(
                    path, line, where, f'grade of "{key}" must be a whole number 0 or more, got {grade!r}'
                )
            pairs.append((key, grade))
        return tuple(pairs)
    raise QuestionsFileError(
        path, line, where, 'expected a list ["key", ...] or an object {"key": grade, ...}'
    )


def _check_fields(record: dict[str, object], known: Sequence[str], path: str, line: int) -> None:
    for name in record:
        if name not in known:
            raise QuestionsFileError(path, line, f'"{name}"', f"unknown field{_did_you_mean(name, known)}")


def _question(value: object, path: str, line: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise QuestionsFileError(path, line, '"question"', "expected a non-empty string")
    if len(value) > MAX_QUESTION_CHARS:
        raise QuestionsFileError(
            path, line, '"question"', f"{len(value)} characters is over the limit of {MAX_QUESTION_CHARS}"
        )
    return value


def _expected(record: dict[str, object], path: str, line: int) -> Expected:
    fields: dict[str, object] = {}
    for name in RELEVANCE_FIELDS:
        if name in record:
            fields[name] = _relevance(record[name], path, line, name)
    if "answer_contains" in record:
        value = record["answer_contains"]
        texts = value if isinstance(value, list) else [value]
        if not texts or not all(isinstance(t, str) and collapse(t) for t in texts):
            raise QuestionsFileError(
                path, line, '"answer_contains"', "expected a non-empty string or a list of them"
            )
        fields["answer_contains"] = tuple(dict.fromkeys(texts))
    for name in ("abstain", "clarify"):
        if name in record:
            if not isinstance(record[name], bool):
                raise QuestionsFileError(
                    path, line, f'"{name}"', f"expected true or false, got {record[name]!r}"
                )
            fields[name] = record[name]
    expected = Expected(**fields)  # type: ignore[arg-type]
    for flag, says in (("abstain", "the documents cannot answer"), ("clarify", "the question is vague")):
        if not getattr(expected, flag):
            continue
        for name in (*RELEVANCE_FIELDS, "answer_contains", "abstain"):
            if name != flag and getattr(expected, name):
                raise QuestionsFileError(path, line, f'"{name}"', f'"{flag}": true says {says}; remove one')
    return expected


def parse_case(record: object, path: str, line: int) -> Case:
    """Return the test case of one parsed line.

    Raises:
        QuestionsFileError: a field is missing, unknown or malformed.
    """
    if not isinstance(record, dict):
        raise QuestionsFileError(path, line, "line", "expected a JSON object")
    _check_fields(record, CASE_FIELDS, path, line)
    case_id = record.get("id")
    if isinstance(case_id, int) and not isinstance(case_id, bool):
        case_id = str(case_id)
    if not isinstance(case_id, str) or not case_id.strip():
        raise QuestionsFileError(path, line, '"id"', "missing or not a non-empty string")
    if re.search(r"\s", case_id):
        raise QuestionsFileError(path, line, '"id"', f"{case_id!r} holds white space (run files split on it)")
    tags = record.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise QuestionsFileError(path, line, '"tags"', "expected a list of non-empty strings")
    if ("question" in record) == ("turns" in record):
        raise QuestionsFileError(
            path, line, '"question"', 'give either "question" or "turns", not both or neither'
        )
    if "question" in record:
        turns = [CaseTurn(_question(record["question"], path, line), _expected(record, path, line))]
    else:
        extra = [name for name in TURN_FIELDS if name in record]
        if extra:
            raise QuestionsFileError(
                path, line, f'"{extra[0]}"', 'with "turns", give expectations inside each turn'
            )
        raw = record["turns"]
        if not isinstance(raw, list) or not raw:
            raise QuestionsFileError(path, line, '"turns"', "expected a non-empty list of objects")
        turns = []
        for number, turn in enumerate(raw, start=1):
            if not isinstance(turn, dict):
                raise QuestionsFileError(
                    path, line, f'"turns"[{number}]', "expected an object with a question"
                )
            _check_fields(turn, TURN_FIELDS, path, line)
            turns.append(CaseTurn(_question(turn.get("question"), path, line), _expected(turn, path, line)))
    if not any(t.expected.measured for t in turns):
        raise QuestionsFileError(
            path,
            line,
            '"question"',
            "nothing to check: give documents, sections, passages, texts, answer_contains, abstain or clarify",
        )
    return Case(case_id, line, tuple(turns), tuple(dict.fromkeys(tags)))


def parse_questions(text: str, path: str) -> CaseSet:
    """Parse the JSON Lines of a test-questions file (blank lines are allowed).

    Raises:
        QuestionsFileError: a line is not valid, or two lines share an id.
    """
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise QuestionsFileError(path, number, "json", f"{err.msg} at column {err.colno}") from err
        case = parse_case(record, path, number)
        if case.case_id in seen:
            raise QuestionsFileError(
                path, number, '"id"', f'"{case.case_id}" is already used on line {seen[case.case_id]}'
            )
        seen[case.case_id] = number
        cases.append(case)
    if not cases:
        raise QuestionsFileError(path, None, "file", "no test questions")
    return CaseSet(path, tuple(cases))


def decode_questions(raw: bytes, shown: str) -> str:
    """Return the text of a questions file's bytes (UTF-8, with or without a byte-order mark)."""
    decoded = decode_utf8(raw)
    if isinstance(decoded, Undecodable):
        raise QuestionsFileError(shown, decoded.line, "file", f"{decoded.what}; save the file as UTF-8")
    return decoded


def _read_text(path: Path, shown: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise QuestionsFileError(shown, None, "file", "no such file") from err
    except OSError as err:
        raise QuestionsFileError(shown, None, "file", f"cannot read: {err.strerror or err}") from err
    return decode_questions(raw, shown)


def read_questions(path: str | Path) -> CaseSet:
    """Read a test-questions file (JSON Lines; see the README)."""
    return parse_questions(_read_text(Path(path), str(path)), str(path))


def example_questions(cases: CaseSet, count: int = 4, longest: int = 90) -> list[str]:
    """Return up to `count` questions to offer a newcomer: single questions the documents answer
    (not abstentions, not vague ones), at most `longest` characters, about different documents
    where there are enough, in the file's order."""
    chosen: list[str] = []
    seen: set[str] = set()
    later: list[str] = []
    for case in cases.cases:
        if len(case.turns) != 1:
            continue
        turn = case.turns[0]
        expected = turn.expected
        if expected.abstain or expected.clarify or not expected.judged or len(turn.question) > longest:
            continue
        keys = [key for field in RELEVANCE_FIELDS for key, grade in getattr(expected, field) if grade > 0]
        document = keys[0].split("#", 1)[0] if keys else ""
        if document in seen:
            later.append(turn.question)
            continue
        seen.add(document)
        chosen.append(turn.question)
        if len(chosen) == count:
            return chosen
    return (chosen + later)[:count]


def read_beir_questions(directory: str | Path, split: str, corpus: Corpus) -> CaseSet:
    """Read a BEIR split: `queries.jsonl` and `qrels/SPLIT.tsv`, judged at the document level.

    The queries of the split are those its qrels name, in the order of `queries.jsonl`.

    Raises:
        QuestionsFileError: a file is missing, or a line is malformed or names an unknown query
            or document.
    """
    folder = Path(directory)
    qrels_path = folder / "qrels" / f"{split}.tsv"
    if not qrels_path.is_file():
        splits = sorted(p.stem for p in (folder / "qrels").glob("*.tsv"))
        found = f" (splits here: {', '.join(splits)})" if splits else ""
        raise QuestionsFileError(str(qrels_path), None, "file", f"no such file{found}")
    queries_path = folder / "queries.jsonl"
    queries: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(_read_text(queries_path, str(queries_path)).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise QuestionsFileError(str(queries_path), number, "json", err.msg) from err
        if not isinstance(record, dict) or not isinstance(record.get("_id"), str):
            raise QuestionsFileError(str(queries_path), number, '"_id"', "missing or not a string")
        queries[record["_id"]] = (_question(record.get("text"), str(queries_path), number), number)
    documents = {d.doc_id for d in corpus.documents}
    judged: dict[str, list[tuple[str, int]]] = {}
    for number, line in enumerate(_read_text(qrels_path, str(qrels_path)).splitlines(), start=1):
        if not line.strip():
            continue
        columns = line.rstrip("\n").split("\t")
        if len(columns) == 4:  # TREC qrels: query, iteration, document, grade
            columns = [columns[0], columns[2], columns[3]]
        if len(columns) != 3:
            raise QuestionsFileError(
                str(qrels_path), number, "line", "expected query-id, corpus-id and score separated by tabs"
            )
        query_id, doc_id, grade = (c.strip() for c in columns)
        if number == 1 and query_id.lower() in ("query-id", "query_id", "qid"):
            continue  # BEIR's header
        if not grade.isdigit():
            raise QuestionsFileError(
                str(qrels_path), number, "score", f"expected a whole number, got {grade!r}"
            )
        if query_id not in queries:
            raise QuestionsFileError(
                str(qrels_path), number, "query-id", f'no query "{query_id}" in {queries_path.name}'
            )
        if doc_id not in documents:
            raise QuestionsFileError(
                str(qrels_path),
                number,
                "corpus-id",
                f'no document "{doc_id}"{_did_you_mean(doc_id, documents)}',
            )
        judged.setdefault(query_id, []).append((doc_id, int(grade)))
    cases = [
        Case(query_id, line, (CaseTurn(question, Expected(documents=tuple(judged[query_id]))),))
        for query_id, (question, line) in queries.items()
        if query_id in judged
    ]
    if not cases:
        raise QuestionsFileError(str(qrels_path), None, "file", "no judged query")
    return CaseSet(str(qrels_path), tuple(cases), DOCUMENT)


# --- relevance, resolved against a corpus and mapped onto any chunking ---------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A turn's relevance in terms that survive re-chunking, most specific field first.

    `passages` and `texts` are spans (doc id, start, end, grade): the passages holding a span
    match, else (when a chunking cuts through it) those overlapping it. `sections` are ranges
    (doc id, start, end, grade): the passages starting in one match (a section runs on over its
    subsections). `documents` are (doc id, grade): every passage of one matches. A passage is
    relevant when it matches every field given; its grade is that of the most specific one.
    """

    passages: tuple[tuple[str, int, int, int], ...] = ()
    texts: tuple[tuple[str, int, int, int], ...] = ()
    sections: tuple[tuple[str, int, int, int], ...] = ()
    documents: tuple[tuple[str, int], ...] = ()


@cache
def _fold(char: str) -> str:
    return normalize(char)


def collapse_map(text: str) -> tuple[str, list[int]]:
    """Return `collapse(text)` and, for each of its characters, the offset it comes from in text."""
    out: list[str] = []
    origin: list[int] = []
    pending = False
    for position, char in enumerate(text):
        for piece in _fold(char):
            if piece.isspace():
                pending = True
                continue
            if pending and out:
                out.append(" ")
                origin.append(position)
            pending = False
            out.append(piece)
            origin.append(position)
    return "".join(out), origin


def find_text(collapsed: tuple[str, list[int]], text: str) -> list[tuple[int, int]]:
    """Return the spans where text occurs in a `collapse_map`ped text, as offsets of the original."""
    needle = collapse(text)
    haystack, origin = collapsed
    spans = []
    start = haystack.find(needle) if needle else -1
    while start >= 0:
        end = start + len(needle)
        spans.append((origin[start], origin[end - 1] + 1))
        start = haystack.find(needle, start + 1)
    return spans


def _section_ranges(document: Document) -> dict[str, list[tuple[int, int]]]:
    """Return each heading's ranges; a heading's range runs on over its subsections."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    sections = document.sections
    for i, section in enumerate(sections):
        end = section.end
        if section.level > 0:
            later = [s.start for s in sections[i + 1 :] if s.level <= section.level]
            end = later[0] if later else len(document.text)
            end = max(end, section.end)
        ranges.setdefault(collapse(section.heading), []).append((section.start, max(end, section.start + 1)))
    return ranges


class _Resolver:
    """Checks a file's relevance keys against the corpus and the passages ids refer to."""

    def __init__(self, corpus: Corpus, passages: Sequence[Passage], path: str) -> None:
        self.path = path
        self.documents = {d.doc_id: d for d in corpus.documents}
        self.passages = {p.passage_id: p for p in passages}
        self.by_document: dict[str, list[Passage]] = {}
        for passage in passages:
            self.by_document.setdefault(passage.doc_id, []).append(passage)
        self.counts: dict[str, int] = {}
        for passage in passages:
            self.counts[passage.doc_id] = self.counts.get(passage.doc_id, 0) + 1
        self._sections: dict[str, dict[str, list[tuple[int, int]]]] = {}
        self._texts: dict[str, list[tuple[str, int, int]]] = {}
        self._collapsed: dict[str, tuple[str, list[int]]] = {}

    def document(self, doc_id: str, line: int, field: str) -> Document:
        document = self.documents.get(doc_id)
        if document is None:
            hint = _did_you_mean(doc_id, self.documents)
            if not hint:
                example = next(iter(self.documents))
                hint = f' (ids are file paths without extension, such as "{example}")'
            raise QuestionsFileError(self.path, line, f'"{field}"', f'no document "{doc_id}"{hint}')
        return document

    def sections(self, key: str, grade: int, line: int) -> list[tuple[str, int, int, int]]:
        doc_id, sep, heading = key.partition("#")
        if not sep or not heading.strip():
            raise QuestionsFileError(
                self.path, line, '"sections"', f'"{key}": expected "<document id>#<section heading>"'
            )
        document = self.document(doc_id, line, "sections")
        ranges = self._sections.setdefault(doc_id, _section_ranges(document))
        found = ranges.get(collapse(heading))
        if not found:
            headings = [s.heading for s in document.sections]
            hint = _did_you_mean(heading, headings) or f" (its sections: {'; '.join(headings)})"
            raise QuestionsFileError(
                self.path, line, '"sections"', f'no section "{heading}" in "{doc_id}"{hint}'
            )
        return [(doc_id, start, end, grade) for start, end in found]

    def passage(self, key: str, grade: int, line: int) -> tuple[str, int, int, int]:
        doc_id, sep, number = key.rpartition("#")
        if not sep or not number.isdigit():
            raise QuestionsFileError(
                self.path, line, '"passages"', f'"{key}": expected "<document id>#<number>"'
            )
        self.document(doc_id, line, "passages")
        passage = self.passages.get(key)
        if passage is None:
            count = self.counts.get(doc_id, 0)
            raise QuestionsFileError(
                self.path,
                line,
                '"passages"',
                f'no passage "{key}" (the document has {count} passage{"s" if count != 1 else ""})',
            )
        return (doc_id, passage.start, passage.end, grade)

    def texts(self, text: str, grade: int, line: int) -> list[tuple[str, int, int, int]]:
        if text not in self._texts:
            if not self._collapsed:
                self._collapsed = {d.doc_id: collapse_map(d.text) for d in self.documents.values()}
            self._texts[text] = [
                (doc_id, start, end)
                for doc_id, collapsed in self._collapsed.items()
                for start, end in find_text(collapsed, text)
            ]
        found = self._texts[text]
        if not found:
            shown = text if len(text) <= 60 else text[:59] + "\u2026"
            raise QuestionsFileError(self.path, line, '"texts"', f'no document contains "{shown}"')
        return [(doc_id, start, end, grade) for doc_id, start, end in found]

    def target(self, expected: Expected, line: int) -> Target:
        for doc_id, _ in expected.documents:
            self.document(doc_id, line, "documents")
        target = Target(
            passages=tuple(self.passage(key, grade, line) for key, grade in expected.passages),
            texts=tuple(s for text, grade in expected.texts for s in self.texts(text, grade, line)),
            sections=tuple(r for key, grade in expected.sections for r in self.sections(key, grade, line)),
            documents=expected.documents,
        )
        if expected.judged and not any(g > 0 for g in judge(target, self.by_document)[0].values()):
            given = ", ".join(f'"{name}"' for name in RELEVANCE_FIELDS if getattr(expected, name))
            raise QuestionsFileError(
                self.path, line, given, "no passage matches them all (each field narrows the others)"
            )
        return target


def resolve_targets(
    cases: CaseSet, corpus: Corpus, passages: Sequence[Passage]
) -> tuple[tuple[Target, ...], ...]:
    """Check every relevance key and return each turn's `Target`, case by case.

    Passage ids are those of `passages` (the chunking the file was written for).

    Raises:
        QuestionsFileError: a document, section, passage or text is not in the corpus; the
            message names the line and, when one is close, the key meant.
    """
    resolver = _Resolver(corpus, passages, cases.path)
    return tuple(tuple(resolver.target(t.expected, c.line) for t in c.turns) for c in cases.cases)


def _matching_spans(
    spans: Sequence[tuple[str, int, int, int]], by_document: Mapping[str, Sequence[Passage]]
) -> dict[str, tuple[Passage, int]]:
    found: dict[str, tuple[Passage, int]] = {}
    for doc_id, start, end, grade in spans:
        candidates = by_document.get(doc_id, ())
        holding = [p for p in candidates if p.start <= start and end <= p.end]
        for passage in holding or [p for p in candidates if p.start < end and start < p.end]:
            found[passage.passage_id] = (passage, max(grade, found.get(passage.passage_id, (passage, 0))[1]))
    return found


def _matching_ranges(
    ranges: Sequence[tuple[str, int, int, int]], by_document: Mapping[str, Sequence[Passage]]
) -> dict[str, tuple[Passage, int]]:
    found: dict[str, tuple[Passage, int]] = {}
    for doc_id, start, end, grade in ranges:
        for passage in by_document.get(doc_id, ()):
            if start <= passage.start < end:
                found[passage.passage_id] = (
                    passage,
                    max(grade, found.get(passage.passage_id, (passage, 0))[1]),
                )
    return found


def judge(
    target: Target, by_document: Mapping[str, Sequence[Passage]]
) -> tuple[dict[str, int], dict[str, int]]:
    """Return the grades of passages and of documents for one chunking.

    A passage matching every field given is judged, with the grade of the most specific field;
    a document's grade is the best of its judged passages (or its own, when only documents
    are given).
    """
    fields: list[dict[str, tuple[Passage, int]]] = []
    if target.passages:
        fields.append(_matching_spans(target.passages, by_document))
    if target.texts:
        fields.append(_matching_spans(target.texts, by_document))
    if target.sections:
        fields.append(_matching_ranges(target.sections, by_document))
    if target.documents and not fields:
        documents = dict(target.documents)
        passages = {
            p.passage_id: grade for doc_id, grade in target.documents for p in by_document.get(doc_id, ())
        }
        return passages, documents
    if target.documents:
        named = dict(target.documents)
        fields.append({key: (p, g) for key, (p, g) in fields[0].items() if p.doc_id in named})
    if not fields:
        return {}, {}
    passages = {}
    documents: dict[str, int] = {}
    for key, (passage, grade) in fields[0].items():
        if all(key in other for other in fields[1:]):
            passages[key] = grade
            documents[passage.doc_id] = max(grade, documents.get(passage.doc_id, 0))
    return passages, documents


# --- measures (trec_eval's definitions) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scores:
    """Retrieval measures at cutoff k, as trec_eval defines them, averaged over `judged` turns.

    recall: recall_k; precision: P_k; rr: recip_rank within the top k; ndcg: ndcg_cut_k (graded
    gains, log2 discount); ap: map over the whole ranking; p1: P_1. A grade of 1 or more is
    relevant.
    """

    judged: int
    recall: float
    precision: float
    rr: float
    ndcg: float
    ap: float
    p1: float


def trec_order(run: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """Return a run sorted as trec_eval sorts it: score descending, ties by id descending."""
    return sorted(run, key=lambda item: (item[1], item[0]), reverse=True)


def score_ranking(grades: Mapping[str, int], ranking: Sequence[str], k: int) -> Scores | None:
    """Return the measures of one ranking (ids in trec order), or None when nothing is relevant.

    A ranking that retrieved nothing scores 0 on everything (trec_eval -c).
    """
    relevant = {key for key, value in grades.items() if value > 0}
    if not relevant:
        return None
    found = [key in relevant for key in ranking]
    top = found[:k]
    first = next((i for i, hit in enumerate(top) if hit), None)
    precision_sum = 0.0
    count = 0
    for i, hit in enumerate(found):
        if hit:
            count += 1
            precision_sum += count / (i + 1)
    dcg = sum(
        grades.get(key, 0) / math.log2(i + 2) for i, key in enumerate(ranking[:k]) if grades.get(key, 0) > 0
    )
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return Scores(
        judged=1,
        recall=sum(top) / len(relevant),
        precision=sum(top) / k,
        rr=0.0 if first is None else 1.0 / (first + 1),
        ndcg=dcg / idcg,
        ap=precision_sum / len(relevant),
        p1=1.0 if found[:1] == [True] else 0.0,
    )


def mean_scores(scores: Iterable[Scores | None]) -> Scores | None:
    """Return the mean of the turns' measures (None when no turn was judged)."""
    judged = [s for s in scores if s is not None]
    if not judged:
        return None
    n = len(judged)
    return Scores(
        judged=n,
        recall=sum(s.recall for s in judged) / n,
        precision=sum(s.precision for s in judged) / n,
        rr=sum(s.rr for s in judged) / n,
        ndcg=sum(s.ndcg for s in judged) / n,
        ap=sum(s.ap for s in judged) / n,
        p1=sum(s.p1 for s in judged) / n,
    )


def first_relevant(grades: Mapping[str, int], ranking: Sequence[str]) -> int | None:
    """Return the 1-based rank of the first relevant id, or None."""
    return next((i for i, key in enumerate(ranking, start=1) if grades.get(key, 0) > 0), None)


def quotes_contain(answer: Answer, texts: str | Sequence[str]) -> bool:
    """Return True when the quotes, joined, contain a text (any of several; case and white space ignored)."""
    joined = collapse(" ".join(q.text for q in answer.quotes))
    return any(collapse(text) in joined for text in ([texts] if isinstance(texts, str) else texts))


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TurnResult:
    """How one turn of one test case went under one setting.

    Rankings are (id, score) in trec order, up to the report's depth; grades hold the relevant
    (and judged non-relevant) passages and documents. `answer` is None for the baseline.
    """

    case_id: str
    turn: int
    turns: int
    question: str
    tags: tuple[str, ...]
    expected: Expected
    answer: Answer | None
    passage_grades: tuple[tuple[str, int], ...]
    document_grades: tuple[tuple[str, int], ...]
    passage_ranking: tuple[tuple[str, float], ...]
    document_ranking: tuple[tuple[str, float], ...]
    passage_scores: Scores | None
    document_scores: Scores | None
    passage_rank: int | None
    document_rank: int | None
    answer_found: bool | None
    failures: tuple[str, ...]

    @property
    def query_id(self) -> str:
        """Return the id in run files: the case id, with '/n' for turn n of a conversation."""
        return self.case_id if self.turns == 1 else f"{self.case_id}/{self.turn}"

    @property
    def measured(self) -> bool:
        return self.expected.measured

    @property
    def passed(self) -> bool:
        return self.measured and not self.failures

    @property
    def followup(self) -> bool:
        return self.turn > 1

    @property
    def stray(self) -> bool:
        """Return True when the turn quoted where it should not have, or from a document not
        judged relevant (when documents are judged): a quote about something else."""
        if self.answer is None or self.answer.abstained or not self.answer.quotes:
            return False
        if self.expected.abstain or self.expected.clarify:
            return True
        relevant = {key for key, grade in self.document_grades if grade > 0}
        return bool(relevant) and any(q.doc_id not in relevant for q in self.answer.quotes)


@dataclass(frozen=True, slots=True)
class Totals:
    """The measures of a group of turns (all, first turns, follow-ups, or one tag)."""

    turns: int
    passed: int
    passages: Scores | None
    documents: Scores | None
    answers: int
    answers_found: int
    abstain_expected: int
    abstained: int
    abstained_rightly: int
    answerable: int = 0
    answerable_abstained: int = 0
    stray: int = 0

    @property
    def pass_rate(self) -> float | None:
        return _share(self.passed, self.turns)

    @property
    def wrong_abstentions(self) -> float | None:
        """Return the share of turns expecting an answer that abstained (or asked which one)."""
        return _share(self.answerable_abstained, self.answerable)

    @property
    def stray_rate(self) -> float | None:
        """Return the share of turns whose quotes come from a document not judged relevant."""
        return _share(self.stray, self.turns)

    @property
    def answer_accuracy(self) -> float | None:
        """Return the share of turns with `answer_contains` whose quotes contain it."""
        return _share(self.answers_found, self.answers)

    @property
    def abstain_precision(self) -> float | None:
        """Return the share of abstentions that the file expects."""
        return _share(self.abstained_rightly, self.abstained)

    @property
    def abstain_recall(self) -> float | None:
        """Return the share of expected abstentions that happened."""
        return _share(self.abstained_rightly, self.abstain_expected)


def _share(part: int, whole: int) -> float | None:
    """Return part / whole, or None when there is nothing to share."""
    return part / whole if whole else None


def total(results: Sequence[TurnResult], baseline: bool = False) -> Totals:
    """Return the totals of some turns (the unmeasured ones left out)."""
    measured = [r for r in results if r.measured]
    answers = [r for r in measured if r.answer_found is not None]
    expected = [r for r in measured if r.expected.abstain]
    abstained = [r for r in measured if r.answer is not None and r.answer.abstained]
    answerable = [r for r in measured if not r.expected.abstain and not r.expected.clarify]
    return Totals(
        turns=len(measured),
        passed=sum(r.passed for r in measured),
        passages=None if baseline else mean_scores(r.passage_scores for r in measured),
        documents=mean_scores(r.document_scores for r in measured),
        answers=len(answers),
        answers_found=sum(bool(r.answer_found) for r in answers),
        abstain_expected=0 if baseline else len(expected),
        abstained=len(abstained),
        abstained_rightly=sum(1 for r in abstained if r.expected.abstain),
        answerable=0 if baseline else len(answerable),
        answerable_abstained=sum(1 for r in answerable if r.answer is not None and r.answer.abstained),
        stray=sum(r.stray for r in measured),
    )


@dataclass(frozen=True, slots=True)
class Variant:
    """A setting to evaluate: settings, and whether follow-ups see the conversation."""

    label: str
    settings: Settings
    conversation: bool = True


@dataclass(frozen=True, slots=True)
class Row:
    """The results of one setting (or of the baseline, with `settings` None)."""

    label: str
    settings: Settings | None
    conversation: bool
    results: tuple[TurnResult, ...]
    seconds: float
    passage_count: int

    @property
    def baseline(self) -> bool:
        return self.settings is None

    @property
    def total(self) -> Totals:
        return total(self.results, self.baseline)

    @property
    def first_turns(self) -> Totals:
        return total([r for r in self.results if not r.followup], self.baseline)

    @property
    def followups(self) -> Totals:
        return total([r for r in self.results if r.followup], self.baseline)

    @property
    def singles(self) -> Totals:
        """Return the totals of the questions asked alone (cases of one turn)."""
        return total([r for r in self.results if r.turns == 1], self.baseline)

    @property
    def conversations(self) -> Totals:
        """Return the totals of every turn of the conversations (cases of several turns)."""
        return total([r for r in self.results if r.turns > 1], self.baseline)

    def tags(self) -> tuple[tuple[str, Totals], ...]:
        """Return the totals of each tag, in order of first use."""
        names = dict.fromkeys(t for r in self.results for t in r.tags)
        return tuple(
            (name, total([r for r in self.results if name in r.tags], self.baseline)) for name in names
        )


@dataclass(frozen=True, slots=True)
class Report:
    """Test questions run under one or more settings and the baseline, side by side.

    `level` is what the file judges: passages (questions files) or documents (BEIR qrels).
    Measures are at cutoff `k`; rankings hold `depth` entries, which bounds MAP.
    """

    source: str
    corpus: str
    level: str
    k: int
    depth: int
    documents: int
    rows: tuple[Row, ...]
    problems: tuple[Problem, ...] = ()
    # The documents of the passages the answers list, by id: what their markers refer to.
    hit_documents: Mapping[str, Document] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @property
    def settings_rows(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if not r.baseline)

    @property
    def baseline(self) -> Row | None:
        return next((r for r in self.rows if r.baseline), None)


# --- settings to compare ---------------------------------------------------------------------

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _changed(settings: Settings, conversation: bool) -> list[tuple[str, object]]:
    """Return (name, value) of each setting that differs from the defaults, in field order."""
    default = Settings()
    changed: list[tuple[str, object]] = [
        (field.name, getattr(settings, field.name))
        for field in dataclasses.fields(Settings)
        if getattr(settings, field.name) != getattr(default, field.name)
    ]
    if not conversation:
        changed.append(("conversation", False))
    return changed


def describe(settings: Settings, conversation: bool = True) -> str:
    """Return the settings that differ from the defaults, as 'k1=1.2,b=0.4' ('defaults' if none)."""
    return ",".join(f"{name}={value_code(value)}" for name, value in _changed(settings, conversation)) or (
        DEFAULTS_LABEL
    )


def describe_in_words(settings: Settings | None, conversation: bool = True) -> str:
    """Return what `describe` says in words: 'BM25 variant: Okapi (okapi); passage length: 200
    words'; the baseline (settings None) as what it is."""
    if settings is None:
        return BASELINE_WORDS
    changed = _changed(settings, conversation)
    return "; ".join(setting_in_words(name, value) for name, value in changed) or DEFAULTS_LABEL


def spec_in_words(spec: str) -> str:
    """Return a setting written as `parse_variant` reads it ('variant=okapi'), in words."""
    variant = parse_variant(spec, Settings())
    return describe_in_words(variant.settings, variant.conversation)


def _convert(name: str, text: str, kind: object) -> object:
    text = text.strip()
    if kind is bool:
        if text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        raise SettingsError(name, text, "expected on or off")
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        if text.lower() == "none":
            return None
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    if kind in (int, float):
        try:
            return kind(text)
        except ValueError as err:
            raise SettingsError(name, text, f"expected a{'n integer' if kind is int else ' number'}") from err
    return text


def parse_variant(spec: str, base: Settings) -> Variant:
    """Return the setting that 'k1=1.2,b=0.4' describes, starting from base.

    `conversation=off` asks each follow-up turn alone, without the earlier turns.

    Raises:
        SettingsError: an unknown setting, or a value out of range.
    """
    hints = typing.get_type_hints(Settings)
    changes: dict[str, object] = {}
    conversation = True
    for item in (i for i in spec.split(",") if i.strip()):
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep:
            raise SettingsError(name, None, "write name=value, for example k1=1.2")
        if name == "conversation":
            conversation = bool(_convert(name, value, bool))
            continue
        if name not in hints:
            choices = [*hints, "conversation"]
            # Setting names are short, so a looser match still finds the one meant ("kl": "k1").
            raise SettingsError(name, value, f"no such setting{_did_you_mean(name, choices, 0.5)}")
        changes[name] = _convert(name, value, hints[name])
    settings = dataclasses.replace(base, **changes)  # type: ignore[arg-type]
    return Variant(describe(settings, conversation), settings, conversation)


# --- running ------------------------------------------------------------------------------


def _rankings(
    bot: Bot, answer: Answer, depth: int
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Return the passage and document rankings (trec order) of what an answer searched.

    A document ranks by its best passage; passages are searched deep enough to rank `depth`
    documents, or all of those holding a query term.
    """
    n = depth * 4
    while True:
        hits = search(bot, answer.query, n)
        best: dict[str, float] = {}
        for hit in hits:
            best.setdefault(hit.passage.doc_id, hit.score)
        if len(best) >= depth or len(hits) < n:
            passages = trec_order((h.passage.passage_id, h.score) for h in hits[:depth])
            return passages, trec_order(best.items())[:depth]
        n *= 4


def _check_turn(
    result_answer: Answer | None, expected: Expected, rank: int | None, top_k: int
) -> tuple[bool | None, tuple[str, ...]]:
    """Return whether the quotes hold the expected text, and why the turn failed (if it did)."""
    if not expected.measured:
        return None, ()
    failures: list[str] = []
    found = None
    if result_answer is not None and expected.answer_contains:
        found = not result_answer.abstained and quotes_contain(result_answer, expected.answer_contains)
    asked = result_answer is not None and bool(result_answer.choices)
    if expected.clarify:
        if result_answer is not None and not asked:
            failures.append(NOT_CLARIFIED)
        return found, tuple(failures)
    if asked and not expected.abstain:
        failures.append(ASKED_INSTEAD)
        return found, tuple(failures)
    if expected.abstain:
        if result_answer is not None and not result_answer.abstained:
            failures.append(ANSWERED_INSTEAD)
        return found, tuple(failures)
    if result_answer is not None and result_answer.abstained:
        failures.append(ABSTAINED)
    if expected.judged and (rank is None or rank > top_k):
        failures.append(NOT_RETRIEVED)
    if found is False and ABSTAINED not in failures:
        failures.append(WRONG_QUOTE)
    return found, tuple(failures)


def _run_bot(
    bot: Bot,
    variant: Variant,
    cases: CaseSet,
    targets: Sequence[Sequence[Target]],
    k: int,
    depth: int,
    tick: Callable[[], None],
) -> tuple[TurnResult, ...]:
    by_document: dict[str, list[Passage]] = {}
    for passage in bot.passages:
        by_document.setdefault(passage.doc_id, []).append(passage)
    results = []
    for case, case_targets in zip(cases.cases, targets, strict=True):
        conversation = Conversation()
        for number, (turn, target) in enumerate(zip(case.turns, case_targets, strict=True), start=1):
            answer, after = ask(bot, turn.question, conversation)
            conversation = after if variant.conversation else Conversation()
            passage_grades, document_grades = judge(target, by_document)
            passage_ranking, document_ranking = _rankings(bot, answer, depth)
            passage_ids = [key for key, _ in passage_ranking]
            document_ids = [key for key, _ in document_ranking]
            level_rank = (
                first_relevant(passage_grades, passage_ids)
                if cases.level == PASSAGE
                else first_relevant(document_grades, document_ids)
            )
            found, failures = _check_turn(answer, turn.expected, level_rank, bot.settings.top_k)
            results.append(
                TurnResult(
                    case_id=case.case_id,
                    turn=number,
                    turns=len(case.turns),
                    question=turn.question,
                    tags=case.tags,
                    expected=turn.expected,
                    answer=answer,
                    passage_grades=tuple(passage_grades.items()),
                    document_grades=tuple(document_grades.items()),
                    passage_ranking=tuple(passage_ranking),
                    document_ranking=tuple(document_ranking),
                    passage_scores=score_ranking(passage_grades, passage_ids, k)
                    if cases.level == PASSAGE
                    else None,
                    document_scores=score_ranking(document_grades, document_ids, k),
                    passage_rank=first_relevant(passage_grades, passage_ids),
                    document_rank=first_relevant(document_grades, document_ids),
                    answer_found=found,
                    failures=failures,
                )
            )
        tick()
    return tuple(results)


class Baseline:
    """The baseline row: BM25 as most users would write it, over whole documents.

    rank_bm25 is used here, outside `bot/index.py`, only for this: `BM25Okapi` with its default
    parameters on `text.lower().split()`, queried with `question.lower().split()`.
    """

    def __init__(self, corpus: Corpus) -> None:
        from rank_bm25 import BM25Okapi

        self.ids = [d.doc_id for d in corpus.documents]
        self.model = BM25Okapi([d.text.lower().split() for d in corpus.documents])
        # get_scores builds a tf vector over every document for every query word, which takes
        # minutes on a BEIR corpus; these postings give the same floats in the same order.
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, frequencies in enumerate(self.model.doc_freqs):
            for word, tf in frequencies.items():
                entry = postings.setdefault(word, ([], []))
                entry[0].append(i)
                entry[1].append(tf)
        self._postings = {w: (np.array(d), np.array(f)) for w, (d, f) in postings.items()}
        self._doc_len = np.array(self.model.doc_len)

    def scores(self, question: str) -> np.ndarray:
        """Return the score of every document, equal to `BM25Okapi.get_scores`."""
        model = self.model
        scores = np.zeros(model.corpus_size)
        for word in question.lower().split():
            if word not in self._postings:
                continue  # get_scores adds zeros for a word no document has
            docs, tf = self._postings[word]
            length = self._doc_len[docs]
            scores[docs] += (model.idf.get(word) or 0) * (
                tf * (model.k1 + 1) / (tf + model.k1 * (1 - model.b + model.b * length / model.avgdl))
            )
        return scores


def _run_baseline(
    corpus: Corpus,
    cases: CaseSet,
    document_grades: Sequence[Sequence[dict[str, int]]],
    k: int,
    depth: int,
    top_k: int,
    tick: Callable[[], None],
) -> tuple[TurnResult, ...]:
    baseline = Baseline(corpus)
    ids = baseline.ids
    results = []
    for case, case_grades in zip(cases.cases, document_grades, strict=True):
        for number, (turn, grades) in enumerate(zip(case.turns, case_grades, strict=True), start=1):
            scores = baseline.scores(turn.question)
            m = min(depth, len(ids))
            # Keep every document tied with the depth-th score, then cut in trec order.
            kth = np.partition(-scores, m - 1)[m - 1]
            keep = np.flatnonzero(-scores <= kth)
            ranking = trec_order((ids[i], float(scores[i])) for i in keep)[:depth]
            ranked_ids = [key for key, _ in ranking]
            rank = first_relevant(grades, ranked_ids)
            expected = turn.expected
            measured = expected.judged
            results.append(
                TurnResult(
                    case_id=case.case_id,
                    turn=number,
                    turns=len(case.turns),
                    question=turn.question,
                    tags=case.tags,
                    expected=Expected(documents=tuple(grades.items())) if measured else Expected(),
                    answer=None,
                    passage_grades=(),
                    document_grades=tuple(grades.items()),
                    passage_ranking=(),
                    document_ranking=tuple(ranking),
                    passage_scores=None,
                    document_scores=score_ranking(grades, ranked_ids, k),
                    passage_rank=None,
                    document_rank=rank,
                    answer_found=None,
                    failures=() if not measured or (rank is not None and rank <= top_k) else (NOT_RETRIEVED,),
                )
            )
        tick()
    return tuple(results)


def evaluate(
    cases: CaseSet,
    corpus: Corpus,
    variants: Sequence[Variant] = (),
    *,
    k: int = 10,
    depth: int = 100,
    baseline: bool = True,
    progress: Progress | None = None,
) -> Report:
    """Run the test cases under each setting, and the baseline, and measure them.

    The corpus is read once and indexed once per setting (no cache). Passage ids in the file
    are those of the first setting's chunking; other chunkings get the passages that hold
    the same text.

    Raises:
        QuestionsFileError: a relevance key names nothing in the corpus.
        SettingsError: k or depth out of range.
    """
    if not 1 <= k <= 1000:
        raise SettingsError("k", k, "must be between 1 and 1000")
    if not k <= depth <= 10000:
        raise SettingsError("depth", depth, f"must be between k ({k}) and 10000")
    variants = list(variants) or [Variant(DEFAULTS_LABEL, Settings())]
    rows_total = len(variants) + (1 if baseline else 0)
    done = 0
    total_cases = len(cases.cases) * rows_total
    label = variants[0].label

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total_cases, label)

    rows: list[Row] = []
    # Only the last index is kept (a BEIR corpus's index is large): settings that differ only
    # in answering (top_k, min_context, ...) reuse it when they follow each other.
    last: tuple[str, Bot] | None = None
    targets: tuple[tuple[Target, ...], ...] = ()
    problems: tuple[Problem, ...] = ()
    hit_documents: dict[str, Document] = {}
    for number, variant in enumerate(variants):
        label = variant.label
        if progress:
            progress(done, total_cases, f"indexing for {label}")
        started = time.perf_counter()
        key = variant.settings.index_key()
        if last is not None and last[0] == key:
            bot = dataclasses.replace(last[1], settings=variant.settings)
        else:
            last = None  # let the previous index go before building the next
            bot = build(corpus, variant.settings)
        last = (key, bot)
        if number == 0:
            problems = bot.problems
            targets = resolve_targets(cases, corpus, bot.passages)
        results = _run_bot(bot, variant, cases, targets, k, depth, tick)
        for result in results:
            for hit in result.answer.hits if result.answer else ():
                hit_documents.setdefault(hit.passage.doc_id, bot.documents[hit.passage.doc_id])
        rows.append(
            Row(
                variant.label,
                variant.settings,
                variant.conversation,
                results,
                time.perf_counter() - started,
                len(bot.passages),
            )
        )
    if baseline:
        label = BASELINE_LABEL
        started = time.perf_counter()
        by_case: list[list[dict[str, int]]] = []
        position = 0
        first = rows[0].results
        for case in cases.cases:
            grades = []
            for _ in case.turns:
                result = first[position]
                grades.append(dict(result.document_grades) if result.expected.judged else {})
                position += 1
            by_case.append(grades)
        results = _run_baseline(corpus, cases, by_case, k, depth, variants[0].settings.top_k, tick)
        rows.append(
            Row(BASELINE_LABEL, None, False, results, time.perf_counter() - started, len(corpus.documents))
        )
    return Report(
        source=cases.path,
        corpus=corpus.root,
        level=cases.level,
        k=k,
        depth=depth,
        documents=len(corpus.documents),
        rows=tuple(rows),
        problems=problems,
        hit_documents=hit_documents,
    )


def limit_cases(cases: CaseSet, limit: int | None) -> CaseSet:
    """Return the first `limit` cases (all when limit is None)."""
    if limit is None:
        return cases
    if limit < 1:
        raise SettingsError("limit", limit, "must be 1 or more")
    return dataclasses.replace(cases, cases=cases.cases[:limit])


def evaluate_questions(
    questions: str | Path,
    corpus_path: str | Path,
    variants: Sequence[Variant] = (),
    *,
    limit: int | None = None,
    **options: typing.Any,
) -> Report:
    """Read a questions file and a corpus, and `evaluate` them."""
    cases = limit_cases(read_questions(questions), limit)
    return evaluate(cases, read_corpus(corpus_path), variants, **options)


def evaluate_beir(
    directory: str | Path,
    split: str = "test",
    variants: Sequence[Variant] = (),
    *,
    limit: int | None = None,
    **options: typing.Any,
) -> Report:
    """Read a BEIR folder (`corpus.jsonl`, `queries.jsonl`, `qrels/SPLIT.tsv`) and `evaluate` it."""
    corpus = read_corpus(Path(directory) / "corpus.jsonl")
    cases = limit_cases(read_beir_questions(directory, split, corpus), limit)
    return evaluate(cases, corpus, variants, **options)
