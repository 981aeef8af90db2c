"""Everything citebot writes to disk: the index cache and uploaded documents, always atomically.

The cache is JSON (never pickle): a header line with the format, version, corpus fingerprint and
a SHA-256 of the payload line, then the payload. Arrays travel as base64 of their raw bytes.
A cache that fails any check is reported and rebuilt, never trusted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import Settings
from bot.index import IndexState
from bot.query import Lexicon
from bot.records import Corpus, Document, Passage, Problem, Reference, Section, Sentence

FORMAT = "citebot-index"
VERSION = 1
CACHE_FOLDER = ".citebot"


def default_cache_dir(corpus_path: str | os.PathLike[str]) -> Path:
    """Return where the cache of a corpus lives: inside a corpus folder, beside a corpus file."""
    path = Path(corpus_path)
    return path / CACHE_FOLDER if path.is_dir() else path.parent / CACHE_FOLDER


def cache_file(cache_dir: Path, settings: Settings) -> Path:
    """Return the cache file for these settings (one file per index-shaping settings)."""
    return cache_dir / f"index-{settings.index_key()}.json"


def _corpus_files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for folder, subfolders, files in os.walk(root, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name


def fingerprint(corpus_path: str | os.PathLike[str], settings: Settings) -> str:
    """Return a hash of every corpus file's name and content, the settings and the format."""
    root = Path(corpus_path)
    digest = hashlib.sha256(f"{FORMAT}:{VERSION}:{settings.index_key()}".encode())
    for path in _corpus_files(root):
        rel = path.relative_to(root).as_posix() if root.is_dir() else path.name
        digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        try:
            if path.is_symlink() and root.is_dir():
                digest.update(os.readlink(path).encode("utf-8", "surrogateescape"))
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "sha256").digest())
        except OSError as err:
            digest.update(f"unreadable:{err.errno}".encode())
    return digest.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write data to path through a temporary file in the same folder and `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- records <-> JSON ---------------------------------------------------------------------


def _array(values: np.ndarray) -> dict[str, Any]:
    return {
        "dtype": str(values.dtype),
        "data": base64.b64encode(np.ascontiguousarray(values).tobytes()).decode(),
    }


def _unarray(blob: dict[str, Any]) -> np.ndarray:
    dtype = np.dtype(blob["dtype"])
    if dtype not in (np.dtype("int32"), np.dtype("int64"), np.dtype("float64")):
        raise ValueError(f"unexpected array type {dtype}")
    return np.frombuffer(base64.b64decode(blob["data"]), dtype=dtype)


def _encode(
    corpus: Corpus, passages: tuple[Passage, ...], state: IndexState, lexicon: Lexicon
) -> dict[str, Any]:
    doc_number = {d.doc_id: i for i, d in enumerate(corpus.documents)}
    return {
        "root": corpus.root,
        "documents": [
            {
                "id": d.doc_id,
                "title": d.title,
                "path": d.path,
                "text": d.text,
                "sections": [[s.heading, s.start, s.end, s.level] for s in d.sections],
                "references": [[r.marker, r.text] for r in d.references],
                "metadata": [list(m) for m in d.metadata],
            }
            for d in corpus.documents
        ],
        "problems": [[p.path, p.line, p.message] for p in corpus.problems],
        "synonyms": [list(g) for g in corpus.synonyms],
        "passages": [
            [
                p.passage_id,
                doc_number[p.doc_id],
                p.section,
                p.start,
                p.end,
                [[s.start, s.end, list(s.markers)] for s in p.sentences],
            ]
            for p in passages
        ],
        "index": {
            "terms": list(state.terms),
            "ptr": _array(state.ptr),
            "ids": _array(state.ids),
            "weights": _array(state.weights),
            "base": _array(state.base),
            "idf": _array(state.idf),
            "passage_count": state.passage_count,
        },
        "lexicon": {
            "words": [list(w) for w in lexicon.word_counts],
            "groups": [[list(item) for item in g] for g in lexicon.groups],
        },
    }


def _decode(payload: dict[str, Any]) -> tuple[Corpus, tuple[Passage, ...], IndexState, Lexicon]:
    documents = tuple(
        Document(
            doc_id=d["id"],
            title=d["title"],
            path=d["path"],
            text=d["text"],
            sections=tuple(Section(h, s, e, level) for h, s, e, level in d["sections"]),
            references=tuple(Reference(m, t) for m, t in d["references"]),
            metadata=tuple((k, v) for k, v in d["metadata"]),
        )
        for d in payload["documents"]
    )
    corpus = Corpus(
        payload["root"],
        documents,
        tuple(Problem(p, line, m) for p, line, m in payload["problems"]),
        tuple(tuple(g) for g in payload["synonyms"]),
    )
    passages = []
    for passage_id, number, section, start, end, sentences in payload["passages"]:
        document = documents[number]
        passages.append(
            Passage(
                passage_id=passage_id,
                doc_id=document.doc_id,
                doc_title=document.title,
                doc_path=document.path,
                section=section,
                start=start,
                end=end,
                text=document.text[start:end],
                sentences=tuple(Sentence(s, e, tuple(m)) for s, e, m in sentences),
            )
        )
    blob = payload["index"]
    state = IndexState(
        terms=tuple(blob["terms"]),
        ptr=_unarray(blob["ptr"]),
        ids=_unarray(blob["ids"]),
        weights=_unarray(blob["weights"]),
        base=_unarray(blob["base"]),
        idf=_unarray(blob["idf"]),
        passage_count=blob["passage_count"],
    )
    if len(state.ptr) != len(state.terms) + 1 or state.passage_count != len(passages):
        raise ValueError("index arrays do not match the passages")
    lexicon = Lexicon(
        tuple((w, c) for w, c in payload["lexicon"]["words"]),
        tuple(tuple(tuple(item) for item in g) for g in payload["lexicon"]["groups"]),
    )
    return corpus, tuple(passages), state, lexicon


def save_cache(
    path: Path,
    fingerprint_value: str,
    corpus: Corpus,
    passages: tuple[Passage, ...],
    state: IndexState,
    lexicon: Lexicon,
) -> None:
    """Write the cache atomically: a reader sees the old file or the new one, never half."""
    payload = json.dumps(_encode(corpus, passages, state, lexicon), ensure_ascii=False).encode()
    header = {
        "format": FORMAT,
        "version": VERSION,
        "fingerprint": fingerprint_value,
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    write_atomic(path, json.dumps(header).encode() + b"\n" + payload + b"\n")


def load_cache(
    path: Path, fingerprint_value: str
) -> tuple[tuple[Corpus, tuple[Passage, ...], IndexState, Lexicon] | None, Problem | None]:
    """Load a cache written for this fingerprint.

    Returns:
        (contents, None) when the cache is current; (None, None) when there is none or it is
        for another corpus state; (None, problem) when it is damaged or from another version.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as err:
        return None, Problem(str(path), None, f"index cache unreadable ({err.strerror}); rebuilt")
    head, _, rest = data.partition(b"\n")
    try:
        header = json.loads(head)
        if header.get("format") != FORMAT or header.get("version") != VERSION:
            return None, Problem(str(path), None, "index cache from another version; rebuilt")
        if header.get("fingerprint") != fingerprint_value:
            return None, None
        payload = rest.rstrip(b"\n")
        if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            return None, Problem(str(path), None, "index cache is damaged (checksum mismatch); rebuilt")
        return _decode(json.loads(payload)), None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
        return None, Problem(str(path), None, f"index cache is unreadable ({err}); rebuilt")
