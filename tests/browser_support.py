"""What the tests of the running app share: serving it as `make run` does, and finding Chromium.

Without Chromium, Playwright for Python or axe-playwright-python the browser tests skip, unless
CITEBOT_BROWSER_TESTS=1 (set in CI) makes them mandatory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CITEBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
REQUIRED = os.environ.get("CITEBOT_BROWSER_TESTS") == "1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 30
STOP_SECONDS = 10


def missing() -> str | None:
    """Return why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        return "axe-playwright-python is not installed (pip install axe-playwright-python)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CITEBOT_CHROMIUM)"
    return None


def require_browser() -> None:
    """Skip the calling test when no browser can run, or fail when CITEBOT_BROWSER_TESTS=1."""
    reason = missing()
    if reason and REQUIRED:
        pytest.fail(f"CITEBOT_BROWSER_TESTS=1 but {reason}")
    if reason:
        pytest.skip(f"{reason}; CITEBOT_BROWSER_TESTS=1 makes this test mandatory")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


def serve_command(port: int) -> list[str]:
    """Return the command `make run` serves the chat with, on this port of 127.0.0.1."""
    return [sys.executable, "-m", "ui.serve", "--server.port", str(port), "--server.address", "127.0.0.1"]


@contextmanager
def served(corpus: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve the chat as `make run` does, on a free local port over corpus, logging to log.

    Yields the URL and the server's process, and always stops the server on the way out.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            serve_command(port),
            cwd=ROOT,
            env={**os.environ, "CITEBOT_CORPUS": str(corpus)},
            stdout=out,
            stderr=out,
        )
    try:
        _wait_until_healthy(url, process, log)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def streamlit_server(corpus: Path, log: Path) -> Iterator[str]:
    """Serve the chat as `make run` does, on a free local port over corpus; yield its URL."""
    with served(corpus, log) as (url, _):
        yield url
