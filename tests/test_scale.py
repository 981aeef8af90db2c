"""What makes large corpora fast must not change a result: the batch analyzer, the columnar
passages, and a build that analyzes once, each against the plain one-by-one pipeline."""

from __future__ import annotations

import json
import mmap

import numpy as np
import pytest
from conftest import MEDQUAD
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import Settings, load
from bot.analysis import analyze, analyze_many, words
from bot.chunk import chunk_document
from bot.index import Index, fit_model
from bot.pipeline import build, topic_terms
from bot.prepare import passage_terms
from bot.query import build_lexicon
from bot.read import read_corpus

TEXTS = [
    "The usual dose of Valium (diazepam) is 2-10 mg, e.g. twice daily.",
    "Baclofen's effects: stiff-man syndrome; patients' doses.",
    "Ünïcödé Straße naïve café\u2019s \u201cquoted\u201d \u2014 Σίσυφος ΣΑΣ x-ray's ½ ² ﬁ",
    "'quoted' ...dots... a--b a-'b' 3.5.6 U.S. _under_score_",
    "",
    "   ",
]


@pytest.mark.parametrize(
    "chosen", [Settings(), Settings(stemmer="porter"), Settings(stemmer="none", stopwords=False)]
)
def test_analyze_many_equals_words_and_analyze(chosen):
    assert list(analyze_many(TEXTS, chosen)) == [(words(t), analyze(t, chosen)) for t in TEXTS]


@given(texts=st.lists(st.text(max_size=80), max_size=8))
@settings(max_examples=300, deadline=None)
def test_analyze_many_equals_analyze_on_any_text(texts):
    chosen = Settings()
    assert list(analyze_many(texts, chosen)) == [(words(t), analyze(t, chosen)) for t in texts]


@given(
    texts=st.lists(
        st.text(alphabet=st.sampled_from("ab -'.sS\u2019é1"), max_size=30),
        max_size=8,
    )
)
@settings(max_examples=300, deadline=None)
def test_analyze_many_equals_analyze_on_word_edges(texts):
    """Hyphens, apostrophes, dots and possessives, where the word pattern is subtle."""
    chosen = Settings()
    assert list(analyze_many(texts, chosen)) == [(words(t), analyze(t, chosen)) for t in texts]


def test_build_equals_the_one_by_one_pipeline(small_corpus):
    chosen = Settings()
    corpus = read_corpus(small_corpus)
    passages = [p for d in corpus.documents for p in chunk_document(d, chosen)]
    bot = build(corpus, chosen)
    assert tuple(bot.passages) == tuple(passages)
    assert bot.lexicon == build_lexicon(corpus, passages, chosen)
    titles = {t for d in corpus.documents for t in analyze(d.title, chosen)}
    names = {t for g in bot.lexicon.groups for item in g for t in analyze(" ".join(item), chosen)}
    assert (
        bot.title_terms
        == titles | names
        == topic_terms((d.title for d in corpus.documents), bot.lexicon, chosen)
    )
    reference = Index.build(passages, [passage_terms(p, chosen) for p in passages], chosen)
    model = fit_model([passage_terms(p, chosen) for p in passages], chosen)
    vocabulary = sorted(reference.state.terms)
    assert sorted(bot.index.state.terms) == vocabulary
    rng = np.random.default_rng(3)
    for query in [list(rng.choice(vocabulary, size=rng.integers(1, 6))) for _ in range(100)]:
        assert np.allclose(bot.index.scores(query), model.get_scores(query), rtol=0, atol=1e-9)
        assert bot.index.search(query, top_k=7) == reference.search(query, top_k=7)


def test_passages_are_a_sequence_of_records(small_bot):
    passages = small_bot.passages
    records = tuple(passages)
    assert len(passages) == len(records) > 4
    assert passages[0] == records[0] and passages[-1] == records[-1]
    assert passages[1:3] == records[1:3]
    assert passages == records and passages == list(records) and passages != records[:-1]
    assert records[2] in passages and passages.index(records[2]) == 2
    with pytest.raises(IndexError):
        passages[len(records)]
    documents = small_bot.corpus.documents
    assert [d.doc_id for d in documents] == list(small_bot.documents)
    assert all(small_bot.documents[p.doc_id].text[p.start : p.end] == p.text for p in passages)


@pytest.mark.skipif(not (MEDQUAD / "corpus.jsonl").is_file(), reason="MedQuAD is not in ../shared/data")
def test_medquad_slice_ranks_as_rank_bm25(tmp_path):
    corpus_file = tmp_path / "corpus.jsonl"
    with (MEDQUAD / "corpus.jsonl").open(encoding="utf-8") as source:
        corpus_file.write_text("".join(line for _, line in zip(range(500), source, strict=False)))
    chosen = Settings()
    bot = load(corpus_file, chosen)
    again = load(corpus_file, chosen)
    assert again.from_cache and again.passages == bot.passages
    analyzed = [passage_terms(p, chosen) for p in bot.passages]
    model = fit_model(analyzed, chosen)
    with (MEDQUAD / "queries.jsonl").open(encoding="utf-8") as lines:
        questions = [json.loads(line)["text"] for _, line in zip(range(40), lines, strict=False)]
    for question in questions:
        query = analyze(question, chosen)
        scores = model.get_scores(query)
        hits = again.index.search(query, top_k=10)
        positions = [i for i, terms in enumerate(analyzed) if set(query) & set(terms)]
        expected = sorted(positions, key=lambda i: (-scores[i], i))[:10]
        assert [h.passage.passage_id for h in hits] == [bot.passages[i].passage_id for i in expected]
        assert np.allclose([h.score for h in hits], scores[expected], rtol=0, atol=1e-9)


def test_records_read_the_same_after_their_pages_are_given_back(small_corpus):
    """Large caches unmap the records' pages now and then; reading them again is unchanged."""
    from bot.table import PageRelease

    built = load(small_corpus)
    loaded = load(small_corpus)
    assert loaded.from_cache
    mapping = loaded.passages.columns.passage_ids.data
    while not isinstance(mapping, mmap.mmap):
        mapping = mapping.obj if isinstance(mapping, memoryview) else mapping.base
    release = PageRelease(mapping, 0, len(mapping), every=1)
    loaded.passages.release = release
    loaded.corpus.documents.release = release
    for _ in range(2):
        assert tuple(loaded.passages) == tuple(built.passages)
        assert [loaded.documents[d.doc_id] for d in built.corpus.documents] == list(built.corpus.documents)


def test_searches_give_back_the_postings_pages_now_and_then_and_answer_the_same(small_corpus, monkeypatch):
    """Large caches unmap the postings' pages every few searches; searching again is unchanged."""
    import bot.store
    from bot import pipeline
    from bot.table import PageRelease

    questions = ["usual dose of baclofen", "liver injury tizanidine", "withdrawal after stopping", "dose"]
    built = load(small_corpus)
    expected = [pipeline.ask(built, q)[0] for q in questions]
    touched = []
    touch = PageRelease.touch
    monkeypatch.setattr(bot.store, "_RELEASE_ABOVE", 0)  # as if the cache were large
    monkeypatch.setattr(bot.store, "_SEARCHES_PER_RELEASE", 1)
    monkeypatch.setattr(PageRelease, "touch", lambda self: touched.append(self.every) or touch(self))
    loaded = load(small_corpus)
    assert loaded.from_cache
    for _ in range(2):
        assert [pipeline.ask(loaded, q)[0] for q in questions] == expected
    assert touched.count(1) >= 2 * len(questions)  # the postings' release, after each search


def test_chunking_and_analysis_in_worker_processes_equal_one_process(tmp_path, monkeypatch):
    from conftest import SEED, SMALL_DOCUMENTS, write_corpus

    from bot import pipeline, prepare
    from bot.read import read_corpus

    documents = dict(SMALL_DOCUMENTS)
    documents["seed.txt"] = SEED.read_text(encoding="utf-8")
    documents["unlisted.md"] = (
        "# Unlisted\n\nA marker with no reference [7].\n\n## References\n\n1. A. 2001.\n"
    )
    for n in range(12):  # enough documents for several runs of documents per worker
        documents[f"extra-{n:02d}.txt"] = f"Extra {n}\n\nDose {n} is given. Another sentence e.g. here {n}.\n"
    corpus = read_corpus(write_corpus(tmp_path, documents))
    settings = Settings()
    monkeypatch.setattr(prepare, "PARALLEL_MIN_DOCUMENTS", 0)
    one = prepare.chunk_and_analyze(corpus, settings, workers=1)
    forks = []
    get_context = prepare.mp.get_context
    monkeypatch.setattr(prepare.mp, "get_context", lambda method: forks.append(method) or get_context(method))
    two = prepare.chunk_and_analyze(corpus, settings, workers=2)
    assert forks == ["fork"]  # the workers did run
    assert list(two[0]) == list(one[0])  # the passages, as records
    for name in ("document", "start", "end", "sentence_ptr", "sentence_start", "sentence_end", "marker_ptr"):
        assert np.array_equal(getattr(two[0].columns, name), getattr(one[0].columns, name)), name
    assert two[1] == one[1] and any("[7]" in p.message for p in two[1])
    assert two[2].encoded.terms == one[2].encoded.terms
    assert np.array_equal(two[2].encoded.term_ids, one[2].encoded.term_ids)
    assert np.array_equal(two[2].encoded.offsets, one[2].encoded.offsets)
    assert two[2].word_counts == one[2].word_counts
    # The workers find the name pairs that `build_lexicon` finds in one pass over the texts.
    from bot.query import build_lexicon, learn_aliases

    assert one[2].aliases is None
    assert two[2].aliases == tuple(learn_aliases(d.text for d in corpus.documents)) != ()
    assert build_lexicon(corpus, (), settings, two[2].aliases) == build_lexicon(corpus, (), settings)
    built = pipeline.build(corpus, settings, workers=2)
    assert built.lexicon == pipeline.build(corpus, settings).lexicon
    answer, _ = pipeline.ask(built, "What is the usual dose of Valium for muscle spasm?")
    alone, _ = pipeline.ask(
        pipeline.build(corpus, settings), "What is the usual dose of Valium for muscle spasm?"
    )
    assert answer == alone and answer.quotes
