"""What every page shares: the corpus path, and the loaded `Bot`, cached once per server process.

The cached `Bot` is shared by every session and thread and never mutated; a change in the corpus
folder changes its fingerprint, which loads a new one on the next run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import streamlit as st

from bot import pipeline, present, store
from bot.cli import default_corpus
from bot.config import Settings
from bot.errors import CitebotError
from bot.records import Document, Passage
from bot.table import PassageTable


def corpus_path() -> str:
    """Return the corpus the CLI would use: $CITEBOT_CORPUS, else the project's corpus/ folder."""
    return default_corpus()


@st.cache_resource(max_entries=4, show_spinner="Indexing the documents\u2026")
def _load(corpus: str, settings: Settings, fingerprint: str) -> pipeline.Bot:
    return pipeline.load(corpus, settings)


def current_bot(settings: Settings | None = None) -> pipeline.Bot:
    """Return the loaded corpus for these settings, reloading when a corpus file changed."""
    settings = settings or Settings()
    corpus = corpus_path()
    return _load(corpus, settings, store.fingerprint(corpus, settings))


# --- shared by the chat and the documents pages -------------------------------------------

DOCUMENTS_PAGE = "pages/1_Documents.py"


def bot_or_stop(settings: Settings | None = None) -> pipeline.Bot:
    """Return the loaded corpus; when it cannot be loaded, say why and stop the page."""
    try:
        return current_bot(settings)
    except CitebotError as error:
        st.error(present.escape_markdown(str(error)))
        st.stop()


def use_style() -> None:
    """Add the page style the HTML of `bot.present` uses (quotes, chips, marks)."""
    st.html(present.PAGE_STYLE)


def corpus_folder() -> Path | None:
    """Return the corpus folder, or None when the corpus is a single file (no uploads then)."""
    path = Path(corpus_path())
    return path if path.is_dir() else None


def passage_counts(bot: pipeline.Bot) -> Counter[str]:
    """Return the number of passages of each document, by document id."""
    passages = bot.passages
    if isinstance(passages, PassageTable):
        return Counter(passages.counts_by_document())
    return Counter(p.doc_id for p in passages)


def passage_count(bot: pipeline.Bot, doc_id: str) -> int:
    """Return the number of passages of one document (0 when the corpus has no such document)."""
    passages = bot.passages
    if isinstance(passages, PassageTable):
        return len(passages.positions_of(doc_id))
    return sum(p.doc_id == doc_id for p in passages)


def find_passage(bot: pipeline.Bot, passage_id: str) -> Passage | None:
    """Return the passage with this id, or None when the corpus has none (it may have changed)."""
    passages = bot.passages
    if isinstance(passages, PassageTable):
        return passages.find(passage_id)
    return next((p for p in passages if p.passage_id == passage_id), None)


def filter_documents(documents: Iterable[Document], text: str) -> list[Document]:
    """Return the documents whose title, file or section headings hold every word of text."""
    wanted = text.casefold().split()
    return [
        d
        for d in documents
        if all(w in " ".join([d.title, d.path, *(s.heading for s in d.sections)]).casefold() for w in wanted)
    ]
