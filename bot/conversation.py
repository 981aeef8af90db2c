"""Conversations: which questions depend on earlier turns, what they borrow, and "more".

A conversation keeps what is being discussed: its *medicines* (the medicines documents are
about: names the corpus gives two of, "Valium (diazepam)", or a title's first word), its
*conditions* (other words naming documents:
"stroke", "back pain") and its last *aspect* (what was asked: "side effects", "how long"). A
follow-up borrows what it lacks, at lower weight, in the manner of historical query expansion:

- a question naming no medicine or condition borrows the medicines being discussed (or, if
  there are none, the conditions), which its quotes must then be about;
- "the two", "both", "either" borrow the last two medicines discussed, as alternatives;
- a pronoun ("is it safe with alcohol?") borrows the medicines even beside a new topic;
- a question naming a medicine keeps the conditions as context, which it need not be about;
- a question with no aspect of its own ("and for children?", "what about baclofen?") borrows
  the last aspect; one that asks its own ("how long can I take it?") does not;
- a question naming a new medicine or condition in a full question of its own stands alone, and
  so does one that names no medicine but asks something particular of its own ("which drug
  treats malignant hyperthermia?"), or says it turns to something else ("different question");
- the form of the medicine discussed ("intrathecal", "pump") stays as context until another is
  named;
- the reply to a question asked back ("side effects?" - "which medicine do you mean?" -
  "baclofen") borrows what the vague question asked.

The medicines being discussed are those the last question named that name the documents its
answer quoted: in "soma with benzos?", answered from the carisoprodol document, soma.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from bot.records import Concept, Conversation, Query, Turn
from bot.wording import CONDITION, english_class

_MORE = re.compile(
    r"^(?:(?:please |can you |could you )?(?:tell me |show me |give me |say )?(?:some |a bit )?more"
    r"(?: please| results| passages| about (?:it|that|this))?|go on|continue|next|keep going)[.!?]*$",
    re.IGNORECASE,
)
_PRONOUNS = frozenset(
    ["it", "its", "it's", "itself", "this", "that", "these", "those", "they", "them", "their", "theirs"]
)
# Pronouns that still point back at the medicines discussed when a question names another one
# ("is it safe with tizanidine?"); "is that ok?" speaks of what the question itself says.
_BACK_PRONOUNS = frozenset(["it", "its", "it's", "itself", "they", "them", "their"])
# A question that says it turns to something else stands alone.
_NEW_SUBJECT = re.compile(
    r"\b(?:different|new|another|other|separate|unrelated) (?:question|subject|topic|thing)\b|\bchanging the subject\b",
    re.IGNORECASE,
)
_PLURAL = re.compile(r"\b(?:the two|both|either|neither|each of them|these two|those two)\b", re.I)
_ELLIPSIS = re.compile(
    r"^(?:and|also|what about|how about|what if|same for|same question for|or|but)\b", re.IGNORECASE
)
# What a question asks, in its question words: an aspect of its own even when every other word
# frames it ("how long can I take it for?").
_ASKS = re.compile(
    r"\b(how long|how often|how much|how many|how quickly|how soon|when|why|who|which|what happens)\b", re.I
)
# A question asking which medicine does something asks of the documents afresh.
_ASKS_FOR_MEDICINE = re.compile(
    r"\b(?:which|what) (?:drugs?|medicines?|medications?|meds|pills?|tablets?|treatments?)\b", re.I
)
# Borrowed words weigh less than the question's own: the medicines a follow-up is about nearly
# as much, the aspect or conditions it leaves out half.
TOPIC_WEIGHT = 0.9
ASPECT_WEIGHT = 0.5
# The reply to a question asked back borrows what the vague question asked, nearly in full.
CLARIFIED_WEIGHT = 0.9


@dataclass(frozen=True, slots=True)
class Reading:
    """How one question reads: its medicines, conditions and aspect, and its follow-up cues."""

    medicines: tuple[str, ...]
    conditions: tuple[str, ...]
    aspect: tuple[str, ...]
    asks: bool
    pronoun: bool
    plural: bool
    ellipsis: bool
    back_pronoun: bool = False
    routes: tuple[str, ...] = ()
    # Asks something particular of its own: which medicine does something ("which drug treats
    # malignant hyperthermia?"), or of a condition ("what helps an overactive thyroid?").
    full: bool = False

    @property
    def topic(self) -> tuple[str, ...]:
        return self.medicines + self.conditions


def is_more(question: str) -> bool:
    """Return True for "more", "tell me more" and the like."""
    return bool(_MORE.match(question.strip()))


def _names(concept: Concept, terms: Collection[str]) -> bool:
    """Return True when a concept names what the terms name: one of its alternatives does, or
    a word of its own ("baclofen pump" names baclofen)."""
    if any(alternative and all(t in terms for t in alternative) for alternative in concept.alternatives):
        return True
    return len(concept.alternatives[0]) > 1 and any(t in terms for t in concept.alternatives[0])


def read_question(
    query: Query, question: str, title_terms: Collection[str], name_terms: Collection[str]
) -> Reading:
    """Split a question's own words (not those borrowed) into medicines, conditions and aspect,
    and note its follow-up cues.

    Args:
        query: what the question searches, before anything is borrowed.
        question: the question as typed.
        title_terms: the terms that name documents (titles and names of one thing).
        name_terms: the terms of the names the corpus gives two of ("Valium (diazepam)").
    """
    borrowed = {word for word, _ in query.borrowed}
    medicines: list[str] = []
    conditions: list[str] = []
    aspect: list[str] = []
    routes: list[str] = []
    for concept in query.concepts:
        if concept.word in borrowed or concept.role == "framing" or concept.word in _PRONOUNS:
            continue
        if concept.role == "subject" and concept.kind in ("population", "route"):
            # A population or route qualifies what is asked; it is not what is asked.
            if concept.kind == "route":
                routes.append(concept.word)
            continue
        if _names(concept, name_terms):
            medicines.append(concept.word)
        elif concept.role != "subject" and _names(concept, title_terms):
            conditions.append(concept.word)
        else:
            aspect.append(concept.word)
    typed = question.strip()
    said = [w.strip(".,;:!?\"'()").lower() for w in typed.split()]
    words = set(said)
    # "back to soma, can I take it with xanax?": a pronoun after the medicine it names is that
    # medicine; one before it ("is it safe with tizanidine?") points back.
    first_named = min((said.index(m) for m in medicines if m in said), default=len(said))
    points_back = any(w in _BACK_PRONOUNS for w in said[:first_named])
    return Reading(
        tuple(dict.fromkeys(medicines)),
        tuple(dict.fromkeys(conditions)),
        tuple(dict.fromkeys(aspect)),
        bool(_ASKS.search(typed)),
        bool(words & _PRONOUNS),
        bool(_PLURAL.search(typed)),
        bool(_ELLIPSIS.match(typed)),
        points_back,
        tuple(dict.fromkeys(routes)),
        bool(_ASKS_FOR_MEDICINE.search(typed))
        or (len(aspect) >= 2 and any(english_class(w) == CONDITION and w.isalpha() for w in aspect)),
    )


@dataclass(frozen=True, slots=True)
class _State:
    medicines: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    aspect: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    # Every medicine discussed, most recent last, for "the two" and "both".
    discussed: tuple[str, ...] = ()


def _history(
    turns: Sequence[Turn],
    title_terms: Collection[str],
    name_terms: Collection[str],
    document_names: Callable[[str, str], Collection[str]],
) -> _State:
    """Return what the conversation is about after its turns: each part carried until replaced."""
    state = _State()
    for turn in turns:
        if is_more(turn.question) or turn.answer.prompt:
            continue
        reading = read_question(turn.query, turn.question, title_terms, name_terms)
        # Words found nowhere in the corpus cannot help a later question find anything.
        nowhere = set(turn.answer.missing_terms)
        # What a follow-up borrowed as its subject stays the subject.
        carried = [c.word for c in turn.query.concepts if c.role == "topic"]
        named = [w for w in reading.medicines if w not in nowhere]
        medicines = named or [w for w in carried if w in state.medicines or w in state.discussed]
        quoted = {(q.doc_id, q.doc_title) for q in turn.answer.quotes}
        if len(medicines) > 1 and quoted:
            # Of several medicines named, those the quoted documents are about are discussed.
            concepts = {c.word: c for c in turn.query.concepts}
            about = [
                w
                for w in medicines
                if any(_names(concepts[w], document_names(doc_id, title)) for doc_id, title in quoted)
            ]
            if about and not reading.plural:
                medicines = about
        elif len(medicines) > 1 and not reading.plural and not quoted:
            # Unanswered, "soma with benzos or opioids?" is still about soma: the medicine named
            # first is the subject, the others what it is asked about.
            medicines = medicines[:1]
        conditions = [w for w in reading.conditions if w not in nowhere] or [
            w for w in carried if w in state.conditions
        ]
        aspect = [w for w in reading.aspect if w not in nowhere]
        state = _State(
            tuple(medicines) or (state.medicines if not conditions else ()),
            tuple(conditions) or state.conditions,
            tuple(aspect) or state.aspect,
            reading.routes or (state.routes if not named else ()),
            tuple(dict.fromkeys([*(w for w in state.discussed if w not in named), *named])),
        )
    return state


def context_words(
    conversation: Conversation,
    query: Query,
    question: str,
    title_terms: Collection[str],
    name_terms: Collection[str] = (),
    document_names: Callable[[str, str], Collection[str]] = lambda doc_id, title: (),
) -> list[tuple[str, float, str]]:
    """Return the (word, weight, role) a question borrows from earlier turns; none if it stands
    alone. The role is "topic" for words its quotes must be about, "alternative" for the
    medicines a comparison weighs ("which of the two"), "asked" for what a vague question asked
    (borrowed by the reply naming what it meant), "context" for words that only rank.

    Args:
        conversation: the turns so far.
        query: what the question searches, before anything is borrowed.
        question: the question as typed.
        title_terms: the terms that name documents.
        name_terms: the terms of the names the corpus gives two of.
        document_names: the terms of the names a document is about: its title's and its own.
    """
    if not conversation.turns:
        return []
    if _NEW_SUBJECT.search(question):
        return []
    reading = read_question(query, question, title_terms, name_terms)
    last = conversation.turns[-1]
    if last.answer.choices:
        # The reply to "which one do you mean?": what that question asked, of what is named now.
        asked = [
            c.word for c in last.query.concepts if c.role != "framing" and c.word not in set(reading.topic)
        ]
        return [(w, CLARIFIED_WEIGHT, "asked") for w in dict.fromkeys(asked)]
    state = _history(conversation.turns, title_terms, name_terms, document_names)
    own = set(reading.topic) | set(reading.aspect)
    borrowed: list[tuple[str, float, str]] = []

    def borrow(words: Sequence[str], weight: float, role: str) -> None:
        borrowed.extend(
            (w, weight, role) for w in words if w not in own and w not in {b[0] for b in borrowed}
        )

    follows = reading.pronoun or reading.ellipsis or reading.plural
    if reading.plural and not reading.medicines and len(state.discussed) >= 2:
        borrow(state.discussed[-2:], TOPIC_WEIGHT, "alternative")
    elif not reading.topic and not follows and reading.full:
        # "Which drug treats malignant hyperthermia?": a full question of its own.
        return []
    elif not reading.topic:
        if state.medicines:
            borrow(state.medicines, TOPIC_WEIGHT, "topic")
            borrow(state.conditions, ASPECT_WEIGHT, "context")
        else:
            borrow(state.conditions, TOPIC_WEIGHT, "topic")
    elif reading.medicines:
        if reading.back_pronoun and not reading.ellipsis:
            borrow(state.medicines, TOPIC_WEIGHT, "topic")
        if not reading.conditions:
            borrow(state.conditions, ASPECT_WEIGHT, "context")
    elif follows:
        # A condition of its own, asked as a follow-up ("what about for MS?"): still the
        # medicines being discussed.
        borrow(state.medicines, TOPIC_WEIGHT, "topic")
    else:
        return []
    if not reading.aspect and not reading.asks:
        borrow(state.aspect, ASPECT_WEIGHT, "context")
    if not reading.routes:
        # The form being discussed ("intrathecal", "pump") still ranks what is the same drug.
        borrow(state.routes, ASPECT_WEIGHT, "context")
    return borrowed


def chosen(conversation: Conversation, question: str) -> tuple[Turn, str] | None:
    """Return the turn that asked which document was meant and the document picked, when the
    question is one of the titles it offered or its number in the list ("2")."""
    if not conversation.turns:
        return None
    last = conversation.turns[-1]
    picked = " ".join(question.split()).casefold().rstrip(".")
    if picked.isdigit() and 1 <= int(picked) <= len(last.answer.choices):
        return last, last.answer.choices[int(picked) - 1]
    for title in last.answer.choices:
        if " ".join(title.split()).casefold() == picked:
            return last, title
    return None


def shown_for_more(conversation: Conversation) -> tuple[Turn, set[tuple[str, int]], set[str]] | None:
    """Return the turn that "more" continues, the sentences already quoted for it (passage id
    and start) and the passages already listed."""
    quoted: set[tuple[str, int]] = set()
    listed: set[str] = set()
    for turn in reversed(conversation.turns):
        quoted.update((q.passage_id, q.start) for q in turn.answer.quotes)
        listed.update(h.passage.passage_id for h in turn.answer.hits)
        if not is_more(turn.question):
            return turn, quoted, listed
    return None
