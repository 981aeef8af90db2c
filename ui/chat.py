"""The chat page below its chat box: the sidebar, the answers with their sources, and asking.

`app.py` sends the chat box to the browser first, then calls `show`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st
from common import (
    DOCUMENTS_PAGE,
    bot_or_stop,
    corpus_path,
    example_questions,
    upload_notes,
    use_style,
    visible,
)

from bot import pipeline, present
from bot.config import Settings
from bot.errors import CitebotError
from bot.records import Answer, Conversation

MAX_TOP_K = 20


# The questions a link holds: a reload, or a colleague opening the link, asks them again in
# order and gets the same answers from the same documents (`?q=...&q=...`).
LINK_TURNS = 20


def new_chat() -> None:
    st.session_state.conversation = Conversation()
    st.query_params.pop("q", None)


def from_link(bot: pipeline.Bot, top_k: int) -> Conversation:
    """Return the conversation the page's address holds, asked again (empty when it holds none)."""
    conversation = Conversation()
    for question in st.query_params.get_all("q")[:LINK_TURNS]:
        try:
            _, conversation = pipeline.ask(bot, question, conversation, top_k=top_k)
        except CitebotError:
            break  # a question the bot refuses (too long) ends what the link can give back
    return conversation


def keep_in_link(conversation: Conversation) -> None:
    """Write the conversation's latest questions into the page's address, to reload or share."""
    asked = [turn.question for turn in conversation.turns][-LINK_TURNS:]
    if asked != st.query_params.get_all("q"):
        if asked:
            st.query_params["q"] = asked
        else:
            st.query_params.pop("q", None)


def choose(choice: str) -> None:
    st.session_state.pending_question = choice


def question_buttons(questions: Sequence[str], key: str, icon: str) -> None:
    """Buttons that each ask their question next (`key-0`, `key-1`, ...)."""
    for place, question in enumerate(questions):
        st.button(
            present.escape_markdown(question),
            key=f"{key}-{place}",
            on_click=choose,
            args=(question,),
            icon=icon,
        )


def show_answer(answer: Answer, bot: pipeline.Bot, show_scores: bool, number: int, last: bool) -> None:
    uploads = upload_notes(bot)
    st.html(present.answer_to_html(answer, uploads))
    if last and answer.choices:
        question_buttons(answer.choices, f"choice-{number}", ":material/arrow_forward:")
    hits = present.shown_hits(answer)
    if not hits:
        return
    with st.expander(present.sources_label(answer), icon=":material/menu_book:"):
        for hit in hits:
            passage = hit.passage
            document = bot.documents[passage.doc_id]
            st.html(present.hit_to_html(hit, answer.quotes, document, show_scores, uploads))
            st.page_link(
                DOCUMENTS_PAGE,
                # It opens in this tab, as the Documents page: not the new-tab icon.
                label="open in document",
                icon=":material/description:",
                query_params=present.document_query(passage.doc_id, passage.passage_id),
            )


def show_examples() -> None:
    """Offer a few questions the documents answer (from the corpus's test questions), to click."""
    examples = example_questions()
    if not examples:
        return
    st.markdown("**Try asking**")
    question_buttons(examples, "example", ":material/chat:")


def show_sidebar(bot: pipeline.Bot) -> tuple[int, bool]:
    """Show the corpus and the settings in the sidebar.

    Returns:
        How many passages to show, and whether to show their scores.
    """
    with st.sidebar:
        st.header("Corpus")
        st.caption(present.escape_markdown(Path(corpus_path()).resolve().name))
        st.markdown(f"**{len(bot.corpus.documents)}** documents \u00b7 **{len(bot.passages)}** passages")
        source = "read from the index cache" if bot.from_cache else "built now"
        ago = present.indexed_ago(bot.built_at, datetime.now(UTC))
        st.caption(
            f"Indexed {present.escape_markdown(ago)} ({source})",
            help=f"Built at {bot.built_at}" if bot.built_at else None,
        )
        if bot.problems:
            with st.expander(f"Loading warnings ({len(bot.problems)})", icon=":material/warning:"):
                st.html(visible(present.problems_to_html(bot.problems)))
        st.header("Settings")
        # The values live under keys of their own: Streamlit forgets a widget's value while
        # another page is shown.
        top_k = st.number_input(
            "Passages shown",
            min_value=1,
            max_value=MAX_TOP_K,
            value=st.session_state.get("top_k", Settings().top_k),
            key="top_k_input",
            help="How many ranked passages each answer lists under Sources (the quotes are chosen "
            "from the best passages whatever this is).",
        )
        show_scores = st.toggle(
            "Show scores and passage ids",
            value=st.session_state.get("show_scores", False),
            key="show_scores_input",
            help="The BM25 score and id of each source passage, for checking the ranking.",
        )
        st.session_state.top_k, st.session_state.show_scores = top_k, show_scores
        st.button("New chat", icon=":material/add_comment:", on_click=new_chat)
    return int(top_k), show_scores


def show(question: str | None) -> None:
    """Show the page and answer the question just asked (None when none was)."""
    use_style()
    bot = bot_or_stop()
    st.session_state.setdefault("conversation", Conversation())

    top_k, show_scores = show_sidebar(bot)
    if not st.session_state.conversation.turns:
        st.session_state.conversation = from_link(bot, top_k)

    # A document picked from the ones a vague question could be about is asked as the reply.
    question = question or st.session_state.pop("pending_question", None)
    failure = None
    if question:
        try:
            _, st.session_state.conversation = pipeline.ask(
                bot, question, st.session_state.conversation, top_k=top_k
            )
        except CitebotError as error:
            failure = (question, error)

    conversation: Conversation = st.session_state.conversation
    keep_in_link(conversation)
    with st.sidebar:
        st.download_button(
            "Download the conversation",
            data=present.conversation_to_markdown(
                conversation,
                Path(corpus_path()).name,
                upload_notes(bot),
                saved=datetime.now(UTC),
                documents=len(bot.corpus.documents),
            ),
            file_name="citebot-conversation.md",
            mime="text/markdown",
            icon=":material/download:",
            disabled=not conversation.turns,
            on_click="ignore",
        )

    st.title("citebot")
    st.caption(
        f"{present.NOT_ADVICE} Each answer quotes sentences from the documents word for word. "
        "[1] after a quote is the reference its sentence cites (hover or focus it to read it); "
        "[1]* means the sentence has no marker of its own and shows its passage's. Open a source "
        "to read the passage in its document."
    )
    if not conversation.turns:
        show_examples()
    for number, turn in enumerate(conversation.turns):
        with st.chat_message("user"):
            st.markdown(present.escape_markdown(turn.question))
        with st.chat_message("assistant"):
            show_answer(turn.answer, bot, show_scores, number, number == len(conversation.turns) - 1)
    if failure:
        with st.chat_message("user"):
            st.markdown(present.escape_markdown(failure[0]))
        with st.chat_message("assistant"):
            st.error(present.escape_markdown(str(failure[1])))
