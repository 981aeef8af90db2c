"""Answers on the seed and on small documents: verbatim quotes with citations, or abstention."""

from __future__ import annotations

import pytest
from conftest import documents_bot
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import QuestionError, ask


def _quoted(answer) -> str:
    return " ".join(q.text for q in answer.quotes)


def test_usual_valium_dose_quotes_the_guidelines_dose_sentence(seed_bot):
    answer, _ = ask(seed_bot, "What is the usual dose of Valium for muscle spasm?")
    assert not answer.abstained
    first = answer.quotes[0]
    assert "2-10 mg taken 2-4 times daily" in first.text
    assert first.section == "From the Guidelines"
    # The sentence has no marker of its own: it shows its passage's, labelled as such.
    assert first.inherited and [c.marker for c in first.citations] == ["1"]
    assert first.citations[0].reference is None


def test_quotes_are_exact_substrings_at_their_offsets(seed_bot):
    for question in [
        "What are the side effects of Valium?",
        "Is baclofen abused?",
        "What is stiff-person syndrome treated with?",
    ]:
        answer, _ = ask(seed_bot, question)
        assert answer.quotes
        for quote in answer.quotes:
            assert seed_bot.documents[quote.doc_id].text[quote.start : quote.end] == quote.text


def test_trailing_markers_become_citations(seed_bot):
    answer, _ = ask(seed_bot, "Which studies compared Valium with baclofen?")
    quote = next(q for q in answer.quotes if "compared to other medications such as baclofen" in q.text)
    assert quote.text.endswith("in various studies")
    assert [c.marker for c in quote.citations] == ["3", "4"] and not quote.inherited


def test_pregnancy_is_not_answered_and_the_missing_word_is_named(seed_bot):
    answer, _ = ask(seed_bot, "Is Valium safe to take during pregnancy?")
    assert answer.abstained
    assert "pregnancy" in answer.missing_terms
    assert answer.quotes == ()
    assert answer.hits  # the nearest passages, offered as possibly related


def test_references_resolve_to_their_entries(small_bot):
    answer, _ = ask(small_bot, "What is the maximum daily dose of tizanidine?")
    quote = answer.quotes[0]
    assert quote.text == "The maximum is 36 mg per day"
    assert [(c.marker, c.reference) for c in quote.citations] == [
        ("1", "Agency C. Tizanidine label. 2013."),
        ("2", "Author D. Dosing study. 2010."),
    ]


def test_brand_name_finds_the_generic_through_learned_aliases(small_bot):
    answer, _ = ask(small_bot, "What does Lioresal reduce?")
    assert answer.quotes[0].doc_id == "baclofen"
    dantrolene, _ = ask(small_bot, "What treats malignant hyperthermia?")
    assert dantrolene.quotes[0].doc_id == "dantrolene"


def test_misspelling_is_corrected_and_said(seed_bot):
    answer, _ = ask(seed_bot, "What are the side effects of diazapam?")
    assert answer.query.corrections == (("diazapam", "diazepam"),)
    assert "diazepam" in answer.query.text
    assert not answer.abstained


@pytest.mark.parametrize("question", ["", "   ", "\x00\x07"], ids=["empty", "spaces", "control-only"])
def test_empty_question_gets_a_prompt(seed_bot, question):
    answer, conversation = ask(seed_bot, question)
    assert answer.abstained and answer.prompt and "Ask a question" in answer.prompt
    assert conversation.turns == ()


def test_question_without_content_words_asks_for_a_subject(seed_bot):
    answer, _ = ask(seed_bot, "What is it?")
    assert answer.abstained and "names nothing" in answer.prompt


def test_too_long_question_is_an_error(seed_bot):
    with pytest.raises(
        QuestionError, match="the question is too long: 2,001 characters, over the limit of 2,000"
    ):
        ask(seed_bot, "a" * 2001)


def test_control_characters_are_removed(seed_bot):
    answer, _ = ask(seed_bot, "What is the usual\x00 dose of\x1b Valium?")
    assert answer.question == "What is the usual dose of Valium?"


@given(question=st.text(max_size=300))
@settings(max_examples=150, deadline=None)
def test_any_question_gets_an_answer_or_an_abstention(seed_bot, question):
    answer, _ = ask(seed_bot, question)
    assert answer.abstained or answer.quotes
    assert len(answer.quotes) <= 3
    for quote in answer.quotes:
        assert seed_bot.documents[quote.doc_id].text[quote.start : quote.end] == quote.text


TOPICS = {
    "zorvex.md": (
        "# Zorvex (quinopril)\n\n"
        "Zorvex is a tablet for nerve pain.\n\n"
        "## Dosing\n\n"
        "Treatment starts at 250 mg three times a day. "
        "The dose may be raised to 750 mg three or four times a day.\n"
    ),
    "lemtane.md": (
        "# Lemtane\n\n"
        "Lemtane is a tablet for muscle spasm.\n\n"
        "## Dosing\n\n"
        "Some people need 100 mg four times a day, which is the highest dose the label allows.\n"
    ),
    "farbitol.md": "# Farbitol\n\nFarbitol is a cream for dry skin, used once a day.\n",
}


@pytest.mark.parametrize(
    "turns",
    [["What is the highest dose of Zorvex?"], ["What is Zorvex?", "What is its highest dose?"]],
    ids=["named", "follow-up"],
)
def test_quotes_come_from_passages_about_the_question_topic(tmp_path, turns):
    # Lemtane's sentence says "highest dose" in so many words; it is still not Zorvex's dose.
    bot = documents_bot(tmp_path, TOPICS)
    conversation = None
    for question in turns:
        answer, conversation = ask(bot, question, conversation)
    assert not answer.abstained
    assert {q.doc_id for q in answer.quotes} == {"zorvex"}
    assert any("750 mg" in q.text for q in answer.quotes)


# --- answering only what was asked ------------------------------------------------------------

DISCLAIMER = "Demonstration text for the tests: not medical advice."
ASKED_DOCUMENTS = {
    "velatrin.md": (
        f"# Velatrin (Velarex)\n\n{DISCLAIMER}\n\n"
        "Velatrin (Velarex) is a muscle relaxant for spasms [1].\n\n"
        "## Dosing\n\n"
        "- The usual adult dose of velatrin is 10 mg twice a day [1].\n"
        "- Older adults should start at 5 mg once a day [1].\n\n"
        "## Status Spasms\n\n"
        "- Intravenous velatrin for status spasms is given as 2 mg/kg over ten minutes [1].\n"
        "- The infusion may be repeated once [1].\n\n"
        "## Side Effects\n\n"
        "- The most common side effects are drowsiness and dry mouth [1].\n\n"
        "## Interactions\n\n"
        "- Velatrin should not be combined with SSRI antidepressants [1].\n\n"
        "## References\n\n1. Agency V. Velarex label. 2020.\n"
    ),
    "cortamil.md": (
        f"# Cortamil (Cortam)\n\n{DISCLAIMER}\n\n"
        "## Dosing\n\n"
        "- The recommended dose of cortamil is 250 mg three times a day [1].\n\n"
        "## Uses\n\n"
        "- Cortamil (Cortam) relieves acute back spasm [1].\n\n"
        "## Side Effects\n\n"
        "- Drowsiness is uncommon with cortamil, and nausea is its most frequent side effect [1].\n\n"
        "## References\n\n1. Agency C. Cortam label. 2019.\n"
    ),
    "nerve-pain.md": (
        f"# Nerve pain\n\n{DISCLAIMER}\n\n"
        "Gabapentin is sometimes offered for nerve pain [1].\n\n"
        "Side effects of nerve pain medicines include dizziness [1].\n\n"
        "## References\n\n1. Review N. Nerve pain. 2018.\n"
    ),
    "back-care.md": (
        f"# Back care\n\n{DISCLAIMER}\n\n"
        "Heat and gentle exercise help most acute back pain [1].\n\n"
        "Side effects are rare with heat wraps [1].\n\n"
        "## References\n\n1. Guideline B. Back care. 2021.\n"
    ),
}


@pytest.fixture(scope="module")
def asked_bot(tmp_path_factory):
    return documents_bot(tmp_path_factory.mktemp("asked"), ASKED_DOCUMENTS)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("whats the usual dose of velatrin", "10 mg twice a day"),
        ("velatrin max dose??", "10 mg twice a day"),
        ("whats the dose of velatrin for my husband, hes actually 50", "10 mg twice a day"),
        ("how much velarex do ppl take", "10 mg twice a day"),
    ],
    ids=["contraction", "abbreviation", "framing-people", "brand-and-texting"],
)
def test_the_way_a_question_is_put_is_no_reason_to_abstain(asked_bot, question, expected):
    answer, _ = ask(asked_bot, question)
    assert not answer.abstained, answer.missing_terms
    assert expected in _quoted(answer)


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("can i give velatrin to my dog", "dog"),
        ("is velatrin safe in pregnancy", "pregnancy"),
        ("velatrin for tolperisone withdrawal", "tolperisone"),
        ("does velatrin help migraine", "migraine"),
    ],
    ids=["animal", "population", "unknown-name", "condition"],
)
def test_a_content_word_found_nowhere_abstains_and_is_named(asked_bot, question, missing):
    answer, _ = ask(asked_bot, question)
    assert answer.abstained and not answer.quotes
    assert missing in answer.missing_terms


def test_a_dose_is_never_quoted_for_a_drug_the_question_did_not_name(asked_bot):
    # Regression: "gabapentin dose for nerve pain" quoted another drug's 250-350 mg dose.
    answer, _ = ask(asked_bot, "gabapentin dose for nerve pain")
    assert answer.abstained and not answer.quotes
    assert "dose" in answer.missing_terms or "gabapentin" in answer.missing_terms


def test_the_population_asked_about_is_the_one_quoted(asked_bot):
    for question in ["velatrin dose for older adults", "my 80 year old mum takes velatrin, how much"]:
        answer, _ = ask(asked_bot, question)
        assert answer.quotes[0].text.startswith("Older adults should start at 5 mg"), question


def test_the_use_asked_about_is_the_one_quoted(asked_bot):
    # Regression: "dantrolene dose for malignant hyperthermia" quoted the oral doses.
    answer, _ = ask(asked_bot, "velatrin dose for status spasms")
    assert answer.quotes[0].text.startswith("Intravenous velatrin for status spasms")
    assert "10 mg twice a day" not in _quoted(answer)


def test_a_condition_no_passage_on_the_drug_names_is_not_answered(asked_bot):
    answer, _ = ask(asked_bot, "does cortamil help nerve pain")
    assert answer.abstained and not answer.quotes


def test_an_everyday_word_left_out_is_named_beside_the_answer(asked_bot):
    answer, _ = ask(asked_bot, "whats the usual dose of velatrin, my back went playing football")
    assert not answer.abstained and "10 mg twice a day" in _quoted(answer)
    assert "football" in answer.missing_terms


def test_a_vague_first_question_asks_which_document_is_meant(asked_bot):
    answer, _ = ask(asked_bot, "side effects?")
    assert answer.abstained and not answer.quotes and answer.prompt
    assert len(answer.choices) >= 3 and "Velatrin (Velarex)" in answer.choices


def test_a_medicine_taken_with_others_must_be_what_the_quote_speaks_of(asked_bot):
    # Regression: "soma with benzos or opioids" read as a comparison quoted another drug's
    # interaction with benzodiazepines.
    for question in [
        "is it ok to take cortamil with velatrin or an ssri",
        "cortamil with velatrin or ssris?",
    ]:
        answer, _ = ask(asked_bot, question)
        assert all(q.doc_id == "cortamil" for q in answer.quotes), question
        assert "SSRI" not in _quoted(answer)


def test_a_follow_up_the_topic_never_speaks_of_names_what_is_missing_from_it(asked_bot):
    # "and exercise?" of cortamil: the cortamil passages lack exercise; not "cortamil".
    _, conversation = ask(asked_bot, "what is the dose of cortamil")
    answer, _ = ask(asked_bot, "and exercise?", conversation)
    assert answer.abstained and not answer.quotes
    assert answer.missing_terms == ("exercise",) and answer.about == ("cortamil",)


def test_a_family_named_without_its_member_finds_the_member(tmp_path):
    documents = {
        "relaxa.md": "# Relaxa\n\n## Metabolism\n\n"
        "- The enzyme CYP2C19 turns relaxa into its active metabolite [1].\n\n"
        "## References\n\n1. Agency R. Relaxa label. 2020.\n",
        "other.md": "# Other\n\nRest and heat help most back pain.\n",
    }
    bot = documents_bot(tmp_path, documents)
    answer, _ = ask(bot, "which CYP breaks down relaxa")
    assert not answer.abstained and answer.quotes[0].text.startswith("The enzyme CYP2C19")


def test_how_fast_is_answered_by_a_pace(tmp_path):
    # "how fast should I cut down": a sentence stating a pace, not one saying "quickly".
    documents = {
        "taper.md": "# Tapering calmex\n\n## Tapering\n\n"
        "- Cutting the dose of calmex quickly can cause seizures [1].\n"
        "- A taper of calmex usually lowers the dose by 10 percent every two weeks [1].\n\n"
        "## References\n\n1. Guideline T. Tapering. 2021.\n",
        "other.md": "# Other\n\nRest and heat help most back pain.\n",
    }
    bot = documents_bot(tmp_path, documents)
    answer, _ = ask(bot, "how fast should i cut down my calmex")
    assert answer.quotes and answer.quotes[0].text.startswith("A taper of calmex usually lowers")


def test_a_general_question_only_one_document_fits_is_answered_not_asked_back(tmp_path):
    # Regression: "Where do I keep the tablets?" offered a document on heat wraps as a choice,
    # because "tablet" was in every passage of the one guide titled after it.
    parts = "".join(f"## Part {n}\n\nPart {n} covers household item {n}.\n\n" for n in range(1, 31))
    documents = {
        "storage.md": "# Tablet storage guide\n\n" + parts + "## Storage\n\n"
        "- Keep the tablets below 25 degrees in a dry cupboard [1].\n\n"
        "## References\n\n1. Pharmacy E. Storage leaflet. 2022.\n",
        "heat.md": "# Heat wraps\n\nGentle walking keeps the back moving during recovery.\n",
    }
    bot = documents_bot(tmp_path, documents)
    answer, _ = ask(bot, "Where do I keep the tablets?")
    assert not answer.choices and not answer.abstained
    assert answer.quotes[0].text.startswith("Keep the tablets below 25 degrees")
    # With nothing the question names, both documents are offered.
    vague, _ = ask(bot, "where do I keep it?")
    assert set(vague.choices) == {"Tablet storage guide", "Heat wraps"}


def test_the_passages_shown_do_not_change_what_is_quoted(asked_bot):
    # Regression: showing 1 passage in the sidebar changed the quotes.
    for question in ["velatrin dose for status spasms", "which is less sedating, velatrin or cortamil"]:
        one, _ = ask(asked_bot, question, top_k=1)
        five, _ = ask(asked_bot, question, top_k=5)
        assert one.quotes == five.quotes and one.quotes
        # The quoted passages are listed even beyond the one asked for.
        assert {q.passage_id for q in one.quotes} <= {h.passage.passage_id for h in one.hits}


def test_lines_repeated_across_documents_are_never_indexed_or_quoted(asked_bot):
    assert all(DISCLAIMER not in p.text for p in asked_bot.passages)
    answer, _ = ask(asked_bot, "is this demonstration text medical advice?")
    assert DISCLAIMER not in _quoted(answer)


def test_a_comparison_quotes_what_each_document_says(asked_bot):
    answer, _ = ask(asked_bot, "which is less sedating, velatrin or cortamil")
    assert {"velatrin", "cortamil"} <= {q.doc_id for q in answer.quotes}


def test_a_question_asking_for_a_number_the_documents_never_give_abstains(asked_bot):
    answer, _ = ask(asked_bot, "how many hours does velatrin last")
    assert answer.abstained and "how many hours" in answer.missing_terms


def test_a_drug_named_by_its_class_answers_for_a_member(asked_bot):
    answer, _ = ask(asked_bot, "can i take velatrin with sertraline")
    assert "SSRI antidepressants" in _quoted(answer)


# A medicine's document, and a guideline that speaks of another use without naming the medicine.
USE_DOCUMENTS = {
    "zorvex.md": (
        "---\ntitle: Zorvex (quinopril) for muscle spasm\nsource: test\n---\n"
        "# Zorvex (quinopril)\n\n"
        "## Dosing\n\n"
        "- The usual dose of quinopril is 4 mg three times a day [1].\n"
        "- Dizziness on standing is common in the first week [1].\n"
        "- Stomach upset and nausea are the most frequent side effects [1].\n"
        "- Excessive sleepiness can occur at higher doses [1].\n\n"
        "## Food\n\n"
        "- Taking quinopril with a meal raises the amount absorbed [1].\n\n"
        "## References\n\n1. Agency Z. Zorvex label. 2020.\n"
    ),
    "flying.md": (
        "# Travel health\n\n"
        "A fear of flying is best treated with a short course of talking therapy [1].\n\n"
        "Heavy sweating in hot cabins is common [1].\n\n"
        "## References\n\n1. Author T. Travel review. 2015.\n"
    ),
}


@pytest.fixture(scope="module")
def use_bot(tmp_path_factory):
    return documents_bot(tmp_path_factory.mktemp("uses"), USE_DOCUMENTS)


def test_another_use_of_a_documented_medicine_abstains_naming_it(use_bot):
    # The dose is there, but for muscle spasm: never quote it for a use the document never names.
    answer, _ = ask(use_bot, "zorvex for fear of flying, how many mg")
    assert answer.abstained and not answer.quotes
    assert "fear" in answer.missing_terms
    # A use the documents never name at all is missing too.
    answer, _ = ask(use_bot, "zorvex for hiccups - what dose?")
    assert answer.abstained and "hiccups" in answer.missing_terms


def test_the_use_its_document_names_is_answered(use_bot):
    answer, _ = ask(use_bot, "zorvex for muscle spasm how many mg")
    assert not answer.abstained
    assert "4 mg three times a day" in answer.quotes[0].text


def test_why_someone_takes_a_medicine_is_their_story_not_a_use_asked(use_bot):
    # "been on zorvex for years": the clause says how long or why it was given; the question asks
    # about dizziness, which the label speaks of.
    answer, _ = ask(
        use_bot, "my dad has been on zorvex for years, he gets dizzy standing up, is that the zorvex"
    )
    assert not answer.abstained
    assert "Dizziness on standing" in answer.quotes[0].text
    answer, _ = ask(
        use_bot, "she was started on zorvex for fear of flying and now gets dizzy standing, normal?"
    )
    assert not answer.abstained
    assert "Dizziness on standing" in answer.quotes[0].text


def test_food_is_a_meal_and_an_empty_stomach_is_no_stomach_upset(use_bot):
    for question in ("zorvex with food or empty stomach", "should I take zorvex on an empty stomach"):
        answer, _ = ask(use_bot, question)
        assert not answer.abstained
        assert "with a meal" in answer.quotes[0].text, question


def test_what_a_medicine_is_asked_to_help_is_a_use_too(use_bot):
    # "excessive" is how the question puts it, found in an unrelated sentence; "sweating" is
    # the use, which the medicine's document never names.
    for question in ("can zorvex help my excessive sweating", "does zorvex work for sweating"):
        answer, _ = ask(use_bot, question)
        assert answer.abstained and not answer.quotes, question
        assert "sweating" in answer.missing_terms, question


COMPARED_DOCUMENTS = {
    "alphazol.md": (
        "---\ntitle: Alphazol for muscle pain\nsource: test\n---\n# Alphazol\n\n"
        "## Side effects\n\n"
        "- Drowsiness and sedation are the most common side effects of alphazol, and sedation is "
        "worse with alcohol [1].\n\n"
        "## Reviews\n\n"
        "- Reviews of relaxants for back and neck pain in primary care, written over two decades, "
        "compare their benefits, costs and harms, and one of them described alphazol as less "
        "sedating than other relaxants [2].\n\n"
        "## References\n\n1. Agency A. Alphazol label. 2020.\n2. Author R. Relaxant review. 2008.\n"
    ),
    "betamine.md": (
        "---\ntitle: Betamine for muscle pain\nsource: test\n---\n# Betamine\n\n"
        "## Side effects\n\n"
        "- Drowsiness affects most people who take betamine, and more of them at higher doses [1].\n\n"
        "## References\n\n1. Agency B. Betamine label. 2019.\n"
    ),
}


def test_a_comparison_quotes_the_sentence_that_compares_first(tmp_path):
    bot = documents_bot(tmp_path, COMPARED_DOCUMENTS)
    for question in (
        "which is less sedating, alphazol or betamine",
        "which makes u less sleepy, alphazol or betamine",
    ):
        answer, _ = ask(bot, question)
        assert "less " in answer.quotes[0].text and "sedating than" in answer.quotes[0].text, question


def test_a_question_asking_for_a_share_needs_a_sentence_that_states_one(tmp_path):
    documents = {
        "alphazol.md": COMPARED_DOCUMENTS["alphazol.md"],
        "betamine.md": COMPARED_DOCUMENTS["betamine.md"].replace(
            "- Drowsiness affects",
            "- In trials about 12 percent of people reported dizziness [1].\n- Drowsiness affects",
        ),
    }
    bot = documents_bot(tmp_path, documents)
    answer, _ = ask(bot, "what percent of people on alphazol get drowsy")
    assert answer.abstained and not answer.quotes
    assert "what percent" in answer.missing_terms
    answer, _ = ask(bot, "what % of people on betamine get dizzy")
    assert not answer.abstained and "12 percent" in answer.quotes[0].text


def test_an_age_told_in_passing_does_not_make_older_adults_required(use_bot):
    # The label says nothing of older adults: the mother's age is her story, not the question.
    answer, _ = ask(use_bot, "my mum is 79 and on zorvex, lately she gets dizzy standing up, is that normal")
    assert not answer.abstained
    assert "Dizziness on standing" in answer.quotes[0].text
    # Asked about her age, the documents must speak of older adults.
    answer, _ = ask(use_bot, "my mum is 79, is zorvex safe at her age")
    assert answer.abstained and not answer.quotes


PUMP_DOCUMENTS = {
    "pumpex.md": (
        "---\ntitle: Pumpex (intrathecal quinopril)\nsource: test\n---\n# Pumpex\n\n"
        "## Dosing\n\n"
        "- Oral treatment starts at 5 mg three times a day, and each dose is raised weekly [1].\n"
        "- Before a pump is fitted, a trial dose of 50 micrograms is injected and the response watched [1].\n\n"
        "## Education\n\n"
        "- Sending patients an educational brochure led 27 percent to stop [2].\n\n"
        "## References\n\n1. Agency P. Pumpex label. 2021.\n2. Author E. Brochure trial. 2014.\n"
    ),
}


def test_a_kind_of_dose_is_that_dose_and_a_leaflet_is_a_brochure(tmp_path):
    bot = documents_bot(tmp_path, PUMP_DOCUMENTS)
    answer, _ = ask(bot, "pumpex screening bolus, how many mcg")
    assert not answer.abstained and "trial dose of 50 micrograms" in answer.quotes[0].text
    answer, _ = ask(bot, "the pumpex study where people got a leaflet, what percent stopped")
    assert not answer.abstained and "brochure led 27 percent" in answer.quotes[0].text


def test_why_is_answered_by_the_sentence_that_gives_a_reason(tmp_path):
    documents = {
        "alphazol.md": (
            "---\ntitle: Alphazol for tapering\nsource: test\n---\n# Alphazol\n\n"
            "## Switching\n\n"
            "- Many people switch to alphazol to come off shorter-acting tablets, and switching is common [1].\n"
            "- Guidelines favour it because its long half-life gives steadier blood levels [1].\n\n"
            "## References\n\n1. Author A. Tapering manual. 2002.\n"
        ),
        "betamine.md": COMPARED_DOCUMENTS["betamine.md"],
    }
    bot = documents_bot(tmp_path, documents)
    answer, _ = ask(bot, "why do people switch to alphazol to come off")
    assert "because its long half-life" in answer.quotes[0].text


def test_what_someone_was_doing_is_their_story(tmp_path):
    documents = {
        "relaxants.md": (
            "---\ntitle: Muscle relaxants for acute back pain\nsource: test\n---\n# Relaxants\n\n"
            "- Muscle relaxants give short-term relief of acute back pain, with drowsiness [1].\n\n"
            "## References\n\n1. Author M. Relaxant review. 2017.\n"
        ),
        "boxes.md": "# Storage\n\nBoxes of tablets are kept dry.\n",
    }
    bot = documents_bot(tmp_path, documents)
    answer, _ = ask(bot, "hurt my back yesterday lifting boxes, should i take a muscle relaxant")
    assert not answer.abstained
    assert "short-term relief of acute back pain" in answer.quotes[0].text
    # An everyday thing that is all the question asks about is still missing.
    answer, _ = ask(bot, "whats the best mattress for acute back pain")
    assert answer.abstained and "mattress" in answer.missing_terms
