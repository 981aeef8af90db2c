"""Reading a corpus: a folder of .txt/.md files or a BEIR corpus.jsonl -> `Corpus`.

Owns front matter, titles, sections (Markdown and plain-text headings), References sections,
the synonyms file, and the grammar of citation markers. It never tokenizes words.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import gc
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from bot.errors import (
    CorpusFormatError,
    CorpusNotFoundError,
    DuplicateDocumentError,
    EmptyCorpusError,
)
from bot.records import Corpus, Document, Problem, Reference, Section

DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown")
SYNONYMS_FILE = "synonyms.txt"
FRONT_MATTER_KEYS = ("id", "title", "source", "url", "date")

# Caps on what one document may hold, so that no file can make reading, indexing or answering
# slow for everyone (README, "Limits"). Beyond each, the file is read with a warning naming it.
MAX_FILE_BYTES = 5 * 1024 * 1024  # a larger file is not read
MAX_TITLE_CHARS = 300  # a longer title or heading is cut at a word
MAX_FRONT_MATTER_LINES = 100  # front matter must close within this many lines, else it is text
MAX_FIELD_CHARS = 2000  # a longer front-matter value or reference is cut
MAX_MARKERS_PER_SENTENCE = 40  # a sentence keeps its first 40 citation markers
MAX_WORDS_PER_DOCUMENT = 100_000  # distinct words (letters only); a document with more is not read
# Below this many characters a text cannot hold MAX_WORDS_PER_DOCUMENT distinct words (of one to
# three letters there are fewer than 20,000; longer ones take five characters with a space).
_WORDS_CHECKED_FROM = 400_000
_LETTERS = re.compile(r"[^\W\d_]+")

# One run of white space, then the rest of the line: closing hashes are cut in Python, as a
# pattern that strips them ("(.*?)[ \t]*#*[ \t]*$") is cubic in a line of spaces.
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$")
BULLET = re.compile(r"^[ \t]*(?:[-*+\u2022]|\d{1,3}[.)])[ \t]+")
_REFERENCES_HEADING = re.compile(
    r"^(references|sources|bibliography|works cited|citations)\s*:?$", re.IGNORECASE
)
_REFERENCE_ENTRY = re.compile(r"^[ \t]*(?:[-*][ \t]+)?(?:\[(\d{1,3})\]|(\d{1,3})[.):])[ \t]*(.+)$")
# Small words that may stand lower-case inside a Title Case heading.
_HEADING_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "vs",
        "with",
        "without",
        "versus",
        "per",
    ]
)


# --- citation markers ---------------------------------------------------------------------

_MARKER_LIST = r"\d{1,3}(?:[ \t]*,[ \t]*\d{1,3})*"
_BRACKET = re.compile(r"\[(\d{1,3}(?:[ \t]*[-\u2013,][ \t]*\d{1,3})*)\]")
_TRAILING_AFTER_STOP = re.compile(rf"[.!?][\"')\]]?([ \t]+({_MARKER_LIST}))$")
_TRAILING_BRACKETS = re.compile(r"([ \t]*(?:\[\d{1,3}(?:[ \t]*[-\u2013,][ \t]*\d{1,3})*\][ \t]*)+)[.!?]?$")
_TRAILING_PARENS = re.compile(rf"([ \t]*\(({_MARKER_LIST})\))[.!?]?$")
_MARKER_ENDS = frozenset("0123456789])")
# How much of a sentence's end is searched for trailing markers.
_TAIL = 200
_TRAILING_BARE = re.compile(rf"(\S+)([ \t]+({_MARKER_LIST}))[ \t]*[.!?]?$")
# A number after one of these words is a quantity, not a citation ("over 65.", "week 12.").
_QUANTITY_WORDS = frozenset(
    [
        "over",
        "under",
        "than",
        "to",
        "of",
        "from",
        "at",
        "by",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "age",
        "aged",
        "ages",
        "every",
        "about",
        "approximately",
        "around",
        "up",
        "least",
        "most",
        "and",
        "or",
        "per",
        "in",
        "on",
        "with",
        "within",
        "x",
        "day",
        "week",
        "month",
        "year",
        "hour",
        "minute",
        "dose",
        "grade",
        "stage",
        "type",
        "phase",
        "step",
        "level",
        "number",
        "no",
        "version",
        "chapter",
        "table",
        "figure",
        "page",
        "class",
        "schedule",
        "category",
        "score",
        "visit",
        "cycle",
        "n",
        "equals",
        "item",
        "items",
        "part",
        "appendix",
        "question",
        "line",
        "unit",
        "room",
        "bed",
        "size",
        "lot",
    ]
)


# Quantity words that are nouns a number may follow ("day 3", "dose 2") ...
_COUNTED_NOUNS = frozenset(["day", "week", "month", "year", "hour", "minute", "dose"])
# ... unless a word before the noun shows it is not numbered: "a day", "per dose", "the
# recommended dose", "each week".
_NOT_NUMBERING = frozenset(
    [
        "a",
        "an",
        "the",
        "per",
        "each",
        "every",
        "that",
        "this",
        "recommended",
        "usual",
        "daily",
        "total",
        "same",
    ]
)


def _expand(group: str) -> list[str]:
    """Expand '1, 3-5' into ['1', '3', '4', '5'] (ranges of at most 20), stopping once there
    are more than MAX_MARKERS_PER_SENTENCE."""
    markers: list[str] = []
    for item in re.split(r"[ \t]*,[ \t]*", group.strip()):
        bounds = re.split(r"[ \t]*[-\u2013][ \t]*", item)
        if len(bounds) == 2 and int(bounds[0]) < int(bounds[1]) <= int(bounds[0]) + 20:
            markers.extend(str(n) for n in range(int(bounds[0]), int(bounds[1]) + 1))
        else:
            markers.extend(bounds)
        if len(markers) > MAX_MARKERS_PER_SENTENCE:
            break
    return [m.lstrip("0") or "0" for m in markers[: MAX_MARKERS_PER_SENTENCE + 1]]


def _is_year(token: str) -> bool:
    return token.isdigit() and len(token) == 4 and 1800 <= int(token) <= 2100


def split_markers(sentence: str, known: frozenset[str] = frozenset()) -> tuple[int, tuple[str, ...]]:
    """Find the citation markers of one sentence.

    Trailing markers are cut off: the first value is the length of the quotable text, so that
    `sentence[:length]` has no trailing marker. Bracket markers inside the sentence stay in the
    text but are listed. When `known` (the document's reference numbers) is not empty, bare
    trailing numbers count as markers only if each is known.

    Returns:
        (length of the quotable text, markers in order of appearance without repeats)
    """
    text = sentence.rstrip()
    if not _may_hold_markers(text):
        return len(text), ()
    return _search_markers(text, known)


def _may_hold_markers(text: str) -> bool:
    """Return False when no marker form can match: most sentences, which then need no search.

    Every form ends the text with a digit, "]" or ")" (then maybe one of ".!?"), or holds a "[";
    a ")" closes numbers, so a digit (any that `\\d` matches) stands before it.
    """
    end = text[:-1] if text[-1:] in ".!?" else text
    end = end.rstrip(" \t")
    last = end[-1:]
    if last == ")":
        return end[-2:-1].isdecimal() or "[" in text
    return last in _MARKER_ENDS or "[" in text


def _search_markers(text: str, known: frozenset[str]) -> tuple[int, tuple[str, ...]]:
    """`split_markers` of a right-stripped text, by searching every marker form."""
    if len(text) < 400 and re.fullmatch(_MARKER_LIST, text.strip()) and _bare_numbers_ok(text, known):
        return 0, tuple(_expand(text))  # a lone "2" that a sentence splitter cut off
    # Markers stand at the end: matching only the tail keeps `$`-anchored searches linear on
    # hostile text such as thousands of "1, 1, 1".
    offset = max(0, len(text) - _TAIL)
    tail = text[offset:]
    trailing: list[str] = []
    match = _TRAILING_AFTER_STOP.search(tail)
    if match and _bare_numbers_ok(match.group(2), known):
        trailing = _expand(match.group(2))
        text = text[: offset + match.start(1)]
    else:
        match = _TRAILING_BRACKETS.search(tail) or _TRAILING_PARENS.search(tail)
        if match and offset + match.start(1) > 0:
            trailing = [m for g in _BRACKET.findall(match.group(1)) for m in _expand(g)]
            if not trailing:
                trailing = _expand(match.group(2))
            text = text[: offset + match.start(1)]
        else:
            match = _TRAILING_BARE.search(tail)
            before = tail[: match.start(1)].rsplit(None, 1)[-1:] if match else []
            if (
                match
                and _bare_marker_context(match.group(1), before[0] if before else "", known)
                and _bare_numbers_ok(match.group(3), known)
            ):
                trailing = _expand(match.group(3))
                text = text[: offset + match.start(2)]
    inner: list[str] = []
    for group in _BRACKET.finditer(text):
        inner.extend(_expand(group.group(1)))
        if len(inner) > MAX_MARKERS_PER_SENTENCE:
            break
    text = text.rstrip()
    # One more than the cap says that the sentence held more (see `chunk.sentences_of`).
    return len(text), tuple(dict.fromkeys(inner + trailing))[: MAX_MARKERS_PER_SENTENCE + 1]


def _bare_marker_context(previous: str, earlier: str = "", known: frozenset[str] = frozenset()) -> bool:
    """Return True when the token before bare trailing numbers (and the one before it) allows
    them to be markers."""
    word = previous.strip("\"'(),;:").lower()
    if _is_year(word):
        return True  # "a pilot study from 1992 6." cites 6
    if not word or word[-1].isdigit():
        return False
    if word in _QUANTITY_WORDS:
        # "at week 12." counts; but in "three times a day 1." or "the recommended dose 1." the
        # noun is not numbered, so a number the references list is a marker.
        return word in _COUNTED_NOUNS and bool(known) and earlier.lower() in _NOT_NUMBERING
    return word[-1].isalpha() or word[-1] in "%)"


def _bare_numbers_ok(group: str, known: frozenset[str]) -> bool:
    numbers = _expand(group)
    if any(n == "0" for n in numbers):
        return False
    return not known or all(n in known for n in numbers)


# --- one document -------------------------------------------------------------------------


def readable_name(path: str) -> str:
    """Turn 'valium-diazepam_muscle.txt' into 'Valium diazepam muscle'."""
    stem = Path(path).stem
    words = re.sub(r"[-_\s]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else path


def _is_plain_heading(line: str, next_line: str | None) -> bool:
    """Return True for a plain-text heading line such as 'From the FDA Drug Label'."""
    stripped = line.strip()
    if not stripped or next_line is None or len(stripped) > 80 or BULLET.match(line):
        return False
    if stripped[-1] in ".!?;,:" or stripped[-1].isdigit() or not stripped[0].isupper():
        return False
    words = stripped.split()
    if len(words) > 8:
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _HEADING_SMALL_WORDS for w in words)


def _decode(raw: bytes, rel: str) -> tuple[str | None, Problem | None]:
    if not raw.strip():
        return None, Problem(rel, None, "empty file, nothing to read")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            return None, Problem(rel, None, "not valid UTF-16 despite its byte-order mark")
        if "\x00" in text or not text.strip():
            return None, Problem(rel, None, "binary file (holds NUL bytes), not a text document")
        return text, None
    if b"\x00" in raw[:8192]:
        return None, Problem(rel, None, "binary file (holds NUL bytes), not a text document")
    decoded = decode_utf8(raw)
    if isinstance(decoded, Undecodable):
        return None, Problem(rel, decoded.line, f"{decoded.what}; save the file as UTF-8 to include it")
    return decoded, None


@dataclass(frozen=True, slots=True)
class Undecodable:
    """Bytes that are not UTF-8: the line of the first bad byte, and what is wrong in words."""

    line: int
    what: str


def decode_utf8(raw: bytes) -> str | Undecodable:
    """Return the text of UTF-8 bytes (with or without a byte-order mark), or where and why
    they are not UTF-8 ("not UTF-8 (byte 0xe9)"), for the caller to say in its own words."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return Undecodable(raw[: err.start].count(b"\n") + 1, f"not UTF-8 (byte 0x{raw[err.start]:02x})")


def _cut(text: str, limit: int) -> str:
    """Return text cut to at most `limit` characters, at the last space when there is one."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit // 2, limit)
    return text[: cut if cut > 0 else limit].rstrip()


def _front_matter(text: str, rel: str) -> tuple[dict[str, str], int, int, list[Problem]]:
    """Parse `---` front matter; return fields, body offset, lines used, problems."""
    if not text.startswith("---\n"):
        return {}, 0, 0, []
    # Only the first lines are searched for the closing line: an unclosed block costs no more.
    head = text[4:].split("\n", MAX_FRONT_MATTER_LINES)[:MAX_FRONT_MATTER_LINES]
    close = next((n for n, line in enumerate(head) if line.rstrip(" \t") in ("---", "...")), None)
    if close is None:
        return (
            {},
            0,
            0,
            [
                Problem(
                    rel,
                    1,
                    f"front matter: no closing '---' within {MAX_FRONT_MATTER_LINES} lines; "
                    "read as plain text",
                )
            ],
        )
    block = "\n".join(head[:close])
    fields: dict[str, str] = {}
    problems = []
    for number, line in enumerate(block.split("\n"), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or not key:
            shown = line if len(line) <= 80 else line[:80] + "..."
            problems.append(Problem(rel, number, f"front matter: expected 'key: value', got {shown!r}"))
            continue
        value = value.strip().strip("\"'")
        limit = MAX_TITLE_CHARS if key == "title" else MAX_FIELD_CHARS
        if len(value) > limit:
            problems.append(Problem(rel, number, f"front matter: {key[:40]!r} cut to {limit} characters"))
            value = _cut(value, limit)
        fields[key] = value
    body_start = 4 + len(block) + len(head[close]) + (1 if close else 0)
    if text[body_start : body_start + 1] == "\n":
        body_start += 1
    return fields, body_start, text[:body_start].count("\n"), problems


def parse_document(text: str, rel: str, doc_id: str | None = None) -> tuple[Document, list[Problem]]:
    """Parse decoded text into a `Document`; `rel` names the file in ids and messages."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fields, body_start, line_offset, problems = _front_matter(text, rel)
    body = text[body_start:]
    plain = not rel.lower().endswith((".md", ".markdown"))
    lines = body.split("\n")
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line) + 1

    # The next non-blank line after each line, found in one backward pass.
    following: list[str | None] = [None] * len(lines)
    upcoming: str | None = None
    for number in range(len(lines) - 1, -1, -1):
        following[number] = upcoming
        if lines[number].strip():
            upcoming = lines[number]
    headings: list[tuple[int, str, int]] = []  # (line number, heading, level)
    for number, line in enumerate(lines):
        md = _MD_HEADING.match(line)
        heading = md.group(2).rstrip(" \t").rstrip("#").strip() if md else ""
        if heading:
            if len(heading) > MAX_TITLE_CHARS:
                problems.append(
                    Problem(rel, number + 1 + line_offset, f"heading cut to {MAX_TITLE_CHARS} characters")
                )
                heading = _cut(heading, MAX_TITLE_CHARS)
            headings.append((number, heading, len(md.group(1))))
            continue
        if plain and _is_plain_heading(line, following[number]):
            headings.append((number, line.strip(), 1))

    title = fields.get("title") or next((h for _, h, level in headings if level == 1 and not plain), "")
    title = title or readable_name(rel)

    sections: list[Section] = []
    references: list[Reference] = []
    first = headings[0][0] if headings else len(lines)
    lead = body[: offsets[first] if first < len(lines) else len(body)]
    if lead.strip():
        sections.append(Section(title, 0, len(lead.rstrip()), 0))
    for i, (number, heading, level) in enumerate(headings):
        start = offsets[number + 1] if number + 1 < len(lines) else len(body)
        stop = offsets[headings[i + 1][0]] if i + 1 < len(headings) else len(body)
        end = start + len(body[start:stop].rstrip())
        start = min(start + len(body[start:end]) - len(body[start:end].lstrip("\n")), end)
        if _REFERENCES_HEADING.match(heading):
            references.extend(
                _parse_references(body, lines, number + 1, stop, offsets, rel, line_offset, problems)
            )
        else:
            sections.append(Section(heading, start, end, level))

    metadata = tuple((k, v) for k, v in fields.items() if k in FRONT_MATTER_KEYS and k != "id")
    unknown = [k for k in fields if k not in FRONT_MATTER_KEYS]
    if unknown:
        problems.append(
            Problem(
                rel,
                2,
                f"front matter: unknown field(s) {', '.join(unknown)} ignored "
                f"(known: {', '.join(FRONT_MATTER_KEYS)})",
            )
        )
    document = Document(
        doc_id=fields.get("id") or doc_id or Path(rel).with_suffix("").as_posix(),
        title=title,
        path=rel,
        text=body,
        sections=tuple(sections),
        references=tuple(references),
        metadata=metadata,
    )
    return document, problems


def _parse_references(
    body: str,
    lines: list[str],
    first: int,
    stop: int,
    offsets: list[int],
    rel: str,
    line_offset: int,
    problems: list[Problem],
) -> list[Reference]:
    entries: list[tuple[str, list[str]]] = []  # (marker, lines of its text)
    for number in range(first, len(lines)):
        if offsets[number] >= stop:
            break
        line = lines[number]
        if not line.strip():
            continue
        match = _REFERENCE_ENTRY.match(line)
        if match:
            entries.append((match.group(1) or match.group(2), [match.group(3).strip()]))
        elif entries:
            entries[-1][1].append(line.strip())
        else:
            problems.append(
                Problem(
                    rel,
                    number + 1 + line_offset,
                    "References: entry has no number (write '1. Author. Title. Year.')",
                )
            )
    references = []
    for marker, parts in entries:
        text = " ".join(parts)
        if len(text) > MAX_FIELD_CHARS:
            problems.append(
                Problem(rel, None, f"References: entry {marker} cut to {MAX_FIELD_CHARS} characters")
            )
            text = _cut(text, MAX_FIELD_CHARS)
        references.append(Reference(marker.lstrip("0") or "0", text))
    return references


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MiB" if count >= 2**20 else f"{count} bytes"


def _read_bytes(path: Path, rel: str) -> tuple[bytes | None, Problem | None]:
    """Return a regular file's bytes, or why they cannot be read (also when over the size cap)."""
    try:
        with open_regular(path) as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAX_FILE_BYTES:
                return None, Problem(
                    rel, None, f"file of {_size(size)} is over the {_size(MAX_FILE_BYTES)} limit"
                )
            return handle.read(MAX_FILE_BYTES + 1), None
    except OSError as err:
        return None, Problem(rel, None, f"cannot read: {err.strerror or err}")


def read_document(path: Path, rel: str) -> tuple[Document | None, list[Problem]]:
    """Read one file; a file that cannot be read gives a problem and no document."""
    raw, problem = _read_bytes(path, rel)
    if raw is None:
        return None, [problem] if problem else []
    text, problem = _decode(raw, rel)
    if text is None:
        return None, [problem] if problem else []
    if len(text) > _WORDS_CHECKED_FROM:
        distinct = len(set(_LETTERS.findall(text.casefold())))
        if distinct > MAX_WORDS_PER_DOCUMENT:
            return None, [
                Problem(
                    rel,
                    None,
                    f"{distinct:,} distinct words, over the {MAX_WORDS_PER_DOCUMENT:,} limit: not ordinary "
                    "text (every word would enter the vocabulary all questions are corrected against)",
                )
            ]
    document, problems = parse_document(text, rel)
    if all(s.start == s.end for s in document.sections):
        problems.append(Problem(rel, None, "no text outside headings and references"))
        return None, problems
    return document, problems


# --- synonyms -----------------------------------------------------------------------------


def read_synonyms(path: Path, rel: str) -> tuple[tuple[tuple[str, ...], ...], list[Problem]]:
    """Read 'word, other word, ...' groups, one per line; '#' starts a comment."""
    groups = []
    problems = []
    raw, problem = _read_bytes(path, rel)
    if raw is None:
        return (), [problem] if problem else []
    text, problem = _decode(raw, rel)
    if text is None:
        return (), [problem] if problem else []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        items = tuple(i.strip() for i in re.split(r"[,=]", line) if i.strip())
        if len(items) < 2:
            problems.append(
                Problem(rel, number, "synonyms: a line needs two or more names separated by commas")
            )
            continue
        groups.append(items)
    return tuple(groups), problems


# --- a whole corpus -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FolderEntry:
    """A file below a corpus folder: its path, its name relative to the folder (always valid
    UTF-8), and its status, or, for a file that is not opened, why not."""

    path: Path
    rel: str
    status: os.stat_result | None
    problem: str = ""


def _printable(name: str) -> str:
    """Return a file name as text that is valid UTF-8: undecodable bytes become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _inside(path: Path, root: Path) -> bool:
    return path.is_relative_to(root.resolve())


def _entry(path: Path, rel: str, root: Path) -> FolderEntry:
    """Return the entry of one file name found in the folder."""
    if _printable(rel) != rel:
        return FolderEntry(
            path, _printable(rel), None, "file name is not valid UTF-8; rename it to include it"
        )
    try:
        status = os.lstat(path)
        if stat.S_ISLNK(status.st_mode):
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                return FolderEntry(
                    path, rel, None, "symbolic link to nothing (a missing file or a loop), skipped"
                )
            if not _inside(target, root):
                return FolderEntry(path, rel, None, "symbolic link to outside the corpus, not followed")
            status = os.stat(path)
    except OSError as err:
        return FolderEntry(path, rel, None, f"cannot read: {err.strerror or err}")
    if not stat.S_ISREG(status.st_mode):
        return FolderEntry(path, rel, None, "not a regular file (a FIFO, device or socket), skipped")
    return FolderEntry(path, rel, status)


def folder_entries(root: Path) -> Iterator[FolderEntry]:
    """Yield every file below root, recursively, in a stable order; names starting with "." are
    left out. Links are followed only to regular files inside root, and nothing is opened, so a
    FIFO, a device or a link loop in the folder costs nothing. The reader and the cache's
    fingerprint both walk the folder with this, so they always see the same files."""
    errors: list[OSError] = []
    for folder, subfolders, files in os.walk(root, followlinks=False, onerror=errors.append):
        base = Path(folder)
        kept = []
        for name in sorted(d for d in subfolders if not d.startswith(".")):
            path = base / name
            rel = path.relative_to(root).as_posix()
            if _printable(rel) != rel:
                yield FolderEntry(
                    path, _printable(rel), None, "folder name is not valid UTF-8; rename it to include it"
                )
            elif path.is_symlink():
                yield FolderEntry(path, rel, None, "symbolic link to a folder, not followed")
            else:
                kept.append(name)
        subfolders[:] = kept
        for name in sorted(files):
            if not name.startswith("."):
                path = base / name
                yield _entry(path, path.relative_to(root).as_posix(), root)
    for err in errors:
        where = Path(err.filename or root)
        rel = where.relative_to(root).as_posix() if where.is_relative_to(root) else where.name
        yield FolderEntry(where, _printable(rel) or ".", None, f"cannot read folder: {err.strerror or err}")


def open_regular(path: Path) -> BinaryIO:
    """Open a file for reading only if it is a regular file (never blocking on a FIFO).

    Raises:
        OSError: the file cannot be opened or is not a regular file.
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return os.fdopen(descriptor, "rb")


def read_folder(root: Path) -> Corpus:
    """Read every .txt and .md file below root, recursively, in a stable order."""
    documents: list[Document] = []
    problems: list[Problem] = []
    synonyms: tuple[tuple[str, ...], ...] = ()
    for entry in folder_entries(root):
        if entry.problem:
            problems.append(Problem(entry.rel, None, entry.problem))
            continue
        if entry.rel == SYNONYMS_FILE:
            synonyms, found = read_synonyms(entry.path, entry.rel)
            problems.extend(found)
            continue
        if not entry.rel.lower().endswith(DOCUMENT_SUFFIXES):
            if not entry.rel.lower().endswith(".jsonl"):
                problems.append(Problem(entry.rel, None, "not a .txt or .md file, skipped"))
            continue
        document, found = read_document(entry.path, entry.rel)
        problems.extend(found)
        if document is not None:
            documents.append(document)
    return Corpus(str(root), tuple(documents), tuple(problems), synonyms)


@contextlib.contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Pause the cycle collector while records are made: they hold no cycle, and the collector
    would walk the growing list of them again and again (a third of the time to read a million)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_JSON = json.JSONDecoder()


def _json_line(line: str) -> object:
    """Return `json.loads(line)`: sooner for a line that is one value and JSON's white space."""
    try:
        value, end = _JSON.raw_decode(line)
    except json.JSONDecodeError:
        return json.loads(line)  # maybe white space first; else it raises the same error
    if line[end:].strip(" \t\n\r"):
        return json.loads(line)  # raises "Extra data"
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogates(record: dict[str, object]) -> bool:
    return any(isinstance(v, str) and _SURROGATE.search(v) for v in record.values())


def _replace_surrogates(value: object) -> object:
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def read_beir(path: Path) -> Corpus:
    """Read a BEIR corpus.jsonl: one JSON object per line with `_id`, `title` and `text`."""
    documents = []
    problems = []
    rel = path.name
    # Undecodable bytes are kept as lone surrogates, as are "\ud800" escapes, and both are then
    # replaced and reported, line by line.
    with path.open(encoding="utf-8", errors="surrogateescape") as lines, _cycle_collection_paused():
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = _json_line(line)
            except json.JSONDecodeError as err:
                raise CorpusFormatError(str(path), number, "json", err.msg) from err
            if not isinstance(record, dict):
                raise CorpusFormatError(str(path), number, "line", "expected a JSON object")
            for key in ("_id", "text"):
                if not isinstance(record.get(key), str):
                    raise CorpusFormatError(str(path), number, f'"{key}"', "missing or not a string")
            if (not line.isascii() or "\\u" in line) and _has_surrogates(record):
                record = {key: _replace_surrogates(value) for key, value in record.items()}
                problems.append(
                    Problem(
                        rel,
                        number,
                        "not valid UTF-8 (an undecodable byte or a lone surrogate such as \\ud800); "
                        "replaced with \ufffd",
                    )
                )
            text = record["text"]
            if not text.strip():
                problems.append(Problem(rel, number, f"document {record['_id']!r} has no text"))
                continue
            title = record.get("title") if isinstance(record.get("title"), str) else ""
            if len(title) > MAX_TITLE_CHARS:
                problems.append(Problem(rel, number, f"title cut to {MAX_TITLE_CHARS} characters"))
                title = _cut(title, MAX_TITLE_CHARS)
            documents.append(
                Document(
                    doc_id=record["_id"],
                    title=title or record["_id"],
                    path=f"{rel}:{number}",
                    text=text,
                    sections=(Section(title or record["_id"], 0, len(text), 0),),
                )
            )
    return Corpus(str(path), tuple(documents), tuple(problems))


def read_corpus(path: str | os.PathLike[str]) -> Corpus:
    """Read a corpus folder, a single document, or a BEIR corpus.jsonl.

    Raises:
        CorpusNotFoundError: the path does not exist.
        EmptyCorpusError: no document could be read.
        DuplicateDocumentError: two documents share an id.
    """
    root = Path(path)
    if not root.exists():
        raise CorpusNotFoundError(str(path))
    if root.is_dir():
        corpus = read_folder(root)
    elif root.suffix == ".jsonl":
        corpus = read_beir(root)
    else:
        document, problems = read_document(root, root.name)
        corpus = Corpus(str(root), (document,) if document else (), tuple(problems))
    ids = [document.doc_id for document in corpus.documents]
    if len(set(ids)) < len(ids):
        seen: dict[str, str] = {}
        for document in corpus.documents:
            if document.doc_id in seen:
                raise DuplicateDocumentError(document.doc_id, seen[document.doc_id], document.path)
            seen[document.doc_id] = document.path
    if not corpus.documents:
        reason = "no .txt or .md document could be read"
        if corpus.problems:
            reason += f" ({len(corpus.problems)} problem(s): {corpus.problems[0]})"
        raise EmptyCorpusError(str(path), reason)
    return corpus
