"""The chat page, driven in-process with Streamlit's AppTest over temporary corpora."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from ui_fixtures import DOCUMENTS, EXTRAS, IMAGE, SCRIPT, write_documents

from bot import load, pipeline, present
from bot.query import MAX_QUESTION_CHARS

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
DOSE = "What is the usual starting dose of baclofen?"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_documents(tmp_path_factory.mktemp("chat") / "corpus")


def start(monkeypatch: pytest.MonkeyPatch, corpus: Path) -> AppTest:
    monkeypatch.setenv("CITEBOT_CORPUS", str(corpus))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception
    return at


def replies(at: AppTest) -> list[str]:
    """Return the answer HTML of each assistant message, oldest first."""
    return [m.get("html")[0].value for m in at.chat_message if m.name == "assistant"]


def sources(at: AppTest) -> list[str]:
    """Return the HTML of the passages listed under the last answer."""
    last = [m for m in at.chat_message if m.name == "assistant"][-1]
    return [h.value for h in last.get("html")[1:]]


def test_question_shows_the_quote_with_its_citation_and_where_it_comes_from(monkeypatch, corpus):
    at = ask(start(monkeypatch, corpus), DOSE)
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert at.chat_message[0].markdown[0].value == present.escape_markdown(DOSE)
    answer = replies(at)[0]
    assert (
        '<blockquote class="cb-quote"><p>\u201cThe usual starting dose of baclofen is 5 mg three times a day\u201d'
        in answer
    )
    assert ">[1]</span>" in answer
    assert '<div class="cb-where">Baclofen for spasticity \u203a Dosing</div>' in answer
    assert "Agency A. Baclofen tablets label. 2021." in answer


def test_sources_list_ranked_passages_with_the_quote_marked_and_open_in_document(monkeypatch, corpus):
    at = ask(start(monkeypatch, corpus), DOSE)
    assert at.expander[0].label == "Sources (5)"
    first = sources(at)[0]
    assert "1. <strong>Baclofen for spasticity</strong> \u203a Dosing" in first
    assert '<mark class="cb-hl">The usual starting dose of baclofen is 5 mg three times a day</mark>' in first
    assert "score " not in first and "baclofen#" not in first  # for tuning only, off by default
    assert "Agency A. Baclofen tablets label. 2021." in first
    links = at.expander[0].get("page_link")
    assert len(links) == 5
    assert links[0].value == "open in document"
    assert links[0].proto.page.endswith("Documents")
    assert links[0].proto.query_string == "doc=baclofen&passage=baclofen%231"


def test_follow_up_uses_the_conversation(monkeypatch, corpus):
    at = ask(ask(start(monkeypatch, corpus), DOSE), "and for children?")
    follow_up = replies(at)[1]
    assert "Safety in children under twelve years has not been established" in follow_up
    assert "Understood as: and for children? (+ " in follow_up
    assert "baclofen" in follow_up.split("Understood as:")[1].split("</p>")[0]
    assert [t.question for t in at.session_state.conversation.turns] == [DOSE, "and for children?"]


def test_abstention_has_its_own_look_with_the_missing_words_and_related_passages(monkeypatch, corpus):
    at = ask(start(monkeypatch, corpus), "Does baclofen cure quantum chromodynamics?")
    answer = replies(at)[0]
    assert '<div class="cb-abstain" role="note">' in answer
    assert present.escape_html("The documents don't answer this") in answer
    assert '<span class="cb-missing">\u201cchromodynamics\u201d</span>' in answer
    assert "Possibly related passages (see below):" in answer
    assert "cb-quote" not in answer
    assert "Baclofen for spasticity \u203a Side Effects" in answer
    assert at.expander[0].label == "Possibly related passages (3)"


def test_vague_question_gets_the_prompt_and_no_sources(monkeypatch, corpus):
    at = ask(start(monkeypatch, corpus), "what?")
    assert 'class="cb-prompt"' in replies(at)[0]
    assert len(at.expander) == 0


def test_spelling_corrections_are_shown(monkeypatch, corpus):
    at = ask(start(monkeypatch, corpus), "What is the usual starting dose of baclofan?")
    answer = replies(at)[0]
    assert "Spelling: \u201cbaclofan\u201d \u2192 \u201cbaclofen\u201d" in answer
    assert "The usual starting dose of baclofen" in answer


def test_settings_choose_how_many_passages_and_whether_scores_show(monkeypatch, corpus):
    at = start(monkeypatch, corpus)
    at.number_input(key="top_k_input").set_value(2).run()
    ask(at, DOSE)
    assert at.expander[0].label == "Sources (2)"
    assert sources(at) and not any("score " in h for h in sources(at))
    at.toggle(key="show_scores_input").set_value(True).run()
    assert all("score " in h and "baclofen#" in h for h in sources(at))


def test_new_chat_clears_the_history(monkeypatch, corpus):
    at = ask(start(monkeypatch, corpus), DOSE)
    assert not at.download_button[0].proto.disabled
    at.sidebar.button[0].click().run()
    assert len(at.chat_message) == 0
    assert at.session_state.conversation.turns == ()
    assert at.download_button[0].proto.disabled


def test_history_is_kept_per_browser_session(monkeypatch, corpus):
    first = ask(start(monkeypatch, corpus), DOSE)
    second = start(monkeypatch, corpus)
    assert len(first.chat_message) == 2
    assert len(second.chat_message) == 0


def test_notice_says_answers_are_quotes_not_advice(monkeypatch, corpus):
    at = start(monkeypatch, corpus)
    assert present.NOT_ADVICE in at.main.caption[0].value


def test_hostile_document_and_question_are_escaped(monkeypatch, corpus):
    question = f"What does the zanzibar protocol write? {EXTRAS} {IMAGE}"
    at = ask(start(monkeypatch, corpus), question)
    assert at.chat_message[0].markdown[0].value == present.escape_markdown(question)
    shown = replies(at) + sources(at)
    assert any(present.escape_html(SCRIPT) in body for body in shown)
    assert any(present.escape_html(IMAGE) in body for body in shown)
    for body in shown:
        assert "<script" not in body and "<img" not in body


def test_sidebar_shows_the_corpus_and_its_loading_warnings(monkeypatch, tmp_path):
    folder = write_documents(tmp_path / "corpus")
    (folder / "latin1.txt").write_bytes("Caf\xe9 <b>au</b> lait\n".encode("latin-1"))
    at = start(monkeypatch, folder)
    assert at.sidebar.markdown[0].value == "**4** documents \u00b7 **8** passages"
    assert at.sidebar.expander[0].label == "Loading warnings (1)"
    warning = at.sidebar.expander[0].get("html")[0].value
    assert "latin1.txt:1: not UTF-8 (byte 0xe9)" in warning


def test_first_run_reads_the_index_cache_that_make_run_built(monkeypatch, tmp_path):
    folder = write_documents(tmp_path / "corpus")
    load(folder)  # what `bot index` does before the server starts
    at = start(monkeypatch, folder)
    assert any("read from the index cache" in c.value for c in at.sidebar.caption)


def test_sessions_share_one_loaded_corpus_until_a_file_changes(monkeypatch, tmp_path):
    folder = write_documents(tmp_path / "corpus")
    loads = []
    real = pipeline.load

    def counted(*args, **kwargs):
        loads.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "load", counted)
    ask(start(monkeypatch, folder), DOSE)
    ask(start(monkeypatch, folder), DOSE)
    assert len(loads) == 1
    (folder / "heat.md").write_text(DOCUMENTS["heat.md"] + "\nHeat also eases stiffness.\n", encoding="utf-8")
    start(monkeypatch, folder)
    start(monkeypatch, folder)
    assert len(loads) == 2


def test_a_new_file_in_the_corpus_is_picked_up_without_restarting(monkeypatch, tmp_path):
    folder = write_documents(tmp_path / "corpus")
    at = ask(start(monkeypatch, folder), "How long do rhubarb leaves take to compost?")
    assert "cb-abstain" in replies(at)[0]
    (folder / "rhubarb.txt").write_text(
        "Rhubarb Compost\nRhubarb leaves take about six months to compost fully.\n", encoding="utf-8"
    )
    # The question asked meanwhile is answered at once, from the documents as they were, saying so.
    ask(at, "How long do rhubarb leaves take to compost?")
    assert "cb-abstain" in replies(at)[1]
    assert any("The documents changed" in c.value for c in at.caption)
    common = sys.modules["common"]  # the pages' own module, as Streamlit imported it
    deadline = time.monotonic() + 60
    while common.rebuilding() and time.monotonic() < deadline:
        time.sleep(0.05)
    ask(at, "How long do rhubarb leaves take to compost?")
    assert "Rhubarb leaves take about six months to compost fully" in replies(at)[2]
    assert at.sidebar.markdown[0].value.startswith("**5** documents")
    assert not any("The documents changed" in c.value for c in at.caption)


def test_question_over_the_limit_shows_an_error_and_keeps_the_history(monkeypatch, corpus):
    at = ask(start(monkeypatch, corpus), DOSE)
    ask(at, "dose " * (MAX_QUESTION_CHARS // 4))
    assert "over the limit" in at.error[0].value
    assert len(at.session_state.conversation.turns) == 1


def test_missing_corpus_is_reported_and_questions_get_no_answer(monkeypatch, tmp_path):
    # The chat box is shown before the corpus is loaded (see app.py), so it is there; asking
    # says again why there is nothing to answer from.
    monkeypatch.setenv("CITEBOT_CORPUS", str(tmp_path / "nowhere"))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert "no such corpus folder or file" in at.error[0].value
    at.chat_input[0].set_value(DOSE).run()
    assert not at.exception
    assert "no such corpus folder or file" in at.error[0].value
    assert len(at.chat_message) == 0
    assert "conversation" not in at.session_state


def test_missing_corpus_created_later_is_answered_from(monkeypatch, tmp_path):
    folder = tmp_path / "corpus"
    monkeypatch.setenv("CITEBOT_CORPUS", str(folder))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert "no such corpus folder or file" in at.error[0].value
    write_documents(folder)
    ask(at, DOSE)
    assert not at.error
    assert "The usual starting dose of baclofen is 5 mg three times a day" in replies(at)[0]


def test_small_corpus_documents_are_all_listed(monkeypatch, corpus):
    # Guards the fixture: every test document is read, none with a problem.
    at = start(monkeypatch, corpus)
    assert at.sidebar.markdown[0].value.startswith(f"**{len(DOCUMENTS)}** documents")
    assert len(at.sidebar.expander) == 0


def test_settings_survive_a_visit_to_the_documents_page(monkeypatch, corpus):
    at = start(monkeypatch, corpus)
    at.number_input(key="top_k_input").set_value(3).run()
    at.toggle(key="show_scores_input").set_value(True).run()
    at.switch_page("pages/1_Documents.py").run()
    at.switch_page("app.py").run()
    assert at.number_input(key="top_k_input").value == 3
    assert at.toggle(key="show_scores_input").value is True


def test_a_vague_question_offers_the_documents_and_a_pick_answers_from_one(monkeypatch, corpus):
    at = ask(start(monkeypatch, corpus), "what dose should i take?")
    answer = replies(at)[0]
    assert '<div class="cb-prompt">Which medicine or topic do you mean?' in answer
    picks = [b for b in at.button if b.label == "Baclofen for spasticity"]
    assert picks, [b.label for b in at.button]
    picks[0].click().run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    assert "5 mg three times a day" in replies(at)[1]
    assert (
        "Understood as: what dose should i take? (in \u201cBaclofen for spasticity\u201d)" in replies(at)[1]
    )


def test_the_first_screen_offers_questions_from_the_corpus_that_answer_when_clicked(monkeypatch, tmp_path):
    import json

    folder = write_documents(tmp_path / "corpus")
    questions = [
        {"id": "dose", "question": DOSE, "passages": ["baclofen#1"]},
        {"id": "gone", "question": "Is baclofen safe in pregnancy?", "abstain": True},
        {"id": "vague", "question": "side effects?", "clarify": True},
    ]
    (folder / "questions.jsonl").write_text(
        "".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8"
    )
    at = start(monkeypatch, folder)
    offered = [b.label for b in at.button if b.key and b.key.startswith("example-")]
    assert offered == [present.escape_markdown(DOSE)]  # not the abstention, not the vague one
    next(b for b in at.button if b.key == "example-0").click()
    at.run()
    assert "The usual starting dose of baclofen is 5 mg three times a day" in replies(at)[0]
    assert not [b for b in at.button if b.key and b.key.startswith("example-")]


def test_no_questions_file_means_no_examples_and_the_index_time_reads_as_words(monkeypatch, corpus):
    at = start(monkeypatch, corpus)
    assert not [b for b in at.button if b.key and b.key.startswith("example-")]
    indexed = next(c.value for c in at.sidebar.caption if c.value.startswith("Indexed "))
    when = indexed.removeprefix("Indexed ").split(" (")[0]
    assert when == "just now" or when.endswith(" ago"), indexed  # not "2026-12-04T03:00:16+00:00"


def test_the_address_holds_the_conversation_and_a_link_asks_it_again(monkeypatch, corpus):
    at = ask(start(monkeypatch, corpus), DOSE)
    ask(at, "and for children?")
    first = replies(at)
    assert at.query_params["q"] == [DOSE, "and for children?"]
    # A reload or a colleague's browser: a new session with only the address.
    again = AppTest.from_file(APP, default_timeout=30)
    again.query_params["q"] = [DOSE, "and for children?"]
    again.run()
    assert not again.exception
    assert replies(again) == first
    assert [t.question for t in again.session_state.conversation.turns] == [DOSE, "and for children?"]
    next(b for b in again.button if b.label == "New chat").click()
    again.run()
    assert "q" not in again.query_params and not replies(again)


def test_a_link_with_one_question_asks_it_on_arrival(monkeypatch, corpus):
    monkeypatch.setenv("CITEBOT_CORPUS", str(corpus))
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["q"] = DOSE
    at.run()
    assert "The usual starting dose of baclofen is 5 mg three times a day" in replies(at)[0]
