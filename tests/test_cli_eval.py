"""`bot eval`: questions files and BEIR folders, tables, JSON, run files, exit codes."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys

import ir_measures
import pytest
from conftest import ROOT
from ir_measures import AP, P, nDCG

from bot.cli import main

QUESTIONS = [
    {
        "id": "tizanidine-max",
        "question": "What is the maximum dose of tizanidine?",
        "documents": ["tizanidine"],
        "texts": ["36 mg per day"],
        "answer_contains": "36 mg per day",
        "tags": ["plain"],
    },
    {"id": "dantrolene-use", "question": "What does dantrolene treat?", "documents": ["dantrolene"]},
    {"id": "zebra", "question": "Is tizanidine safe for zebras?", "abstain": True},
]


@pytest.fixture(scope="module")
def questions_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("eval") / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def beir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("beir")
    documents = [
        ("d1", "Tizanidine", "Tizanidine can injure the liver, so liver enzymes are checked."),
        ("d2", "Baclofen", "Baclofen is started at 5 mg three times daily."),
        ("d3", "Dantrolene", "Dantrolene treats malignant hyperthermia and spasticity."),
        ("d4", "Heat", "Heat wraps ease acute low back pain within days."),
        ("d5", "Liver tests", "Liver enzymes are blood tests of how the liver works."),
    ]
    queries = [("q1", "Does tizanidine hurt the liver?"), ("q2", "How is baclofen started?"), ("q3", "heat")]
    (folder / "qrels").mkdir()
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": x}) + "\n" for i, t, x in documents)
    )
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": i, "text": t}) + "\n" for i, t in queries)
    )
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td5\t1\nq2\td2\t1\nq3\td4\t1\n"
    )
    return folder


def test_eval_prints_measures_baseline_groups_and_questions(questions_file, small_corpus, capsys):
    assert main(["eval", str(questions_file), "--corpus", str(small_corpus)]) == 0
    out = capsys.readouterr().out
    assert "Passages" in out and "Documents (a document ranks by its best passage)" in out
    assert "nDCG@10" in out and "MRR@10" in out and "MAP" in out and "P@1" in out
    assert "\nbaseline " in out and "baseline: rank_bm25 BM25Okapi" in out
    assert "first turns" in out and "tag plain" in out
    assert "tizanidine-max" in out and "The maximum is 36 mg per day" in out


def test_eval_json_has_every_row_and_question(questions_file, small_corpus, capsys):
    argv = ["eval", str(questions_file), "--corpus", str(small_corpus), "--json", "--compare", "k1=0.9,b=0.3"]
    assert main(argv + ["variant=okapi", "--cutoff", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in report["rows"]] == [
        "defaults",
        "k1=0.9,b=0.3",
        "variant=okapi",
        "baseline",
    ]
    assert report["k"] == 5 and report["level"] == "passage"
    assert report["rows"][1]["settings"]["k1"] == 0.9 and report["rows"][3]["settings"] is None
    first = report["rows"][0]["questions"][0]
    assert first["id"] == "tizanidine-max" and first["rank"] == 1 and first["passed"] is True
    assert "36 mg per day" in first["quotes"][0]["text"]
    assert set(report["rows"][0]["totals"]["all"]["passages"]) == {
        "judged",
        "R@5",
        "P@5",
        "MRR@5",
        "nDCG@5",
        "MAP",
        "P@1",
    }


def test_failures_lists_only_failing_questions(questions_file, small_corpus, capsys):
    main(["eval", str(questions_file), "--corpus", str(small_corpus), "--json"])
    results = json.loads(capsys.readouterr().out)["rows"][0]["questions"]
    main(["eval", str(questions_file), "--corpus", str(small_corpus), "--failures"])
    out = capsys.readouterr().out.split("\nFailures", 1)[1]
    for result in results:
        assert (f"\n{result['id']} " in out) == (not result["passed"])


def test_summary_leaves_out_the_questions(questions_file, small_corpus, capsys):
    main(["eval", str(questions_file), "--corpus", str(small_corpus), "--summary"])
    out = capsys.readouterr().out
    assert "nDCG@10" in out and "tizanidine-max" not in out


def test_questions_default_to_the_corpus_folder(small_corpus, tmp_path, capsys):
    assert main(["eval", "--corpus", str(small_corpus)]) == 1
    assert f"{small_corpus / 'questions.jsonl'}: file: no such file" in capsys.readouterr().err


def test_beir_run_file_gives_trec_eval_the_reported_figures(beir, tmp_path, capsys):
    run_file = tmp_path / "run.txt"
    argv = ["eval", "--beir", str(beir), "--split", "test", "--json", "--run-file", str(run_file)]
    assert main(argv + ["--cutoff", "3", "--depth", "4"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["level"] == "document" and [r["label"] for r in report["rows"]] == ["defaults", "baseline"]
    lines = run_file.read_text().splitlines()
    assert lines[0].split()[:4] == ["q1", "Q0", "d1", "1"] and lines[0].endswith(" citebot")
    run = list(ir_measures.read_trec_run(str(run_file)))
    rows = (beir / "qrels" / "test.tsv").read_text().splitlines()[1:]
    qrels = [ir_measures.Qrel(q, d, int(g)) for q, d, g in (row.split("\t") for row in rows)]
    values = ir_measures.pytrec_eval.calc_aggregate([nDCG @ 3, P @ 1, AP], qrels, run)
    totals = report["rows"][0]["totals"]["all"]["documents"]
    assert math.isclose(values[nDCG @ 3], totals["nDCG@3"], abs_tol=1e-9)
    assert math.isclose(values[P @ 1], totals["P@1"], abs_tol=1e-9)
    assert math.isclose(values[AP], totals["MAP"], abs_tol=1e-9)


def test_questions_qrels_file_matches_the_run_file(questions_file, small_corpus, tmp_path, capsys):
    run_file, qrels_file = tmp_path / "run.txt", tmp_path / "qrels.txt"
    argv = ["eval", str(questions_file), "--corpus", str(small_corpus), "--json"]
    assert main(argv + ["--run-file", str(run_file), "--qrels-file", str(qrels_file)]) == 0
    totals = json.loads(capsys.readouterr().out)["rows"][0]["totals"]["all"]["passages"]
    run = list(ir_measures.read_trec_run(str(run_file)))
    qrels = list(ir_measures.read_trec_qrels(str(qrels_file)))
    assert {q.doc_id for q in qrels if q.query_id == "tizanidine-max"} == {"tizanidine#2"}
    values = ir_measures.pytrec_eval.calc_aggregate([nDCG @ 10, P @ 1], qrels, run)
    assert math.isclose(values[nDCG @ 10], totals["nDCG@10"], abs_tol=1e-9)
    assert math.isclose(values[P @ 1], totals["P@1"], abs_tol=1e-9)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(questions_file, small_corpus):
    argv = ["eval", str(questions_file), "--corpus", str(small_corpus), "--summary"]
    plain, terminal = io.StringIO(), Terminal()
    assert main(argv, stdout=io.StringIO(), stderr=plain) == 0
    assert main(argv, stdout=io.StringIO(), stderr=terminal) == 0
    assert plain.getvalue() == ""
    shown = terminal.getvalue()
    assert "\r" in shown and "%|" in shown and "turn" in shown
    assert shown.endswith("\r")  # the bar is cleared at the end


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--compare", "kl=2"], 1, "error: setting kl='2': no such setting (did you mean \"k1\"?)"),
        (["--compare", "b=3"], 1, "error: setting b=3.0: must be between 0 and 1"),
        (["--cutoff", "0"], 1, "error: setting k=0: must be between 1 and 1000"),
        (["--limit", "0"], 1, "error: setting limit=0: must be 1 or more"),
        (["--beir", "somewhere"], 2, "bot eval: error: QUESTIONS does not go with --beir"),
    ],
    ids=["unknown-setting", "out-of-range", "cutoff", "limit", "beir-and-questions"],
)
def test_bad_options_exit_with_a_message(questions_file, small_corpus, capsys, extra, code, message):
    assert main(["eval", str(questions_file), "--corpus", str(small_corpus), *extra]) == code
    assert message in capsys.readouterr().err


def test_a_bad_questions_line_exits_1_naming_the_line(small_corpus, tmp_path, capsys):
    path = tmp_path / "q.jsonl"
    path.write_text(
        json.dumps(QUESTIONS[0])
        + "\n"
        + json.dumps({"id": "x", "question": "Why?", "passages": ["tizanidine#9"]})
        + "\n"
    )
    assert main(["eval", str(path), "--corpus", str(small_corpus)]) == 1
    assert capsys.readouterr().err == (
        f'error: {path}:2: "passages": no passage "tizanidine#9" (the document has 2 passages)\n'
    )


def test_python_m_bot_eval_exit_codes(questions_file, small_corpus, beir):
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "eval",
            str(questions_file),
            "--corpus",
            str(small_corpus),
            "--summary",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "nDCG@10" in ok.stdout and ok.stderr == ""
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "eval", "--beir", str(beir), "--split", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1 and "dev.tsv: file: no such file (splits here: test)" in missing.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "bot", "eval", "--cutoff", "many"], cwd=ROOT, capture_output=True, text=True
    )
    assert usage.returncode == 2 and "invalid int value" in usage.stderr
