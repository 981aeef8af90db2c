"""The documents page, driven in-process with Streamlit's AppTest over temporary corpora:
the list and its filter, a document opened at a passage, and uploads."""

from __future__ import annotations

import types
from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from ui_fixtures import DOCUMENTS, EXTRAS, IMAGE, LINK, SCRIPT, write_documents

from bot import load, present
from bot.table import PassageTable

UI = Path(__file__).resolve().parent.parent / "ui"
APP = str(UI / "app.py")
PAGE = "pages/1_Documents.py"
NEW_DOCUMENT = (
    b"# Rhubarb compost\n\n"
    b"## Timing\n\n"
    b"- Rhubarb leaves take about six months to compost fully [1].\n\n"
    b"## References\n\n1. Garden F. Compost notes. 2019.\n"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_documents(tmp_path_factory.mktemp("documents") / "corpus")


def open_page(monkeypatch: pytest.MonkeyPatch, corpus: Path, **query: str) -> AppTest:
    monkeypatch.setenv("CITEBOT_CORPUS", str(corpus))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page(PAGE)
    at.query_params.update(query)
    at.run()
    assert not at.exception
    return at


def listed(at: AppTest) -> list[str]:
    return [link.value for link in at.main.get("page_link")]


def upload(at: AppTest, name: str, data: bytes, mime: str = "text/markdown") -> AppTest:
    at.file_uploader[0].set_value((name, data, mime))
    at.button[0].click()  # the form's "Add to the corpus"
    at.run()
    assert not at.exception
    return at


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_list_shows_every_document_with_its_file_sections_and_passages(monkeypatch, corpus):
    at = open_page(monkeypatch, corpus)
    assert at.title[0].value == "Documents"
    assert listed(at) == [
        present.escape_markdown(t)
        for t in (
            "Baclofen for spasticity",
            "Heat wraps for back pain",
            f"Zanzibar {IMAGE} {EXTRAS}",
            "Tizanidine",
        )
    ]
    baclofen = at.main.get("page_link")[0]
    assert baclofen.proto.query_string == "doc=baclofen"
    summary = at.main.get("html")[0].value
    assert "baclofen.md \u00b7 3 passages \u00b7 3 sections: Dosing, Side Effects, Children" in summary


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("zanzibar", [f"Zanzibar {IMAGE} {EXTRAS}"]),
        ("SIDE effects", ["Baclofen for spasticity"]),
        ("heat.md", ["Heat wraps for back pain"]),
        ("tizanidine warnings", ["Tizanidine"]),
    ],
    ids=["title", "section", "file", "two-words"],
)
def test_filter_box_narrows_the_list(monkeypatch, corpus, text, titles):
    at = open_page(monkeypatch, corpus)
    at.text_input[0].set_value(text).run()
    assert listed(at) == [present.escape_markdown(t) for t in titles]


def test_filter_without_match_says_so(monkeypatch, corpus):
    at = open_page(monkeypatch, corpus)
    at.text_input[0].set_value("rhubarb").run()
    assert listed(at) == []
    assert at.info[0].value == "No document matches the filter."


def test_open_in_document_marks_the_passage_and_scrolls_to_it(monkeypatch, corpus):
    monkeypatch.setenv("CITEBOT_CORPUS", str(corpus))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.chat_input[0].set_value("What is the most common side effect of baclofen?").run()
    link = at.expander[0].get("page_link")[0]
    at.switch_page(PAGE)
    at.query_params.update(dict(pair.split("=") for pair in link.proto.query_string.split("&")))
    at.query_params["passage"] = at.query_params["passage"].replace("%23", "#")
    at.run()
    header, body, script = (h.value for h in at.get("html") if "<style>" not in h.value)
    assert "<h2>Baclofen for spasticity</h2>" in header
    anchor = present.passage_anchor("baclofen#2")
    assert f'<mark class="cb-passage" id="{anchor}">Drowsiness is the most common side effect' in body
    assert "<h3>Children</h3>" in body
    assert "<h3>References</h3>" in body and "Agency A. Baclofen tablets label. 2021." in body
    assert anchor in script and at.get("html")[2].proto.unsafe_allow_javascript
    # The chat is still there when the reader goes back.
    at.switch_page("app.py").run()
    assert len(at.chat_message) == 2


def test_document_without_passage_shows_all_its_text_and_no_mark(monkeypatch, corpus):
    at = open_page(monkeypatch, corpus, doc="tizanidine")
    bodies = [h.value for h in at.get("html") if "<style>" not in h.value]
    assert any("The maximum daily amount of tizanidine is 36 mg 2." in b for b in bodies)
    assert not any("cb-passage" in b or "<script" in b for b in bodies)


def test_unknown_document_or_passage_is_reported(monkeypatch, corpus):
    at = open_page(monkeypatch, corpus, doc="valium")
    assert "No document with the id \u201cvalium\u201d" in at.warning[0].value
    at = open_page(monkeypatch, corpus, doc="baclofen", passage="tizanidine#1")
    assert "has no passage \u201ctizanidine\\#1\u201d" in at.warning[0].value
    assert any("<h2>Baclofen for spasticity</h2>" in h.value for h in at.get("html"))


def test_all_documents_button_goes_back_to_the_list(monkeypatch, corpus):
    at = open_page(monkeypatch, corpus, doc="heat")
    at.button[0].click().run()
    assert at.query_params == {}
    assert len(listed(at)) == len(DOCUMENTS)


def test_hostile_document_shows_as_text(monkeypatch, corpus):
    at = open_page(monkeypatch, corpus, doc="hostile")
    page = "".join(h.value for h in at.get("html"))
    for typed in (SCRIPT, IMAGE, LINK, EXTRAS, "<b>Bold</b>"):
        assert present.escape_html(typed) in page
    assert "<script" not in page.replace(present.scroll_script("x"), "")
    assert "<img" not in page and "<b>" not in page


def test_upload_adds_a_document_that_can_be_asked_at_once(monkeypatch, tmp_path):
    folder = write_documents(tmp_path / "corpus")
    at = upload(open_page(monkeypatch, folder), "rhubarb.md", NEW_DOCUMENT)
    assert "Added \u201cRhubarb compost\u201d (1 passages)" in at.success[0].value
    assert (folder / "uploads" / "rhubarb.md").read_bytes() == NEW_DOCUMENT
    assert present.escape_markdown("Rhubarb compost") in listed(at)
    at.switch_page("app.py").run()
    at.chat_input[0].set_value("How long do rhubarb leaves take to compost?").run()
    answer = [m for m in at.chat_message if m.name == "assistant"][0].get("html")[0].value
    assert "Rhubarb leaves take about six months to compost fully" in answer
    assert "Garden F. Compost notes. 2019." in answer


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("latin1.txt", "Caf\xe9 au lait.\n".encode("latin-1"), "latin1.txt:1: not UTF-8 (byte 0xe9)"),
        ("baclofen.md", NEW_DOCUMENT, "baclofen.md: a file of this name is already in the corpus"),
        ("empty.md", b" \n", "empty.md: the file is empty"),
        (".hidden.md", NEW_DOCUMENT, ".hidden.md: hidden file names"),
        ("headings.md", b"# Only\n\n## Headings\n", "headings.md: no text outside headings"),
    ],
    ids=["not-utf8", "existing-name", "empty", "hidden", "no-text"],
)
def test_rejected_upload_says_why_and_changes_nothing(monkeypatch, tmp_path, name, data, message):
    folder = write_documents(tmp_path / "corpus")
    before = files(folder)
    at = upload(open_page(monkeypatch, folder), name, data)
    assert at.error[0].value.startswith("Not added: ")
    assert present.escape_markdown(message) in at.error[0].value
    assert files(folder) == before
    assert len(listed(at)) == len(DOCUMENTS)


def test_upload_without_a_file_asks_for_one(monkeypatch, tmp_path):
    folder = write_documents(tmp_path / "corpus")
    at = open_page(monkeypatch, folder)
    at.button[0].click().run()
    assert at.warning[0].value == "Choose a file first."


def test_single_file_corpus_takes_no_uploads(monkeypatch, tmp_path):
    folder = write_documents(tmp_path / "corpus")
    at = open_page(monkeypatch, folder / "heat.md")
    assert len(at.file_uploader) == 0
    assert "only to a corpus folder" in at.info[0].value


@pytest.fixture(scope="module")
def common():
    """The pages' shared module, imported as the pages import it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(UI))
        import common

        yield common


@pytest.fixture(scope="module")
def bots(tmp_path_factory: pytest.TempPathFactory):
    """The same corpus built, read from the cache, and as a plain tuple of passages."""
    # "a#b" holds the "#" that separates a passage's number from its document's id.
    documents = {**DOCUMENTS, "a#b.md": "# Hash notes\n\nA file with a hash in its name.\n"}
    folder = write_documents(tmp_path_factory.mktemp("lookups") / "corpus", documents)
    built, cached = load(folder), load(folder)
    assert cached.from_cache
    assert isinstance(built.passages, PassageTable) and isinstance(cached.passages, PassageTable)
    return {"built": built, "cached": cached, "tuple": types.SimpleNamespace(passages=tuple(built.passages))}


@pytest.mark.parametrize("kind", ["built", "cached", "tuple"])
def test_passage_lookups_agree_with_reading_every_passage(common, bots, kind):
    bot = bots[kind]
    passages = list(bots["built"].passages)
    assert "a#b#1" in {p.passage_id for p in passages}
    expected = Counter(p.doc_id for p in passages)
    assert common.passage_counts(bot) == expected
    for doc_id, count in expected.items():
        assert common.passage_count(bot, doc_id) == count
    assert common.passage_count(bot, "nowhere") == 0
    for passage in passages:
        assert common.find_passage(bot, passage.passage_id) == passage
    for unknown in ("baclofen#99", "nowhere#1", "baclofen", "a#b", "#1", ""):
        assert common.find_passage(bot, unknown) is None
