"""citebot: answers questions from a folder of documents by quoting them, with their references."""

from bot.config import Settings
from bot.errors import (
    CitebotError,
    CorpusFormatError,
    CorpusNotFoundError,
    DuplicateDocumentError,
    EmptyCorpusError,
    QuestionError,
    SettingsError,
)
from bot.pipeline import Bot, ask, build, load
from bot.read import read_corpus
from bot.records import (
    Answer,
    Citation,
    Conversation,
    Corpus,
    Document,
    Hit,
    Passage,
    Problem,
    Query,
    Quote,
    Reference,
    Section,
    Sentence,
    Turn,
)

__all__ = [
    "Answer",
    "Bot",
    "Citation",
    "CitebotError",
    "Conversation",
    "Corpus",
    "CorpusFormatError",
    "CorpusNotFoundError",
    "Document",
    "DuplicateDocumentError",
    "EmptyCorpusError",
    "Hit",
    "Passage",
    "Problem",
    "Query",
    "QuestionError",
    "Quote",
    "Reference",
    "Section",
    "Sentence",
    "Settings",
    "SettingsError",
    "Turn",
    "ask",
    "build",
    "load",
    "read_corpus",
]
