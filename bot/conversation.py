"""Conversations: which questions depend on earlier turns, what they borrow, and "more".

Each turn's words are split into its *topic* (words that name a document, such as a drug or a
condition: "Valium", "baclofen") and its *aspect* (what is asked about the topic: "side effects",
"maximum dose"). A follow-up borrows what it lacks, at lower weight, in the manner of historical
query expansion:

- a pronoun ("what are its side effects?") borrows the conversation's topic;
- an ellipsis ("what about baclofen?", "and for children?") borrows the last aspect, and the topic
  too unless it names a new one;
- a question with a single word of its own ("does therapy help?") borrows both;
- a question that names its own topic, or asks a full question of its own, borrows nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.analysis import framing_words, word_terms, words
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
    r"^(?:and|also|what about|how about|what if|same for|same question for)\b", re.IGNORECASE
)
# Borrowed words weigh less than the question's own: the topic a pronoun stands for nearly as
# much, the aspect an ellipsis leaves out half.
TOPIC_WEIGHT = 0.9
ASPECT_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Reading:
    """How one question reads: its topic and aspect words, and its follow-up cues."""

    topic: tuple[str, ...]
    aspect: tuple[str, ...]
    pronoun: bool
    ellipsis: bool


def is_more(question: str) -> bool:
    """Return True for "more", "tell me more" and the like."""
    return bool(_MORE.match(question.strip()))


def read_question(question: str, title_terms: Collection[str], settings: Settings) -> Reading:
    """Split a question's content words into topic and aspect, and note pronouns and ellipsis."""
    question_words = words(question)
    topic: list[str] = []
    aspect: list[str] = []
    for word in dict.fromkeys(question_words):
        terms = word_terms(word, settings)
        if not terms or word in _PRONOUNS:
            continue
        if any(t in title_terms for t in terms):
            topic.append(word)
        elif word not in framing_words():
            aspect.append(word)
    return Reading(
        tuple(topic),
        tuple(aspect),
        any(w in _PRONOUNS for w in question_words),
        bool(_ELLIPSIS.match(question.strip())),
    )


def _history(
    turns: Sequence[Turn], title_terms: Collection[str], settings: Settings
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the conversation's current topic and last aspect, each carried over until replaced."""
    topic: tuple[str, ...] = ()
    aspect: tuple[str, ...] = ()
    for turn in turns:
        if is_more(turn.question) or turn.answer.prompt:
            continue
        reading = read_question(turn.question, title_terms, settings)
        # Words found nowhere in the corpus cannot help a later question find anything.
        nowhere = set(turn.answer.missing_terms)
        topic = tuple(w for w in reading.topic if w not in nowhere) or topic
        aspect = tuple(w for w in reading.aspect if w not in nowhere) or aspect
    return topic, aspect


def context_words(
    conversation: Conversation, question: str, title_terms: Collection[str], settings: Settings
) -> list[tuple[str, float]]:
    """Return the (word, weight) pairs a question borrows from earlier turns; none if it stands alone."""
    if not conversation.turns:
        return []
    reading = read_question(question, title_terms, settings)
    single = len(reading.topic) + len(reading.aspect) <= 1
    if not (reading.pronoun or reading.ellipsis or single):
        return []
    topic, aspect = _history(conversation.turns, title_terms, settings)
    own = set(reading.topic) | set(reading.aspect)
    borrowed: list[tuple[str, float]] = []
    if not reading.topic:
        borrowed.extend((w, TOPIC_WEIGHT) for w in topic if w not in own)
    if reading.ellipsis or not reading.aspect:
        borrowed.extend((w, ASPECT_WEIGHT) for w in aspect if w not in own)
    return borrowed


def shown_for_more(conversation: Conversation) -> tuple[Turn, set[str]] | None:
    """Return the turn that "more" continues and the passages already shown for it."""
    shown: set[str] = set()
    for turn in reversed(conversation.turns):
        shown.update(h.passage.passage_id for h in turn.answer.hits)
        if not is_more(turn.question):
            return turn, shown
    return None
