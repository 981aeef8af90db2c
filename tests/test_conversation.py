"""Conversations: follow-ups borrow the topic, standalone questions do not, "more" continues."""

from __future__ import annotations

import pytest

from bot import Conversation, ask
from bot.conversation import is_more


def _conversation(bot, *questions):
    conversation = Conversation()
    answers = []
    for question in questions:
        answer, conversation = ask(bot, question, conversation)
        answers.append(answer)
    return answers, conversation


def test_pronoun_follow_up_is_about_the_earlier_topic(small_bot):
    (_, follow_up), conversation = _conversation(
        small_bot, "What is tizanidine?", "What is its maximum dose?"
    )
    assert len(conversation.turns) == 2
    assert "tizanidine" in follow_up.query.text
    assert follow_up.quotes[0].doc_id == "tizanidine"


def test_standalone_question_is_not_dragged_back(small_bot):
    (_, second), _ = _conversation(
        small_bot, "What is tizanidine?", "Which drug treats malignant hyperthermia?"
    )
    assert "tizanidine" not in second.query.text
    assert second.quotes[0].doc_id == "dantrolene"


def test_more_gives_the_next_passages(small_bot):
    (first, more), _ = _conversation(small_bot, "What helps spasticity?", "tell me more")
    shown = {h.passage.passage_id for h in first.hits}
    assert more.hits and not shown & {h.passage.passage_id for h in more.hits}


@pytest.mark.parametrize("text", ["more", "Tell me more.", "more please", "go on"])
def test_is_more(text):
    assert is_more(text)


@pytest.mark.parametrize("text", ["more side effects of baclofen?", "What is more dangerous?"])
def test_is_not_more(text):
    assert not is_more(text)
