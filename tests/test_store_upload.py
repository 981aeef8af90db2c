"""Uploads: a checked document lands in the corpus folder atomically, and nothing else does."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from ui_fixtures import DOCUMENTS, write_documents

from bot import load
from bot.errors import UploadError
from bot.read import MAX_FILE_BYTES
from bot.store import save_upload

GOOD = b"# Rhubarb compost\n\nRhubarb leaves take about six months to compost fully [1].\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_documents(tmp_path / "corpus")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below folder, hidden ones included, with its content."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_upload_is_written_as_sent_and_read_as_a_document(folder):
    path = save_upload(folder, "rhubarb.md", GOOD)
    assert path == folder / "rhubarb.md"
    assert path.read_bytes() == GOOD
    assert sorted(snapshot(folder)) == sorted([*DOCUMENTS, "rhubarb.md"])  # no temporary file left
    bot = load(folder, use_cache=False)
    assert bot.documents["rhubarb"].title == "Rhubarb compost"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.TXT", b"Plain notes about rhubarb compost.\n"),
        ("bom.md", b"\xef\xbb\xbf# With a byte-order mark\n\nRhubarb text.\n"),
        ("caf\u00e9 notes.markdown", b"Caf\xc3\xa9 rhubarb notes.\n"),
    ],
    ids=["upper-suffix", "utf8-bom", "accented-name"],
)
def test_other_acceptable_uploads(folder, name, data):
    assert save_upload(folder, name, data).read_bytes() == data


_PARTS = "a file name cannot hold folder parts"
_EXISTS = "a file of this name is already in the corpus"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("../escape.md", GOOD, _PARTS),
        ("sub/inner.md", GOOD, _PARTS),
        ("sub\\inner.md", GOOD, _PARTS),
        ("/etc/passwd.md", GOOD, _PARTS),
        ("..", GOOD, _PARTS),
        ("nul\0byte.md", GOOD, "a file name cannot hold a NUL byte"),
        ("line\nbreak.md", GOOD, "control characters"),
        ("C:evil.md", GOOD, "cannot hold ':'"),
        (" padded.md", GOOD, "cannot start or end with a space"),
        (".hidden.md", GOOD, "hidden file names"),
        ("CON.txt", GOOD, "this file name is reserved"),
        ("lpt1.md", GOOD, "this file name is reserved"),
        ("synonyms.txt", b"a, b\n", "this file name is reserved"),
        ("", GOOD, "the file has no name"),
        ("x" * 300 + ".md", GOOD, "at most 255 bytes"),
        ("report.pdf", GOOD, "only .txt, .md, .markdown files can be added"),
        ("corpus.jsonl", b'{"_id": "a", "text": "b"}\n', "only .txt, .md, .markdown files"),
        ("README", GOOD, "only .txt, .md, .markdown files"),
        (
            "big.txt",
            b"a" * (MAX_FILE_BYTES + 1),
            f"file of {MAX_FILE_BYTES + 1} bytes is over the 5 MiB limit",
        ),
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b" \n\t\n", "the file is empty"),
        ("binary.txt", b"text\0with NUL", "binary file (holds NUL bytes)"),
        ("latin1.txt", "first line\ncaf\xe9\n".encode("latin-1"), "latin1.txt:2: not UTF-8 (byte 0xe9)"),
        ("utf16.txt", "Rhubarb".encode("utf-16"), "utf16.txt: not UTF-8 (UTF-16 text)"),
        ("headings.md", b"# Only\n\n## Headings\n", "no text outside headings and references"),
        ("refs.md", b"## References\n\n1. A. B. 2020.\n", "no text outside headings and references"),
        ("baclofen.md", GOOD, _EXISTS),
        ("Baclofen.MD", GOOD, _EXISTS),
        ("baclofen.txt", GOOD, "document id 'baclofen' is already used by baclofen.md"),
        ("other.md", b"---\nid: heat\n---\nMore heat.\n", "document id 'heat' is already used by heat.md"),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, str) else None,
)
def test_rejected_upload_raises_and_writes_nothing(folder, name, data, message):
    before = snapshot(folder)
    with pytest.raises(UploadError, match=re.escape(message)):
        save_upload(folder, name, data)
    assert snapshot(folder) == before
    assert not (folder.parent / "escape.md").exists()


def test_error_names_the_file_and_the_problem(folder):
    with pytest.raises(UploadError) as caught:
        save_upload(folder, "heat.md", GOOD)
    assert str(caught.value) == (
        "heat.md: a file of this name is already in the corpus; rename the file to add it"
    )
    assert (caught.value.name, caught.value.problem) == ("heat.md", caught.value.problem)


def test_corpus_that_is_a_file_takes_no_upload(folder):
    with pytest.raises(UploadError, match="is not a folder"):
        save_upload(folder / "heat.md", "rhubarb.md", GOOD)


def test_a_file_that_appears_meanwhile_is_not_replaced(folder, monkeypatch):
    # Another session saves the same name after the checks, while this upload is written.
    import bot.store

    real = bot.store.write_atomic

    def write_while_another_upload_lands(path: Path, data: bytes) -> None:
        (folder / "rhubarb.md").write_bytes(b"the other upload\n")
        real(path, data)

    monkeypatch.setattr(bot.store, "write_atomic", write_while_another_upload_lands)
    with pytest.raises(UploadError, match=_EXISTS):
        save_upload(folder, "rhubarb.md", GOOD)
    assert (folder / "rhubarb.md").read_bytes() == b"the other upload\n"
    assert sorted(snapshot(folder)) == sorted([*DOCUMENTS, "rhubarb.md"])


def test_without_hard_links_the_upload_is_renamed_into_place(folder, monkeypatch):
    def no_links(source: os.PathLike, target: os.PathLike) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    assert save_upload(folder, "rhubarb.md", GOOD).read_bytes() == GOOD
    assert sorted(snapshot(folder)) == sorted([*DOCUMENTS, "rhubarb.md"])
