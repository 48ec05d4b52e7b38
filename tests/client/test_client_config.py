"""Client construction, options, per-call options and closing."""

from __future__ import annotations

import httpx
import pytest

from groq_batch import DEFAULT_TIMEOUT, AsyncGroq, Groq, GroqError
from tests.client_support import API_KEY, FILE, batch, body_of, make_async_client, make_client


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    monkeypatch.delenv("GROQ_BASE_URL", raising=False)


def test_missing_key_names_the_argument_and_the_variable() -> None:
    for cls in (Groq, AsyncGroq):
        with pytest.raises(GroqError) as info:
            cls()
        assert "api_key" in str(info.value)
        assert "GROQ_API_KEY" in str(info.value)


def test_key_and_base_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "gsk_from_env")
    monkeypatch.setenv("GROQ_BASE_URL", "http://127.0.0.1:9/")
    client = Groq()
    assert client.base_url == "http://127.0.0.1:9/"  # the SDK shows a trailing slash
    assert client._transport.settings.api_key == "gsk_from_env"
    assert Groq(api_key="gsk_arg", base_url="https://x").base_url == "https://x/"


def test_defaults() -> None:
    client = Groq(api_key=API_KEY)
    assert client.base_url == "https://api.groq.com/"
    assert client.timeout == DEFAULT_TIMEOUT == httpx.Timeout(60, connect=5)
    assert client.max_retries == 2
    client.close()


def test_openai_style_base_url_is_accepted() -> None:
    assert Groq(api_key=API_KEY, base_url="https://api.groq.com/openai/v1/").base_url == (
        "https://api.groq.com/"
    )


def test_bad_max_retries_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        Groq(api_key=API_KEY, max_retries=-1)


def test_wrong_http_client_flavour_is_rejected() -> None:
    with pytest.raises(TypeError):
        Groq(api_key=API_KEY, http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        AsyncGroq(api_key=API_KEY, http_client=httpx.Client())  # type: ignore[arg-type]


def test_headers_sent_with_every_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"object": "list", "data": []})

    client, _ = make_client(handler, default_headers={"X-Team": "research"})
    client.files.list()
    headers = seen[0].headers
    assert headers["authorization"] == f"Bearer {API_KEY}"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("groq-batch/")
    assert headers["x-team"] == "research"
    assert str(seen[0].url) == "https://api.groq.test/openai/v1/files"


def test_timeouts_reach_each_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=FILE)

    client, _ = make_client(handler, timeout=httpx.Timeout(20, connect=2))
    client.files.info("f")
    client.files.info("f", timeout=3.5)
    client.with_options(timeout=9).files.info("f")
    client.files.info("f", timeout=None)
    timeouts = [r.extensions["timeout"] for r in seen]
    assert timeouts[0] == {"connect": 2, "read": 20, "write": 20, "pool": 20}
    assert timeouts[1] == {"connect": 3.5, "read": 3.5, "write": 3.5, "pool": 3.5}
    assert timeouts[2]["read"] == 9
    assert timeouts[3] == {"connect": None, "read": None, "write": None, "pool": None}


def test_a_callers_http_client_timeout_is_kept_unless_overridden() -> None:
    own = httpx.Client(timeout=httpx.Timeout(33))
    assert Groq(api_key=API_KEY, http_client=own).timeout == httpx.Timeout(33)
    assert Groq(api_key=API_KEY, http_client=httpx.Client()).timeout == DEFAULT_TIMEOUT


def test_extra_headers_query_and_body_on_every_method() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path.endswith("/content"):
            return httpx.Response(200, content=b"x\n")
        if path == "/openai/v1/files" and request.method == "GET":
            return httpx.Response(200, json={"object": "list", "data": []})
        if path == "/openai/v1/batches" and request.method == "GET":
            return httpx.Response(200, json={"object": "list", "data": [], "has_more": False})
        if request.method == "DELETE":
            return httpx.Response(200, json={"id": "f", "object": "file", "deleted": True})
        if path.startswith("/openai/v1/files"):
            return httpx.Response(200, json=FILE)
        return httpx.Response(200, json=batch())

    client, _ = make_client(handler)
    extra = {
        "extra_headers": {"X-Trace": "t1"},
        "extra_query": {"debug": "1"},
        "extra_body": {"note": "n"},
    }
    client.batches.create(
        input_file_id="f", endpoint="/v1/chat/completions", completion_window="24h", **extra
    )
    client.batches.retrieve("b", **extra)
    client.batches.list(limit=3, **extra)
    client.batches.cancel("b", **extra)
    client.files.create(file=b"{}\n", **extra)
    client.files.list(**extra)
    client.files.info("f", **extra)
    client.files.delete("f", **extra)
    client.files.content("f", **extra).read()
    assert len(seen) == 9
    for request in seen:
        assert request.headers["x-trace"] == "t1"
        assert request.url.params["debug"] == "1"
    assert body_of(seen[0])["note"] == "n"
    assert body_of(seen[0])["input_file_id"] == "f"
    assert b'name="note"' in seen[4].content  # an extra form field on the upload
    assert seen[2].url.params["limit"] == "3"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.batches.retrieve(""),
        lambda c: c.batches.cancel(""),
        lambda c: c.batches.create(
            input_file_id="", endpoint="/v1/chat/completions", completion_window="24h"
        ),
        lambda c: c.files.info(""),
        lambda c: c.files.delete(""),
        lambda c: c.files.content(""),
        lambda c: c.files.create(file=b"{}", purpose="fine-tune"),
    ],
)
def test_bad_arguments_are_rejected_before_any_io(call: object) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    client, _ = make_client(handler)
    with pytest.raises(ValueError, match=r"non-empty|purpose"):
        call(client)  # type: ignore[operator]


def test_context_manager_closes_its_pool_a_callers_too_as_the_sdk_does() -> None:
    with Groq(api_key=API_KEY) as client:
        pool = client._http_client
    assert pool.is_closed
    own = httpx.Client()
    with Groq(api_key=API_KEY, http_client=own) as client:
        copy = client.with_options(max_retries=5)
        del copy  # a copy shares the pool; dropping it leaves the pool open
        assert not own.is_closed
        assert not client.is_closed()
    assert own.is_closed
    assert client.is_closed()


def test_with_options_returns_an_independent_copy() -> None:
    client = Groq(api_key=API_KEY, max_retries=1, default_headers={"A": "1"})
    copy = client.with_options(max_retries=7, default_headers={"B": "2"}, idempotent_creates=False)
    assert (client.max_retries, copy.max_retries) == (1, 7)
    assert copy._transport.settings.default_headers == {"A": "1", "B": "2"}
    assert copy._http_client is client._http_client
    assert client.idempotent_creates
    assert not copy.idempotent_creates
    assert copy.timeout == client.timeout


def test_repr_shows_settings_but_never_the_key() -> None:
    client = Groq(api_key=API_KEY, base_url="https://x")
    text = repr(client) + str(client) + repr(client.with_options(timeout=3))
    assert "https://x" in text
    assert "max_retries=2" in text
    assert API_KEY not in text


@pytest.mark.anyio
async def test_async_client_lifecycle_and_options() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=FILE)

    client, _ = make_async_client(handler)
    copy = client.with_options(max_retries=0)
    assert copy.max_retries == 0
    async with client:
        assert (await copy.files.info("f", timeout=1)).id == FILE["id"]
    own_pool = AsyncGroq(api_key=API_KEY)
    await own_pool.close()
    assert own_pool._http_client.is_closed
    assert API_KEY not in repr(client)
