"""Answers on the seed and on small documents: verbatim quotes with citations, or abstention."""

from __future__ import annotations

import pytest
from conftest import write_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import QuestionError, ask, load


def _quoted(answer) -> str:
    return " ".join(q.text for q in answer.quotes)


def test_usual_valium_dose_quotes_the_guidelines_dose_sentence(seed_bot):
    answer, _ = ask(seed_bot, "What is the usual dose of Valium for muscle spasm?")
    assert not answer.abstained
    first = answer.quotes[0]
    assert "2-10 mg taken 2-4 times daily" in first.text
    assert first.section == "From the Guidelines"
    # The sentence has no marker of its own: it shows its passage's, labelled as such.
    assert first.inherited and [c.marker for c in first.citations] == ["1"]
    assert first.citations[0].reference is None


def test_quotes_are_exact_substrings_at_their_offsets(seed_bot):
    for question in [
        "What are the side effects of Valium?",
        "Is baclofen abused?",
        "What is stiff-person syndrome treated with?",
    ]:
        answer, _ = ask(seed_bot, question)
        assert answer.quotes
        for quote in answer.quotes:
            assert seed_bot.documents[quote.doc_id].text[quote.start : quote.end] == quote.text


def test_trailing_markers_become_citations(seed_bot):
    answer, _ = ask(seed_bot, "Which studies compared Valium with baclofen?")
    quote = next(q for q in answer.quotes if "compared to other medications such as baclofen" in q.text)
    assert quote.text.endswith("in various studies")
    assert [c.marker for c in quote.citations] == ["3", "4"] and not quote.inherited


def test_pregnancy_is_not_answered_and_the_missing_word_is_named(seed_bot):
    answer, _ = ask(seed_bot, "Is Valium safe to take during pregnancy?")
    assert answer.abstained
    assert "pregnancy" in answer.missing_terms
    assert answer.quotes == ()
    assert answer.hits  # the nearest passages, offered as possibly related


def test_references_resolve_to_their_entries(small_bot):
    answer, _ = ask(small_bot, "What is the maximum daily dose of tizanidine?")
    quote = answer.quotes[0]
    assert quote.text == "The maximum is 36 mg per day"
    assert [(c.marker, c.reference) for c in quote.citations] == [
        ("1", "Agency C. Tizanidine label. 2013."),
        ("2", "Author D. Dosing study. 2010."),
    ]


def test_brand_name_finds_the_generic_through_learned_aliases(small_bot):
    answer, _ = ask(small_bot, "What does Lioresal reduce?")
    assert answer.quotes[0].doc_id == "baclofen"
    dantrolene, _ = ask(small_bot, "What treats malignant hyperthermia?")
    assert dantrolene.quotes[0].doc_id == "dantrolene"


def test_misspelling_is_corrected_and_said(seed_bot):
    answer, _ = ask(seed_bot, "What are the side effects of diazapam?")
    assert answer.query.corrections == (("diazapam", "diazepam"),)
    assert "diazepam" in answer.query.text
    assert not answer.abstained


@pytest.mark.parametrize("question", ["", "   ", "\x00\x07"], ids=["empty", "spaces", "control-only"])
def test_empty_question_gets_a_prompt(seed_bot, question):
    answer, conversation = ask(seed_bot, question)
    assert answer.abstained and answer.prompt and "Ask a question" in answer.prompt
    assert conversation.turns == ()


def test_question_without_content_words_asks_for_a_subject(seed_bot):
    answer, _ = ask(seed_bot, "What is it?")
    assert answer.abstained and "names nothing" in answer.prompt


def test_too_long_question_is_an_error(seed_bot):
    with pytest.raises(QuestionError, match="question: 2001 characters is over the limit of 2000"):
        ask(seed_bot, "a" * 2001)


def test_control_characters_are_removed(seed_bot):
    answer, _ = ask(seed_bot, "What is the usual\x00 dose of\x1b Valium?")
    assert answer.question == "What is the usual dose of Valium?"


@given(question=st.text(max_size=300))
@settings(max_examples=150, deadline=None)
def test_any_question_gets_an_answer_or_an_abstention(seed_bot, question):
    answer, _ = ask(seed_bot, question)
    assert answer.abstained or answer.quotes
    assert len(answer.quotes) <= 3
    for quote in answer.quotes:
        assert seed_bot.documents[quote.doc_id].text[quote.start : quote.end] == quote.text


TOPICS = {
    "zorvex.md": (
        "# Zorvex (quinopril)\n\n"
        "Zorvex is a tablet for nerve pain.\n\n"
        "## Dosing\n\n"
        "Treatment starts at 250 mg three times a day. "
        "The dose may be raised to 750 mg three or four times a day.\n"
    ),
    "lemtane.md": (
        "# Lemtane\n\n"
        "Lemtane is a tablet for muscle spasm.\n\n"
        "## Dosing\n\n"
        "Some people need 100 mg four times a day, which is the highest dose the label allows.\n"
    ),
    "farbitol.md": "# Farbitol\n\nFarbitol is a cream for dry skin, used once a day.\n",
}


@pytest.mark.parametrize(
    "turns",
    [["What is the highest dose of Zorvex?"], ["What is Zorvex?", "What is its highest dose?"]],
    ids=["named", "follow-up"],
)
def test_quotes_come_from_passages_about_the_question_topic(tmp_path, turns):
    # Lemtane's sentence says "highest dose" in so many words; it is still not Zorvex's dose.
    bot = load(write_corpus(tmp_path, TOPICS), use_cache=False)
    conversation = None
    for question in turns:
        answer, conversation = ask(bot, question, conversation)
    assert not answer.abstained
    assert {q.doc_id for q in answer.quotes} == {"zorvex"}
    assert any("750 mg" in q.text for q in answer.quotes)
