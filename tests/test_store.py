"""The index cache: reused when current, rebuilt on change, never trusted when damaged."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import SMALL_DOCUMENTS, write_corpus

from bot import Settings, ask, load
from bot.store import cache_file, default_cache_dir, fingerprint


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", SMALL_DOCUMENTS)


def _cache(corpus: Path, settings: Settings | None = None) -> Path:
    return cache_file(default_cache_dir(corpus), settings or Settings())


def test_second_load_comes_from_the_cache_and_answers_the_same(corpus):
    first = load(corpus)
    second = load(corpus)
    assert not first.from_cache and second.from_cache
    assert second.passages == first.passages
    assert second.corpus.documents == first.corpus.documents
    question = "What is the maximum dose of tizanidine?"
    assert ask(second, question)[0] == ask(first, question)[0]
    assert (
        second.index.scores(["tizanidin", "dose"]).tolist()
        == first.index.scores(["tizanidin", "dose"]).tolist()
    )


def test_cache_is_json_without_pickle(corpus):
    load(corpus)
    header, payload = _cache(corpus).read_bytes().split(b"\n", 2)[:2]
    assert json.loads(header)["format"] == "citebot-index"
    assert "documents" in json.loads(payload)


@pytest.mark.parametrize("change", ["edit", "add", "remove", "rename"])
def test_a_changed_file_rebuilds(corpus, change):
    load(corpus)
    target = corpus / "dantrolene.txt"
    if change == "edit":
        target.write_text(target.read_text() + "Dantrolene can cause muscle weakness.\n")
    elif change == "add":
        (corpus / "new.txt").write_text("Orphenadrine has anticholinergic effects.\n")
    elif change == "remove":
        target.unlink()
    else:
        target.rename(corpus / "dantrolene-sodium.txt")
    reloaded = load(corpus)
    assert not reloaded.from_cache
    assert load(corpus).from_cache


def test_other_settings_use_another_cache_file(corpus):
    load(corpus)
    other = load(corpus, Settings(passage_words=40))
    assert not other.from_cache
    assert _cache(corpus) != _cache(corpus, Settings(passage_words=40))
    assert load(corpus).from_cache
    assert fingerprint(corpus, Settings()) != fingerprint(corpus, Settings(variant="bm25plus"))
    # Settings that do not shape the index share the cache.
    assert load(corpus, Settings(top_k=9)).from_cache


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[: len(data) // 2], "checksum mismatch"),
        (lambda data: data[:-200] + bytes([data[-200] ^ 0x01]) + data[-199:], "checksum mismatch"),
        (lambda data: b"garbage\n" + data, "unreadable"),
        (lambda data: data.replace(b'"version": 1', b'"version": 999', 1), "from another version"),
    ],
    ids=["truncated", "bit-flipped", "garbage-header", "other-version"],
)
def test_a_damaged_cache_is_rebuilt_with_a_warning(corpus, damage, message):
    load(corpus)
    path = _cache(corpus)
    path.write_bytes(damage(path.read_bytes()))
    rebuilt = load(corpus)
    assert not rebuilt.from_cache
    assert any(message in p.message and p.path == str(path) for p in rebuilt.problems)
    assert load(corpus).from_cache  # and the rebuilt cache is good


def test_cache_write_leaves_no_temporary_files(corpus):
    load(corpus)
    assert [p.name for p in default_cache_dir(corpus).iterdir()] == [_cache(corpus).name]


def test_unwritable_cache_folder_is_a_warning_not_a_failure(corpus, tmp_path):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where a folder should be")
    bot = load(corpus, cache_dir=blocker / "sub")
    assert bot.passages
    assert any("index cache not written" in p.message for p in bot.problems)


def test_use_cache_false_writes_nothing(corpus):
    load(corpus, use_cache=False)
    assert not default_cache_dir(corpus).exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_a_warning(corpus):
    target = corpus / "dantrolene.txt"
    target.chmod(0)
    try:
        bot = load(corpus, use_cache=False)
    finally:
        target.chmod(0o644)
    assert any(p.path == "dantrolene.txt" and "cannot read" in p.message for p in bot.problems)
