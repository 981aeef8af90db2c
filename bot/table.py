"""Documents and passages stored as columns of arrays, turned into records only when read.

A million `Passage` and `Document` objects would take gigabytes; their columns take a fraction
of that, and the cache maps them from disk without reading them. A table is a read-only
`Sequence` of records; `DocumentTable.by_id` is the `Mapping` from document id to document.
"""

from __future__ import annotations

import json
import mmap
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any, overload

import numpy as np

from bot.records import Document, Passage, Reference, Section, Sentence

# Documents kept decoded: the ones answers are quoting from right now.
_DECODED_DOCUMENTS = 256
# `json.dumps(..., ensure_ascii=False)`, without making an encoder for each document.
_DETAILS = json.JSONEncoder(ensure_ascii=False)
# Strings encoded and joined at a time when a string column is made.
_STRING_BATCH = 4096


class StringColumn(Sequence[str]):
    """Strings stored as one UTF-8 byte array and the offsets where each one starts."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray) -> None:
        self.data = data
        self.offsets = offsets
        # Memoryviews slice faster than arrays and index into plain ints.
        self._data = memoryview(data)
        self._offsets = memoryview(offsets)

    @classmethod
    def of(cls, strings: Sequence[str]) -> StringColumn:
        """Return a column holding strings."""
        # Two passes into one buffer: joining encoded copies would hold the text twice more.
        sizes = np.fromiter(
            (len(s) if s.isascii() else len(s.encode("utf-8", "surrogatepass")) for s in strings),
            dtype=np.int64,
            count=len(strings),
        )
        offsets = np.zeros(len(strings) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        data = np.empty(int(offsets[-1]), dtype=np.uint8)
        view = memoryview(data)
        # Written a batch of strings at a time: one copy into the buffer for many strings.
        bounds = offsets[::_STRING_BATCH].tolist() + [int(offsets[-1])]
        remaining = iter(strings)
        for start, end in zip(bounds[:-1], bounds[1:], strict=True):
            batch = islice(remaining, _STRING_BATCH)
            view[start:end] = b"".join([s.encode("utf-8", "surrogatepass") for s in batch])
        return cls(data, offsets)

    def __reduce__(self) -> tuple[type[StringColumn], tuple[np.ndarray, np.ndarray]]:
        return StringColumn, (self.data, self.offsets)  # memoryviews do not pickle

    @classmethod
    def concatenate(cls, parts: Sequence[StringColumn]) -> StringColumn:
        """Return one column holding the strings of each part, in order."""
        shifts = np.cumsum([0] + [len(p.data) for p in parts[:-1]])
        offsets = [parts[0].offsets[:1]] + [
            p.offsets[1:] + shift for p, shift in zip(parts, shifts, strict=True)
        ]
        return cls(np.concatenate([p.data for p in parts]), np.concatenate(offsets))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def get(self, i: int) -> str:
        """Return string i, for 0 <= i < len (unchecked: for the tables' own use)."""
        return str(self._data[self._offsets[i] : self._offsets[i + 1]], "utf-8", "surrogatepass")

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self.get(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("string column index out of range")
        return self.get(i)


class PageRelease:
    """Now and then unmaps the pages of a memory-mapped region that reading records mapped.

    Reading one record touches a dozen arrays, and the kernel maps pages around each touch, so
    a long-running server would come to hold every record's pages in its resident memory.
    Every `every` records read, they are given back: they stay in the page cache, and reading
    them again costs a minor fault, not a disk read.
    """

    def __init__(self, mapping: mmap.mmap, start: int, length: int, every: int = 256) -> None:
        self.mapping = mapping
        self.start = start - start % mmap.PAGESIZE
        self.length = length + start % mmap.PAGESIZE
        self.every = every
        self._count = 0

    def touch(self) -> None:
        """Count one record read; every `every` reads, unmap the region's pages."""
        self._count += 1
        if self._count % self.every == 0 and hasattr(mmap, "MADV_DONTNEED"):
            self.mapping.madvise(mmap.MADV_DONTNEED, self.start, self.length)


class _Table:
    """A read-only sequence of records, equal to any sequence holding equal records."""

    def __len__(self) -> int:
        raise NotImplementedError

    def _record(self, i: int) -> Any:
        raise NotImplementedError

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return tuple(self._record(j) for j in range(*i.indices(len(self))))
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        return self._record(i)

    def __iter__(self) -> Iterator[Any]:
        return (self._record(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    # Equal to tuples of records, so a hash by content would read every record.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {len(self)}>"


@dataclass(frozen=True, slots=True)
class DocumentColumns:
    """The arrays of a `DocumentTable`.

    Ids, titles, paths and texts are string columns; `details` holds one JSON array per
    document (sections, references, metadata); `id_order` lists positions in order of id.
    """

    ids: StringColumn
    titles: StringColumn
    paths: StringColumn
    texts: StringColumn
    details: StringColumn
    id_order: np.ndarray


class _Texts(Sequence[str]):
    """The texts of documents, without a list of them."""

    def __init__(self, documents: Sequence[Document]) -> None:
        self.documents = documents

    def __len__(self) -> int:
        return len(self.documents)

    def __getitem__(self, i):  # type: ignore[override]
        return self.documents[i].text

    def __iter__(self) -> Iterator[str]:
        return (d.text for d in self.documents)


class DocumentTable(_Table, Sequence[Document]):
    """Documents in reading order, decoded on access (the most recent ones stay decoded)."""

    def __init__(self, columns: DocumentColumns, release: PageRelease | None = None) -> None:
        self.columns = columns
        self.release = release
        self._decoded = lru_cache(maxsize=_DECODED_DOCUMENTS)(self._decode)
        self.text = lru_cache(maxsize=_DECODED_DOCUMENTS)(columns.texts.get)
        self._order = memoryview(columns.id_order)
        # Answers look the same few documents up once per sentence they weigh.
        self.position = lru_cache(maxsize=_DECODED_DOCUMENTS)(self._position)
        self.by_id = DocumentMap(self)

    @classmethod
    def of(cls, documents: Sequence[Document]) -> DocumentTable:
        """Return a table of documents."""
        ids = [d.doc_id for d in documents]
        details = [_details(d) for d in documents]
        order = np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)
        columns = DocumentColumns(
            ids=StringColumn.of(ids),
            titles=StringColumn.of([d.title for d in documents]),
            paths=StringColumn.of([d.path for d in documents]),
            texts=StringColumn.of(_Texts(documents)),
            details=StringColumn.of(details),
            id_order=order,
        )
        return cls(columns)

    def __len__(self) -> int:
        return len(self.columns.ids)

    def _record(self, i: int) -> Document:
        return self._decoded(i)

    def _decode(self, i: int) -> Document:
        if self.release:
            self.release.touch()
        c = self.columns
        sections, references, metadata = json.loads(c.details.get(i))
        return Document(
            doc_id=c.ids.get(i),
            title=c.titles.get(i),
            path=c.paths.get(i),
            text=self.text(i),
            sections=tuple(Section(h, s, e, level) for h, s, e, level in sections),
            references=tuple(Reference(m, t) for m, t in references),
            metadata=tuple((k, v) for k, v in metadata),
        )

    def _position(self, doc_id: str) -> int | None:
        """Return the position of the document with this id, or None (a binary search)."""
        ids, order = self.columns.ids, self._order
        lo, hi = 0, len(order)
        while lo < hi:
            mid = (lo + hi) // 2
            if ids.get(order[mid]) < doc_id:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(order) and ids.get(order[lo]) == doc_id:
            return order[lo]
        return None


def _details(document: Document) -> str:
    """Return the JSON array of a document's sections, references and metadata.

    A document of one section and nothing else (as every line of a BEIR corpus) is written from
    its heading's JSON: the text the encoder gives for the whole, several times faster.
    """
    if len(document.sections) == 1 and not document.references and not document.metadata:
        s = document.sections[0]
        return f"[[[{_DETAILS.encode(s.heading)}, {s.start}, {s.end}, {s.level}]], [], []]"
    return _DETAILS.encode(
        [
            [[s.heading, s.start, s.end, s.level] for s in document.sections],
            [[r.marker, r.text] for r in document.references],
            [list(m) for m in document.metadata],
        ]
    )


class DocumentMap(Mapping[str, Document]):
    """Document id -> document, over a `DocumentTable`."""

    def __init__(self, table: DocumentTable) -> None:
        self.table = table

    def __getitem__(self, doc_id: str) -> Document:
        at = self.table.position(doc_id) if isinstance(doc_id, str) else None
        if at is None:
            raise KeyError(doc_id)
        return self.table[at]

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self.table.position(doc_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.table.columns.ids)

    def __len__(self) -> int:
        return len(self.table)


@dataclass(frozen=True, slots=True)
class PassageColumns:
    """The arrays of a `PassageTable`.

    Passage `p` is document `document[p]`'s text from `start[p]` to `end[p]`; its sentences are
    `sentence_ptr[p]:sentence_ptr[p + 1]` of the sentence columns, and sentence `s` has the
    markers `marker_ptr[s]:marker_ptr[s + 1]` of `markers`.
    """

    passage_ids: StringColumn
    sections: StringColumn
    document: np.ndarray
    start: np.ndarray
    end: np.ndarray
    sentence_ptr: np.ndarray
    sentence_start: np.ndarray
    sentence_end: np.ndarray
    marker_ptr: np.ndarray
    markers: StringColumn


def concatenate_columns(parts: Sequence[PassageColumns]) -> PassageColumns:
    """Return the columns of the passages of each part, in order (document numbers kept)."""

    def pointers(arrays: list[np.ndarray]) -> np.ndarray:
        shifts = np.cumsum([0] + [int(a[-1]) for a in arrays[:-1]])
        return np.concatenate(
            [arrays[0][:1]] + [a[1:] + shift for a, shift in zip(arrays, shifts, strict=True)]
        )

    return PassageColumns(
        passage_ids=StringColumn.concatenate([p.passage_ids for p in parts]),
        sections=StringColumn.concatenate([p.sections for p in parts]),
        document=np.concatenate([p.document for p in parts]),
        start=np.concatenate([p.start for p in parts]),
        end=np.concatenate([p.end for p in parts]),
        sentence_ptr=pointers([p.sentence_ptr for p in parts]),
        sentence_start=np.concatenate([p.sentence_start for p in parts]),
        sentence_end=np.concatenate([p.sentence_end for p in parts]),
        marker_ptr=pointers([p.marker_ptr for p in parts]),
        markers=StringColumn.concatenate([p.markers for p in parts]),
    )


class PassageTable(_Table, Sequence[Passage]):
    """Passages in index order, built from their documents on access."""

    def __init__(self, columns: PassageColumns, documents: DocumentTable) -> None:
        self.columns = columns
        self.documents = documents
        self.release = documents.release
        c = columns
        arrays = (c.document, c.start, c.end, c.sentence_ptr, c.sentence_start, c.sentence_end, c.marker_ptr)
        self._ints = tuple(memoryview(a) for a in arrays)

    def __len__(self) -> int:
        return len(self.columns.document)

    def counts_by_document(self) -> dict[str, int]:
        """Return the number of passages of each document that has any, by document id.

        Counted from the column of document numbers: reading a million passages takes seconds.
        """
        counts = np.bincount(self.columns.document, minlength=len(self.documents))
        ids = self.documents.columns.ids
        return {ids.get(i): int(counts[i]) for i in np.flatnonzero(counts).tolist()}

    def positions_of(self, doc_id: str) -> np.ndarray:
        """Return the positions of a document's passages (none for an unknown document)."""
        at = self.documents.position(doc_id)
        return np.zeros(0, dtype=np.int64) if at is None else np.flatnonzero(self.columns.document == at)

    def find(self, passage_id: str) -> Passage | None:
        """Return the passage with this id, or None.

        A passage id is its document's id, "#" and a number: only that document's passages are
        looked at.
        """
        ids = self.columns.passage_ids
        for i in self.positions_of(passage_id.rpartition("#")[0]).tolist():
            if ids.get(i) == passage_id:
                return self[i]
        return None

    def _record(self, i: int) -> Passage:
        if self.release:
            self.release.touch()
        document, starts, ends, sentence_ptr, sentence_start, sentence_end, marker_ptr = self._ints
        number, start, end = document[i], starts[i], ends[i]
        first, last = sentence_ptr[i], sentence_ptr[i + 1]
        if marker_ptr[first] == marker_ptr[last]:
            sentences = [Sentence(sentence_start[s], sentence_end[s]) for s in range(first, last)]
        else:
            markers = self.columns.markers
            sentences = [
                Sentence(
                    sentence_start[s],
                    sentence_end[s],
                    tuple(markers.get(m) for m in range(marker_ptr[s], marker_ptr[s + 1])),
                )
                for s in range(first, last)
            ]
        d = self.documents.columns
        return Passage(
            passage_id=self.columns.passage_ids.get(i),
            doc_id=d.ids.get(number),
            doc_title=d.titles.get(number),
            doc_path=d.paths.get(number),
            section=self.columns.sections.get(i),
            start=start,
            end=end,
            text=self.documents.text(number)[start:end],
            sentences=tuple(sentences),
        )


class PassageColumnsBuilder:
    """Collects passages, document by document, into `PassageColumns`."""

    def __init__(self) -> None:
        # Typed arrays: a Python int in a list costs 36 bytes, in an array 8.
        self.passage_ids: list[str] = []
        self.sections: list[str] = []
        self.document = array("q")
        self.start = array("q")
        self.end = array("q")
        self.sentence_count = array("q")
        self.sentence_start = array("q")
        self.sentence_end = array("q")
        self.marker_count = array("q")
        self.markers: list[str] = []

    def add(self, number: int, document: Document, passages: Iterable[Passage]) -> None:
        """Add the passages of the document at position `number`.

        Raises:
            ValueError: a passage is not its document's text between its offsets.
        """
        rows = []
        for p in passages:
            if p.doc_id != document.doc_id or p.text != document.text[p.start : p.end]:
                raise ValueError(f"passage {p.passage_id} is not a span of document {document.doc_id}")
            sentences = [(s.start, s.end, s.end, s.markers) for s in p.sentences]
            rows.append((p.passage_id, p.section, p.start, p.end, sentences))
        self._add_rows(number, rows)

    def add_sentences(
        self,
        number: int,
        doc_id: str,
        passages: Iterable[tuple[str, Sequence[tuple[int, int, int, tuple[str, ...]]]]],
    ) -> None:
        """Add the passages of the document at position `number`, as the chunker finds them.

        Each passage is its section's heading and its sentences, each sentence its start, end,
        the end of its raw text (which ends the passage when it is the last) and its markers.
        The passages are numbered '<doc_id>#1', '#2'... as `chunk_document` numbers them.
        """
        self._add_rows(
            number,
            (
                (f"{doc_id}#{count}", heading, sentences[0][0], sentences[-1][2], sentences)
                for count, (heading, sentences) in enumerate(passages, start=1)
            ),
        )

    def _add_rows(
        self,
        number: int,
        rows: Iterable[tuple[str, str, int, int, Sequence[tuple[int, int, int, tuple[str, ...]]]]],
    ) -> None:
        """Add passages as (id, section, start, end, sentences as the chunker gives them)."""
        for passage_id, section, start, end, sentences in rows:
            self.passage_ids.append(passage_id)
            self.sections.append(section)
            self.document.append(number)
            self.start.append(start)
            self.end.append(end)
            self.sentence_count.append(len(sentences))
            for sentence_start, sentence_end, _, markers in sentences:
                self.sentence_start.append(sentence_start)
                self.sentence_end.append(sentence_end)
                self.marker_count.append(len(markers))
                if markers:
                    self.markers.extend(markers)

    def finish(self) -> PassageColumns:
        """Return the columns of every passage added."""
        return PassageColumns(
            passage_ids=StringColumn.of(self.passage_ids),
            sections=StringColumn.of(self.sections),
            document=_array(self.document).astype(np.int32),
            start=_array(self.start),
            end=_array(self.end),
            sentence_ptr=_offsets(_array(self.sentence_count)),
            sentence_start=_array(self.sentence_start),
            sentence_end=_array(self.sentence_end),
            marker_ptr=_offsets(_array(self.marker_count)),
            markers=StringColumn.of(self.markers),
        )


def _array(values: array) -> np.ndarray:
    return np.frombuffer(values, dtype=np.int64).copy() if len(values) else np.zeros(0, dtype=np.int64)


def _offsets(counts: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets
