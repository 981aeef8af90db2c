"""Reading: documents, titles, sections, references, markers and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SEED, write_corpus
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot import CorpusNotFoundError, DuplicateDocumentError, EmptyCorpusError, read_corpus
from bot.errors import CorpusFormatError
from bot.read import parse_document, readable_name, split_markers

SEED_SECTIONS = [
    "From the Guidelines",
    "Important Considerations",
    "Alternatives and Risks",
    "Key Takeaways",
    "From the FDA Drug Label",
    "From the Research",
    "Muscle Relaxant Use",
    "Baclofen Use and Abuse",
    "Intrathecal Baclofen Therapy",
]


def test_seed_sections_are_its_heading_lines(seed_corpus):
    corpus = read_corpus(seed_corpus)
    (document,) = corpus.documents
    assert corpus.problems == ()
    assert [s.heading for s in document.sections] == SEED_SECTIONS
    assert document.text == SEED.read_text(encoding="utf-8")
    guidelines = document.sections[0]
    body = document.text[guidelines.start : guidelines.end]
    assert body.startswith("Valium (diazepam) should be used")
    assert body.endswith("as prescribed by a healthcare provider.")


def test_seed_title_is_the_file_name_made_readable(seed_corpus):
    (document,) = read_corpus(seed_corpus).documents
    assert document.doc_id == "valium-diazepam-muscle-spasm"
    assert document.title == "Valium diazepam muscle spasm"
    assert document.references == ()


@pytest.mark.parametrize(
    ("sentence", "quotable", "markers"),
    [
        (
            "which helps reduce muscle tension and spasms 1.",
            "which helps reduce muscle tension and spasms",
            ("1",),
        ),
        ("compared in various studies 3, 4.", "compared in various studies", ("3", "4")),
        ("rather than as the sole therapy. 2", "rather than as the sole therapy.", ("2",)),
        ("confirmed in a pilot study from 1992 6.", "confirmed in a pilot study from 1992", ("6",)),
        (
            "is 2-10 mg taken 2-4 times daily as prescribed.",
            "is 2-10 mg taken 2-4 times daily as prescribed.",
            (),
        ),
        (
            "for short-term use (2-4 weeks) for muscle spasms.",
            "for short-term use (2-4 weeks) for muscle spasms.",
            (),
        ),
        ("A study from 1985 found that both worked.", "A study from 1985 found that both worked.", ()),
        ("It is used in adults [1].", "It is used in adults", ("1",)),
        ("It is used in adults [1, 2].", "It is used in adults", ("1", "2")),
        ("It is used in adults [1-3].", "It is used in adults", ("1", "2", "3")),
        ("It is used in adults (1).", "It is used in adults", ("1",)),
        ("It is used in adults. [4]", "It is used in adults.", ("4",)),
        ("Baclofen [2] helps adults [1].", "Baclofen [2] helps adults", ("2", "1")),
        ("Avoid it in patients aged over 65.", "Avoid it in patients aged over 65.", ()),
        ("Response was measured at week 12.", "Response was measured at week 12.", ()),
        ("The syndrome has no period", "The syndrome has no period", ()),
    ],
    ids=[
        "trailing",
        "two-trailing",
        "after-stop",
        "year-then-marker",
        "doses-and-ranges",
        "duration-in-parens",
        "year-inside",
        "bracket",
        "bracket-list",
        "bracket-range",
        "paren",
        "bracket-after-stop",
        "inner-and-trailing",
        "quantity-over",
        "quantity-week",
        "no-marker",
    ],
)
def test_split_markers(sentence, quotable, markers):
    length, found = split_markers(sentence)
    assert sentence[:length] == quotable
    assert found == markers


def test_bare_numbers_are_markers_only_when_the_references_list_them():
    assert split_markers("The dose rose to 80 mg 12.", frozenset({"1", "2"})) == (26, ())
    length, markers = split_markers("The dose rose 2.", frozenset({"1", "2"}))
    assert markers == ("2",)


@given(
    sentence=st.text(alphabet=st.sampled_from([*"ab19 .,;!?()[]-\t", "\u0663", "\uff11"]), max_size=40),
    known=st.frozensets(st.sampled_from(["1", "2", "9", "19"])),
)
@settings(max_examples=500, deadline=None)
def test_marker_shortcut_agrees_with_the_full_search_around_parentheses(sentence, known):
    """Only a parenthesis after a digit, any digit `\\d` matches, may close a marker."""
    from bot.read import _search_markers

    end = sentence.rstrip()
    end = (end[:-1] if end[-1:] in ".!?" else end).rstrip(" \t")
    assume(end[-1:].isascii())  # bare numbers count as markers in ASCII digits only
    assert split_markers(sentence, known) == _search_markers(sentence.rstrip(), known)


def test_parentheses_after_any_digit_are_markers():
    assert split_markers("A study (\u0663).") == (7, ("\u0663",))
    assert split_markers("Bronchiectasis (kon-JEN-ih-tal).") == (32, ())
    assert split_markers("See the trials (2, 3).") == (14, ("2", "3"))


def test_markdown_front_matter_title_and_headings():
    text = "---\ntitle: Tizanidine notes\nsource: label\nurl: https://example.org\ndate: 2024-01-01\n---\n# Ignored H1\n\nIntro text.\n\n## Dosing\n\nUp to 36 mg per day [1].\n\n## References\n\n1. Agency. Label. 2013.\n"
    document, problems = parse_document(text, "drugs/tizanidine.md")
    assert problems == []
    assert document.doc_id == "drugs/tizanidine"
    assert document.title == "Tizanidine notes"
    assert dict(document.metadata) == {
        "title": "Tizanidine notes",
        "source": "label",
        "url": "https://example.org",
        "date": "2024-01-01",
    }
    assert [s.heading for s in document.sections] == ["Ignored H1", "Dosing"]
    assert [(r.marker, r.text) for r in document.references] == [("1", "Agency. Label. 2013.")]
    dosing = document.sections[1]
    assert document.text[dosing.start : dosing.end] == "Up to 36 mg per day [1]."


def test_markdown_title_falls_back_to_h1_then_file_name():
    with_h1, _ = parse_document("# Baclofen Guide\n\nText here.\n", "a.md")
    without, _ = parse_document("Text here without heading.\n", "muscle_relaxant-notes.md")
    assert with_h1.title == "Baclofen Guide"
    assert without.title == "Muscle relaxant notes"
    assert without.sections[0].heading == "Muscle relaxant notes"


def test_references_continuation_and_unnumbered_entry_problem():
    text = "Body\nSome text 1.\nReferences\nUnnumbered entry here\n1. First author.\n   continued title. 2001.\n[2] Second. 2002.\n"
    document, problems = parse_document(text, "r.txt")
    assert [(r.marker, r.text) for r in document.references] == [
        ("1", "First author. continued title. 2001."),
        ("2", "Second. 2002."),
    ]
    assert [str(p) for p in problems] == [
        "r.txt:4: References: entry has no number (write '1. Author. Title. Year.')"
    ]


def test_front_matter_problems_name_the_line():
    document, problems = parse_document("---\ntitle: T\nnot a field\ncolour: red\n---\nBody text.\n", "f.md")
    assert document.title == "T"
    assert "f.md:3: front matter: expected 'key: value'" in str(problems[0])
    assert "unknown field(s) colour" in str(problems[1])


def test_crlf_and_bom_are_normalized(tmp_path):
    (tmp_path / "w.txt").write_bytes(b"\xef\xbb\xbfFrom the Guidelines\r\nBaclofen helps 1.\r\n")
    (document,) = read_corpus(tmp_path).documents
    assert document.text == "From the Guidelines\nBaclofen helps 1.\n"
    assert document.sections[0].heading == "From the Guidelines"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty.txt: empty file, nothing to read"),
        ("blank.md", b"  \n\n", "blank.md: empty file, nothing to read"),
        (
            "latin1.txt",
            b"Line one.\nCaf\xe9 au lait.\n",
            "latin1.txt:2: not UTF-8 (byte 0xe9); save the file as UTF-8 to include it",
        ),
        (
            "image.md",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00",
            "image.md: binary file (holds NUL bytes), not a text document",
        ),
        ("notes.pdf", b"%PDF-1.4", "notes.pdf: not a .txt or .md file, skipped"),
    ],
    ids=["empty", "blank", "not-utf8", "binary", "other-suffix"],
)
def test_bad_files_warn_and_the_rest_still_loads(tmp_path, name, content, message):
    write_corpus(tmp_path, {"good.txt": "From the Guidelines\nBaclofen helps spasticity 1.\n"})
    (tmp_path / name).write_bytes(content)
    corpus = read_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["good"]
    assert [str(p) for p in corpus.problems] == [message]


def test_folder_is_read_recursively_hidden_and_question_files_ignored(tmp_path):
    write_corpus(
        tmp_path,
        {
            "a.txt": "Alpha text here.\n",
            "sub/deeper/b.md": "# B\n\nBeta text here.\n",
            ".hidden/c.txt": "Hidden text.\n",
            "questions.jsonl": "{}\n",
        },
    )
    corpus = read_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["a", "sub/deeper/b"]
    assert corpus.problems == ()


def test_symlink_outside_the_corpus_is_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("Secret text.\n")
    folder = write_corpus(tmp_path / "corpus", {"a.txt": "Alpha text here.\n"})
    (folder / "link.txt").symlink_to(outside)
    corpus = read_corpus(folder)
    assert [d.doc_id for d in corpus.documents] == ["a"]
    assert [str(p) for p in corpus.problems] == [
        "link.txt: symbolic link to outside the corpus, not followed"
    ]


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(CorpusNotFoundError, match="nope: no such corpus folder or file"):
        read_corpus(tmp_path / "nope")


def test_empty_corpus_is_an_error_naming_the_folder(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(
        EmptyCorpusError, match=r"empty corpus: no \.txt or \.md document could be read \(1 problem"
    ):
        read_corpus(tmp_path)


def test_duplicate_ids_are_an_error(tmp_path):
    write_corpus(tmp_path, {"valium.txt": "One text.\n", "valium.md": "Other text.\n"})
    with pytest.raises(
        DuplicateDocumentError, match="valium.txt: document id 'valium' is already used by valium.md"
    ):
        read_corpus(tmp_path)


def test_beir_corpus(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text(
        json.dumps({"_id": "d1", "title": "Gout", "text": "Gout is arthritis."})
        + "\n"
        + json.dumps({"_id": "d2", "title": "", "text": "   "})
        + "\n"
    )
    corpus = read_corpus(path)
    assert [(d.doc_id, d.title, d.text) for d in corpus.documents] == [("d1", "Gout", "Gout is arthritis.")]
    assert [str(p) for p in corpus.problems] == ["corpus.jsonl:2: document 'd2' has no text"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"corpus.jsonl:1: json: Expecting property name"),
        ('["a"]', r"corpus.jsonl:1: line: expected a JSON object"),
        ('{"title": "x", "text": "y"}', r'corpus.jsonl:1: "_id": missing or not a string'),
    ],
    ids=["not-json", "not-object", "no-id"],
)
def test_beir_bad_lines_name_the_line(tmp_path, line, message):
    path = tmp_path / "corpus.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(CorpusFormatError, match=message):
        read_corpus(path)


def test_reading_a_beir_corpus_leaves_the_cycle_collector_as_it_found_it(tmp_path):
    import gc

    good, bad = tmp_path / "corpus.jsonl", tmp_path / "bad" / "corpus.jsonl"
    good.write_text(json.dumps({"_id": "d1", "title": "Gout", "text": "Gout is arthritis."}) + "\n")
    bad.parent.mkdir()
    bad.write_text(good.read_text() + "{not json\n")
    assert gc.isenabled()
    assert len(read_corpus(good).documents) == 1 and gc.isenabled()
    with pytest.raises(CorpusFormatError, match="corpus.jsonl:2: json"):
        read_corpus(bad)
    assert gc.isenabled()  # turned back on after an error too
    gc.disable()
    try:
        assert len(read_corpus(good).documents) == 1 and not gc.isenabled()
    finally:
        gc.enable()


def _loads_or_error(load, line):
    try:
        return load(line)
    except json.JSONDecodeError as err:
        return ("error", err.msg, err.pos)


@given(
    line=st.sampled_from(['{"_id": "a", "text": "b"}', "[1, 2]", '"s"', "3", "{}", ""])
    .flatmap(
        lambda value: st.tuples(
            st.sampled_from(["", " ", "\t", "\n", "\x0b", "\u2028"]),
            st.just(value),
            st.sampled_from(["", "\n", " \n", "\r\n", "\x0b\n", " x", ", {}", "}"]),
        )
    )
    .map("".join)
    | st.text(alphabet=st.sampled_from('{}[]":, \t\nab1\\'), max_size=20)
)
@settings(max_examples=400, deadline=None)
def test_a_corpus_line_decodes_as_json_loads_decodes_it(line):
    from bot.read import _json_line

    assert _loads_or_error(_json_line, line) == _loads_or_error(json.loads, line)


def test_beir_duplicate_ids_name_the_first_two_lines(tmp_path):
    path = tmp_path / "corpus.jsonl"
    records = [("a", "One."), ("b", "Two."), ("c", "Three."), ("b", "Again."), ("a", "Again.")]
    path.write_text("".join(json.dumps({"_id": i, "text": t}) + "\n" for i, t in records))
    with pytest.raises(DuplicateDocumentError, match="corpus.jsonl:4: document id 'b' .* corpus.jsonl:2"):
        read_corpus(path)


def test_readable_name():
    assert readable_name("dir/valium-diazepam_muscle.txt") == "Valium diazepam muscle"


def test_single_file_corpus(tmp_path: Path):
    path = tmp_path / "one.txt"
    path.write_text("From the Guidelines\nBaclofen helps 1.\n")
    assert [d.doc_id for d in read_corpus(path).documents] == ["one"]


def test_headings_only_file_is_a_warning(tmp_path):
    # Regression: a file of headings alone was read as a document with no passage.
    write_corpus(tmp_path, {"only.md": "# Only\n\n## Headings\n", "good.txt": "Good text here.\n"})
    corpus = read_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["good"]
    assert [str(p) for p in corpus.problems] == ["only.md: no text outside headings and references"]


def test_quantity_words_before_a_final_number():
    # Regression: "item 1." at the end of a sentence was read as citation 1.
    assert split_markers("The guide covers routine item 1.", frozenset({"1"})) == (32, ())


@pytest.mark.parametrize(
    ("sentence", "quotable", "markers"),
    [
        (
            "The usual dose is one caplet three or four times a day 1.",
            "The usual dose is one caplet three or four times a day",
            ("1",),
        ),
        (
            "Drowsiness was less frequent at 5 mg per dose 1.",
            "Drowsiness was less frequent at 5 mg per dose",
            ("1",),
        ),
        ("Toxicity followed the recommended dose 2.", "Toxicity followed the recommended dose", ("2",)),
        ("Response was measured on day 2.", "Response was measured on day 2.", ()),
        ("Take the second dose 1.", "Take the second dose 1.", ()),
    ],
    ids=["a-day", "per-dose", "recommended-dose", "on-day-2", "numbered-dose"],
)
def test_a_noun_that_is_not_numbered_leaves_the_number_a_marker(sentence, quotable, markers):
    # Regression: "...three or four times a day 1." quoted the citation number inside the quote.
    length, found = split_markers(sentence, frozenset({"1", "2"}))
    assert sentence[:length] == quotable
    assert found == markers
