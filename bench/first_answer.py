"""Time from starting the server to the first answer shown in a browser, on the shipped corpus.

The server is started as `make run` starts it (`python -m ui.serve`, which loads the corpus
while the browser loads the page). The index cache is made current first (not timed) and
Chromium is started before the server (not timed either: a user's browser is already open).
Each run starts a fresh server, opens the page, asks one question as soon as the chat box
shows ("page ready": it shows before the corpus is loaded) and waits for the first quote. The
same is timed for an app of four lines that shows a chat box and answers at once, served by
`streamlit run` with the options `make run` sets: the floor Streamlit and the browser set on
this machine. Needs Playwright and Chromium, as the browser tests do.

    python -m bench.first_answer [--runs 3]
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ui.serve import DEFAULT_OPTIONS

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
QUESTION = "What is the usual dose of Valium for muscle spasm?"
# The Python the servers run with: `make bench` gives make run's environment (.venv), which
# holds the app's dependencies only.
SERVE_PYTHON = os.environ.get("CITEBOT_SERVE_PYTHON") or sys.executable
CHROMIUM = Path(os.environ.get("CITEBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
TIMEOUT_S = 60
MINIMAL_APP = """import streamlit as st
st.set_page_config(page_title="minimal")
if st.chat_input("Ask"):
    st.html('<div class="cb-quote">answer</div>')
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as reply:
            return reply.status == 200
    except OSError:
        return False


def citebot_command(port: int) -> list[str]:
    """Return the command `make run` serves the chat with, on this port of 127.0.0.1."""
    return [SERVE_PYTHON, "-m", "ui.serve", "--server.port", str(port), "--server.address", "127.0.0.1"]


def minimal_command(app: Path, port: int) -> list[str]:
    """Return the command serving the minimal app with the options `make run` sets."""
    where = ["--server.port", str(port), "--server.address", "127.0.0.1"]
    return [SERVE_PYTHON, "-m", "streamlit", "run", str(app), *DEFAULT_OPTIONS, *where]


def measure(browser, command: Callable[[int], list[str]]) -> dict[str, float]:
    """Start a server, ask one question in a new page; return seconds since the server start."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = subprocess.Popen(
        command(port),
        cwd=ROOT,
        env={**os.environ, "CITEBOT_CORPUS": str(CORPUS)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not _healthy(url):
            if time.perf_counter() - started > TIMEOUT_S or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        healthy = time.perf_counter() - started
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_S * 1000)
        page.goto(url)
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for()
        ready = time.perf_counter() - started
        box.fill(QUESTION)
        box.press("Enter")
        page.locator(".cb-quote").first.wait_for()
        answered = time.perf_counter() - started
        page.close()
        return {"server up": healthy, "page ready": ready, "first answer": answered}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("first answer in the browser: not measured (Playwright is not installed)")
        return 0
    if not CHROMIUM.exists():
        print(f"first answer in the browser: not measured (no Chromium at {CHROMIUM})")
        return 0
    from bot import load

    if not load(CORPUS).from_cache:
        load(CORPUS)  # the cache is now current
    runs: dict[str, list[dict[str, float]]] = {"citebot": [], "minimal": []}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        minimal = Path(folder) / "minimal.py"
        minimal.write_text(MINIMAL_APP, encoding="utf-8")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            for _ in range(args.runs):
                runs["citebot"].append(measure(browser, citebot_command))
                runs["minimal"].append(measure(browser, functools.partial(minimal_command, minimal)))
        finally:
            browser.close()
    summary = {
        name: ", ".join(f"{k} {statistics.median(r[k] for r in done):.2f} s" for k in done[0])
        for name, done in runs.items()
    }
    print(
        f"First answer in a browser, median of {args.runs} fresh servers, seconds after the server "
        f"process starts ({Path(SERVE_PYTHON).parent.parent.name}): shipped corpus with its cache current: {summary['citebot']} "
        f"(question: {QUESTION!r}); a four-line Streamlit app answering at once: {summary['minimal']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
