"""The analyzer: one for passages and queries, with no NLTK data."""

from __future__ import annotations

import json
from pathlib import Path

import nltk
import pytest
from conftest import MEDQUAD
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- the sentence splitter's shortcut decides as Punkt does ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'It is rare (see the table.) Most cases are mild. He said "stop." Then he left.',
        "It was e.g.) not so. A J.) B went. Then 12.) c followed. And U.S.) Next came. Or x?) y.",
        'Who? "Me?") Yes.',
        "Closers at the end (end.)",
        "Closers then no space.)x and more. Done.)  \n  Next",
    ],
)
def test_sentence_spans_move_closing_brackets_and_quotes_as_punkt_does(text):
    expected = [text[a:b].strip() for a, b in _plain_punkt().span_tokenize(text)]
    assert [text[a:b] for a, b in sentence_spans(text)] == [e for e in expected if e]


_PIECES = [
    "Dose", "dose", "e.g", "etc", "vs", "Dr", "mg", "J", "j", "A", "12", "2-10", "1-a", "x-ray",
    "Valium", "it", "U.S", "No", "no", "3", "ABC", "b-mg", "stiff-man", "_x", "\u00e9t\u00e9", "\u00c9",
    "It's", "Follow-up", "2.5", "P.A.D", "a.b-c", "3.x", "e.g-x", "(i.e", "(J", "(3",
]  # fmt: skip
_MARKS = [".", "?", "!", "..", ".)", '."', ";", ","]
_GAPS = [" ", "  ", "\n", "\n\n", "\t", "\r\n", "\u00a0", " \u2028 ", "", "\x1c", " \x1f", "\x0b"]


def _plain_punkt():
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    from bot.analysis import _ABBREVIATIONS

    parameters = PunktParameters()
    parameters.abbrev_types = set(_ABBREVIATIONS)
    return PunktSentenceTokenizer(parameters)


@given(
    word=st.sampled_from(_PIECES),
    mark=st.sampled_from(_MARKS),
    gap=st.sampled_from(_GAPS),
    following=st.sampled_from(_PIECES),
    tail=st.sampled_from(["", ",", ";", ":", ".", "'s", ")"]),
)
@settings(max_examples=400, deadline=None)
def test_boundary_decision_matches_punkt(word, mark, gap, following, tail):
    from bot.analysis import _sentence_splitter

    context = f"{word}{mark}{gap}{following}{tail}"
    assert _sentence_splitter().text_contains_sentbreak(context) == _plain_punkt().text_contains_sentbreak(
        context
    )


@given(st.lists(st.sampled_from(_PIECES + _MARKS + _GAPS + [" ", " ", "(", "[1]", "\u2019"]), max_size=40))
@settings(max_examples=400, deadline=None)
def test_sentence_spans_match_punkt_on_any_text(pieces):
    text = "".join(pieces)
    expected = [(a, b) for a, b in _plain_punkt().span_tokenize(text) if text[a:b].strip()]
    found = list(sentence_spans(text))
    assert [text[a:b].strip() for a, b in found] == [text[a:b].strip() for a, b in expected]


_WORDS = [
    "Dose", "dose", "e.g", "etc", "vs", "Dr", "mg", "J", "j", "A", "12", "2-10", "x-ray", "it", "U.S",
    "No", "3", "(x.)", "(abc)", "(kon-JEN)", "-", "(CDC)", "word)", '"word"', "[1]", "(see", "it's", "--",
    "(a.b)", "{x}", "'q'", "1a", "Follow-up", "It's", "x-ray's", "2.5", "P.A.D", "(i.e", "(J", "(12",
    "(U.S", "o'", "1.2.3-4", "(2.5)", "*See", "http://a.b/c", "Inc", "46,XX", "coli)", "HIV/AIDS",
]  # fmt: skip
_ENDS = ["", "", "", ".", ".", "?", "!", ",", ";", ":", ").", ".)", "...", '."', '?")', ".:", "?!"]


@given(
    st.lists(
        st.tuples(st.sampled_from(_WORDS), st.sampled_from(_ENDS), st.sampled_from([" ", "  ", "\n", "\t"])),
        min_size=1,
        max_size=12,
    )
)
@settings(max_examples=400, deadline=None)
def test_sentence_spans_match_punkt_on_prose_like_text(parts):
    # Mostly words and marks, so that the shortcut, not Punkt, splits most of these texts.
    text = "".join(word + end + gap for word, end, gap in parts).strip()
    expected = [text[a:b].strip() for a, b in _plain_punkt().span_tokenize(text)]
    assert [text[a:b] for a, b in sentence_spans(text)] == [e for e in expected if e]


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def test_sentence_spans_match_punkt_on_the_shipped_corpus():
    from bot.cli import default_corpus

    files = sorted(Path(default_corpus()).glob("*.txt")) + sorted(Path(default_corpus()).glob("*.md"))
    texts = [p.read_text(encoding="utf-8") for p in files]
    paragraphs = [p for text in texts for p in _paragraphs(text)]
    assert len(paragraphs) > 300
    for paragraph in paragraphs:
        expected = [paragraph[a:b].strip() for a, b in _plain_punkt().span_tokenize(paragraph)]
        assert [paragraph[a:b] for a, b in sentence_spans(paragraph)] == [e for e in expected if e]


def test_sentence_spans_match_punkt_on_medquad():
    corpus = MEDQUAD / "corpus.jsonl"
    if not corpus.exists():
        pytest.skip(f"MedQuAD is not at {corpus}")
    with corpus.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for _, line in zip(range(3000), lines, strict=False)]
    splitter = _plain_punkt()
    for text in texts:
        for paragraph in _paragraphs(text):
            expected = [paragraph[a:b].strip() for a, b in splitter.span_tokenize(paragraph)]
            assert [paragraph[a:b] for a, b in sentence_spans(paragraph)] == [e for e in expected if e]


@pytest.mark.parametrize("batch", [3, 1 << 22])
def test_build_analyzes_passages_as_passage_terms_and_build_lexicon(tmp_path, monkeypatch, batch):
    from bot import pipeline, prepare
    from bot.query import build_lexicon
    from bot.read import read_corpus

    (tmp_path / "a.md").write_text(
        "# Stiff-man Syndrome\n\nDiazepam's dose is 2-10 mg. Patients' muscles relax; e.g. spasms ease 1.\n\n"
        "## \u00c9tude Notes\n\nCaf\u00e9 au lait. The patient's dose-response curve [2].\n\n"
        "References\n1. A. 2001.\n2. B. 2002.\n",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text(
        "Plain Title\n\nIt's about diazepam and dose again, dose.\n", encoding="utf-8"
    )
    corpus = read_corpus(tmp_path)
    settings = Settings()
    monkeypatch.setattr(prepare, "_WORD_BATCH", batch)  # words counted in batches of this many
    bot = pipeline.build(corpus, settings)
    analyzed = prepare.analyze_passages(corpus, bot.passages, settings)
    encoded = analyzed.encoded
    found = [
        [encoded.terms[i] for i in encoded.term_ids[encoded.offsets[p] : encoded.offsets[p + 1]]]
        for p in range(len(bot.passages))
    ]
    assert found == [prepare.passage_terms(p, settings) for p in bot.passages]
    assert analyzed.word_counts == build_lexicon(corpus, list(bot.passages), settings).word_counts
    assert dict(analyzed.word_counts)["dose"] == 2
