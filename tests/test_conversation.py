"""Conversations: follow-ups borrow what they lack, standalone questions borrow nothing."""

from __future__ import annotations

import pytest

from bot import Conversation, Settings, ask
from bot.conversation import context_words, is_more, read_question

TITLES = {"tizanidin", "baclofen", "valium", "dantrolen"}


def _conversation(bot, *questions):
    conversation = Conversation()
    answers = []
    for question in questions:
        answer, conversation = ask(bot, question, conversation)
        answers.append(answer)
    return answers, conversation


def _earlier(bot, *questions) -> Conversation:
    return _conversation(bot, *questions)[1]


@pytest.mark.parametrize(
    ("question", "topic", "aspect", "pronoun", "ellipsis"),
    [
        ("What is the maximum dose of tizanidine?", ("tizanidine",), ("maximum", "dose"), False, False),
        ("What are its side effects?", (), ("side", "effects"), True, False),
        ("And for baclofen?", ("baclofen",), (), False, True),
        ("What about children?", (), ("children",), False, True),
        ("How long can I take it for?", (), (), True, False),
    ],
    ids=["full", "pronoun", "ellipsis-new-topic", "ellipsis-new-aspect", "pronoun-framing-only"],
)
def test_read_question(question, topic, aspect, pronoun, ellipsis):
    reading = read_question(question, TITLES, Settings())
    assert (reading.topic, reading.aspect, reading.pronoun, reading.ellipsis) == (
        topic,
        aspect,
        pronoun,
        ellipsis,
    )


@pytest.mark.parametrize(
    ("earlier", "question", "borrowed"),
    [
        (["What is the maximum dose of tizanidine?"], "What are its side effects?", ["tizanidine"]),
        (["What is the maximum dose of tizanidine?"], "And for baclofen?", ["maximum", "dose"]),
        (["What is the maximum dose of tizanidine?"], "and for children?", ["tizanidine", "maximum", "dose"]),
        (["What is the maximum dose of tizanidine?"], "Does liver damage happen?", []),
        (["What is the maximum dose of tizanidine?"], "What is the maximum dose of baclofen?", []),
        (
            ["What is tizanidine?", "What are its side effects?"],
            "Can I drink alcohol with it?",
            ["tizanidine"],
        ),
        (["What is the dose of tizanidine?", "And for baclofen?"], "What about dantrolene?", ["dose"]),
        ([], "What are its side effects?", []),
    ],
    ids=[
        "pronoun-borrows-topic",
        "ellipsis-borrows-aspect-not-old-topic",
        "ellipsis-without-topic-borrows-both",
        "full-question-stands-alone",
        "new-topic-stands-alone",
        "topic-carries-over-turns",
        "aspect-carries-over-ellipses",
        "first-turn",
    ],
)
def test_context_words(small_bot, earlier, question, borrowed):
    conversation = _earlier(small_bot, *earlier)
    found = context_words(conversation, question, small_bot.title_terms, small_bot.settings)
    assert [w for w, _ in found] == borrowed
    assert all(0 < weight < 1 for _, weight in found)


def test_pronoun_follow_up_is_about_the_earlier_topic(small_bot):
    (_, follow_up), conversation = _conversation(
        small_bot, "What is tizanidine?", "What is its maximum dose?"
    )
    assert len(conversation.turns) == 2
    assert follow_up.query.text == "What is its maximum dose? (+ tizanidine)"
    assert follow_up.quotes[0].doc_id == "tizanidine"


def test_standalone_question_is_not_dragged_back(small_bot):
    (_, second), _ = _conversation(
        small_bot, "What is tizanidine?", "Which drug treats malignant hyperthermia?"
    )
    assert second.query.text == "Which drug treats malignant hyperthermia?"
    assert second.quotes[0].doc_id == "dantrolene"


def test_seed_conversation_stays_on_valium(seed_bot):
    answers, conversation = _conversation(
        seed_bot,
        "What is Valium used for?",
        "What are its side effects?",
        "Can I drink alcohol while I'm on it?",
        "And how long can I take it for?",
    )
    assert len(conversation.turns) == 4
    for answer in answers[1:]:
        assert "(+ valium" in answer.query.text
        assert not answer.abstained
    assert "drowsiness, fatigue, and impaired coordination" in " ".join(q.text for q in answers[1].quotes)
    assert "alcohol" in answers[2].quotes[0].text
    assert "2-4 weeks" in " ".join(q.text for q in answers[3].quotes)


def test_more_gives_the_next_passages(small_bot):
    (first, more, again), _ = _conversation(small_bot, "What helps spasticity?", "tell me more", "more")
    shown = {h.passage.passage_id for h in first.hits}
    next_shown = {h.passage.passage_id for h in more.hits}
    assert more.hits and not shown & next_shown
    assert not (shown | next_shown) & {h.passage.passage_id for h in again.hits}


def test_more_without_an_earlier_question_is_an_ordinary_question(small_bot):
    answer, conversation = ask(small_bot, "more")
    assert answer.abstained and len(conversation.turns) == 1


@pytest.mark.parametrize("text", ["more", "Tell me more.", "more please", "go on"])
def test_is_more(text):
    assert is_more(text)


@pytest.mark.parametrize("text", ["more side effects of baclofen?", "What is more dangerous?"])
def test_is_not_more(text):
    assert not is_more(text)


def test_words_found_nowhere_are_not_borrowed(small_bot):
    # Regression: a follow-up borrowed the unknown words of an unanswerable turn.
    conversation = _earlier(
        small_bot, "What is the maximum dose of tizanidine?", "Does quantum chromodynamics help?"
    )
    found = context_words(conversation, "what about baclofen?", small_bot.title_terms, small_bot.settings)
    assert [w for w, _ in found] == ["maximum", "dose"]


def test_follow_up_naming_a_new_drug_is_answered_from_that_drug(small_bot):
    # Regression: borrowed words ("starting dose") outranked the new drug's name.
    (_, follow_up), _ = _conversation(
        small_bot, "What is the usual starting dose of baclofen?", "What about tizanidine?"
    )
    assert follow_up.quotes[0].text == "The maximum is 36 mg per day"
    assert all(q.doc_id != "baclofen" for q in follow_up.quotes)


def test_follow_up_whose_own_word_is_found_nowhere_abstains(small_bot):
    # Regression: borrowed words diluted the unknown "children", so the follow-up was answered.
    (_, follow_up), _ = _conversation(
        small_bot, "Which drug treats malignant hyperthermia?", "And for children?"
    )
    assert follow_up.abstained and "children" in follow_up.missing_terms


def test_more_says_so_when_nothing_is_left(small_bot):
    # Regression: "more" with no passage left named the question's words as found nowhere.
    answers, _ = _conversation(small_bot, "What does Lioresal reduce?", "more", "more", "more", "more")
    last = answers[-1]
    assert last.abstained and last.missing_terms == ()
    assert (
        last.prompt
        == "No more passages match \u201cWhat does Lioresal reduce?\u201d: all of them were shown above."
    )
