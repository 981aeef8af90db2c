"""Chunking: passages stay in one section, match their offsets, and keep sentence markers."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import Settings, read_corpus
from bot.chunk import chunk_document
from bot.read import parse_document

# The seed's sentences with exactly the markers each carries, in document order.
SEED_SENTENCE_MARKERS = [
    ("Valium (diazepam) should be used with caution", ()),
    ("As a benzodiazepine, it enhances the effects of GABA", ("1",)),
    ("Typical dosing for muscle relaxation is 2-10 mg", ()),
    ("The medication should be taken exactly as directed", ()),
    ("Side effects may include drowsiness", ()),
    ("Valium should not be combined with alcohol", ()),
    ("It's essential to note that Valium is typically prescribed", ("1",)),
    ("Never stop taking Valium suddenly", ()),
    ("Skeletal muscle relaxants, including Valium", ("1",)),
    ("However, they were associated with a higher total", ("1",)),
    ("Other muscle relaxants like tizanidine", ("1",)),
    ("Use Valium with caution", ()),
    ("Be aware of the potential", ()),
    ("Follow the prescribed dosing", ()),
    ("Consider alternative muscle relaxants", ("1",)),
    ("Diazepam is a useful adjunct", ()),
    ("Diazepam can be used as a muscle relaxant", ()),
    ("However, it is recommended to be used as an adjunct", ("2",)),
    ("Valium (Diazepam) is used as a muscle relaxant", ("3", "4")),
    ("A study from 1985 found", ("3",)),
    ("A systematic review from 2004 found", ("4",)),
    ("Baclofen is widely used for spastic disorders", ("5",)),
    ("A case series and review of the literature from 2023", ("5",)),
    ("High dose oral baclofen therapy has been studied", ("6",)),
    ("Intrathecal baclofen is considered an adjuvant therapy", ("7",)),
    ("A case report from 2021 found", ("7",)),
]


@pytest.fixture(scope="module")
def seed_document(seed_corpus):
    return read_corpus(seed_corpus).documents[0]


def test_seed_sentences_and_their_exact_markers(seed_document):
    passages = chunk_document(seed_document, Settings())
    sentences = [s for p in passages for s in p.sentences]
    found = [(seed_document.text[s.start : s.end], s.markers) for s in sentences]
    assert len(found) == len(SEED_SENTENCE_MARKERS)
    for (text, markers), (opening, expected) in zip(found, SEED_SENTENCE_MARKERS, strict=True):
        assert text.startswith(opening)
        assert markers == expected, text


def test_quotable_sentences_drop_bullets_and_trailing_markers(seed_document):
    sentences = [s for p in chunk_document(seed_document, Settings()) for s in p.sentences]
    texts = [seed_document.text[s.start : s.end] for s in sentences]
    assert "helps reduce muscle tension and spasms" in texts[1] and texts[1].endswith("spasms")
    assert texts[17].endswith("rather than as the sole therapy.")
    assert texts[23].endswith("confirmed in a pilot study from 1992")
    assert not any(t.startswith("- ") for t in texts)


def test_passages_stay_in_their_section_and_match_offsets(seed_document):
    for size in (10, 40, 120, 1000):
        passages = chunk_document(seed_document, Settings(passage_words=size))
        for passage in passages:
            section = next(s for s in seed_document.sections if s.heading == passage.section)
            assert section.start <= passage.start < passage.end <= section.end
            assert seed_document.text[passage.start : passage.end] == passage.text
            for sentence in passage.sentences:
                assert passage.start <= sentence.start < sentence.end <= passage.end


def test_passage_ids_are_stable_and_numbered(seed_document):
    first = chunk_document(seed_document, Settings())
    again = chunk_document(replace(seed_document), Settings())
    assert [p.passage_id for p in first] == [
        f"valium-diazepam-muscle-spasm#{n}" for n in range(1, len(first) + 1)
    ]
    assert first == again


def test_passage_size_bounds_words_but_keeps_whole_sentences(seed_document):
    small = chunk_document(seed_document, Settings(passage_words=30))
    large = chunk_document(seed_document, Settings(passage_words=400))
    assert len(small) > len(large)
    assert len(large) == 8  # one passage per non-empty section
    assert sum(len(p.sentences) for p in small) == sum(len(p.sentences) for p in large)


def test_overlap_repeats_sentences_between_neighbours(seed_document):
    plain = chunk_document(seed_document, Settings(passage_words=60))
    overlapping = chunk_document(seed_document, Settings(passage_words=60, passage_overlap=1))
    assert len(overlapping) > len(plain)
    same_section = [(a, b) for a, b in pairwise(overlapping) if a.section == b.section]
    assert any(a.sentences[-1] == b.sentences[0] for a, b in same_section)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Use it, e.g. for spasm. Dr. Smith gave 2.5 mg vs. placebo. It was fine.",
            ["Use it, e.g. for spasm.", "Dr. Smith gave 2.5 mg vs. placebo.", "It was fine."],
        ),
        ("The U.S. label says so. Another sentence.", ["The U.S. label says so.", "Another sentence."]),
        (
            "Hard wrapped line that goes\non here. Next one.",
            ["Hard wrapped line that goes\non here.", "Next one."],
        ),
    ],
    ids=["abbreviations-decimals", "u.s.", "hard-wrap"],
)
def test_sentence_splitting_survives_abbreviations(text, expected):
    document, _ = parse_document(text + "\n", "t.md")
    (passage,) = chunk_document(document, Settings())
    assert [document.text[s.start : s.end] for s in passage.sentences] == expected


def test_long_sentence_is_cut_at_white_space():
    text = " ".join(["word"] * 2000) + "."
    document, _ = parse_document(text, "long.txt")
    passages = chunk_document(document, Settings(passage_words=5000))
    sentences = [s for p in passages for s in p.sentences]
    assert len(sentences) > 1
    assert all(s.end - s.start <= 1500 for s in sentences)


_LINES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "From the Guidelines",
                "Key Takeaways",
                "## Dosing",
                "# Title",
                "References",
                "1. Ref. 2001.",
                "",
            ]
        ),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80),
        st.from_regex(r"- [A-Za-z ,]{1,40}( [0-9]{1,2}| \[[0-9]\])?\.", fullmatch=True),
    ),
    max_size=25,
)


@given(lines=_LINES, size=st.integers(min_value=10, max_value=200))
@settings(max_examples=150, deadline=None)
def test_any_text_chunks_into_passages_inside_sections(lines, size):
    document, _ = parse_document("\n".join(lines), "any.md")
    for passage in chunk_document(document, Settings(passage_words=size)):
        assert document.text[passage.start : passage.end] == passage.text
        assert any(
            s.heading == passage.section and s.start <= passage.start and passage.end <= s.end
            for s in document.sections
        )
        for sentence in passage.sentences:
            assert passage.start <= sentence.start < sentence.end <= passage.end


def _columns_both_ways(documents, chosen):
    """Return the passage columns built from `chunk_document`'s records and from its sentences."""
    from bot.chunk import passage_sentences
    from bot.table import PassageColumnsBuilder

    from_records, from_sentences = PassageColumnsBuilder(), PassageColumnsBuilder()
    for number, document in enumerate(documents):
        from_records.add(number, document, chunk_document(document, chosen))
        from_sentences.add_sentences(number, document.doc_id, passage_sentences(document, chosen))
    return from_records.finish(), from_sentences.finish()


def _assert_same_columns(one, other):
    for name in one.__dataclass_fields__:
        a, b = getattr(one, name), getattr(other, name)
        if hasattr(a, "offsets"):
            assert list(a) == list(b), name
        else:
            assert a.dtype == b.dtype and a.tolist() == b.tolist(), name


@pytest.mark.parametrize(
    "chosen", [Settings(), Settings(passage_words=30), Settings(passage_words=40, passage_overlap=2)]
)
def test_columns_written_from_sentences_equal_columns_of_records(small_corpus, chosen):
    documents = read_corpus(small_corpus).documents
    from_records, from_sentences = _columns_both_ways(documents, chosen)
    assert len(from_records.passage_ids) > len(documents)
    assert any(len(m) for m in from_records.markers)
    _assert_same_columns(from_records, from_sentences)


@given(lines=_LINES, size=st.integers(min_value=10, max_value=200), overlap=st.integers(0, 2))
@settings(max_examples=100, deadline=None)
def test_columns_from_sentences_equal_columns_of_records_on_any_text(lines, size, overlap):
    document, _ = parse_document("\n".join(lines), "any.md")
    _assert_same_columns(
        *_columns_both_ways([document], Settings(passage_words=size, passage_overlap=overlap))
    )


def test_markers_missing_from_the_references_are_reported_with_their_line():
    from bot.chunk import check_markers, passage_sentences

    text = "# T\n\nFirst sentence [1].\nSecond one cites [4].\n\n## References\n\n1. A. 2001.\n"
    document, _ = parse_document(text, "t.md")
    sentences = [
        (s, markers) for _, found in passage_sentences(document, Settings()) for s, _, _, markers in found
    ]
    assert [markers for _, markers in sentences] == [("1",), ("4",)]
    problems = check_markers(document, sentences)
    assert [(p.path, p.line, p.message) for p in problems] == [
        ("t.md", 4, "marker [4] has no entry in the References section")
    ]
    unlisted, _ = parse_document(text.split("## References")[0], "u.md")
    assert check_markers(unlisted, [(0, ("4",))]) == []  # no References section: nothing to check


def _packed_one_by_one(document, chosen):
    """Passages as (heading, sentences), each sentence's words counted one by one."""
    from bot.chunk import sentences_of

    known = frozenset(r.marker for r in document.references)
    passages = []
    for section in document.sections:
        sentences = sentences_of(document, section, known)
        counts = [len(document.text[s:raw].split()) for s, _, raw, _ in sentences]
        first = 0
        while first < len(sentences):
            last, words = first, counts[first]
            while last + 1 < len(sentences) and words + counts[last + 1] <= chosen.passage_words:
                last += 1
                words += counts[last]
            passages.append((section.heading, sentences[first : last + 1]))
            if last + 1 >= len(sentences):
                break
            first = max(first + 1, last + 1 - chosen.passage_overlap)
    return passages


_LONG_WORDS = st.lists(
    st.one_of(
        st.sampled_from(["Dose.", "A b c.", "# Part", "", "- item one 2.", "x" * 1600, "y" * 700 + " z."]),
        st.text(alphabet=st.sampled_from("ab .\n"), max_size=60),
    ),
    max_size=12,
)


@given(lines=_LONG_WORDS | _LINES, size=st.integers(min_value=10, max_value=60), overlap=st.integers(0, 2))
@settings(max_examples=200, deadline=None)
def test_passages_pack_sentences_as_counted_one_by_one(lines, size, overlap):
    from bot.chunk import passage_sentences

    document, _ = parse_document("\n".join(lines), "any.md")
    chosen = Settings(passage_words=size, passage_overlap=overlap)
    assert list(passage_sentences(document, chosen)) == _packed_one_by_one(document, chosen)


def test_a_section_that_fits_is_one_passage_and_one_that_does_not_is_cut(seed_document):
    from bot.chunk import passage_sentences

    for size in (10, 60, 120, 400):
        chosen = Settings(passage_words=size)
        assert list(passage_sentences(seed_document, chosen)) == _packed_one_by_one(seed_document, chosen)


# --- boilerplate: lines many documents repeat ---------------------------------------------------

FOOTER = "Printed from the clinic handbook. Not for sale."


def _handbook(tmp_path, count: int, footer: str = FOOTER):
    for number in range(count):
        (tmp_path / f"leaflet-{number}.txt").write_text(
            f"Leaflet {number}\nMedicine number {number} helps topic{number} in most people.\n{footer}\n",
            encoding="utf-8",
        )
    return tmp_path


def test_a_line_repeated_across_documents_is_in_no_passage(tmp_path):
    from bot import load

    bot = load(_handbook(tmp_path, 4), use_cache=False)
    assert bot.passages and all(FOOTER not in p.text for p in bot.passages)
    assert any("helps topic2" in p.text for p in bot.passages)
    # The document itself is unchanged: the line is still shown where it stands.
    assert FOOTER in bot.documents["leaflet-0"].text


def test_a_line_two_documents_share_is_kept(tmp_path):
    from bot import load

    bot = load(_handbook(tmp_path, 2), use_cache=False)
    assert any(FOOTER in p.text for p in bot.passages)


def test_boilerplate_can_be_turned_off(tmp_path):
    from bot import load

    bot = load(_handbook(tmp_path, 4), Settings(boilerplate=False), use_cache=False)
    assert any(FOOTER in p.text for p in bot.passages)


def test_a_document_of_boilerplate_only_is_reported(tmp_path):
    from bot import load

    _handbook(tmp_path, 4)
    (tmp_path / "only-footer.txt").write_text(f"{FOOTER}\n", encoding="utf-8")
    bot = load(tmp_path, use_cache=False)
    assert [str(p) for p in bot.problems if "boilerplate" in p.message] == [
        "only-footer.txt: every line is repeated in other documents (boilerplate): nothing to search"
    ]


def test_find_boilerplate_compares_lines_without_bullets_case_or_spacing():
    from bot.chunk import find_boilerplate

    texts = [
        "- Keep out of reach of children.\nA {}.",
        "keep  out of reach of CHILDREN.\nB {}.",
        "* Keep out of reach of children.\nC {}.",
    ]
    documents = [parse_document(text.format(n), f"d{n}.txt") for n, text in enumerate(texts)]
    assert find_boilerplate([d for d, _ in documents]) == {"keep out of reach of children."}
