"""Hardening of the client (issue 9): the key never leaks and plain http is flagged. Against the
real local server. An ambiguous upload and `wait` through an outage, the I/O half of the same
issue, are in `_async/test_upload_and_wait_faults.py`, written once for both flavours."""

from __future__ import annotations

import logging
import traceback
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from groq_batch import (
    APIConnectionError,
    AsyncGroq,
    AuthenticationError,
    Groq,
    GroqError,
    InsecureTransportWarning,
    Timing,
)
from tests.client_support import API_KEY, Sleeps

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

SECRETS = {
    "x-api-key": "xkey_0123456789abcdef",
    "api-key": "akey_0123456789abcdef",
    "X-Upstream-Token": "utok_0123456789abcdef",
}
COOKIE = "session=cookie_0123456789abcdef"


def fault(server: LocalServer, **rule: object) -> None:
    from groq_batch_server import FaultRule

    server.faults.add(FaultRule(**rule))  # type: ignore[arg-type]


def shown(exc: BaseException) -> str:
    """Everything a user could see of an error: str, repr and the whole chained traceback."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


def client_for(server: LocalServer, **options: object) -> tuple[Groq, Sleeps]:
    options.setdefault("api_key", API_KEY)
    sleeps = Sleeps()
    options.setdefault("timing", Timing(sleep=sleeps))
    client = Groq(base_url=server.base_url, **options)  # type: ignore[arg-type]
    return client, sleeps


# ---------------------------------------------------------------------------------- the key
@pytest.mark.parametrize("raw", [API_KEY + "\n", f"  {API_KEY}\r\n", f"\t{API_KEY} "])
def test_surrounding_whitespace_is_stripped_from_the_argument(
    local_server: LocalServer, raw: str
) -> None:
    client, _ = client_for(local_server, api_key=raw)
    assert client._transport.settings.api_key == API_KEY
    assert client.files.list().data == []


def test_surrounding_whitespace_is_stripped_from_the_environment(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_API_KEY", API_KEY + "\n")
    client = Groq(base_url=local_server.base_url)
    assert client._transport.settings.api_key == API_KEY
    assert client.files.list().data == []


@pytest.mark.parametrize("bad", [API_KEY[:10] + "\n" + API_KEY[10:], API_KEY[:5] + "\x00x"])
def test_a_key_with_a_control_character_inside_is_refused_without_showing_it(bad: str) -> None:
    with pytest.raises(GroqError) as info:
        Groq(api_key=bad, base_url="https://api.groq.test")
    assert "header" in str(info.value)
    for part in (bad, bad.split("\n")[0], API_KEY[5:15]):
        assert part not in shown(info.value)


@pytest.mark.parametrize("flavour", ["trailing", "plain"])
def test_an_illegal_header_value_never_shows_in_the_error(
    local_server: LocalServer, flavour: str
) -> None:
    # A caller's own header with a newline inside: httpx refuses it, quoting the value.
    key = API_KEY + "\n" if flavour == "trailing" else API_KEY
    secret = "tok_0123456789abcdef"
    client, sleeps = client_for(
        local_server, api_key=key, default_headers={"x-api-key": f"{secret}\nInjected: 1"}
    )
    with pytest.raises(APIConnectionError) as info:
        client.files.list()
    text = shown(info.value)
    assert secret not in text
    assert API_KEY not in text
    assert "x-api-key header" in str(info.value)
    assert sleeps == []  # refused locally: retrying cannot help


def test_no_secret_header_reaches_a_debug_log(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("groq_batch", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    client, _ = client_for(
        local_server, api_key=API_KEY + "\n", default_headers={**SECRETS, "Cookie": COOKIE}
    )
    client.files.list()
    fault(local_server, kind="status", status=503, times=1, method="GET", path=r"/files$")
    client.files.list()
    with pytest.raises(APIConnectionError):
        client.files.list(extra_headers={"x-api-key": SECRETS["x-api-key"] + "\n"})
    assert "HTTP request" in caplog.text  # the client's own DEBUG lines were captured
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    for secret in (API_KEY, *SECRETS.values(), COOKIE, "cookie_0123456789abcdef"):
        assert secret not in caplog.text, secret


@pytest.mark.parametrize("key", [API_KEY, API_KEY + "\n"])
def test_an_auth_failure_never_shows_the_key(
    make_local_server: Callable[..., LocalServer], key: str
) -> None:
    server = make_local_server(api_key="gsk_the_server_wants_another_key")
    client, _ = client_for(server, api_key=key)
    with pytest.raises(AuthenticationError) as info:
        client.batches.retrieve("batch_x")
    assert API_KEY not in shown(info.value)
    assert API_KEY not in repr(info.value.response.request.headers)


# ------------------------------------------------------------------------------- plain http
def test_plain_http_to_another_host_warns_once_per_client() -> None:
    with pytest.warns(InsecureTransportWarning) as record:
        client = Groq(api_key=API_KEY, base_url="http://api.groq.test")
    assert len(record) == 1
    assert "api.groq.test" in str(record[0].message)
    assert API_KEY not in str(record[0].message)
    client.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://[::1]:8000",
        "https://api.groq.test",
        "http://127.5.5.5",
    ],
)
def test_https_and_loopback_do_not_warn(url: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", InsecureTransportWarning)
        Groq(api_key=API_KEY, base_url=url).close()
        AsyncGroq(api_key=API_KEY, base_url=url)


def test_require_https_refuses_plain_http_to_another_host(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(GroqError, match="https is required"):
        Groq(api_key=API_KEY, base_url="http://api.groq.test", require_https=True)
    monkeypatch.setenv("GROQ_BATCH_REQUIRE_HTTPS", "1")
    with pytest.raises(GroqError, match="https is required") as info:
        AsyncGroq(api_key=API_KEY, base_url="http://api.groq.test")
    assert API_KEY not in shown(info.value)
    # Loopback stays allowed: the local server is plain http.
    Groq(api_key=API_KEY, base_url="http://127.0.0.1:1").close()
