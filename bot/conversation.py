"""Conversations: which questions depend on earlier turns, what they borrow, and "more".

A follow-up ("what are its side effects?", "and for children?", "what about baclofen?") is
searched with the salient words of earlier turns added at lower weight, the topic of the
conversation first (historical query expansion). A question that stands alone borrows nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.analysis import word_terms, words
from bot.config import Settings
from bot.records import Conversation, Turn

_MORE = re.compile(
    r"^(?:(?:please |can you |could you )?(?:tell me |show me |give me |say )?(?:some |a bit )?more"
    r"(?: please| results| passages| about (?:it|that|this))?|go on|continue|next|keep going)[.!?]*$",
    re.IGNORECASE,
)
_PRONOUNS = frozenset(
    [
        "it",
        "its",
        "it's",
        "itself",
        "they",
        "them",
        "their",
        "theirs",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "his",
        "her",
    ]
)
_ELLIPSIS = re.compile(
    r"^(?:and|also|what about|how about|and what about|what if|same for|and for)\b", re.IGNORECASE
)
# Weight of a borrowed word from the previous turn; older turns count less, the topic more.
RECENT_WEIGHT = 0.6
DECAY = 0.5
TOPIC_WEIGHT = 0.8


def is_more(question: str) -> bool:
    """Return True for "more", "tell me more" and the like."""
    return bool(_MORE.match(question.strip()))


def depends_on_context(question: str, known: Callable[[str], bool], settings: Settings) -> bool:
    """Return True when a question cannot stand alone: a pronoun, an ellipsis, or no known word."""
    question_words = words(question)
    if any(w in _PRONOUNS for w in question_words) or _ELLIPSIS.match(question.strip()):
        return True
    content = [t for w in question_words for t in word_terms(w, settings)]
    return not any(known(t) for t in content)


def _own_words(turn: Turn) -> list[str]:
    return [word for word, _ in turn.query.concepts]


def context_words(
    conversation: Conversation, question: str, known: Callable[[str], bool], settings: Settings
) -> list[tuple[str, float]]:
    """Return (word, weight) pairs a follow-up borrows from earlier turns, heaviest first."""
    turns = [t for t in conversation.turns if t.query.concepts]
    if not turns or not depends_on_context(question, known, settings):
        return []
    own = set(words(question))
    weights: dict[str, float] = {}
    for age, turn in enumerate(reversed(turns)):
        for word in _own_words(turn):
            if word not in own:
                weights[word] = max(weights.get(word, 0.0), RECENT_WEIGHT * DECAY**age)
    # The topic: words of the first question, which later turns keep talking about.
    for word in _own_words(turns[0]):
        if word not in own:
            weights[word] = max(weights[word], TOPIC_WEIGHT)
    return sorted(weights.items(), key=lambda item: -item[1])


def shown_for_more(conversation: Conversation) -> tuple[Turn, set[str]] | None:
    """Return the turn that "more" continues and the passages already shown for it."""
    shown: set[str] = set()
    for turn in reversed(conversation.turns):
        shown.update(h.passage.passage_id for h in turn.answer.hits)
        if not is_more(turn.question):
            return turn, shown
    return None
