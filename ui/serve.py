"""Serve the app: Streamlit's server in this process, and the corpus loaded while the page loads.

`make run` serves with `python -m ui.serve`, and so does the benchmark of the first answer.
Streamlit's server answers about half a second after the start; the browser then spends a
second or more loading the page's JavaScript, with the server mostly waiting. In that time a
thread of this process imports the bot and loads the corpus into the cache the pages read
(`common.current_bot`), so the first page finds both ready, or nearly, instead of starting
them when the browser connects. The chat page sends its chat box before it waits for them
(see `app.py`).

    python -m ui.serve [--server.port 8501] [--server.address localhost] [Streamlit options...]

The options are those of `streamlit run`, plus `--read-only` (no document can be added or
removed and no evaluation run started from the browser) and `--require-key` (writes need an
access key even on loopback, as behind a reverse proxy): see `bot.access`. Unless given again,
the server
- is headless (it opens no browser), sends no usage statistics and watches no files (the pages
  do not change while they are served; a change in the corpus is found by its fingerprint);
- shows visitors no developer menu ("Clear cache", "Rerun", "Deploy") and no error details
  (tracebacks name the server's folders);
- takes uploads of at most UPLOAD_MIB and messages of at most MESSAGE_MIB, whoever sends them;
- accepts websocket connections only for the host names it can be reached by (against DNS
  rebinding), and never asks an outside service for its own address.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import threading
import time
from pathlib import Path

UI = Path(__file__).resolve().parent
APP = UI / "app.py"
# The largest document the reader takes is 5 MiB (`bot.read.MAX_FILE_BYTES`); a page showing
# it whole, escaped, stays well under the message limit.
UPLOAD_MIB = 5
MESSAGE_MIB = 32
DEFAULT_OPTIONS = (
    "--server.headless",
    "true",
    "--browser.gatherUsageStats",
    "false",
    "--server.fileWatcherType",
    "none",
    "--client.toolbarMode",
    "minimal",
    "--client.showErrorDetails",
    "none",
    "--server.maxUploadSize",
    str(UPLOAD_MIB),
    "--server.maxMessageSize",
    str(MESSAGE_MIB),
    "--server.enableXsrfProtection",
    "true",
)
# Switches of our own, taken out before Streamlit reads the rest, and the variable each sets.
SWITCHES = {"--read-only": "CITEBOT_READ_ONLY", "--require-key": "CITEBOT_REQUIRE_KEY"}
_WILDCARDS = frozenset(["", "0.0.0.0", "::"])
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


def _option(argv: list[str], name: str) -> str | None:
    """Return the value given to a Streamlit option (`--name value` or `--name=value`)."""
    for number, arg in enumerate(argv):
        if arg == name and number + 1 < len(argv):
            return argv[number + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def allowed_hosts(address: str | None) -> list[str]:
    """Return the host names a server on this address is reached by: loopback names, and the
    address itself or, on every interface, this machine's names."""
    hosts = ["localhost", "127.0.0.1", "::1"]
    if address and address not in _WILDCARDS:
        hosts.append(address.strip("[]"))
    else:
        hosts += [socket.gethostname(), socket.getfqdn()]
    return list(dict.fromkeys(h for h in hosts if h))


def streamlit_args(argv: list[str]) -> list[str]:
    """Return the arguments of `streamlit` that serve the chat with these options."""
    extra: list[str] = []
    address = _option(argv, "--server.address")
    if _option(argv, "--server.allowedHosts") is None:
        for host in allowed_hosts(address):
            extra += ["--server.allowedHosts", host]
    if _option(argv, "--browser.serverAddress") is None and (address is None or address in _WILDCARDS):
        # Named, the address is printed as it is; unnamed, Streamlit looks up this machine's
        # outside address on a public service to print it.
        extra += ["--browser.serverAddress", "localhost"]
    return ["run", str(APP), *DEFAULT_OPTIONS, *extra, *argv]


def take_switches(argv: list[str], environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """Set the variables of our own switches in environ and return the other arguments."""
    rest = []
    for arg in argv:
        if arg in SWITCHES:
            environ[SWITCHES[arg]] = "1"
        else:
            rest.append(arg)
    return rest


def main(argv: list[str] | None = None) -> None:
    """Serve the chat until the server stops (Ctrl-C), loading the corpus in the background."""
    from streamlit.web import cli

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_WarmUpWarnings())
    threading.Thread(target=_warm_up_when_served, name=WARM_UP_THREAD, daemon=True).start()
    argv = take_switches(sys.argv[1:] if argv is None else argv, os.environ)
    no_outside_lookup()
    no_shared_cache_clearing()
    cli.main(streamlit_args(argv), prog_name="streamlit")


def no_outside_lookup() -> None:
    """Keep Streamlit from asking a public service for this machine's outside address.

    It does so to print the address at start (avoided by naming it, see `streamlit_args`) and
    to judge a websocket whose origin is another site; the address never counts as an allowed
    origin here, so the answer is taken to be "unknown".
    """
    from streamlit import net_util

    net_util.get_external_ip = lambda: None


def no_shared_cache_clearing() -> None:
    """Make a visitor's "clear cache" request clear that visitor's own session only.

    The menu entry is hidden (`client.toolbarMode`), but any websocket client can still send the
    request, and Streamlit would drop the index every session shares, making everyone wait for
    a rebuild.
    """
    from streamlit.runtime.app_session import AppSession

    if not hasattr(AppSession, "_handle_clear_cache_request"):
        raise RuntimeError("this Streamlit handles 'clear cache' differently; check ui/serve.py")

    def clear_own_session(session: AppSession) -> None:
        session._session_state.clear()

    AppSession._handle_clear_cache_request = clear_own_session


if __name__ == "__main__":
    main()
