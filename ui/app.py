"""The app's pages, as the page list names them: the chat, the documents and the evaluation.

Run with `make run` (or `streamlit run ui/app.py`). The conversation lives in the browser
session; the loaded corpus is shared by every session (see `common.py`).
"""

from __future__ import annotations

import streamlit as st


def chat_page() -> None:
    """The chat: ask, read the quoted answers with their references, check the sources."""
    st.set_page_config(page_title="citebot")
    # The chat box goes to the browser before the bot is imported and the corpus loaded: the
    # browser fetches the code of each kind of widget when it first meets one, and does so now,
    # while that work goes on. Where it is called does not move it: it stays at the foot of the
    # page.
    question = st.chat_input("Ask a question about the documents")
    import chat

    chat.show(question)


st.navigation(
    [
        st.Page(chat_page, title="Chat", default=True),
        st.Page("pages/1_Documents.py", title="Documents", url_path="Documents"),
        st.Page("pages/2_Evaluate.py", title="Evaluate", url_path="Evaluate"),
    ]
).run()
