"""The systems the benchmark compares, behind one small interface.

- `rank-bm25`: plain rank-bm25 as most users write it: `BM25Okapi` on lower-cased, split words of
  title and text, `get_scores`, then the top 10 by `argsort`; saved and loaded with pickle.
- `rank-bm25+analyzer`: rank-bm25 on the terms citebot indexes, fitted as citebot's settings say
  (variant, k1, b, delta: `bot.index.fit_model`), so its scores are the ones citebot must equal.
- `bm25s`: bm25s on citebot's terms with citebot's variant and parameters (float32, as bm25s
  scores), saved with `save` and loaded memory-mapped; `retrieve(k=10)` as shipped, and its
  `get_scores` with a fast top-k.
- `citebot`: `bot.pipeline` stage by stage as `load` runs them; served by `load` from its cache.
"""

from __future__ import annotations

import json
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

TOP = 10
Result = list[tuple[int, float]]


def read_passages(corpus: Path) -> list[tuple[str, str]]:
    """Return the (title, text) of every passage of a BEIR corpus.jsonl."""
    with corpus.open(encoding="utf-8") as lines:
        return [(r["title"], r["text"]) for r in map(json.loads, lines)]


def _top(scores: np.ndarray) -> Result:
    order = np.argsort(scores)[::-1][:TOP]
    return [(int(i), float(scores[i])) for i in order]


def _fast_top(scores: np.ndarray) -> Result:
    k = min(TOP, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i), float(scores[i])) for i in top]


class Timer:
    """Seconds per named stage."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - self._last
        self._last = now


def _our_terms(passages: list[tuple[str, str]]) -> list[list[str]]:
    """Return the terms citebot indexes each passage under (a corpus line is one section)."""
    from bot import Settings
    from bot.analysis import analyze_many
    from bot.prepare import indexed_text

    settings = Settings()
    texts = (indexed_text(title, title, text, settings) for title, text in passages)
    return [terms for _, terms in analyze_many(texts, settings)]


def _query_terms(question: str) -> list[str]:
    from bot import Settings
    from bot.analysis import analyze

    return analyze(question, Settings())


class RankBM25:
    """rank-bm25's `BM25Okapi`, with split lower-cased words or with citebot's analyzer."""

    def __init__(self, name: str, analyzer: bool) -> None:
        self.name = name
        self.analyzer = analyzer
        self.model = None

    def _file(self, work: Path) -> Path:
        return work / f"{self.name}.pickle"

    def prepare(self) -> None:
        """Import what serving needs, so that loading is timed alone."""
        import rank_bm25  # noqa: F401

        if self.analyzer:
            _query_terms("warm")

    def build(self, corpus: Path, work: Path) -> dict[str, float]:
        from rank_bm25 import BM25Okapi

        timer = Timer()
        passages = read_passages(corpus)
        timer.lap("read")
        if self.analyzer:
            tokens = _our_terms(passages)
        else:
            tokens = [f"{title} {text}".lower().split() for title, text in passages]
        del passages
        timer.lap("analyze")
        if self.analyzer:
            from bot import Settings
            from bot.index import fit_model

            model = fit_model(tokens, Settings())
        else:
            model = BM25Okapi(tokens)
        del tokens
        timer.lap("fit")
        with self._file(work).open("wb") as out:
            pickle.dump(model, out, protocol=pickle.HIGHEST_PROTOCOL)
        timer.lap("save")
        return timer.stages

    def disk_bytes(self, work: Path) -> int:
        return self._file(work).stat().st_size

    def load(self, corpus: Path, work: Path) -> None:
        with self._file(work).open("rb") as source:
            self.model = pickle.load(source)

    def tokens(self, question: str) -> list[str]:
        return _query_terms(question) if self.analyzer else question.lower().split()

    def retrieve(self, question: str) -> Result:
        return _top(self.model.get_scores(self.tokens(question)))


class BM25S:
    """bm25s on citebot's tokens."""

    name = "bm25s"

    def __init__(self) -> None:
        self.retriever = None

    def build(self, corpus: Path, work: Path) -> dict[str, float]:
        import bm25s

        timer = Timer()
        passages = read_passages(corpus)
        timer.lap("read")
        tokens = _our_terms(passages)
        del passages
        timer.lap("analyze")
        from bot import Settings

        settings = Settings()
        method = {"okapi": "robertson", "bm25l": "bm25l", "bm25plus": "bm25+"}[settings.variant]
        retriever = bm25s.BM25(method=method, k1=settings.k1, b=settings.b, delta=settings.bm25_delta)
        retriever.index(tokens, show_progress=False)
        del tokens
        timer.lap("fit")
        retriever.save(work / "bm25s")
        timer.lap("save")
        return timer.stages

    def disk_bytes(self, work: Path) -> int:
        return sum(p.stat().st_size for p in (work / "bm25s").iterdir())

    def prepare(self) -> None:
        import bm25s  # noqa: F401

        _query_terms("warm")

    def load(self, corpus: Path, work: Path) -> None:
        import bm25s

        self.retriever = bm25s.BM25.load(work / "bm25s", mmap=True)

    def retrieve(self, question: str) -> Result:
        terms = _query_terms(question)
        if not terms:
            return []
        ids, scores = self.retriever.retrieve([terms], k=TOP, show_progress=False, n_threads=0)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True)]

    def retrieve_fast(self, question: str) -> Result:
        """bm25s's scores with the top-k citebot uses for dense arrays (`argpartition(-scores)`)."""
        terms = _query_terms(question)
        if not terms:
            return []
        return _fast_top(self.retriever.get_scores(terms))


class Citebot:
    """citebot: built stage by stage as `pipeline.load` builds, served by `pipeline.load`."""

    name = "citebot"

    def __init__(self) -> None:
        self.bot = None

    def build(self, corpus: Path, work: Path) -> dict[str, float]:
        from bot import Settings, pipeline, store
        from bot.read import read_corpus

        settings = Settings()
        timer = Timer()
        read = [read_corpus(corpus)]
        timer.lap("read")
        # The real build, timed stage by stage: the figures are those of `bot index`. Popped, the
        # records read are the build's alone, which frees them before the index takes its memory.
        built = pipeline.build(read.pop(), settings, os.cpu_count() or 1, timer.lap)
        if len(built.passages) != len(built.corpus.documents):
            raise RuntimeError(
                f"{len(built.corpus.documents)} documents made {len(built.passages)} passages, not one each"
            )
        fingerprint = store.fingerprint(corpus, settings)
        store.save_cache(
            store.cache_file(work, settings),
            fingerprint,
            built.corpus,
            built.passages,
            built.index.state,
            built.lexicon,
            built.title_terms,
        )
        timer.lap("save")
        return timer.stages

    def disk_bytes(self, work: Path) -> int:
        return sum(p.stat().st_size for p in work.glob("index-*"))

    def prepare(self) -> None:
        import bot.pipeline  # noqa: F401

        _query_terms("warm")

    def load(self, corpus: Path, work: Path) -> None:
        from bot import Settings, pipeline, store

        if not store.cache_file(work, Settings()).is_file():
            raise RuntimeError(
                "no citebot cache for these settings: did bot/config.py change during the run?"
            )
        self.bot = pipeline.load(corpus, cache_dir=work)
        if not self.bot.from_cache:
            raise RuntimeError(f"citebot did not load from its cache: {self.bot.problems}")

    def retrieve(self, question: str) -> Result:
        hits = self.bot.index.search(_query_terms(question), top_k=TOP)
        # Each passage of a benchmark corpus is one document "p<position>" (checked when built).
        return [(int(h.passage.doc_id[1:]), h.score) for h in hits]

    def answer(self, question: str) -> Result:
        from bot import pipeline

        answer, _ = pipeline.ask(self.bot, question)
        return [(len(answer.quotes), float(answer.abstained))]


SYSTEMS: dict[str, Callable[[], object]] = {
    "rank-bm25": lambda: RankBM25("rank-bm25", analyzer=False),
    "rank-bm25+analyzer": lambda: RankBM25("rank-bm25+analyzer", analyzer=True),
    "bm25s": BM25S,
    "citebot": Citebot,
}
