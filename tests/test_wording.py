"""How questions are worded: shorthand, ages, everyday names, and which words frame a question."""

from __future__ import annotations

import pytest

from bot.wording import (
    ACT,
    CONDITION,
    CONTENT,
    FRAMING,
    PASSING,
    class_groups,
    english_class,
    english_correction,
    is_medicine,
    is_name,
    lay_groups,
    reword,
    shorthand,
    subject_groups,
    wordnet_groups,
)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("whats the max dose", "what is the maximum dose"),
        ("cant take it w/ food", "cannot take it with food"),
        ("im on meds for my bp", "i am on medicines for my blood pressure"),
        ("side affects??", "side effects??"),
        ("how many mg/kg IV", "how many mg per kg intravenous"),
        ("took 2mg of it", "took 2 mg of it"),
        ("what % quit", "what percent quit"),
        ("d/c after long use", "stopping after long use"),
        ("when does it kick in", "when does it start working"),
        ("his neuro checked his lfts", "his neurologist checked his liver function tests"),
    ],
    ids=[
        "contraction-and-max",
        "apostrophe-and-with",
        "meds-and-bp",
        "two-word-slip",
        "units-and-iv",
        "glued-unit",
        "percent-sign",
        "clinical-shorthand",
        "idiom",
        "clinical-people-and-tests",
    ],
)
def test_shorthand_is_read_as_meant(typed, read):
    wording = reword(typed)
    assert wording.text == read
    assert wording.changes and wording.typed == typed


@pytest.mark.parametrize(
    ("typed", "population"),
    [
        ("can my 80 year old mum take it", "older adult"),
        ("my 6 yr old has spasms", "child"),
        ("botox for a 6 yr olds calf muscles", "child"),
        ("a 9-year-old boy", "child"),
        ("my gran is 85 and confused", "older adult"),
        ("my dad, in his 70s", "older adult"),
        ("dose for a 45 year old", None),
        ("the limit is 36 mg", None),
        ("the count is 1,000", None),
        ("my son is 24", None),
        ("my mum is 79, is it safe", "older adult"),
        ("had ms for 15 years", None),
        ("Is 11-beta-hydroxylase deficiency inherited?", None),
    ],
    ids=[
        "older",
        "child",
        "child-possessive",
        "hyphenated",
        "is-age",
        "decade",
        "adult",
        "not-an-age",
        "thousands",
        "adult-is",
        "is-age-comma",
        "years-not-age",
        "not-a-number",
    ],
)
def test_ages_name_the_population(typed, population):
    wording = reword(typed)
    if population is None:
        assert "(child)" not in wording.text and "(older adult)" not in wording.text
    else:
        assert f"({population})" in wording.text
        # The age's own words now only frame the question.
        assert wording.framing


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("actually", FRAMING),
        ("husband", FRAMING),
        ("mum", FRAMING),
        ("mums", FRAMING),
        ("afterwards", FRAMING),
        ("dog", CONTENT),
        ("grapefruit", CONTENT),
        ("invented", ACT),
        ("pregnancy", CONDITION),
        ("seizure", CONDITION),
        ("football", PASSING),
        ("sofa", PASSING),
    ],
)
def test_ordinary_words_have_a_class(word, kind):
    assert english_class(word) == kind


@pytest.mark.parametrize("word", ["gabapentin", "tolperisone", "zorvex"])
def test_names_are_not_ordinary_english(word):
    assert is_name(word)
    assert english_class(word) is None


def test_a_slip_for_an_ordinary_word_is_corrected_to_the_commonest():
    assert english_correction("alowed") == "allowed"
    assert english_correction("thyriod") == "thyroid"
    # Ordinary words and short names are never "corrected".
    assert english_correction("garden") is None
    assert english_correction("xqzt") is None


def test_medicines_and_their_classes():
    assert is_medicine("sertraline") and is_medicine("tizanidine") and not is_medicine("football")
    sertraline = next(g for g in class_groups() if g[0] == ("sertraline",))
    assert ("ssri",) in sertraline and ("antidepressants",) in sertraline
    # A member is grouped with its class only, never with the other members.
    assert ("fluoxetine",) not in sertraline
    # A brand is its medicine and its class: "pepcid" is famotidine, an H2 blocker.
    pepcid = [g for g in class_groups() if g[0] == ("pepcid",)]
    assert any(("famotidine",) in g for g in pepcid) and any(("h2", "blocker") in g for g in pepcid)
    # CBD is a medicine too, answered by what the documents say of cannabinoids.
    cbd = next(g for g in class_groups() if g[0] == ("cbd",))
    assert is_medicine("cbd") and ("cannabinoids",) in cbd


def test_shipped_lists_parse_into_groups():
    assert shorthand()["whats"] == "what is"
    assert any(("water", "pill") in g and ("diuretic",) in g for g in lay_groups())
    kinds = {g.kind for g in subject_groups()}
    assert kinds == {"population", "organ", "route", "quantity", "condition"}
    pregnancy = next(g for g in subject_groups() if ("pregnancy",) in g.items)
    assert pregnancy.kind == "population" and pregnancy.name == "pregnancy"
    assert any(("tetanus",) in g and ("lockjaw",) in g for g in wordnet_groups())
    assert all(len(g) > 1 for g in lay_groups() + wordnet_groups())


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("my mum is 79 and on baclofen, lately shes drowsy, is that a side effect", True),
        ("my dad, in his 70s, takes baclofen and feels dizzy", True),
        ("my mum is 79, is baclofen safe at her age", False),
        ("what dose of baclofen for an 80 year old", False),
        ("my 80 year old mum is on baclofen, is it ok for elderly people", False),
        ("my son is 6 and has spasms", False),
    ],
    ids=["told", "decade", "at-her-age", "for-an-age", "elderly", "child"],
)
def test_an_older_age_told_in_passing_is_not_what_is_asked(typed, told):
    assert reword(typed).told_age is told
