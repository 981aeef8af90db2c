"""The index cache on disk, and `write_atomic`, by which citebot writes every file it writes.

The cache is one file, never pickle: JSON header and manifest lines, then raw arrays that are
memory-mapped when loaded (see "the index cache" below). A cache that fails any check is
reported and rebuilt, never trusted.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import mmap
import os
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from bot.config import Settings
from bot.index import IndexState
from bot.query import Lexicon
from bot.read import MAX_FILE_BYTES, FolderEntry, folder_entries, open_regular
from bot.records import Corpus, Passage, Problem
from bot.table import (
    DocumentColumns,
    DocumentTable,
    PageRelease,
    PassageColumns,
    PassageColumnsBuilder,
    PassageTable,
    StringColumn,
)

FORMAT = "citebot-index"
# 2: lemmas in the analyzer, and lines repeated across documents left out of passages.
# 3: capped titles, headings, markers and name pairs; everyday words no longer names.
VERSION = 3
# The shipped lists the analyzer reads: editing one changes what the index holds.
ANALYSIS_DATA = ("stopwords.txt", "lemmas.txt")
CACHE_FOLDER = ".citebot"


def default_cache_dir(corpus_path: str | os.PathLike[str]) -> Path:
    """Return where the cache of a corpus lives: inside a corpus folder, beside a corpus file."""
    path = Path(corpus_path)
    return path / CACHE_FOLDER if path.is_dir() else path.parent / CACHE_FOLDER


def cache_file(cache_dir: Path, settings: Settings) -> Path:
    """Return the cache file for these settings (one file per index-shaping settings)."""
    return cache_dir / f"index-{settings.index_key()}.bin"


# File digests by (path, device, inode, size, modified, changed): a shell that checks the
# fingerprint on every run hashes only what changed. As in Git's racy-file rule, a file changed
# within the last seconds is hashed again: a second write in the same clock tick could leave
# its times as they were.
_DIGESTS: dict[tuple[str, int, int, int, int, int], bytes] = {}
_RACY_SECONDS = 3
_MAX_DIGESTS = 1_000_000


def _file_digest(path: Path) -> bytes:
    with open_regular(path) as handle:
        status = os.fstat(handle.fileno())
        key = (
            str(path),
            status.st_dev,
            status.st_ino,
            status.st_size,
            status.st_mtime_ns,
            status.st_ctime_ns,
        )
        if status.st_size > MAX_FILE_BYTES:
            # The reader skips it unread, so its size and times stand for it (a 4 GB sparse
            # file is not read on every command).
            return hashlib.sha256(repr(key).encode()).digest()
        known = _DIGESTS.get(key)
        if known is not None:
            return known
        value = hashlib.file_digest(handle, "sha256").digest()
    if time.time_ns() - max(status.st_mtime_ns, status.st_ctime_ns) > _RACY_SECONDS * 10**9:
        if len(_DIGESTS) >= _MAX_DIGESTS:
            _DIGESTS.clear()
        _DIGESTS[key] = value
    return value


@cache
def analysis_digest() -> str:
    """Return a hash of the shipped word lists that shape the index (stopwords, lemmas): an
    edited list makes every cache stale."""
    digest = hashlib.sha256()
    for name in ANALYSIS_DATA:
        digest.update(resources.files("bot").joinpath(f"data/{name}").read_bytes())
    return digest.hexdigest()[:16]


def fingerprint(corpus_path: str | os.PathLike[str], settings: Settings) -> str:
    """Return a hash of every corpus file's name and content, the settings and the format."""
    root = Path(corpus_path)
    digest = hashlib.sha256(f"{FORMAT}:{VERSION}:{settings.index_key()}:{analysis_digest()}".encode())
    entries = folder_entries(root) if root.is_dir() else [FolderEntry(root, root.name, None)]
    for entry in entries:
        digest.update(entry.rel.encode() + b"\0" + entry.problem.encode() + b"\0")
        if entry.problem:
            continue
        try:
            if entry.path.is_symlink() and root.is_dir():
                digest.update(os.readlink(entry.path).encode("utf-8", "surrogateescape"))
            digest.update(_file_digest(entry.path))
        except OSError as err:
            digest.update(f"unreadable:{err.errno}".encode())
    return digest.hexdigest()


# A temporary file that a killed writer left behind (a 1M-passage cache is over 1 GB) is removed
# by the next writer of the same file once it has not changed for this long; a live writer's
# file changes as it is written.
STALE_TEMPORARY_SECONDS = 3600


def write_atomic(path: Path, data: bytes | Iterable[bytes | memoryview]) -> None:
    """Write data (bytes, or parts in order) through a temporary file in the same folder and
    `os.replace`, so a reader sees the old file or the new one, never half of either."""
    parts = [data] if isinstance(data, bytes) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # Readable by whoever may read the corpus (temporary files are private).
        os.chmod(temporary, 0o644)
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                out.write(part)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_stale_temporaries(path: Path) -> None:
    now = time.time()
    for temporary in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            if now - temporary.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                temporary.unlink()


# --- the index cache ----------------------------------------------------------------------
#
# One file: a JSON header line (format, version, fingerprint, size, SHA-256 of the manifest
# line), a JSON manifest line (the small parts: root, problems, synonyms, lexicon, terms, and
# where each array lies with its dtype, shape and CRC-32), then the arrays' raw bytes, each at a
# 64-byte aligned offset. Loading checks the header and manifest, the file size, and every
# array's CRC-32 (read through the file, so the check adds nothing to the process's memory),
# then maps the file read-only: arrays are read from disk only where queries and answers touch
# them. The padding between arrays is never read, so it is not checked. CRC-32 finds every accidental damage (truncation, a flipped bit, a burst up to 32 bits,
# almost surely anything larger); it is no defence against deliberate edits, which would need
# write access to the cache folder, and since nothing is unpickled they cannot run code.

_ALIGN = 64
_RELEASE_ABOVE = 256 * 2**20
_SEARCHES_PER_RELEASE = 32
_CRC_BLOCK = 1 << 22
_ARRAY_TYPES = frozenset(np.dtype(t) for t in ("uint8", "int32", "int64", "float64"))


@dataclass(frozen=True, slots=True)
class Cached:
    """What the cache holds: the corpus and passages as tables, the index, lexicon, title terms."""

    corpus: Corpus
    passages: PassageTable
    state: IndexState
    lexicon: Lexicon
    title_terms: frozenset[str]
    # Called after each search: now and then gives back the mapped postings' pages.
    after_search: Callable[[], None] | None = None


class CacheDamage(ValueError):
    """The cache file does not match its own checksums."""


def _strings(name: str, column: StringColumn) -> dict[str, np.ndarray]:
    return {f"{name}.data": column.data, f"{name}.offsets": column.offsets}


def _arrays(documents: DocumentTable, passages: PassageTable, state: IndexState) -> dict[str, np.ndarray]:
    d, p = documents.columns, passages.columns
    return {
        **_strings("documents.ids", d.ids),
        **_strings("documents.titles", d.titles),
        **_strings("documents.paths", d.paths),
        **_strings("documents.texts", d.texts),
        **_strings("documents.details", d.details),
        "documents.id_order": d.id_order,
        **_strings("passages.ids", p.passage_ids),
        **_strings("passages.sections", p.sections),
        "passages.document": p.document,
        "passages.start": p.start,
        "passages.end": p.end,
        "passages.sentence_ptr": p.sentence_ptr,
        "passages.sentence_start": p.sentence_start,
        "passages.sentence_end": p.sentence_end,
        "passages.marker_ptr": p.marker_ptr,
        **_strings("passages.markers", p.markers),
        "index.ptr": state.ptr,
        "index.ids": state.ids,
        "index.weights": state.weights,
        "index.base": state.base,
        "index.idf": state.idf,
        "index.max_weights": state.max_weights,
    }


def _tables(corpus: Corpus, passages: Sequence[Passage]) -> tuple[DocumentTable, PassageTable]:
    """Return the corpus and passages as tables (built ones already are)."""
    documents = corpus.documents
    if not isinstance(documents, DocumentTable):
        documents = DocumentTable.of(documents)
    if isinstance(passages, PassageTable) and passages.documents is corpus.documents:
        return documents, PassageTable(passages.columns, documents)
    builder = PassageColumnsBuilder()
    numbers = {d.doc_id: n for n, d in enumerate(corpus.documents)}
    for passage in passages:
        number = numbers[passage.doc_id]
        builder.add(number, corpus.documents[number], [passage])
    return documents, PassageTable(builder.finish(), documents)


def save_cache(
    path: Path,
    fingerprint_value: str,
    corpus: Corpus,
    passages: Sequence[Passage],
    state: IndexState,
    lexicon: Lexicon,
    title_terms: frozenset[str] = frozenset(),
) -> None:
    """Write the cache atomically: a reader sees the old file or the new one, never half."""
    documents, table = _tables(corpus, passages)
    arrays = {name: np.ascontiguousarray(values) for name, values in _arrays(documents, table, state).items()}
    layout: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, values in arrays.items():
        offset += -offset % _ALIGN
        layout[name] = {
            "dtype": str(values.dtype),
            "shape": list(values.shape),
            "offset": offset,
            "crc32": zlib.crc32(memoryview(values).cast("B")),
        }
        offset += values.nbytes
    manifest = {
        "root": corpus.root,
        "documents": len(documents),
        "passages": len(table),
        "problems": [[p.path, p.line, p.message] for p in corpus.problems],
        "synonyms": [list(g) for g in corpus.synonyms],
        "lexicon": {
            "words": [list(w) for w in lexicon.word_counts],
            "groups": [[list(item) for item in g] for g in lexicon.groups],
        },
        "title_terms": sorted(title_terms),
        "terms": list(state.terms),
        "passage_count": state.passage_count,
        "arrays": layout,
    }
    body = json.dumps(manifest, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n"
    header = {
        "format": FORMAT,
        "version": VERSION,
        "fingerprint": fingerprint_value,
        "sha256": hashlib.sha256(body).hexdigest(),
        "data_size": offset,
    }
    start = json.dumps(header).encode() + b"\n" + body
    start += b"\0" * (-len(start) % _ALIGN)

    def parts() -> Iterator[bytes | memoryview]:
        yield start
        written = 0
        for name, values in arrays.items():
            yield b"\0" * (layout[name]["offset"] - written)
            yield memoryview(values).cast("B")
            written = layout[name]["offset"] + values.nbytes

    write_atomic(path, parts())
    # The JSON cache of earlier versions lay beside this file under another name.
    path.with_suffix(".json").unlink(missing_ok=True)


def _check_crc(handle: BinaryIO, start: int, layout: dict[str, dict[str, Any]]) -> None:
    """Check every array's CRC-32, reading the file in blocks (never mapping it)."""
    buffer = bytearray(_CRC_BLOCK)
    view = memoryview(buffer)
    for name, spec in layout.items():
        handle.seek(start + spec["offset"])
        remaining = _nbytes(spec)
        crc = 0
        while remaining:
            got = handle.readinto(view[: min(remaining, _CRC_BLOCK)])
            if not got:
                raise CacheDamage(f"checksum mismatch: {name} is cut short")
            crc = zlib.crc32(view[:got], crc)
            remaining -= got
        if crc != spec["crc32"]:
            raise CacheDamage(f"checksum mismatch in {name}")


def _nbytes(spec: dict[str, Any]) -> int:
    dtype = np.dtype(spec["dtype"])
    if dtype not in _ARRAY_TYPES or dtype.byteorder not in ("=", "|"):
        raise ValueError(f"unexpected array type {spec['dtype']}")
    return int(np.prod(spec["shape"], dtype=np.int64)) * dtype.itemsize


def _map(
    handle: BinaryIO, start: int, layout: dict[str, dict[str, Any]]
) -> tuple[dict[str, np.ndarray], PageRelease | None, PageRelease | None]:
    """Return the arrays as read-only views of the file mapped into memory, and the releases of
    the documents' and passages' arrays and of the postings (None where small)."""
    arrays: dict[str, np.ndarray] = {}
    if not layout:
        return arrays, None, None
    mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    for name, spec in layout.items():
        count = _nbytes(spec) // np.dtype(spec["dtype"]).itemsize
        values = np.frombuffer(mapped, dtype=spec["dtype"], count=count, offset=start + spec["offset"])
        arrays[name] = values.reshape(spec["shape"])

    def release(prefixes: tuple[str, ...], every: int) -> PageRelease | None:
        specs = [spec for name, spec in layout.items() if name.startswith(prefixes)]
        if not specs:
            return None
        first = start + min(spec["offset"] for spec in specs)
        last = start + max(spec["offset"] + _nbytes(spec) for spec in specs)
        # Below this size the pages may as well stay mapped: releasing costs faults, saves little.
        return PageRelease(mapped, first, last - first, every) if last - first > _RELEASE_ABOVE else None

    # Records: every 256 read. Postings: every 32 searches, so that the pages of the common
    # words' postings (most of a million passages' index) do not all stay resident.
    return arrays, release(("documents.", "passages."), 256), release(("index.",), _SEARCHES_PER_RELEASE)


def _column(arrays: dict[str, np.ndarray], name: str) -> StringColumn:
    return StringColumn(arrays[f"{name}.data"], arrays[f"{name}.offsets"])


def _contents(
    manifest: dict[str, Any],
    arrays: dict[str, np.ndarray],
    release: PageRelease | None,
    postings_release: PageRelease | None,
) -> Cached:
    a = arrays
    documents = DocumentTable(
        DocumentColumns(
            ids=_column(a, "documents.ids"),
            titles=_column(a, "documents.titles"),
            paths=_column(a, "documents.paths"),
            texts=_column(a, "documents.texts"),
            details=_column(a, "documents.details"),
            id_order=a["documents.id_order"],
        ),
        release,
    )
    passages = PassageTable(
        PassageColumns(
            passage_ids=_column(a, "passages.ids"),
            sections=_column(a, "passages.sections"),
            document=a["passages.document"],
            start=a["passages.start"],
            end=a["passages.end"],
            sentence_ptr=a["passages.sentence_ptr"],
            sentence_start=a["passages.sentence_start"],
            sentence_end=a["passages.sentence_end"],
            marker_ptr=a["passages.marker_ptr"],
            markers=_column(a, "passages.markers"),
        ),
        documents,
    )
    state = IndexState(
        terms=tuple(manifest["terms"]),
        ptr=a["index.ptr"],
        ids=a["index.ids"],
        weights=a["index.weights"],
        base=a["index.base"],
        idf=a["index.idf"],
        passage_count=manifest["passage_count"],
        max_weights=a["index.max_weights"],
    )
    sizes_agree = (
        len(documents) == manifest["documents"]
        and len(passages) == manifest["passages"] == state.passage_count
        and len(state.ptr) == len(state.terms) + 1 == len(state.idf) + 1 == len(state.max_weights) + 1
        and len(state.ids) == len(state.weights) == int(state.ptr[-1])
        and len(passages.columns.sentence_ptr) == len(passages) + 1
    )
    if not sizes_agree:
        raise ValueError("index arrays do not match the passages")
    corpus = Corpus(
        manifest["root"],
        documents,
        tuple(Problem(p, line, m) for p, line, m in manifest["problems"]),
        tuple(tuple(g) for g in manifest["synonyms"]),
    )
    lexicon = Lexicon(
        tuple((w, c) for w, c in manifest["lexicon"]["words"]),
        tuple(tuple(tuple(item) for item in g) for g in manifest["lexicon"]["groups"]),
    )
    release_postings = postings_release.touch if postings_release else None
    return Cached(corpus, passages, state, lexicon, frozenset(manifest["title_terms"]), release_postings)


def load_cache(path: Path, fingerprint_value: str) -> tuple[Cached | None, Problem | None]:
    """Load a cache written for this fingerprint.

    Returns:
        (contents, None) when the cache is current; (None, None) when there is none or it is
        for another corpus state; (None, problem) when it is damaged or from another version.
    """
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None, None
    except OSError as err:
        return None, Problem(str(path), None, f"index cache unreadable ({err.strerror}); rebuilt")
    with handle:
        try:
            header = json.loads(handle.readline())
            if header.get("format") != FORMAT or header.get("version") != VERSION:
                return None, Problem(str(path), None, "index cache from another version; rebuilt")
            if header.get("fingerprint") != fingerprint_value:
                return None, None
            body = handle.readline()
            if hashlib.sha256(body).hexdigest() != header.get("sha256"):
                return None, Problem(str(path), None, "index cache is damaged (checksum mismatch); rebuilt")
            manifest = json.loads(body)
            start = handle.tell()
            start += -start % _ALIGN
            if os.fstat(handle.fileno()).st_size != start + header["data_size"]:
                raise CacheDamage("checksum mismatch: the file is not the size written")
            _check_crc(handle, start, manifest["arrays"])
            return _contents(manifest, *_map(handle, start, manifest["arrays"])), None
        except CacheDamage as err:
            return None, Problem(str(path), None, f"index cache is damaged ({err}); rebuilt")
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as err:
            return None, Problem(str(path), None, f"index cache is unreadable ({err}); rebuilt")
