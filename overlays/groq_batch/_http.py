"""The one home of the transport: auth, timeouts, retries, error mapping, option merging, logging.

Request building, option merging and every retry decision are plain functions or methods of
`TransportBase`, shared by both flavours. The send loop itself is written once, async, in
`_async/transport.py`; `_sync/transport.py` is generated from it.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import random
import re
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, Generic, TypedDict, TypeVar

import httpx

from groq_batch import redaction
from groq_batch._errors import APIConnectionError, APITimeoutError, InvalidValueError
from groq_batch._retry import Action, decide_exception, decide_response, retry_delay
from groq_batch._types import Body, Headers, NotGiven, Omit, Query, TimeoutTypes
from groq_batch.providers import Provider, get_provider

__all__ = [
    "RECOVERED_HEADER",
    "STRICT_EXTENSION",
    "Outcome",
    "RequestOptions",
    "Settings",
    "build_options",
    "low_level_options",
    "recovered_response",
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
_is_sensitive: Final = redaction.is_secret_header


def _user_agent() -> str:
    from groq_batch import __version__

    py = sys.version_info
    return f"groq-batch/{__version__} Python/{py.major}.{py.minor}.{py.micro}"


@functools.cache
def platform_headers() -> dict[str, str]:
    """The `X-Stainless-*` headers the official SDK sends, with this package's version.

    Groq's API sees the same request shape from either client; code and proxies that read
    `X-Stainless-Lang` keep working. A caller's `default_headers` override them.
    """
    import platform

    from groq_batch import __version__

    system = platform.system().lower()
    os_name = {"darwin": "MacOS", "windows": "Windows", "linux": "Linux"}.get(system, system)
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64"}.get(machine, machine or "unknown")
    return {
        "X-Stainless-Lang": "python",
        "X-Stainless-Package-Version": __version__,
        "X-Stainless-OS": os_name,
        "X-Stainless-Arch": arch,
        "X-Stainless-Runtime": platform.python_implementation(),
        "X-Stainless-Runtime-Version": platform.python_version(),
    }


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
    default_query: Mapping[str, object] = dataclasses.field(default_factory=dict)
    strict: bool = False

    def url(self, path: str) -> str:
        """The full URL of a generated operation path, under this provider's prefix.

        The generated client's paths are Groq's (`/openai/v1/...`); this is the one place they
        are mapped to the provider's prefix (`/v1/...` at OpenAI and its gateways).
        """
        if "://" in path:
            return path  # an absolute URL (the low-level `client.get("https://...")`)
        if path.startswith(GENERATED_PREFIX + "/"):
            path = self.prefix + path[len(GENERATED_PREFIX) :]
        return self.base_url.rstrip("/") + path

    def headers(self) -> dict[str, str]:
        """The headers every request starts from: auth, accept, user agent, then the defaults."""
        return {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": _user_agent(),
            **platform_headers(),
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
        content: A raw body (bytes or an iterator of bytes), or None.
        follow_redirects: Whether to follow redirects; None for the HTTP client's setting.
        recover_after_exception: Whether a transport failure after the request may have arrived
            goes through the caller's recovery hook (else it is raised, not sent again).
        resend_statuses: Error statuses that mean the server did not take the request, so it
            is sent again without asking the recovery hook first.
    """

    method: str
    path: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    headers: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    json: Any = None
    files: Any = None
    data: Mapping[str, Any] | None = None
    timeout: TimeoutTypes | NotGiven = dataclasses.field(default_factory=NotGiven)
    idempotent: bool = True
    stream: bool = False
    rewind: Callable[[], bool] | None = None
    recover_after_exception: bool = True
    resend_statuses: frozenset[int] = frozenset()
    content: Any = None
    follow_redirects: bool | None = None


@dataclasses.dataclass
class Outcome(Generic[_T]):
    """What one logical request ended with: its own last response, or what a look-up found.

    Attributes:
        response: The request's last response (2xx), or, after a recovered ambiguous failure, a
            response made from what the look-up found (see `recovered_response`).
        retries_taken: How many times the request was sent again.
        recovered: What the recovery hook found, or None when the request itself succeeded.
    """

    response: httpx.Response
    retries_taken: int
    recovered: _T | None = None


STRICT_EXTENSION: Final = "groq_batch_strict_response_validation"
"""The request extension that tells the response parsers whether the client is strict."""

RECOVERED_HEADER: Final = "groq-batch-recovered"
"""Set on the response `with_raw_response` shows after a recovered ambiguous create or upload."""


def recovered_response(request: httpx.Request, found: object) -> httpx.Response:
    """The response a recovered create or upload shows: this request's, with the found body.

    After an ambiguous failure the request itself got no usable answer; the look-up found what
    it created. The raw response is still the create's own request (method, URL, headers), with
    the found object as its JSON body, status 200, and `groq-batch-recovered: true`, never the
    look-up's list page.
    """
    to_dict = getattr(found, "to_dict", None)
    body = to_dict() if callable(to_dict) else {}
    response = httpx.Response(200, json=body, headers={RECOVERED_HEADER: "true"}, request=request)
    response.read()
    return response


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
    headers: dict[str, Any] = {str(k): str(v) for k, v in kwargs.get("headers", {}).items()}
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
    # httpx joins a repeated header's values with ", " here, so a log shows every one of them
    # (a dict built from `multi_items()` kept only the last).
    return {k: (_redact(v) if _is_sensitive(k) else v) for k, v in headers.items()}


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
    return redaction.scrub(text)


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


class TransportBase:
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
        self, client: httpx.Client | httpx.AsyncClient, opts: RequestOptions, retries_taken: int = 0
    ) -> httpx.Request:
        headers = {**self.settings.headers(), **opts.headers}
        # As the SDK does: each attempt says which retry it is, unless the caller set the header.
        if not any(name.lower() == "x-stainless-retry-count" for name in headers):
            headers["x-stainless-retry-count"] = str(retries_taken)
        headers = {name: value for name, value in headers.items() if not isinstance(value, Omit)}
        timeout = self.settings.timeout if isinstance(opts.timeout, NotGiven) else opts.timeout
        params = {**self.settings.default_query, **opts.params}
        request = client.build_request(
            opts.method,
            self.settings.url(opts.path),
            params=params or None,
            headers=headers,
            json=opts.json,
            files=opts.files,
            data=opts.data,
            content=opts.content,
            timeout=timeout,
        )
        # Carried with the request (so with its response) to the parser: strict or lenient.
        request.extensions[STRICT_EXTENSION] = self.settings.strict
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


class RequestArgs(TypedDict, total=False):
    """What a low-level call (`client.post(path, cast_to=..., ...)`) takes besides its path.

    Attributes:
        body: A JSON body (raw bytes here are deprecated: pass them as `content`).
        content: A raw body: bytes or an iterator of bytes, sent as it is.
        files: Multipart files, as httpx takes them.
        options: `headers`, `params`, `timeout`, `max_retries`, `follow_redirects`,
            `extra_json`.
        stream: Leave the body unread (with `cast_to=httpx.Response`).
    """

    body: object | None
    content: Any
    files: Any
    options: Mapping[str, Any] | None
    stream: bool


def low_level_options(
    method: str,
    path: str,
    body: object | None,
    content: Any,
    files: Any,
    options: Mapping[str, Any],
    stream: bool,
) -> RequestOptions:
    """The request of a low-level call (`client.post(path, cast_to=..., body=..., options=...)`).

    Raw bytes as `body` are sent as `content`, with the SDK's deprecation warning.

    Args:
        method: The HTTP method.
        path: A path under the base URL, or an absolute URL.
        body: A JSON body, or (deprecated) raw bytes.
        content: A raw body.
        files: Multipart files.
        options: The SDK's request options (`headers`, `params`, `timeout`, `follow_redirects`,
            `extra_json`).
        stream: Whether to leave the body unread.

    Returns:
        The request's options. It is never retried after an ambiguous failure unless it is a GET.
    """
    if isinstance(body, bytes | bytearray):
        import warnings

        warnings.warn(
            "Passing raw bytes as `body` is deprecated and will be removed in a future version. "
            "Please pass raw bytes via the `content` parameter instead.",
            DeprecationWarning,
            stacklevel=4,
        )
        content, body = body, None
    extra_json = options.get("extra_json")
    if extra_json:
        body = {**(body if isinstance(body, Mapping) else {}), **extra_json}
    timeout = options.get("timeout", NotGiven())
    return RequestOptions(
        method=method.upper(),
        path=path,
        params=dict(options.get("params") or {}),
        headers=dict(options.get("headers") or {}),
        json=body,
        files=files,
        content=content,
        timeout=timeout,
        idempotent=method.upper() in {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"},
        stream=stream,
        follow_redirects=options.get("follow_redirects"),
    )
