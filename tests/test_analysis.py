"""The analyzer: one for passages and queries, with no NLTK data."""

from __future__ import annotations

import nltk
import pytest

from bot import Settings
from bot.analysis import analyze, normalize, sentence_spans, stopwords


def test_no_nltk_data_is_reachable():
    with pytest.raises(LookupError):
        nltk.data.find("tokenizers/punkt")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stiff-man syndrome", ["stiff-man", "stiff", "man", "syndrom"]),
        ("2-10 mg taken 2.5 times", ["2-10", "2", "10", "mg", "taken", "2.5", "time"]),
        ("The DOSING of Valium's doses", ["dose", "valium", "dose"]),
        ("Küster café", ["kuster", "cafe"]),
        ("ﬁbrosis", ["fibrosi"]),
        ("what is it and how", []),
    ],
    ids=[
        "hyphen-whole-and-parts",
        "numbers-kept",
        "case-stem-possessive",
        "accents",
        "ligature",
        "only-stopwords",
    ],
)
def test_analyze(text, expected):
    assert analyze(text, Settings()) == expected


def test_hyphenated_word_is_findable_by_its_parts_and_whole():
    passage = set(analyze("stiff-man syndrome", Settings()))
    assert set(analyze("stiff man", Settings())) <= passage
    assert set(analyze("stiff-man", Settings())) <= passage


def test_settings_change_the_analyzer():
    assert analyze("the running", Settings(stopwords=False, stemmer="none")) == ["the", "running"]
    assert analyze("running", Settings(stemmer="porter")) == ["run"]


def test_stopwords_ship_with_the_package():
    assert {"the", "what", "is"} <= stopwords()
    assert "pregnancy" not in stopwords()


def test_normalize_folds_case_and_apostrophes():
    assert normalize("It\u2019s ÉTÉ") == "it's ete"


def test_sentence_spans_exclude_outer_space():
    text = "  First one.  Second one. "
    assert [text[a:b] for a, b in sentence_spans(text)] == ["First one.", "Second one."]
