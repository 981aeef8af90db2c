"""Hostile files that once froze or broke the server for everyone: each now costs little, loads
with a warning naming the file, and leaves the other documents answering.

Each input runs in a child process under a deadline, so that a regression fails the test
instead of hanging the suite (a backtracking pattern holds the interpreter, which no alarm in
this process could interrupt). No figure of time is asserted: the deadline is many times what
the input costs now, and far below what it cost before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import Settings, store
from bot.analysis import MAX_SPLIT_CHARS, split_sentences
from bot.chunk import MAX_MARKERS_PER_DOCUMENT, MAX_SLOW_SPLIT_MARKS, passage_sentences
from bot.read import (
    MAX_FIELD_CHARS,
    MAX_FRONT_MATTER_LINES,
    MAX_MARKERS_PER_SENTENCE,
    MAX_TITLE_CHARS,
    MAX_WORDS_PER_DOCUMENT,
    folder_entries,
    parse_document,
    read_corpus,
)

GOOD = (
    "# Valium\n\nThe usual dose of diazepam for muscle spasm is 2 to 10 mg 1.\n\n## References\n1. Label.\n"
)
DEADLINE = 120

_LOAD = """
import json, sys
from bot import load
bot = load(sys.argv[1], use_cache=False)
print(json.dumps({
    "documents": sorted(d.path for d in bot.corpus.documents),
    "titles": {d.path: d.title for d in bot.corpus.documents},
    "problems": [[p.path, p.line, p.message] for p in bot.problems],
    "passages": len(bot.passages),
}))
"""


def _load_in_child(folder: Path) -> dict:
    """Load the folder in a child process; fail if it does not finish within the deadline."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _LOAD, str(folder)],
            capture_output=True,
            timeout=DEADLINE,
            cwd=Path(__file__).resolve().parent.parent,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"loading did not finish within {DEADLINE} s")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return json.loads(done.stdout)


def _corpus(tmp_path: Path, name: str, data: bytes | str) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "valium.md").write_text(GOOD, encoding="utf-8")
    target = folder / name
    target.write_bytes(data.encode() if isinstance(data, str) else data)
    return folder


def _problems_of(result: dict, name: str) -> list[str]:
    return [message for path, _, message in result["problems"] if path == name]


@pytest.mark.parametrize("spaces", [2_500, 20_000])
def test_a_heading_with_a_long_run_of_spaces_is_read_at_once(tmp_path, spaces):
    # Was cubic in the spaces: 2,500 took 46 s, 5,000 about 120 s.
    folder = _corpus(tmp_path, "spaces.md", "# a" + " " * spaces + "b\n\nSome text about it.\n")
    result = _load_in_child(folder)
    assert "spaces.md" in result["documents"]
    assert result["titles"]["spaces.md"].startswith("a")
    assert "valium.md" in result["documents"]


def test_heading_hashes_and_spaces_are_trimmed_as_before():
    document, _ = parse_document("# Dosing ##  \n\nText.\n\n## C#\n\nMore.\n\n### a # b #\n\nEnd.\n", "x.md")
    assert [s.heading for s in document.sections] == ["Dosing", "C", "a # b"]


@pytest.mark.parametrize(
    "text",
    [
        "e.g. " * 400_000,  # 2 MB: NLTK's splitter gave up with TimeoutError on every page
        "see https://example.org/a.b.c/d?e=f.g&h=i.j and " * 100_000,  # 5 MB of URL-like text
    ],
    ids=["e.g.", "urls"],
)
def test_a_paragraph_the_sentence_splitter_cannot_take_is_split_simply_with_a_warning(tmp_path, text):
    folder = _corpus(tmp_path, "long.md", "# Long\n\n" + text + "\n")
    result = _load_in_child(folder)
    assert "long.md" in result["documents"] and "valium.md" in result["documents"]
    assert any("split at every full stop" in m for m in _problems_of(result, "long.md"))


def test_the_simple_split_ends_sentences_at_marks_before_white_space():
    text = "  One. Two? " + "x" * MAX_SPLIT_CHARS + "! Four.5 five"
    split = split_sentences(text)
    assert not split.by_punkt
    assert [text[a:b] for a, b in split.spans][:2] == ["One.", "Two?"]
    assert text[split.spans[-1][0] : split.spans[-1][1]] == "Four.5 five"


def test_a_splitter_timeout_falls_back_to_the_simple_split(monkeypatch):
    from bot import analysis

    def gives_up(self, text):
        raise TimeoutError("pattern took too long")

    monkeypatch.setattr(analysis._SentenceSplitter, "span_tokenize", gives_up)
    text = "Dr. Smith came (at 5 p.m.). He left. Then"  # not plain: Punkt would be asked
    split = split_sentences(text)
    assert not split.by_punkt
    assert [text[a:b] for a, b in split.spans] == ["Dr.", "Smith came (at 5 p.m.).", "He left.", "Then"]


def test_a_title_of_hundreds_of_kilobytes_is_cut_with_a_warning(tmp_path):
    # A 360 KB title once peaked at 7.4 GB (it is indexed with every passage); 720 KB failed.
    title = "Valium diazepam muscle spasm " * 25_000
    folder = _corpus(tmp_path, "title.md", f"---\ntitle: {title}\n---\n\nThe dose is 200 mg.\n")
    result = _load_in_child(folder)
    assert len(result["titles"]["title.md"]) <= MAX_TITLE_CHARS
    assert result["titles"]["title.md"].startswith("Valium diazepam")
    assert any("'title' cut to" in m for m in _problems_of(result, "title.md"))


def test_a_heading_of_hundreds_of_kilobytes_is_cut_with_a_warning():
    document, problems = parse_document("# " + "word " * 100_000 + "\n\nText.\n", "h.md")
    assert len(document.sections[0].heading) <= MAX_TITLE_CHARS
    assert any("heading cut" in p.message and p.line == 1 for p in problems)


def test_unclosed_front_matter_of_megabytes_is_read_as_text_at_once(tmp_path):
    # Was 122 s to chunk and 113 s to index.
    body = "".join(f"key{n}: value of line {n}.\n" for n in range(150_000))
    folder = _corpus(tmp_path, "open.md", "---\n" + body)
    result = _load_in_child(folder)
    assert "open.md" in result["documents"]
    assert any(
        f"no closing '---' within {MAX_FRONT_MATTER_LINES}" in m for m in _problems_of(result, "open.md")
    )


def test_front_matter_closing_after_the_limit_is_text_and_within_it_is_read():
    late = "---\n" + "a: b\n" * MAX_FRONT_MATTER_LINES + "---\nBody.\n"
    document, problems = parse_document(late, "late.md")
    assert document.title == "Late" and any("no closing" in p.message for p in problems)
    early = "---\n" + "a: b\n" * (MAX_FRONT_MATTER_LINES - 2) + "title: T\n---\nBody.\n"
    document, _ = parse_document(early, "early.md")
    assert document.title == "T" and document.text == "Body.\n"


def _special_files(folder: Path) -> None:
    (folder / "loop.md").symlink_to("loop.md")
    (folder / "a.md").symlink_to("b.md")
    (folder / "b.md").symlink_to("a.md")
    os.mkfifo(folder / "pipe.md")
    (folder / "zero.md").symlink_to("/dev/zero")
    (folder / "dangling.md").symlink_to("missing.md")
    (folder / "inside.md").symlink_to("valium.md")


def test_loops_fifos_devices_and_links_out_are_reported_and_never_opened(tmp_path):
    # A link loop was a RuntimeError on every page; a FIFO or /dev/zero made `bot index` hang.
    folder = _corpus(tmp_path, "other.md", "# Other\n\nAnother text.\n")
    _special_files(folder)
    result = _load_in_child(folder)
    assert result["documents"] == ["inside.md", "other.md", "valium.md"]
    problems = {path: message for path, _, message in result["problems"]}
    assert "loop" in problems["loop.md"] and "loop" in problems["a.md"] and "loop" in problems["b.md"]
    assert "not a regular file" in problems["pipe.md"]
    assert "outside the corpus" in problems["zero.md"]
    assert "missing" in problems["dangling.md"]


def test_the_fingerprint_sees_the_same_files_and_opens_none_of_the_special_ones(tmp_path, monkeypatch):
    folder = _corpus(tmp_path, "other.md", "# Other\n\nAnother text.\n")
    _special_files(folder)
    opened: list[str] = []
    real = store.open_regular
    monkeypatch.setattr(store, "open_regular", lambda path: opened.append(Path(path).name) or real(path))
    store.fingerprint(folder, Settings())
    assert sorted(opened) == ["inside.md", "other.md", "valium.md"]
    assert [e.rel for e in folder_entries(folder) if not e.problem] == sorted(opened)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device file needs root")
def test_a_device_file_in_the_folder_is_reported(tmp_path):
    folder = _corpus(tmp_path, "other.md", "# Other\n\nAnother text.\n")
    os.mknod(folder / "null.md", 0o600 | 0o020000, os.makedev(1, 3))  # a character device
    corpus = read_corpus(folder)
    assert any(p.path == "null.md" and "not a regular file" in p.message for p in corpus.problems)


def test_a_huge_sparse_file_is_refused_and_not_hashed(tmp_path, monkeypatch):
    folder = _corpus(tmp_path, "other.md", "# Other\n\nAnother text.\n")
    with open(folder / "sparse.md", "wb") as handle:
        handle.truncate(4 * 2**30)  # 4 GiB, of which nothing is on disk
    hashed: list[str] = []
    real = store.hashlib.file_digest
    monkeypatch.setattr(store.hashlib, "file_digest", lambda f, d: hashed.append(f.name) or real(f, d))
    before = store.fingerprint(folder, Settings())
    assert all("sparse" not in str(name) for name in hashed)
    with open(folder / "sparse.md", "r+b") as handle:
        handle.truncate(4 * 2**30 + 1)
    assert store.fingerprint(folder, Settings()) != before  # a changed size still counts
    corpus = read_corpus(folder)
    assert any(p.path == "sparse.md" and "over the" in p.message for p in corpus.problems)


def test_a_file_name_that_is_not_utf8_is_reported_and_the_rest_loads(tmp_path):
    # The Documents list stopped at it, the chat crashed quoting it, --json was not UTF-8.
    folder = _corpus(tmp_path, "other.md", "# Other\n\nAnother text.\n")
    os.mkdir(os.fsencode(folder) + b"/sub\xff")
    Path(os.fsdecode(os.fsencode(folder) + b"/bad\xfe.md")).write_bytes(b"# Bad\n\nValium text.\n")
    result = _load_in_child(folder)
    assert result["documents"] == ["other.md", "valium.md"]
    problems = {path: message for path, _, message in result["problems"]}
    assert "not valid UTF-8" in problems["bad\ufffd.md"] and "not valid UTF-8" in problems["sub\ufffd"]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--corpus", str(folder), "--json", "valium dose"],
        capture_output=True,
        timeout=DEADLINE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout.decode("utf-8"))  # strict: raises on bytes that are not UTF-8


def test_lone_surrogates_and_bad_bytes_in_a_beir_corpus_are_replaced_and_reported(tmp_path):
    path = tmp_path / "corpus.jsonl"
    lines = [
        b'{"_id": "d1", "title": "Valium", "text": "Diazepam dose is 2 mg."}',
        b'{"_id": "d2", "title": "Bad \\ud800 escape", "text": "Text \\udfff here."}',
        b'{"_id": "d3", "title": "Bytes", "text": "Broken \xff byte."}',
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    corpus = read_corpus(path)
    assert [d.doc_id for d in corpus.documents] == ["d1", "d2", "d3"]
    assert (
        corpus.documents[1].title == "Bad \ufffd escape" and corpus.documents[1].text == "Text \ufffd here."
    )
    assert corpus.documents[2].text == "Broken \ufffd byte."
    assert [p.line for p in corpus.problems] == [2, 3]
    for document in corpus.documents:
        (document.title + document.text).encode("utf-8")  # strict


def test_a_long_title_in_a_beir_corpus_is_cut_with_a_warning(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text(json.dumps({"_id": "d1", "title": "Valium " * 100_000, "text": "Diazepam."}) + "\n")
    corpus = read_corpus(path)
    assert len(corpus.documents[0].title) <= MAX_TITLE_CHARS
    assert [(p.line, p.message) for p in corpus.problems] == [
        (1, f"title cut to {MAX_TITLE_CHARS} characters")
    ]


@pytest.mark.parametrize(
    "body",
    [
        "---\n" + "x: y\n" * 1_000_000,  # unclosed front matter of lines that continue each other
        "# T\n\nText 1.\n\n## References\n\n1. Start\n" + "more words\n" * 400_000,  # one long entry
    ],
    ids=["continued-lines", "reference-entry"],
)
def test_megabytes_of_joined_lines_are_read_in_one_pass(tmp_path, body):
    # Joining a line to the paragraph (or reference) above copied all of it: quadratic.
    folder = _corpus(tmp_path, "joined.md", body)
    result = _load_in_child(folder)
    assert "joined.md" in result["documents"]


def test_a_reference_entry_longer_than_the_cap_is_cut_with_a_warning():
    text = "Text [1].\n\nReferences\n1. Start\n" + "more words\n" * 1_000
    document, problems = parse_document(text, "r.txt")
    assert len(document.references[0].text) <= MAX_FIELD_CHARS
    assert any("entry 1 cut" in p.message for p in problems)


def test_citation_markers_are_capped_per_sentence_and_per_document(tmp_path):
    # 4 MB of sentences citing [1-20, 21-40, ...] made 10 million markers: 24 s and 1 GB.
    ranges = ",".join(f"{a}-{a + 19}" for a in range(1, 980, 20))
    references = "".join(f"{n}. Reference {n}.\n" for n in range(1, 1000))
    document, _ = parse_document(f"Text here [{ranges}].\n" * 1_000 + "\nReferences\n" + references, "m.txt")
    problems: list = []
    passages = list(passage_sentences(document, Settings(), problems=problems))
    counts = [len(markers) for _, sentences in passages for *_, markers in sentences]
    assert max(counts) == MAX_MARKERS_PER_SENTENCE
    assert sum(counts) <= MAX_MARKERS_PER_DOCUMENT
    assert any("lost citation markers" in p.message for p in problems)
    ordinary, _ = parse_document("Text here [1-3, 7].\n\nReferences\n" + references, "o.txt")
    assert [m for _, s in passage_sentences(ordinary, Settings()) for *_, m in s] == [("1", "2", "3", "7")]


def test_punkts_slow_path_is_spent_per_document_then_paragraphs_split_simply():
    paragraph = "a.. " * 20_000  # 40,000 marks, all for the slow path
    document, _ = parse_document("# T\n\n" + "\n\n".join([paragraph] * 5), "s.md")
    problems: list = []
    list(passage_sentences(document, Settings(), problems=problems))
    (warning,) = problems
    assert warning.message.startswith("2 paragraph(s) split at every full stop")
    assert MAX_SLOW_SPLIT_MARKS < 40_000 * 3  # three paragraphs spend the budget


def test_a_document_of_hundreds_of_thousands_of_made_up_words_is_not_read(tmp_path):
    # 470,000 made-up words made every long misspelled question slow for everyone.
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = (
        "s" + letters[n % 26] + letters[n // 26 % 26] + letters[n // 676 % 26] + letters[n // 17576]
        for n in range(200_000)
    )
    folder = _corpus(tmp_path, "words.txt", "Word list\n" + " ".join(words) + ".\n")
    corpus = read_corpus(folder)
    assert [d.path for d in corpus.documents] == ["valium.md"]
    (problem,) = corpus.problems
    assert problem.path == "words.txt" and f"over the {MAX_WORDS_PER_DOCUMENT:,} limit" in problem.message


def test_a_long_document_of_ordinary_words_is_read(tmp_path):
    text = "Diazepam is taken two to four times a day for muscle spasm, as the label says. " * 6_000
    folder = _corpus(tmp_path, "long.txt", "Long Guidance\n" + text + "\n")
    assert "long.txt" in [d.path for d in read_corpus(folder).documents]
