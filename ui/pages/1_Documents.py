"""The documents: a list with a filter, one document read by section, and uploads.

`?doc=<id>&passage=<passage id>` opens a document at a passage, marked and scrolled into view:
the chat's "open in document" links here, and the address can be shared.
"""

from __future__ import annotations

import streamlit as st
from common import (
    DOCUMENTS_PAGE,
    bot_or_stop,
    corpus_folder,
    corpus_path,
    filter_documents,
    find_passage,
    passage_count,
    passage_counts,
    use_style,
)

from bot import pipeline, present, store
from bot.errors import UploadError
from bot.read import DOCUMENT_SUFFIXES, MAX_FILE_BYTES

MIB = 1024 * 1024


def all_documents() -> None:
    st.query_params.clear()


def show_document(bot: pipeline.Bot, doc_id: str, passage_id: str | None) -> None:
    # Written back so that the address bar holds them (a link to this same page does not
    # update it), and the reader can share the address.
    st.query_params.from_dict(present.document_query(doc_id, passage_id))
    st.button("All documents", icon=":material/arrow_back:", on_click=all_documents)
    document = bot.documents.get(doc_id)
    if document is None:
        st.warning(
            f"No document with the id \u201c{present.escape_markdown(doc_id)}\u201d in the corpus "
            "(it may have been renamed or removed)."
        )
        return
    passage = find_passage(bot, passage_id) if passage_id else None
    if passage_id and (passage is None or passage.doc_id != document.doc_id):
        st.warning(
            f"This document has no passage \u201c{present.escape_markdown(passage_id)}\u201d "
            "(the corpus may have changed); showing the whole document."
        )
        passage = None
    st.html(present.document_header_html(document, passage_count(bot, document.doc_id)))
    st.html(present.document_to_html(document, passage))
    if passage:
        st.html(present.scroll_script(passage.passage_id), unsafe_allow_javascript=True)


def add_document() -> None:
    folder = corpus_folder()
    if folder is None:
        st.info("The corpus is a single file; documents can be added only to a corpus folder.")
        return
    limit = MAX_FILE_BYTES // MIB
    with st.form("upload", clear_on_submit=True, border=False):
        upload = st.file_uploader(
            f"A text or Markdown file ({', '.join(DOCUMENT_SUFFIXES)}), UTF-8, at most {limit} MiB",
            type=[suffix.lstrip(".") for suffix in DOCUMENT_SUFFIXES],
            max_upload_size=limit,
        )
        submitted = st.form_submit_button("Add to the corpus", icon=":material/upload_file:")
    if not submitted:
        return
    if upload is None:
        st.warning("Choose a file first.")
        return
    try:
        path = store.save_upload(folder, upload.name, upload.getvalue())
    except UploadError as error:
        st.error(f"Not added: {present.escape_markdown(str(error))}")
        return
    # Loading now builds the new index, so the next question already searches the new document.
    bot = bot_or_stop()
    added = next((d for d in bot.corpus.documents if d.path == path.name), None)
    if added is None:
        st.warning(f"Saved {present.escape_markdown(path.name)}, but it could not be read as a document.")
        return
    st.success(
        f"Added \u201c{present.escape_markdown(added.title)}\u201d "
        f"({passage_count(bot, added.doc_id)} passages). Ask about it in the chat."
    )
    st.page_link(DOCUMENTS_PAGE, label="Read it", query_params=present.document_query(added.doc_id))


def show_list(bot: pipeline.Bot) -> None:
    st.title("Documents")
    st.caption(
        f"{len(bot.corpus.documents)} documents, {len(bot.passages)} passages, "
        f"in {present.escape_markdown(corpus_path())}"
    )
    text = st.text_input("Filter", placeholder="Words of a title, a section or a file name")
    shown = filter_documents(bot.corpus.documents, text)
    if not shown:
        st.info("No document matches the filter.")
    counts = passage_counts(bot)
    for document in shown:
        st.page_link(
            DOCUMENTS_PAGE,
            label=present.escape_markdown(document.title),
            icon=":material/description:",
            query_params=present.document_query(document.doc_id),
        )
        st.html(present.document_summary_html(document, counts[document.doc_id]))


st.set_page_config(page_title="citebot \u00b7 Documents")
use_style()
doc_id = st.query_params.get("doc")
if doc_id:
    show_document(bot_or_stop(), doc_id, st.query_params.get("passage"))
else:
    with st.expander("Add a document", icon=":material/upload_file:"):
        add_document()
    show_list(bot_or_stop())
