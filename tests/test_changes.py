"""Changes from the browser: a checked upload lands in uploads/ atomically and is logged; a removal
keeps the file and is logged; the log is only ever appended to."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import ROOT
from ui_fixtures import DOCUMENTS, write_documents

from bot import changes, load
from bot.changes import remove_file, save_upload
from bot.errors import UploadError
from bot.read import MAX_FILE_BYTES

GOOD = b"# Rhubarb compost\n\nRhubarb leaves take about six months to compost fully [1].\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_documents(tmp_path / "corpus")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below folder, hidden ones included, with its content."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


WHO = "alice"


def corpus_files(folder: Path) -> dict[str, bytes]:
    """The corpus's own files: the cache folder (index, log, lock) left out."""
    return {k: v for k, v in snapshot(folder).items() if not k.startswith(".citebot/")}


def test_upload_is_written_as_sent_under_uploads_logged_and_read_as_a_document(folder):
    path = save_upload(folder, "rhubarb.md", GOOD, WHO)
    assert path == folder / "uploads" / "rhubarb.md"
    assert path.read_bytes() == GOOD
    assert sorted(corpus_files(folder)) == sorted([*DOCUMENTS, "uploads/rhubarb.md"])  # no temporary file
    [change] = changes.read_log(folder)[0]
    assert (change.action, change.path, change.who, change.size) == (
        "added",
        "uploads/rhubarb.md",
        WHO,
        len(GOOD),
    )
    assert change.sha256 == hashlib.sha256(GOOD).hexdigest()
    assert change.title == "Rhubarb compost"
    bot = load(folder, use_cache=False)
    assert bot.documents["uploads/rhubarb"].title == "Rhubarb compost"
    notes = changes.upload_notes(folder, bot.corpus.documents)
    assert list(notes) == ["uploads/rhubarb"]
    assert notes["uploads/rhubarb"].startswith("added in the browser on ")
    assert notes["uploads/rhubarb"].endswith(" by alice")


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
    assert save_upload(folder, name, data, WHO).read_bytes() == data


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
        ("other.md", b"---\nid: heat\n---\nMore heat.\n", "document id 'heat' is already used by heat.md"),
        (
            "other.md",
            b"# Heat wraps for back pain\n\nMore heat.\n",
            "heat.md already has the title \u201cHeat wraps",
        ),
        ("other.md", b"---\ntitle: heat  WRAPS for back   pain\n---\nMore.\n", "already has the title"),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, str) else None,
)
def test_rejected_upload_raises_and_writes_nothing(folder, name, data, message):
    before = corpus_files(folder)
    with pytest.raises(UploadError, match=re.escape(message)):
        save_upload(folder, name, data, WHO)
    assert corpus_files(folder) == before
    assert changes.read_log(folder) == ([], [])
    assert not (folder.parent / "escape.md").exists()


def test_error_names_the_file_and_the_problem(folder):
    with pytest.raises(UploadError) as caught:
        save_upload(folder, "heat.md", GOOD, WHO)
    assert str(caught.value) == (
        "heat.md: a file of this name is already in the corpus; rename the file to add it"
    )
    assert (caught.value.name, caught.value.problem) == ("heat.md", caught.value.problem)


def test_corpus_that_is_a_file_takes_no_upload(folder):
    with pytest.raises(UploadError, match="is not a folder"):
        save_upload(folder / "heat.md", "rhubarb.md", GOOD, WHO)


def test_a_file_that_appears_meanwhile_is_not_replaced_and_the_log_says_so(folder, monkeypatch):
    # Something that takes no lock saves the same name after the checks, while this upload is written.
    real = changes.write_atomic

    def write_while_another_file_lands(path: Path, data: bytes) -> None:
        (folder / "uploads" / "rhubarb.md").write_bytes(b"the other file\n")
        real(path, data)

    monkeypatch.setattr(changes, "write_atomic", write_while_another_file_lands)
    with pytest.raises(UploadError, match=_EXISTS):
        save_upload(folder, "rhubarb.md", GOOD, WHO)
    assert (folder / "uploads" / "rhubarb.md").read_bytes() == b"the other file\n"
    assert sorted(corpus_files(folder)) == sorted([*DOCUMENTS, "uploads/rhubarb.md"])
    assert [c.action for c in changes.read_log(folder)[0]] == ["added", "withdrawn"]


def test_without_hard_links_the_upload_is_renamed_into_place(folder, monkeypatch):
    def no_links(source: os.PathLike, target: os.PathLike) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    assert save_upload(folder, "rhubarb.md", GOOD, WHO).read_bytes() == GOOD
    assert sorted(corpus_files(folder)) == sorted([*DOCUMENTS, "uploads/rhubarb.md"])


def test_an_upload_may_share_a_title_when_the_uploader_says_so_and_is_marked(folder):
    same = b"# Heat wraps for back pain\n\nHeat wraps are safe with alcohol.\n"
    save_upload(folder, "heat-copy.md", same, WHO, same_title=True)
    bot = load(folder, use_cache=False)
    quoted = [d.doc_id for d in bot.corpus.documents if d.title == "Heat wraps for back pain"]
    assert sorted(quoted) == ["heat", "uploads/heat-copy"]
    assert list(changes.upload_notes(folder, bot.corpus.documents)) == ["uploads/heat-copy"]


def test_two_uploads_of_one_id_at_the_same_moment_save_one(folder):
    # race.md and race.txt both read as the document "uploads/race".
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def upload(number: int) -> None:
        barrier.wait()
        name = f"race.{'md' if number % 2 else 'txt'}"
        try:
            save_upload(
                folder, name, b"# Race %d\n\nText of upload %d.\n" % (number, number), f"user{number}"
            )
            outcomes.append("saved")
        except UploadError as error:
            outcomes.append(error.problem)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("saved") == 1
    saved = [name for name in os.listdir(folder / "uploads") if not name.startswith(".")]
    assert len(saved) == 1
    load(folder, use_cache=False)  # one id, one document: the corpus loads
    assert [c.action for c in changes.read_log(folder)[0]] == ["added"]


def test_removing_keeps_the_file_in_the_cache_folder_and_logs_it(folder):
    save_upload(folder, "rhubarb.md", GOOD, WHO)
    change = remove_file(folder, "uploads/rhubarb.md", "bob")
    assert not (folder / "uploads" / "rhubarb.md").exists()
    assert (folder / ".citebot" / change.kept_as).read_bytes() == GOOD
    assert [(c.action, c.who) for c in changes.read_log(folder)[0]] == [("added", WHO), ("removed", "bob")]
    assert "uploads/rhubarb" not in load(folder, use_cache=False).documents
    [(latest, state), (first, first_state)] = changes.recent_changes(folder)
    assert (latest.action, state, first.action, first_state) == ("removed", "", "added", "not in the corpus")


def test_a_broken_file_a_link_and_a_fifo_can_be_removed_without_being_opened(folder):
    (folder / "broken.txt").write_bytes(b"\xff\xfe not text")
    os.symlink("/dev/zero", folder / "zero.txt")
    os.mkfifo(folder / "pipe.txt")
    for rel in ("broken.txt", "zero.txt", "pipe.txt"):
        remove_file(folder, rel, WHO)
        assert not os.path.lexists(folder / rel)
    assert [c.path for c in changes.read_log(folder)[0]] == ["broken.txt", "zero.txt", "pipe.txt"]


@pytest.mark.parametrize(
    "rel", ["../outside.md", "/etc/passwd", ".citebot/changes.jsonl", "missing.md", "uploads"]
)
def test_removing_anything_but_a_corpus_file_is_refused(folder, rel):
    (folder.parent / "outside.md").write_text("outside\n")
    save_upload(folder, "rhubarb.md", GOOD, WHO)
    before = snapshot(folder)
    with pytest.raises(UploadError):
        remove_file(folder, rel, WHO)
    assert snapshot(folder) == before
    assert (folder.parent / "outside.md").exists()


def test_the_log_is_only_appended_to_and_a_line_cut_short_is_reported_not_lost(folder):
    save_upload(folder, "one.md", b"# One\n\nFirst text.\n", WHO)
    log = changes.log_file(folder)
    with log.open("ab") as handle:  # a writer killed in the middle of a line
        handle.write(b'{"action": "added", "path": "uploads/t')
    before = log.read_bytes()
    save_upload(folder, "two.md", b"# Two\n\nSecond text.\n", WHO)
    after = log.read_bytes()
    assert after.startswith(before)
    found, problems = changes.read_log(folder)
    assert [c.path for c in found] == ["uploads/one.md", "uploads/two.md"]
    assert [(p.path, p.line) for p in problems] == [("changes.jsonl", 2)]


def test_an_upload_killed_after_logging_leaves_a_readable_log_and_nothing_half_written(folder):
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from bot import changes\n"
        "real = changes._append\n"
        "def append_then_die(*args):\n"
        "    real(*args)\n"
        "    os._exit(9)\n"
        "changes._append = append_then_die\n"
        "changes.save_upload(Path(sys.argv[1]), 'rhubarb.md', b'# Rhubarb\\n\\nText.\\n', 'alice')\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(folder)], cwd=ROOT, check=False)
    assert done.returncode == 9
    # No file; the staging file is hidden (never read) and the next upload removes it.
    assert sorted(k for k in corpus_files(folder) if "/." not in k) == sorted(DOCUMENTS)
    [(change, state)] = changes.recent_changes(folder)
    assert (change.action, state) == ("added", "not in the corpus")
    save_upload(folder, "rhubarb.md", GOOD, WHO)  # the lock was released with the process
    assert [c.action for c in changes.read_log(folder)[0]] == ["added", "added"]
    assert sorted(corpus_files(folder)) == sorted([*DOCUMENTS, "uploads/rhubarb.md"])


def test_the_command_line_marks_a_quote_from_an_uploaded_document(folder, capsys):
    from bot.cli import main

    save_upload(folder, "rhubarb.md", GOOD, WHO)
    question = "How long do rhubarb leaves take to compost?"
    assert main(["ask", "--json", "--no-cache", "--corpus", str(folder), question]) == 0
    answer = json.loads(capsys.readouterr().out)
    quoted = [q for q in answer["quotes"] if q["doc_id"] == "uploads/rhubarb"]
    assert quoted and quoted[0]["added"].startswith("added in the browser on ")
    assert all(q["added"] is None for q in answer["quotes"] if q["doc_id"] != "uploads/rhubarb")
    assert main(["ask", "--no-cache", "--corpus", str(folder), question]) == 0
    assert "[added in the browser on " in capsys.readouterr().out
