"""Changing a corpus folder from the browser: adding and removing documents, and the record of it.

A document added in the browser is saved under `uploads/` in the corpus folder, so it is known
for one wherever it is read or quoted. Every change is first written to the change log, an
append-only JSON Lines file in the cache folder (`.citebot/changes.jsonl`) that is never
rewritten: what was done, to which file, its SHA-256 and size, by whom (the access key's name)
and when. A change is logged before it is made, so a change made is always logged; a process
killed in between leaves a logged change whose file `recent_changes` finds missing.

One lock per corpus folder (`.citebot/changes.lock`) makes checking a name and id and saving
the file one step: two uploads at the same moment never both take one id.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import stat
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.errors import UploadError
from bot.present import day_text
from bot.read import (
    DOCUMENT_SUFFIXES,
    MAX_FILE_BYTES,
    SYNONYMS_FILE,
    Undecodable,
    decode_utf8,
    open_regular,
    parse_document,
    read_folder,
)
from bot.records import Change, Document, Problem
from bot.store import default_cache_dir, write_atomic

UPLOADS_FOLDER = "uploads"
LOG_FILE = "changes.jsonl"
LOCK_FILE = "changes.lock"
REMOVED_FOLDER = "removed"
ADDED = "added"
REMOVED = "removed"
# Logged after "added" when the file could not be put in place after all (a file of its name
# appeared meanwhile, put there by something that does not take the lock).
WITHDRAWN = "withdrawn"


def log_file(corpus_dir: Path) -> Path:
    """Return the change log of a corpus folder."""
    return default_cache_dir(corpus_dir) / LOG_FILE


def is_upload(path: str) -> bool:
    """Return whether a document's path (relative to its corpus folder) is one added in the browser."""
    return path.startswith(f"{UPLOADS_FOLDER}/")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _append(corpus_dir: Path, change: Change) -> None:
    """Add one line to the log: one write, flushed to disk, on a whole line.

    A process killed while it wrote may leave a line cut short; the next line then starts on a
    line of its own, and readers report the cut line.
    """
    path = log_file(corpus_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(dataclasses.asdict(change), ensure_ascii=True).encode("ascii") + b"\n"
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(handle).st_size
        if size:
            with open(path, "rb") as reader:
                reader.seek(size - 1)
                if reader.read(1) != b"\n":
                    line = b"\n" + line
        os.write(handle, line)
        os.fsync(handle)
    finally:
        os.close(handle)


def read_log(corpus_dir: Path) -> tuple[list[Change], list[Problem]]:
    """Return every change in the log, oldest first, and a problem for each unreadable line."""
    path = log_file(corpus_dir)
    changes: list[Change] = []
    problems: list[Problem] = []
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return changes, problems
    fields = Change.__dataclass_fields__
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            changes.append(Change(**{k: v for k, v in item.items() if k in fields}))
        except (ValueError, TypeError):
            problems.append(
                Problem(path.name, number, "unreadable change-log line (cut short?), left as it is")
            )
    return changes, problems


@contextlib.contextmanager
def _locked(corpus_dir: Path) -> Iterator[None]:
    """Hold the corpus folder's change lock (shared by every process and thread that changes it)."""
    lock = default_cache_dir(corpus_dir) / LOCK_FILE
    lock.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


# --- adding -------------------------------------------------------------------------------

# Names Windows reserves in any folder; a corpus may be copied there.
_RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{n}" for n in range(10)] + [f"lpt{n}" for n in range(10)]
)
_MAX_NAME_BYTES = 255
_STAGING = ".upload-"
_EXISTS = "a file of this name is already in the corpus; rename the file to add it"


def _check_upload_name(name: str) -> None:
    if not name or not name.strip():
        raise UploadError(name, "the file has no name")
    if "\0" in name:
        raise UploadError(name.replace("\0", "\\0"), "a file name cannot hold a NUL byte")
    if "/" in name or "\\" in name or name in (".", "..") or Path(name).is_absolute():
        raise UploadError(name, "a file name cannot hold folder parts; upload the file itself")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in name):
        shown = name.encode("utf-8", "backslashreplace").decode("utf-8")
        raise UploadError(shown, "a file name cannot hold control characters")
    if name != name.strip():
        raise UploadError(name, "a file name cannot start or end with a space")
    if name.startswith("."):
        raise UploadError(name, "hidden file names (starting with '.') are not read as documents")
    if ":" in name:
        raise UploadError(name, "a file name cannot hold ':'")
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        raise UploadError(name, f"a file name can be at most {_MAX_NAME_BYTES} bytes long")
    stem = name.split(".", 1)[0].rstrip(" ").lower()
    if stem in _RESERVED_NAMES or name.lower() == SYNONYMS_FILE:
        raise UploadError(name, "this file name is reserved; rename the file")
    if not name.lower().endswith(DOCUMENT_SUFFIXES):
        raise UploadError(name, f"only {', '.join(DOCUMENT_SUFFIXES)} files can be added")


def _check_upload_text(name: str, data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise UploadError(name, f"file of {len(data)} bytes is over the {limit} MiB limit")
    if not data.strip():
        raise UploadError(name, "the file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UploadError(name, "not UTF-8 (UTF-16 text); save the file as UTF-8")
    if b"\0" in data:
        raise UploadError(name, "binary file (holds NUL bytes), not a text document")
    decoded = decode_utf8(data)
    if isinstance(decoded, Undecodable):
        raise UploadError(f"{name}:{decoded.line}", f"{decoded.what}; save the file as UTF-8")
    return decoded


def _same_title(title: str) -> str:
    return " ".join(title.casefold().split())


def save_upload(
    corpus_dir: Path,
    name: str,
    data: bytes,
    who: str,
    same_title: bool = False,
) -> Path:
    """Add an uploaded document under the corpus folder's `uploads/`, log it, and return its path.

    The text must be UTF-8, within the size limit, and read as a document whose id no other
    document of the folder uses (two documents with one id would stop the corpus loading), and
    whose title no other document has unless `same_title` says the uploader knows. A file is
    never replaced.

    Raises:
        UploadError: the name, the content or the folder is not acceptable; nothing is written.
    """
    _check_upload_name(name)
    if not corpus_dir.is_dir():
        raise UploadError(
            name, f"the corpus {corpus_dir.name} is not a folder; documents cannot be added to it"
        )
    text = _check_upload_text(name, data)
    rel = f"{UPLOADS_FOLDER}/{name}"
    document, _ = parse_document(text, rel)
    if not any(document.text[s.start : s.end].strip() for s in document.sections):
        raise UploadError(name, "no text outside headings and references")
    folder = corpus_dir / UPLOADS_FOLDER
    target = folder / name
    with _locked(corpus_dir):
        if folder.is_symlink() or (os.path.lexists(folder) and not folder.is_dir()):
            raise UploadError(name, f"{UPLOADS_FOLDER} in the corpus folder is not a folder; uploads are off")
        folder.mkdir(exist_ok=True)
        # Holding the lock, any staging file is one a killed upload left.
        for left in folder.glob(f"{_STAGING}*"):
            left.unlink(missing_ok=True)
        documents = read_folder(corpus_dir).documents
        taken = {p.name.lower() for p in folder.iterdir()} | {Path(d.path).name.lower() for d in documents}
        if os.path.lexists(target) or name.lower() in taken:
            raise UploadError(name, _EXISTS)
        for other in documents:
            if other.doc_id == document.doc_id:
                raise UploadError(
                    name,
                    f"document id {document.doc_id!r} is already used by {other.path} "
                    "(rename the file, or give it another 'id:' in its front matter)",
                )
            if not same_title and _same_title(other.title) == _same_title(document.title):
                raise UploadError(
                    name,
                    f"{other.path} already has the title \u201c{other.title}\u201d; give the document "
                    "a title of its own, or say that it may share this one",
                )
        digest = hashlib.sha256(data).hexdigest()
        # Written under a hidden name (the reader skips it), logged, then linked into place:
        # `os.link` fails when the name was taken meanwhile, so a file is never replaced.
        staging = folder / f"{_STAGING}{uuid.uuid4().hex}{Path(name).suffix}"
        write_atomic(staging, data)
        change = Change(ADDED, rel, digest, len(data), who, _now(), document.title)
        try:
            _append(corpus_dir, change)
            try:
                _publish(staging, target)
            except FileExistsError as err:
                _append(corpus_dir, dataclasses.replace(change, action=WITHDRAWN, time=_now()))
                raise UploadError(name, _EXISTS) from err
        finally:
            staging.unlink(missing_ok=True)
    return target


def _publish(staging: Path, target: Path) -> None:
    try:
        os.link(staging, target)
    except FileExistsError:
        raise
    except OSError:
        # No hard links on this file system (FAT, some network shares): rename instead, which
        # refuses to replace on Windows; elsewhere the check just made is the guard.
        if os.path.lexists(target):
            raise FileExistsError(str(target)) from None
        os.rename(staging, target)


# --- removing -----------------------------------------------------------------------------


def remove_file(corpus_dir: Path, rel: str, who: str) -> Change:
    """Take a file out of the corpus folder, keeping it in the cache folder, and log it.

    Nothing is deleted: the file moves to `.citebot/removed/<time>-<name>`, where it can be
    put back by hand. Any file the corpus lists may be removed, a broken one included; a link,
    a FIFO or a device is moved without being opened.

    Raises:
        UploadError: rel is not a file inside the corpus folder.
    """
    parts = Path(rel).parts
    if not parts or Path(rel).is_absolute() or ".." in parts or any(p.startswith(".") for p in parts):
        raise UploadError(rel, "not a file of the corpus folder")
    path = corpus_dir / rel
    if not path.parent.resolve().is_relative_to(corpus_dir.resolve()):
        raise UploadError(rel, "not a file of the corpus folder")
    with _locked(corpus_dir):
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            raise UploadError(rel, "no such file in the corpus folder (removed already?)") from None
        if stat.S_ISDIR(status.st_mode):
            raise UploadError(rel, "a folder, not a file; remove its files one by one")
        data = path.read_bytes() if stat.S_ISREG(status.st_mode) else b""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        kept = Path(REMOVED_FOLDER) / f"{stamp}-{uuid.uuid4().hex[:8]}-{path.name}"
        change = Change(
            REMOVED, rel, hashlib.sha256(data).hexdigest(), len(data), who, _now(), kept_as=kept.as_posix()
        )
        _append(corpus_dir, change)
        destination = default_cache_dir(corpus_dir) / kept
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)
    return change


# --- what the log says of the corpus now --------------------------------------------------


def upload_notes(corpus: Path | None, documents: Sequence[Document]) -> dict[str, str]:
    """Return, by document id, the words that mark each document added in the browser:
    "added in the browser on 5 December 2026 by alice" (from the latest logged addition).
    A corpus that is a single file (or None) has no uploads."""
    uploaded = [d for d in documents if is_upload(d.path)]
    if not uploaded or corpus is None or not corpus.is_dir():
        return {}
    corpus_dir = corpus
    latest: dict[str, Change] = {}
    for change in read_log(corpus_dir)[0]:
        if change.action == ADDED:
            latest[change.path] = change
    notes = {}
    for document in uploaded:
        change = latest.get(document.path)
        notes[document.doc_id] = (
            f"added in the browser on {_day(change.time)} by {change.who}"
            if change
            else "added in the browser (not in the change log)"
        )
    return notes


def _sha256(path: Path) -> str:
    with open_regular(path) as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _day(time: str) -> str:
    try:
        return day_text(datetime.fromisoformat(time))
    except ValueError:
        return time


def recent_changes(corpus_dir: Path, limit: int = 20) -> list[tuple[Change, str]]:
    """Return the latest changes, newest first, each with a word on the file now: "in the
    corpus", "changed since", "not in the corpus" (an addition) or "" (a removal)."""
    changes = read_log(corpus_dir)[0][-limit:][::-1]
    shown = []
    for change in changes:
        state = ""
        if change.action == ADDED:
            path = corpus_dir / change.path
            try:
                status = os.lstat(path)
                regular = stat.S_ISREG(status.st_mode) and status.st_size == change.size
                same = regular and _sha256(path) == change.sha256
                state = "in the corpus" if same else "changed since"
            except OSError:
                state = "not in the corpus"
        shown.append((change, state))
    return shown
