"""Questions to queries: corrections, aliases, synonyms, cleaning."""

from __future__ import annotations

import pytest
from conftest import write_corpus

from bot import Settings, ask, load
from bot.query import clean_question, learn_aliases


@pytest.mark.parametrize(
    ("typed", "used"),
    [("diazapam", "diazepam"), ("baclophen", "baclofen"), ("spasticty", "spasticity")],
)
def test_misspelled_words_are_corrected_to_corpus_words(seed_bot, typed, used):
    answer, _ = ask(seed_bot, f"Tell me about {typed}")
    assert answer.query.corrections == ((typed, used),)


@pytest.mark.parametrize("word", ["safe", "pregnancy", "xyzzy"])
def test_real_words_absent_from_the_corpus_are_not_corrected(seed_bot, word):
    answer, _ = ask(seed_bot, f"Is Valium {word}?")
    assert answer.query.corrections == ()


def test_spelling_can_be_turned_off(seed_corpus):
    bot = load(seed_corpus, Settings(spelling=False), use_cache=False)
    assert ask(bot, "diazapam dose")[0].query.corrections == ()


@pytest.mark.parametrize(
    ("text", "pairs"),
    [
        ("Valium (diazepam) helps.", [("diazepam", "valium")]),
        ("baclofen (Lioresal) is used.", [("baclofen", "lioresal")]),
        ("Acute leukemia (ALL) and cells (a type of cell).", []),
        ("white blood cells (lymphocytes)", []),
    ],
    ids=["brand-generic", "generic-brand", "acronyms-and-phrases", "both-lower-case"],
)
def test_aliases_are_learned_from_name_patterns(text, pairs):
    assert learn_aliases([text]) == pairs


def test_synonyms_file_expands_queries(tmp_path):
    corpus = write_corpus(
        tmp_path,
        {
            "a.txt": "Myorelaxants reduce spasm quickly.\n",
            "b.txt": "Heat helps back pain.\n",
            "c.txt": "Exercise helps recovery.\n",
            "d.txt": "Sleep helps too.\n",
            "synonyms.txt": "# names that mean the same\nmuscle relaxant, myorelaxants\nbad line without comma\n",
        },
    )
    bot = load(corpus, use_cache=False)
    assert [str(p) for p in bot.problems] == [
        "synonyms.txt:3: synonyms: a line needs two or more names separated by commas"
    ]
    answer, _ = ask(bot, "Which muscle relaxant reduces spasm?")
    assert answer.quotes[0].doc_id == "a"
    assert "myorelaxants" in answer.query.expansions


def test_clean_question_removes_controls_and_collapses_space():
    assert clean_question(" What\u2028is\tthis\x00 dose?\n") == "What is this dose?"
