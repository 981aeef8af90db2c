"""The command line, in process and as a subprocess for exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from bot.cli import main

DOSE = "What is the usual dose of Valium for muscle spasm?"


def test_ask_json_quotes_the_dose_sentence(seed_corpus, capsys):
    assert main(["ask", "--json", "--no-cache", "--corpus", str(seed_corpus), DOSE]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {
        "question",
        "query",
        "abstained",
        "missing_terms",
        "corrections",
        "quotes",
        "passages",
    }
    quote = result["quotes"][0]
    assert "2-10 mg taken 2-4 times daily" in quote["text"]
    assert quote["section"] == "From the Guidelines"
    assert set(quote) >= {"text", "doc_id", "doc_title", "section", "passage_id", "start", "end", "citations"}
    assert quote["citations"] == [{"marker": "1", "number": "1", "reference": None}]
    text = (seed_corpus / "valium-diazepam-muscle-spasm.txt").read_text()
    assert text[quote["start"] : quote["end"]] == quote["text"]
    assert set(result["passages"][0]) >= {"id", "doc_id", "doc_title", "section", "score", "text"}


def test_ask_text_shows_quotes_references_and_sources(small_corpus, capsys):
    assert (
        main(
            [
                "ask",
                "--no-cache",
                "--corpus",
                str(small_corpus),
                "--top-k",
                "2",
                "What is the maximum dose of tizanidine?",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "\u201cThe maximum is 36 mg per day\u201d [1, 2]" in out
    assert "[1] Agency C. Tizanidine label. 2013." in out
    assert "Sources:" in out and "  2. " in out and "  3. " not in out


def test_ask_abstains_with_the_missing_words(seed_corpus, capsys):
    assert (
        main(["ask", "--no-cache", "--corpus", str(seed_corpus), "Is Valium safe to take during pregnancy?"])
        == 0
    )
    out = capsys.readouterr().out
    assert "The documents don't answer this" in out and "\u201cpregnancy\u201d" in out
    assert "Possibly related:" in out


def test_corpus_comes_from_the_environment(seed_corpus, capsys, monkeypatch):
    monkeypatch.setenv("CITEBOT_CORPUS", str(seed_corpus))
    assert main(["index", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert f"corpus:     {seed_corpus}" in out
    assert "documents:  1" in out and "passages:   8" in out


def test_index_reports_warnings_and_cache_use(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("From the Guidelines\nBaclofen helps spasticity 1.\n")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00binary")
    assert main(["index", "--corpus", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "warnings:   1" in captured.out and "built in" in captured.out
    assert "warning: bad.txt:" in captured.err
    assert main(["index", "--corpus", str(tmp_path)]) == 0
    assert "loaded from cache" in capsys.readouterr().out


def test_chat_keeps_the_conversation(seed_corpus, capsys):
    questions = io.StringIO("What is Valium used for?\nWhat are its side effects?\n\n")
    assert main(["chat", "--json", "--no-cache", "--corpus", str(seed_corpus)], stdin=questions) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 3
    assert "valium" in lines[1]["query"].lower()
    assert lines[2]["abstained"] and lines[2]["message"].startswith("Ask a question")


def test_ask_says_how_it_read_the_question_and_what_it_left_out(small_corpus, capsys):
    question = "whats the max dose of tizanidine, my husband plays football"
    assert main(["ask", "--no-cache", "--corpus", str(small_corpus), question]) == 0
    out = capsys.readouterr().out
    assert (
        "(read as: \u201cwhats\u201d \u2192 \u201cwhat is\u201d, \u201cmax\u201d \u2192 \u201cmaximum\u201d)"
        in out
    )
    assert "\u201cThe maximum is 36 mg per day\u201d" in out
    assert "No passage mentions \u201cfootball\u201d: the quotes answer the rest of the question." in out


def test_ask_json_names_what_the_nearest_passages_lack(small_corpus, capsys):
    question = "can i take tizanidine while pregnant"
    assert main(["ask", "--json", "--no-cache", "--corpus", str(small_corpus), question]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["abstained"] and not result["quotes"]
    assert "pregnant" in " ".join(result["missing_terms"]) and result["message"]


def test_chat_asks_back_and_takes_the_number_of_a_choice(small_corpus, capsys):
    questions = io.StringIO("what dose should i take?\n2\n")
    assert main(["chat", "--no-cache", "--corpus", str(small_corpus)], stdin=questions) == 0
    out = capsys.readouterr().out
    asked, _, answered = out.partition("\n\n(understood as")
    assert "Which medicine or topic do you mean?" in asked and "  2. Baclofen" in asked
    assert "\u201cThe usual starting dose is 5 mg three times daily\u201d" in answered
    assert "Tizanidine" not in answered.split("Sources:")[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["ask", "--corpus", "/no/such/folder", "x"],
            "error: /no/such/folder: no such corpus folder or file",
        ),
        (
            ["ask", "--no-cache", "--corpus", "{seed}", "a" * 2001],
            "error: the question is too long: 2,001 characters, over the limit",
        ),
        (
            ["ask", "--no-cache", "--corpus", "{seed}", "--top-k", "0", "dose"],
            "error: setting top_k=0: must be between 1 and 100",
        ),
    ],
    ids=["missing-corpus", "long-question", "bad-setting"],
)
def test_errors_exit_1_with_a_message(seed_corpus, capsys, argv, message):
    argv = [a.replace("{seed}", str(seed_corpus)) for a in argv]
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_usage_errors_exit_2(capsys):
    assert main(["ask"]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["ask", "--variant", "bm99", "x"]) == 2


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_python_m_bot_answers_and_exits_0(seed_corpus):
    result = _run("ask", "--json", "--no-cache", DOSE, env={"CITEBOT_CORPUS": str(seed_corpus)})
    assert result.returncode == 0, result.stderr
    assert "2-10 mg" in json.loads(result.stdout)["quotes"][0]["text"]


def test_python_m_bot_exit_codes(tmp_path: Path):
    assert _run("ask", "--corpus", str(tmp_path / "missing"), "dose").returncode == 1
    (tmp_path / "empty.txt").write_text("")
    empty = _run("index", "--corpus", str(tmp_path))
    assert empty.returncode == 1 and "empty corpus" in empty.stderr
    assert _run("--help").returncode == 0
    assert _run("nope").returncode == 2


@pytest.mark.parametrize(
    ("command", "reader"),
    [(["ask", "What is the usual dose of Valium?"], "true"), (["chat"], "head -c 20")],
    ids=["ask-into-a-closed-pipe", "chat-into-head"],
)
def test_a_reader_that_stops_reading_ends_the_command_quietly(seed_corpus, command, reader):
    # `bot ask ... | head` once ended in a BrokenPipeError traceback.
    questions = "What is the usual dose of Valium?\n" * 200
    done = subprocess.run(
        f"{sys.executable} -m bot {command[0]} --corpus {seed_corpus} "
        + " ".join(f"'{a}'" for a in command[1:])
        + f" | {reader}",
        shell=True,
        input=questions.encode(),
        capture_output=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0
    assert done.stderr == b""


def test_help_gives_the_defaults_the_settings_use(capsys):
    from bot.config import Settings

    assert main(["ask", "--help"]) == 0
    # Each option's help, from its name to the next option.
    said = " ".join(capsys.readouterr().out.split())
    defaults = Settings()
    for option, value in (
        ("--variant", defaults.variant),
        ("--k1", defaults.k1),
        ("--b", defaults.b),
        ("--top-k", defaults.top_k),
        ("--passage-words", defaults.passage_words),
    ):
        described = said.rsplit(f" {option} ", 1)[-1].split(" --", 1)[0]
        assert f"(default {value})" in described, option
