"""Preparing a corpus for the index: its passages cut and analyzed, in one process or several.

`chunk_and_analyze` is `chunk_corpus` then `analyze_passages`; given workers and a large
corpus, it shares the documents among processes and joins their results as one pass makes them.
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing as mp
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.analysis import PassageEncoder, analyze
from bot.chunk import check_markers, find_boilerplate, passage_sentences
from bot.config import Settings
from bot.index import EncodedPassages, Vocabulary
from bot.query import MAX_ALIASES_PER_DOCUMENT, aliases_over_cap, learn_aliases
from bot.records import Corpus, Document, Passage, Problem
from bot.table import (
    DocumentTable,
    PassageColumns,
    PassageColumnsBuilder,
    PassageTable,
    concatenate_columns,
)


def _heading(title: str, section: str, settings: Settings) -> str:
    """Return the heading a passage is indexed under: its title and section, weighted."""
    # Text before the first heading is a section named after the title: count the title once.
    sections = [] if section == title else [section]
    return " ".join([title] * settings.title_weight + sections * settings.section_weight)


def indexed_text(title: str, section: str, text: str, settings: Settings) -> str:
    """Return the text a passage is indexed under: title and section heading, weighted, then text."""
    return f"{_heading(title, section, settings)} {text}"


def passage_terms(passage: Passage, settings: Settings) -> list[str]:
    """Return the terms a passage is indexed under: its text, section heading and title."""
    return analyze(indexed_text(passage.doc_title, passage.section, passage.text, settings), settings)


def boilerplate_of(corpus: Corpus, settings: Settings) -> frozenset[str]:
    """Return the lines repeated across a folder's documents that passages leave out.

    A BEIR file's documents are records of one text each, not files with headers and
    disclaimers: a text two of them share is content.
    """
    if not settings.boilerplate or Path(corpus.root).suffix == ".jsonl":
        return frozenset()
    return find_boilerplate(corpus.documents)


def chunk_corpus(corpus: Corpus, settings: Settings) -> tuple[PassageTable, tuple[Problem, ...]]:
    """Cut every document into passages; return them as a table, with the problems met."""
    boilerplate = boilerplate_of(corpus, settings)
    columns, problems = _chunk_documents(
        corpus.documents, range(len(corpus.documents)), settings, boilerplate
    )
    return PassageTable(columns, DocumentTable.of(corpus.documents)), (*corpus.problems, *problems)


def _chunk_documents(
    documents: Sequence[Document], numbers: range, settings: Settings, boilerplate: frozenset[str]
) -> tuple[PassageColumns, list[Problem]]:
    """Return the passage columns of the documents at these positions, and the problems met."""
    builder = PassageColumnsBuilder()
    problems: list[Problem] = []
    for number in numbers:
        document = documents[number]
        passages = list(passage_sentences(document, settings, boilerplate, problems))
        if not passages and boilerplate and any(True for _ in passage_sentences(document, settings)):
            problems.append(
                Problem(
                    document.path,
                    None,
                    "every line is repeated in other documents (boilerplate): nothing to search",
                )
            )
        cited = ((start, markers) for _, sentences in passages for start, _, _, markers in sentences)
        problems.extend(check_markers(document, cited))
        if settings.aliases:
            problems.extend(_aliases_problems(document))
        builder.add_sentences(number, document.doc_id, passages)
    return builder.finish(), problems


def _aliases_problems(document: Document) -> list[Problem]:
    """Return the problem of a document writing more name pairs than `learn_aliases` keeps."""
    found = aliases_over_cap(document.text)
    if not found:
        return []
    message = (
        f"learned only the first {MAX_ALIASES_PER_DOCUMENT} of {found} name pairs 'Name (other)';"
        " the rest are ignored"
    )
    return [Problem(document.path, None, message)]


@dataclass(frozen=True, slots=True)
class AnalyzedPassages:
    """Every passage's terms as ids, and how many passages use each word (for spelling).

    `aliases` are the name pairs `learn_aliases` finds in the documents, when the workers that
    chunk a large corpus found them; None when `build_lexicon` is left to find them.
    """

    encoded: EncodedPassages
    word_counts: tuple[tuple[str, int], ...]
    aliases: tuple[tuple[str, ...], ...] | None = None


def analyze_passages(corpus: Corpus, passages: PassageTable, settings: Settings) -> AnalyzedPassages:
    """Analyze every passage: the terms of `passage_terms`, and the words `build_lexicon` counts.

    One pass over the text does both (the heading's words are left out of the counts), reading
    the passages from the corpus's documents rather than making records.
    """
    return _merge([_analyze_columns(corpus.documents, passages.columns, settings)])


@dataclass(frozen=True, slots=True)
class _Analyzed:
    """Some passages' terms as ids of their own vocabulary, and their counts of words."""

    terms: tuple[str, ...]
    term_ids: np.ndarray
    lengths: np.ndarray
    words: tuple[str, ...]
    counts: list[int]


def _analyze_columns(documents: Sequence[Document], columns: PassageColumns, settings: Settings) -> _Analyzed:
    vocabulary = Vocabulary()
    word_vocabulary = Vocabulary()
    encoder = PassageEncoder(settings, vocabulary.__getitem__, word_vocabulary.__getitem__)
    add = encoder.add
    term_ids = array("i")
    word_ids = array("i")
    lengths = array("q")
    counts = np.zeros(0, dtype=np.int64)
    for number, start, end, section in zip(
        columns.document.tolist(), columns.start.tolist(), columns.end.tolist(), columns.sections, strict=True
    ):
        document = documents[number]
        lengths.append(
            add(_heading(document.title, section, settings), document.text[start:end], term_ids, word_ids)
        )
        if len(word_ids) > _WORD_BATCH:
            counts = _add_counts(counts, word_ids, len(word_vocabulary))
            word_ids = array("i")
    # As `build_lexicon` counts: the passages using each word of three letters or more.
    counts = _add_counts(counts, word_ids, len(word_vocabulary))
    return _Analyzed(
        tuple(vocabulary),
        np.frombuffer(term_ids, dtype=np.int32),
        np.frombuffer(lengths, dtype=np.int64),
        tuple(word_vocabulary),
        counts.tolist(),
    )


def _merge(parts: list[_Analyzed]) -> AnalyzedPassages:
    """Join the analyses of consecutive runs of passages, as if made in one pass.

    Term ids are given in order of first use, run after run, as one pass gives them. The list is
    emptied as the runs are joined, so that each run's arrays are freed once copied.
    """
    if len(parts) == 1:
        part = parts.pop()
        term_ids, words = part.term_ids, dict(zip(part.words, part.counts, strict=True))
        terms, lengths = part.terms, part.lengths
    else:
        vocabulary = Vocabulary()
        term_ids = np.empty(sum(len(p.term_ids) for p in parts), dtype=np.int32)
        lengths = np.concatenate([p.lengths for p in parts])
        words = {}
        position = 0
        while parts:
            part = parts.pop(0)
            mapping = np.fromiter(
                map(vocabulary.__getitem__, part.terms), dtype=np.int32, count=len(part.terms)
            )
            np.take(mapping, part.term_ids, out=term_ids[position : position + len(part.term_ids)])
            position += len(part.term_ids)
            for word, count in zip(part.words, part.counts, strict=True):
                words[word] = words.get(word, 0) + count
        terms = tuple(vocabulary)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return AnalyzedPassages(EncodedPassages(terms, term_ids, offsets), tuple(sorted(words.items())))


def chunk_and_analyze(
    corpus: Corpus, settings: Settings, workers: int = 1
) -> tuple[PassageTable, tuple[Problem, ...], AnalyzedPassages]:
    """`chunk_corpus` then `analyze_passages`, the documents shared among `workers` processes.

    Documents are chunked and analyzed independently of each other: each worker takes runs of
    consecutive documents, and the runs are joined in order, so the result is the same as in one
    process. Workers are forked (they read the corpus without copying it through a pipe); where
    processes cannot be forked, or the corpus is small, all is done in this process. The workers
    also find the name pairs of their documents (`AnalyzedPassages.aliases`).
    """
    documents = corpus.documents
    if workers <= 1 or len(documents) < PARALLEL_MIN_DOCUMENTS or "fork" not in mp.get_all_start_methods():
        passages, problems = chunk_corpus(corpus, settings)
        return passages, problems, analyze_passages(corpus, passages, settings)
    sizes = np.cumsum(np.fromiter((len(d.text) for d in documents), dtype=np.int64, count=len(documents)))
    runs = workers * 4  # several runs a worker, so that no worker waits long for another
    cuts = np.searchsorted(sizes, np.linspace(0, int(sizes[-1]), runs + 1)[1:-1]).tolist()
    bounds = [(lo, hi) for lo, hi in zip([0, *cuts], [*cuts, len(documents)], strict=True) if hi > lo]
    shared = (corpus, settings, boilerplate_of(corpus, settings))
    gc.freeze()  # the workers' collector then leaves the corpus's pages shared
    try:
        # A fresh worker for each run: a worker's memory is given back when its run ends. Each
        # is handed the corpus by the pool's initializer; forked, it reads it without a copy.
        with mp.get_context("fork").Pool(
            workers, initializer=_receive, initargs=shared, maxtasksperchild=1
        ) as pool:
            parts = pool.map(_chunk_and_analyze_run, bounds, chunksize=1)
    finally:
        gc.unfreeze()
    columns = concatenate_columns([columns for columns, _, _, _ in parts])
    problems = [*corpus.problems, *(p for _, found, _, _ in parts for p in found)]
    # In order of first use, run after run, as `learn_aliases` finds them in one pass.
    aliases = tuple(dict.fromkeys(pair for _, _, _, found in parts for pair in found))
    analyses = [part for _, _, part, _ in parts]
    del parts  # each run's arrays are freed as `_merge` joins them
    analyzed = dataclasses.replace(_merge(analyses), aliases=aliases)
    return PassageTable(columns, DocumentTable.of(documents)), tuple(problems), analyzed


# Below this many documents, starting worker processes costs more than it saves.
PARALLEL_MIN_DOCUMENTS = 20_000
# In a worker process: the corpus, settings and boilerplate its pool handed it.
_RECEIVED: tuple[Corpus, Settings, frozenset[str]] | None = None


def _receive(corpus: Corpus, settings: Settings, boilerplate: frozenset[str]) -> None:
    """In a worker, as its pool starts it: keep what every run of the pool reads."""
    global _RECEIVED
    _RECEIVED = (corpus, settings, boilerplate)


def _chunk_and_analyze_run(
    bounds: tuple[int, int],
) -> tuple[PassageColumns, list[Problem], _Analyzed, list[tuple[str, ...]]]:
    """In a worker: chunk and analyze documents lo..hi-1 of the shared corpus, and find the
    name pairs their texts write (when settings learn aliases)."""
    assert _RECEIVED is not None, "run only in a worker its pool started with _receive"
    corpus, settings, boilerplate = _RECEIVED
    documents = corpus.documents
    columns, problems = _chunk_documents(documents, range(*bounds), settings, boilerplate)
    aliases = learn_aliases(documents[n].text for n in range(*bounds)) if settings.aliases else []
    return columns, problems, _analyze_columns(documents, columns, settings), aliases


# Word ids are counted in batches of this many: a list of every passage's words would be large.
_WORD_BATCH = 1 << 22


def _add_counts(counts: np.ndarray, word_ids: array[int], words: int) -> np.ndarray:
    """Return counts (one per word id, grown to `words`) plus the occurrences in word_ids (-1 skipped)."""
    used = np.frombuffer(word_ids, dtype=np.int32)
    added = np.bincount(used[used >= 0], minlength=words)
    added[: len(counts)] += counts
    return added
