"""The BM25 index: rank-bm25's scores from an inverted index of numpy postings.

rank-bm25 defines the scores. `fit_model` fits it; building computes the same statistics (passage
lengths, average length, document frequencies, idf) with numpy, in rank-bm25 0.2.2's formulas
term by term, and stores each posting's weight, so a query only touches the passages that hold
one of its terms. The tests check every variant against `fit_model(...).get_scores`.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from bot.config import Settings
from bot.errors import EmptyCorpusError
from bot.records import Hit, Passage

# Passages per batch when turning term ids into postings: keeps the sort in cache and the
# temporary arrays small.
_BATCH_PASSAGES = 1 << 15
# Postings of all query terms below this share of the passages are merged by sorting them;
# above it, a dense array of scores is cheaper.
_SPARSE_SHARE = 1 / 16
# Passages of the rarest terms scored exactly to find a floor under the k-th best score.
_SAMPLE = 512
# Document weighting: up to this many postings every passage holding a term is scored; above,
# the documents of the best `_POOL` passages by their own score.
_EXACT_POSTINGS = 50_000
_POOL = 100
# A term naming a member of a family by letters, then a number: "cyp2c19", "ht3".
_FAMILY = re.compile(r"([a-z]{2,})\d")

# Names of one thing, as a search gets them: each group's alternatives, each a list of terms
# ("baclofen" and "Lioresal": (("baclof",), ("lioresal",))).
Groups = Sequence[Sequence[Sequence[str]]]
# The same, as positions in a search's list of distinct known terms.
Grouping = tuple[tuple[tuple[int, ...], ...], ...]


@dataclass(frozen=True, slots=True)
class IndexState:
    """The arrays an `Index` is made of: what the cache stores and loads back.

    Postings of term `t` are `ids[ptr[t]:ptr[t + 1]]` (ascending passage positions) with weights
    `weights[...]`; `base[t]` is what the term adds to every passage (BM25Plus only), already
    taken out of `weights`; `max_weights[t]` is the largest of the term's weights.
    """

    terms: tuple[str, ...]
    ptr: np.ndarray
    ids: np.ndarray
    weights: np.ndarray
    base: np.ndarray
    idf: np.ndarray
    passage_count: int
    max_weights: np.ndarray


def fit_model(passage_terms: Sequence[Sequence[str]], settings: Settings) -> BM25Okapi | BM25L | BM25Plus:
    """Return the fitted rank-bm25 model of settings' variant: the reference the index equals.

    Never with `tokenizer=`, which opens a multiprocessing pool that rank-bm25 never closes.
    """
    corpus = [list(terms) for terms in passage_terms]
    if settings.variant == "okapi":
        return BM25Okapi(corpus, k1=settings.k1, b=settings.b, epsilon=settings.epsilon)
    if settings.variant == "bm25l":
        return BM25L(corpus, k1=settings.k1, b=settings.b, delta=settings.bm25_delta)
    return BM25Plus(corpus, k1=settings.k1, b=settings.b, delta=settings.bm25_delta)


class Vocabulary(dict[str, int]):
    """Term -> id, ids given in order of first use (rank-bm25's order of its idf table)."""

    def __missing__(self, term: str) -> int:
        number = len(self)
        self[term] = number
        return number


@dataclass(frozen=True, slots=True)
class EncodedPassages:
    """Analyzed passages as term ids: passage `p` holds `term_ids[offsets[p]:offsets[p + 1]]`."""

    terms: tuple[str, ...]
    term_ids: np.ndarray
    offsets: np.ndarray


def encode_terms(
    passage_terms: Iterable[Sequence[str]], vocabulary: Vocabulary | None = None
) -> EncodedPassages:
    """Turn analyzed passages into term ids."""
    vocabulary = Vocabulary() if vocabulary is None else vocabulary
    lookup = vocabulary.__getitem__
    chunks: list[np.ndarray] = []
    lengths: list[int] = []
    for terms in passage_terms:
        chunks.append(np.fromiter(map(lookup, terms), dtype=np.int32, count=len(terms)))
        lengths.append(len(terms))
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    term_ids = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)
    return EncodedPassages(tuple(vocabulary), term_ids, offsets)


def _idf(document_frequency: np.ndarray, passage_count: int, settings: Settings) -> np.ndarray:
    """Return each term's idf as rank-bm25 0.2.2's `_calc_idf` computes it, in its order."""
    n = passage_count
    if settings.variant == "okapi":
        values = [math.log(n - f + 0.5) - math.log(f + 0.5) for f in document_frequency.tolist()]
        # A term in more than half the passages gets epsilon times the mean idf (Robertson's
        # floor, as rank-bm25 applies it); the mean is summed in rank-bm25's order.
        eps = settings.epsilon * (sum(values) / len(values))
        values = [eps if v < 0 else v for v in values]
    elif settings.variant == "bm25l":
        values = [math.log(n + 1) - math.log(f + 0.5) for f in document_frequency.tolist()]
    else:
        values = [math.log((n + 1) / f) for f in document_frequency.tolist()]
    return np.array(values, dtype=np.float64)


def _weights(
    tf: np.ndarray, length: np.ndarray, idf: np.ndarray, avgdl: float, settings: Settings
) -> np.ndarray:
    """Return each posting's score: rank-bm25 0.2.2's `get_scores` terms, in its operation order."""
    k1, b = settings.k1, settings.b
    if settings.variant == "okapi":
        return idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl)))
    delta = settings.bm25_delta
    if settings.variant == "bm25l":
        ctd = tf / (1 - b + b * length / avgdl)
        return idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
    return idf * (delta + (tf * (k1 + 1)) / (k1 * (1 - b + b * length / avgdl) + tf))


def state_from_ids(encoded: EncodedPassages, settings: Settings, root: str = "") -> IndexState:
    """Compute BM25 statistics and postings from passages as term ids.

    Raises:
        EmptyCorpusError: there is no passage, or no passage has a term (rank-bm25 would
            divide by zero).
    """
    offsets, term_ids = encoded.offsets, encoded.term_ids
    passage_count = len(offsets) - 1
    if passage_count < 1:
        raise EmptyCorpusError(root, "no passage to index")
    if len(term_ids) == 0:
        raise EmptyCorpusError(root, "no passage has a searchable word (all stopwords or symbols)")
    term_count = len(encoded.terms)
    lengths = np.diff(offsets)
    # (passage, frequency) per batch of passages, term-major: a sort of term * N + passage keys
    # puts each term's postings in passage order, and runs of equal keys count frequency. The
    # terms are not kept: each batch's counts per term say where they change.
    batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    document_frequency = np.zeros(term_count, dtype=np.int64)
    for first in range(0, passage_count, _BATCH_PASSAGES):
        last = min(first + _BATCH_PASSAGES, passage_count)
        terms = term_ids[offsets[first] : offsets[last]].astype(np.int64)
        if len(terms) == 0:
            continue
        passages = np.repeat(np.arange(first, last, dtype=np.int64), lengths[first:last])
        keys = np.sort(terms * passage_count + passages)
        del terms, passages
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        unique = keys[starts]
        frequency = np.diff(np.r_[starts, len(keys)])
        frequency = frequency.astype(np.uint16 if frequency.max() <= np.iinfo(np.uint16).max else np.int32)
        counts = np.bincount(unique // passage_count, minlength=term_count)
        document_frequency += counts
        batches.append(((unique % passage_count).astype(np.int32), frequency, counts.astype(np.int32)))
    ptr = np.zeros(term_count + 1, dtype=np.int64)
    np.cumsum(document_frequency, out=ptr[1:])
    idf = _idf(document_frequency, passage_count, settings)
    # rank-bm25 divides Python ints: the same float.
    avgdl = int(lengths.sum()) / passage_count
    base = idf * settings.bm25_delta if settings.variant == "bm25plus" else np.zeros(term_count)
    ids = np.empty(int(ptr[-1]), dtype=np.int32)
    weights = np.empty(int(ptr[-1]), dtype=np.float64)
    cursor = ptr[:-1].copy()
    all_terms = np.arange(term_count, dtype=np.int32)
    while batches:
        passages, frequency, counts = batches.pop(0)
        term = np.repeat(all_terms, counts)
        first_of_term = np.cumsum(counts, dtype=np.int64) - counts
        slot = cursor[term] + (np.arange(len(term)) - first_of_term[term])
        ids[slot] = passages
        weight = _weights(
            frequency.astype(np.float64), lengths[passages].astype(np.float64), idf[term], avgdl, settings
        )
        weights[slot] = weight - base[term] if settings.variant == "bm25plus" else weight
        cursor += counts
    max_weights = np.maximum.reduceat(weights, ptr[:-1]) if len(weights) else np.zeros(term_count)
    return IndexState(encoded.terms, ptr, ids, weights, base, idf, passage_count, max_weights)


def build_state(passage_terms: Sequence[Sequence[str]], settings: Settings, root: str = "") -> IndexState:
    """Compute BM25 statistics and postings from analyzed passages.

    Raises:
        EmptyCorpusError: there is no passage, or no passage has a term.
    """
    return state_from_ids(encode_terms(passage_terms), settings, root)


class Index:
    """A BM25 index over passages. Never mutated after construction: safe to share."""

    def __init__(
        self, passages: Sequence[Passage], state: IndexState, after_search: Callable[[], None] | None = None
    ) -> None:
        if len(passages) != state.passage_count:
            raise ValueError(f"index state is for {state.passage_count} passages, got {len(passages)}")
        # A list could change under the index; any other sequence (a tuple, a passage table) is
        # kept as given, so a million passages are not turned into objects up front.
        self.passages: Sequence[Passage] = tuple(passages) if isinstance(passages, list) else passages
        self.state = state
        self._term_ids = {t: i for i, t in enumerate(state.terms)}
        # Each thread's scratch array for dense scoring: internal, never seen outside a search.
        self._local = threading.local()
        # Each passage's document number, made on the first search that weighs documents.
        self._document_numbers: np.ndarray | None = None
        # Terms by the family their letters name ("cyp": "cyp1a2", "cyp2c19"), made when asked.
        self._families: dict[str, tuple[str, ...]] | None = None
        self._documents_in_order = False
        # Called after every search (a cache's arrays give back their pages now and then).
        self._after_search = after_search

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
        return self.state.passage_count

    def __contains__(self, term: object) -> bool:
        return term in self._term_ids

    def family(self, name: str) -> tuple[str, ...]:
        """Return the terms that are `name` followed by a number ("cyp": "cyp1a2", "cyp2c19")."""
        families = self._families
        if families is None:
            grouped: dict[str, list[str]] = {}
            for term in self.state.terms:
                match = _FAMILY.match(term)
                if match:
                    grouped.setdefault(match.group(1), []).append(term)
            families = self._families = {k: tuple(sorted(v)) for k, v in grouped.items()}
        return families.get(name, ())

    def document_frequency(self, term: str) -> int:
        """Return how many passages hold term."""
        i = self._term_ids.get(term)
        return 0 if i is None else int(self.state.ptr[i + 1] - self.state.ptr[i])

    def passages_with(self, term: str) -> np.ndarray:
        """Return the positions of the passages that hold term, in ascending order."""
        i = self._term_ids.get(term)
        if i is None:
            return np.zeros(0, dtype=np.int32)
        return self.state.ids[self.state.ptr[i] : self.state.ptr[i + 1]]

    def held_in_document(self, position: int, terms: Iterable[str]) -> set[str]:
        """Return the terms that some passage of the document of the passage at `position` holds.

        A document's passages are one run of positions when documents are in order (as every
        build makes them), so each term costs one binary search of its postings.
        """
        documents = self._documents()
        number = documents[position]
        if self._documents_in_order:
            lo = int(np.searchsorted(documents, number, side="left"))
            hi = int(np.searchsorted(documents, number, side="right"))
        held = set()
        for term in dict.fromkeys(terms):
            ids = self.passages_with(term)
            if not len(ids):
                continue
            if self._documents_in_order:
                at = int(np.searchsorted(ids, lo))
                if at < len(ids) and ids[at] < hi:
                    held.add(term)
            elif np.any(documents[ids] == number):
                held.add(term)
        return held

    def idf(self, term: str) -> float:
        """Return the variant's idf of term (0 for an unknown term, as rank-bm25 does)."""
        i = self._term_ids.get(term)
        return 0.0 if i is None else float(self.state.idf[i])

    def _query(
        self, terms: Sequence[str], weights: Sequence[float] | None, groups: Groups = ()
    ) -> tuple[list[int], list[float], float, Grouping]:
        """Return the known terms' ids and summed weights, in order of first use, the base, and
        the groups as positions in those lists.

        A term belongs to the first group naming it; unknown terms are dropped; a group left
        with fewer than two alternatives holding a known term is no group: its terms add up.
        """
        weights = weights or [1.0] * len(terms)
        combined: dict[int, float] = {}
        base = 0.0
        for term, weight in zip(terms, weights, strict=True):
            i = self._term_ids.get(term)
            if i is not None:
                combined[i] = combined.get(i, 0.0) + weight
                base += weight * float(self.state.base[i])
        term_ids = list(combined)
        position = {i: j for j, i in enumerate(term_ids)}
        claimed: set[int] = set()
        grouping = []
        for group in groups:
            alternatives = []
            taken: set[int] = set()
            for alternative in group:
                found = [position.get(self._term_ids.get(t, -1)) for t in alternative]
                members = tuple(
                    dict.fromkeys(j for j in found if j is not None and j not in claimed and j not in taken)
                )
                if members:
                    alternatives.append(members)
                    taken.update(members)
            if len(alternatives) > 1:
                grouping.append(tuple(alternatives))
                claimed |= taken
        return term_ids, list(combined.values()), base, tuple(grouping)

    def scores(
        self, terms: Sequence[str], weights: Sequence[float] | None = None, groups: Groups = ()
    ) -> np.ndarray:
        """Return the score of every passage, equal to rank-bm25's `get_scores(terms)`.

        With groups (names of one thing), a passage scores each group's best alternative, not
        their sum: the terms outside groups add up in query order, then each group's best.
        BM25Plus's base, the same for every passage, still counts for every term.
        """
        term_ids, query_weights, base, grouping = self._query(terms, weights, groups)
        scores = self._dense(term_ids, query_weights, grouping)
        return scores + base if base else scores

    def _dense(self, term_ids: list[int], query_weights: list[float], grouping: Grouping) -> np.ndarray:
        """Return every passage's score without the base, in one array."""
        scores = np.zeros(self.state.passage_count)
        grouped = _grouped(grouping)
        for j, (i, weight) in enumerate(zip(term_ids, query_weights, strict=True)):
            if j not in grouped:
                ids, weights = self._postings(i)
                scores[ids] += weight * weights
        for group in grouping:
            best = None
            for alternative in group:
                total = np.zeros(self.state.passage_count)
                for j in alternative:
                    ids, weights = self._postings(term_ids[j])
                    total[ids] += query_weights[j] * weights
                best = total if best is None else np.maximum(best, total, out=best)
            scores += best
        return scores

    def search(
        self,
        terms: Sequence[str],
        weights: Sequence[float] | None = None,
        top_k: int = 5,
        document_weight: float = 0.0,
        groups: Groups = (),
    ) -> tuple[Hit, ...]:
        """Return the best `top_k` passages holding at least one term, best first.

        Ties are broken by passage order, so results are the same on every run. A hit's score
        equals `scores(terms, weights, groups)` at its passage, plus `document_weight` times
        `document_scores(terms, weights, groups)` at its document when that weight is not 0.
        """
        term_ids, query_weights, base, grouping = self._query(terms, weights, groups)
        if not term_ids or top_k < 1:
            return ()
        if document_weight:
            positions, values = self._blend(term_ids, query_weights, grouping, document_weight, top_k)
            if base:
                values = values + base * (1 + document_weight)
        else:
            found = self._prune(term_ids, query_weights, grouping, top_k)
            positions, values = (
                found if found is not None else self._accumulate(term_ids, query_weights, grouping)
            )
            if base:
                values = values + base
        k = min(top_k, len(positions))
        if k == 0:
            return ()
        # Keep everything tied with the k-th best score, then sort by (-score, position).
        kth = np.partition(values, len(values) - k)[len(values) - k]
        keep = np.flatnonzero(values >= kth)
        order = keep[np.lexsort((positions[keep], -values[keep]))][:k]
        if self._after_search is not None:
            self._after_search()
        return tuple(
            Hit(self.passages[int(positions[j])], float(values[j]), rank, int(positions[j]))
            for rank, j in enumerate(order, start=1)
        )

    def _blend(
        self,
        term_ids: list[int],
        query_weights: list[float],
        grouping: Grouping,
        document_weight: float,
        top_k: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return passages holding a term with their blended scores (no base).

        Every passage's score changes with its document's, so no passage can be left out by
        its own score alone. When the terms' postings are few, every passage holding a term is
        scored. Otherwise the best `_POOL` (or `top_k`, if more) passages by their own score name
        the documents, and every passage of those documents holding a term is scored: a document
        none of whose passages is among them is not searched.
        """
        documents = self._documents()
        postings = sum(len(self._postings(i)[0]) for i in term_ids)
        if postings <= _EXACT_POSTINGS or not self._documents_in_order:
            positions, values = self._accumulate(term_ids, query_weights, grouping)
            by_document = self._document_scores(term_ids, query_weights, grouping)
            return positions, values + document_weight * by_document[documents[positions]]
        pool = max(_POOL, top_k)
        found = self._prune(term_ids, query_weights, grouping, pool)
        positions, values = (
            found if found is not None else self._accumulate(term_ids, query_weights, grouping)
        )
        if len(positions) > pool:
            positions = positions[np.argpartition(-values, pool - 1)[:pool]]
        # Every passage of those documents, in order: each document's passages are one run.
        named = np.unique(documents[positions])
        firsts = np.searchsorted(documents, named, side="left")
        ends = np.searchsorted(documents, named, side="right")
        sizes = ends - firsts
        members = np.repeat(firsts - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        runs = np.cumsum(sizes) - sizes  # where each document's passages start in `members`
        held = np.zeros(len(members), dtype=bool)
        own_parts, document_parts = [], []
        for i, w in zip(term_ids, query_weights, strict=True):
            ids, weights = self._postings(i)
            slot = np.searchsorted(ids, members)
            has = ids.take(slot, mode="clip") == members
            found_weights = np.where(has, weights.take(slot, mode="clip"), 0.0)
            own_parts.append(w * found_weights)
            held |= has
            # As `_document_scores`: the document's best passage for the term, never below 0.
            document_parts.append(w * np.maximum(np.maximum.reduceat(found_weights, runs), 0.0))
        own = _combine(own_parts, grouping)
        by_document = _combine(document_parts, grouping)
        blended = own + document_weight * np.repeat(by_document, sizes)
        return members[held], blended[held]

    def document_scores(
        self, terms: Sequence[str], weights: Sequence[float] | None = None, groups: Groups = ()
    ) -> np.ndarray:
        """Return each document's score: what one passage holding each term as well as the
        document's best passage for that term holds it would score.

        A document that answers a question in one passage and names its topic in another
        (a brand name only in the overview, "Valium" in one section and "opioids" in the next)
        scores as if one passage held both. Of a group of names of one thing, the document's
        best alternative counts. Documents are numbered in order of their first passage.
        """
        term_ids, query_weights, base, grouping = self._query(terms, weights, groups)
        return self._document_scores(term_ids, query_weights, grouping) + base

    def _documents(self) -> np.ndarray:
        """Return each passage's document number (documents numbered by first passage)."""
        numbers = self._document_numbers
        if numbers is None:
            # Made once; two threads making it at once make equal arrays, so no lock is needed.
            columns = getattr(self.passages, "columns", None)
            column = getattr(columns, "document", None)
            if column is not None:
                numbers = np.asarray(column, dtype=np.int64)
            else:
                first: dict[str, int] = {}
                numbers = np.fromiter(
                    (first.setdefault(p.doc_id, len(first)) for p in self.passages),
                    dtype=np.int64,
                    count=len(self.passages),
                )
            self._documents_in_order = bool(np.all(numbers[1:] >= numbers[:-1]))
            self._document_numbers = numbers
        return numbers

    def _document_scores(
        self, term_ids: list[int], query_weights: list[float], grouping: Grouping = ()
    ) -> np.ndarray:
        """Return each document's sum over terms of its passages' largest weight (no base), each
        group counting its best alternative."""
        documents = self._documents()
        if not len(documents):
            return np.zeros(0)
        size = int(documents[-1] if self._documents_in_order else documents.max()) + 1
        grouped = _grouped(grouping)
        totals = np.zeros(size)
        parts: list[np.ndarray | None] = []
        for j, (i, w) in enumerate(zip(term_ids, query_weights, strict=True)):
            part = totals if j not in grouped else np.zeros(size)
            parts.append(None if j not in grouped else part)
            ids, weights = self._postings(i)
            if not len(ids):
                continue
            owners = documents[ids]
            # A passage without the term adds nothing (Okapi, where a weight may be negative) or
            # the base (BM25Plus, added by the caller), so a document's best is never below 0.
            if self._documents_in_order:
                # Postings are in passage order, so each document's passages are one run.
                starts = np.flatnonzero(np.concatenate(([True], owners[1:] != owners[:-1])))
                part[owners[starts]] += w * np.maximum(np.maximum.reduceat(weights, starts), 0.0)
            else:
                best = np.zeros(size)
                np.maximum.at(best, owners, weights)
                part += w * best
        for group in grouping:
            totals += _best_alternative(parts, group)
        return totals

    def _postings(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.state.ptr[i], self.state.ptr[i + 1]
        return self.state.ids[lo:hi], self.state.weights[lo:hi]

    def _accumulate(
        self, term_ids: list[int], query_weights: list[float], grouping: Grouping = ()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return every passage holding a term (ascending) and its score without the base.

        Scores add up term by term in query order, as `scores` and rank-bm25 add them (the
        terms of groups after the others, as `scores` adds them).
        """
        postings = [self._postings(i) for i in term_ids]
        if len(postings) == 1:
            ids, weights = postings[0]
            return ids, query_weights[0] * weights
        total = sum(len(ids) for ids, _ in postings)
        if total < _SPARSE_SHARE * self.state.passage_count:
            positions = _union([ids for ids, _ in postings])
            return positions, self._score(positions, term_ids, query_weights, grouping)
        scores = self._dense(term_ids, query_weights, grouping)
        held = np.zeros(self.state.passage_count, dtype=bool)
        for ids, _ in postings:
            held[ids] = True
        positions = np.flatnonzero(held)
        return positions, scores[positions]

    def _score(
        self,
        positions: np.ndarray,
        term_ids: list[int],
        query_weights: list[float],
        grouping: Grouping = (),
    ) -> np.ndarray:
        """Return the scores (without the base) of distinct passages, given in ascending order.

        Each term's postings and the passages are matched by binary search of the shorter
        list in the longer one.
        """
        values = np.zeros(len(positions))
        grouped = _grouped(grouping)
        parts: list[np.ndarray | None] = []
        for j, (i, w) in enumerate(zip(term_ids, query_weights, strict=True)):
            part = values if j not in grouped else np.zeros(len(positions))
            parts.append(None if j not in grouped else part)
            ids, weights = self._postings(i)
            # A slot past the end is clipped to the last value, which then does not match.
            if len(ids) <= len(positions):
                slot = np.searchsorted(positions, ids)
                held = positions.take(slot, mode="clip") == ids
                part[slot[held]] += w * weights[held]
            else:
                slot = np.searchsorted(ids, positions)
                held = ids.take(slot, mode="clip") == positions
                part[held] += w * weights[slot[held]]
        for group in grouping:
            values += _best_alternative(parts, group)
        return values

    def _scratch(self) -> np.ndarray:
        """Return this thread's array of zeros, one per passage (the caller leaves it zeroed)."""
        scratch = getattr(self._local, "scores", None)
        if scratch is None:
            scratch = self._local.scores = np.zeros(self.state.passage_count)
        return scratch

    def _prune(
        self, term_ids: list[int], query_weights: list[float], grouping: Grouping, top_k: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Return passages that include the top `top_k`, with their scores; or None.

        MaxScore (Turtle and Flood, 1995): the exact scores of a few passages of the rarest
        terms give a floor under the k-th best score. A passage whose terms' largest weights
        add up to less than the floor cannot reach the top, so only the postings of the other,
        essential, terms bring candidates. Needs weights that are never negative; returns None
        when there is nothing to gain. A group scores at most the sum of its terms' largest
        weights, so the bounds hold for groups too.
        """
        state = self.state
        if len(term_ids) < 2 or min(query_weights) <= 0 or any(state.idf[i] < 0 for i in term_ids):
            return None
        postings = [self._postings(i) for i in term_ids]
        lengths = [len(ids) for ids, _ in postings]
        by_length = sorted(range(len(term_ids)), key=lengths.__getitem__)
        picked: list[int] = []
        covered = 0
        for j in by_length:
            picked.append(j)
            covered += lengths[j]
            if covered >= top_k:
                break
        if len(picked) == len(term_ids):
            return None
        # The floor: the k-th best exact score among the best passages of the rarest terms.
        sample = []
        for j in picked:
            ids, weights = postings[j]
            if len(ids) > _SAMPLE:
                ids = ids[np.argpartition(weights, len(ids) - _SAMPLE)[len(ids) - _SAMPLE :]]
            sample.append(ids)
        positions = _union(sample)
        if len(positions) < top_k:
            return None
        values = self._score(positions, term_ids, query_weights, grouping)
        floor = float(np.partition(values, len(values) - top_k)[len(values) - top_k])
        # Terms whose largest weights add up below the floor (with room for rounding) are not
        # essential; the others are.
        bounds = [w * float(state.max_weights[i]) for i, w in zip(term_ids, query_weights, strict=True)]
        bound = 0.0
        essential = []
        for j in sorted(range(len(term_ids)), key=bounds.__getitem__):
            bound += bounds[j]
            if bound * (1 + 1e-9) + 1e-12 >= floor:
                essential.append(j)
        candidates = sum(lengths[j] for j in essential)
        # A binary search costs about three times a dense array's add and reset (measured).
        if 3 * sum(min(candidates, n) for n in lengths) <= sum(lengths):
            positions = _union([postings[j][0] for j in essential])
            return positions, self._score(positions, term_ids, query_weights, grouping)
        # Many candidates: add every term's weights into a dense array, then keep the passages
        # of essential terms that reach the floor. Scores add up in the same order as above;
        # with groups, the sum is a bound and the passages kept are scored exactly.
        scratch = self._scratch()
        try:
            for (ids, weights), w in zip(postings, query_weights, strict=True):
                scratch[ids] += w * weights
            found = np.concatenate([postings[j][0] for j in essential])
            # With room for rounding: with groups, the exact score adds up in another order
            # (terms outside groups first), and may exceed this sum by a unit in the last place.
            positions = _union([found[scratch[found] * (1 + 1e-9) + 1e-12 >= floor]])
            if grouping:
                return positions, self._score(positions, term_ids, query_weights, grouping)
            return positions, scratch[positions]
        finally:
            for ids, _ in postings:
                scratch[ids] = 0.0


def _grouped(grouping: Grouping) -> set[int]:
    """Return the positions of the terms that belong to a group."""
    return {j for group in grouping for alternative in group for j in alternative}


def _best_alternative(parts: Sequence[np.ndarray | None], group: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """Return, element by element, the largest of the group's alternatives' sums of parts."""
    best = None
    for alternative in group:
        total = np.zeros_like(parts[alternative[0]])
        for j in alternative:
            total += parts[j]
        best = total if best is None else np.maximum(best, total, out=best)
    return best


def _combine(parts: list[np.ndarray], grouping: Grouping) -> np.ndarray:
    """Return the sum of the parts outside groups, in order, plus each group's best alternative."""
    grouped = _grouped(grouping)
    total = np.zeros_like(parts[0])
    for j, part in enumerate(parts):
        if j not in grouped:
            total += part
    for group in grouping:
        total += _best_alternative(parts, group)
    return total


def _union(arrays: list[np.ndarray]) -> np.ndarray:
    """Return the distinct values of some arrays of passage positions, ascending.

    Sorting and dropping repeats: `np.unique` takes far longer on these arrays in numpy 2.
    """
    if len(arrays) == 1 and len(arrays[0]) < 2:
        return arrays[0]
    values = np.sort(np.concatenate(arrays))
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]
