"""The one home of the transport: auth, timeouts, retries, error mapping, option merging, logging.

Request building, option merging and every retry decision are plain functions or methods of
`_TransportBase`, shared by both flavours. The send loop itself is written once, async, in
`_async/transport.py`; `_sync/transport.py` is generated from it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import random
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, Final, Generic, TypeVar

import httpx

from groq_batch._errors import APIConnectionError, APITimeoutError, InvalidValueError
from groq_batch._retry import Action, decide_exception, decide_response, retry_delay
from groq_batch._types import Body, Headers, NotGiven, Query, TimeoutTypes
from groq_batch.providers import Provider, get_provider

__all__ = [
    "APIResponse",
    "RequestOptions",
    "Settings",
    "build_options",
    "capture_responses",
    "record_response",
    "redact_headers",
    "require_id",
]

_T = TypeVar("_T")

GENERATED_PREFIX: Final = "/openai/v1"
"""The prefix every operation path of the generated client starts with."""

log: Final = logging.getLogger("groq_batch")

_REDACTED: Final = "<redacted>"
# What HTTP/1.1 forbids in a field value (RFC 9110 5.5): control characters other than tab.
_ILLEGAL_IN_HEADER: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Header names whose values are secrets; compared lower-case.
_SENSITIVE_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie", "set-cookie"}
)
# A caller's own header whose name says it carries a credential is redacted too.
_SENSITIVE_WORDS: Final = ("key", "token", "secret", "auth", "cookie", "session", "password")


def _is_sensitive(name: str) -> bool:
    lower = name.lower()
    return lower in _SENSITIVE_HEADERS or any(word in lower for word in _SENSITIVE_WORDS)


def _user_agent() -> str:
    from groq_batch import __version__

    py = sys.version_info
    return f"groq-batch/{__version__} Python/{py.major}.{py.minor}.{py.micro}"


@dataclasses.dataclass(frozen=True)
class Settings:
    """A client's resolved configuration. `repr()` never shows the key."""

    api_key: str = dataclasses.field(repr=False)
    base_url: str
    timeout: TimeoutTypes
    max_retries: int
    default_headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    require_https: bool = False
    prefix: str = GENERATED_PREFIX
    provider: Provider = dataclasses.field(default_factory=get_provider)

    def url(self, path: str) -> str:
        """The full URL of a generated operation path, under this provider's prefix.

        The generated client's paths are Groq's (`/openai/v1/...`); this is the one place they
        are mapped to the provider's prefix (`/v1/...` at OpenAI and its gateways).
        """
        if path.startswith(GENERATED_PREFIX + "/"):
            path = self.prefix + path[len(GENERATED_PREFIX) :]
        return self.base_url.rstrip("/") + path

    def headers(self) -> dict[str, str]:
        """The headers every request starts from: auth, accept, user agent, then the defaults."""
        return {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": _user_agent(),
            **self.default_headers,
        }


@dataclasses.dataclass(frozen=True)
class RequestOptions:
    """One logical request: what the generated builder returned, merged with per-call options.

    Attributes:
        method: The HTTP method.
        path: The path from the generated builder, already quoted (`/openai/v1/...`).
        params: Query parameters.
        headers: Request-specific headers (over the client's).
        json: A JSON body, or None.
        files: Multipart parts, or None.
        data: Extra multipart form fields.
        timeout: The per-call timeout, or `NOT_GIVEN` for the client's.
        idempotent: Whether a retry after an ambiguous failure is safe.
        stream: Whether to leave the body unread for the caller to stream.
        rewind: Called before each retry to reset a streamed body; returns False if it cannot.
        recover_after_exception: Whether a transport failure after the request may have arrived
            goes through the caller's recovery hook (else it is raised, not sent again).
        resend_statuses: Error statuses that mean the server did not take the request, so it
            is sent again without asking the recovery hook first.
    """

    method: str
    path: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    json: Any = None
    files: Any = None
    data: Mapping[str, Any] | None = None
    timeout: TimeoutTypes | NotGiven = dataclasses.field(default_factory=NotGiven)
    idempotent: bool = True
    stream: bool = False
    rewind: Callable[[], bool] | None = None
    recover_after_exception: bool = True
    resend_statuses: frozenset[int] = frozenset()


class APIResponse(Generic[_T]):
    """A response as received, with the parsed result one call away (`with_raw_response`).

    `client.batches.with_raw_response.retrieve(batch_id)` returns one of these, as the official
    SDK does: read `.headers` (rate limits, request id) and `.status_code`, then `.parse()`.

    Attributes:
        http_response: The underlying `httpx.Response` (the last one, after any retries).
    """

    def __init__(self, http_response: httpx.Response, parsed: _T) -> None:
        self.http_response = http_response
        self._parsed = parsed

    @property
    def headers(self) -> httpx.Headers:
        """The response's headers."""
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        """The response's HTTP status."""
        return self.http_response.status_code

    def parse(self) -> _T:
        """The result the method would have returned without `with_raw_response`.

        Returns:
            The parsed result.
        """
        return self._parsed

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] {self.http_response.request.url}>"


_captured: ContextVar[list[httpx.Response] | None] = ContextVar("groq_batch_raw", default=None)


def record_response(response: httpx.Response) -> None:
    """Keep a successful response for `with_raw_response`, if a capture is active."""
    sink = _captured.get()
    if sink is not None:
        sink.append(response)


@contextlib.contextmanager
def capture_responses() -> Iterator[list[httpx.Response]]:
    """Collect the successful responses of the calls made inside the block (this task only).

    Yields:
        The list the responses are appended to, in order.
    """
    sink: list[httpx.Response] = []
    token = _captured.set(sink)
    try:
        yield sink
    finally:
        _captured.reset(token)


def build_options(
    kwargs: Mapping[str, Any],
    *,
    extra_headers: Headers | None = None,
    extra_query: Query | None = None,
    extra_body: Body | None = None,
    timeout: TimeoutTypes | NotGiven,
    idempotent: bool,
    stream: bool = False,
    rewind: Callable[[], bool] | None = None,
) -> RequestOptions:
    """Merge a generated `_get_kwargs(...)` result with the per-call options.

    Extra headers and query parameters override the built ones. `extra_body` is merged over a JSON
    body, sent as extra form fields of an upload, or sent as a JSON body when there is none.

    Args:
        kwargs: What the generated operation's `_get_kwargs` returned.
        extra_headers: Headers to add or override.
        extra_query: Query parameters to add or override.
        extra_body: Body fields to add or override.
        timeout: The per-call timeout, or `NOT_GIVEN`.
        idempotent: Whether the request may be retried after an ambiguous failure.
        stream: Whether the caller streams the body.
        rewind: A hook that rewinds a streamed upload before a retry.

    Returns:
        The merged options.
    """
    headers = {str(k): str(v) for k, v in kwargs.get("headers", {}).items()}
    headers.update(extra_headers or {})
    params = dict(kwargs.get("params", {}))
    params.update(extra_query or {})
    body: Any = kwargs.get("json")
    files = kwargs.get("files")
    data: dict[str, Any] | None = None
    if extra_body:
        if files is not None:
            data = {k: str(v) for k, v in extra_body.items()}
        elif isinstance(body, Mapping):
            body = {**body, **extra_body}
        else:
            body = dict(extra_body)
            headers.setdefault("Content-Type", "application/json")
    return RequestOptions(
        method=str(kwargs["method"]).upper(),
        path=str(kwargs["url"]),
        params=params,
        headers=headers,
        json=body,
        files=files,
        data=data,
        timeout=timeout,
        idempotent=idempotent,
        stream=stream,
        rewind=rewind,
    )


def require_id(value: str, name: str) -> str:
    """Reject an empty path id before any I/O (an empty id would address the collection).

    Args:
        value: The id.
        name: The parameter's name, for the message.

    Returns:
        The id.

    Raises:
        ValueError: If the id is empty or not a string.
    """
    if not isinstance(value, str) or not value:
        raise InvalidValueError(f"Expected a non-empty value for `{name}` but received {value!r}")
    return value


def redact_headers(headers: Mapping[str, str] | httpx.Headers) -> dict[str, str]:
    """Copy headers with every secret value replaced, for logs and reprs.

    Secret: the known auth and cookie headers, and any header whose name has `key`, `token`,
    `secret`, `auth`, `cookie`, `session` or `password` in it.

    Args:
        headers: Request or response headers.

    Returns:
        A plain dict, with `Authorization` shown as `Bearer <redacted>` and other secrets as
        `<redacted>`.
    """
    items = headers.multi_items() if isinstance(headers, httpx.Headers) else headers.items()
    return {k: (_redact(v) if _is_sensitive(k) else v) for k, v in items}


def _redact(value: str) -> str:
    # Keep the scheme ("Bearer <redacted>"): it helps debugging and is no secret.
    scheme, _, secret = value.partition(" ")
    return f"{scheme} {_REDACTED}" if secret and scheme.isalpha() else _REDACTED


def scrub(text: str, headers: Mapping[str, str] | httpx.Headers) -> str:
    """Replace every header value of a request that appears in `text`, however it is quoted.

    httpx and h11 put a refused header's value in their messages (`Illegal header value
    b'Bearer gsk_...'`, escaped as bytes). Every value is scrubbed, not only the known secret
    headers: a caller's own header may carry a token too.

    Args:
        text: An exception's message.
        headers: The request's headers.

    Returns:
        The text with each value (raw, as bytes repr, and its part after an auth scheme) redacted.
    """
    items = headers.multi_items() if isinstance(headers, httpx.Headers) else headers.items()
    forms: set[str] = set()
    for _, value in items:
        for part in (value, value.partition(" ")[2]):
            part = part.strip()
            # Short values ("gzip", "1") would scrub ordinary words and carry no secret.
            if len(part) >= 8:
                forms.update({part, repr(part.encode("utf-8", "replace"))[2:-1], repr(part)[1:-1]})
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, _REDACTED)
    return text


def map_transport_error(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """Turn an httpx transport failure into `APITimeoutError` or `APIConnectionError`.

    The message never carries a header value (see `scrub`); raise it `from safe_cause(...)`.
    """
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(request)
    if isinstance(exc, httpx.LocalProtocolError):
        # httpx refused to send the request at all: not a connection problem, and its message
        # quotes the offending header value.
        return APIConnectionError(
            request,
            message=(
                "The request was refused before it was sent: a header value has a character "
                "HTTP does not allow (a control character such as a newline?). Values are not "
                f"shown. ({type(exc).__name__})"
            ),
        )
    detail = scrub(str(exc), request.headers)
    return APIConnectionError(request, message=f"Connection error: {type(exc).__name__}: {detail}")


def safe_cause(exc: BaseException, request: httpx.Request) -> BaseException | None:
    """The exception to chain as the cause, or None when its text would show a header value."""
    if isinstance(exc, httpx.LocalProtocolError) or scrub(str(exc), request.headers) != str(exc):
        return None
    return exc


class _TransportBase:
    """What both send loops share: building requests and deciding what follows a failure."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.jitter = jitter

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.settings!r})"

    def _build(
        self, client: httpx.Client | httpx.AsyncClient, opts: RequestOptions
    ) -> httpx.Request:
        headers = {**self.settings.headers(), **opts.headers}
        timeout = self.settings.timeout if isinstance(opts.timeout, NotGiven) else opts.timeout
        request = client.build_request(
            opts.method,
            self.settings.url(opts.path),
            params=opts.params or None,
            headers=headers,
            json=opts.json,
            files=opts.files,
            data=opts.data,
            timeout=timeout,
        )
        for name, value in request.headers.items():
            if _ILLEGAL_IN_HEADER.search(value):
                # Refused here, before httpx, h11 or httpcore's DEBUG trace can quote the value.
                raise APIConnectionError(
                    request,
                    message=(
                        f"The request was refused before it was sent: the {name} header's value "
                        "has a control character (a newline?), which HTTP does not allow. The "
                        "value is not shown."
                    ),
                )
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "HTTP request: %s %s headers=%s",
                request.method,
                request.url,
                redact_headers(request.headers),
            )
        return request

    def _after_exception(
        self,
        exc: httpx.TransportError,
        opts: RequestOptions,
        retries_taken: int,
        can_recover: bool,
    ) -> tuple[Action, float]:
        action = decide_exception(
            exc,
            idempotent=opts.idempotent,
            can_recover=can_recover and opts.recover_after_exception,
            retries_taken=retries_taken,
            max_retries=self.settings.max_retries,
        )
        return self._confirm(action, opts, retries_taken, None, f"{type(exc).__name__}")

    def _after_status(
        self,
        response: httpx.Response,
        opts: RequestOptions,
        retries_taken: int,
        can_recover: bool,
    ) -> tuple[Action, float]:
        action = decide_response(
            response.status_code,
            response.headers,
            can_recover=can_recover,
            retries_taken=retries_taken,
            max_retries=self.settings.max_retries,
            now=self.clock(),
        )
        if action is Action.RECOVER and response.status_code in opts.resend_statuses:
            action = Action.RETRY
        return self._confirm(
            action, opts, retries_taken, response.headers, f"status {response.status_code}"
        )

    def _confirm(
        self,
        action: Action,
        opts: RequestOptions,
        retries_taken: int,
        headers: httpx.Headers | None,
        why: str,
    ) -> tuple[Action, float]:
        # A body that cannot be rewound (a pipe, a consumed generator) cannot be sent twice.
        if action is not Action.RAISE and opts.rewind is not None and not opts.rewind():
            action = Action.RAISE
        if action is Action.RAISE:
            return action, 0.0
        delay = retry_delay(retries_taken, headers, now=self.clock(), jitter=self.jitter())
        log.info(
            "Retrying %s %s after %s in %.2fs (retry %d of %d)",
            opts.method,
            opts.path,
            why,
            delay,
            retries_taken + 1,
            self.settings.max_retries,
        )
        return action, delay

    @staticmethod
    def _log_response(response: httpx.Response) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "HTTP response: %s %s -> %d headers=%s",
                response.request.method,
                response.request.url,
                response.status_code,
                redact_headers(response.headers),
            )
