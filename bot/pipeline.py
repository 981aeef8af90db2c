"""The one place the stages are chained: `load` a corpus into a `Bot`, `ask` it questions.

read -> chunk -> analyze -> index -> retrieve -> answer -> present
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot import store
from bot.analysis import analyze, analyze_many
from bot.answer import extract_answer, no_more_prompt
from bot.config import Settings
from bot.conversation import chosen, context_words, is_more, shown_for_more
from bot.index import Index, state_from_ids
from bot.prepare import chunk_and_analyze
from bot.query import (
    Lexicon,
    build_lexicon,
    build_query,
    clean_question,
    learn_aliases,
)
from bot.read import read_corpus
from bot.records import Answer, Conversation, Corpus, Document, Hit, Passage, Problem, Query, Turn
from bot.table import DocumentTable
from bot.wording import is_medicine


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
    # Derived from the corpus when not given; `build` and the cache give them, so a corpus of a
    # million documents is not read through to make them.
    documents: Mapping[str, Document] | None = field(default=None, compare=False, repr=False)
    title_terms: frozenset[str] | None = field(default=None, compare=False, repr=False)
    name_terms: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    head_terms: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # The terms of the medicines documents are about: names of one thing, and titles' first
    # words that are medicines ("Tizanidine for spasticity").
    medicine_terms: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # Each document's own names (see `owned_terms`), found on first use: a document that is
    # never a hit is never read for them.
    _owned: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.documents is None:
            documents = self.corpus.documents
            by_id = (
                documents.by_id if isinstance(documents, DocumentTable) else {d.doc_id: d for d in documents}
            )
            object.__setattr__(self, "documents", by_id)
        if self.title_terms is None:
            titles = (d.title for d in self.corpus.documents)
            object.__setattr__(self, "title_terms", topic_terms(titles, self.lexicon, self.settings))
        if not self.name_terms:
            object.__setattr__(self, "name_terms", name_terms(self.lexicon, self.settings))
        if not self.head_terms or not self.medicine_terms:
            documents = self.corpus.documents
            # A table's title column is read without making a million document records.
            titles = (
                documents.columns.titles
                if isinstance(documents, DocumentTable)
                else (d.title for d in documents)
            )
            heads = dict.fromkeys(_head(title) for title in titles)
            heads_terms = {t for head in heads if head for t in analyze(head, self.settings)}
            object.__setattr__(self, "head_terms", self.name_terms | heads_terms)
            medicines = {
                t for head in heads if is_medicine(head.lower()) for t in analyze(head, self.settings)
            }
            object.__setattr__(self, "medicine_terms", self.name_terms | medicines)

    @property
    def passages(self) -> Sequence[Passage]:
        return self.index.passages

    def document_names(self, doc_id: str, title: str) -> frozenset[str]:
        """Return the terms of what a document is about: its title and its own names."""
        return frozenset(analyze(title, self.settings)) | self.owned_terms(doc_id)

    def owned_terms(self, doc_id: str) -> frozenset[str]:
        """Return the terms of the names a document writes as two names of one thing
        ("onabotulinumtoxinA (Botox)"): besides its title, what it is about."""
        found = self._owned.get(doc_id)
        if found is None:
            document = self.documents.get(doc_id)
            names = learn_aliases([document.text]) if document and self.settings.aliases else []
            found = frozenset(t for pair in names for name in pair for t in analyze(name, self.settings))
            # Two threads may both compute it: they store equal sets, so no lock is needed.
            self._owned[doc_id] = found
        return found


def _head(title: str) -> str:
    """Return the first word of a title when it is a word of four letters or more: what a title
    names first is what its document speaks of throughout ("Chlorzoxazone parafon forte")."""
    first = title.split(maxsplit=1)[0] if title.strip() else ""
    first = first.strip("\"'()[],:;.")
    return first if len(first) >= 4 and first.isalpha() else ""


def name_terms(lexicon: Lexicon, settings: Settings) -> frozenset[str]:
    """Return the terms of the names the corpus writes as two names of one thing ("Valium
    (diazepam)"): medicines, as a rule, where a synonyms file also names conditions and bodies
    ("MS, multiple sclerosis")."""
    pairs = [g for g in lexicon.groups if len(g) == 2 and all(len(item) == 1 for item in g)]
    return frozenset(t for g in pairs for item in g for t in analyze(item[0], settings))


def topic_terms(titles: Iterable[str], lexicon: Lexicon, settings: Settings) -> frozenset[str]:
    """Return the terms that can name a conversation's topic.

    They are the terms of document titles, and of the names the corpus and the synonyms file
    say are the same ("Botox", "Lioresal").
    """
    names = [" ".join(item) for group in lexicon.groups for item in group]
    texts = dict.fromkeys([*titles, *names])
    return frozenset(term for _, terms in analyze_many(texts, settings) for term in terms)


def build(
    corpus: Corpus, settings: Settings, workers: int = 1, lap: Callable[[str], None] = lambda stage: None
) -> Bot:
    """Chunk, analyze and index a corpus (no I/O), chunking and analyzing in `workers` processes.

    `lap` is called as each stage ends ("chunk", "analyze", "fit"), for a benchmark to time the
    real build.
    """
    passages, problems, analyzed = chunk_and_analyze(corpus, settings, workers)
    lap("chunk")
    lexicon = Lexicon(analyzed.word_counts, build_lexicon(corpus, (), settings, analyzed.aliases).groups)
    title_terms = topic_terms((d.title for d in corpus.documents), lexicon, settings)
    # From here on the documents are read from their table: when the caller keeps no other
    # reference, the records read from disk are freed before the index takes its memory.
    corpus = dataclasses.replace(corpus, documents=passages.documents, problems=problems)
    lap("analyze")
    state = state_from_ids(analyzed.encoded, settings, corpus.root)
    del analyzed  # the passages' term ids, freed before the index is made
    index = Index(passages, state)
    lap("fit")
    return Bot(corpus, index, lexicon, settings, problems, title_terms=title_terms)


def load(
    corpus_path: str | os.PathLike[str],
    settings: Settings | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    workers: int = 1,
) -> Bot:
    """Load a corpus: from the cache when it matches the files and settings, else by building
    (in `workers` processes: see `chunk_and_analyze`).

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
            return Bot(
                cached.corpus,
                Index(cached.passages, cached.state, cached.after_search),
                cached.lexicon,
                settings,
                cached.corpus.problems,
                fingerprint,
                _modified(target),
                from_cache=True,
                title_terms=cached.title_terms,
            )
    bot = build(read_corpus(path), settings, workers)
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    if use_cache:
        try:
            store.save_cache(
                target, fingerprint, bot.corpus, bot.passages, bot.index.state, bot.lexicon, bot.title_terms
            )
        except OSError as err:
            notes.append(Problem(str(target), None, f"index cache not written ({err.strerror or err})"))
    return dataclasses.replace(
        bot, problems=bot.problems + tuple(notes), fingerprint=fingerprint, built_at=built_at
    )


def _modified(path: Path) -> str:
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return stamp.isoformat(timespec="seconds")


def search(bot: Bot, query: Query, top_k: int) -> tuple[Hit, ...]:
    """Return the best `top_k` passages for what a question searches, with the bot's settings."""
    return bot.index.search(query.terms, query.weights, top_k, bot.settings.document_weight, query.groups)


def ask(
    bot: Bot, question: str, conversation: Conversation | None = None, top_k: int | None = None
) -> tuple[Answer, Conversation]:
    """Answer a question, using and extending the conversation.

    Quotes are chosen from the `answer_passages` best passages whatever `top_k` is; the answer
    lists the `top_k` best, and the passages it quotes.

    Raises:
        QuestionError: the question is over the length limit.
    """
    conversation = conversation or Conversation()
    top_k = top_k or bot.settings.top_k
    pool = max(top_k, bot.settings.answer_passages)
    cleaned = clean_question(question)

    def in_document(hit: Hit, terms: Sequence[str]) -> set[str]:
        return bot.index.held_in_document(hit.position, terms) if hit.position >= 0 else set()

    def answer_from(
        asked: str, query: Query, hits: tuple[Hit, ...], topic: bool = False, quoted: Collection = ()
    ) -> Answer:
        answer = extract_answer(
            asked,
            query,
            hits[: bot.settings.answer_passages],
            bot.documents,
            bot.index.document_frequency,
            len(bot.index),
            bot.settings,
            bot.name_terms,
            in_document,
            topic,
            bot.head_terms,
            bot.document_names,
            quoted,
        )
        return dataclasses.replace(answer, hits=_shown(answer, hits, top_k))

    if not cleaned:
        return answer_from("", Query("", ()), ()), conversation
    previous = shown_for_more(conversation) if is_more(cleaned) else None
    picked = chosen(conversation, cleaned)
    if picked:
        # A document picked from those a vague question could be about: the question, asked of it.
        turn, title = picked
        query = dataclasses.replace(turn.query, text=f"{turn.query.text} (in \u201c{title}\u201d)")
        found = search(bot, query, max(pool * 8, 40))
        hits = tuple(
            dataclasses.replace(h, rank=rank)
            for rank, h in enumerate((h for h in found if h.passage.doc_title == title), start=1)
        )[:pool]
        answer = dataclasses.replace(answer_from(turn.question, query, hits, True), question=cleaned)
    elif previous:
        turn, quoted, listed = previous
        query = turn.query
        # The next best sentences not quoted yet, from the passages not yet quoted from first.
        hits = search(bot, query, pool + len(listed))
        quoted_passages = {passage_id for passage_id, _ in quoted}
        hits = tuple(
            dataclasses.replace(h, rank=rank)
            for rank, h in enumerate(
                sorted(hits, key=lambda h: (h.passage.passage_id in quoted_passages, h.rank)), start=1
            )
        )[:pool]
        answer = answer_from(turn.question, query, hits, bool(query.borrowed), quoted)
        if answer.abstained:
            # The next passages do not answer what the question asked: say there is no more,
            # never that words the corpus has are missing.
            answer = Answer(cleaned, query, True, (), (), (), no_more_prompt(turn.question))
        else:
            # Listed: the passages it quotes, then the best not listed before.
            fresh = [h for h in hits if h.passage.passage_id not in listed]
            now_quoted = {q.passage_id for q in answer.quotes}
            keep = {h.passage.passage_id for h in fresh[:top_k]} | now_quoted
            shown = tuple(
                dataclasses.replace(h, rank=rank)
                for rank, h in enumerate((h for h in hits if h.passage.passage_id in keep), start=1)
            )
            answer = dataclasses.replace(answer, question=cleaned, hits=shown)
    else:
        query = build_query(
            cleaned, bot.lexicon, bot.index, bot.settings, (), bot.medicine_terms, bot.index.family
        )
        context = context_words(
            conversation, query, cleaned, bot.title_terms, bot.medicine_terms, bot.document_names
        )
        if context:
            query = build_query(
                cleaned, bot.lexicon, bot.index, bot.settings, context, bot.medicine_terms, bot.index.family
            )
        hits = search(bot, query, pool)
        answer = answer_from(cleaned, query, hits, any(role != "context" for _, _, role in context))
    turn = Turn(cleaned, answer.query, answer)
    return answer, Conversation(conversation.turns + (turn,))


def _shown(answer: Answer, hits: tuple[Hit, ...], top_k: int) -> tuple[Hit, ...]:
    """Return the passages an answer lists: the `top_k` best, then any other it quotes."""
    quoted = {q.passage_id for q in answer.quotes}
    return tuple(h for h in hits if h.rank <= top_k or h.passage.passage_id in quoted)
