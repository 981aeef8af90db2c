"""Hostile text: whatever a document or a question holds, nothing crashes and offsets stay true."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import CitebotError, Settings, ask, build
from bot.analysis import analyze, sentence_spans
from bot.chunk import chunk_document
from bot.read import parse_document, read_corpus, split_markers
from bot.records import Corpus

_PIECES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "\r\n",
            "\r",
            "\u2028",
            "\u2029",
            "\ufeff",
            "\x00",
            "\n\n",
            "- ",
            "* ",
            "1. ",
            "> ",
            "# ",
            "###### ",
            "## References\n",
            "References\n",
            "From the Guidelines\n",
            "---\n",
            "title: x\n",
            " 1.",
            " 3, 4.",
            ". 2",
            " [1-3]",
            " (2)",
            "[",
            "]",
            "(",
            ")",
            "2-10 mg",
            "(2-4 weeks)",
            "from 1992 6.",
            "e.g.",
            "Dr.",
            "2.5",
            "$x$",
            ":red[x]",
            "<script>alert(1)</script>",
            "[x](javascript:alert(1))",
            "\u0301",
            "\U0001f600",
        ]
    ),
)
_DOCUMENTS = st.lists(_PIECES, max_size=40).map("".join)


def _check_document(text: str, name: str, chosen: Settings) -> None:
    try:
        document, _ = parse_document(text, name)
    except CitebotError:
        return
    for section in document.sections:
        assert 0 <= section.start <= section.end <= len(document.text)
    for passage in chunk_document(document, chosen):
        assert document.text[passage.start : passage.end] == passage.text
        section = [
            s
            for s in document.sections
            if s.heading == passage.section and s.start <= passage.start and passage.end <= s.end
        ]
        assert section, "a passage crossed its section"
        for sentence in passage.sentences:
            assert passage.start <= sentence.start < sentence.end <= passage.end


@given(text=_DOCUMENTS, markdown=st.booleans(), size=st.integers(10, 300))
@settings(max_examples=400, deadline=None)
def test_any_document_parses_and_chunks_inside_its_sections(text, markdown, size):
    _check_document(text, "any.md" if markdown else "any.txt", Settings(passage_words=size))


@given(text=st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_analyzer_and_sentence_splitter_take_any_text(text):
    assert all(isinstance(t, str) and t for t in analyze(text, Settings()))
    for start, end in sentence_spans(text):
        assert 0 <= start < end <= len(text)


@given(sentence=st.text(max_size=120), known=st.frozensets(st.sampled_from(["1", "2", "3", "10"])))
@settings(max_examples=300, deadline=None)
def test_split_markers_returns_a_prefix(sentence, known):
    length, markers = split_markers(sentence, known)
    assert 0 <= length <= len(sentence)
    assert all(m.isdigit() for m in markers)


@pytest.fixture(scope="module")
def hostile_bot():
    texts = {
        "crlf.txt": "From the Guidelines\r\nBaclofen helps spasticity 1.\r\nReferences\r\n1. A. B. 2001.\r\n",
        "cr.txt": "Key Takeaways\rTizanidine can injure the liver 2.\rDoses rise slowly.\r",
        "separators.md": "# Notes\u2028\n\nDantrolene\u2029treats hyperthermia [1].\n",
        "html.md": "# <script>alert(1)</script>\n\n<img src=x onerror=alert(1)> Diazepam relaxes muscle [1].\n",
        "nested.md": "\n".join(">" * 50 + " - " * 20 + f"level text {i}." for i in range(30)),
        "many-headings.md": "\n".join(f"## Heading {i}\nSection text {i} about spasm." for i in range(2000)),
        "markers.txt": "From the Research\n" + " ".join(f"Number {i} 1, 2, 3." for i in range(500)) + "\n",
    }
    documents = tuple(parse_document(text, name)[0] for name, text in texts.items())
    return build(Corpus("hostile", documents), Settings())


@given(question=st.text(max_size=400))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_question_on_hostile_documents_gets_an_answer_or_an_abstention(hostile_bot, question):
    answer, _ = ask(hostile_bot, question)
    assert answer.abstained or answer.quotes
    for quote in answer.quotes:
        assert hostile_bot.documents[quote.doc_id].text[quote.start : quote.end] == quote.text


def test_questions_up_to_the_limit_are_answered(hostile_bot):
    for question in ["spasm " * 333, "\U0001f600" * 2000, "\x00" * 2000, "liver?" * 333]:
        answer, _ = ask(hostile_bot, question[:2000])
        assert answer.abstained or answer.quotes


# Regression: trailing-marker patterns anchored at the end were searched from every position,
# so a long run of "1, 1, 1" or "[1[1[1" took quadratic time.
@pytest.mark.parametrize(
    "text",
    [("1, " * 100_000) + "2.", "[1" * 150_000, "(" * 200_000 + "1" + ")" * 200_000, "word " * 200_000],
    ids=["numbers", "brackets", "parentheses", "one-long-line"],
)
def test_huge_marker_like_lines_are_read(text):
    document, _ = parse_document(text, "huge.txt")
    passages = chunk_document(document, Settings())
    assert passages and all(document.text[p.start : p.end] == p.text for p in passages)


def test_byte_order_marks_and_nul_bytes(tmp_path):
    (tmp_path / "utf16.txt").write_bytes("From the Guidelines\nBaclofen helps 1.\n".encode("utf-16"))
    (tmp_path / "bom.md").write_bytes(b"\xef\xbb\xbf# Title\n\nText here.\n")
    (tmp_path / "nul.txt").write_bytes(b"Text\x00with a NUL byte.\n")
    corpus = read_corpus(tmp_path)
    assert sorted(d.doc_id for d in corpus.documents) == ["bom", "utf16"]
    assert [str(p) for p in corpus.problems] == [
        "nul.txt: binary file (holds NUL bytes), not a text document"
    ]
    assert corpus.documents[0].title == "Title"


def test_file_over_the_size_limit_is_a_warning(tmp_path, monkeypatch):
    import bot.read

    monkeypatch.setattr(bot.read, "MAX_FILE_BYTES", 1024)
    (tmp_path / "big.txt").write_text("word " * 1000)
    (tmp_path / "small.txt").write_text("Small text.\n")
    corpus = read_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["small"]
    assert [str(p) for p in corpus.problems] == ["big.txt: file of 5000 bytes is over the 1024 bytes limit"]


@given(
    sentence=st.text(alphabet=st.sampled_from(list("ab1209 .,;!?[]()-\u2013\t\n\"'")), max_size=60)
    | st.text(max_size=60),
    known=st.frozensets(st.sampled_from(["1", "2", "3", "10"])),
)
@settings(max_examples=500, deadline=None)
def test_split_markers_shortcut_agrees_with_the_full_search(sentence, known):
    from bot.read import _search_markers

    assert split_markers(sentence, known) == _search_markers(sentence.rstrip(), known)
