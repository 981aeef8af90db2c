"""Extractive answers: quote the one to three sentences that answer best, or abstain.

Abstaining is a value: when the best passages miss too much of what the question asks about,
the answer names the words found nowhere and keeps the nearest passages as possibly related.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bot.analysis import analyze, framing_words
from bot.config import Settings
from bot.records import Answer, Citation, Document, Hit, Passage, Query, Quote, Sentence

EMPTY_PROMPT = "Ask a question about the documents, for example: What is the usual dose?"


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
# How many of the best passages must cover the question for an answer (the rest may still be quoted).
COVERAGE_PASSAGES = 3


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
            rf"\b{_RANGE}\s*(?:days?|weeks?|months?|years?|hours?)\b|\b(?:short|long)[- ]term\b", re.I
        ),
    ),
    (
        re.compile(
            r"\b(who|when) (should|must|can) ?not\b|\b(shouldn't|mustn't|avoid|contraindicat\w*)\b", re.I
        ),
        re.compile(r"\b(?:should not|must not|cannot|contraindicated|avoid\w*|not be used)\b", re.I),
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
)
# How much an expected answer type adds, as a share of the best plain sentence score.
ANSWER_TYPE_BONUS = 0.5
# A question word found in the passage (or its title and section) but not in the sentence
# counts this much: the sentence speaks in the passage's context.
CONTEXT_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Concept:
    """A content word of the question, the terms that satisfy it, and its weight."""

    word: str
    terms: frozenset[str]
    weight: float
    in_corpus: bool
    framing: bool = False


def weigh_concepts(query: Query, df, passage_count: int) -> list[Concept]:
    """Weigh each content word by how rare its rarest-used term is: rare words must be found."""
    result = []
    borrowed = dict(query.borrowed)
    for word, terms in query.concepts:
        frequency = sum(df(t) for t in terms)
        weight = math.log(1 + passage_count / (min(frequency, passage_count) + 0.5))
        framing = word in framing_words()
        if framing:
            weight *= FRAMING_SHARE
        weight *= borrowed.get(word, 1.0)
        result.append(Concept(word, frozenset(terms), weight, frequency > 0, framing))
    # A word found nowhere has the highest idf of all, which would let one stray word (a verb
    # such as "drink") outweigh everything found; it weighs as much as the heaviest found word.
    heaviest = max((c.weight for c in result if c.in_corpus), default=0.0)
    if heaviest:
        result = [c if c.in_corpus else replace(c, weight=min(c.weight, heaviest)) for c in result]
    return result


def _coverage(concepts: Sequence[Concept], terms: set[str]) -> float:
    total = sum(c.weight for c in concepts)
    found = sum(c.weight for c in concepts if c.terms & terms)
    return found / total if total else 0.0


def _citations(
    sentence: Sentence, passage: Passage, document: Document | None
) -> tuple[tuple[Citation, ...], bool]:
    markers, inherited = sentence.markers, False
    if not markers:
        markers, inherited = passage.markers, True
    references = {r.marker: r.text for r in document.references} if document else {}
    return tuple(Citation(m, references.get(m)) for m in markers), inherited and bool(markers)


def extract_answer(
    question: str,
    query: Query,
    hits: Sequence[Hit],
    documents: Mapping[str, Document],
    df,
    passage_count: int,
    settings: Settings,
) -> Answer:
    """Pick and quote the sentences that answer best, or abstain.

    Args:
        question: what the user typed (cleaned).
        query: what was searched.
        hits: the ranked passages.
        documents: documents by id, for the text and the references.
        df: a function term -> number of passages holding it.
        passage_count: the number of passages in the index.
        settings: answering settings.
    """
    hits = tuple(hits)
    if not question:
        return Answer(question, query, True, (), (), (), EMPTY_PROMPT)
    concepts = weigh_concepts(query, df, passage_count)
    if not concepts:
        return Answer(question, query, True, (), (), hits, VAGUE_PROMPT)
    nowhere = tuple(c.word for c in concepts if not c.in_corpus)
    if not hits:
        return Answer(question, query, True, tuple(c.word for c in concepts), (), hits)

    # The question's focus: what it asks about beyond the topic its best document is named
    # after ("dog" in "Can I give my dog methocarbamol?"). A focus found nowhere in the corpus
    # means the documents never speak of it, however well the topic matches.
    # Words borrowed from earlier turns are context, not what this question asks.
    borrowed = dict(query.borrowed)
    top_title = set(analyze(hits[0].passage.doc_title, settings))
    focus = [c for c in concepts if not c.framing and not c.terms & top_title and c.word not in borrowed]
    focus_weight = sum(c.weight for c in focus)
    unknown = sum(c.weight for c in focus if not c.in_corpus)
    if focus_weight and unknown / focus_weight >= settings.max_unknown_focus:
        return Answer(question, query, True, nowhere, (), hits)

    top = hits
    passage_terms = [
        set(analyze(f"{h.passage.doc_title} {h.passage.section} {h.passage.text}", settings)) for h in top
    ]
    best_coverage = max(_coverage(concepts, terms) for terms in passage_terms[:COVERAGE_PASSAGES])
    if best_coverage < settings.min_coverage:
        reached = set().union(*passage_terms[:COVERAGE_PASSAGES])
        unmet = tuple(c.word for c in concepts if c.in_corpus and not c.terms & reached)
        return Answer(question, query, True, nowhere + unmet, (), hits)

    candidates: list[tuple[Hit, Sentence, set[str]]] = []
    context_terms: dict[str, set[str]] = {}
    title_terms: dict[str, set[str]] = {}
    for hit, terms in zip(top, passage_terms, strict=True):
        context_terms[hit.passage.passage_id] = terms
        title_terms[hit.passage.passage_id] = set(analyze(hit.passage.doc_title, settings))
        for sentence in hit.passage.sentences:
            text = documents[hit.passage.doc_id].text[sentence.start : sentence.end]
            candidates.append((hit, sentence, set(analyze(text, settings))))
    # Within the candidates, a word most sentences share (the topic) tells them apart less than
    # a word few use (the point of the question), so each concept is weighed locally too.
    local = {
        c.word: math.log(1 + len(candidates) / (1 + sum(1 for *_, t in candidates if c.terms & t)))
        for c in concepts
    }
    # Quotes come from passages that hold at least one of the question's own words: a follow-up
    # naming a new drug must not be answered from the old one's passages.
    own = [c for c in concepts if c.in_corpus and not c.framing and c.word not in borrowed]
    if own:
        candidates = [
            entry
            for entry in candidates
            if any(c.terms & context_terms[entry[0].passage.passage_id] for c in own)
        ]
    # And from the passages that speak most of the question's topics: its words that name a
    # document among the hits, by any of their names ("chlorzoxazone" of "Chlorzoxazone
    # (Parafon Forte)"). "The highest dose of chlorzoxazone" is not answered by another
    # medicine's highest dose, however well that sentence matches "highest dose".
    every_title = set().union(*title_terms.values())
    topics = [c for c in concepts if c.in_corpus and not c.framing and c.terms & every_title]
    if topics and candidates:
        held = [
            sum(c.weight for c in topics if c.terms & context_terms[entry[0].passage.passage_id])
            for entry in candidates
        ]
        most = max(held)
        candidates = [entry for entry, weight in zip(candidates, held, strict=True) if weight >= most]
    best_score = hits[0].score or 1.0
    wanted = [answer for asked, answer in _ANSWER_TYPES if asked.search(query.text or question)]
    scored = []
    for order, (hit, sentence, terms) in enumerate(candidates):
        # A word of the document's title is what every sentence of it speaks of, so it counts
        # in full for each; other words found only around the sentence count in part.
        whole = terms | title_terms[hit.passage.passage_id]
        if not any(c.terms & whole for c in concepts):
            continue
        around = context_terms[hit.passage.passage_id]
        value = sum(
            c.weight * local[c.word] * (1.0 if c.terms & whole else CONTEXT_SHARE)
            for c in concepts
            if c.terms & (whole | around)
        )
        if best_score > 0:
            value *= 1 - PASSAGE_PRIOR + PASSAGE_PRIOR * max(hit.score, 0.0) / best_score
        scored.append([value, -order, hit, sentence])
    if wanted and scored:
        bonus = ANSWER_TYPE_BONUS * max(s[0] for s in scored)
        for entry in scored:
            text = documents[entry[2].passage.doc_id].text[entry[3].start : entry[3].end]
            if any(pattern.search(text) for pattern in wanted):
                entry[0] += bonus
    if not scored:
        # The words matched only headings, titles or citation markers: nothing to quote.
        return Answer(question, query, True, tuple(c.word for c in concepts), (), hits)
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    quotes = []
    for value, _, hit, sentence in scored:
        if len(quotes) == settings.max_quotes or value < QUOTE_SHARE * scored[0][0]:
            break
        document = documents.get(hit.passage.doc_id)
        citations, inherited = _citations(sentence, hit.passage, document)
        quotes.append(
            Quote(
                text=document.text[sentence.start : sentence.end] if document else "",
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
