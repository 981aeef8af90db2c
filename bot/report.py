"""Evaluation reports -> what people and programs read: terminal tables, JSON, TREC run files,
and the plain rows the Evaluate page puts in its tables and chart.

It computes nothing: every figure comes from the `Report` records of `bot/evaluate.py`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from typing import Any

from bot.config import Settings
from bot.evaluate import (
    ABSTAINED,
    ANSWERED_INSTEAD,
    ASKED_INSTEAD,
    BASELINE_DESCRIPTION,
    DOCUMENT,
    NOT_CLARIFIED,
    NOT_RETRIEVED,
    PASSAGE,
    WRONG_QUOTE,
    Report,
    Row,
    Scores,
    Totals,
    TurnResult,
    describe_in_words,
)
from bot.present import shorten

MEASURES = ("recall", "precision", "rr", "ndcg", "ap", "p1")
QUOTE_WIDTH = 70
ABSTAINED_TEXT = "(abstained)"


def measure_names(k: int) -> dict[str, str]:
    """Return the column name of each measure at cutoff k."""
    return {
        "recall": f"R@{k}",
        "precision": f"P@{k}",
        "rr": f"MRR@{k}",
        "ndcg": f"nDCG@{k}",
        "ap": "MAP",
        "p1": "P@1",
    }


def measure_meanings(k: int, level: str) -> dict[str, str]:
    """Return, by column name, what each column of the measures means, in one line each."""
    names = measure_names(k)
    unit = "document" if level == DOCUMENT else "passage"
    return {
        "turns": "questions asked, conversation turns included",
        "judged": f"turns whose relevant {unit}s are known, so that ranking can be measured",
        "pass": f"share of turns answered (or abstained on) as expected, with a relevant {unit} shown",
        names["recall"]: f"share of the relevant {unit}s found in the top {k}",
        names["precision"]: f"share of the top {k} that is relevant",
        names["rr"]: f"1 / rank of the first relevant {unit} in the top {k}, averaged (1 = always first)",
        names["ndcg"]: f"how near the top the relevant {unit}s are, in the top {k} (1 = ideal order)",
        names["ap"]: "precision at each relevant result, averaged: the whole ranking's quality",
        names["p1"]: f"share of turns whose first {unit} is relevant",
        "answer": "share of answerable turns whose quotes hold the expected text",
        "abstain P": "of the turns it abstained on, the share it should have",
        "abstain R": "of the turns it should abstain on, the share it did",
        "wrong abst.": "of the turns expecting an answer, the share that abstained or asked back",
        "stray": "share of turns that quoted a document not judged relevant, or quoted where they should not have",
        "seconds": "time the setting took, building its index included",
    }


# One format for each kind of figure, wherever it is shown (terminal, page, chart): the pass
# rate as a percentage, counts and ranks whole, times in seconds, and every other figure (the
# measures, the other shares, scores) with three decimals.
EMPTY = "\u2014"
PERCENT_COLUMNS = frozenset({"pass"})
WHOLE_COLUMNS = frozenset({"turns", "judged", "rank", "relevance"})
SECONDS_COLUMNS = frozenset({"seconds"})
MEASURE_FORMAT = ".3f"  # the chart's too, in d3-format's words


def cell_text(column: str, value: object) -> str:
    """Return a table cell as shown: in the format of its kind of figure, '\u2014' when empty
    (None, '' or NaN, as a table of numbers holds None)."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return EMPTY
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if column in PERCENT_COLUMNS:
        return f"{100 * value:.1f}%"
    if column in WHOLE_COLUMNS:
        return str(round(value))
    if column in SECONDS_COLUMNS:
        return f"{value:.1f} s"
    return format(value, MEASURE_FORMAT)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)) -> list[str]:
    """Return aligned lines: columns numbered in `left` align left, the others right."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(c).ljust(w) if i in left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def failure_text(result: TurnResult, top_k: int, level: str, abstained_shown: bool = False) -> str:
    """Return why a turn failed, in words ('' when it passed); `abstained_shown` leaves out
    "abstained" where the table already says so."""
    reasons = []
    for failure in result.failures:
        if failure == ANSWERED_INSTEAD:
            reasons.append("answered, but the documents cannot answer this")
        elif failure == ABSTAINED and not abstained_shown:
            reasons.append("abstained")
        elif failure == NOT_RETRIEVED:
            reasons.append(f"no relevant {level} in the top {top_k}")
        elif failure == WRONG_QUOTE:
            wanted = " or ".join(f"\u201c{shorten(t, 40)}\u201d" for t in result.expected.answer_contains)
            reasons.append(f"quotes lack {wanted}")
        elif failure == NOT_CLARIFIED:
            reasons.append("did not ask which document is meant")
        elif failure == ASKED_INSTEAD:
            reasons.append("asked which document is meant instead of answering")
    return "; ".join(reasons)


def _level_scores(totals: Totals, level: str) -> Scores | None:
    return totals.passages if level == PASSAGE else totals.documents


def _top_k(row: Row, report: Report) -> int:
    """Return the passages shown per answer: the row's, or the first setting's for the baseline."""
    settings = row.settings or (report.settings_rows[0].settings if report.settings_rows else None)
    return (settings or Settings()).top_k


def rank_of(result: TurnResult, level: str) -> int | None:
    """Return the rank of the first relevant passage (or document, at the document level)."""
    return result.passage_rank if level == PASSAGE else result.document_rank


# --- rows for tables and the chart ---------------------------------------------------------


def setting_text(row: Row) -> str:
    """Return a row's setting in words (its label is the code, as `--compare` takes it)."""
    return describe_in_words(row.settings, row.conversation)


CHART_MEASURES = ("ndcg", "rr", "p1")


def chart_rows(report: Report) -> list[dict[str, Any]]:
    """Return the chart's bars: each setting's (in words) nDCG, MRR and P@1 on documents, the
    level the baseline compares at, in the order of the measures table."""
    names = measure_names(report.k)
    return [
        {"setting": entry["setting"], "measure": names[field], "value": entry[names[field]]}
        for entry in measures_rows(report, DOCUMENT)
        for field in CHART_MEASURES
    ]


def measures_rows(report: Report, level: str | None = None) -> list[dict[str, Any]]:
    """Return one dict per setting: in words and as its code, and its measures at one level
    (numbers, None if n/a).

    At the passage level the baseline is left out: it ranks documents only.
    """
    level = level or report.level
    names = measure_names(report.k)
    rows = []
    for row in report.rows:
        if level == PASSAGE and row.baseline:
            continue
        totals = row.total
        scores = _level_scores(totals, level)
        entry: dict[str, Any] = {
            "setting": setting_text(row),
            "code": row.label,
            "turns": totals.turns,
            "judged": 0 if scores is None else scores.judged,
            "pass": totals.pass_rate,
        }
        for field in MEASURES:
            entry[names[field]] = None if scores is None else getattr(scores, field)
        entry["answer"] = totals.answer_accuracy
        entry["abstain P"] = totals.abstain_precision
        entry["abstain R"] = totals.abstain_recall
        entry["seconds"] = row.seconds
        rows.append(entry)
    return rows


def group_rows(report: Report, row: Row) -> list[dict[str, Any]]:
    """Return one dict per group of turns of a row: all, first turns, follow-ups, each tag."""
    names = measure_names(report.k)
    groups = [("all", row.total), ("first turns", row.first_turns), ("follow-ups", row.followups)]
    groups += [("single questions", row.singles), ("conversation turns", row.conversations)]
    groups += [(f"tag {name}", totals) for name, totals in row.tags()]
    level = DOCUMENT if row.baseline else report.level
    rows = []
    for name, totals in groups:
        if not totals.turns:
            continue
        scores = _level_scores(totals, level)
        entry: dict[str, Any] = {"group": name, "turns": totals.turns, "pass": totals.pass_rate}
        for field in ("recall", "rr", "ndcg", "p1"):
            entry[names[field]] = None if scores is None else getattr(scores, field)
        entry["answer"] = totals.answer_accuracy
        entry["abstain P"] = totals.abstain_precision
        entry["abstain R"] = totals.abstain_recall
        entry["wrong abst."] = totals.wrong_abstentions
        entry["stray"] = totals.stray_rate
        rows.append(entry)
    return rows


def question_rows(report: Report, row: Row, failures_only: bool = False) -> list[dict[str, Any]]:
    """Return one dict per measured turn: id, rank of the first relevant, pass, what was quoted."""
    level = DOCUMENT if row.baseline else report.level
    top_k = _top_k(row, report)
    rows = []
    for result in row.results:
        if not result.measured or (failures_only and result.passed):
            continue
        answer = result.answer
        if answer is None:
            quoted = ""
        elif answer.abstained:
            quoted = ABSTAINED_TEXT
        else:
            quoted = " \u2026 ".join(q.text for q in answer.quotes)
        rows.append(
            {
                "id": result.query_id,
                "question": result.question,
                "rank": rank_of(result, level),
                "result": "pass" if result.passed else "FAIL",
                "why": failure_text(result, top_k, level, abstained_shown=quoted == ABSTAINED_TEXT),
                "quoted": quoted,
            }
        )
    return rows


def ranking_rows(report: Report, row: Row, result: TurnResult) -> list[dict[str, Any]]:
    """Return the top k of a turn's ranking: rank, id, score and relevance grade (0 if none)."""
    level = DOCUMENT if row.baseline else report.level
    ranking = result.passage_ranking if level == PASSAGE else result.document_ranking
    grades = dict(result.passage_grades if level == PASSAGE else result.document_grades)
    return [
        {"rank": rank, "id": key, "score": score, "relevance": grades.get(key, 0)}
        for rank, (key, score) in enumerate(ranking[: report.k], start=1)
    ]


def expected_text(result: TurnResult) -> str:
    """Return what a turn expects, in words."""
    expected = result.expected
    parts = []
    if expected.abstain:
        parts.append("the documents cannot answer: abstain")
    for name in ("documents", "sections", "passages", "texts"):
        keys = [f"{key} ({grade})" if grade != 1 else key for key, grade in getattr(expected, name)]
        if keys:
            parts.append(f"{name}: {'; '.join(keys)}")
    if expected.clarify:
        parts.append("the question is vague: ask which document is meant")
    if expected.answer_contains:
        wanted = " or ".join(f"\u201c{t}\u201d" for t in expected.answer_contains)
        parts.append(f"quotes contain: {wanted}")
    return "\n".join(parts) or "nothing (not measured)"


# --- terminal text -------------------------------------------------------------------------


def _measure_table(report: Report, level: str) -> list[str]:
    names = measure_names(report.k)
    # Answers and passing are judged at the file's level: the document table of a questions
    # file shows retrieval only, so that the baseline compares like with like.
    with_answers = level == report.level
    header = ["setting", *(["turns", "pass"] if with_answers else ["judged"]), *(names[f] for f in MEASURES)]
    if with_answers:
        header += ["answer", "abst.P", "abst.R", "time"]
    cells = []
    shown = ["turns", "pass"] if with_answers else ["judged"]
    shown += [names[f] for f in MEASURES]
    if with_answers:
        shown += ["answer", "abstain P", "abstain R", "seconds"]
    for entry in measures_rows(report, level):
        cells.append([entry["code"], *(cell_text(column, entry[column]) for column in shown)])
    return _table(header, cells)


def _group_table(report: Report, row: Row) -> list[str]:
    entries = group_rows(report, row)
    if not entries:
        return []
    keys = [k for k in entries[0] if k not in ("group", "turns", "pass")]
    header = ["group", "turns", "pass", *keys]
    cells = [
        [e["group"], *(cell_text(column, e[column]) for column in ("turns", "pass", *keys))] for e in entries
    ]
    return _table(header, cells)


def _question_table(report: Report, row: Row, failures_only: bool) -> list[str]:
    entries = question_rows(report, row, failures_only)
    if not entries:
        return ["(no failures)" if failures_only else "(no measured question)"]
    cells = []
    for e in entries:
        detail = e["why"] if e["result"] != "pass" else ""
        quoted = shorten(e["quoted"], QUOTE_WIDTH) if e["quoted"] else ""
        cells.append(
            [
                e["id"],
                cell_text("rank", e["rank"]),
                e["result"],
                quoted + (f"  [{detail}]" if detail else ""),
            ]
        )
    return _table(["id", "rank", "result", "quoted"], cells, left=(0, 2, 3))


def report_to_text(report: Report, failures_only: bool = False, questions: bool = True) -> str:
    """Return a report for the terminal: measures side by side, groups, then each question."""
    first = report.settings_rows[0] if report.settings_rows else report.rows[0]
    turns = first.total.turns
    lines = [
        f"{report.source}: {turns} measured turns against {report.corpus} ({report.documents} documents)",
        f"Measures at k={report.k} as trec_eval defines them (MAP over the top {report.depth}); "
        f"a turn passes when it answers (or abstains) as expected with a relevant {report.level} "
        f"in the top {_top_k(first, report)}.",
        "",
    ]
    if report.level == PASSAGE:
        lines.append("Passages")
        lines.extend(_measure_table(report, PASSAGE))
        lines.append("")
        lines.append("Documents (a document ranks by its best passage)")
    else:
        lines.append("Documents (a document ranks by its best passage)")
    lines.extend(_measure_table(report, DOCUMENT))
    if report.baseline is not None:
        lines.append(f"{report.baseline.label}: {BASELINE_DESCRIPTION}.")
    lines.append("")
    lines.append(f"By group ({first.label})")
    lines.extend(_group_table(report, first))
    if questions:
        lines.append("")
        title = "Failures" if failures_only else "Questions"
        lines.append(f"{title} ({first.label}; rank of the first relevant {report.level})")
        lines.extend(_question_table(report, first, failures_only))
    return "\n".join(lines)


# --- JSON ----------------------------------------------------------------------------------


def _scores_json(scores: Scores | None, k: int) -> dict[str, Any] | None:
    if scores is None:
        return None
    names = measure_names(k)
    return {"judged": scores.judged, **{names[f]: getattr(scores, f) for f in MEASURES}}


def _totals_json(totals: Totals, k: int) -> dict[str, Any]:
    return {
        "turns": totals.turns,
        "passed": totals.passed,
        "pass_rate": totals.pass_rate,
        "passages": _scores_json(totals.passages, k),
        "documents": _scores_json(totals.documents, k),
        "answer_accuracy": totals.answer_accuracy,
        "abstain_precision": totals.abstain_precision,
        "abstain_recall": totals.abstain_recall,
        "wrong_abstentions": totals.wrong_abstentions,
        "stray_quotes": totals.stray_rate,
    }


def _result_json(result: TurnResult, report: Report, row: Row) -> dict[str, Any]:
    level = DOCUMENT if row.baseline else report.level
    answer = result.answer
    ranking = result.passage_ranking if level == PASSAGE else result.document_ranking
    return {
        "id": result.query_id,
        "case": result.case_id,
        "turn": result.turn,
        "question": result.question,
        "tags": list(result.tags),
        "measured": result.measured,
        "passed": result.passed,
        "failures": list(result.failures),
        "rank": rank_of(result, level),
        "passage_rank": result.passage_rank,
        "document_rank": result.document_rank,
        "abstained": None if answer is None else answer.abstained,
        "answer_found": result.answer_found,
        "quotes": []
        if answer is None
        else [{"text": q.text, "passage_id": q.passage_id} for q in answer.quotes],
        "relevant": [
            key
            for key, grade in (result.passage_grades if level == PASSAGE else result.document_grades)
            if grade > 0
        ],
        "ranking": [[key, round(score, 6)] for key, score in ranking[: report.k]],
        "passages": _scores_json(result.passage_scores, report.k),
        "documents": _scores_json(result.document_scores, report.k),
    }


def report_to_json_text(report: Report) -> str:
    """Return the report as `bot eval --json` prints it: `report_to_json`, indented."""
    return json.dumps(report_to_json(report), ensure_ascii=False, indent=2)


def report_to_json(report: Report) -> dict[str, Any]:
    """Return the report as one JSON object (see the README)."""
    return {
        "source": report.source,
        "corpus": report.corpus,
        "documents": report.documents,
        "level": report.level,
        "k": report.k,
        "depth": report.depth,
        "baseline": BASELINE_DESCRIPTION,
        "problems": [str(p) for p in report.problems],
        "rows": [
            {
                "label": row.label,
                "baseline": row.baseline,
                "settings": None if row.settings is None else dataclasses.asdict(row.settings),
                "conversation": row.conversation,
                "passages": row.passage_count,
                "seconds": round(row.seconds, 3),
                "totals": {
                    "all": _totals_json(row.total, report.k),
                    "first_turns": _totals_json(row.first_turns, report.k),
                    "followups": _totals_json(row.followups, report.k),
                    "singles": _totals_json(row.singles, report.k),
                    "conversations": _totals_json(row.conversations, report.k),
                    "tags": {name: _totals_json(t, report.k) for name, t in row.tags()},
                },
                "questions": [_result_json(r, report, row) for r in row.results],
            }
            for row in report.rows
        ],
    }


# --- TREC files ----------------------------------------------------------------------------


def run_to_trec(row: Row, level: str, tag: str = "citebot") -> str:
    """Return a row's rankings as a TREC run file: 'query Q0 id rank score tag' lines.

    Scores are written in full so that trec_eval orders them as the report did.
    """
    lines = []
    for result in row.results:
        ranking = result.passage_ranking if level == PASSAGE and not row.baseline else result.document_ranking
        for rank, (key, score) in enumerate(ranking, start=1):
            lines.append(f"{result.query_id} Q0 {key} {rank} {score!r} {tag}")
    return "\n".join(lines) + ("\n" if lines else "")


def qrels_to_trec(row: Row, level: str) -> str:
    """Return a row's relevance judgments as a TREC qrels file: 'query 0 id grade' lines."""
    lines = []
    for result in row.results:
        if not result.expected.judged:
            continue
        grades = result.passage_grades if level == PASSAGE and not row.baseline else result.document_grades
        lines.extend(f"{result.query_id} 0 {key} {grade}" for key, grade in grades)
    return "\n".join(lines) + ("\n" if lines else "")
