"""Faults and load: shared indexes under threads, files that change while the index builds."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import SMALL_DOCUMENTS, write_corpus

import bot.pipeline
from bot import Conversation, ask, load

QUESTIONS = [
    "What is the maximum dose of tizanidine?",
    "What does Lioresal reduce?",
    "Which drug treats malignant hyperthermia?",
    "What helps back pain recovery?",
    "Is Valium safe during pregnancy?",
    "What is the usual dose of Valium for muscle spasm?",
    "diazapam side effects",
    "",
]


def test_sixteen_threads_share_one_index_and_get_the_answers_asked_alone(small_bot):
    alone = {q: ask(small_bot, q)[0] for q in QUESTIONS}

    def session(number: int) -> list[bool]:
        conversation = Conversation()
        same = []
        for round_ in range(25):
            question = QUESTIONS[(number + round_) % len(QUESTIONS)]
            answer, _ = ask(small_bot, question, conversation)
            same.append(answer == alone[question])
        return same

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = [flag for flags in pool.map(session, range(16)) for flag in flags]
    assert len(results) == 16 * 25 and all(results)


def test_a_file_changed_while_building_is_picked_up_next_time(tmp_path: Path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus", SMALL_DOCUMENTS)
    real_read = bot.pipeline.read_corpus

    def read_then_change(path):
        read = real_read(path)
        (corpus / "dantrolene.txt").write_text(
            "From the FDA Drug Label\nDantrolene causes photosensitivity.\n"
        )
        return read

    monkeypatch.setattr(bot.pipeline, "read_corpus", read_then_change)
    first = load(corpus)
    monkeypatch.setattr(bot.pipeline, "read_corpus", real_read)
    assert "photosensitivity" not in first.documents["dantrolene"].text
    second = load(corpus)
    assert not second.from_cache  # the cache was keyed to the files as they were before the change
    assert "photosensitivity" in second.documents["dantrolene"].text
    assert load(corpus).from_cache


def test_index_exits_non_zero_only_when_nothing_could_be_read(tmp_path: Path, capsys):
    from bot.cli import main

    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00\x00")
    (tmp_path / "empty.md").write_text("")
    assert main(["index", "--no-cache", "--corpus", str(tmp_path)]) == 1
    assert "empty corpus" in capsys.readouterr().err
    (tmp_path / "good.txt").write_text("Good text here.\n")
    assert main(["index", "--no-cache", "--corpus", str(tmp_path)]) == 0
    assert capsys.readouterr().err.count("warning:") == 2


def test_chat_json_survives_bad_lines(seed_corpus, capsys):
    import io

    from bot.cli import main

    lines = io.StringIO("\x00\x01\n" + "x" * 3000 + "\nWhat is the usual dose of Valium?\n")
    assert main(["chat", "--json", "--no-cache", "--corpus", str(seed_corpus)], stdin=lines) == 0
    captured = capsys.readouterr()
    answers = [json.loads(line) for line in captured.out.splitlines()]
    assert len(answers) == 2
    assert "over the limit" in captured.err
