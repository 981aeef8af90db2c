"""Extractive answers: quote the one to three sentences that answer best, or abstain.

A quote must be about what the question names: its medicine or condition (the words that name
documents), the population, route and kind of quantity it asks about, and most of its other
words, found in the quoted sentence, its passage, section or document. Abstaining is a value:
when the documents never use a word the question needs, or no passage speaks of all it names,
the answer says which words are missing and keeps the nearest passages as possibly related.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from bot.analysis import analyze
from bot.config import Settings
from bot.records import Answer, Citation, Concept, Document, Hit, Passage, Query, Quote, Sentence
from bot.wording import ACT, CONDITION, english_class, is_framing_english, is_medicine, is_name

EMPTY_PROMPT = "Ask a question about the documents, for example: What is the usual dose of baclofen?"


def no_more_prompt(question: str) -> str:
    """Return what "more" says when every passage matching the question was shown."""
    return f"No more passages match \u201c{question}\u201d: all of them were shown above."


VAGUE_PROMPT = "The question names nothing to look for: ask about a drug, a condition or a topic."
# A framing word weighs this much of an ordinary word when judging whether passages answer.
FRAMING_SHARE = 0.25
# Quotes after the first must score at least this share of the best sentence.
QUOTE_SHARE = 0.7
# How much a sentence's score follows its passage's retrieval score (the rest is its own words).
PASSAGE_PRIOR = 0.4
# How much a word counts toward a sentence's score where it is found: in the sentence, in its
# passage or section heading, in its document's title, elsewhere in its document. A title names
# what every sentence of its document speaks of, but a section or passage naming the question's
# condition ("Malignant Hyperthermia") speaks of it more closely.
SENTENCE, PASSAGE, TITLE, DOCUMENT = 1.0, 0.75, 0.6, 0.3
# What a word found there adds to a sentence's score, as a share of its weight: the sentence's
# neighbours in its passage speak of the word, but the sentence itself may not.
_CREDITS = {SENTENCE: 1.0, PASSAGE: PASSAGE, TITLE: TITLE, DOCUMENT: DOCUMENT}
# A vague question (no medicine, condition or rare word) that matches passages of this many
# documents is asked back: which one is meant?
CLARIFY_DOCUMENTS = 2
# A word in more than this share of the passages (and more than a few) is too common to say
# what a question is about.
SPECIFIC_SHARE = 0.05
SPECIFIC_PASSAGES = 2
# What naming one of the medicines compared adds to a sentence, as a share of its weight: they
# are what every candidate shares, and what is asked of them decides.
COMPARED_WEIGHT = 0.5
# The best sentence about each medicine a comparison names is quoted when it scores at least
# this share of the best sentence.
COMPARED_SHARE = 0.4
_PRONOUN = re.compile(r"\b(it|its|they|them|this|that one)\b", re.IGNORECASE)
# A verb counts this share of its weight in the share of the question a quote must find.
ACT_SHARE = 0.5
# A word mentioned in passing weighs this share of an ordinary word.
PASSING_WEIGHT = 0.25
# A long question's background words weigh this share of the words of the sentence that asks.
BACKGROUND_WEIGHT = 0.5
# Most documents offered to choose from.
MAX_CHOICES = 5
# Words that make a question a comparison: its medicines are alternatives, each quote about one.
_WITH = re.compile(r"\b(with|alongside|plus)\b", re.IGNORECASE)
_COMPARISON = re.compile(
    r"\b(or|vs|versus|than|compared?|comparison|difference|differ|between|better|worse|both|either|"
    r"which|stronger|weaker|safer|less|more)\b",
    re.IGNORECASE,
)

# Expected answer types: a question asking for an amount or a duration is best answered by a
# sentence that states one (as factoid QA systems match answer types).
_NUMBER = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a few|several)"
_RANGE = rf"{_NUMBER}(?:\s*(?:-|\u2013|to|or)\s*{_NUMBER})?"
_ANSWER_TYPES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (
        re.compile(r"\b(dose|doses|dosage|dosing|dosed|how much|how many (mg|milligrams))\b", re.I),
        re.compile(rf"\b{_RANGE}\s*(?:mg|mcg|\u00b5g|g|grams?|ml|units?|tablets?|capsules?)\b", re.I),
    ),
    (
        re.compile(r"\b(how long|how many (days|weeks|months|years)|duration|for how)\b", re.I),
        re.compile(
            rf"\b{_RANGE}[\s-]*(?:days?|weeks?|months?|years?|hours?)\b|\b(?:short|long)[- ]term\b"
            r"|\b(?:for|over|within|after) (?:a few |several |many |some )?(?:days|weeks|months|years)\b",
            re.I,
        ),
    ),
    (
        re.compile(
            r"\b(who|when) (should|must|can) ?not\b|\b(shouldn't|mustn't|avoid|contraindicat\w*)\b", re.I
        ),
        re.compile(r"\b(?:should not|must not|cannot|contraindicat\w*|avoid\w*|not be used)\b", re.I),
    ),
    (
        re.compile(r"\b(side effects?|adverse (?:effects?|events?|reactions?)|symptoms|signs)\b", re.I),
        re.compile(r"\b(?:include|includes|including|such as|may cause|can cause|most common)\b", re.I),
    ),
    (
        re.compile(r"\b(how often|how many times|frequency)\b", re.I),
        re.compile(
            rf"\b(?:daily|times (?:a|per) day|{_NUMBER} times|every {_RANGE} (?:hours|weeks|months)|weekly)\b",
            re.I,
        ),
    ),
    # "why do people switch": a sentence that gives a reason.
    (
        re.compile(r"\bwhy\b", re.I),
        re.compile(
            r"\b(?:because|since|due to|owing to|so that|in order to|as a result|reason|explains?)\b", re.I
        ),
    ),
)
# "less sedating", "more drowsiness": a comparison of what follows.
_COMPARATIVE = re.compile(r"\b(?:less|more|fewer|least|most)\s+(\w+)", re.IGNORECASE)
# How much an expected answer type adds, as a share of the best plain sentence score.
ANSWER_TYPE_BONUS = 0.5
# Questions that ask for a number of days, a frequency or an amount outright: a quote that
# states none does not answer them ("how many days after the shots does it ease?").
_DURATION = _ANSWER_TYPES[1][1]
# A count: a number, in digits or words ("several" and "a few" are no count).
_COUNT = re.compile(r"\b(?:\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b)", re.I)
# A share: "27 percent", "one in ten", "9 of 40", "two thirds", "a small minority".
_SHARE = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:%|percent\b|per cent\b)|\b(?:\d+|one|two|three|four|five)\s+(?:in|of|out of)\s+"
    r"(?:\d+|every|two|three|four|five|six|seven|eight|nine|ten|a hundred)\b"
    r"|\b(?:half|thirds?|quarters?|fifths?|tenths?|majority|minority|proportion|rates?)\b",
    re.I,
)
_STRICT_TYPES: tuple[tuple[re.Pattern[str], tuple[re.Pattern[str], ...]], ...] = (
    (re.compile(r"\b(how long|how many (days|weeks|months|years|hours))\b", re.I), (_DURATION,)),
    (re.compile(r"\bhow (often|frequently)\b", re.I), (_ANSWER_TYPES[4][1], _DURATION)),
    # "how fast should i cut down": a pace, as a frequency, a time or a share.
    (
        re.compile(r"\bhow (fast|quickly|slowly|soon)\b", re.I),
        (_ANSWER_TYPES[4][1], _DURATION, re.compile(r"\b\d+(?:\.\d+)?\s*(?:%|percent\b)", re.I)),
    ),
    (re.compile(r"\bhow many (mg|milligrams|units|tablets|pills)\b", re.I), (_ANSWER_TYPES[0][1],)),
    # "how much valium should I take": an amount the answer must state.
    (
        re.compile(r"\bhow much\b(?: \w+){0,4}? (?:take|taking|have|give|giving|use)\b", re.I),
        (_ANSWER_TYPES[0][1],),
    ),
    # "how many soma would it take to overdose": a count the answer must state.
    (
        re.compile(
            r"\bhow many (?!people|times|days|weeks|months|years|hours|mg|milligrams|units|tablets|pills)\w+",
            re.I,
        ),
        (_COUNT,),
    ),
    # "what percent quit": a share the answer must state, as a number or in words.
    (
        re.compile(r"\b(?:what|which|the)\s+(?:percent|percentage|proportion|fraction|share)\b", re.I),
        (_SHARE,),
    ),
)


@dataclass(frozen=True, slots=True)
class Weighed:
    """A concept of the question, its weight, and what answering it requires.

    `required` concepts must each be found around a quoted sentence (in its document at least);
    `alternative` ones are the medicines a comparison weighs against each other, of which a
    quote needs one.
    """

    concept: Concept
    weight: float
    in_corpus: bool
    required: bool = False
    alternative: bool = False
    name: bool = False
    # A name only the passages give (no title): required as close as a population is.
    specific: bool = False
    # A condition ("seizure"): required in the passage, section or document title.
    condition: bool = False

    @property
    def word(self) -> str:
        return self.concept.word

    @property
    def framing(self) -> bool:
        return self.concept.role == "framing"

    @property
    def passing(self) -> bool:
        return self.concept.role == "passing"


def _as_set(terms: Collection[str]) -> set[str] | frozenset[str]:
    """Return terms as a set, to look words up in (a set given is returned as it is)."""
    return terms if isinstance(terms, set | frozenset) else frozenset(terms)


def weigh_concepts(
    query: Query,
    df: Callable[[str], int],
    passage_count: int,
    topic_terms: Collection[str] = (),
    name_terms: Collection[str] = (),
    aliases: Collection[str] = (),
) -> list[Weighed]:
    """Weigh each concept by how rare its rarest-used alternative is: rare words must be found.

    A concept is required when it names a document or an earlier turn's subject (a medicine, a
    condition), or a population, route or kind of quantity. It is a name when the corpus writes it as one of two names of one
    thing ("Valium (diazepam)"): a document titled with it speaks of it in every sentence.
    """
    result = []
    medicines = 0
    borrowed = dict(query.borrowed)
    topic_terms, name_terms, aliases = _as_set(topic_terms), _as_set(name_terms), _as_set(aliases)
    for concept in query.concepts:
        # A phrase is as rare as its rarest word; its other names add their passages.
        frequency = sum(min(df(t) for t in alternative) for alternative in concept.alternatives)
        weight = math.log(1 + passage_count / (min(frequency, passage_count) + 0.5))
        if concept.role == "framing":
            weight *= FRAMING_SHARE
        weight *= borrowed.get(concept.word, 1.0)
        in_corpus = any(all(df(t) > 0 for t in alternative) for alternative in concept.alternatives)
        # A title names its subject with words that are also everyday ones ("chronic", "role",
        # "muscle"): of a title's words, a question's names and phrases ("back pain", "spinal
        # cord injury") are what its quotes must be about; a single common word is one more
        # word to find.
        name = any(all(t in name_terms for t in alternative) for alternative in concept.alternatives)
        alias = any(all(t in aliases for t in alternative) for alternative in concept.alternatives)
        titled = any(all(t in topic_terms for t in alternative) for alternative in concept.alternatives)
        required = concept.role in ("subject", "topic") or (
            concept.role == "content"
            and titled
            and (alias or len(concept.alternatives[0]) > 1 or not _everyday(concept.word))
        )
        # A medicine no title names ("gabapentin") is what the question is about as much as a
        # population is: its passage must name it. So is a condition ("seizure", "glaucoma"),
        # which its passage or document title must name.
        specific = concept.role == "content" and not required and is_medicine(concept.word)
        condition = (
            concept.role == "content"
            and not required
            and not specific
            and english_class(concept.word) == CONDITION
        )
        # The use a question asks of a medicine ("baclofen for alcohol cravings"), in words the
        # documents never use: they do not speak of it.
        required = required or (concept.kind == "use" and not in_corpus)
        medicines += alias or specific
        if concept.role == "passing":
            weight *= PASSING_WEIGHT
        if weight and concept.background:
            weight *= BACKGROUND_WEIGHT
        result.append(
            Weighed(
                concept,
                weight,
                in_corpus,
                required or specific or condition,
                False,
                name,
                specific,
                condition,
            )
        )
    # A long question's opening sentences tell its background: what they name is searched, but
    # a quote need not speak of it, unless the sentence that asks names no subject of its own.
    # A condition a question gives as the reason for another medicine ("she is on sertraline for
    # depression") is background to what it asks of this one.
    if medicines > 1:
        result = [
            dataclasses.replace(c, required=False, condition=False) if c.condition else c for c in result
        ]
    # A population named anywhere stays required: "20 weeks pregnant ... is it safe for the baby".
    asks_own = any(c.required and not c.specific and not c.concept.background for c in result)
    result = [
        dataclasses.replace(c, required=False, specific=False, condition=False)
        if c.concept.background and c.concept.role != "subject" and (asks_own or c.specific or c.condition)
        else c
        for c in result
    ]
    # A word found nowhere has the highest idf of all, which would let one stray word (a verb
    # such as "drink") outweigh everything found; it weighs as much as the heaviest found word.
    heaviest = max((c.weight for c in result if c.in_corpus), default=0.0)
    if heaviest:
        result = [
            c if c.in_corpus else dataclasses.replace(c, weight=min(c.weight, heaviest)) for c in result
        ]
    return result


def _everyday(word: str) -> bool:
    """Return True for an ordinary English word that names no condition of its own ("chronic",
    "acute", "role", "muscle"), as opposed to "stroke", "glaucoma" or "tizanidine"."""
    kind = english_class(word)
    return kind is not None and kind != CONDITION and not is_medicine(word)


def _citations(
    sentence: Sentence, passage: Passage, document: Document | None
) -> tuple[tuple[Citation, ...], bool]:
    markers, inherited = sentence.markers, False
    if not markers:
        markers, inherited = passage.markers, True
    references = {r.marker: r.text for r in document.references} if document else {}
    return tuple(Citation(m, references.get(m)) for m in markers), inherited and bool(markers)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A sentence that may be quoted, and where each concept is found around it (0 when not)."""

    order: int
    hit: Hit
    sentence: Sentence
    text: str
    found: tuple[float, ...]


def _comparison(
    question: str, concepts: list[Weighed], hits: Sequence[Hit], titles: Mapping[str, set[str]]
) -> list[Weighed]:
    """Mark the medicines a comparison names as alternatives: each quote needs only one of them.

    A question naming two or more required words that name different documents' titles, with a
    word of comparison ("which is less sedating, skelaxin or flexeril"), compares them.
    """
    if not _COMPARISON.search(question):
        return concepts
    titled = []
    for number, concept in enumerate(concepts):
        if not concept.required or concept.concept.role == "subject":
            continue
        owners = {h.passage.doc_id for h in hits if concept.concept.found_in(titles[h.passage.doc_id])}
        if owners:
            titled.append((number, frozenset(owners)))
    # "soma with benzos or opioids": what is taken with the others is what is asked about, and
    # only the medicines after "with" may be compared.
    partner = _WITH.search(question)
    if partner:
        before = question[: partner.start()].lower()
        after = [(n, o) for n, o in titled if not re.search(rf"\b{re.escape(concepts[n].word)}\b", before)]
        if len(after) < len(titled):
            titled = after
    if len({owners for _, owners in titled}) < 2:
        return concepts
    marked = {number for number, _ in titled}
    return [dataclasses.replace(c, alternative=number in marked) for number, c in enumerate(concepts)]


def _closest_needed(concept: Weighed) -> float:
    """Return how close to a sentence a required concept must be found.

    A population, route or kind of quantity must be named by the sentence, its passage or its
    section: a document that mentions children somewhere does not make its dosing passage
    about children. A medicine or condition may be named anywhere in the document, so long as
    the document is about something else the question names (see `_admissible`).
    """
    if concept.concept.kind == "condition" or concept.condition:
        return TITLE
    if concept.concept.role == "subject" or concept.specific:
        return PASSAGE
    return DOCUMENT


def _admissible(candidate: _Candidate, concepts: Sequence[Weighed], settings: Settings) -> bool:
    """Return True when a sentence's surroundings name all a question requires and enough of the rest."""
    pairs = list(zip(concepts, candidate.found, strict=True))
    alternatives = [f for c, f in pairs if c.alternative]
    if alternatives and not any(alternatives):
        return False
    for concept, found in pairs:
        if concept.required and not concept.alternative and found < _closest_needed(concept):
            return False
    # The document (or passage) must be about one of the medicines asked about: baclofen named
    # in a tizanidine document does not make tizanidine's passages about baclofen. A class or a
    # condition ("muscle relaxants", "stroke") may be named anywhere in its document.
    names = [f for c, f in pairs if c.required and c.name and c.concept.role != "subject"]
    if names and max(names) < TITLE:
        return False
    # The use asked of a medicine ("valium for fear of flying") must be named by the sentence's
    # passage, section or title, in one of its words at least ("back spasm": "spasm").
    uses = [f for c, f in pairs if c.concept.kind == "use" and c.in_corpus and not c.concept.background]
    if uses and max(uses) < TITLE:
        return False
    # The other words count where the sentence's passage, section or title names them, with
    # the required ones: of all the question names, this share must be found.
    others = [(c, f) for c, f in pairs if _other(c)]
    if not others:
        return True
    # A required word counts at least as much as any other: a drug's name, common in its own
    # document, is not outweighed by a rare word the question mentions in passing ("my back").
    heaviest = max(_share_weight(c) for c, _ in others)
    named = [(c, f) for c, f in pairs if c.required and not c.concept.background] + others

    def counted(concept: Weighed) -> float:
        return max(_share_weight(concept), heaviest) if concept.required else _share_weight(concept)

    total = sum(counted(c) for c, _ in named)
    found = sum(counted(c) for c, f in named if f >= TITLE or (c.required and f))
    return found >= settings.min_context * total


def _share_weight(concept: Weighed) -> float:
    """Return what a concept counts for in the share a quote must find: a verb ("picking",
    "deciding") tells how a question is put more than what it asks, and counts half."""
    return concept.weight * (ACT_SHARE if english_class(concept.word) == ACT else 1.0)


def _other(concept: Weighed) -> bool:
    """Return True for a concept that counts toward the share of other words a quote must find.

    An ordinary word that mostly frames a question ("since", "even") does not, even where the
    corpus uses it.
    """
    return (
        concept.in_corpus
        and not concept.concept.background
        and not concept.required
        and not concept.framing
        and not concept.passing
        and not concept.alternative
        and not is_framing_english(concept.word)
    )


def _specific(concepts: Sequence[Weighed], df: Callable[[str], int], passage_count: int) -> bool:
    """Return True when the question names something particular: a required word, or a rare one."""
    for concept in concepts:
        if concept.framing or concept.concept.role == "subject":
            continue
        if concept.required or not concept.in_corpus:
            return True
        # How many passages say it: the most of any of its names the corpus uses.
        present = [min(df(t) for t in a) for a in concept.concept.alternatives if all(df(t) for t in a)]
        if max(present, default=0) <= max(SPECIFIC_PASSAGES, SPECIFIC_SHARE * passage_count):
            return True
        # A word that is no ordinary English names something ("hyperthermia", "cyp2e1").
        if is_name(concept.word) and concept.word.isalpha():
            return True
    return False


def _fitting(
    hits: Sequence[Hit],
    content: Sequence[Weighed],
    titles: Mapping[str, set[str]],
    texts: Mapping[str, set[str]],
) -> tuple[Hit, ...]:
    """Return the hits whose passage, section or title holds a content word of the question:
    the documents a vague question may mean (not the one that only shares "keep")."""
    if not content:
        return tuple(hits)
    return tuple(
        hit
        for hit in hits
        if any(
            c.concept.found_in(texts[hit.passage.passage_id] | titles[hit.passage.doc_id]) for c in content
        )
    )


def _clarify(question: str, query: Query, hits: Sequence[Hit]) -> Answer:
    titles = list(dict.fromkeys(h.passage.doc_title for h in hits))[:MAX_CHOICES]
    prompt = "Which medicine or topic do you mean? These documents speak of it: " + "; ".join(titles) + "."
    return Answer(question, query, True, (), (), tuple(hits), prompt, tuple(titles))


def extract_answer(
    question: str,
    query: Query,
    hits: Sequence[Hit],
    documents: Mapping[str, Document],
    df: Callable[[str], int],
    passage_count: int,
    settings: Settings,
    topic_terms: Collection[str] = (),
    in_document: Callable[[Hit, Sequence[str]], set[str]] | None = None,
    conversation_topic: bool = False,
    name_terms: Collection[str] = (),
    document_names: Callable[[str, str], Collection[str]] | None = None,
    quoted: Collection[tuple[str, int]] = (),
) -> Answer:
    """Pick and quote the sentences that answer best, or abstain.

    Args:
        question: what the user typed (cleaned).
        query: what was searched.
        hits: the ranked passages quotes may come from.
        documents: documents by id, for the text and the references.
        df: a function term -> number of passages holding it.
        passage_count: the number of passages in the index.
        settings: answering settings.
        topic_terms: the terms of the names of medicines (two names of one thing); with the
            titles and own names of the documents of the hits, the words a quote must be about.
        in_document: which of some terms any passage of a hit's document holds (None: only the
            hit's own passage, section and title are looked at).
        conversation_topic: True when earlier turns of a conversation gave a subject.
        name_terms: the terms of names the corpus gives two of ("Valium (diazepam)").
        document_names: the terms of what a document is about, by its id and title: its
            title's and the names it gives two of ("Botox" in a document on botulinum toxin).
        quoted: sentences quoted before, as (passage id, start): never quoted again ("more").
    """
    hits = tuple(hits)
    if not question:
        return Answer(question, query, True, (), (), (), EMPTY_PROMPT)
    # Each document's title terms and the terms of what it is about (its title and own names),
    # and each passage's terms with its section heading's: analyzed once, looked at throughout.
    titles: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    texts: dict[str, set[str]] = {}
    for hit in hits:
        passage = hit.passage
        if passage.doc_id not in titles:
            titles[passage.doc_id] = set(analyze(passage.doc_title, settings))
            names[passage.doc_id] = (
                set(document_names(passage.doc_id, passage.doc_title))
                if document_names is not None
                else titles[passage.doc_id]
            )
        texts[passage.passage_id] = set(analyze(f"{passage.section} {passage.text}", settings))
    # The words naming the documents found and the corpus's names of medicines: in a large
    # corpus, some title somewhere holds almost any word.
    named = set(topic_terms).union(*names.values())
    concepts = weigh_concepts(query, df, passage_count, named, name_terms, topic_terms)
    if not settings.subjects:
        concepts = [dataclasses.replace(c, required=False) for c in concepts]
    content = [c for c in concepts if not c.framing]
    # "How long can I stay on it?" with nothing before it: "it" names nothing yet.
    unresolved = _PRONOUN.search(question) and not any(c.required for c in concepts)
    vague = not conversation_topic and (unresolved or not _specific(concepts, df, passage_count))
    if settings.clarify and vague:
        # Asked back only when several documents fit what the question does say.
        fitting = _fitting(hits, content, titles, texts) or hits
        if len({h.passage.doc_id for h in fitting}) >= CLARIFY_DOCUMENTS:
            return _clarify(question, query, fitting)
    if not content:
        return Answer(question, query, True, (), (), hits, VAGUE_PROMPT)
    nowhere = tuple(c.word for c in content if not c.in_corpus)
    if not hits:
        return Answer(question, query, True, tuple(c.word for c in content), (), hits)
    # What the question needs and the documents never say: a population, a route, a name.
    needed = tuple(c.word for c in content if c.required and not c.in_corpus and not c.concept.background)
    if needed:
        return Answer(question, query, True, needed, (), hits)
    # The question's focus: what it asks about beyond the topic its best document is named
    # after ("dog" in "Can I give my dog methocarbamol?"). A focus found nowhere in the corpus
    # means the documents never speak of it, however well the topic matches.
    # Words borrowed from earlier turns are context, not what this question asks.
    borrowed = dict(query.borrowed)
    top_title = titles[hits[0].passage.doc_id]
    focus = [
        c
        for c in content
        if not c.concept.found_in(top_title) and c.word not in borrowed and not c.concept.background
    ]
    focus_weight = sum(c.weight for c in focus)
    # An ordinary word of framing the corpus never uses ("afterwards") is how a question is
    # put, and an everyday thing in passing ("my husband plays football") its story beside a
    # focus the documents speak of: neither is something they must speak of. An everyday
    # thing that is all the question asks about ("the best mattress for back pain") is.
    story = any(c.in_corpus and not c.passing for c in focus)
    # So is what someone was doing ("threw my back out lifting boxes"): an act told as it went on.
    unknown = sum(
        c.weight
        for c in focus
        if not c.in_corpus
        and not (c.passing and story)
        and not is_framing_english(c.word)
        and not (c.word.endswith("ing") and english_class(c.word) == ACT)
    )
    if focus_weight and unknown / focus_weight >= settings.max_unknown_focus:
        return Answer(question, query, True, nowhere, (), hits)
    concepts = _comparison(query.own_text, concepts, hits, titles)

    candidates: list[_Candidate] = []
    held: dict[str, set[str]] = {}
    every_term = [t for c in concepts for t in c.concept.terms]
    for hit in hits:
        passage = hit.passage
        text_terms, title_terms = texts[passage.passage_id], names[passage.doc_id]
        if in_document is not None and passage.doc_id not in held:
            held[passage.doc_id] = in_document(hit, every_term)
        document_terms = held.get(passage.doc_id, set())
        for sentence in passage.sentences:
            if (passage.passage_id, sentence.start) in quoted:
                continue
            text = documents[passage.doc_id].text[sentence.start : sentence.end]
            own = set(analyze(text, settings))
            found = []
            for concept in concepts:
                c = concept.concept
                if c.found_in(own):
                    found.append(SENTENCE)
                elif concept.name and c.found_in(title_terms):
                    found.append(TITLE)  # counted as in the sentence: see `_credit`
                elif c.found_in(own | text_terms):
                    found.append(PASSAGE)
                elif c.found_in(own | text_terms | title_terms):
                    found.append(TITLE)
                elif any(len(a) == 1 and a[0] in document_terms for a in c.alternatives):
                    # Elsewhere in the document: a word, not a phrase whose words are far apart.
                    found.append(DOCUMENT)
                else:
                    found.append(0.0)
            candidates.append(_Candidate(len(candidates), hit, sentence, text, tuple(found)))
    # Quotes come from passages that hold at least one of the question's own words: a follow-up
    # naming a new drug must not be answered from the old one's passages.
    own_words = [
        n for n, c in enumerate(concepts) if c.in_corpus and not c.framing and c.word not in borrowed
    ]
    considered = candidates
    if own_words:
        candidates = [
            c
            for c in candidates
            if any(
                concepts[n].concept.found_in(texts[c.hit.passage.passage_id] | names[c.hit.passage.doc_id])
                for n in own_words
            )
        ]
    if settings.subjects:
        admissible = [c for c in candidates if _admissible(c, concepts, settings)]
        if not admissible:
            # Explained by the nearest sentence of all: "mechanism?" of soma is answered by no
            # passage on soma, not by the passages on mechanism that never name soma.
            return _unanswered(question, query, hits, concepts, considered, nowhere)
        for asked, patterns in _STRICT_TYPES:
            # The question's own words: a borrowed aspect does not make it ask for a number.
            cue = asked.search(query.own_text or question)
            if cue:
                stating = [c for c in admissible if any(p.search(c.text) for p in patterns)]
                if not stating:
                    return _unanswered(question, query, hits, concepts, admissible, nowhere, cue.group(0))
                admissible = stating
        candidates = admissible
    # Within the candidates, a word most sentences share (the topic) tells them apart less than
    # a word few use (the point of the question), so each concept is weighed locally too.
    local = [
        math.log(1 + len(candidates) / (1 + sum(1 for c in candidates if c.found[n] == SENTENCE)))
        for n in range(len(concepts))
    ]
    best_score = hits[0].score or 1.0
    wanted = [answer for asked, answer in _ANSWER_TYPES if asked.search(query.text or question)]
    compared_terms = _compared_terms(query.own_text or question, concepts, settings)
    scored: list[tuple[float, int, _Candidate]] = []
    for candidate in candidates:
        # A sentence that names none of the question's words (only its passage does) is no quote.
        if not any(f in (SENTENCE, TITLE) for f in candidate.found):
            continue
        parts = [
            concept.weight * local[n] * _credit(concept, candidate.found[n])
            for n, concept in enumerate(concepts)
        ]
        # The medicines a comparison weighs count as one: a sentence naming both is not twice
        # as good an answer as one saying what the question asks of either.
        compared = [part for part, concept in zip(parts, concepts, strict=True) if concept.alternative]
        value = sum(part for part, concept in zip(parts, concepts, strict=True) if not concept.alternative)
        value += COMPARED_WEIGHT * max(compared, default=0.0)
        if best_score > 0:
            value *= 1 - PASSAGE_PRIOR + PASSAGE_PRIOR * max(candidate.hit.score, 0.0) / best_score
        scored.append((value, -candidate.order, candidate))
    if (wanted or compared_terms) and scored:
        bonus = ANSWER_TYPE_BONUS * max(value for value, _, _ in scored)
        scored = [
            (
                value + bonus
                if any(p.search(c.text) for p in wanted) or _compares(c.text, compared_terms, settings)
                else value,
                order,
                c,
            )
            for value, order, c in scored
        ]
    if not scored:
        # The words matched only headings, titles or citation markers: nothing to quote.
        return Answer(question, query, True, tuple(c.word for c in content), (), hits)
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    scored = _each_compared(scored, concepts)
    first = scored[0][2]
    quotes = []
    for value, _, candidate in scored:
        if len(quotes) == settings.max_quotes or value < QUOTE_SHARE * scored[0][0]:
            break
        if not _as_close(candidate, first, concepts):
            continue
        hit, sentence = candidate.hit, candidate.sentence
        document = documents.get(hit.passage.doc_id)
        citations, inherited = _citations(sentence, hit.passage, document)
        quotes.append(
            Quote(
                text=candidate.text,
                passage_id=hit.passage.passage_id,
                doc_id=hit.passage.doc_id,
                doc_title=hit.passage.doc_title,
                section=hit.passage.section,
                start=sentence.start,
                end=sentence.end,
                citations=citations,
                inherited=inherited,
            )
        )
    return Answer(question, query, False, nowhere, tuple(quotes), hits)


def _compared_terms(question: str, concepts: Sequence[Weighed], settings: Settings) -> frozenset[str]:
    """Return the terms of what a question compares ("which is less sedating?": "sedating" and
    its other names), or none when it compares nothing."""
    found: set[str] = set()
    for match in _COMPARATIVE.finditer(question):
        asked = set(analyze(match.group(1), settings))
        for concept in concepts:
            if asked and concept.concept.found_in(asked):
                found.update(concept.concept.terms)
    return frozenset(found)


def _compares(text: str, terms: frozenset[str], settings: Settings) -> bool:
    """Return True when a sentence compares what the question compares ("described metaxalone as
    less sedating than alternatives")."""
    return bool(terms) and any(
        set(analyze(match.group(1), settings)) & terms for match in _COMPARATIVE.finditer(text)
    )


def _each_compared(
    scored: list[tuple[float, int, _Candidate]], concepts: Sequence[Weighed]
) -> list[tuple[float, int, _Candidate]]:
    """Put the best sentence about each medicine a comparison names right after the best one,
    so that "which is less sedating, baclofen or tizanidine?" quotes what each document says."""
    compared = [n for n, c in enumerate(concepts) if c.alternative]
    if len(compared) < 2 or not scored:
        return scored
    # What the comparison asks of each ("sedating"), said by the sentence itself.
    asked = [n for n, c in enumerate(concepts) if not c.alternative and not c.framing and c.in_corpus]

    def answers(entry: tuple[float, int, _Candidate], n: int) -> bool:
        found = entry[2].found
        return _credit(concepts[n], found[n]) == SENTENCE and all(found[m] == SENTENCE for m in asked)

    order = [scored[0]]
    for n in compared:
        if any(answers(entry, n) for entry in order):
            continue
        best = next((entry for entry in scored if answers(entry, n) and entry not in order), None)
        if best is not None and best[0] >= COMPARED_SHARE * scored[0][0]:
            # Scored as high as the best, so that the share of `QUOTE_SHARE` keeps it.
            order.append((scored[0][0], best[1], best[2]))
    return order + [entry for entry in scored if entry[2] not in {e[2] for e in order}]


def _as_close(candidate: _Candidate, first: _Candidate, concepts: Sequence[Weighed]) -> bool:
    """Return True when a sentence speaks of the question's required words as closely as the
    first quote: after the intravenous dose for malignant hyperthermia, not the oral doses of a
    document whose title names it."""
    for concept, found, wanted in zip(concepts, candidate.found, first.found, strict=True):
        if (
            concept.required
            and not concept.alternative
            and (_credit(concept, found) >= PASSAGE) < (_credit(concept, wanted) >= PASSAGE)
        ):
            return False
    return True


def _credit(concept: Weighed, found: float) -> float:
    """Return how much a concept found at this closeness counts for a sentence."""
    if not found:
        return 0.0
    # A medicine named in its document's title is what every sentence of it speaks of.
    if found == TITLE and concept.name:
        return SENTENCE
    return _CREDITS[found]


def _unanswered(
    question: str,
    query: Query,
    hits: tuple[Hit, ...],
    concepts: Sequence[Weighed],
    candidates: Sequence[_Candidate],
    nowhere: tuple[str, ...],
    asked: str = "",
) -> Answer:
    """Abstain because no passage speaks of all the question names, naming what the nearest
    ones lack and what they are about; `asked` is what the question asks for that they never
    state ("how many days")."""
    if not candidates or nowhere:
        # A word the documents never use is the plainest reason to give.
        return Answer(
            question, query, True, nowhere or tuple(c.word for c in concepts if not c.framing), (), hits
        )

    # The candidate that finds the most of the question: its medicines or conditions close by,
    # then most required words, then most weight.
    def met(concept: Weighed, found: float) -> bool:
        return found >= (_closest_needed(concept) if concept.required else TITLE)

    best = max(
        candidates,
        key=lambda c: (
            sum(
                f
                for x, f in zip(concepts, c.found, strict=True)
                if x.required and x.concept.role != "subject"
            ),
            sum(1 for x, f in zip(concepts, c.found, strict=True) if x.required and met(x, f)),
            sum(x.weight for x, f in zip(concepts, c.found, strict=True) if f),
            -c.order,
        ),
    )
    missing = [
        c.word
        for c, f in zip(concepts, best.found, strict=True)
        if not met(c, f) and not c.framing and (c.required or _other(c))
    ] + ([asked] if asked else [])
    about = [
        c.word
        for c, f in zip(concepts, best.found, strict=True)
        if c.required and c.concept.role != "subject" and met(c, f)
    ]
    return Answer(
        question, query, True, tuple(dict.fromkeys([*nowhere, *missing])), (), hits, about=tuple(about)
    )
