"""Serve the app: Streamlit's server in this process, and the corpus loaded while the page loads.

`make run` serves with `python -m ui.serve`, and so does the benchmark of the first answer.
Streamlit's server answers about half a second after the start; the browser then spends a
second or more loading the page's JavaScript, with the server mostly waiting. In that time a
thread of this process imports the bot and loads the corpus into the cache the pages read
(`common.current_bot`), so the first page finds both ready, or nearly, instead of starting
them when the browser connects. The chat page sends its chat box before it waits for them
(see `app.py`).

    python -m ui.serve [--server.port 8501] [--server.address localhost] [Streamlit options...]

The options are those of `streamlit run`. Unless given again, the server is headless (it opens
no browser), sends no usage statistics and watches no files (the pages do not change while they
are served; a change in the corpus is found by its fingerprint on the next question).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from pathlib import Path

UI = Path(__file__).resolve().parent
APP = UI / "app.py"
DEFAULT_OPTIONS = (
    "--server.headless",
    "true",
    "--browser.gatherUsageStats",
    "false",
    "--server.fileWatcherType",
    "none",
)
WARM_UP_THREAD = "citebot-warm-up"
# The warm-up waits for the server at most this long, then loads anyway.
SERVER_WAIT_SECONDS = 30.0
WARM_UP_SWITCH_SECONDS = 0.0005


class _WarmUpWarnings(logging.Filter):
    """Drops Streamlit's "missing ScriptRunContext" warning for the warm-up thread.

    The cached loader warns when no page is running it; in the warm-up that is expected.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != WARM_UP_THREAD


def wait_for_server(seconds: float = SERVER_WAIT_SECONDS) -> None:
    """Return once Streamlit's server has started (or after seconds).

    Importing the bot takes the interpreter for a second; started earlier, it would delay the
    server, and with it the browser.
    """
    from streamlit import runtime

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if runtime.exists() and runtime.get_instance().state != runtime.RuntimeState.INITIAL:
            return
        time.sleep(0.01)


def warm_up() -> None:
    """Import what the pages import and load the corpus into the cache they read.

    The pages import `common` from their own folder, which Streamlit puts on the path; imported
    under that same name, its cached loader is the very one the pages call.
    """
    if str(UI) not in sys.path:
        sys.path.insert(0, str(UI))
    import common

    from bot.errors import CitebotError

    with contextlib.suppress(CitebotError):  # the page says why when it loads
        common.current_bot()


def _warm_up_when_served() -> None:
    wait_for_server()
    # The server's thread needs the interpreter only briefly for each file the browser asks
    # for, but waits for the warm-up to hand it over: every 5 ms by default, which stretched
    # the page's loading by a few tenths of a second. Handing it over more often keeps the
    # server prompt.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(WARM_UP_SWITCH_SECONDS)
    try:
        warm_up()
    finally:
        sys.setswitchinterval(switch_interval)


def streamlit_args(argv: list[str]) -> list[str]:
    """Return the arguments of `streamlit` that serve the chat with these options."""
    return ["run", str(APP), *DEFAULT_OPTIONS, *argv]


def main(argv: list[str] | None = None) -> None:
    """Serve the chat until the server stops (Ctrl-C), loading the corpus in the background."""
    from streamlit.web import cli

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_WarmUpWarnings())
    threading.Thread(target=_warm_up_when_served, name=WARM_UP_THREAD, daemon=True).start()
    cli.main(streamlit_args(sys.argv[1:] if argv is None else argv), prog_name="streamlit")


if __name__ == "__main__":
    main()
