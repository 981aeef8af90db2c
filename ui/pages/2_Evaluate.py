"""Evaluate: run test questions under several settings and the baseline, see the measures side by
side, and open any question to read what was retrieved and quoted.

Runs are writes (see `bot.access`): they cost every session time, so `common.writer` says who
may start them; a run holds at most `common.MAX_EVAL_SETTINGS` settings and
`common.MAX_EVAL_TURNS` turns, and the server runs one at a time, in the order asked.

The page only arranges widgets: `bot.evaluate` runs and measures, `bot.report` shapes the rows,
`bot.present` builds the HTML of answers and passages from escaped text.
"""

from __future__ import annotations

from pathlib import Path

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
    variants = [evaluate.Variant("defaults", Settings())]
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


def show_measures(result: evaluate.Report) -> None:
    names = report.measure_names(result.k)
    meanings = report.measure_meanings(result.k, result.level)
    formats = {name: "%.3f" for name in [*names.values(), "answer", "abstain P", "abstain R"]}
    formats |= {"pass": "percent", "seconds": "%.1f s", "turns": "%d", "judged": "%d"}
    columns = {
        name: st.column_config.NumberColumn(format=form, help=meanings.get(name))
        for name, form in formats.items()
    }
    st.subheader("Measures")
    st.caption(
        f"At k={result.k}, as trec_eval defines them (MAP over the top {result.depth}). "
        f"A turn passes when it answers (or abstains) as expected, with a relevant {result.level} "
        "among the passages shown."
    )
    if result.level == evaluate.PASSAGE:
        st.markdown("**Passages**")
        st.dataframe(report.measures_rows(result, evaluate.PASSAGE), hide_index=True, column_config=columns)
    documents = report.measures_rows(result, evaluate.DOCUMENT)
    st.markdown("**Documents** (a document ranks by its best passage)")
    st.dataframe(documents, hide_index=True, column_config=columns)
    st.caption(f"baseline: {present.escape_markdown(evaluate.BASELINE_DESCRIPTION)}.")
    with st.expander("What the measures mean", icon=":material/help:"):
        st.markdown(
            "\n".join(
                f"- **{present.escape_markdown(name)}**: {present.escape_markdown(meaning)}"
                for name, meaning in meanings.items()
            )
        )
    chart = [
        {"setting": row["setting"], **{n: row[n] for n in (names["ndcg"], names["rr"], "P@1")}}
        for row in documents
    ]
    st.bar_chart(chart, x="setting", y=[names["ndcg"], names["rr"], "P@1"], stack=False, horizontal=True)


def show_questions(result: evaluate.Report) -> None:
    st.subheader("Questions")
    labels = [row.label for row in result.rows]
    label = st.selectbox("Setting", labels, key="eval_row")
    row = result.rows[labels.index(label)]
    with st.expander("By group: first turns, follow-ups, tags"):
        st.dataframe(report.group_rows(result, row), hide_index=True)
    failures_only = st.toggle("Failures only", key="eval_failures")
    rows = report.question_rows(result, row, failures_only)
    st.dataframe(
        rows,
        hide_index=True,
        column_config={
            "rank": st.column_config.NumberColumn(help=f"rank of the first relevant {result.level}")
        },
    )
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
    st.dataframe(report.ranking_rows(result, row, turn), hide_index=True)
    if turn.answer is not None:
        for hit in present.shown_hits(turn.answer):
            document = result.hit_documents[hit.passage.doc_id]
            st.html(present.hit_to_html(hit, turn.answer.quotes, document))


st.set_page_config(page_title="citebot \u00b7 Evaluate", page_icon=":material/query_stats:")
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
    help="Each is name=value, applied to the defaults. The baseline row is always added.",
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
