"""Records -> what the browser shows: escaped Markdown, HTML built from escaped text, and the
conversation as a Markdown file."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ui_fixtures import EXTRAS, IMAGE, LINK, SCRIPT, write_documents

from bot import Conversation, ask, load, present
from bot.records import Answer, Citation, Document, Hit, Passage, Query, Quote, Section, Sentence

# The markup present.py writes itself; anything else that looks like a tag came from a document.
OWN_TAGS = re.compile(
    r"</?(?:div|p|blockquote|span|strong|br|mark|ul|ol|li|h[2-5])(?: [a-z-]+=\"[^\"<>]*\")*>"
)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory):
    return load(write_documents(tmp_path_factory.mktemp("present") / "corpus"), use_cache=False)


def markup_left(html: str) -> str:
    """Return what is left of html once our own tags are removed: it must hold no '<' or '>'."""
    return OWN_TAGS.sub("", html)


# --- escape_markdown ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("$x$", r"\$x\$"),
        (":red[x]", r"\:red\[x\]"),
        (":material/home:", r"\:material\/home\:"),
        ("[x](javascript:alert(1))", r"\[x\]\(javascript\:alert\(1\)\)"),
        ("<script>", r"\<script\>"),
        ("*a* _b_ `c` ~d~ #e", r"\*a\* \_b\_ \`c\` \~d\~ \#e"),
        ("&amp;", r"\&amp;"),
        ("a\nb", "a  \nb"),
    ],
    ids=["latex", "colour", "material-icon", "js-link", "html", "emphasis", "entity", "newline"],
)
def test_escape_markdown_escapes_what_markdown_and_streamlit_read(text, escaped):
    assert present.escape_markdown(text) == escaped


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        (":streamlit:", ":\u2060streamlit:"),
        (":material_home:", ":\u2060material_home:"),
        ("a -> b <- c <-> d -- e >= f <= g ~= h", None),
    ],
    ids=["logo", "icon-in-text", "arrows"],
)
def test_escape_markdown_breaks_the_shortcuts_streamlit_applies_after_escaping(text, joined):
    # Streamlit turns these into a logo, icons and arrows in text where escapes are undone.
    escaped = present.escape_markdown(text)
    unescaped = re.sub(r"\\(.)", r"\1", escaped)
    if joined:
        assert unescaped == joined
    for pair in ("->", "<-", "--", ">=", "<=", "~="):
        assert pair not in unescaped


@given(st.text(alphabet=st.characters(exclude_characters="\n\r")))
def test_escape_markdown_shows_the_text_as_typed(text):
    escaped = present.escape_markdown(text)
    assert re.sub(r"\\(.)", r"\1", escaped).replace(present.WORD_JOINER, "") == text


# --- the answer as HTML --------------------------------------------------------------------


def test_answer_html_quotes_with_chips_places_and_references(bot):
    answer, _ = ask(bot, "What is the usual starting dose of baclofen?")
    html = present.answer_to_html(answer)
    assert (
        '<blockquote class="cb-quote"><p>\u201cThe usual starting dose of baclofen is 5 mg three times a day'
        '\u201d <span class="cb-cite" tabindex="0"><span class="cb-chip" aria-hidden="true">[1]</span>'
        '<span class="cb-tip" role="tooltip">[1] Agency A. Baclofen tablets label. 2021.</span></span></p>'
        '<div class="cb-where">Baclofen for spasticity \u203a Dosing</div></blockquote>'
    ) in html
    assert html.count("Agency A. Baclofen tablets label. 2021.") == 3  # two chips, one reference line
    assert "cb-abstain" not in html and "Understood as" not in html


def test_answer_html_shows_a_chip_per_quote_with_several_markers(bot):
    answer, _ = ask(bot, "What is the most common side effect of baclofen?")
    html = present.answer_to_html(answer)
    assert ">[1, 2]</span>" in html
    assert "Author B. Baclofen withdrawal review. 2002." in html


def test_answer_html_shows_corrections_and_how_a_follow_up_was_understood(bot):
    first, conversation = ask(bot, "What is the usual starting dose of baclofan?")
    follow_up, _ = ask(bot, "and for children?", conversation)
    assert "Spelling: \u201cbaclofan\u201d \u2192 \u201cbaclofen\u201d" in present.answer_to_html(first)
    assert "Understood as: and for children? (+ " in present.answer_to_html(follow_up)


def test_abstention_html_names_the_missing_words_and_the_nearest_passages(bot):
    answer, _ = ask(bot, "Does baclofen cure quantum chromodynamics?")
    html = present.answer_to_html(answer)
    assert html.startswith('<div class="cb-answer"><div class="cb-abstain" role="note">')
    assert '<span class="cb-missing">\u201cchromodynamics\u201d</span>' in html
    assert "<li>Baclofen for spasticity \u203a Side Effects: " in html
    assert present.sources_label(answer) == "Possibly related passages (3)"


def test_prompt_html_has_no_notes_and_no_sources(bot):
    answer, _ = ask(bot, "what?")
    assert present.answer_to_html(answer) == (
        f'<div class="cb-answer"><div class="cb-prompt">{present.escape_html(answer.prompt)}</div></div>'
    )
    assert present.shown_hits(answer) == ()


def test_hostile_answer_html_holds_no_markup_from_the_document(bot):
    for question in ("What does the zanzibar protocol write?", "Tell me about zanzibar prices"):
        answer, _ = ask(bot, question)
        html = present.answer_to_html(answer)
        assert answer.quotes
        assert "<" not in markup_left(html) and ">" not in markup_left(html)
        for hit in answer.hits:
            source = present.hit_to_html(hit, answer.quotes, bot.documents[hit.passage.doc_id])
            assert "<" not in markup_left(source)
            assert present.escape_html(LINK) in source


def _quote(text: str) -> Quote:
    return Quote(text, "d#1", "d", text, text, 0, len(text), (Citation("1", text), Citation("2", None)))


@given(st.text())
def test_no_document_text_becomes_markup(text):
    answer = Answer(text, Query(text, ()), False, (), (_quote(text),), ())
    for html in (present.answer_to_html(answer), present.problems_to_html([])):
        left = markup_left(html)
        assert "<" not in left and ">" not in left


# --- sources -------------------------------------------------------------------------------


def test_source_html_marks_the_quoted_sentence_and_resolves_references(bot):
    answer, _ = ask(bot, "What is the usual starting dose of baclofen?")
    hit = answer.hits[0]
    html = present.hit_to_html(hit, answer.quotes, bot.documents["baclofen"])
    assert html.startswith('<div class="cb-source"><div class="cb-source-head">1. <strong>Baclofen')
    assert f"score {hit.score:.3f}" in html and "baclofen#1" in html
    assert (
        '<mark class="cb-hl">The usual starting dose of baclofen is 5 mg three times a day</mark> [1].<br>'
    ) in html
    assert '<span class="cb-chip">[1]</span> Agency A. Baclofen tablets label. 2021.' in html
    assert "score" not in present.hit_to_html(hit, answer.quotes, bot.documents["baclofen"], show_score=False)


def test_source_whose_document_lists_no_references_says_where_the_marker_stands():
    text = "Rest the back [1]."
    passage = Passage(
        "d#1", "d", "Doc", "d.md", "Part", 0, len(text), text, (Sentence(0, len(text), ("1",)),)
    )
    document = Document("d", "Doc", "d.md", text, (Section("Part", 0, len(text)),))
    html = present.hit_to_html(Hit(passage, 1.0, 1), (), document)
    assert (
        "reference 1 of \u201cDoc\u201d, section \u201cPart\u201d (the document lists no references)"
    ) in html


# --- documents -----------------------------------------------------------------------------


def test_document_html_marks_the_passage_with_its_anchor(bot):
    passage = next(p for p in bot.passages if p.passage_id == "baclofen#2")
    html = present.document_to_html(bot.documents["baclofen"], passage)
    anchor = present.passage_anchor("baclofen#2")
    assert f'<mark class="cb-passage" id="{anchor}">{present.escape_html(passage.text)}</mark>' in html
    assert html.count("<mark") == 1
    assert "<h3>Baclofen for spasticity</h3>" not in html  # the title is the page's heading
    # "## Dosing" under "# Baclofen ...": the shallowest sections are h3, under the page's h2.
    assert re.findall(r"<h3>(.*?)</h3>", html) == ["Dosing", "Side Effects", "Children", "References"]
    assert '<h3>References</h3><ol><li value="1">Agency A. Baclofen tablets label. 2021.</li>' in html


def test_document_headings_never_skip_a_level():
    text = "Lead.\nA body.\nB body.\n"
    sections = (Section("Doc", 0, 5, 1), Section("A", 6, 13, 2), Section("B", 14, 21, 3))
    html = present.document_to_html(Document("d", "Doc", "d.md", text, sections))
    assert re.findall(r"<(h\d)>(.*?)</h\d>", html) == [("h3", "A"), ("h4", "B")]


def test_document_html_without_passage_has_no_mark(bot):
    html = present.document_to_html(bot.documents["tizanidine"])
    assert "<mark" not in html
    assert "<h3>Tizanidine Warnings</h3>" in html and "<h3>Tizanidine Dosing</h3>" in html


def test_hostile_document_html_and_its_summaries_hold_no_markup(bot):
    document = bot.documents["hostile"]
    for html in (
        present.document_to_html(document, bot.passages[[p.doc_id for p in bot.passages].index("hostile")]),
        present.document_header_html(document, 1),
        present.document_summary_html(document, 1),
    ):
        left = markup_left(html)
        assert "<" not in left and ">" not in left
    page = present.document_to_html(document)
    for typed in (SCRIPT, IMAGE, LINK, EXTRAS):
        assert present.escape_html(typed) in page


def test_document_summary_counts_passages_and_sections(bot):
    assert present.document_summary_html(bot.documents["baclofen"], 3) == (
        '<div class="cb-muted">baclofen.md \u00b7 3 passages \u00b7 3 sections: Dosing, Side Effects, Children</div>'
    )
    lead_only = Document("x", "X", "x.txt", "Some text.", (Section("X", 0, 10, 0),))
    assert present.document_summary_html(lead_only, 1) == (
        '<div class="cb-muted">x.txt \u00b7 1 passage \u00b7 no sections</div>'
    )


@given(st.text())
def test_passage_anchor_is_a_safe_html_id(passage_id):
    assert re.fullmatch(r"cb-p-[0-9a-f]{16}", present.passage_anchor(passage_id))


def test_passage_anchors_differ_between_passages(bot):
    anchors = {present.passage_anchor(p.passage_id) for p in bot.passages}
    assert len(anchors) == len(bot.passages)


def test_scroll_script_holds_no_tag_like_text():
    # Regression: the browser's HTML sanitizer dropped the script when its text held "<50".
    script = present.scroll_script("baclofen#2")
    body = script.removeprefix("<script>").removesuffix("</script>")
    assert present.passage_anchor("baclofen#2") in body
    assert not re.search(r"<[/\w!]", body)


def test_document_query_links_a_document_and_a_passage():
    assert present.document_query("baclofen") == {"doc": "baclofen"}
    assert present.document_query("baclofen", "baclofen#2") == {"doc": "baclofen", "passage": "baclofen#2"}


# --- the conversation as Markdown ----------------------------------------------------------


def test_conversation_markdown_has_questions_quotes_places_and_references(bot):
    conversation = Conversation()
    for question in (
        "What is the usual starting dose of baclofen?",
        "Does baclofen cure quantum chromodynamics?",
    ):
        _, conversation = ask(bot, question, conversation)
    saved = datetime(2026, 12, 7, 23, 59, tzinfo=UTC)
    text = present.conversation_to_markdown(conversation, "corpus", saved=saved, documents=5)
    assert text.startswith(
        "# citebot conversation\n\n"
        "Saved on 7 December 2026 at 23:59 UTC, answers from 5 documents in \u201ccorpus\u201d.\n\n"
    )
    assert f"*{present.NOT_ADVICE}*" in text
    assert "## 1. What is the usual starting dose of baclofen?" in text
    assert (
        "> \u201cThe usual starting dose of baclofen is 5 mg three times a day\u201d \\[1\\]\n"
        "> \u2014 Baclofen for spasticity \u203a Dosing\n"
    ) in text
    assert "- \\[1\\] Agency A. Baclofen tablets label. 2021. (Baclofen for spasticity)" in text
    assert "## 2. Does baclofen cure quantum chromodynamics?" in text
    assert "The documents don't answer this: \u201ccure\u201d" in text
    assert "Possibly related passages:" in text


def test_conversation_markdown_escapes_the_documents(bot):
    _, conversation = ask(bot, "What does the zanzibar protocol write?")
    text = present.conversation_to_markdown(conversation)
    for typed in (SCRIPT, IMAGE, LINK, EXTRAS):
        assert typed not in text
        assert present.escape_markdown_file(typed) in text


def test_the_downloaded_file_reads_as_written_with_markup_escaped():
    text = "Take 2-10 mg (U.S. label): <b>x</b> [1] *a* $y$ & `z`"
    assert present.escape_markdown_file(text) == (
        "Take 2-10 mg (U.S. label): \\<b\\>x\\</b\\> \\[1\\] \\*a\\* \\$y\\$ \\& \\`z\\`"
    )
    assert [present.escape_markdown_file(t) for t in ("# a", "- b", "12. c", "3) d", "> e")] == [
        "\\# a",
        "\\- b",
        "12\\. c",
        "3\\) d",
        "\\> e",
    ]


def test_quote_over_several_lines_stays_in_its_block_quote():
    text = "First line\nsecond line"
    quote = Quote(text, "d#1", "d", "Doc", "Part", 0, len(text), ())
    answer = Answer("q", Query("q", ()), False, (), (quote,), ())
    assert present.answer_to_markdown(answer).splitlines()[:3] == [
        "> \u201cFirst line  ",
        "> second line\u201d",
        "> \u2014 Doc \u203a Part",
    ]


def test_source_lists_the_markers_of_its_sentences():
    passage = Passage("d#1", "d", "Doc", "d.txt", "Part", 0, 4, "Text", (Sentence(0, 4, ("1", "3")),))
    document = Document("d", "Doc", "d.txt", "Text", (Section("Part", 0, 4),))
    html = present.hit_to_html(Hit(passage, 1.5, 1), (), document, show_score=True)
    assert "score 1.500" in html
    assert re.findall(r'<span class="cb-chip">(.*?)</span>', html) == ["[1]", "[3]"]


# --- references numbered per answer, notes and choices -----------------------------------------


def _cited(doc_id: str, title: str, text: str, marker: str, reference: str) -> Quote:
    return Quote(text, f"{doc_id}#1", doc_id, title, "Part", 0, len(text), (Citation(marker, reference),))


def test_references_of_several_documents_are_numbered_per_answer():
    # Regression: three documents' reference 1 all read "[1]".
    quotes = (
        _cited("a", "Doc A", "First.", "1", "Author A. 2001."),
        _cited("b", "Doc B", "Second.", "1", "Author B. 2002."),
        _cited("a", "Doc A", "Third.", "2", "Author C. 2003."),
    )
    answer = Answer("q", Query("q", ()), False, (), quotes, ())
    text = present.answer_to_text(answer, show_passages=False)
    assert (
        "\u201cFirst.\u201d [1]" in text
        and "\u201cSecond.\u201d [2]" in text
        and "\u201cThird.\u201d [3]" in text
    )
    assert "[2] Author B. 2002. \u2014 Doc B (its reference [1])" in text
    html = present.answer_to_html(answer)
    assert html.count('<span class="cb-chip">[2]</span>') == 1 and "its reference [1]" in html
    markdown = present.answer_to_markdown(answer)
    assert "\\[3\\] Author C" in markdown
    numbers = [c["number"] for q in present.answer_to_json(answer)["quotes"] for c in q["citations"]]
    assert numbers == ["1", "2", "3"]


def test_references_of_one_document_keep_its_own_markers():
    quotes = (_cited("a", "Doc A", "First.", "4", "Author A. 2001."),)
    answer = Answer("q", Query("q", ()), False, (), quotes, ())
    assert "\u201cFirst.\u201d [4]" in present.answer_to_text(answer, show_passages=False)
    assert "its reference" not in present.answer_to_html(answer)


def test_words_an_answer_left_out_are_named_beside_it():
    answer = Answer("q", Query("q", ()), False, ("football",), (_cited("a", "A", "Dose.", "1", "R."),), ())
    note = "No passage mentions \u201cfootball\u201d: the quotes answer the rest of the question."
    assert present.ignored_note(answer) == note
    assert note in present.answer_to_text(answer)
    assert present.escape_html(note) in present.answer_to_html(answer)
    assert present.answer_to_json(answer)["note"] == note


def test_an_abstention_says_what_the_nearest_passages_speak_of():
    answer = Answer("q", Query("q", ()), True, ("children",), (), (), about=("tizanidine",))
    assert present.abstention_message(answer) == (
        "The documents don't answer this: no passage about \u201ctizanidine\u201d mentions \u201cchildren\u201d."
    )


def test_choices_are_listed_and_escaped():
    choices = ("Doc <b>one</b>", "Doc $two$")
    answer = Answer("side effects?", Query("side effects?", ()), True, (), (), (), "Which one?", choices)
    html = present.answer_to_html(answer)
    assert "<li>Doc &lt;b&gt;one&lt;/b&gt;</li>" in html and not markup_left(html).count("<")
    assert "  2. Doc $two$" in present.answer_to_text(answer)
    assert "- Doc \\$two\\$" in present.answer_to_markdown(answer)
    assert present.answer_to_json(answer)["choices"] == list(choices)


def test_how_the_question_was_read_is_shown():
    query = Query(
        "what is the maximum dose",
        (),
        rewordings=(("whats", "what is"), ("max", "maximum")),
        expansions=("dosage",),
    )
    answer = Answer("whats the max dose", query, True, (), (), ())
    notes = present.understood_notes(answer)
    assert (
        notes[0]
        == "Read as: \u201cwhats\u201d \u2192 \u201cwhat is\u201d, \u201cmax\u201d \u2192 \u201cmaximum\u201d"
    )
    assert "Also searched: dosage" in notes


@pytest.mark.parametrize(
    ("built", "said"),
    [
        ("2026-12-07T23:59:30+00:00", "just now"),
        ("2026-12-07T23:59:00+00:00", "1 minute ago"),
        ("2026-12-07T23:55:00+00:00", "5 minutes ago"),
        ("2026-12-07T21:00:00+00:00", "3 hours ago"),
        ("2026-12-04T03:00:16+00:00", "on 4 December 2026"),
        ("not a time", "not a time"),
    ],
)
def test_the_index_time_reads_as_a_reader_says_it(built, said):
    assert present.indexed_ago(built, datetime(2026, 12, 8, 0, 0, tzinfo=UTC)) == said
