"""What every page shares: the corpus path, and the loaded `Bot`, cached once per server process.

The cached `Bot` is shared by every session and thread and never mutated; a change in the corpus
folder changes its fingerprint, which loads a new one on the next run.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import streamlit as st

from bot import access, changes, evaluate, pipeline, present, store
from bot.cli import default_corpus
from bot.config import Settings
from bot.errors import CitebotError, SettingsError
from bot.records import Document, Passage
from bot.table import PassageTable


def corpus_path() -> str:
    """Return the corpus the CLI would use: $CITEBOT_CORPUS, else the project's corpus/ folder."""
    return default_corpus()


class _Shelf:
    """The loaded corpus of each (corpus, settings), shared by every session of the server.

    When the corpus changes, the new index is built in a background thread while every session
    keeps answering from the one it has; a session that must see the change (the one that just
    added or removed a document) waits for it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bots: dict[tuple[str, Settings], pipeline.Bot] = {}
        self._building: dict[tuple[str, Settings], str] = {}  # key -> fingerprint being built
        self._failed: dict[tuple[str, Settings], tuple[str, CitebotError]] = {}
        self._build_locks: dict[tuple[str, Settings], threading.Lock] = {}

    def get(self, corpus: str, settings: Settings, wait: bool) -> pipeline.Bot:
        key = (corpus, settings)
        fingerprint = store.fingerprint(corpus, settings)
        with self._lock:
            bot = self._bots.get(key)
            failed = self._failed.get(key)
            if bot is not None and bot.fingerprint == fingerprint:
                return bot
            if failed and failed[0] == fingerprint:
                raise failed[1]
            if bot is not None and not wait:
                if self._building.get(key) != fingerprint:
                    self._building[key] = fingerprint
                    threading.Thread(
                        target=self._build, args=(key, fingerprint), name=REBUILD_THREAD, daemon=True
                    ).start()
                return bot
        return self._build(key, fingerprint)

    def loaded(self, corpus: str, settings: Settings) -> bool:
        """Return whether some index of this corpus is loaded, current or not."""
        with self._lock:
            return (corpus, settings) in self._bots

    def rebuilding(self, corpus: str, settings: Settings) -> bool:
        """Return whether a new index of this corpus is being built while the old one answers."""
        with self._lock:
            return (corpus, settings) in self._building

    def _build(self, key: tuple[str, Settings], fingerprint: str) -> pipeline.Bot:
        with self._lock:
            build_lock = self._build_locks.setdefault(key, threading.Lock())
        with build_lock:  # one build of a corpus at a time; a waiting one may find it done
            try:
                with self._lock:
                    bot = self._bots.get(key)
                if bot is not None and bot.fingerprint == fingerprint:
                    return bot  # built by the build this one waited for
                try:
                    bot = pipeline.load(*key)
                except CitebotError as error:
                    with self._lock:
                        self._failed[key] = (fingerprint, error)
                    raise
                with self._lock:
                    self._bots[key] = bot
                    self._failed.pop(key, None)
                    while len(self._bots) > MAX_LOADED:
                        self._bots.pop(next(iter(self._bots)))
                return bot
            finally:
                with self._lock:
                    if self._building.get(key) == fingerprint:
                        del self._building[key]


REBUILD_THREAD = "citebot-rebuild"
# Corpora (or settings) kept loaded at once.
MAX_LOADED = 4


@st.cache_resource
def _shelf() -> _Shelf:
    return _Shelf()


def current_bot(settings: Settings | None = None, wait: bool = False) -> pipeline.Bot:
    """Return the loaded corpus for these settings. After a change to the corpus, the one loaded
    before is returned while the new one builds in the background, unless `wait` is true (or
    none is loaded yet): then the new one is built, or waited for, first."""
    return _shelf().get(corpus_path(), settings or Settings(), wait)


def rebuilding(settings: Settings | None = None) -> bool:
    """Return whether answers come from the index as it was while a new one builds."""
    return _shelf().rebuilding(corpus_path(), settings or Settings())


# --- shared by the chat and the documents pages -------------------------------------------

DOCUMENTS_PAGE = "pages/1_Documents.py"


def bot_or_stop(settings: Settings | None = None, wait: bool = False) -> pipeline.Bot:
    """Return the loaded corpus (see `current_bot`); when it cannot be loaded, say why and stop
    the page."""
    try:
        if wait or not _shelf().loaded(corpus_path(), settings or Settings()):
            with st.spinner("Indexing the documents\u2026"):
                return current_bot(settings, wait=True)
        bot = current_bot(settings)
        if rebuilding(settings):
            st.caption(
                ":material/sync: The documents changed; until they are indexed again, answers "
                "come from them as they were."
            )
        return bot
    except CitebotError as error:
        st.error(present.escape_markdown(visible(str(error))))
        st.stop()


def example_questions() -> list[str]:
    """Return a few questions the documents answer, from the corpus's test questions file
    (`bot.evaluate.QUESTIONS_FILE`); none when it is missing or cannot be read."""
    path = Path(corpus_path()) / evaluate.QUESTIONS_FILE
    try:
        modified = path.stat().st_mtime_ns
    except OSError:
        return []
    return _example_questions(str(path), modified)


@st.cache_data(max_entries=4, show_spinner=False)
def _example_questions(path: str, modified: int) -> list[str]:
    try:
        return evaluate.example_questions(evaluate.read_questions(path))
    except CitebotError:
        return []


def visible(text: str) -> str:
    """Return text with the server's folders left out: the corpus folder goes by its name."""
    path = Path(corpus_path())
    for folder in sorted({str(path.resolve()), str(path.absolute())}, key=len, reverse=True):
        if folder != os.sep:
            text = text.replace(folder, path.resolve().name)
    return text


def upload_notes(bot: pipeline.Bot) -> dict[str, str]:
    """Return the "added in the browser on ..." words of each uploaded document, by id."""
    return _upload_notes(bot.fingerprint, corpus_folder(), bot.corpus.documents)


@st.cache_data(max_entries=4, show_spinner=False)
def _upload_notes(fingerprint: str, folder: Path | None, _documents: Iterable[Document]) -> dict[str, str]:
    # The fingerprint changes with every upload and removal, and so with the log.
    return changes.upload_notes(folder, _documents)


# --- who may change the corpus --------------------------------------------------------------

SIGN_IN_ATTEMPTS = 5
SIGN_IN_PAUSE_SECONDS = 60


def server_access() -> access.Access:
    """Return this server's write rule (see `bot.access`): from the address it listens on, the
    environment and Streamlit's secrets. A badly written key turns writes off, saying why."""
    try:
        return access.decide(st.get_option("server.address"), os.environ, _secret_keys())
    except SettingsError as error:
        return access.Access(access.Writes.OFF, f"the access keys are badly written ({error})")


def _secret_keys() -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in st.secrets.get("admin_keys", {}).items()}
    except (FileNotFoundError, KeyError, AttributeError):  # no secrets file
        return {}
    except Exception as error:  # Streamlit's own error for an unreadable secrets file
        if type(error).__name__.startswith("StreamlitSecret"):
            return {}
        raise


def writer(purpose: str) -> str | None:
    """Return the name a change made now is logged under, or None when this visitor may not
    make changes (then say why, offering to sign in with a key where one would do)."""
    rule = server_access()
    if rule.writes is access.Writes.OPEN:
        return access.LOCAL_NAME
    if rule.writes is access.Writes.OFF:
        st.info(f"To {purpose}: not possible here, {rule.reason}.")
        return None
    name = st.session_state.get("signed_in_as")
    if name:
        return name
    st.info(f"To {purpose}, sign in: {rule.reason}.")
    attempts = st.session_state.setdefault("sign_in_failures", [])
    now = time.monotonic()
    attempts[:] = [t for t in attempts if now - t < SIGN_IN_PAUSE_SECONDS]
    with st.form(f"sign-in-{purpose}", border=False):
        given = st.text_input("Access key", type="password", key=f"access-key-{purpose}")
        submitted = st.form_submit_button("Sign in", icon=":material/key:")
    if not submitted:
        return None
    if len(attempts) >= SIGN_IN_ATTEMPTS:
        st.error(f"Too many wrong keys; try again in a minute (after {SIGN_IN_ATTEMPTS} wrong keys).")
        return None
    name = rule.holder(given)
    if name is None:
        attempts.append(now)
        st.error("That is not an access key of this server.")
        return None
    st.session_state.signed_in_as = name
    st.rerun()
    return name


# --- one evaluation at a time ---------------------------------------------------------------

# Settings one run in the browser compares (each builds an index), besides the defaults and
# the baseline, and the turns it asks: `bot eval` has no such limit.
MAX_EVAL_SETTINGS = 6
MAX_EVAL_TURNS = 2000


class JobQueue:
    """Runs one job at a time for the whole server; the others wait their turn, in order."""

    def __init__(self) -> None:
        self._turn = threading.Lock()
        self._count = threading.Lock()
        self.queued = 0

    @contextlib.contextmanager
    def turn(self, waiting: Callable[[int], None]) -> Iterator[None]:
        """Hold the server's turn for one job; first call waiting(n) when n jobs are ahead."""
        with self._count:
            ahead = self.queued
            self.queued += 1
        try:
            if ahead:
                waiting(ahead)
            with self._turn:
                yield
        finally:
            with self._count:
                self.queued -= 1


@st.cache_resource
def evaluation_queue() -> JobQueue:
    """Return the server's one queue of evaluation runs, shared by every session."""
    return JobQueue()


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
