"""The exceptions citebot raises. Each carries its fields and builds its message from them.

CitebotError
├── CorpusError
│   ├── CorpusNotFoundError      the corpus folder or file does not exist
│   ├── EmptyCorpusError         nothing could be read, or no passage has a term
│   ├── DuplicateDocumentError   two documents share an id
│   └── CorpusFormatError        a corpus.jsonl line is not a valid document
├── SettingsError                a setting is out of range
├── QuestionError                a question is too long
├── QuestionsFileError           a test-questions file has a bad line
└── UploadError                  an uploaded file was rejected
"""

from __future__ import annotations


class CitebotError(Exception):
    """Base of every error citebot raises on purpose."""


def _where(path: str, line: int | None) -> str:
    return path if line is None else f"{path}:{line}"


class CorpusError(CitebotError):
    """A problem with the corpus as a whole."""


class CorpusNotFoundError(CorpusError):
    """The corpus folder or file does not exist."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"{path}: no such corpus folder or file")


class EmptyCorpusError(CorpusError):
    """Nothing could be read, or no passage has a searchable word."""

    def __init__(self, path: str, reason: str = "no document could be read") -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: empty corpus: {reason}")


class DuplicateDocumentError(CorpusError):
    """Two documents share an id."""

    def __init__(self, doc_id: str, first: str, second: str) -> None:
        self.doc_id = doc_id
        self.first = first
        self.second = second
        super().__init__(
            f"{second}: document id {doc_id!r} is already used by {first} "
            "(rename one of the files, or give one an 'id:' in its front matter)"
        )


class CorpusFormatError(CorpusError):
    """A line of a corpus.jsonl is not a valid document."""

    def __init__(self, path: str, line: int | None, field: str, problem: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
        super().__init__(f"{_where(path, line)}: {field}: {problem}")


class SettingsError(CitebotError):
    """A setting is out of its range."""

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"setting {field}={value!r}: {problem}")


class QuestionError(CitebotError):
    """A question is over the length limit."""

    def __init__(self, length: int, limit: int) -> None:
        self.length = length
        self.limit = limit
        super().__init__(
            f"the question is too long: {length:,} characters, over the limit of {limit:,}; "
            "ask a shorter question"
        )


class QuestionsFileError(CitebotError):
    """A line of a test-questions file is wrong."""

    def __init__(self, path: str, line: int | None, field: str, problem: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
        super().__init__(f"{_where(path, line)}: {field}: {problem}")


class UploadError(CitebotError):
    """An uploaded file was rejected; nothing was written."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        self.problem = problem
        super().__init__(f"{name}: {problem}")
