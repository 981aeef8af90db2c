"""Conversations: follow-ups borrow what they lack, standalone questions borrow nothing."""

from __future__ import annotations

import pytest
from conftest import documents_bot

from bot import Conversation, ask
from bot.conversation import is_more, read_question
from bot.query import build_query

TITLES = {"tizanidin", "baclofen", "valium", "dantrolen"}


def _conversation(bot, *questions):
    conversation = Conversation()
    answers = []
    for question in questions:
        answer, conversation = ask(bot, question, conversation)
        answers.append(answer)
    return answers, conversation


def _earlier(bot, *questions) -> Conversation:
    return _conversation(bot, *questions)[1]


@pytest.mark.parametrize(
    ("question", "medicines", "conditions", "aspect", "pronoun", "ellipsis"),
    [
        ("What is the maximum dose of tizanidine?", ("tizanidine",), (), ("dose",), False, False),
        ("What are its side effects?", (), (), ("side effects",), True, False),
        ("And for baclofen?", ("baclofen",), (), (), False, True),
        ("What about children?", (), (), (), False, True),
        ("How long can I take it for?", (), (), (), True, False),
        ("Does it help spasticity?", (), ("spasticity",), (), True, False),
    ],
    ids=[
        "full",
        "pronoun",
        "ellipsis-new-medicine",
        "ellipsis-population",
        "pronoun-framing-only",
        "conditions",
    ],
)
def test_read_question(small_bot, question, medicines, conditions, aspect, pronoun, ellipsis):
    query = build_query(question, small_bot.lexicon, small_bot.index, small_bot.settings)
    reading = read_question(query, question, small_bot.title_terms, small_bot.medicine_terms)
    assert (reading.medicines, reading.conditions, reading.aspect, reading.pronoun, reading.ellipsis) == (
        medicines,
        conditions,
        aspect,
        pronoun,
        ellipsis,
    )


def _borrowed(bot, earlier, question):
    """Return the words a question borrows after the earlier questions, asked in one conversation."""
    conversation = _earlier(bot, *earlier)
    answer, _ = ask(bot, question, conversation)
    return [word for word, _ in answer.query.borrowed]


@pytest.mark.parametrize(
    ("earlier", "question", "borrowed"),
    [
        (["What is the maximum dose of tizanidine?"], "What are its side effects?", ["tizanidine"]),
        (["What is the maximum dose of tizanidine?"], "And for baclofen?", ["dose"]),
        (["What is the maximum dose of tizanidine?"], "and for children?", ["tizanidine", "dose"]),
        (["What is the maximum dose of tizanidine?"], "Does liver damage happen?", ["tizanidine"]),
        (["What is the maximum dose of tizanidine?"], "What is the maximum dose of baclofen?", []),
        (
            ["What is tizanidine?", "What are its side effects?"],
            "Can I drink alcohol with it?",
            ["tizanidine"],
        ),
        (["What is the dose of tizanidine?", "And for baclofen?"], "What about dantrolene?", ["dose"]),
        (["What is the dose of tizanidine?"], "How long can I take it for?", ["tizanidine"]),
        (
            ["Is tizanidine or baclofen better?"],
            "Which of the two is less sedating?",
            ["tizanidine", "baclofen"],
        ),
        (["What is the dose of tizanidine?"], "Different question: does heat help back pain?", []),
        ([], "What are its side effects?", []),
    ],
    ids=[
        "pronoun-borrows-the-medicine",
        "ellipsis-borrows-aspect-not-old-medicine",
        "ellipsis-without-medicine-borrows-both",
        "no-medicine-keeps-the-medicine",
        "new-medicine-stands-alone",
        "medicine-carries-over-turns",
        "aspect-carries-over-ellipses",
        "own-aspect-is-not-replaced",
        "the-two-borrows-both-medicines",
        "a-new-subject-stands-alone",
        "first-turn",
    ],
)
def test_follow_ups_borrow_what_they_lack(small_bot, earlier, question, borrowed):
    assert _borrowed(small_bot, earlier, question) == borrowed


def test_pronoun_follow_up_is_about_the_earlier_topic(small_bot):
    (_, follow_up), conversation = _conversation(
        small_bot, "What is tizanidine?", "What is its maximum dose?"
    )
    assert len(conversation.turns) == 2
    assert follow_up.query.text == "What is its maximum dose? (+ tizanidine)"
    assert follow_up.quotes[0].doc_id == "tizanidine"


def test_standalone_question_is_not_dragged_back(small_bot):
    (_, second), _ = _conversation(
        small_bot, "What is tizanidine?", "Which drug treats malignant hyperthermia?"
    )
    assert second.query.text == "Which drug treats malignant hyperthermia?"
    assert second.quotes[0].doc_id == "dantrolene"


def test_seed_conversation_stays_on_valium(seed_bot):
    answers, conversation = _conversation(
        seed_bot,
        "What is Valium used for?",
        "What are its side effects?",
        "Can I drink alcohol while I'm on it?",
        "And how long can I take it for?",
    )
    assert len(conversation.turns) == 4
    for answer in answers[1:]:
        assert "(+ valium" in answer.query.text
        assert not answer.abstained
    assert "drowsiness, fatigue, and impaired coordination" in " ".join(q.text for q in answers[1].quotes)
    assert "alcohol" in answers[2].quotes[0].text
    assert "2-4 weeks" in " ".join(q.text for q in answers[3].quotes)


def test_more_quotes_what_was_not_quoted_and_lists_passages_not_listed(small_bot):
    (first, more, again), _ = _conversation(small_bot, "What helps spasticity?", "tell me more", "more")
    quoted = {(q.passage_id, q.start) for q in first.quotes}
    assert more.quotes and not quoted & {(q.passage_id, q.start) for q in more.quotes}
    listed = {h.passage.passage_id for h in first.hits}
    new = {h.passage.passage_id for h in more.hits} - {q.passage_id for q in more.quotes}
    assert new and not listed & new
    assert not quoted & {(q.passage_id, q.start) for q in again.quotes}


def test_more_without_an_earlier_question_is_an_ordinary_question(small_bot):
    answer, conversation = ask(small_bot, "more")
    assert answer.abstained and len(conversation.turns) == 1


@pytest.mark.parametrize("text", ["more", "Tell me more.", "more please", "go on"])
def test_is_more(text):
    assert is_more(text)


@pytest.mark.parametrize("text", ["more side effects of baclofen?", "What is more dangerous?"])
def test_is_not_more(text):
    assert not is_more(text)


def test_words_found_nowhere_are_not_borrowed(small_bot):
    # Regression: a follow-up borrowed the unknown words of an unanswerable turn.
    earlier = ["What is the maximum dose of tizanidine?", "Does quantum chromodynamics help?"]
    assert _borrowed(small_bot, earlier, "what about baclofen?") == ["dose"]


def test_follow_up_naming_a_new_drug_is_answered_from_that_drug(small_bot):
    # Regression: borrowed words ("starting dose") outranked the new drug's name.
    (_, follow_up), _ = _conversation(
        small_bot, "What is the usual starting dose of baclofen?", "What about tizanidine?"
    )
    assert follow_up.quotes[0].text == "The maximum is 36 mg per day"
    assert all(q.doc_id != "baclofen" for q in follow_up.quotes)


def test_follow_up_whose_own_word_is_found_nowhere_abstains(small_bot):
    # Regression: borrowed words diluted the unknown "children", so the follow-up was answered.
    (_, follow_up), _ = _conversation(
        small_bot, "Which drug treats malignant hyperthermia?", "And for children?"
    )
    assert follow_up.abstained and "children" in follow_up.missing_terms


def test_more_says_so_when_nothing_is_left(small_bot):
    # Regression: "more" with no passage left named the question's words as found nowhere.
    answers, _ = _conversation(small_bot, "What does Lioresal reduce?", "more", "more", "more", "more")
    last = answers[-1]
    assert last.abstained and last.missing_terms == ()
    assert (
        last.prompt
        == "No more passages match \u201cWhat does Lioresal reduce?\u201d: all of them were shown above."
    )


def test_and_for_children_keeps_the_medicine_and_abstains_when_its_documents_are_silent(small_bot):
    # Regression: "and for children?" in a tizanidine conversation quoted three other drugs.
    (_, follow_up), _ = _conversation(
        small_bot, "What is the maximum dose of tizanidine?", "and for children?"
    )
    assert "tizanidine" in follow_up.query.text
    assert follow_up.abstained and not follow_up.quotes


def test_a_follow_up_naming_a_drug_with_no_document_of_its_own_keeps_the_medicine(small_bot):
    # "she also takes sertraline": sertraline is what tizanidine is asked about, not a new subject.
    assert _borrowed(
        small_bot, ["What is the maximum dose of tizanidine?"], "she also takes sertraline, is that a problem"
    ) == ["tizanidine"]


def test_the_reply_to_a_question_asked_back_answers_it(small_bot):
    (vague, reply), _ = _conversation(small_bot, "what dose should i take?", "baclofen")
    assert vague.choices and not vague.quotes
    assert not reply.abstained and "5 mg three times daily" in reply.quotes[0].text
    (vague, picked), _ = _conversation(small_bot, "what dose should i take?", "Baclofen")
    assert picked.quotes and {q.doc_id for q in picked.quotes} == {"baclofen"}


def test_a_choice_can_be_picked_by_its_number(small_bot):
    (vague, picked), _ = _conversation(small_bot, "what dose should i take?", "2")
    assert len(vague.choices) >= 2
    title = vague.choices[1]
    assert picked.quotes and all(q.doc_title == title for q in picked.quotes)
    # A number beyond the list is a question of its own, not a choice.
    (_, beyond), _ = _conversation(small_bot, "what dose should i take?", "9")
    assert beyond.query.text != f"{vague.query.text} (in \u201c{title}\u201d)"


def test_more_never_says_a_word_the_corpus_has_is_missing(small_bot):
    answers, _ = _conversation(small_bot, "What is the maximum dose of tizanidine?", "more", "more", "more")
    for answer in answers[1:]:
        assert answer.quotes or (answer.prompt and not answer.missing_terms)


# A drug label and an unrelated guideline: what a follow-up asks of the label, and what it does not.
LABEL_DOCUMENTS = {
    "zorvex.md": (
        "---\ntitle: Zorvex (quinopril) for spasticity\nsource: test\n---\n"
        "# Zorvex (quinopril)\n\n"
        "## Dosing\n\n"
        "- The usual dose of quinopril is 4 mg three times a day [1].\n"
        "- Treatment is reviewed after four weeks and stopped if it has not helped [1].\n\n"
        "## Interactions\n\n"
        "- Famotidine raises quinopril levels, so the dose is lowered [1].\n\n"
        "## Contraindications\n\n"
        "- Quinopril is contraindicated with ciprofloxacin [1].\n\n"
        "## References\n\n1. Agency Z. Zorvex label. 2020.\n"
    ),
    "back-care.md": (
        "# Back care\n\n"
        "Advice to stay active helps people with back pain recover sooner [1].\n\n"
        "Absolute contraindications to heat wraps include numb skin [1].\n\n"
        "## References\n\n1. Author Y. Back care review. 2010.\n"
    ),
}


@pytest.fixture(scope="module")
def label_bot(tmp_path_factory):
    return documents_bot(tmp_path_factory.mktemp("label"), LABEL_DOCUMENTS)


def test_why_another_medicine_is_taken_is_no_missing_fact(label_bot):
    # "pepcid for heartburn": heartburn is why the other medicine is taken; the label is silent
    # on heartburn, but speaks of pepcid (famotidine) with quinopril.
    (_, follow_up), _ = _conversation(
        label_bot, "what is the usual dose of zorvex", "and pepcid for heartburn"
    )
    assert not follow_up.abstained
    assert "Famotidine raises quinopril levels" in follow_up.quotes[0].text
    heartburn = next(c for c in follow_up.query.concepts if c.word == "heartburn")
    assert heartburn.background


def test_the_use_a_question_asks_of_a_documented_medicine_is_still_asked(label_bot):
    # Zorvex has a document: "zorvex for hiccups" asks of that use, which no document gives.
    answer, _ = ask(label_bot, "zorvex for hiccups")
    assert answer.abstained and "hiccups" in answer.missing_terms


def test_a_follow_up_asking_only_a_technical_aspect_keeps_the_medicine(label_bot):
    # Regression: "any absolute contraindications" stood alone and quoted whatever named them.
    (_, follow_up), _ = _conversation(label_bot, "zorvex dose?", "any absolute contraindications")
    assert follow_up.query.text.endswith("(+ zorvex)")
    assert follow_up.quotes and "contraindicated with ciprofloxacin" in follow_up.quotes[0].text


def test_staying_on_a_medicine_is_taking_it(label_bot):
    # Regression: "stay" was read as a word of its own, found only in the back care guideline.
    (_, follow_up), _ = _conversation(
        label_bot, "what is the usual dose of zorvex", "how long can i stay on it"
    )
    assert "keep taking" in follow_up.query.text
    assert follow_up.quotes and "reviewed after four weeks" in follow_up.quotes[0].text


def test_a_pronoun_after_the_medicine_named_is_that_medicine(small_bot):
    # "ok back to baclofen, can I stop it": "it" is baclofen, not the tizanidine just discussed.
    earlier = ["What is baclofen?", "What is the maximum dose of tizanidine?"]
    borrowed = _borrowed(small_bot, earlier, "ok back to baclofen, can I stop it suddenly")
    assert "tizanidine" not in borrowed
    (_, _, answer), _ = _conversation(small_bot, *earlier, "ok back to baclofen, can I stop it suddenly")
    assert "back" not in {c.word for c in answer.query.concepts}
    # Before the medicine named, a pronoun still points back: "is it safe with baclofen?".
    assert "tizanidine" in _borrowed(small_bot, earlier[1:], "is it ok to take it with baclofen")
