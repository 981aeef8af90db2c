"""Tables: string columns and document details, made fast, read back exactly."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import table
from bot.read import parse_document, read_corpus
from bot.records import Document, Section
from bot.table import DocumentTable, StringColumn


@pytest.mark.parametrize("batch", [1, 3, 4096])
def test_string_column_holds_its_strings_across_batches(monkeypatch, batch):
    monkeypatch.setattr(table, "_STRING_BATCH", batch)
    strings = ["", "plain", "caf\u00e9", "\ud800 lone surrogate", "\U0001f600", "", "x" * 5000, "last"]
    for count in range(len(strings) + 1):
        column = StringColumn.of(strings[:count])
        assert list(column) == strings[:count]
        assert column.offsets.tolist()[-1] == len(column.data)


@given(strings=st.lists(st.text(max_size=20), max_size=30), batch=st.integers(1, 8))
@settings(max_examples=200, deadline=None)
def test_string_column_of_any_strings(strings, batch):
    table._STRING_BATCH, saved = batch, table._STRING_BATCH
    try:
        column = StringColumn.of(strings)
    finally:
        table._STRING_BATCH = saved
    assert list(column) == strings
    assert bytes(column.data) == "".join(strings).encode("utf-8", "surrogatepass")


def _expected_details(document: Document) -> str:
    return json.dumps(
        [
            [[s.heading, s.start, s.end, s.level] for s in document.sections],
            [[r.marker, r.text] for r in document.references],
            [list(m) for m in document.metadata],
        ],
        ensure_ascii=False,
    )


def test_details_are_the_json_of_sections_references_and_metadata(small_corpus):
    documents = list(read_corpus(small_corpus).documents)
    one_section = Document(
        "b", 'A "quoted" t\u00eftle\\', "b.jsonl:1", "Text.", (Section("H\n\u2028", 0, 5, 0),)
    )
    documents.append(one_section)
    assert any(d.references for d in documents) and any(d.metadata for d in documents)
    for document in documents:
        assert table._details(document) == _expected_details(document)
    assert list(DocumentTable.of(documents)) == documents


@given(
    heading=st.text(max_size=30),
    start=st.integers(0, 10**9),
    end=st.integers(0, 10**9),
    level=st.integers(0, 6),
)
@settings(max_examples=300, deadline=None)
def test_details_of_one_section_equal_the_encoder_on_any_heading(heading, start, end, level):
    document = Document("d", "t", "p", "text", (Section(heading, start, end, level),))
    assert table._details(document) == _expected_details(document)


@given(
    lines=st.lists(
        st.sampled_from(["# T", "## Dosing", "Text here [1].", "References", "1. A. 2001.", ""]), max_size=12
    )
)
@settings(max_examples=100, deadline=None)
def test_details_of_parsed_documents_equal_the_encoder(lines):
    document, _ = parse_document("---\ntitle: T\nsource: s\n---\n" + "\n".join(lines), "any.md")
    assert table._details(document) == _expected_details(document)
