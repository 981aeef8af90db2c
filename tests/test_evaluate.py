"""Evaluation: the questions format, relevance across chunkings, trec_eval's measures, the report."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import ir_measures
import pytest
from conftest import MEDQUAD, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from ir_measures import AP, RR, P, Qrel, R, ScoredDoc, nDCG

from bot import Settings, build, read_corpus
from bot.errors import QuestionsFileError, SettingsError
from bot.evaluate import (
    ABSTAINED,
    ANSWERED_INSTEAD,
    DOCUMENT,
    NOT_CLARIFIED,
    NOT_RETRIEVED,
    PASSAGE,
    Baseline,
    Variant,
    collapse_map,
    describe,
    describe_in_words,
    evaluate,
    evaluate_questions,
    find_text,
    judge,
    limit_cases,
    parse_questions,
    parse_variant,
    read_beir_questions,
    read_questions,
    resolve_targets,
    score_ranking,
    spec_in_words,
    trec_order,
)
from bot.report import (
    cell_text,
    group_rows,
    measures_rows,
    qrels_to_trec,
    report_to_json,
    report_to_text,
    run_to_trec,
)

SEED_ID = "valium-diazepam-muscle-spasm"
DOSE_TEXT = "Typical dosing for muscle relaxation is 2-10 mg taken 2-4 times daily"


def line(**fields: object) -> str:
    return json.dumps(fields)


def questions(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# --- the format -------------------------------------------------------------------------------


def test_a_question_line_keeps_its_expectations_and_tags():
    text = questions(
        line(
            id="dose",
            question="What is the usual dose of Valium?",
            documents=[SEED_ID],
            sections={f"{SEED_ID}#From the Guidelines": 2},
            texts=["2-10 mg"],
            answer_contains="2-10 mg",
            tags=["plain", "brand"],
        ),
        "",
        line(
            id=7,
            turns=[
                {"question": "What is Valium?", "documents": [SEED_ID]},
                {"question": "Dose?", "abstain": True},
            ],
        ),
    )
    cases = parse_questions(text, "q.jsonl")
    dose, conversation = cases.cases
    assert (dose.case_id, dose.line, dose.tags) == ("dose", 1, ("plain", "brand"))
    expected = dose.turns[0].expected
    assert expected.documents == ((SEED_ID, 1),)
    assert expected.sections == ((f"{SEED_ID}#From the Guidelines", 2),)
    assert expected.answer_contains == ("2-10 mg",) and expected.abstain is None and expected.judged
    assert (conversation.case_id, conversation.line, len(conversation.turns)) == ("7", 3, 2)
    assert conversation.turns[1].expected.abstain is True and not conversation.turns[1].expected.judged
    assert cases.turn_count == 3 and cases.level == PASSAGE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "q.jsonl:1: json: Expecting property name enclosed in double quotes at column 2"),
        ("[1, 2]", "q.jsonl:1: line: expected a JSON object"),
        (line(question="Why?", abstain=True), 'q.jsonl:1: "id": missing or not a non-empty string'),
        (line(id="a b", question="Why?", abstain=True), "q.jsonl:1: \"id\": 'a b' holds white space"),
        (line(id="a", qestion="Why?"), 'q.jsonl:1: "qestion": unknown field (did you mean "question"?)'),
        (line(id="a", abstain=True), 'q.jsonl:1: "question": give either "question" or "turns"'),
        (line(id="a", question=" ", abstain=True), 'q.jsonl:1: "question": expected a non-empty string'),
        (line(id="a", question="x" * 2001, abstain=True), 'q.jsonl:1: "question": 2001 characters is over'),
        (line(id="a", question="Why?"), 'q.jsonl:1: "question": nothing to check'),
        (line(id="a", question="Why?", documents="d"), 'q.jsonl:1: "documents": expected a list'),
        (
            line(id="a", question="Why?", texts=[""]),
            'q.jsonl:1: "texts": expected a list of non-empty strings',
        ),
        (
            line(id="a", question="Why?", passages={"d#1": -1}),
            'q.jsonl:1: "passages": grade of "d#1" must be',
        ),
        (
            line(id="a", question="Why?", passages={"d#1": True}),
            'q.jsonl:1: "passages": grade of "d#1" must be',
        ),
        (
            line(id="a", question="Why?", abstain="yes"),
            "q.jsonl:1: \"abstain\": expected true or false, got 'yes'",
        ),
        (
            line(id="a", question="Why?", abstain=True, answer_contains="x"),
            'q.jsonl:1: "answer_contains": "abstain": true says the documents cannot answer',
        ),
        (
            line(id="a", question="Why?", answer_contains=["x", ""]),
            'q.jsonl:1: "answer_contains": expected a non-empty string or a list of them',
        ),
        (
            line(id="a", question="Why?", answer_contains=[]),
            'q.jsonl:1: "answer_contains": expected a non-empty',
        ),
        (line(id="a", question="Why?", clarify=1), 'q.jsonl:1: "clarify": expected true or false, got 1'),
        (
            line(id="a", question="Why?", clarify=True, documents=["d"]),
            'q.jsonl:1: "documents": "clarify": true says the question is vague',
        ),
        (
            line(id="a", question="Why?", clarify=True, abstain=True),
            'q.jsonl:1: "abstain": "clarify": true says the question is vague',
        ),
        (line(id="a", question="Why?", tags="plain", abstain=True), 'q.jsonl:1: "tags": expected a list'),
        (
            line(id="a", turns=[], abstain=True),
            'q.jsonl:1: "abstain": with "turns", give expectations inside',
        ),
        (line(id="a", turns=[]), 'q.jsonl:1: "turns": expected a non-empty list of objects'),
        (line(id="a", turns=["Why?"]), 'q.jsonl:1: "turns"[1]: expected an object with a question'),
        (line(id="a", turns=[{"question": "Why?"}]), 'q.jsonl:1: "question": nothing to check'),
        (line(id="a", turns=[{"question": "Why?", "tag": []}]), 'q.jsonl:1: "tag": unknown field'),
        ("\n\n", "q.jsonl: file: no test questions"),
    ],
    ids=[
        "json",
        "not-object",
        "no-id",
        "id-space",
        "unknown-field",
        "no-question",
        "blank-question",
        "long-question",
        "no-expectation",
        "relevance-type",
        "empty-text",
        "negative-grade",
        "bool-grade",
        "abstain-type",
        "abstain-and-answer",
        "answer-list-blank",
        "answer-list-empty",
        "clarify-type",
        "clarify-and-relevance",
        "clarify-and-abstain",
        "tags-type",
        "top-level-with-turns",
        "empty-turns",
        "turn-not-object",
        "turn-no-expectation",
        "turn-unknown-field",
        "empty-file",
    ],
)
def test_bad_lines_raise_naming_file_line_and_field(text, message):
    with pytest.raises(QuestionsFileError) as error:
        parse_questions(text, "q.jsonl")
    assert str(error.value).startswith(message)


def test_answer_contains_takes_alternatives_and_clarify_stands_alone():
    text = questions(
        line(id="either", question="Dose?", answer_contains=["2-10 mg", "2-4 times", "2-10 mg"]),
        line(id="vague", question="what dose should i take?", clarify=True),
    )
    either, vague = (case.turns[0].expected for case in parse_questions(text, "q.jsonl").cases)
    assert either.answer_contains == ("2-10 mg", "2-4 times") and not either.clarify
    assert vague.clarify and vague.measured and not vague.judged and vague.abstain is None


def test_a_repeated_id_names_the_first_line():
    text = questions(line(id="a", question="Why?", abstain=True), line(id="a", question="How?", abstain=True))
    with pytest.raises(QuestionsFileError, match=r'^q\.jsonl:2: "id": "a" is already used on line 1$'):
        parse_questions(text, "q.jsonl")


def test_a_missing_or_undecodable_file_is_a_questions_file_error(tmp_path):
    with pytest.raises(QuestionsFileError, match=r"nope\.jsonl: file: no such file"):
        read_questions(tmp_path / "nope.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"id": "a"}\n{"id": "\xff"}\n')
    with pytest.raises(QuestionsFileError, match=r"bad\.jsonl:2: file: not UTF-8"):
        read_questions(bad)


# --- relevance against a corpus ------------------------------------------------------------


@pytest.fixture(scope="module")
def small(small_corpus):
    corpus = read_corpus(small_corpus)
    return corpus, build(corpus, Settings())


def resolve(text: str, corpus, bot):
    return resolve_targets(parse_questions(text, "corpus/questions.jsonl"), corpus, bot.passages)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"documents": ["tizanidne"]}, '"documents": no document "tizanidne" (did you mean "tizanidine"?)'),
        (
            {"documents": ["zzz"]},
            '"documents": no document "zzz" (ids are file paths without extension, such as "back-pain")',
        ),
        (
            {"passages": ["tizanidine#9"]},
            '"passages": no passage "tizanidine#9" (the document has 2 passages)',
        ),
        ({"passages": ["tizanidine"]}, '"passages": "tizanidine": expected "<document id>#<number>"'),
        (
            {"sections": ["tizanidine#Dosage"]},
            '"sections": no section "Dosage" in "tizanidine" (did you mean "Dosing"?)',
        ),
        (
            {"sections": ["tizanidine"]},
            '"sections": "tizanidine": expected "<document id>#<section heading>"',
        ),
        ({"texts": ["the maximum is 37 mg"]}, '"texts": no document contains "the maximum is 37 mg"'),
        (
            {"sections": ["tizanidine#Warnings"], "texts": ["36 mg per day"]},
            '"sections", "texts": no passage matches them all (each field narrows the others)',
        ),
    ],
    ids=[
        "document-typo",
        "document-unknown",
        "passage-range",
        "passage-form",
        "section",
        "section-form",
        "text",
        "disjoint",
    ],
)
def test_relevance_naming_nothing_in_the_corpus_is_an_error_with_its_line(small, fields, message):
    corpus, bot = small
    text = questions(line(id="ok", question="Why?", abstain=True), line(id="bad", question="Why?", **fields))
    with pytest.raises(QuestionsFileError) as error:
        resolve(text, corpus, bot)
    assert str(error.value) == f"corpus/questions.jsonl:2: {message}"


def by_document(bot):
    grouped: dict[str, list] = {}
    for passage in bot.passages:
        grouped.setdefault(passage.doc_id, []).append(passage)
    return grouped


def test_fields_narrow_each_other_and_the_most_specific_grade_counts(small):
    corpus, bot = small
    text = questions(
        line(
            id="a",
            question="Maximum tizanidine dose?",
            documents={"tizanidine": 1},
            sections={"tizanidine#Tizanidine": 1},
            texts={"36 mg per day": 3},
        ),
        line(id="b", question="Tizanidine?", documents={"tizanidine": 2, "dantrolene": 0}),
    )
    (narrow,), (whole,) = resolve(text, corpus, bot)
    assert judge(narrow, by_document(bot)) == ({"tizanidine#2": 3}, {"tizanidine": 3})
    passages, documents = judge(whole, by_document(bot))
    assert passages == {"tizanidine#1": 2, "tizanidine#2": 2, "dantrolene#1": 0, "dantrolene#2": 0}
    assert documents == {"tizanidine": 2, "dantrolene": 0}


def test_a_section_runs_on_over_its_subsections(small):
    corpus, bot = small
    text = questions(
        line(id="a", question="Tizanidine?", sections=["tizanidine#Tizanidine"]),
        line(id="b", question="Dosing?", sections=["tizanidine#dosing"]),
    )
    (whole,), (dosing,) = resolve(text, corpus, bot)
    assert set(judge(whole, by_document(bot))[0]) == {"tizanidine#1", "tizanidine#2"}
    assert set(judge(dosing, by_document(bot))[0]) == {"tizanidine#2"}


@pytest.mark.parametrize("passage_words", [10, 20, 40, 80, 400])
def test_texts_and_passage_ids_survive_rechunking(small, passage_words):
    corpus, bot = small
    text = questions(
        line(id="dose", question="Valium dose?", texts=[DOSE_TEXT.upper().replace(" ", "  \n")]),
        line(id="first", question="Valium?", passages=[f"{SEED_ID}#1"]),
    )
    (dose,), (first,) = resolve(text, corpus, bot)  # passage ids of the default chunking
    other = build(corpus, Settings(passage_words=passage_words))
    grades, _ = judge(dose, by_document(other))
    chosen = [p for p in other.passages if p.passage_id in grades]
    assert [p.passage_id for p in chosen] == [p.passage_id for p in other.passages if DOSE_TEXT in p.text]
    original = next(p for p in bot.passages if p.passage_id == f"{SEED_ID}#1")
    grades, _ = judge(first, by_document(other))
    covered = [p for p in other.passages if p.passage_id in grades]
    assert covered and all(p.doc_id == SEED_ID for p in covered)
    assert covered[0].start <= original.start and original.end <= covered[-1].end


def test_a_text_that_a_chunking_cuts_through_marks_the_passages_it_spans(small):
    corpus, bot = small
    across = "muscle tension and spasms 1. Typical dosing"
    text = questions(line(id="a", question="Valium?", texts=[across]))
    ((target,),) = resolve(text, corpus, bot)
    assert judge(target, by_document(bot))[0] == {f"{SEED_ID}#1": 1}
    fine = build(corpus, Settings(passage_words=10))
    grades, documents = judge(target, by_document(fine))
    spanned = [p for p in fine.passages if p.passage_id in grades]
    assert len(spanned) == 2 and documents == {SEED_ID: 1}
    assert spanned[0].text.endswith("spasms 1.") and spanned[1].text.startswith("Typical dosing")


@given(st.text(alphabet=" \t\nAbc\u00e9\u00c9\u00df\ufb01\u2019'-.", max_size=40))
def test_collapse_map_matches_collapse_and_maps_back(text):
    from bot.analysis import collapse

    collapsed, origin = collapse_map(text)
    assert collapsed == collapse(text)
    assert len(origin) == len(collapsed) and origin == sorted(origin)
    for char, position in zip(collapsed, origin, strict=True):
        assert char == " " or char in collapse(text[position])


def test_find_text_ignores_case_accents_and_white_space():
    text = "Caf\u00e9  au\nLAIT, then caf\u00e9 au lait."
    assert [text[s:e] for s, e in find_text(collapse_map(text), "CAFE AU LAIT")] == [
        "Caf\u00e9  au\nLAIT",
        "caf\u00e9 au lait",
    ]


# --- measures: trec_eval's definitions, checked against ir-measures (pytrec_eval) ------------

IDS = list("abcdefgh")


def reference(qrels: dict[str, int], run: dict[str, float], k: int) -> dict[str, float]:
    """Return pytrec_eval's values for one query, through ir-measures."""
    qrel_rows = [Qrel("q", doc, grade) for doc, grade in qrels.items()]
    run_rows = [ScoredDoc("q", doc, score) for doc, score in run.items()]
    measures = [R @ k, P @ k, nDCG @ k, AP, RR] + [P @ i for i in range(1, k + 1)]
    values = {
        str(m): v for m, v in ir_measures.pytrec_eval.calc_aggregate(measures, qrel_rows, run_rows).items()
    }
    # pytrec_eval has no cut-off reciprocal rank: the first i whose P@i*i reaches 1 is its rank.
    found = [round(values[f"P@{i}"] * i) for i in range(1, k + 1)]
    first = next((i for i, n in enumerate(found, start=1) if n >= 1), None)
    values["RR@k"] = 0.0 if first is None else 1 / first
    return values


def ours(qrels: dict[str, int], run: dict[str, float], k: int):
    ranking = [doc for doc, _ in trec_order(run.items())]
    return score_ranking(qrels, ranking, k)


def assert_same(qrels, run, k):
    expected = reference(qrels, run, k)
    got = ours(qrels, run, k)
    assert math.isclose(got.recall, expected[f"R@{k}"], abs_tol=1e-9)
    assert math.isclose(got.precision, expected[f"P@{k}"], abs_tol=1e-9)
    assert math.isclose(got.ndcg, expected[f"nDCG@{k}"], abs_tol=1e-9)
    assert math.isclose(got.ap, expected["AP"], abs_tol=1e-9)
    assert math.isclose(got.p1, expected["P@1"], abs_tol=1e-9)
    assert math.isclose(got.rr, expected["RR@k"], abs_tol=1e-9)
    if k >= len(run):
        assert math.isclose(got.rr, expected["RR"], abs_tol=1e-9)


@pytest.mark.parametrize(
    ("qrels", "run", "k"),
    [
        ({"a": 1}, {"a": 2.0, "b": 1.0}, 1),
        ({"a": 1, "c": 1}, {"a": 0.5, "b": 3.0, "c": 1.0, "d": 0.1}, 3),
        ({"a": 3, "b": 2, "c": 1, "z": 3}, {"c": 3.0, "b": 2.0, "a": 1.0}, 3),
        ({"a": 2, "b": 1, "c": 0, "z": 3}, {"a": 1.0, "b": 1.0, "c": 2.0, "d": 1.0}, 3),
        ({"b": 1}, {"a": 1.0, "b": 1.0, "c": 1.0}, 1),
        ({"a": 1, "b": 1}, {"c": 5.0, "d": 4.0}, 10),
        ({"a": 2}, {}, 5),
        ({"a": 1, "b": 2}, {"a": -1.0, "b": -1.0, "c": 0.0}, 2),
    ],
    ids=[
        "top-hit",
        "binary",
        "graded",
        "graded-ties",
        "tie-by-id-descending",
        "none-found",
        "empty-run",
        "negative-scores",
    ],
)
def test_measures_equal_pytrec_eval_on_hand_made_runs(qrels, run, k):
    assert_same(qrels, run, k)


def test_graded_ndcg_uses_linear_gains_and_a_log2_discount():
    # ideal: 3, 2 at ranks 1 and 2; found: 2 at rank 1, 3 at rank 3.
    got = ours({"a": 3, "b": 2}, {"b": 3.0, "x": 2.0, "a": 1.0}, 3)
    assert math.isclose(got.ndcg, (2 + 3 / 2) / (3 + 2 / math.log2(3)))


def test_ties_are_ordered_as_trec_eval_orders_them():
    assert trec_order([("a", 1.0), ("c", 1.0), ("b", 2.0), ("d", 1.0)]) == [
        ("b", 2.0),
        ("d", 1.0),
        ("c", 1.0),
        ("a", 1.0),
    ]


def test_a_ranking_with_nothing_relevant_is_not_judged():
    assert score_ranking({"a": 0}, ["a", "b"], 5) is None
    assert score_ranking({}, [], 5) is None


@settings(max_examples=200, deadline=None)
@given(
    qrels=st.dictionaries(st.sampled_from(IDS), st.integers(0, 3), min_size=1).filter(
        lambda q: any(v > 0 for v in q.values())
    ),
    run=st.dictionaries(st.sampled_from(IDS), st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 7.25])),
    k=st.sampled_from([1, 2, 3, 5, 10]),
)
def test_measures_equal_pytrec_eval_on_any_run(qrels, run, k):
    assert_same(qrels, run, k)


# --- settings to compare ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "changes", "conversation", "label"),
    [
        ("k1=0.9", {"k1": 0.9}, True, "k1=0.9"),
        ("k1=0.9, b=0.3", {"k1": 0.9, "b": 0.3}, True, "k1=0.9,b=0.3"),
        ("variant=okapi,delta=none", {"variant": "okapi"}, True, "variant=okapi"),
        (
            "stopwords=off,stemmer=none",
            {"stopwords": False, "stemmer": "none"},
            True,
            "stemmer=none,stopwords=off",
        ),
        ("passage-words=60", {"passage_words": 60}, True, "passage_words=60"),
        ("conversation=off", {}, False, "conversation=off"),
        ("document_weight=0", {"document_weight": 0.0}, True, "document_weight=0.0"),
        ("k1=1.2", {}, True, "defaults"),
    ],
    ids=["one", "two", "none-value", "booleans", "dash", "conversation", "document-weight", "defaults"],
)
def test_compare_specs_derive_settings(spec, changes, conversation, label):
    variant = parse_variant(spec, Settings())
    assert variant == Variant(label, replace(Settings(), **changes), conversation)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("stemer=none", "setting stemer='none': no such setting (did you mean \"stemmer\"?)"),
        ("k1", "setting k1=None: write name=value"),
        ("k1=high", "setting k1='high': expected a number"),
        ("passage_words=1.5", "setting passage_words='1.5': expected an integer"),
        ("stopwords=maybe", "setting stopwords='maybe': expected on or off"),
        ("b=2", "setting b=2.0: must be between 0 and 1"),
        ("document_weight=-1", "setting document_weight=-1.0: must be between 0 and 5"),
    ],
    ids=[
        "unknown",
        "no-value",
        "not-number",
        "not-integer",
        "not-boolean",
        "out-of-range",
        "negative-weight",
    ],
)
def test_bad_compare_specs_raise_settings_errors(spec, message):
    with pytest.raises(SettingsError) as error:
        parse_variant(spec, Settings())
    assert str(error.value).startswith(message)


# --- a report --------------------------------------------------------------------------------

SMALL_QUESTIONS = questions(
    line(
        id="tizanidine-max",
        question="What is the maximum dose of tizanidine?",
        documents=["tizanidine"],
        texts=["36 mg per day"],
        answer_contains="36 mg per day",
        tags=["plain"],
    ),
    line(
        id="dantrolene-use",
        question="What does dantrolene treat?",
        sections=["dantrolene#From the FDA Drug Label"],
        answer_contains="malignant hyperthermia",
        tags=["plain"],
    ),
    line(id="zebra", question="Is tizanidine safe for zebras?", abstain=True, tags=["unanswerable"]),
    line(
        id="conv",
        tags=["followup"],
        turns=[
            {"question": "What does dantrolene treat?", "documents": ["dantrolene"]},
            {"question": "What is the maximum dose of tizanidine?", "texts": ["36 mg per day"]},
            {"question": "Is it safe for zebras?", "abstain": True},
        ],
    ),
)


def _questions_file(tmp_path_factory, text: str) -> Path:
    """Write a questions file of its own and return its path."""
    path = tmp_path_factory.mktemp("questions") / "questions.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_report(small_corpus, tmp_path_factory):
    variants = [Variant("defaults", Settings()), parse_variant("passage_words=10", Settings())]
    return evaluate_questions(
        _questions_file(tmp_path_factory, SMALL_QUESTIONS), small_corpus, variants, k=5, depth=20
    )


def test_report_rows_are_the_settings_then_the_baseline(small_report):
    assert [row.label for row in small_report.rows] == ["defaults", "passage_words=10", "baseline"]
    assert small_report.baseline is small_report.rows[-1] and small_report.level == PASSAGE
    assert (small_report.k, small_report.depth, small_report.documents) == (5, 20, 5)
    baseline = small_report.baseline
    assert baseline.total.passages is None and baseline.total.documents.judged == 4
    assert baseline.total.answer_accuracy is None and baseline.total.abstain_recall is None


def test_each_turn_records_rank_quotes_and_pass(small_report):
    results = {r.query_id: r for r in small_report.rows[0].results}
    assert list(results) == ["tizanidine-max", "dantrolene-use", "zebra", "conv/1", "conv/2", "conv/3"]
    first = results["tizanidine-max"]
    assert first.passage_rank == 1 and first.passage_ranking[0][0] == "tizanidine#2"
    assert first.answer_found is True and first.passed and first.failures == ()
    assert "36 mg per day" in first.answer.quotes[0].text
    assert results["zebra"].answer.abstained and results["zebra"].passed
    assert results["conv/2"].followup and not results["conv/1"].followup


def test_totals_split_first_turns_from_follow_ups_and_tags(small_report):
    row = small_report.rows[0]
    assert (row.total.turns, row.first_turns.turns, row.followups.turns) == (6, 4, 2)
    tags = dict(row.tags())
    assert list(tags) == ["plain", "unanswerable", "followup"]
    assert tags["plain"].turns == 2 and tags["followup"].turns == 3
    assert tags["unanswerable"].abstain_expected == 1


def test_pass_and_abstention_measures_follow_the_answers(small_report):
    row = small_report.rows[0]
    measured = [r for r in row.results if r.measured]
    abstained = [r for r in measured if r.answer.abstained]
    rightly = [r for r in abstained if r.expected.abstain]
    expected = [r for r in measured if r.expected.abstain]
    assert row.total.abstain_precision == len(rightly) / len(abstained)
    assert row.total.abstain_recall == len(rightly) / len(expected)
    for result in measured:
        if result.expected.abstain:
            assert (ANSWERED_INSTEAD in result.failures) == (not result.answer.abstained)
        else:
            assert (ABSTAINED in result.failures) == result.answer.abstained
            rank = result.passage_rank
            judged = result.expected.judged
            assert (NOT_RETRIEVED in result.failures) == (judged and (rank is None or rank > 5))


def test_the_run_and_qrels_files_give_trec_eval_the_reported_figures(small_report, tmp_path):
    for row, level in [
        (small_report.rows[0], PASSAGE),
        (small_report.rows[0], DOCUMENT),
        (small_report.baseline, DOCUMENT),
    ]:
        run = list(ir_measures.read_trec_run(run_to_trec(row, level)))
        qrels = list(ir_measures.read_trec_qrels(qrels_to_trec(row, level)))
        values = ir_measures.pytrec_eval.calc_aggregate([nDCG @ 5, P @ 5, R @ 5, AP, P @ 1], qrels, run)
        scores = row.total.passages if level == PASSAGE else row.total.documents
        assert math.isclose(values[nDCG @ 5], scores.ndcg, abs_tol=1e-9)
        assert math.isclose(values[P @ 5], scores.precision, abs_tol=1e-9)
        assert math.isclose(values[R @ 5], scores.recall, abs_tol=1e-9)
        assert math.isclose(values[AP], scores.ap, abs_tol=1e-9)
        assert math.isclose(values[P @ 1], scores.p1, abs_tol=1e-9)


def test_text_and_json_reports_show_every_row_and_question(small_report):
    text = report_to_text(small_report)
    assert "nDCG@5" in text and "passage_words=10" in text and "baseline:" in text
    assert "tizanidine-max" in text and "conv/3" in text and "tag followup" in text
    failures = report_to_text(small_report, failures_only=True)
    passed = [r.query_id for r in small_report.rows[0].results if r.passed]
    assert all(f"\n{qid} " not in failures for qid in passed)
    data = json.loads(json.dumps(report_to_json(small_report)))
    assert [r["label"] for r in data["rows"]] == ["defaults", "passage_words=10", "baseline"]
    first = data["rows"][0]["questions"][0]
    assert first["id"] == "tizanidine-max" and first["rank"] == 1 and first["passed"] is True
    assert data["rows"][0]["totals"]["all"]["passages"]["nDCG@5"] == small_report.rows[0].total.passages.ndcg


@pytest.mark.parametrize(
    "spec, words",
    [
        ("variant=okapi", "BM25 variant: Okapi (okapi)"),
        ("variant=bm25l", "BM25 variant: BM25L (bm25l)"),
        ("stemmer=none", "stemmer: none"),
        ("stemmer=porter", "stemmer: Porter (porter)"),
        ("k1=0.9,b=0.75", "term-frequency saturation (k1): 0.9; length normalization (b): 0.75"),
        ("passage_words=200", "passage length: 200 words"),
        ("stopwords=off", "stopwords left out: off"),
        ("conversation=off", "follow-ups read with the earlier turns: off"),
        ("lemmas=on", "lemmas: on"),  # a setting without words of its own is named by its code
        ("", "defaults"),
    ],
    ids=[
        "okapi",
        "bm25l",
        "no-stemmer",
        "porter",
        "k1-b",
        "passage-words",
        "stopwords",
        "conversation",
        "unnamed",
        "defaults",
    ],
)
def test_settings_read_in_words_with_their_codes(spec, words):
    variant = parse_variant(spec, Settings())
    assert spec_in_words(spec) == words
    assert describe_in_words(variant.settings, variant.conversation) == words
    assert describe(variant.settings, variant.conversation) == (spec or "defaults")


def test_the_baseline_reads_in_words_and_report_rows_carry_words_and_code(small_report):
    assert describe_in_words(None) == "baseline: plain BM25 (Okapi) on whole documents"
    rows = measures_rows(small_report, DOCUMENT)
    assert [(r["setting"], r["code"]) for r in rows] == [
        ("defaults", "defaults"),
        ("passage length: 10 words", "passage_words=10"),
        ("baseline: plain BM25 (Okapi) on whole documents", "baseline"),
    ]


@pytest.mark.parametrize(
    "column, value, shown",
    [
        ("pass", 0.8095238, "81.0%"),
        ("pass", 0.803, "80.3%"),
        ("pass", 1.0, "100.0%"),
        ("nDCG@10", 0.8095238, "0.810"),
        ("answer", 0.5, "0.500"),
        ("stray", 0.0, "0.000"),
        ("score", 12.2674, "12.267"),
        ("turns", 6, "6"),
        ("rank", 3.0, "3"),  # a table of numbers holds ranks as floats next to a missing one
        ("seconds", 0.24977, "0.2 s"),
        ("answer", None, "\u2014"),
        ("rank", float("nan"), "\u2014"),
        ("why", "", "\u2014"),
        ("quoted", "(abstained)", "(abstained)"),
    ],
    ids=lambda value: str(value),
)
def test_each_kind_of_figure_has_one_format_and_empty_cells_a_dash(column, value, shown):
    assert cell_text(column, value) == shown


def test_the_text_report_writes_each_kind_of_figure_in_its_format(small_report):
    text = report_to_text(small_report)
    assert not re.search(r"\b(None|nan)\b", text)
    defaults = next(line for line in text.splitlines() if line.startswith("defaults "))
    cells = defaults.split()
    assert cells[1].isdigit() and cells[2].endswith("%") and len(cells[2].split(".")[1]) == 2
    assert all(len(cell.split(".")[1]) == 3 for cell in cells[3:-2])


def test_the_report_keeps_the_documents_of_the_passages_answers_list(small_report):
    shown = {
        h.passage.doc_id for row in small_report.rows for r in row.results if r.answer for h in r.answer.hits
    }
    assert shown and set(small_report.hit_documents) == shown
    assert all(d.doc_id == key for key, d in small_report.hit_documents.items())


def test_progress_counts_every_case_of_every_row(small_corpus):
    cases = parse_questions(SMALL_QUESTIONS, "q.jsonl")
    calls = []
    evaluate(
        cases,
        read_corpus(small_corpus),
        progress=lambda done, total, label: calls.append((done, total, label)),
    )
    assert calls[0] == (0, 8, "indexing for defaults")
    assert calls[-1] == (8, 8, "baseline")
    assert [c[0] for c in calls if not c[2].startswith("indexing")] == list(range(1, 9))


def test_conversation_off_asks_each_turn_alone(small_corpus):
    text = questions(
        line(
            id="c",
            turns=[
                {"question": "What does dantrolene treat?", "documents": ["dantrolene"]},
                {"question": "What else does it do?", "documents": ["dantrolene"]},
            ],
        )
    )
    cases = parse_questions(text, "q.jsonl")
    report = evaluate(
        cases,
        read_corpus(small_corpus),
        [Variant("defaults", Settings()), parse_variant("conversation=off", Settings())],
        baseline=False,
    )
    with_context, alone = (row.results[1].answer.query for row in report.rows)
    assert "dantrolen" in with_context.terms and "dantrolen" not in alone.terms


def test_baseline_scores_equal_rank_bm25_get_scores(small_corpus):
    baseline = Baseline(read_corpus(small_corpus))
    for question in ["What is the maximum dose of tizanidine?", "the the", "nothing here at all", ""]:
        assert list(baseline.scores(question)) == list(baseline.model.get_scores(question.lower().split()))


# --- BEIR ------------------------------------------------------------------------------------


def write_beir(folder: Path, qrels: str) -> Path:
    documents = [
        {"_id": "d1", "title": "Tizanidine", "text": "Tizanidine can injure the liver."},
        {"_id": "d2", "title": "Baclofen", "text": "Baclofen is started at 5 mg three times daily."},
        {"_id": "d3", "title": "Dantrolene", "text": "Dantrolene treats malignant hyperthermia."},
        {"_id": "d4", "title": "Heat", "text": "Heat wraps ease acute low back pain."},
    ]
    queries = [
        {"_id": "q1", "text": "Does tizanidine hurt the liver?"},
        {"_id": "q2", "text": "How is baclofen started?"},
        {"_id": "q3", "text": "Not in this split"},
    ]
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in documents) + "\n")
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries) + "\n")
    (folder / "qrels" / "test.tsv").write_text(qrels)
    return folder


def test_beir_queries_of_a_split_are_judged_by_document(tmp_path):
    folder = write_beir(tmp_path, "query-id\tcorpus-id\tscore\nq2\td2\t2\nq1\td1\t1\nq1\td4\t0\n")
    corpus = read_corpus(folder / "corpus.jsonl")
    cases = read_beir_questions(folder, "test", corpus)
    assert cases.level == DOCUMENT and [c.case_id for c in cases.cases] == ["q1", "q2"]
    assert cases.cases[0].turns[0].expected.documents == (("d1", 1), ("d4", 0))
    report = evaluate(cases, corpus)
    row = report.rows[0]
    assert [r.document_rank for r in row.results] == [1, 1]
    assert row.total.documents.judged == 2 and row.total.passages is None


@pytest.mark.parametrize(
    ("qrels", "split", "message"),
    [
        ("q1\td9\t1\n", "test", 'test.tsv:1: corpus-id: no document "d9"'),
        (
            "query-id\tcorpus-id\tscore\nq1\td11\t1\n",
            "test",
            'test.tsv:2: corpus-id: no document "d11" (did you mean "d1"?)',
        ),
        ("q9\td1\t1\n", "test", 'test.tsv:1: query-id: no query "q9" in queries.jsonl'),
        ("q1\td1\n", "test", "test.tsv:1: line: expected query-id, corpus-id and score"),
        ("q1\td1\thigh\n", "test", "test.tsv:1: score: expected a whole number, got 'high'"),
        ("q1\td1\t1\n", "dev", "dev.tsv: file: no such file (splits here: test)"),
    ],
    ids=["document", "suggestion", "query", "columns", "score", "split"],
)
def test_bad_beir_files_name_file_and_line(tmp_path, qrels, split, message):
    folder = write_beir(tmp_path, qrels)
    with pytest.raises(QuestionsFileError) as error:
        read_beir_questions(folder, split, read_corpus(folder / "corpus.jsonl"))
    assert message in str(error.value)


# --- the shipped questions and MedQuAD ---------------------------------------------------


SHIPPED = ROOT / "corpus" / "questions.jsonl"


@pytest.fixture(scope="module")
def shipped_report():
    return evaluate_questions(SHIPPED, ROOT / "corpus", k=10)


def test_every_shipped_question_resolves_against_the_shipped_corpus(shipped_report):
    cases = read_questions(SHIPPED)
    assert len(shipped_report.rows[0].results) == cases.turn_count
    assert {r.case_id for r in shipped_report.rows[0].results} == {c.case_id for c in cases.cases}


def test_shipped_questions_stay_above_their_floor(shipped_report):
    # A floor, raised as the bot improves: measured figures minus a small margin.
    row, baseline = shipped_report.rows[0], shipped_report.baseline
    judged = [r for r in row.results if r.expected.judged and not r.expected.abstain]
    in_top_five = sum(r.passage_rank is not None and r.passage_rank <= 5 for r in judged)
    assert in_top_five / len(judged) >= 0.85
    assert row.total.documents.ndcg >= 0.95 and row.total.documents.p1 >= 0.9
    assert row.total.documents.ndcg >= baseline.total.documents.ndcg + 0.05
    assert row.total.passages.ndcg >= 0.7
    assert row.total.abstain_recall >= 0.9 and row.total.answer_accuracy >= 0.6


@pytest.mark.skipif(not MEDQUAD.is_dir(), reason="MedQuAD is not in ../shared/data/medquad")
def test_medquad_dev_sample_runs_and_beats_the_baseline():
    # A fast sample: 40 dev queries against their relevant documents and 1,500 others.
    full = read_corpus(MEDQUAD / "corpus.jsonl")
    cases = limit_cases(read_beir_questions(MEDQUAD, "dev", full), 40)
    wanted = {doc for c in cases.cases for doc, _ in c.turns[0].expected.documents}
    others = [d for d in full.documents if d.doc_id not in wanted][::10][:1500]
    corpus = replace(full, documents=tuple(d for d in full.documents if d.doc_id in wanted) + tuple(others))
    report = evaluate(cases, corpus, k=10)
    ours, baseline = report.rows[0].total.documents, report.baseline.total.documents
    assert ours.judged == baseline.judged == 40
    # Measured 0.92 against the baseline's 0.83 on this sample.
    assert ours.ndcg >= 0.85 and ours.ndcg >= baseline.ndcg + 0.05


# --- asking back, quotes about something else, and the realistic questions ----------------------

JUDGED_QUESTIONS = questions(
    line(id="vague", question="what dose should i take?", clarify=True),
    line(id="not-vague", question="What is the maximum dose of tizanidine?", clarify=True),
    line(
        id="answered",
        question="What is the maximum dose of tizanidine?",
        documents=["tizanidine"],
        answer_contains=["36 mg", "nothing"],
    ),
    line(id="elsewhere", question="What is the maximum dose of tizanidine?", documents=["baclofen"]),
    line(id="should-abstain", question="What is the maximum dose of tizanidine?", abstain=True),
    line(
        id="chat",
        turns=[
            {"question": "What is the maximum dose of tizanidine?", "texts": ["36 mg per day"]},
            {"question": "Is tizanidine safe for zebras?", "abstain": True},
        ],
    ),
)


@pytest.fixture(scope="module")
def judged_report(small_corpus, tmp_path_factory):
    path = _questions_file(tmp_path_factory, JUDGED_QUESTIONS)
    return evaluate_questions(path, small_corpus, k=5, depth=20, baseline=False)


def test_clarify_passes_only_when_the_bot_asks_which_document(judged_report):
    results = {r.query_id: r for r in judged_report.rows[0].results}
    assert results["vague"].passed and results["vague"].answer.choices
    assert results["not-vague"].failures == (NOT_CLARIFIED,)


def test_quotes_from_a_document_not_judged_relevant_are_stray(judged_report):
    results = {r.query_id: r for r in judged_report.rows[0].results}
    assert results["answered"].passed and not results["answered"].stray
    assert results["elsewhere"].stray  # quoted tizanidine where baclofen was judged relevant
    assert results["should-abstain"].stray and results["should-abstain"].failures == (ANSWERED_INSTEAD,)


def test_totals_count_wrong_abstentions_stray_quotes_singles_and_conversations(judged_report):
    row = judged_report.rows[0]
    assert (row.singles.turns, row.conversations.turns) == (5, 2)
    assert row.total.answerable == 3 and row.total.wrong_abstentions == 0
    assert row.total.stray == 3 and row.total.stray_rate == 3 / 7
    groups = {g["group"] for g in group_rows(judged_report, row)}
    assert {"single questions", "conversation turns"} <= groups


REALISTIC = {half: ROOT / "corpus" / f"realistic-{half}.jsonl" for half in ("dev", "test")}


@pytest.mark.parametrize(
    ("half", "single", "conversation"),
    # Floors, raised as the bot improves: measured figures minus a margin (see the README).
    [("dev", 0.80, 0.65), ("test", 0.65, 0.55)],
)
def test_realistic_questions_stay_above_their_floor(half, single, conversation):
    report = evaluate_questions(REALISTIC[half], ROOT / "corpus", k=10, baseline=False)
    row = report.rows[0]
    assert row.singles.pass_rate >= single and row.conversations.pass_rate >= conversation
    assert row.total.abstain_recall >= 0.6 and row.total.wrong_abstentions <= 0.2
