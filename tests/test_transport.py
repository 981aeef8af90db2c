"""The served chat's transport, as another site or a rebound host name would meet it: websockets
only from the chat's own origin and host names, writes only with Streamlit's XSRF token, and the
server-side caps and hidden error details `make run` serves with."""

from __future__ import annotations

import asyncio
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import websockets
from browser_support import ROOT, served
from ui_fixtures import write_documents

if str(ROOT) not in sys.path:  # `pytest` alone does not put the project on the path
    sys.path.insert(0, str(ROOT))
from ui import serve  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = write_documents(tmp_path_factory.mktemp("transport") / "corpus")
    with served(folder, folder.parent / "server.log") as (url, _):
        yield url


def _websocket(url: str, headers: dict[str, str]) -> str:
    """Open the chat's websocket with these headers; return "open" or the refusal's status."""

    async def attempt() -> str:
        try:
            async with websockets.connect(
                url.replace("http://", "ws://") + "/_stcore/stream",
                additional_headers=headers,
                subprotocols=["streamlit"],
                open_timeout=10,
            ):
                return "open"
        except websockets.InvalidStatus as refused:
            return str(refused.response.status_code)

    return asyncio.run(attempt())


def test_the_chats_own_origin_opens_the_websocket(server):
    assert _websocket(server, {"Origin": server}) == "open"


def test_a_websocket_from_another_site_is_refused(server):
    assert _websocket(server, {"Origin": "http://evil.example"}) == "403"


def test_a_websocket_under_a_host_name_not_served_is_refused(server):
    # DNS rebinding: the attacker's name resolves to this server, and its page is same-origin.
    port = server.rsplit(":", 1)[1]
    status = _websocket(server, {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"})
    assert status in ("400", "403")


def test_an_upload_without_the_xsrf_token_is_refused(server):
    request = urllib.request.Request(
        server + "/_stcore/upload_file/session/file", data=b"x" * 10, method="PUT"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


async def _upload_sizes(url: str, sizes: list[int]) -> list[str]:
    """Upload files of these sizes as a browser session does; return each answer's status."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

    token = generate_xsrf_token_string(None, None)
    cookie = {"Cookie": f"_streamlit_xsrf={token}"}
    async with websockets.connect(
        url.replace("http://", "ws://") + "/_stcore/stream",
        additional_headers={"Origin": url, **cookie},
        subprotocols=["streamlit", token],
        open_timeout=10,
    ) as websocket:
        start = BackMsg()
        start.rerun_script.query_string = ""
        await websocket.send(start.SerializeToString())
        session = ""
        while not session:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(websocket.recv(), 20))
            if message.WhichOneof("type") == "new_session":
                session = message.new_session.initialize.session_id
        statuses = []
        for size in sizes:
            body = (
                b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.md"\r\n'
                b"Content-Type: text/markdown\r\n\r\n" + b"x" * size + b"\r\n--B--\r\n"
            )
            request = urllib.request.Request(
                f"{url}/_stcore/upload_file/{session}/file-{size}",
                data=body,
                method="PUT",
                headers={"X-Xsrftoken": token, **cookie, "Content-Type": "multipart/form-data; boundary=B"},
            )
            try:
                answer = await asyncio.to_thread(urllib.request.urlopen, request, None, 30)
                statuses.append(str(answer.status))
            except urllib.error.HTTPError as refused:
                statuses.append(str(refused.code))
            except (urllib.error.URLError, ConnectionError):
                statuses.append("refused")  # answered 413 and closed before reading the body
        return statuses


def test_the_server_refuses_an_upload_over_5_mib_whoever_sends_it(server):
    # Streamlit's own default is 200 MB, enforced only by the page.
    small, large = asyncio.run(_upload_sizes(server, [1000, 6 * 2**20]))
    assert small == "204"
    assert large in ("413", "refused")


def test_served_with_server_side_caps_hidden_errors_and_no_developer_menu():
    from streamlit.web import cli

    options = cli.main_run.make_context("run", serve.streamlit_args([])[1:]).params
    assert options["server_maxUploadSize"] == serve.UPLOAD_MIB == 5
    assert options["server_maxMessageSize"] == serve.MESSAGE_MIB
    assert options["server_enableXsrfProtection"] is True
    assert options["client_showErrorDetails"] == "none"
    assert options["client_toolbarMode"] == "minimal"
    assert options["browser_serverAddress"] == "localhost"  # named: no outside lookup at start


def test_beyond_loopback_only_this_machines_names_are_allowed_hosts():
    from streamlit.web import cli

    args = serve.streamlit_args(["--server.address", "0.0.0.0"])
    options = cli.main_run.make_context("run", args[1:]).params
    assert "localhost" in options["server_allowedHosts"]
    assert "evil.example" not in options["server_allowedHosts"]
    named = serve.streamlit_args(["--server.address", "citebot.example.org"])
    assert "citebot.example.org" in cli.main_run.make_context("run", named[1:]).params["server_allowedHosts"]


def test_read_only_and_require_key_switches_set_their_variables():
    environ: dict[str, str] = {}
    rest = serve.take_switches(["--read-only", "--server.port", "8600", "--require-key"], environ)
    assert rest == ["--server.port", "8600"]
    assert environ == {"CITEBOT_READ_ONLY": "1", "CITEBOT_REQUIRE_KEY": "1"}


def test_no_outside_address_is_looked_up(monkeypatch):
    from streamlit import net_util

    monkeypatch.setattr(net_util, "get_external_ip", net_util.get_external_ip)
    serve.no_outside_lookup()
    assert net_util.get_external_ip() is None


def test_a_clear_cache_request_from_a_visitor_clears_only_that_session(monkeypatch):
    from streamlit.runtime import app_session, caching

    monkeypatch.setattr(app_session.AppSession, "_handle_clear_cache_request", None)
    serve.no_shared_cache_clearing()
    cleared: list[str] = []
    monkeypatch.setattr(caching.cache_resource, "clear", lambda: cleared.append("resource"))
    monkeypatch.setattr(caching.cache_data, "clear", lambda: cleared.append("data"))

    class Session:
        def __init__(self) -> None:
            self._session_state = {"signed_in_as": "ana"}

    visitor = Session()
    app_session.AppSession._handle_clear_cache_request(visitor)
    assert cleared == [] and visitor._session_state == {}
