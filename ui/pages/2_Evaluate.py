"""Evaluate: run test questions under several settings and the baseline, see the measures side by
side, and open any question to read what was retrieved and quoted.

Runs are writes (see `bot.access`): they cost every session time, so `common.writer` says who
may start them; a run holds at most `common.MAX_EVAL_SETTINGS` settings and
`common.MAX_EVAL_TURNS` turns, and the server runs one at a time, in the order asked.

The page only arranges widgets: `bot.evaluate` runs and measures, `bot.report` shapes the rows,
`bot.present` builds the HTML of answers and passages from escaped text.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from common import MAX_EVAL_SETTINGS, MAX_EVAL_TURNS, corpus_path, evaluation_queue, use_style, writer

from bot import evaluate, present, read_corpus, report
from bot.config import Settings
from bot.errors import CitebotError

SHIPPED = "Shipped with the corpus"
UPLOADED = "Upload a file"
DEFAULT_COMPARE = ["variant=okapi", "passage_words=200", "stemmer=none"]
QUESTIONS_FILE_MIB = 2


def run(cases: evaluate.CaseSet, specs: list[str], k: int) -> evaluate.Report:
    variants = [evaluate.Variant(evaluate.DEFAULTS_LABEL, Settings())]
    variants += [evaluate.parse_variant(spec, Settings()) for spec in specs]
    bar = st.progress(0.0, text="Reading the corpus\u2026")

    def progress(done: int, total: int, label: str) -> None:
        bar.progress(done / max(total, 1), text=f"{done}/{total} \u00b7 {present.escape_markdown(label)}")

    try:
        return evaluate.evaluate(cases, read_corpus(corpus_path()), variants, k=k, progress=progress)
    finally:
        bar.empty()  # done or failed, the bar goes: a failed run's error stands alone


def read_cases(source: str, uploaded) -> evaluate.CaseSet | None:
    if source == UPLOADED:
        if uploaded is None:
            return None
        text = evaluate.decode_questions(uploaded.getvalue(), uploaded.name)
        return evaluate.parse_questions(text, uploaded.name)
    return evaluate.read_questions(Path(corpus_path()) / evaluate.QUESTIONS_FILE)


def show_table(rows: list[dict], meanings: Mapping[str, str] | None = None) -> None:
    """A table whose cells read as `bot.report.cell_text` writes them, each column's meaning as
    its tooltip; the numbers stay numbers, so that a column sorts by them."""
    frame = pd.DataFrame(rows)
    styled = frame.style.format({column: partial(report.cell_text, column) for column in frame.columns})
    help_of = meanings or {}
    columns = {name: st.column_config.Column(help=help_of[name]) for name in frame.columns if name in help_of}
    # A missing figure (None: the baseline has no answers) reads as an empty text cell does.
    st.dataframe(styled, hide_index=True, column_config=columns, placeholder=report.EMPTY)


def show_chart(result: evaluate.Report) -> None:
    """nDCG, MRR and P@1 of each setting on documents, settings named in full, in the table's order."""
    bars = pd.DataFrame(report.chart_rows(result))
    settings = list(dict.fromkeys(bars["setting"]))
    measures = list(dict.fromkeys(bars["measure"]))
    chart = (
        alt.Chart(bars, title="Documents: how near the top the relevant ones are, by setting")
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title="measure (0 to 1, higher is better)", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("setting:N", title="setting", sort=settings, axis=alt.Axis(labelLimit=0)),
            yOffset=alt.YOffset("measure:N", sort=measures),
            color=alt.Color("measure:N", title="measure", sort=measures),
            tooltip=[
                alt.Tooltip("setting:N", title="setting"),
                alt.Tooltip("measure:N", title="measure"),
                alt.Tooltip("value:Q", title="value", format=report.MEASURE_FORMAT),
            ],
        )
    )
    names = report.measure_names(result.k)
    st.altair_chart(
        chart,
        alt=f"Bar chart of {', '.join(names[m] for m in report.CHART_MEASURES)} on documents for each "
        "setting; the Documents table above holds the same figures.",
    )


def show_measures(result: evaluate.Report) -> None:
    meanings = report.measure_meanings(result.k, result.level)
    st.header("Measures")
    st.caption(
        f"At k={result.k}, as trec_eval defines them (MAP over the top {result.depth}). "
        f"A turn passes when it answers (or abstains) as expected, with a relevant {result.level} "
        "among the passages shown."
    )
    if result.level == evaluate.PASSAGE:
        st.markdown("**Passages**")
        show_table(report.measures_rows(result, evaluate.PASSAGE), meanings)
    st.markdown("**Documents** (a document ranks by its best passage)")
    show_table(report.measures_rows(result, evaluate.DOCUMENT), meanings)
    st.caption(f"baseline: {present.escape_markdown(evaluate.BASELINE_DESCRIPTION)}.")
    with st.expander("What the measures mean", icon=":material/help:"):
        st.markdown(
            "\n".join(
                f"- **{present.escape_markdown(name)}**: {present.escape_markdown(meaning)}"
                for name, meaning in meanings.items()
            )
        )
    show_chart(result)


def show_downloads(result: evaluate.Report, row: evaluate.Row) -> None:
    """The report as `bot eval --json` writes it, and the chosen setting's run and judgments as
    `--run-file` and `--qrels-file` write them, for trec_eval."""
    downloads = (
        ("the report (JSON)", report.report_to_json_text(result), "citebot-evaluation.json", "json"),
        ("this setting's run (TREC)", report.run_to_trec(row, result.level), "citebot-run.txt", "run"),
        ("the judgments (TREC qrels)", report.qrels_to_trec(row, result.level), "citebot-qrels.txt", "qrels"),
    )
    for what, data, file_name, key in downloads:
        st.download_button(
            f"Download {what}",
            data=data,
            file_name=file_name,
            mime="application/json" if file_name.endswith(".json") else "text/plain",
            icon=":material/download:",
            on_click="ignore",
            key=f"eval_download_{key}",
        )


def show_questions(result: evaluate.Report) -> None:
    st.header("Questions")
    rows_by_label = {row.label: row for row in result.rows}
    label = st.selectbox(
        "Setting",
        list(rows_by_label),
        key="eval_row",
        format_func=lambda code: report.setting_text(rows_by_label[code]),
    )
    row = rows_by_label[label]
    show_downloads(result, row)
    with st.expander("By group: first turns, follow-ups, tags"):
        show_table(report.group_rows(result, row), report.measure_meanings(result.k, result.level))
    failures_only = st.toggle("Failures only", key="eval_failures")
    rows = report.question_rows(result, row, failures_only)
    show_table(rows, {"rank": f"rank of the first relevant {result.level}"})
    if not rows:
        return
    chosen = st.selectbox("Open a question", [r["id"] for r in rows], key="eval_question")
    turn = next(r for r in row.results if r.query_id == chosen)
    st.markdown(f"**{present.escape_markdown(turn.question)}**")
    st.text(f"Expected: {report.expected_text(turn)}")
    why = report.failure_text(turn, row.settings.top_k if row.settings else Settings().top_k, result.level)
    if turn.passed:
        st.success("Passed")
    else:
        st.error(f"Failed: {present.escape_markdown(why)}")
    if turn.answer is not None:
        st.html(present.answer_to_html(turn.answer))
    st.markdown(f"**Top {result.k}** (relevance 0 means not judged relevant)")
    show_table(report.ranking_rows(result, row, turn))
    if turn.answer is not None:
        for hit in present.shown_hits(turn.answer):
            document = result.hit_documents[hit.passage.doc_id]
            st.html(present.hit_to_html(hit, turn.answer.quotes, document))


# No page_icon: a Material icon as the tab icon is fetched from a font server outside the app.
st.set_page_config(page_title="citebot \u00b7 Evaluate", layout="wide")
use_style()
st.title("Evaluate")
st.caption(
    "How well does the bot find the right passage and quote the right sentence? Run test "
    "questions, compare settings side by side with the baseline, then open any question."
)

source = st.radio("Test questions", [SHIPPED, UPLOADED], horizontal=True, key="eval_source")
uploaded = None
if source == UPLOADED:
    uploaded = st.file_uploader(
        f"Questions file (JSON Lines, see the README), at most {QUESTIONS_FILE_MIB} MiB",
        type=["jsonl"],
        key="eval_upload",
        max_upload_size=QUESTIONS_FILE_MIB,
    )
specs = st.multiselect(
    "Compare the defaults with",
    list(evaluate.SUGGESTED_VARIANTS),
    default=DEFAULT_COMPARE,
    key="eval_compare",
    format_func=evaluate.spec_in_words,
    help="Each changes one setting of the defaults; the tables name it in words and by its code "
    "(name=value, as More settings and `bot eval --compare` take it). The baseline row is always added.",
)
more = st.text_input(
    "More settings",
    placeholder="k1=0.9,b=0.75; passage_words=300",
    key="eval_more",
    help="Separate settings with ;",
)
k = st.number_input("Cutoff k", min_value=1, max_value=100, value=10, key="eval_k")


def waiting(ahead: int) -> None:
    st.info(f"{ahead} evaluation run{'s' if ahead > 1 else ''} ahead of yours; it starts when they end.")


def start(cases: evaluate.CaseSet, chosen: list[str], k: int) -> None:
    turns = cases.turn_count
    if len(chosen) > MAX_EVAL_SETTINGS:
        st.error(
            f"Not run: {len(chosen)} settings; a run compares at most {MAX_EVAL_SETTINGS} with the defaults."
        )
    elif turns > MAX_EVAL_TURNS:
        st.error(
            f"Not run: {turns} turns; a run in the browser takes at most {MAX_EVAL_TURNS} (use `bot eval`)."
        )
    else:
        with evaluation_queue().turn(waiting):
            st.session_state.eval_report = run(cases, chosen, k)


who = writer("run evaluations")
if who is not None and st.button("Run", type="primary", icon=":material/play_arrow:", key="eval_run"):
    try:
        cases = read_cases(source, uploaded)
        if cases is None:
            st.warning("Upload a questions file first.")
        else:
            start(cases, specs + [spec.strip() for spec in more.split(";") if spec.strip()], int(k))
    except CitebotError as error:
        st.session_state.pop("eval_report", None)
        st.error(present.escape_markdown(str(error)))

if "eval_report" in st.session_state:
    show_measures(st.session_state.eval_report)
    show_questions(st.session_state.eval_report)
