"""The index: scores equal rank-bm25's get_scores, deterministic ties, small-corpus traps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import EmptyCorpusError, Settings
from bot.index import Index, fit_model
from bot.prepare import passage_terms

VARIANTS = [
    Settings(variant="okapi"),
    Settings(variant="bm25l"),
    Settings(variant="bm25plus"),
    Settings(variant="okapi", k1=0.9, b=0.4),
    Settings(variant="bm25l", k1=1.2, b=0.3, delta=1.0),
    Settings(variant="bm25plus", k1=2.0, b=1.0, delta=0.5),
]


@pytest.fixture(scope="module")
def analyzed(small_bot):
    return [passage_terms(p, Settings()) for p in small_bot.passages]


@pytest.mark.parametrize("chosen", VARIANTS, ids=lambda s: f"{s.variant}-k1={s.k1}-b={s.b}-delta={s.delta}")
def test_scores_equal_rank_bm25_on_many_queries(small_bot, analyzed, chosen):
    index = Index.build(small_bot.passages, analyzed, chosen)
    model = fit_model(analyzed, chosen)
    vocabulary = sorted({t for terms in analyzed for t in terms})
    rng = np.random.default_rng(7)
    queries = [list(rng.choice(vocabulary, size=rng.integers(1, 6))) for _ in range(200)]
    queries += [["unknownword"], ["baclofen", "baclofen"], []]
    for query in queries:
        assert np.allclose(index.scores(query), model.get_scores(query), rtol=0, atol=1e-9), query


@given(
    passages=st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=12), min_size=4, max_size=12).filter(
        any
    ),
    query=st.lists(st.sampled_from("abcdefghz"), min_size=1, max_size=5),
    variant=st.sampled_from(["okapi", "bm25l", "bm25plus"]),
)
@settings(max_examples=200, deadline=None)
def test_scores_equal_rank_bm25_on_any_corpus(passages, query, variant):
    from bot.records import Passage

    chosen = Settings(variant=variant)
    records = [Passage(f"d#{i}", "d", "D", "d.txt", "S", 0, 0, "", ()) for i in range(len(passages))]
    index = Index.build(records, passages, chosen)
    assert np.allclose(index.scores(query), fit_model(passages, chosen).get_scores(query), rtol=0, atol=1e-9)


def test_search_ranks_best_first_and_breaks_ties_by_passage_order():
    from bot.records import Passage

    records = [Passage(f"d#{i}", "d", "D", "d.txt", "S", 0, 0, "", ()) for i in range(6)]
    terms = [["x", "y"], ["x", "y"], ["z"], ["x", "y"], ["w", "v"], ["u"]]
    index = Index.build(records, terms, Settings())
    hits = index.search(["x"], top_k=5)
    assert [h.passage.passage_id for h in hits] == ["d#0", "d#1", "d#3"]
    assert [h.rank for h in hits] == [1, 2, 3]
    assert len({h.score for h in hits}) == 1
    assert [h.passage.passage_id for h in index.search(["x"], top_k=2)] == ["d#0", "d#1"]


def test_search_returns_only_passages_holding_a_term(small_bot):
    hits = small_bot.index.search(["hyperthermia"], top_k=10)
    assert [h.passage.doc_id for h in hits] == ["dantrolene"]
    assert small_bot.index.search(["nosuchterm"], top_k=10) == ()


def test_okapi_term_in_half_the_passages_gets_zero_idf_yet_passages_are_found():
    from bot.records import Passage

    records = [Passage(f"d#{i}", "d", "D", "d.txt", "S", 0, 0, "", ()) for i in range(4)]
    index = Index.build(records, [["x", "a"], ["x", "b"], ["c"], ["d"]], Settings(variant="okapi"))
    assert index.idf("x") == 0
    assert {h.passage.passage_id for h in index.search(["x"], top_k=4)} == {"d#0", "d#1"}


@pytest.mark.parametrize(
    ("terms", "message"),
    [([], "no passage to index"), ([[], []], "no passage has a searchable word")],
    ids=["no-passages", "no-terms"],
)
def test_empty_input_is_a_clear_error_not_zero_division(terms, message):
    from bot.records import Passage

    records = [Passage(f"d#{i}", "d", "D", "d.txt", "S", 0, 0, "", ()) for i in range(len(terms))]
    with pytest.raises(EmptyCorpusError, match=message):
        Index.build(records, terms, Settings(), root="corpus")


# --- search at scale: pruned and dense paths against rank-bm25 -----------------------------


def _ranked(scores: np.ndarray, held: np.ndarray, top_k: int) -> list[tuple[int, float]]:
    """The top passages holding a term, by (-score, position): what `search` must return."""
    positions = np.flatnonzero(held)
    order = positions[np.lexsort((positions, -scores[positions]))][:top_k]
    return [(int(p), float(scores[p])) for p in order]


def _ranked_alike(hits, scores: np.ndarray, held: np.ndarray, top_k: int) -> bool:
    """Return whether hits rank as `_ranked` does, passages whose scores differ only by rounding
    (summed in another order) counting as tied: each rank's hit scores what that rank must."""
    expected = _ranked(scores, held, top_k)
    return len(hits) == len(expected) and all(
        held[h.position] and abs(scores[h.position] - s) <= 1e-9
        for h, (_, s) in zip(hits, expected, strict=True)
    )


def _zipf_corpus(passages: int, vocabulary: int, seed: int) -> list[list[str]]:
    """Passages whose words follow Zipf's law, as real text does: a few words in most passages."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocabulary)]
    return [
        [words[min(int(r) - 1, vocabulary - 1)] for r in rng.zipf(1.3, size=rng.integers(5, 40))]
        for _ in range(passages)
    ]


@pytest.fixture(scope="module")
def zipf_index():
    from bot.records import Passage

    terms = _zipf_corpus(6000, 3000, seed=11)
    records = [Passage(f"d#{i}", "d", "D", "d.txt", "S", 0, 0, "", ()) for i in range(len(terms))]
    return terms, Index.build(records, terms, Settings())


def test_search_ranks_as_rank_bm25_with_common_and_rare_terms(zipf_index):
    terms, index = zipf_index
    model = fit_model(terms, Settings())
    rng = np.random.default_rng(5)
    # Queries mixing words in most passages with rare ones: the case pruning is made for.
    queries = [[f"w{int(r) - 1}" for r in rng.zipf(1.2, size=rng.integers(1, 7))] for _ in range(150)]
    queries += [["w0", "w1", "w2"], ["w0", "w2999"], ["w0", "w0", "w5"]]
    for query in queries:
        held = np.zeros(len(terms), dtype=bool)
        for term in set(query):
            held[index.passages_with(term)] = True
        scores = model.get_scores(query)
        for top_k in (1, 5, 10, 50):
            expected = _ranked(scores, held, top_k)
            hits = index.search(query, top_k=top_k)
            assert [h.passage.passage_id for h in hits] == [f"d#{p}" for p, _ in expected], (query, top_k)
            assert np.allclose([h.score for h in hits], [s for _, s in expected], rtol=0, atol=1e-9)


def test_search_with_weights_scores_as_scores_does(zipf_index):
    _, index = zipf_index
    rng = np.random.default_rng(9)
    for _ in range(100):
        query = [f"w{int(r) - 1}" for r in rng.zipf(1.2, size=rng.integers(2, 7))]
        weights = rng.choice([0.25, 0.5, 0.9, 1.0], size=len(query)).tolist()
        scores = index.scores(query, weights)
        held = np.zeros(len(scores), dtype=bool)
        for term in set(query):
            held[index.passages_with(term)] = True
        expected = _ranked(scores, held, 10)
        hits = index.search(query, weights, top_k=10)
        assert [(h.passage.passage_id, h.score) for h in hits] == [(f"d#{p}", s) for p, s in expected]


@given(
    passages=st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=12), min_size=4, max_size=30).filter(
        any
    ),
    query=st.lists(st.sampled_from("abcdefghz"), min_size=1, max_size=6),
    weights=st.lists(st.sampled_from([0.25, 0.5, 1.0, 2.0]), min_size=6, max_size=6),
    variant=st.sampled_from(["okapi", "bm25l", "bm25plus"]),
    top_k=st.integers(1, 8),
)
@settings(max_examples=200, deadline=None)
def test_search_is_the_best_of_scores_on_any_corpus(passages, query, weights, variant, top_k):
    """Including Okapi's negative idfs in small corpora, where nothing may be pruned."""
    from bot.records import Passage

    records = [Passage(f"d#{i}", "d", "D", "d.txt", "S", 0, 0, "", ()) for i in range(len(passages))]
    index = Index.build(records, passages, Settings(variant=variant))
    weights = weights[: len(query)]
    scores = index.scores(query, weights)
    held = np.array([any(t in p for t in query) for p in passages])
    expected = _ranked(scores, held, top_k)
    hits = index.search(query, weights, top_k=top_k)
    assert [(h.passage.passage_id, h.rank) for h in hits] == [
        (f"d#{p}", r) for r, (p, _) in enumerate(expected, 1)
    ]
    assert [h.score for h in hits] == [s for _, s in expected]


def test_search_of_nothing_finds_nothing(zipf_index):
    _, index = zipf_index
    assert index.search([], top_k=5) == ()
    assert index.search(["w0"], top_k=0) == ()
    assert index.search(["nosuchterm", "neither"], top_k=5) == ()


# --- document weight: a passage's score plus its document's ----------------------------------


def _records(documents: list[int]):
    from bot.records import Passage

    return [
        Passage(f"d{d}#{i}", f"d{d}", f"D{d}", f"d{d}.txt", "S", 0, 0, "", ())
        for i, d in enumerate(documents)
    ]


def _in_document_order(passages: list[tuple[int, list[str]]]) -> tuple[list[int], list[list[str]]]:
    """Passages (document, terms) sorted by document, documents numbered 0, 1, ... in that order,
    as the index numbers them: each passage's document number, and each passage's terms."""
    ordered = sorted(passages, key=lambda p: p[0])
    numbers = {d: n for n, d in enumerate(dict.fromkeys(d for d, _ in ordered))}
    return [numbers[d] for d, _ in ordered], [t for _, t in ordered]


def _check_pooled_against_exact(index, passage_count, query, weights, groups, pool, top_k) -> None:
    """Search with a pool of `pool` passages for the document weight, and against scoring all."""
    from unittest import mock

    import bot.index

    exact = index.search(query, weights, top_k=passage_count, document_weight=0.5, groups=groups)
    expected = {h.passage.passage_id: h.score for h in exact}
    with mock.patch.object(bot.index, "_EXACT_POSTINGS", 0), mock.patch.object(bot.index, "_POOL", pool):
        pooled = index.search(query, weights, top_k=top_k, document_weight=0.5, groups=groups)
    # Each hit's score is its exact blended score, best first.
    assert all(h.score == expected[h.passage.passage_id] for h in pooled)
    assert [h.score for h in pooled] == sorted((h.score for h in pooled), reverse=True)
    if max(pool, top_k) >= passage_count:
        # The pool holds every passage: the same hits as scoring them all.
        assert pooled == exact[:top_k]


def _document_scores_by_hand(index, documents, query, weights, chosen) -> np.ndarray:
    """Each document's sum over query terms of its best passage's score for the term alone."""
    totals = np.zeros(max(documents) + 1)
    for term, weight in zip(query, weights, strict=True):
        # What BM25Plus gives every passage, held or not, counts once, as in `scores`.
        base = index.idf(term) * chosen.bm25_delta if chosen.variant == "bm25plus" else 0.0
        own = index.scores([term]) - base
        best = np.zeros_like(totals)
        for p in index.passages_with(term).tolist():
            best[documents[p]] = max(best[documents[p]], own[p])
        totals += weight * (best + base)
    return totals


@given(
    passages=st.lists(
        st.tuples(st.integers(0, 3), st.lists(st.sampled_from("abcdefgh"), max_size=10)),
        min_size=4,
        max_size=20,
    ).filter(lambda ps: any(t for _, t in ps)),
    query=st.lists(st.sampled_from("abcdefghz"), min_size=1, max_size=5),
    weights=st.lists(st.sampled_from([0.25, 0.5, 1.0]), min_size=5, max_size=5),
    variant=st.sampled_from(["okapi", "bm25l", "bm25plus"]),
    document_weight=st.sampled_from([0.25, 0.5, 2.0]),
    top_k=st.integers(1, 8),
)
@settings(max_examples=200, deadline=None)
def test_document_weight_adds_the_documents_best_score_for_each_term(
    passages, query, weights, variant, document_weight, top_k
):
    documents, terms = _in_document_order(passages)
    chosen = Settings(variant=variant)
    index = Index.build(_records(documents), terms, chosen)
    weights = weights[: len(query)]
    by_document = _document_scores_by_hand(index, documents, query, weights, chosen)
    assert np.allclose(index.document_scores(query, weights), by_document, rtol=0, atol=1e-9)
    scores = index.scores(query, weights) + document_weight * by_document[documents]
    held = np.array([any(t in p for t in query) for p in terms])
    hits = index.search(query, weights, top_k=top_k, document_weight=document_weight)
    assert _ranked_alike(hits, scores, held, top_k)
    assert np.allclose([h.score for h in hits], scores[[h.position for h in hits]], rtol=0, atol=1e-9)


def test_document_weight_lifts_the_passage_of_the_document_the_question_names():
    # A brand name only in one document's overview: its dosing passage should answer "How is
    # Zorvex dosed?", not another medicine's dosing passage that uses the word more often.
    documents = [0, 0, 1, 1, 2, 2]
    terms = [
        ["quinopril", "overview", "zorvex", "brand"],
        ["quinopril", "dose", "tablet", "daily"],
        ["lemtane", "overview", "nerve"],
        ["lemtane", "dose", "dose", "daily"],
        ["farbitol", "overview", "skin"],
        ["farbitol", "dose", "dose", "weekly"],
    ]
    index = Index.build(_records(documents), terms, Settings())
    plain = [h.passage.passage_id for h in index.search(["zorvex", "dose"], top_k=6)]
    blended = [h.passage.passage_id for h in index.search(["zorvex", "dose"], top_k=6, document_weight=0.25)]
    assert plain.index("d0#1") > plain.index("d1#3")
    assert blended[:2] == ["d0#0", "d0#1"]


def test_document_weight_zero_is_plain_bm25(small_bot):
    query = ["baclofen", "dose", "withdrawal"]
    plain = small_bot.index.search(query, top_k=10)
    assert small_bot.index.search(query, top_k=10, document_weight=0.0) == plain
    # A weight only adds each passage's document score to its own, which stays rank-bm25's.
    weighted = small_bot.index.search(query, top_k=10, document_weight=0.5)
    assert {h.passage.passage_id for h in weighted} == {h.passage.passage_id for h in plain}
    plain_scores = {h.passage.passage_id: h.score for h in plain}
    assert all(h.score > plain_scores[h.passage.passage_id] for h in weighted)


@given(
    passages=st.lists(
        st.tuples(st.integers(0, 4), st.lists(st.sampled_from(list("abcdef")), max_size=6)),
        min_size=1,
        max_size=14,
    ).filter(lambda ps: any(t for _, t in ps)),
    query=st.lists(st.sampled_from(list("abcdefg")), min_size=1, max_size=4),
    variant=st.sampled_from(["okapi", "bm25l", "bm25plus"]),
    pool=st.integers(1, 20),
    top_k=st.integers(1, 6),
)
@settings(max_examples=200, deadline=None)
def test_document_weight_on_many_postings_scores_the_documents_of_the_best_passages(
    passages, query, variant, pool, top_k
):
    documents, terms = _in_document_order(passages)
    index = Index.build(_records(documents), terms, Settings(variant=variant))
    _check_pooled_against_exact(index, len(terms), query, None, (), pool, top_k)


# --- groups: names of one thing score their best alternative, not their sum -----------------


@st.composite
def grouped_queries(draw, letters: str = "abcdefghz"):
    """A query, its weights, and disjoint groups of its distinct terms in alternatives."""
    query = draw(st.lists(st.sampled_from(letters), min_size=1, max_size=6))
    weights = draw(st.lists(st.sampled_from([0.25, 0.5, 1.0, 2.0]), min_size=len(query), max_size=len(query)))
    distinct = list(dict.fromkeys(query))
    slots = draw(
        st.lists(
            st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=len(distinct), max_size=len(distinct)
        )
    )
    groups: dict[int, dict[int, list[str]]] = {}
    for term, (group, alternative) in zip(distinct, slots, strict=True):
        if group:
            groups.setdefault(group, {}).setdefault(alternative, []).append(term)
    return query, weights, [list(alternatives.values()) for alternatives in groups.values()]


def _grouped_by_hand(index, query, weights, groups, chosen, documents=None) -> np.ndarray:
    """Each passage's score (each document's, given passage documents) by the definition: the
    terms outside groups add up, each group adds its best alternative's sum, bases add up."""
    combined: dict[str, float] = {}
    for term, weight in zip(query, weights, strict=True):
        if term in index:
            combined[term] = combined.get(term, 0.0) + weight

    def base(term: str) -> float:
        return index.idf(term) * chosen.bm25_delta if chosen.variant == "bm25plus" else 0.0

    def part(term: str) -> np.ndarray:
        own = index.scores([term]) - base(term)
        if documents is None:
            return combined[term] * own
        best = np.zeros(max(documents) + 1)
        for p in index.passages_with(term).tolist():
            best[documents[p]] = max(best[documents[p]], own[p])
        return combined[term] * best

    total = np.zeros(len(index) if documents is None else max(documents) + 1)
    grouped: set[str] = set()
    for group in groups:
        alternatives = [[t for t in alternative if t in combined] for alternative in group]
        alternatives = [a for a in alternatives if a]
        if len(alternatives) > 1:
            total += np.max([sum(part(t) for t in a) for a in alternatives], axis=0)
            grouped.update(t for a in alternatives for t in a)
    for term in combined:
        if term not in grouped:
            total += part(term)
    return total + sum(w * base(t) for t, w in combined.items())


@given(
    passages=st.lists(
        st.tuples(st.integers(0, 3), st.lists(st.sampled_from("abcdefgh"), max_size=10)),
        min_size=4,
        max_size=20,
    ).filter(lambda ps: any(t for _, t in ps)),
    asked=grouped_queries(),
    variant=st.sampled_from(["okapi", "bm25l", "bm25plus"]),
    document_weight=st.sampled_from([0.0, 0.25, 2.0]),
    top_k=st.integers(1, 8),
)
@settings(max_examples=300, deadline=None)
def test_groups_score_their_best_alternative_on_any_corpus(passages, asked, variant, document_weight, top_k):
    query, weights, groups = asked
    documents, terms = _in_document_order(passages)
    chosen = Settings(variant=variant)
    index = Index.build(_records(documents), terms, chosen)
    scores = index.scores(query, weights, groups)
    assert np.allclose(scores, _grouped_by_hand(index, query, weights, groups, chosen), rtol=0, atol=1e-9)
    by_document = index.document_scores(query, weights, groups)
    expected_documents = _grouped_by_hand(index, query, weights, groups, chosen, documents)
    assert np.allclose(by_document, expected_documents, rtol=0, atol=1e-9)
    blended = scores + document_weight * by_document[documents] if document_weight else scores
    held = np.array([any(t in p for t in query) for p in terms])
    hits = index.search(query, weights, top_k=top_k, document_weight=document_weight, groups=groups)
    assert _ranked_alike(hits, blended, held, top_k)
    assert np.allclose([h.score for h in hits], blended[[h.position for h in hits]], rtol=0, atol=1e-9)


def test_search_with_groups_scores_as_scores_does_when_pruning(zipf_index):
    # Common and rare words, so that MaxScore prunes, with some of them grouped.
    _, index = zipf_index
    rng = np.random.default_rng(13)
    for _ in range(150):
        query = list(dict.fromkeys(f"w{int(r) - 1}" for r in rng.zipf(1.2, size=rng.integers(3, 8))))
        if len(query) < 3:
            continue
        groups = [[[query[0]], [query[-1]]]] if rng.random() < 0.5 else [[[query[0]], query[1:3]]]
        weights = rng.choice([0.5, 1.0], size=len(query)).tolist()
        scores = index.scores(query, weights, groups)
        held = np.zeros(len(scores), dtype=bool)
        for term in query:
            held[index.passages_with(term)] = True
        for top_k in (1, 10):
            expected = _ranked(scores, held, top_k)
            hits = index.search(query, weights, top_k=top_k, groups=groups)
            assert [(h.passage.passage_id, h.score) for h in hits] == [(f"d#{p}", s) for p, s in expected]


@given(
    passages=st.lists(
        st.tuples(st.integers(0, 4), st.lists(st.sampled_from(list("abcdef")), max_size=6)),
        min_size=1,
        max_size=14,
    ).filter(lambda ps: any(t for _, t in ps)),
    asked=grouped_queries("abcdefg"),
    variant=st.sampled_from(["okapi", "bm25l", "bm25plus"]),
    pool=st.integers(1, 20),
    top_k=st.integers(1, 6),
)
@settings(max_examples=200, deadline=None)
def test_groups_on_many_postings_score_as_when_every_passage_is_weighed(
    passages, asked, variant, pool, top_k
):
    query, weights, groups = asked
    documents, terms = _in_document_order(passages)
    index = Index.build(_records(documents), terms, Settings(variant=variant))
    _check_pooled_against_exact(index, len(terms), query, weights, groups, pool, top_k)


def test_a_passage_naming_a_thing_twice_does_not_outrank_the_answer():
    # "Why do people misuse Zorvex?": the overview names it by both names, the answer by one.
    terms = [
        ["zorvex", "quinopril", "overview", "tablet"],
        ["zorvex", "misuse", "reasons", "sleep"],
        ["lemtane", "overview", "nerve", "tablet"],
        ["farbitol", "dose", "skin", "weekly"],
    ]
    index = Index.build(_records([0, 1, 2, 3]), terms, Settings())
    query, weights = ["zorvex", "misuse", "quinopril"], [1.0, 1.0, 1.0]
    summed = [h.passage.passage_id for h in index.search(query, weights, top_k=2)]
    grouped = [
        h.passage.passage_id
        for h in index.search(query, weights, top_k=2, groups=[[["zorvex"], ["quinopril"]]])
    ]
    assert summed[0] == "d0#0"
    assert grouped[0] == "d1#1"


def test_a_group_of_one_known_alternative_adds_up_and_a_term_belongs_to_its_first_group(zipf_index):
    _, index = zipf_index
    query = ["w3", "w40", "w7"]
    plain = index.scores(query)
    # "nosuchterm" is unknown: the group has one alternative left, so it is no group.
    assert np.array_equal(index.scores(query, groups=[[["w3"], ["nosuchterm"]]]), plain)
    first = index.scores(query, groups=[[["w3"], ["w40"]]])
    assert np.array_equal(index.scores(query, groups=[[["w3"], ["w40"]], [["w40"], ["w7"]]]), first)
    assert not np.array_equal(first, plain)


def test_pruning_with_groups_keeps_a_passage_its_rounding_would_drop():
    # The grouped score adds the terms outside groups first, the dense bound in query order:
    # the two differed in the last place, and the only passage reaching the floor was dropped.
    passages = [(0, [])] * 6 + [(0, ["d"]), (0, ["a", "a", "b", "c"])]
    documents, terms = _in_document_order(passages)
    index = Index.build(_records(documents), terms, Settings(variant="okapi"))
    query, weights, groups = ["a", "a", "b", "c", "d", "a"], [0.25] * 5 + [1.0], [[["a"], ["d"]]]
    hits = index.search(query, weights, top_k=1, groups=groups)
    assert [h.passage.passage_id for h in hits] == ["d0#7"]
    assert hits[0].score == pytest.approx(index.scores(query, weights, groups)[7], abs=1e-9)
