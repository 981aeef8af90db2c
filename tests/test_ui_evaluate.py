"""The Evaluate page, driven in-process with Streamlit's AppTest: shipped and uploaded questions,
measures side by side with the baseline, the per-question table, and hostile text shown as text."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest
from streamlit import dataframe_util
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module
from ui_fixtures import DOCUMENTS, EXTRAS, IMAGE, LINK, SCRIPT, write_documents

from bot import present, report

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "ui" / "pages" / "2_Evaluate.py")

QUESTIONS = [
    {
        "id": "baclofen-start",
        "question": "What is the usual starting dose of baclofen?",
        "documents": ["baclofen"],
        "sections": ["baclofen#Dosing"],
        "texts": ["5 mg three times a day"],
        "answer_contains": "5 mg three times a day",
        "tags": ["plain"],
    },
    {
        "id": "tizanidine-max",
        "question": "What is the maximum daily amount of tizanidine?",
        "texts": ["36 mg"],
        "answer_contains": "36 mg",
    },
    {"id": "zebra", "question": "Is baclofen safe for zebras?", "abstain": True, "tags": ["unanswerable"]},
    {
        "id": "hostile",
        "question": f"What does the zanzibar protocol write {SCRIPT} {EXTRAS}?",
        "documents": ["hostile"],
        "answer_contains": f"{LINK} never quoted",
        "tags": [IMAGE],
    },
    {
        "id": "conv",
        "tags": ["followup"],
        "turns": [
            {"question": "What are the side effects of baclofen?", "documents": ["baclofen"]},
            {"question": "Is it safe for children?", "texts": ["Safety in children under twelve years"]},
        ],
    },
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_documents(tmp_path_factory.mktemp("evaluate") / "corpus", DOCUMENTS)
    lines = "".join(json.dumps(q) + "\n" for q in QUESTIONS)
    (folder / "questions.jsonl").write_text(lines, encoding="utf-8")
    return folder


def open_page(monkeypatch: pytest.MonkeyPatch, corpus: Path) -> AppTest:
    monkeypatch.setenv("CITEBOT_CORPUS", str(corpus))
    # Streamlit puts the main script's folder on sys.path; run alone, the page needs ui/ for common.
    monkeypatch.syspath_prepend(str(ROOT / "ui"))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    return at


def run(at: AppTest) -> AppTest:
    at.button(key="eval_run").click().run()
    assert not at.exception
    return at


# The page's tables, in order: passages, documents, groups, questions, an opened question's ranking.
PASSAGES, DOCUMENTS_TABLE, GROUPS, QUESTIONS_TABLE, RANKING = range(5)


def table(at: AppTest, index: int) -> list[dict]:
    return at.dataframe[index].value.to_dict("records")


def shown(at: AppTest, index: int) -> list[dict]:
    """Return a table's cells as the page shows them (the text of each, not the numbers)."""
    styler = at.dataframe[index].proto.arrow_data.styler
    return dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values).to_dict("records")


def chart(at: AppTest) -> tuple[dict, list[dict]]:
    """Return the chart's Vega-Lite spec and the rows it draws."""
    element = at.get("vega_lite_chart")[0].proto
    rows = dataframe_util.convert_arrow_bytes_to_pandas_df(element.datasets[0].data.data).to_dict("records")
    return json.loads(element.spec), rows


def test_shipped_questions_show_measures_with_the_baseline_and_a_chart(monkeypatch, corpus):
    at = run(open_page(monkeypatch, corpus))
    passages, documents = table(at, PASSAGES), table(at, DOCUMENTS_TABLE)
    assert [r["code"] for r in passages] == [
        "defaults",
        "variant=okapi",
        "passage_words=200",
        "stemmer=none",
    ]
    assert [r["code"] for r in documents][-1] == "baseline"
    assert {"nDCG@10", "MRR@10", "P@1", "R@10", "P@10", "MAP", "answer", "abstain P"} <= set(passages[0])
    assert passages[0]["turns"] == 6 and 0 <= passages[0]["nDCG@10"] <= 1
    assert at.get("vega_lite_chart")
    assert not at.get("progress")  # the bar is gone once the run is done
    questions = table(at, QUESTIONS_TABLE)
    assert [r["id"] for r in questions] == [
        "baclofen-start",
        "tizanidine-max",
        "zebra",
        "hostile",
        "conv/1",
        "conv/2",
    ]
    assert questions[0]["rank"] == 1 and "5 mg three times a day" in questions[0]["quoted"]


def test_failures_only_and_another_setting_change_the_question_table(monkeypatch, corpus):
    at = run(open_page(monkeypatch, corpus))
    every = table(at, QUESTIONS_TABLE)
    at.toggle(key="eval_failures").set_value(True).run()
    failures = table(at, QUESTIONS_TABLE)
    assert [r["id"] for r in failures] == [r["id"] for r in every if r["result"] != "pass"]
    assert "hostile" in [r["id"] for r in failures]  # its expected text is in no quote
    at.selectbox(key="eval_row").set_value("baseline").run()
    baseline = table(at, QUESTIONS_TABLE)
    assert all(r["quoted"] == "" for r in baseline) and "zebra" not in [r["id"] for r in baseline]


def test_opening_a_question_shows_its_quotes_ranking_and_passages(monkeypatch, corpus):
    at = run(open_page(monkeypatch, corpus))
    at.selectbox(key="eval_question").set_value("baclofen-start").run()
    assert any(s.value == "Passed" for s in at.success)
    html = "".join(h.value for h in at.get("html"))
    assert "5 mg three times a day" in html and 'class="cb-quote"' in html and "baclofen#" in html
    ranking = table(at, RANKING)
    assert ranking[0]["rank"] == 1 and ranking[0]["relevance"] == 1


def test_hostile_questions_and_documents_show_as_text(monkeypatch, corpus):
    at = run(open_page(monkeypatch, corpus))
    at.selectbox(key="eval_question").set_value("hostile").run()
    markdown = [m.value for m in at.markdown]
    assert present.escape_markdown(f"What does the zanzibar protocol write {SCRIPT} {EXTRAS}?") in " ".join(
        markdown
    )
    assert any(present.escape_markdown(LINK) in e.value for e in at.error)
    for value in markdown + [e.value for e in at.error]:
        assert SCRIPT not in value and IMAGE not in value and "$x$" not in value
    html = "".join(h.value for h in at.get("html"))
    assert "&lt;script&gt;" in html and "<script>" not in html and "<img" not in html


def test_an_uploaded_file_runs_and_a_bad_one_names_its_line(monkeypatch, corpus):
    at = open_page(monkeypatch, corpus)
    at.radio(key="eval_source").set_value("Upload a file").run()
    run(at)
    assert any("Upload a questions file first" in w.value for w in at.warning)
    good = json.dumps(QUESTIONS[0]).encode() + b"\n"
    at.file_uploader(key="eval_upload").set_value(("mine.jsonl", good, "application/jsonl"))
    at.multiselect(key="eval_compare").set_value([])
    at.text_input(key="eval_more").set_value("k1=0.9; variant=okapi")
    run(at)
    assert [r["code"] for r in table(at, PASSAGES)] == ["defaults", "k1=0.9", "variant=okapi"]
    assert [r["id"] for r in table(at, QUESTIONS_TABLE)] == ["baclofen-start"]
    bad = good + json.dumps({"id": "x", "question": "Why?", "passages": ["baclofen#99"]}).encode() + b"\n"
    at.file_uploader(key="eval_upload").set_value(("mine.jsonl", bad, "application/jsonl"))
    run(at)
    assert at.error[0].value == present.escape_markdown(
        'mine.jsonl:2: "passages": no passage "baclofen#99" (the document has 3 passages)'
    )
    assert not at.dataframe
    assert not at.get("progress")  # the failed run's bar is gone, not stuck at "0/2"


def test_a_run_of_too_many_settings_or_turns_is_refused_before_it_starts(monkeypatch, corpus):
    at = open_page(monkeypatch, corpus)
    from common import MAX_EVAL_SETTINGS, MAX_EVAL_TURNS  # on the path as the page runs

    most = MAX_EVAL_SETTINGS
    at.multiselect(key="eval_compare").set_value([])
    at.text_input(key="eval_more").set_value("; ".join(f"k1={0.5 + n / 10}" for n in range(most + 1)))
    run(at)
    assert at.error[0].value.startswith(f"Not run: {most + 1} settings")
    assert not at.dataframe
    turns = MAX_EVAL_TURNS
    many = "".join(json.dumps({**QUESTIONS[0], "id": f"q{n}"}) + "\n" for n in range(turns + 1)).encode()
    at.radio(key="eval_source").set_value("Upload a file").run()
    at.text_input(key="eval_more").set_value("")
    at.file_uploader(key="eval_upload").set_value(("many.jsonl", many, "application/jsonl"))
    run(at)
    assert at.error[0].value.startswith(f"Not run: {turns + 1} turns")
    assert not at.dataframe


def test_the_servers_evaluations_run_one_at_a_time_and_later_ones_are_told_their_place():
    import threading

    if str(ROOT / "ui") not in sys.path:
        sys.path.insert(0, str(ROOT / "ui"))
    from common import JobQueue

    queue = JobQueue()
    inside = threading.Event()
    release = threading.Event()
    told: list[int] = []
    order: list[str] = []

    def first() -> None:
        with queue.turn(told.append):
            order.append("first starts")
            inside.set()
            release.wait(10)
            order.append("first ends")

    def second() -> None:
        with queue.turn(told.append):
            order.append("second starts")

    one = threading.Thread(target=first)
    one.start()
    inside.wait(10)
    two = threading.Thread(target=second)
    two.start()
    deadline = time.monotonic() + 10
    while not told and time.monotonic() < deadline:
        time.sleep(0.01)
    assert told == [1] and order == ["first starts"]  # told one run is ahead, and waits
    release.set()
    one.join(10)
    two.join(10)
    assert order == ["first starts", "first ends", "second starts"]
    assert queue.queued == 0


def test_every_measure_is_explained_in_a_legend_and_a_tooltip(monkeypatch, corpus):
    at = run(open_page(monkeypatch, corpus))
    legend = next(e for e in at.expander if e.label == "What the measures mean")
    text = legend.markdown[0].value
    for column in table(at, PASSAGES)[0]:
        if column not in ("setting", "code"):
            assert f"**{present.escape_markdown(column)}**: " in text, column
    assert "share of the relevant passages found in the top 10" in text
    groups = next(e for e in at.expander if e.label.startswith("By group"))
    columns = groups.dataframe[0].proto.columns
    for column in ("wrong abst.", "stray"):  # the groups' own columns too
        assert f"**{present.escape_markdown(column)}**: " in text
        assert json.loads(columns)[column]["help"]


def test_settings_are_named_in_words_beside_their_codes(monkeypatch, corpus):
    at = open_page(monkeypatch, corpus)
    compare = at.multiselect(key="eval_compare")
    assert "BM25 variant: Okapi (okapi)" in compare.options and "stemmer: none" in compare.options
    at.text_input(key="eval_more").set_value("k1=0.9,b=0.75")
    run(at)
    rows = [(r["setting"], r["code"]) for r in table(at, DOCUMENTS_TABLE)]
    assert rows == [
        ("defaults", "defaults"),
        ("BM25 variant: Okapi (okapi)", "variant=okapi"),
        ("passage length: 200 words", "passage_words=200"),
        ("stemmer: none", "stemmer=none"),
        ("term-frequency saturation (k1): 0.9; length normalization (b): 0.75", "k1=0.9,b=0.75"),
        ("baseline: plain BM25 (Okapi) on whole documents", "baseline"),
    ]
    assert at.selectbox(key="eval_row").options == [words for words, _ in rows]


def test_the_chart_names_its_axes_and_every_setting_in_full_in_the_tables_order(monkeypatch, corpus):
    at = open_page(monkeypatch, corpus)
    at.text_input(key="eval_more").set_value("k1=0.9,b=0.75,passage_words=300,title_weight=1")
    run(at)
    spec, bars = chart(at)
    assert "streamlit-generated" not in json.dumps(spec)
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert (x["field"], x["title"]) == ("value", "measure (0 to 1, higher is better)")
    assert (y["field"], y["title"]) == ("setting", "setting")
    assert y["axis"]["labelLimit"] == 0  # never cut to "k1=0.9,b=0.75,passage_wo..."
    settings = [r["setting"] for r in table(at, DOCUMENTS_TABLE)]
    assert y["sort"] == settings
    assert list(dict.fromkeys(b["setting"] for b in bars)) == settings
    assert settings[-2] == (
        "term-frequency saturation (k1): 0.9; length normalization (b): 0.75; passage length: 300 words; "
        "title weight: 1"
    )
    assert {b["measure"] for b in bars} == {"nDCG@10", "MRR@10", "P@1"}
    assert at.get("vega_lite_chart")[0].proto.alt.startswith("Bar chart of nDCG@10, MRR@10, P@1")


def test_empty_cells_read_as_a_dash(monkeypatch, corpus):
    at = run(open_page(monkeypatch, corpus))
    baseline = shown(at, DOCUMENTS_TABLE)[-1]
    assert baseline["code"] == "baseline"
    assert (baseline["answer"], baseline["abstain P"], baseline["abstain R"]) == ("\u2014",) * 3
    questions = {r["id"]: r for r in shown(at, QUESTIONS_TABLE)}
    assert questions["baclofen-start"]["why"] == "\u2014" and questions["zebra"]["rank"] == "\u2014"
    at.selectbox(key="eval_row").set_value("baseline").run()
    assert {r["quoted"] for r in shown(at, QUESTIONS_TABLE)} == {"\u2014"}
    # The grid draws a missing number itself, as "None" unless told otherwise.
    assert {d.proto.placeholder for d in at.dataframe} == {"\u2014"}
    for index in range(len(at.dataframe)):
        for row in shown(at, index):
            for column, text in row.items():
                assert text not in ("", "None", "nan", "NaN"), (index, column)


PERCENT = re.compile(r"\d{1,3}\.\d%")
THREE_DECIMALS = re.compile(r"\d+\.\d{3}|\u2014")
WHOLE = re.compile(r"\d+|\u2014")


def test_every_figure_of_a_kind_has_one_format(monkeypatch, corpus):
    at = run(open_page(monkeypatch, corpus))
    at.selectbox(key="eval_question").set_value("baclofen-start").run()
    seen = set()
    for index in range(len(at.dataframe)):
        for row in shown(at, index):
            for column, text in row.items():
                if column == "pass":
                    kind = PERCENT
                elif column in ("turns", "judged", "rank", "relevance"):
                    kind = WHOLE
                elif column == "seconds":
                    kind = re.compile(r"\d+\.\d s")
                elif column in ("setting", "code", "group", "id", "question", "result", "why", "quoted"):
                    continue
                else:
                    kind = THREE_DECIMALS
                assert kind.fullmatch(text), (index, column, text)
                seen.add(column)
    assert {"pass", "nDCG@10", "answer", "wrong abst.", "stray", "score", "seconds", "rank"} <= seen
    # The groups' pass rates: 5 of 6 and 4 of 5 (never 83.33% beside 80%).
    assert [r["pass"] for r in shown(at, GROUPS)][:2] == ["83.3%", "80.0%"]


def test_a_failed_questions_sources_name_the_references_their_document_lists(monkeypatch, corpus):
    # Bug: the sources under a failed question were drawn without their document, so every
    # marker read "the document lists no references", under an answer that quoted them.
    at = run(open_page(monkeypatch, corpus))
    at.selectbox(key="eval_question").set_value("hostile").run()
    assert at.error[0].value.startswith("Failed")
    answer, *sources = [h.value for h in at.get("html") if "cb-answer" in h.value or "cb-source" in h.value]
    assert "Zanzibar board. &lt;b&gt;Bold&lt;/b&gt; report" in answer
    assert sources
    for source in sources:
        assert "lists no references" not in source
    assert any("Zanzibar board. &lt;b&gt;Bold&lt;/b&gt; report" in source for source in sources)
    assert any("Zanzibar office. Prices in $y$ dollars. 2021." in source for source in sources)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch):
    """Return a reader of what a download button of the last run serves."""
    stores: list[MemoryMediaFileStorage] = []

    class Kept(MemoryMediaFileStorage):
        def __init__(self, endpoint: str) -> None:
            super().__init__(endpoint)
            stores.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", Kept)

    def read(at: AppTest, key: str) -> tuple[str, str]:
        """Return the file name and the text the button with this key serves."""
        served = stores[-1].get_file(at.download_button(key=key).proto.url.rsplit("/", 1)[1])
        return served.filename, served.content.decode("utf-8")

    return read


def test_the_report_shown_downloads_as_bot_eval_writes_it(monkeypatch, corpus, downloads):
    at = run(open_page(monkeypatch, corpus))
    result = at.session_state["eval_report"]
    name, text = downloads(at, "eval_download_json")
    assert name == "citebot-evaluation.json" and text == report.report_to_json_text(result)
    data = json.loads(text)
    assert [r["label"] for r in data["rows"]] == [r["code"] for r in table(at, DOCUMENTS_TABLE)]
    assert data["rows"][0]["totals"]["all"]["pass_rate"] == table(at, DOCUMENTS_TABLE)[0]["pass"]

    name, run_file = downloads(at, "eval_download_run")
    assert name == "citebot-run.txt" and run_file == report.run_to_trec(result.rows[0], result.level)
    assert run_file.splitlines()[0].startswith("baclofen-start Q0 baclofen#1 1 ")
    name, qrels = downloads(at, "eval_download_qrels")
    assert name == "citebot-qrels.txt" and qrels == report.qrels_to_trec(result.rows[0], result.level)

    at.selectbox(key="eval_row").set_value("baseline").run()
    _, baseline_run = downloads(at, "eval_download_run")
    assert baseline_run == report.run_to_trec(result.baseline, result.level)
    assert baseline_run.splitlines()[0].split()[:3] == ["baclofen-start", "Q0", "baclofen"]
