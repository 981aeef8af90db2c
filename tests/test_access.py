"""Who may change the corpus: the write rule, and the pages as a visitor of a shared server sees them.

A page driven in-process runs as served on the address set here: "0.0.0.0" is a server others can
reach, whatever machine the test runs on, so the rule's input is the address, not the network.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from bot import access, changes
from bot.errors import SettingsError

UI = Path(__file__).resolve().parent.parent / "ui"
KEY = "correct-horse-battery-staple"
NEW_DOCUMENT = b"# Rhubarb compost\n\nRhubarb leaves take about six months to compost fully [1].\n"


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("", False),
        (None, False),
        ("192.168.1.20", False),
        ("example.org", False),
        ("unix:///run/citebot.sock", False),
    ],
)
def test_only_loopback_addresses_count_as_this_machine_only(address, loopback):
    assert access.is_loopback(address) is loopback


def test_on_loopback_writes_are_open_without_a_key():
    rule = access.decide("localhost", {})
    assert rule.writes is access.Writes.OPEN


def test_beyond_loopback_writes_need_a_key_and_are_off_without_one():
    assert access.decide("0.0.0.0", {}).writes is access.Writes.OFF
    assert "no access key is set" in access.decide("0.0.0.0", {}).reason
    rule = access.decide("0.0.0.0", {"CITEBOT_ADMIN_KEY": KEY})
    assert rule.writes is access.Writes.KEY
    assert rule.holder(KEY) == access.DEFAULT_KEY_NAME
    assert rule.holder(KEY + "x") is None and rule.holder("") is None
    assert KEY not in repr(rule)  # only digests are kept


def test_named_keys_from_the_variable_and_the_secrets_say_who_made_a_change():
    environ = {"CITEBOT_ADMIN_KEY": f"ana={KEY}, ben={KEY[::-1]}"}
    rule = access.decide("10.0.0.5", environ, {"carla": "another-long-secret-key"})
    assert [rule.holder(k) for k in (KEY, KEY[::-1], "another-long-secret-key")] == ["ana", "ben", "carla"]


def test_read_only_turns_writes_off_even_on_loopback_and_with_a_key():
    rule = access.decide("localhost", {"CITEBOT_READ_ONLY": "1", "CITEBOT_ADMIN_KEY": KEY})
    assert rule.writes is access.Writes.OFF and rule.holder(KEY) is None


def test_require_key_treats_loopback_as_reached_by_others_behind_a_proxy():
    rule = access.decide("127.0.0.1", {"CITEBOT_REQUIRE_KEY": "yes", "CITEBOT_ADMIN_KEY": KEY})
    assert rule.writes is access.Writes.KEY


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("short", "at least 16 characters"),
        (f"={KEY}", "name is empty"),
        (f"ana={KEY}, ana={KEY[::-1]}", "two keys have this name"),
    ],
)
def test_badly_written_keys_are_refused_with_the_reason(text, message):
    with pytest.raises(SettingsError, match=message):
        access.parse_keys(text)


# --- the pages ----------------------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "baclofen.md").write_text(
        "# Baclofen\n\nBaclofen reduces spasticity [1].\n\n## References\n\n1. Label. 2019.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def shared_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serve as on 0.0.0.0: others can reach the server."""
    config.set_option("server.address", "0.0.0.0")


def _documents_page(monkeypatch: pytest.MonkeyPatch, corpus: Path) -> AppTest:
    monkeypatch.setenv("CITEBOT_CORPUS", str(corpus))
    at = AppTest.from_file(str(UI / "app.py"), default_timeout=30).run()
    at.switch_page("pages/1_Documents.py").run()
    assert not at.exception
    return at


def _infos(at: AppTest) -> list[str]:
    return [element.value for element in at.info]


def _uploaded(corpus: Path) -> list[str]:
    folder = corpus / changes.UPLOADS_FOLDER
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _upload(at: AppTest, name: str = "rhubarb.md") -> AppTest:
    at.file_uploader[0].set_value((name, NEW_DOCUMENT, "text/markdown"))
    next(b for b in at.button if b.label == "Add to the corpus").click()
    at.run()
    assert not at.exception
    return at


def test_a_shared_server_without_a_key_offers_no_upload(monkeypatch, corpus, shared_server):
    at = _documents_page(monkeypatch, corpus)
    assert len(at.file_uploader) == 0
    assert any(
        "To add documents: not possible here" in text and "no access key" in text for text in _infos(at)
    )
    assert _uploaded(corpus) == []


def test_a_shared_server_with_a_key_refuses_a_wrong_key_and_accepts_the_right_one(
    monkeypatch, corpus, shared_server
):
    monkeypatch.setenv("CITEBOT_ADMIN_KEY", f"ana={KEY}")
    at = _documents_page(monkeypatch, corpus)
    assert len(at.file_uploader) == 0
    assert any("To add documents, sign in" in text for text in _infos(at))
    at.text_input(key="access-key-add documents").set_value("not-the-key-at-all-123")
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert "not an access key" in at.error[0].value
    assert len(at.file_uploader) == 0

    at.text_input(key="access-key-add documents").set_value(KEY)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert len(at.file_uploader) == 1
    _upload(at)
    assert _uploaded(corpus) == ["rhubarb.md"]
    ((change, _),) = changes.recent_changes(corpus, 10)
    assert (change.action, change.who, change.path) == ("added", "ana", "uploads/rhubarb.md")


def test_sign_in_pauses_after_repeated_wrong_keys(monkeypatch, corpus, shared_server):
    monkeypatch.setenv("CITEBOT_ADMIN_KEY", KEY)
    at = _documents_page(monkeypatch, corpus)
    for attempt in range(6):
        at.text_input(key="access-key-add documents").set_value(f"wrong-key-number-{attempt:02}")
        next(b for b in at.button if b.label == "Sign in").click()
        at.run()
    assert "Too many wrong keys" in at.error[0].value
    at.text_input(key="access-key-add documents").set_value(KEY)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    assert len(at.file_uploader) == 0  # even the right key waits out the pause


def test_read_only_offers_no_upload_even_on_loopback(monkeypatch, corpus):
    monkeypatch.setenv("CITEBOT_READ_ONLY", "1")
    at = _documents_page(monkeypatch, corpus)
    assert len(at.file_uploader) == 0
    assert any("read-only" in text for text in _infos(at))


def test_on_loopback_the_upload_is_open_and_logged_as_the_local_user(monkeypatch, corpus):
    _upload(_documents_page(monkeypatch, corpus))
    assert _uploaded(corpus) == ["rhubarb.md"]
    assert changes.recent_changes(corpus, 10)[0][0].who == access.LOCAL_NAME
    log = (corpus / ".citebot" / "changes.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(log[-1])["sha256"] == __import__("hashlib").sha256(NEW_DOCUMENT).hexdigest()


def test_the_evaluate_page_runs_nothing_for_a_visitor_without_the_key(monkeypatch, corpus, shared_server):
    monkeypatch.setenv("CITEBOT_ADMIN_KEY", KEY)
    monkeypatch.setenv("CITEBOT_CORPUS", str(corpus))
    at = AppTest.from_file(str(UI / "app.py"), default_timeout=30).run()
    at.switch_page("pages/2_Evaluate.py").run()
    assert not at.exception
    assert not [b for b in at.button if b.label == "Run"]
    assert any("sign in" in text for text in _infos(at))


def test_a_broken_file_or_fifo_can_be_removed_from_the_documents_page(monkeypatch, corpus):
    import os

    os.mkfifo(corpus / "pipe.md")
    (corpus / "broken.md").write_bytes(b"")
    at = _documents_page(monkeypatch, corpus)
    labels = [b.label for b in at.button]
    assert "Remove pipe\\.md" in labels and "Remove broken\\.md" in labels
    next(b for b in at.button if b.label == "Remove pipe\\.md").click()
    at.run()
    assert not at.exception
    assert not os.path.lexists(corpus / "pipe.md")
    assert at.success[0].value.startswith("Removed pipe\\.md; it is kept as removed")
    ((change, _),) = changes.recent_changes(corpus, 10)
    assert (change.action, change.path, change.who) == ("removed", "pipe.md", access.LOCAL_NAME)


def test_a_visitor_without_the_key_cannot_remove_a_document(monkeypatch, corpus, shared_server):
    monkeypatch.setenv("CITEBOT_ADMIN_KEY", KEY)
    (corpus / "broken.md").write_bytes(b"")
    at = _documents_page(monkeypatch, corpus)
    assert not [b for b in at.button if b.label.startswith("Remove ")]
    assert (corpus / "broken.md").exists()
