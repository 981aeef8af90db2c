"""The server `make run` starts (`python -m ui.serve`): Streamlit in this process, with the corpus
loaded into the pages' cache in the background, and Ctrl-C stopping it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import ROOT, STARTUP_SECONDS, STOP_SECONDS, served
from streamlit.testing.v1 import AppTest
from ui_fixtures import write_documents

from bot import pipeline, store
from bot.config import Settings

if str(ROOT) not in sys.path:  # `pytest` alone does not put the project on the path
    sys.path.insert(0, str(ROOT))
from ui import serve  # noqa: E402

APP = str(ROOT / "ui" / "app.py")
DOSE = "What is the usual starting dose of baclofen?"


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the corpus loads: each call of `pipeline.load` appends its corpus."""
    done: list[str] = []
    real = pipeline.load

    def counted(*args, **kwargs):
        done.append(str(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "load", counted)
    # As Streamlit does for the pages: their folder is on the path while they run.
    monkeypatch.syspath_prepend(str(serve.UI))
    return done


def test_warm_up_fills_the_cache_the_chat_page_reads(monkeypatch, tmp_path, loads):
    folder = write_documents(tmp_path / "corpus")
    monkeypatch.setenv("CITEBOT_CORPUS", str(folder))
    serve.warm_up()
    assert loads == [str(folder)]
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.chat_input[0].set_value(DOSE).run()
    assert not at.exception
    answer = [m for m in at.chat_message if m.name == "assistant"][0].get("html")[0].value
    assert "The usual starting dose of baclofen is 5 mg three times a day" in answer
    assert loads == [str(folder)]  # the page answered from what the warm-up loaded


def test_warm_up_of_a_missing_corpus_leaves_it_to_the_page_to_say_why(monkeypatch, tmp_path, loads):
    monkeypatch.setenv("CITEBOT_CORPUS", str(tmp_path / "nowhere"))
    serve.warm_up()  # raises nothing
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert "no such corpus folder or file" in at.error[0].value


def test_streamlit_reads_the_defaults_and_options_given_override_them():
    from streamlit.web import cli

    args = serve.streamlit_args(["--server.port", "8600", "--server.fileWatcherType", "auto"])
    assert args[:2] == ["run", str(serve.APP)]
    options = cli.main_run.make_context("run", args[1:]).params
    assert options["target"] == str(serve.APP)
    assert options["server_port"] == 8600
    assert options["server_fileWatcherType"] == "auto"
    assert options["server_headless"] is True
    assert options["browser_gatherUsageStats"] is False


def test_server_loads_the_corpus_before_any_browser_connects(tmp_path):
    folder = write_documents(tmp_path / "corpus")
    index = store.cache_file(store.default_cache_dir(folder), Settings())
    assert not index.exists()
    with served(folder, tmp_path / "server.log"):
        deadline = time.monotonic() + STARTUP_SECONDS
        while not index.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        # Nothing but the warm-up has asked for the corpus: no page has run.
        assert index.exists(), (tmp_path / "server.log").read_text()
    log = (tmp_path / "server.log").read_text()
    assert "Traceback" not in log
    assert "missing ScriptRunContext" not in log


def test_ctrl_c_stops_the_server_cleanly_even_while_it_loads(tmp_path: Path):
    folder = write_documents(tmp_path / "corpus")
    log = tmp_path / "server.log"
    with served(folder, log) as (url, process):
        # Right after the server answers, the warm-up is still importing the bot.
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the server did not stop on Ctrl-C:\n{log.read_text()}")
        assert code == 0, log.read_text()
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
    assert "Traceback" not in log.read_text()
