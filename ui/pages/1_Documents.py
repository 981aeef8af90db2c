"""The documents: a list with a filter, one document read by section, uploads, removals and
the latest changes.

Uploading and removing are writes: `common.writer` says who may make them (see `bot.access`).

`?doc=<id>&passage=<passage id>` opens a document at a passage, marked and scrolled into view:
the chat's "open in document" links here, and the address can be shared.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import streamlit as st
from common import (
    DOCUMENTS_PAGE,
    bot_or_stop,
    corpus_folder,
    filter_documents,
    find_passage,
    passage_count,
    passage_counts,
    upload_notes,
    use_style,
    writer,
)

from bot import changes, pipeline, present
from bot.errors import UploadError
from bot.read import DOCUMENT_SUFFIXES, MAX_FILE_BYTES

MIB = 1024 * 1024
# Uploads one session may make in UPLOAD_WINDOW_SECONDS.
UPLOADS_PER_WINDOW = 10
UPLOAD_WINDOW_SECONDS = 600
RECENT_CHANGES = 20


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
    notes = upload_notes(bot)
    st.html(present.document_header_html(document, passage_count(bot, document.doc_id), notes))
    st.html(present.document_to_html(document, passage))
    if passage:
        st.html(present.scroll_script(passage.passage_id), unsafe_allow_javascript=True)
    folder = corpus_folder()
    if folder is not None:
        with st.expander("Remove this document", icon=":material/delete:"):
            remove_form(folder, document.path, f"doc-{document.doc_id}")


def remove_form(folder, rel: str, key: str) -> None:
    """A button that takes one file out of the corpus (kept in the cache folder, logged)."""
    who = writer("remove documents")
    if who is None:
        return
    st.caption(
        "The file is moved out of the corpus into its cache folder, not deleted, and the change is logged."
    )
    if not st.button(f"Remove {present.escape_markdown(rel)}", key=f"remove-{key}", icon=":material/delete:"):
        return
    try:
        change = changes.remove_file(folder, rel, who)
    except UploadError as error:
        st.error(f"Not removed: {present.escape_markdown(str(error))}")
        return
    # Shown after the page is drawn again over the new index, which no longer lists the file.
    st.session_state.removed_message = f"Removed {present.escape_markdown(change.path)}; it is kept as {present.escape_markdown(change.kept_as)}."
    bot_or_stop(wait=True)
    st.rerun()


def add_document() -> None:
    folder = corpus_folder()
    if folder is None:
        st.info("The corpus is a single file; documents can be added only to a corpus folder.")
        return
    who = writer("add documents")
    if who is None:
        return
    limit = MAX_FILE_BYTES // MIB
    with st.form("upload", clear_on_submit=True, border=False):
        upload = st.file_uploader(
            f"A text or Markdown file ({', '.join(DOCUMENT_SUFFIXES)}), UTF-8, at most {limit} MiB",
            type=[suffix.lstrip(".") for suffix in DOCUMENT_SUFFIXES],
            max_upload_size=limit,
        )
        same_title = st.checkbox(
            "It may have the title of a document already in the corpus",
            help="Off, a document whose title another document has is refused: readers could take it for that one.",
        )
        submitted = st.form_submit_button("Add to the corpus", icon=":material/upload_file:")
    st.caption(
        f"Added documents are saved under {changes.UPLOADS_FOLDER}/, logged, and marked wherever they are quoted."
    )
    if not submitted:
        return
    if upload is None:
        st.warning("Choose a file first.")
        return
    now = time.monotonic()
    recent = [t for t in st.session_state.get("upload_times", []) if now - t < UPLOAD_WINDOW_SECONDS]
    if len(recent) >= UPLOADS_PER_WINDOW:
        st.error(f"Not added: at most {UPLOADS_PER_WINDOW} uploads in {UPLOAD_WINDOW_SECONDS // 60} minutes.")
        return
    st.session_state.upload_times = [*recent, now]
    try:
        path = changes.save_upload(folder, upload.name, upload.getvalue(), who, same_title)
    except UploadError as error:
        st.error(f"Not added: {present.escape_markdown(str(error))}")
        return
    rel = path.relative_to(folder).as_posix()
    # Waiting for the new index here, so the next question already searches the new document.
    bot = bot_or_stop(wait=True)
    added = next((d for d in bot.corpus.documents if d.path == rel), None)
    if added is None:
        st.warning(f"Saved {present.escape_markdown(rel)}, but it could not be read as a document.")
        return
    st.success(
        f"Added \u201c{present.escape_markdown(added.title)}\u201d "
        f"({passage_count(bot, added.doc_id)} passages). Ask about it in the chat."
    )
    st.page_link(DOCUMENTS_PAGE, label="Read it", query_params=present.document_query(added.doc_id))


def _removable(path: Path) -> bool:
    return os.path.lexists(path) and (path.is_symlink() or not path.is_dir())


def show_changes(bot: pipeline.Bot) -> None:
    folder = corpus_folder()
    if folder is None:
        return
    shown = changes.recent_changes(folder, RECENT_CHANGES)
    with st.expander(f"Recent changes ({len(shown)})", icon=":material/history:"):
        if not shown:
            st.caption("No document has been added or removed in the browser.")
        else:
            st.html(present.changes_to_html(shown))
        # Any file with a warning, a FIFO or a broken link too, but not a folder.
        broken = sorted({p.path for p in bot.problems if _removable(folder / p.path)})
        if broken:
            st.markdown("**Files with loading warnings**")
            for number, rel in enumerate(broken):
                remove_form(folder, rel, f"problem-{number}")


def show_list(bot: pipeline.Bot) -> None:
    st.title("Documents")
    folder = corpus_folder()
    where = f", in {present.escape_markdown(folder.resolve().name)}" if folder else ""
    st.caption(f"{len(bot.corpus.documents)} documents, {len(bot.passages)} passages{where}")
    text = st.text_input("Filter", placeholder="Words of a title, a section or a file name")
    shown = filter_documents(bot.corpus.documents, text)
    if not shown:
        st.info("No document matches the filter.")
    counts = passage_counts(bot)
    notes = upload_notes(bot)
    for document in shown:
        st.page_link(
            DOCUMENTS_PAGE,
            label=present.escape_markdown(document.title),
            icon=":material/description:",
            query_params=present.document_query(document.doc_id),
        )
        st.html(present.document_summary_html(document, counts[document.doc_id], notes))


st.set_page_config(page_title="citebot \u00b7 Documents")
use_style()
if "removed_message" in st.session_state:
    st.success(st.session_state.pop("removed_message"))
doc_id = st.query_params.get("doc")
if doc_id:
    show_document(bot_or_stop(), doc_id, st.query_params.get("passage"))
else:
    with st.expander("Add a document", icon=":material/upload_file:"):
        add_document()
    bot = bot_or_stop()
    show_changes(bot)
    show_list(bot)
