"""Questions to queries: corrections, aliases, synonyms, cleaning."""

from __future__ import annotations

import pytest
from conftest import documents_bot, write_corpus

from bot import Settings, ask, load
from bot.analysis import word_terms, words
from bot.query import answer_words, clean_question, learn_aliases, question_words


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


# Documents on one condition, each answering another kind of question, and two apart.
QUESTION_TYPE_DOCUMENTS = {
    "a-overview.txt": "Zorblax syndrome is a rare bone disorder.\n",
    "b-inheritance.txt": "Zorblax syndrome follows an autosomal recessive pattern.\n",
    "c-management.txt": "Zorblax syndrome management relies on physical therapy and bracing.\n",
    "d-frequency.txt": "Zorblax syndrome has an estimated prevalence of 1 in 40,000 newborns.\n",
    "e-milk.txt": "Quindal passes into milk during lactation.\n",
    "f-colds.txt": "Treatment of colds is rest and fluids.\n",
    "g-warnings.txt": "Zorblax syndrome carries a warning: heart failure is a serious risk.\n",
    "h-bites.txt": "Dog bites are rarely dangerous.\n",
}


@pytest.fixture(scope="module")
def question_type_bot(tmp_path_factory):
    return documents_bot(tmp_path_factory.mktemp("types"), QUESTION_TYPE_DOCUMENTS)


@pytest.mark.parametrize(
    ("question", "document", "word"),
    [
        ("What are the treatments for zorblax syndrome?", "c-management", "management"),
        ("How many people have zorblax syndrome?", "d-frequency", "prevalence"),
        ("Does zorblax syndrome run in families?", "b-inheritance", "autosomal"),
        ("Is zorblax syndrome dangerous?", "g-warnings", "warning"),
    ],
    ids=["treatments", "how-many-people", "run-in-families", "dangerous"],
)
def test_question_words_find_the_passage_that_answers_that_kind_of_question(
    question_type_bot, question, document, word
):
    answer, _ = ask(question_type_bot, question)
    assert word in answer.query.expansions
    assert answer.hits[0].passage.doc_id == document


@pytest.mark.parametrize(
    ("question", "fires"),
    [
        ("How many people get it?", True),
        ("How many tablets are in a pack?", False),
        ("Do many people get it?", False),
    ],
    ids=["all-words", "missing-people", "missing-how"],
)
def test_question_words_of_several_words_need_all_of_them(question, fires):
    assert ("prevalence" in answer_words(words(question))) is fires


# "Genetic" alone asks about genetic changes at least as often as about inheritance: as an
# inheritance word it sent MedQuAD's "What are the genetic changes related to ...?" to the
# inheritance answers (dev nDCG@10 0.740 -> 0.745 without it).
@pytest.mark.parametrize(
    ("question", "fires"),
    [
        ("What are the genetic changes related to zorblax syndrome?", False),
        ("Is zorblax syndrome inherited?", True),
        ("Does zorblax syndrome run in families?", True),
    ],
    ids=["genetic-changes", "inherited", "run-in-families"],
)
def test_genetic_changes_are_not_an_inheritance_question(question, fires):
    assert ("autosomal" in answer_words(words(question))) is fires


@pytest.mark.parametrize(
    ("question", "fires"),
    [
        ("how much of that do people take", True),
        ("how much should she be given", True),
        ("how much does it cost", False),
    ],
    ids=["take", "given", "cost"],
)
def test_how_much_someone_takes_asks_for_a_dose(question, fires):
    assert ("dosage" in answer_words(words(question))) is fires


def test_question_words_are_not_concepts_and_never_prevent_an_abstention(question_type_bot):
    # "how many people" asks for "prevalence", which a document has; "rash" is found nowhere.
    answer, _ = ask(question_type_bot, "How many people get a zorblax rash?")
    assert "prevalence" in answer.query.expansions
    assert "prevalence" not in {c.word for c in answer.query.concepts}
    assert answer.abstained
    assert "rash" in answer.missing_terms


def test_a_rule_fired_by_one_word_gives_that_word_other_ways_to_be_said(question_type_bot):
    # "treatments" may be answered by a passage on "management": the rule says so.
    answer, _ = ask(question_type_bot, "What are the treatments for zorblax syndrome?")
    treatments = next(c for c in answer.query.concepts if c.word == "treatments")
    assert ("manag",) in treatments.alternatives
    assert answer.quotes[0].doc_id == "c-management"


def test_each_word_of_a_rule_a_question_uses_gets_the_other_ways(question_type_bot):
    # "titration" and "increments" are items of one rule: each may be said as "increases".
    answer, _ = ask(question_type_bot, "quindal titration increments?")
    for word in ("titration", "increments"):
        concept = next(c for c in answer.query.concepts if c.word == word)
        assert ("increas",) in concept.alternatives, word


def test_question_words_weigh_less_than_the_words_typed(question_type_bot):
    query = ask(question_type_bot, "What are the treatments for zorblax syndrome?")[0].query
    typed = {t for concept in query.concepts for t in concept.alternatives[0]}
    added = [w for t, w in zip(query.terms, query.weights, strict=True) if t not in typed]
    assert added
    assert all(w < 1 for w in added)


def test_question_words_can_be_turned_off(tmp_path):
    bot = load(
        write_corpus(tmp_path, QUESTION_TYPE_DOCUMENTS), Settings(question_words=False), use_cache=False
    )
    assert ask(bot, "What are the treatments for zorblax syndrome?")[0].query.expansions == ()


def test_shipped_question_words_are_a_short_list_of_complete_rules():
    rules = question_words()
    assert 25 <= len(rules) <= 60
    assert all(asked and answered for asked, answered in rules)


# --- names of one thing: the best of a word's names counts, not their sum ---------------------

ZORVEX = {
    "zorvex.md": (
        "# Zorvex (quinopril)\n\n"
        "Zorvex (quinopril) is a tablet for nerve pain, taken twice a day.\n\n"
        "## Dosing\n\n"
        "The usual dose of quinopril is 10 mg twice a day.\n"
    ),
    "sedatives.md": (
        "# Sedatives\n\n"
        "People misuse zorvex for its calming effect, often after a prescription for sleep.\n\n"
        "## Sleep\n\n"
        "Sleep hygiene comes before any sedative.\n"
    ),
    "lemtane.md": "# Lemtane\n\nLemtane is a tablet for muscle spasm, taken once a day.\n",
}


def test_a_word_and_its_learned_alias_are_one_group(tmp_path):
    bot = documents_bot(tmp_path, ZORVEX)
    query = ask(bot, "Why do people misuse Zorvex?")[0].query
    zorvex, quinopril = word_terms("zorvex", bot.settings), word_terms("quinopril", bot.settings)
    assert query.groups == ((tuple(zorvex), tuple(quinopril)),)
    # A corrected word is grouped with its aliases as the word it became.
    assert ask(bot, "Why do people misuse zorvexx?")[0].query.groups == query.groups
    # Both names typed: each counts on its own.
    assert ask(bot, "Is Zorvex the same as quinopril?")[0].query.groups == ()
    summed = load(tmp_path, Settings(alias_groups=False), use_cache=False)
    assert ask(summed, "Why do people misuse Zorvex?")[0].query.groups == ()


def test_the_passage_that_answers_outranks_one_naming_the_thing_twice(tmp_path):
    bot = documents_bot(tmp_path, ZORVEX)
    answer, _ = ask(bot, "Why do people misuse Zorvex?")
    assert answer.hits[0].passage.doc_id == "sedatives"
    assert "calming effect" in answer.quotes[0].text
