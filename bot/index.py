"""The BM25 index, the only user of rank-bm25.

rank-bm25 fits the statistics (idf, passage lengths, average length); queries are then answered
from an inverted index of precomputed per-posting weights, so no query loops over passages in
Python. Scores equal the fitted model's `get_scores` for every variant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from bot.config import Settings
from bot.errors import EmptyCorpusError
from bot.records import Hit, Passage


@dataclass(frozen=True, slots=True)
class IndexState:
    """The arrays an `Index` is made of: what the cache stores and loads back.

    Postings of term `t` are `ids[ptr[t]:ptr[t + 1]]` with weights `weights[...]`; `base[t]` is
    what the term adds to every passage (BM25Plus only), already taken out of `weights`.
    """

    terms: tuple[str, ...]
    ptr: np.ndarray
    ids: np.ndarray
    weights: np.ndarray
    base: np.ndarray
    idf: np.ndarray
    passage_count: int


def fit_model(passage_terms: Sequence[Sequence[str]], settings: Settings) -> BM25Okapi | BM25L | BM25Plus:
    """Return the fitted rank-bm25 model of settings' variant (never with `tokenizer=`,
    which opens a multiprocessing pool that rank-bm25 never closes)."""
    corpus = [list(terms) for terms in passage_terms]
    if settings.variant == "okapi":
        return BM25Okapi(corpus, k1=settings.k1, b=settings.b, epsilon=settings.epsilon)
    if settings.variant == "bm25l":
        return BM25L(corpus, k1=settings.k1, b=settings.b, delta=settings.bm25_delta)
    return BM25Plus(corpus, k1=settings.k1, b=settings.b, delta=settings.bm25_delta)


def build_state(passage_terms: Sequence[Sequence[str]], settings: Settings, root: str = "") -> IndexState:
    """Fit rank-bm25 on the analyzed passages and turn its statistics into postings.

    Raises:
        EmptyCorpusError: there is no passage, or no passage has a term (rank-bm25 would
            divide by zero).
    """
    if not passage_terms:
        raise EmptyCorpusError(root, "no passage to index")
    if not any(passage_terms):
        raise EmptyCorpusError(root, "no passage has a searchable word (all stopwords or symbols)")
    model = fit_model(passage_terms, settings)
    terms = tuple(sorted(model.idf))
    term_ids = {t: i for i, t in enumerate(terms)}
    postings: list[list[tuple[int, int]]] = [[] for _ in terms]
    for passage, frequencies in enumerate(model.doc_freqs):
        for term, tf in frequencies.items():
            postings[term_ids[term]].append((passage, tf))
    counts = np.fromiter((len(p) for p in postings), dtype=np.int64, count=len(terms))
    ptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    ids = np.fromiter((p for plist in postings for p, _ in plist), dtype=np.int32, count=int(ptr[-1]))
    tf = np.fromiter((f for plist in postings for _, f in plist), dtype=np.float64, count=int(ptr[-1]))
    idf = np.array([model.idf[t] for t in terms], dtype=np.float64)
    term_of_posting = np.repeat(np.arange(len(terms)), counts)
    posting_idf = idf[term_of_posting]
    doc_len = np.asarray(model.doc_len, dtype=np.float64)[ids]
    k1, b, avgdl = model.k1, model.b, model.avgdl
    # The formulas below are rank-bm25 0.2.2's get_scores, term by term.
    if settings.variant == "okapi":
        weights = posting_idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avgdl)))
        base = np.zeros(len(terms))
    elif settings.variant == "bm25l":
        ctd = tf / (1 - b + b * doc_len / avgdl)
        delta = model.delta
        weights = posting_idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
        base = np.zeros(len(terms))
    else:
        delta = model.delta
        full = posting_idf * (delta + (tf * (k1 + 1)) / (k1 * (1 - b + b * doc_len / avgdl) + tf))
        base = idf * delta
        weights = full - base[term_of_posting]
    return IndexState(terms, ptr, ids, weights, base, idf, len(passage_terms))


class Index:
    """A BM25 index over passages. Never mutated after construction: safe to share."""

    def __init__(self, passages: Sequence[Passage], state: IndexState) -> None:
        if len(passages) != state.passage_count:
            raise ValueError(f"index state is for {state.passage_count} passages, got {len(passages)}")
        self.passages = tuple(passages)
        self.state = state
        self._term_ids = {t: i for i, t in enumerate(state.terms)}

    @classmethod
    def build(
        cls,
        passages: Sequence[Passage],
        passage_terms: Sequence[Sequence[str]],
        settings: Settings,
        root: str = "",
    ) -> Index:
        """Fit and index analyzed passages."""
        return cls(passages, build_state(passage_terms, settings, root))

    def __len__(self) -> int:
        return len(self.passages)

    def __contains__(self, term: object) -> bool:
        return term in self._term_ids

    def document_frequency(self, term: str) -> int:
        """Return how many passages hold term."""
        i = self._term_ids.get(term)
        return 0 if i is None else int(self.state.ptr[i + 1] - self.state.ptr[i])

    def passages_with(self, term: str) -> np.ndarray:
        """Return the positions of the passages that hold term."""
        i = self._term_ids.get(term)
        if i is None:
            return np.zeros(0, dtype=np.int32)
        return self.state.ids[self.state.ptr[i] : self.state.ptr[i + 1]]

    def idf(self, term: str) -> float:
        """Return the variant's idf of term (0 for an unknown term, as rank-bm25 does)."""
        i = self._term_ids.get(term)
        return 0.0 if i is None else float(self.state.idf[i])

    def scores(self, terms: Sequence[str], weights: Sequence[float] | None = None) -> np.ndarray:
        """Return the score of every passage, equal to rank-bm25's `get_scores(terms)`."""
        scores = np.zeros(self.state.passage_count)
        weights = weights or [1.0] * len(terms)
        base = 0.0
        for term, weight in zip(terms, weights, strict=True):
            i = self._term_ids.get(term)
            if i is None:
                continue
            lo, hi = self.state.ptr[i], self.state.ptr[i + 1]
            scores[self.state.ids[lo:hi]] += weight * self.state.weights[lo:hi]
            base += weight * self.state.base[i]
        return scores + base if base else scores

    def search(
        self, terms: Sequence[str], weights: Sequence[float] | None = None, top_k: int = 5
    ) -> tuple[Hit, ...]:
        """Return the best `top_k` passages holding at least one term, best first.

        Ties are broken by passage order, so results are the same on every run.
        """
        candidates = [self.passages_with(t) for t in dict.fromkeys(terms)]
        candidates = [c for c in candidates if len(c)]
        if not candidates or top_k < 1:
            return ()
        positions = np.unique(np.concatenate(candidates))
        values = self.scores(terms, weights)[positions]
        k = min(top_k, len(positions))
        # Keep everything tied with the k-th best score, then sort by (-score, position).
        kth = np.partition(-values, k - 1)[k - 1]
        keep = np.flatnonzero(-values <= kth)
        order = keep[np.lexsort((positions[keep], -values[keep]))][:k]
        return tuple(
            Hit(self.passages[int(positions[j])], float(values[j]), rank)
            for rank, j in enumerate(order, start=1)
        )
