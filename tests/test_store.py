"""The index cache: reused when current, rebuilt on change, never trusted when damaged."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL_DOCUMENTS, write_corpus

from bot import Settings, ask, load, store
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
    assert fingerprint(corpus, Settings()) != fingerprint(corpus, Settings(variant="okapi"))
    # Settings that do not shape the index share the cache.
    assert load(corpus, Settings(top_k=9)).from_cache


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[: len(data) // 2], "checksum mismatch"),
        (lambda data: data[:-200] + bytes([data[-200] ^ 0x01]) + data[-199:], "checksum mismatch"),
        (lambda data: b"garbage\n" + data, "unreadable"),
        (
            lambda data: data.replace(b'"version": %d' % store.VERSION, b'"version": 999', 1),
            "from another version",
        ),
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


def test_a_killed_writers_temporary_file_is_removed_by_the_next_writer(tmp_path):
    from bot.store import STALE_TEMPORARY_SECONDS, write_atomic

    target = tmp_path / "index-abc.bin"
    stale = tmp_path / ".index-abc.bin.k1ll3d.tmp"
    live = tmp_path / ".index-abc.bin.wr1t1ng.tmp"  # another writer, still writing
    other = tmp_path / ".index-other.bin.k1ll3d.tmp"  # another file's: left to its own writer
    for path in (stale, live, other):
        path.write_bytes(b"half a cache")
    old = time.time() - STALE_TEMPORARY_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    write_atomic(target, [b"whole ", b"cache"])
    assert target.read_bytes() == b"whole cache"
    assert not stale.exists()
    assert live.exists() and other.exists()


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


# --- the array cache: checksums, mapping, layout changes -----------------------------------


def _manifest(path: Path) -> tuple[int, dict]:
    """Return where the arrays start and the manifest, as the cache file documents them."""
    data = path.read_bytes()
    first = data.index(b"\n") + 1
    second = data.index(b"\n", first) + 1
    return second + (-second % 64), json.loads(data[first:second])


def test_a_flipped_bit_in_any_array_is_found(corpus):
    from bot.store import load_cache

    load(corpus)
    path = _cache(corpus)
    original = path.read_bytes()
    start, manifest = _manifest(path)
    key = fingerprint(corpus, Settings())
    checked = 0
    for name, spec in manifest["arrays"].items():
        size = int(np.prod(spec["shape"])) * np.dtype(spec["dtype"]).itemsize
        if not size:
            continue
        damaged = bytearray(original)
        damaged[start + spec["offset"] + size // 2] ^= 0x10
        path.write_bytes(bytes(damaged))
        contents, problem = load_cache(path, key)
        assert contents is None and "checksum mismatch" in problem.message, name
        checked += 1
    assert checked > 20
    path.write_bytes(original)
    assert load_cache(path, key)[0] is not None


def test_an_earlier_json_cache_is_removed_when_the_cache_is_written(corpus):
    legacy = _cache(corpus).with_suffix(".json")
    legacy.parent.mkdir(parents=True)
    legacy.write_text('{"format": "citebot-index", "version": 1}\n{}\n')
    load(corpus)
    assert [p.name for p in default_cache_dir(corpus).iterdir()] == [_cache(corpus).name]


def test_documents_are_found_by_id_after_loading_from_the_cache(corpus):
    built = load(corpus)
    loaded = load(corpus)
    assert loaded.from_cache
    for document in built.corpus.documents:
        assert loaded.documents[document.doc_id] == document
        assert document.doc_id in loaded.documents
    assert "no-such-document" not in loaded.documents
    assert loaded.documents.get("no-such-document") is None
    assert sorted(loaded.documents) == sorted(d.doc_id for d in built.corpus.documents)
    assert loaded.title_terms == built.title_terms


def test_non_ascii_documents_come_back_unchanged(tmp_path):
    folder = write_corpus(
        tmp_path / "corpus",
        {
            **SMALL_DOCUMENTS,
            "ärzte/straße.md": "# Zäpfchen für Kinder\n\nDie Dosis beträgt 5 mg \u2013 nicht mehr \u00b5g [1].\n\n"
            "## References\n\n1. Bundesinstitut. Fachinformation. 2020.\n",
        },
    )
    first = load(folder)
    second = load(folder)
    assert second.from_cache
    assert second.corpus.documents == first.corpus.documents
    assert second.passages == first.passages
    assert "ärzte/straße" in second.documents


def test_a_bot_keeps_answering_after_its_cache_file_is_replaced(corpus):
    old = load(corpus)
    old = load(corpus)
    assert old.from_cache
    (corpus / "new.txt").write_text("Orphenadrine has anticholinergic effects.\n")
    assert not load(corpus).from_cache  # a new cache file replaced the one `old` maps
    answer, _ = ask(old, "What is the maximum dose of tizanidine?")
    assert answer.quotes and "36 mg" in answer.quotes[0].text


def test_an_edit_that_keeps_the_size_changes_the_fingerprint(corpus):
    # Regression guard for remembering file digests by size and times: an edit within the same
    # clock tick can leave both unchanged, so recent files are always hashed again.
    target = corpus / "dantrolene.txt"
    before = fingerprint(corpus, Settings())
    assert fingerprint(corpus, Settings()) == before
    text = target.read_text()
    target.write_text(text.replace("Dantrolene", "Dantrolenx", 1))
    assert fingerprint(corpus, Settings()) != before
