"""The one place the stages are chained: `load` a corpus into a `Bot`, `ask` it questions.

read -> chunk -> analyze -> index -> retrieve -> answer -> present
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot import store
from bot.analysis import analyze
from bot.answer import extract_answer
from bot.chunk import check_markers, chunk_document
from bot.config import Settings
from bot.conversation import context_words, is_more, shown_for_more
from bot.index import Index, build_state
from bot.query import Lexicon, build_lexicon, build_query, clean_question
from bot.read import read_corpus
from bot.records import Answer, Conversation, Corpus, Document, Passage, Problem, Query, Turn


@dataclass(frozen=True, slots=True)
class Bot:
    """A loaded corpus, ready for questions. Never mutated: a change loads a new one."""

    corpus: Corpus
    index: Index
    lexicon: Lexicon
    settings: Settings
    problems: tuple[Problem, ...]
    fingerprint: str = ""
    built_at: str = ""
    from_cache: bool = False
    documents: dict[str, Document] = field(default_factory=dict, compare=False, repr=False)
    title_terms: set[str] = field(default_factory=set, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.documents.update({d.doc_id: d for d in self.corpus.documents})
        # Words that can name a conversation's topic: document titles, and the names the corpus
        # and the synonyms file say are the same ("Botox", "Lioresal").
        names = [" ".join(item) for group in self.lexicon.groups for item in group]
        self.title_terms.update(
            t
            for text in [d.title for d in self.corpus.documents] + names
            for t in analyze(text, self.settings)
        )

    @property
    def passages(self) -> tuple[Passage, ...]:
        return self.index.passages


def passage_terms(passage: Passage, settings: Settings) -> list[str]:
    """Return the terms a passage is indexed under: its text, section heading and title."""
    # Text before the first heading is a section named after the title: count the title once.
    section = [] if passage.section == passage.doc_title else [passage.section]
    heading = " ".join([passage.doc_title] * settings.title_weight + section * settings.section_weight)
    return analyze(f"{heading} {passage.text}", settings)


def build(corpus: Corpus, settings: Settings) -> Bot:
    """Chunk, analyze and index a corpus (no I/O)."""
    passages: list[Passage] = []
    problems = list(corpus.problems)
    for document in corpus.documents:
        chunks = chunk_document(document, settings)
        problems.extend(check_markers(document, chunks))
        passages.extend(chunks)
    state = build_state([passage_terms(p, settings) for p in passages], settings, corpus.root)
    index = Index(passages, state)
    lexicon = build_lexicon(corpus, passages, settings)
    corpus = dataclasses.replace(corpus, problems=tuple(problems))
    return Bot(corpus, index, lexicon, settings, tuple(problems))


def load(
    corpus_path: str | os.PathLike[str],
    settings: Settings | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
) -> Bot:
    """Load a corpus: from the cache when it matches the files and settings, else by building.

    Raises:
        CorpusNotFoundError, EmptyCorpusError, DuplicateDocumentError, CorpusFormatError.
    """
    settings = settings or Settings()
    path = Path(corpus_path)
    if not path.exists():
        read_corpus(path)  # raises CorpusNotFoundError with the path
    fingerprint = store.fingerprint(path, settings)
    target = store.cache_file(Path(cache_dir) if cache_dir else store.default_cache_dir(path), settings)
    notes: list[Problem] = []
    if use_cache:
        cached, problem = store.load_cache(target, fingerprint)
        if problem:
            notes.append(problem)
        if cached:
            corpus, passages, state, lexicon = cached
            return Bot(
                corpus,
                Index(passages, state),
                lexicon,
                settings,
                corpus.problems,
                fingerprint,
                _modified(target),
                from_cache=True,
            )
    bot = build(read_corpus(path), settings)
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    if use_cache:
        try:
            store.save_cache(target, fingerprint, bot.corpus, bot.passages, bot.index.state, bot.lexicon)
        except OSError as err:
            notes.append(Problem(str(target), None, f"index cache not written ({err.strerror or err})"))
    return dataclasses.replace(
        bot,
        problems=bot.problems + tuple(notes),
        fingerprint=fingerprint,
        built_at=built_at,
        documents={},
        title_terms=set(),
    )


def _modified(path: Path) -> str:
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return stamp.isoformat(timespec="seconds")


def ask(
    bot: Bot, question: str, conversation: Conversation | None = None, top_k: int | None = None
) -> tuple[Answer, Conversation]:
    """Answer a question, using and extending the conversation.

    Raises:
        QuestionError: the question is over the length limit.
    """
    conversation = conversation or Conversation()
    top_k = top_k or bot.settings.top_k
    cleaned = clean_question(question)
    count = len(bot.index)
    if not cleaned:
        empty = Query("", ())
        return extract_answer(
            "", empty, (), bot.documents, bot.index.document_frequency, count, bot.settings
        ), conversation
    previous = shown_for_more(conversation) if is_more(cleaned) else None
    if previous:
        turn, shown = previous
        query = turn.query
        hits = bot.index.search(query.terms, query.weights, top_k + len(shown))
        hits = tuple(
            dataclasses.replace(h, rank=rank)
            for rank, h in enumerate((h for h in hits if h.passage.passage_id not in shown), start=1)
        )[:top_k]
        answer = extract_answer(
            turn.question, query, hits, bot.documents, bot.index.document_frequency, count, bot.settings
        )
        answer = dataclasses.replace(answer, question=cleaned)
    else:
        context = context_words(conversation, cleaned, bot.title_terms, bot.settings)
        query = build_query(cleaned, bot.lexicon, bot.index, bot.settings, context)
        hits = bot.index.search(query.terms, query.weights, top_k)
        answer = extract_answer(
            cleaned, query, hits, bot.documents, bot.index.document_frequency, count, bot.settings
        )
    turn = Turn(cleaned, answer.query, answer)
    return answer, Conversation(conversation.turns + (turn,))
