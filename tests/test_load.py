"""Load: eight chat sessions at once against one `streamlit run` server, 25 questions each.

Each session is a websocket client that speaks to the server as a browser tab does: it asks the
server to rerun the page with the chat input's value, and reads back the page's elements until
the run finishes. After every question the chat messages sent must be exactly those the same
conversation gets when replayed in-process (question, answer and sources, as HTML), so answers
stay the same under load and no session sees another's turns. Answer times (question sent to
run finished) are printed and written to test-output/load/latency.txt, never asserted.

Websocket clients, not browsers: eight Chromium tabs redrawing a growing chat use about four
times the server's CPU, which takes the test past a minute on two cores. test_browser.py checks
how a browser shows these messages; test_faults.py has threads sharing one index.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser_support import ROOT, streamlit_server
from conftest import SMALL_DOCUMENTS, write_corpus
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import ChatInputValue
from streamlit.proto.Delta_pb2 import Delta
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.RootContainer_pb2 import RootContainer
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bot import pipeline, present
from bot.config import Settings
from bot.records import Answer, Conversation

websocket_client = pytest.importorskip(
    "websockets.asyncio.client", reason="the websockets package (a Streamlit dependency) is not installed"
)

OUTPUT = ROOT / "test-output" / "load"
SESSIONS = 8
QUESTIONS_PER_SESSION = 25
# Every wait is bounded; a run normally takes a fraction of these.
OPEN_SECONDS = 30
ANSWER_SECONDS = 20
TOTAL_SECONDS = 120

# Each block opens with a question of its own; the follow-ups after it lean on it ("its",
# "more", an ellipsis). Sessions ask the blocks in different orders, so each follow-up also
# meets different earlier turns.
BLOCKS = (
    ("What is the usual starting dose of baclofen?", "What are its side effects?", "more"),
    ("What is the maximum dose of tizanidine?", "Does it injure the liver?"),
    ("What does dantrolene treat?", "How does it act?", "tell me more"),
    ("What helps acute low back pain?", "Which medicines come first?"),
    ("What is the capital of Peru?",),
    ("What is the maximim dose of tizanidne?",),
    ("Why stop intrathecal baclofen slowly?", "What about tizanidine?"),
    ("What does baclofn reduce?", "more"),
    ("Which drug treats malignant hyperthermia?", "And for children?"),
    ("How do I repair a bicycle chain?",),
    ("Is exercize good for back pain?",),
)


@dataclass(frozen=True, slots=True)
class Message:
    """A chat message as sent to the browser: who speaks, and its Markdown and HTML, in order."""

    name: str
    bodies: tuple[tuple[str, str], ...]


def session_questions(number: int) -> list[str]:
    """Return a session's questions: every block in a shuffled order, then more, 25 in all."""
    rng = random.Random(number)
    questions: list[str] = []
    while len(questions) < QUESTIONS_PER_SESSION:
        blocks = list(BLOCKS)
        rng.shuffle(blocks)
        questions.extend(q for block in blocks for q in block)
    return questions[:QUESTIONS_PER_SESSION]


def replay(bot: pipeline.Bot, questions: Sequence[str]) -> list[Answer]:
    """Ask the questions in one conversation in-process, with the chat page's settings."""
    conversation = Conversation()
    answers = []
    for question in questions:
        answer, conversation = pipeline.ask(bot, question, conversation, top_k=Settings().top_k)
        answers.append(answer)
    return answers


def expected_messages(bot: pipeline.Bot, answer: Answer) -> tuple[Message, Message]:
    """Return the chat page's two messages for a turn: the question, then the answer and its sources."""
    sources = (
        ("html", present.hit_to_html(h, answer.quotes, bot.documents[h.passage.doc_id], False))
        for h in present.shown_hits(answer)
    )
    return (
        Message("user", (("markdown", present.escape_markdown(answer.question)),)),
        Message("assistant", (("html", present.answer_to_html(answer)), *sources)),
    )


class _TextContent(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_content(markup: str) -> str:
    """Return the text of an HTML fragment, as a browser's `textContent` gives it."""
    parser = _TextContent()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


# --- a browser tab's side of Streamlit's websocket protocol ---------------------------------


def _body(delta: Delta) -> tuple[str, str] | None:
    if delta.WhichOneof("type") != "new_element":
        return None
    element = delta.new_element
    kind = element.WhichOneof("type")
    if kind in ("markdown", "html", "alert"):
        return kind, getattr(element, kind).body
    if kind == "exception":
        return kind, f"{element.exception.type}: {element.exception.message}"
    return None


def chat_messages(page: dict[tuple[int, ...], Delta]) -> list[Message]:
    """Return the chat messages of a page's elements (keyed by delta path), in page order."""
    messages: list[Message] = []
    bodies: list[tuple[str, str]] = []
    owner: tuple[int, ...] = ()
    for path in sorted(page):
        delta = page[path]
        if delta.WhichOneof("type") == "add_block" and delta.add_block.WhichOneof("type") == "chat_message":
            if len(path) == 2 and path[0] == RootContainer.MAIN:
                bodies = []
                owner = path
                messages.append(Message(delta.add_block.chat_message.name, ()))
        elif owner and path[: len(owner)] == owner and (body := _body(delta)):
            bodies.append(body)
            messages[-1] = Message(messages[-1].name, tuple(bodies))
    return messages


def errors_shown(page: dict[tuple[int, ...], Delta]) -> list[str]:
    """Return the exceptions a page shows, wherever they are."""
    bodies = (_body(delta) for delta in page.values())
    return [body for kind, body in filter(None, bodies) if kind == "exception"]


class ChatTab:
    """One browser tab's session: it asks the server for runs and collects the elements sent."""

    def __init__(self, websocket: websocket_client.ClientConnection) -> None:
        self.websocket = websocket
        self.page_script_hash = ""
        self.chat_input_id = ""

    async def run(self, question: str | None = None) -> dict[tuple[int, ...], Delta]:
        """Rerun the page, with a question in the chat input if given; return its elements.

        Like the browser, a tab sends the chat input's value once, with the rerun it asks for.
        """
        request = BackMsg()
        request.rerun_script.page_script_hash = self.page_script_hash
        if question is not None:
            request.rerun_script.widget_states.widgets.append(
                WidgetState(id=self.chat_input_id, chat_input_value=ChatInputValue(data=question))
            )
        await self.websocket.send(request.SerializeToString())
        page: dict[tuple[int, ...], Delta] = {}
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.websocket.recv())
            kind = message.WhichOneof("type")
            if kind == "new_session":  # every run starts one, and sends the whole page again
                page.clear()
                self.page_script_hash = message.new_session.page_script_hash
            elif kind == "delta":
                page[tuple(message.metadata.delta_path)] = message.delta
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                assert status == "FINISHED_SUCCESSFULLY", f"the run ended {status}"
                assert not errors_shown(page), f"the page shows errors: {errors_shown(page)}"
                inputs = [d.new_element.chat_input.id for d in page.values() if _is_chat_input(d)]
                assert len(inputs) == 1, f"{len(inputs)} chat inputs on the page"
                self.chat_input_id = inputs[0]
                return page


def _is_chat_input(delta: Delta) -> bool:
    return delta.WhichOneof("type") == "new_element" and delta.new_element.WhichOneof("type") == "chat_input"


# --- the test ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("load") / "corpus", SMALL_DOCUMENTS)


@pytest.fixture(scope="module")
def server(corpus: Path) -> Iterator[str]:
    with streamlit_server(corpus, corpus.parent / "streamlit.log") as url:
        yield url


def check_turn(
    session: int, turn: int, shown: list[Message], expected: Sequence[Message], answer: Answer
) -> None:
    """Fail unless the page after a turn shows exactly the conversation replayed in-process."""
    where = f"session {session}, turn {turn + 1} ({answer.question!r})"
    assert len(shown) == len(expected), f"{where}: {len(shown)} chat messages, expected {len(expected)}"
    for number, (got, wanted) in enumerate(zip(shown, expected, strict=True)):
        assert got == wanted, (
            f"{where}: chat message {number + 1} differs from the conversation asked alone\n"
            f"shown:    {got}\nexpected: {wanted}"
        )
    # Spelled out, what the answer must show: each quote, or the abstention and no quote.
    _, html = shown[-1].bodies[0]
    text = text_content(html)
    for quote in answer.quotes:
        # A line break inside a quote is shown as <br>, which has no text.
        shown_quote = "\u201c" + quote.text.replace("\n", "") + "\u201d"
        assert shown_quote in text, f"{where}: quote {quote.text!r} not shown"
    if answer.abstained:
        assert present.abstention_message(answer) in text, f"{where}: no abstention shown"
        assert "cb-quote" not in html, f"{where}: an abstention shows a quote"


@dataclass(frozen=True, slots=True)
class Plan:
    """A session's questions, and the answers and messages the conversation gets in-process."""

    questions: tuple[str, ...]
    answers: tuple[Answer, ...]
    messages: tuple[Message, ...]


def plan_session(bot: pipeline.Bot, number: int) -> Plan:
    """Return a session's questions with what asking them in-process gives."""
    questions = session_questions(number)
    answers = replay(bot, questions)
    messages = [m for answer in answers for m in expected_messages(bot, answer)]
    return Plan(tuple(questions), tuple(answers), tuple(messages))


async def run_session(url: str, number: int, plan: Plan) -> list[float]:
    """Open the chat, ask the questions one after the other, check every page; return answer times."""
    address = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    seconds = []
    async with websocket_client.connect(
        address, subprotocols=["streamlit"], open_timeout=OPEN_SECONDS
    ) as tab:
        chat = ChatTab(tab)
        async with asyncio.timeout(OPEN_SECONDS):
            opening = chat_messages(await chat.run())
        assert opening == [], f"session {number}: a new chat shows {opening}"
        for turn, (question, answer) in enumerate(zip(plan.questions, plan.answers, strict=True)):
            start = time.perf_counter()
            try:
                async with asyncio.timeout(ANSWER_SECONDS):
                    page = await chat.run(question)
            except TimeoutError as err:
                where = f"session {number}, turn {turn + 1} ({question!r})"
                raise AssertionError(f"{where}: no answer within {ANSWER_SECONDS} s") from err
            seconds.append(time.perf_counter() - start)
            check_turn(number, turn, chat_messages(page), plan.messages[: 2 * (turn + 1)], answer)
    return seconds


async def run_sessions(url: str, plans: Sequence[Plan]) -> list[list[float]]:
    """Run every session at once; return each one's answer times."""
    try:
        async with asyncio.timeout(TOTAL_SECONDS), asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(run_session(url, number, plan))
                for number, plan in enumerate(plans, start=1)
            ]
    except TimeoutError:
        pytest.fail(f"the {len(plans)} sessions did not finish within {TOTAL_SECONDS} s")
    return [task.result() for task in tasks]


def latency_report(seconds: Sequence[Sequence[float]], wall: float) -> str:
    """Return the answer times: p50, p95 and max over all questions, and by place in the chat."""

    def summary(values: Sequence[float]) -> str:
        ordered = sorted(values)
        p95 = statistics.quantiles(ordered, n=20, method="inclusive")[-1]
        return (
            f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms"
        )

    every = [s for session in seconds for s in session]
    turns = len(seconds[0])
    return (
        f"{len(seconds)} concurrent sessions x {turns} questions = {len(every)} answers in {wall:.1f} s\n"
        f"answer time: {summary(every)}\n"
        f"  turns 1-5:   {summary([s for session in seconds for s in session[:5]])}\n"
        f"  turns {turns - 4}-{turns}: {summary([s for session in seconds for s in session[-5:]])}\n"
    )


def test_eight_concurrent_sessions_get_the_answers_asked_alone(corpus: Path, server: str):
    bot = pipeline.load(corpus, Settings(), use_cache=False)
    plans = [plan_session(bot, number) for number in range(1, SESSIONS + 1)]
    assert len({plan.questions for plan in plans}) == SESSIONS, "two sessions ask alike"

    start = time.perf_counter()
    try:
        seconds = asyncio.run(run_sessions(server, plans))
    except BaseException:
        print(f"the server's log:\n{(corpus.parent / 'streamlit.log').read_text()}")
        raise
    report = latency_report(seconds, time.perf_counter() - start)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "latency.txt").write_text(report, encoding="utf-8")
    print(f"\n{report}", end="")
    assert [len(s) for s in seconds] == [QUESTIONS_PER_SESSION] * SESSIONS
