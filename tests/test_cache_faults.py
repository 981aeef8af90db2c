"""The cache under faults: a build killed halfway, and two processes building at once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ROOT, SMALL_DOCUMENTS, write_corpus

from bot import Settings, load
from bot.store import cache_file, default_cache_dir


def _corpus(folder: Path, copies: int = 40) -> Path:
    """A corpus big enough that building it takes a moment."""
    documents = dict(SMALL_DOCUMENTS)
    for number in range(copies):
        documents[f"extra/doc-{number}.txt"] = "From the Guidelines\n" + "".join(
            f"- Drug {number} sentence {line} mentions baclofen dosing and liver checks {line % 7 + 1}.\n"
            for line in range(60)
        )
    return write_corpus(folder, documents)


def _cache(corpus: Path) -> Path:
    return cache_file(default_cache_dir(corpus), Settings())


# A child that builds the index but stops for good just before the new cache replaces the old.
_STOP_AT_REPLACE = textwrap.dedent(
    """
    import os, sys, time
    import bot.store
    real_replace = os.replace
    def stop(source, target):
        if str(target).endswith(".bin"):
            print("writing", flush=True)
            time.sleep(600)
        return real_replace(source, target)
    os.replace = stop
    from bot import load
    load(sys.argv[1])
    """
)


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _kill_at_replace(corpus: Path) -> None:
    """Build the index in a child process and kill it when its new cache is written but not in place."""
    child = _spawn("-c", _STOP_AT_REPLACE, str(corpus))
    try:
        assert child.stdout.readline().strip() == "writing"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)


def test_a_build_killed_before_replacing_leaves_the_old_cache_whole(tmp_path):
    corpus = _corpus(tmp_path / "corpus")
    load(corpus)
    old = _cache(corpus).read_bytes()
    (corpus / "baclofen.txt").write_text("From the Guidelines\nBaclofen changed text 1.\n")
    _kill_at_replace(corpus)
    assert _cache(corpus).read_bytes() == old  # never half-replaced
    rebuilt = load(corpus)
    assert not rebuilt.from_cache and not rebuilt.problems
    assert "changed text" in rebuilt.documents["baclofen"].text
    assert load(corpus).from_cache


@pytest.mark.parametrize("seed", range(4))
def test_a_build_killed_at_any_moment_never_damages_what_the_next_start_reads(tmp_path, seed):
    corpus = _corpus(tmp_path / "corpus")
    load(corpus)
    old = _cache(corpus).read_bytes()
    (corpus / "tizanidine.md").write_text("# Tizanidine\n\nChanged dosing text [1].\n")
    child = _spawn("-m", "bot", "index", "--corpus", str(corpus))
    time.sleep(random.Random(seed).uniform(0.05, 1.5))
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    after = _cache(corpus).read_bytes()
    bot = load(corpus)
    if after == old:
        assert not bot.from_cache  # the old cache is whole but stale: rebuilt
    assert not bot.problems, bot.problems
    assert "Changed dosing text" in bot.documents["tizanidine"].text
    assert load(corpus).from_cache


def test_two_processes_building_at_once_leave_a_good_cache(tmp_path):
    corpus = _corpus(tmp_path / "corpus")
    children = [_spawn("-m", "bot", "index", "--corpus", str(corpus)) for _ in range(2)]
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert "warnings:   0" in out
    bot = load(corpus)
    assert bot.from_cache and not bot.problems
    leftovers = [p.name for p in default_cache_dir(corpus).iterdir() if p != _cache(corpus)]
    assert leftovers == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs processes")
def test_killed_builds_leave_no_temporary_file_that_breaks_the_next_start(tmp_path):
    corpus = _corpus(tmp_path / "corpus", copies=5)
    _kill_at_replace(corpus)
    assert not _cache(corpus).exists()
    bot = load(corpus)
    assert not bot.from_cache and not bot.problems
    assert load(corpus).from_cache
