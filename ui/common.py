"""What every page shares: the corpus path, and the loaded `Bot`, cached once per server process.

The cached `Bot` is shared by every session and thread and never mutated; a change in the corpus
folder changes its fingerprint, which loads a new one on the next run.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from bot import pipeline, store
from bot.config import Settings

PROJECT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def corpus_path() -> str:
    """Return $CITEBOT_CORPUS, else the project's corpus/ folder (as the CLI does)."""
    return os.environ.get("CITEBOT_CORPUS") or str(PROJECT_CORPUS)


@st.cache_resource(max_entries=4, show_spinner="Indexing the documents\u2026")
def _load(corpus: str, settings: Settings, fingerprint: str) -> pipeline.Bot:
    return pipeline.load(corpus, settings)


def current_bot(settings: Settings | None = None) -> pipeline.Bot:
    """Return the loaded corpus for these settings, reloading when a corpus file changed."""
    settings = settings or Settings()
    corpus = corpus_path()
    return _load(corpus, settings, store.fingerprint(corpus, settings))
