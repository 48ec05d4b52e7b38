"""Constructing, copying and closing a client as the SDK does; its exports."""

from __future__ import annotations

import inspect
from typing import Any, cast

import httpx
import pytest

import groq_batch
from groq_batch import DefaultAsyncHttpxClient, DefaultHttpxClient, Groq, GroqError
from tests.client_support import API_KEY, BASE_URL, batch, make_client


def test_sdk_names_are_exported() -> None:
    for name in (
        "DefaultHttpxClient",
        "DefaultAsyncHttpxClient",
        "DefaultAioHttpClient",
        "file_from_path",
        "Omit",
        "omit",
        "not_given",
        "Timeout",
        "APIResponse",
        "AsyncAPIResponse",
    ):
        assert getattr(groq_batch, name) is not None, name
    assert groq_batch.not_given is groq_batch.NOT_GIVEN
    assert groq_batch.Timeout is httpx.Timeout
    import groq_batch.types as types

    for name in (
        "BatchCreateParams",
        "BatchCreateResponse",
        "BatchRetrieveResponse",
        "BatchListResponse",
        "BatchCancelResponse",
        "FileCreateParams",
        "FileCreateResponse",
        "FileInfoResponse",
        "FileListResponse",
        "FileDeleteResponse",
    ):
        assert hasattr(types, name), name


def test_default_http_clients_follow_redirects_with_the_sdk_timeout() -> None:
    sync = DefaultHttpxClient()
    assert sync.follow_redirects
    assert sync.timeout == groq_batch.DEFAULT_TIMEOUT
    assert DefaultAsyncHttpxClient(timeout=3.0).timeout == httpx.Timeout(3.0)
    sync.close()


def test_file_from_path_gives_name_and_bytes(tmp_path: Any) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"{}\n")
    assert groq_batch.file_from_path(path) == ("in.jsonl", b"{}\n")


def test_a_key_with_a_space_is_sent_but_a_control_character_is_refused() -> None:
    client, _ = make_client(lambda r: httpx.Response(200, json=batch()), api_key="gsk a b")
    assert client.api_key == "gsk a b"
    with pytest.raises(GroqError, match="control character"):
        Groq(api_key="gsk\x01key", base_url=BASE_URL)


def test_base_url_keeps_a_trailing_slash_and_can_be_set() -> None:
    client = Groq(api_key=API_KEY, base_url="https://example.com/custom")
    assert client.base_url == "https://example.com/custom/"
    client.base_url = "https://other.example/path"
    assert client.base_url == "https://other.example/path/"
    sent: list[httpx.Request] = []
    client2, _ = make_client(lambda r: _record(sent, r))
    client2.base_url = "https://moved.example"
    client2.batches.retrieve("batch_1")
    assert str(sent[0].url) == "https://moved.example/openai/v1/batches/batch_1"


def test_max_retries_none_is_a_type_error_and_a_wrong_pool_is_named() -> None:
    with pytest.raises(TypeError, match="max_retries cannot be None"):
        Groq(api_key=API_KEY, max_retries=cast(Any, None))
    with pytest.raises(TypeError, match="Invalid `http_client` arg"):
        Groq(api_key=API_KEY, http_client=cast(Any, httpx.AsyncClient()))


def test_copy_takes_every_constructor_option() -> None:
    client = Groq(api_key=API_KEY)
    init = inspect.signature(Groq.__init__).parameters
    copy = inspect.signature(client.copy).parameters
    missing = [
        name
        for name in init
        if name not in copy and name not in {"self", "_strict_response_validation"}
    ]
    assert missing == []


def test_copy_merges_or_replaces_headers_and_query() -> None:
    client = Groq(api_key=API_KEY, default_headers={"X-A": "1"}, default_query={"q": "1"})
    assert client.default_headers["X-A"] == "1"
    assert client.default_headers["X-Stainless-Lang"] == "python"
    assert "Authorization" not in client.default_headers
    merged = client.copy(default_headers={"X-B": "2"}, default_query={"r": "2"})
    assert (merged.default_headers["X-A"], merged.default_headers["X-B"]) == ("1", "2")
    assert merged.default_query == {"q": "1", "r": "2"}
    replaced = client.copy(set_default_headers={}, set_default_query={})
    assert "X-A" not in replaced.default_headers
    assert replaced.default_query == {}
    with pytest.raises(ValueError, match="mutually exclusive"):
        client.copy(default_headers={}, set_default_headers={})
    assert client.copy(max_retries=7).max_retries == 7
    assert client.copy(timeout=None).timeout is None
    assert client.max_retries == 2


def test_default_query_and_headers_are_sent() -> None:
    sent: list[httpx.Request] = []
    client, _ = make_client(
        lambda r: _record(sent, r),
        default_query={"tenant": "a"},
        default_headers={"X-Stainless-Lang": "mine"},
    )
    client.batches.retrieve("batch_1")
    assert sent[0].url.params["tenant"] == "a"
    assert sent[0].headers["X-Stainless-Lang"] == "mine"


def test_closing_closes_the_pool_a_copy_shares_it() -> None:
    pool = httpx.Client()
    client = Groq(api_key=API_KEY, http_client=pool)
    copy = client.copy(max_retries=0)
    assert copy._http_client is pool
    del copy
    assert not client.is_closed()
    with client:
        pass
    assert client.is_closed()
    assert pool.is_closed


def _record(sent: list[httpx.Request], request: httpx.Request) -> httpx.Response:
    sent.append(request)
    return httpx.Response(200, json=batch())


def test_omit_removes_a_default_header() -> None:
    sent: list[httpx.Request] = []
    client, _ = make_client(lambda r: _record(sent, r))
    client.batches.retrieve("batch_1", extra_headers={"X-Stainless-Lang": groq_batch.omit})
    assert "X-Stainless-Lang" not in sent[0].headers
    assert sent[0].headers["X-Stainless-Retry-Count"] == "0"


def test_the_aiohttp_client_needs_its_extra() -> None:
    import importlib.util

    if importlib.util.find_spec("httpx_aiohttp") is None:
        with pytest.raises(RuntimeError, match="aiohttp"):
            groq_batch.DefaultAioHttpClient()
    else:
        assert issubclass(groq_batch.DefaultAioHttpClient, httpx.AsyncClient)
