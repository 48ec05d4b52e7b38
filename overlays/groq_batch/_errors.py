"""The one exception hierarchy, and the one place that maps a status code to its class.

Every exception this package raises derives from `GroqError`; the ones a caller may already
catch by a built-in class keep it as a second base (`ValidationError` is a `ValueError`,
`WaitTimeoutError` a `TimeoutError`). Errors about a response carry the `httpx.Request`, and
status errors also the `httpx.Response`, the parsed error envelope and Groq's request id
(`x-request-id`), so a support ticket can quote it. The one warning,
`InsecureTransportWarning`, is a `UserWarning` only: a warning is not an error to catch.

The modules that raise these re-export them where users have always imported them
(``groq_batch.validation.ValidationError``, ``groq_batch.jobs.JobNameError``...).

    GroqError
    ├── APIError: one request to the API
    │   ├── APIStatusError: a 4xx or 5xx answer (one subclass per status)
    │   ├── APIConnectionError, APITimeoutError: no answer
    │   ├── APIResponseValidationError: an answer of the wrong shape
    │   └── IncompleteContentError: a download cut short
    ├── UnresolvedCreateError: a retried create whose first attempt could not be ruled out
    ├── InvalidValueError (ValueError), InvalidTypeError (TypeError): a bad argument
    ├── ValidationError (ValueError): a batch input the provider would refuse
    ├── TableInputError (ValueError): a table that cannot become requests
    ├── MalformedResultError (ValueError): a result body of the wrong shape
    ├── JobNameError (ValueError): a job name malformed or taken
    ├── JobKeyError: no key may be sent to where a recorded job lives
    ├── MissingExtraError (ImportError, RuntimeError): an optional extra is not installed
    ├── JobSubmitError: a split job failed part-way
    ├── BatchNotFinishedError: results asked for too early
    └── WaitTimeoutError (TimeoutError): ``wait`` reached its deadline
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from groq_batch import redaction

if TYPE_CHECKING:
    # Annotations only: validation, tables and the job registry raise these errors without
    # loading an HTTP client.
    from collections.abc import Sequence

    import httpx

    from groq_batch.tables import TableProblem
    from groq_batch.validation import Problem
    from groq_batch_api.models import Batch, Error

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchNotFinishedError",
    "CapacityExceededError",
    "ConflictError",
    "GroqError",
    "IncompleteContentError",
    "InsecureTransportWarning",
    "InternalServerError",
    "InvalidTypeError",
    "InvalidValueError",
    "JobKeyError",
    "JobNameError",
    "JobSubmitError",
    "LocalServerError",
    "MalformedResultError",
    "MissingExtraError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "TableInputError",
    "UnprocessableEntityError",
    "UnresolvedCreateError",
    "ValidationError",
    "WaitTimeoutError",
    "make_status_error",
]

REQUEST_ID_HEADER = "x-request-id"


class GroqError(Exception):
    """The root of every error this package raises on purpose."""


class APIError(GroqError):
    """An error about one request to the API.

    Attributes:
        message: A human-readable description.
        request: The request that failed. Its headers are never part of `str()` or `repr()`.
        body: The decoded response body (JSON when it parses, else text), or None.
    """

    message: str
    request: httpx.Request
    body: object | None

    def __init__(self, message: str, request: httpx.Request, *, body: object | None) -> None:
        # Whatever a server put in its answer (an echoed Authorization header, a key pasted as
        # an id), no held secret and no value of the request's headers survives into the error.
        extra = _request_values(request)
        message = redaction.scrub(message, extra)
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = redaction.scrub_data(body, extra)


class APIResponseValidationError(APIError):
    """A response arrived that the wire contract does not describe (bad JSON, missing fields).

    Raised instead of returning a half-parsed object or None.
    """

    response: httpx.Response
    status_code: int

    def __init__(
        self, response: httpx.Response, body: object | None, *, message: str | None = None
    ) -> None:
        super().__init__(
            message or "The API returned a response the spec does not describe.",
            response.request,
            body=body,
        )
        self.response = response
        self.status_code = response.status_code


class APIStatusError(APIError):
    """The API answered with a 4xx or 5xx status.

    Attributes:
        status_code: The HTTP status.
        response: The `httpx.Response`.
        error: The parsed `error` object of Groq's envelope, or None when the body was not one.
        request_id: Groq's `x-request-id`, when the response carried one.
    """

    status_code: int
    response: httpx.Response
    error: Error | None
    request_id: str | None

    def __init__(self, message: str, *, response: httpx.Response, body: object | None) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = response.headers.get(REQUEST_ID_HEADER)
        self.error = _parse_envelope(body)

    @property
    def code(self) -> str | None:
        """The envelope's machine-readable `code` (for example `rate_limit_exceeded`), if any."""
        code = self.error.code if self.error is not None else None
        return code if isinstance(code, str) else None


class BadRequestError(APIStatusError):
    """400: the request is malformed."""

    status_code: Literal[400]


class AuthenticationError(APIStatusError):
    """401: the API key is missing or invalid."""

    status_code: Literal[401]


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (for example, a plan without batch access)."""

    status_code: Literal[403]


class NotFoundError(APIStatusError):
    """404: no such file or batch."""

    status_code: Literal[404]


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's state."""

    status_code: Literal[409]


class RequestTooLargeError(APIStatusError):
    """413: the upload is larger than the server accepts."""

    status_code: Literal[413]


class UnprocessableEntityError(APIStatusError):
    """422: the request is well-formed but its values are not acceptable."""

    status_code: Literal[422]


class RateLimitError(APIStatusError):
    """429: too many requests; `retry-after` says how long to wait."""

    status_code: Literal[429]


class CapacityExceededError(APIStatusError):
    """498: Groq's flex capacity is exhausted for now (a Groq-specific status)."""

    status_code: Literal[498]


class InternalServerError(APIStatusError):
    """A 5xx status: the server failed or is unavailable."""


class APIConnectionError(APIError):
    """The request did not get a response: the connection failed or was dropped."""

    def __init__(self, request: httpx.Request, *, message: str = "Connection error.") -> None:
        super().__init__(message, request, body=None)


class APITimeoutError(APIConnectionError):
    """The request timed out."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(request, message="Request timed out.")


class IncompleteContentError(APIError):
    """A download ended before the file's last byte and could not be resumed.

    Attributes:
        received: How many bytes arrived.
        expected: How many bytes the server announced, or None when it announced none.
    """

    received: int
    expected: int | None

    def __init__(
        self, request: httpx.Request, *, received: int, expected: int | None, reason: str
    ) -> None:
        total = "an unknown number of" if expected is None else str(expected)
        super().__init__(
            f"Download incomplete: received {received} of {total} bytes ({reason}).",
            request,
            body=None,
        )
        self.received = received
        self.expected = expected


class UnresolvedCreateError(GroqError):
    """The look-up after an ambiguous create could not rule out that the batch exists.

    Raised instead of posting again, so a retried create never makes a second batch. The
    batch may exist: look for its ``groq_batch_idempotency_key`` marker before creating anew.
    """


# ------------------------------------------------------------------ arguments and inputs
class InvalidValueError(GroqError, ValueError):
    """An argument whose value the package cannot use (an unknown provider, an empty id...)."""


class InvalidTypeError(GroqError, TypeError):
    """An argument of a type the package cannot use (a text-mode file, a foreign client...)."""


class ValidationError(GroqError, ValueError):
    """A batch input that Groq would reject; nothing was uploaded.

    Attributes:
        problems: Every problem found, each naming its line and field.
        source: A name for the input.
    """

    def __init__(self, problems: list[Problem], *, source: str = "requests") -> None:
        self.problems = problems
        self.source = source
        shown = "; ".join(str(p) for p in problems[:5])
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(f"{source}: {len(problems)} problem(s): {shown}{more}")


class TableInputError(GroqError, ValueError):
    """An input table that cannot become requests; nothing was built or uploaded.

    Attributes:
        problems: Every problem found (the first ``MAX_PROBLEMS``), each naming row and column.
        source: The file's path, or ``"table"``.
    """

    def __init__(self, problems: Sequence[TableProblem], *, source: str = "table") -> None:
        self.problems = list(problems)
        self.source = source
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{source}: {shown}{more}")


class MalformedResultError(GroqError, ValueError):
    """A result line's body does not have the shape its endpoint answers with.

    Raised when the typed body (``BatchResult.body``) is asked for; the raw line is still
    on ``BatchResult.line``.

    Attributes:
        custom_id: The result's ``custom_id``.
    """

    def __init__(self, custom_id: str, reason: str) -> None:
        self.custom_id = custom_id
        super().__init__(f"Result {custom_id!r}: the response body is malformed ({reason})")


# ------------------------------------------------------------------------------------ jobs
class JobNameError(GroqError, ValueError):
    """A job name that is malformed, looks like a batch id, or is already taken."""


class JobKeyError(GroqError):
    """No key may be sent to where a recorded job lives: it is missing, or not that URL's."""


class JobSubmitError(GroqError):
    """Submitting a split job failed part-way.

    Attributes:
        batch_ids: The batches created before the failure; re-attach or cancel them.
    """

    def __init__(self, message: str, batch_ids: Sequence[str]) -> None:
        self.batch_ids = list(batch_ids)
        super().__init__(f"{message}; batches already created: {', '.join(batch_ids) or 'none'}")


class BatchNotFinishedError(GroqError):
    """Results were asked for before the batch reached a terminal status."""


class WaitTimeoutError(GroqError, TimeoutError):
    """``wait`` reached its deadline; the batches were left as they are.

    Attributes:
        batches: The last state seen of each batch.
    """

    def __init__(self, batches: Sequence[Batch], timeout: float) -> None:
        from groq_batch.statuses import status_of

        self.batches = list(batches)
        states = ", ".join(f"{b.id}: {status_of(b)}" for b in batches)
        super().__init__(f"Batches not finished after {timeout:g} s ({states})")


class LocalServerError(GroqError):
    """The background server could not be started, reached or stopped."""


class Unboundable(GroqError):
    """A line's cost has no upper bound the estimate can state; the message says why.

    `groq_batch.costs.estimate` catches it and lists the line in ``unboundable``; it never
    reaches a caller, so the package does not export it.
    """


class MissingExtraError(GroqError, ImportError, RuntimeError):
    """A feature needs an optional extra that is not installed (the message names it).

    An `ImportError`, as Python raises for a missing module, and a `RuntimeError`, as the SDKs
    raise for a missing ``aiohttp`` extra, so code written for either still catches it.
    """


# -------------------------------------------------------------------------------- warnings
class InsecureTransportWarning(UserWarning):
    """The client was configured to send the API key over plain http to a non-loopback host.

    A warning, not a `GroqError`: ``except GroqError`` never has to consider it.
    """


_STATUS_TO_ERROR: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    498: CapacityExceededError,
}


def _decode_body(response: httpx.Response) -> object | None:
    """The response body as JSON when it parses, else as text, else None when empty."""
    text = response.text
    if not text:
        return None
    try:
        decoded: object = json.loads(text)
    except ValueError:
        return text
    return decoded


def _parse_envelope(body: object | None) -> Error | None:
    """The `error` object of Groq's envelope, or None when the body is not an envelope."""
    if not isinstance(body, dict):
        return None
    # Imported here, not at the top: the generated models (and attrs) cost a plain
    # `from groq_batch import Groq` more than all of this package's own modules.
    from groq_batch_api.models import ErrorResponse

    try:
        error = ErrorResponse.from_dict(body).error
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return error if isinstance(error.message, str) else None


def _request_values(request: httpx.Request | None) -> list[str]:
    """The values of a request's secret headers (the key), and their part after a scheme."""
    import httpx  # here: the module loads no HTTP client (validation and tables raise these)

    if not isinstance(request, httpx.Request):
        return []
    values = [v for k, v in request.headers.multi_items() if redaction.is_secret_header(k)]
    return values + [v.partition(" ")[2] for v in values]


def _header_values(response: httpx.Response) -> list[str]:
    """`_request_values` of the response's request, if it has one."""
    try:
        return _request_values(response.request)
    except RuntimeError:  # a response built without a request
        return []


def make_status_error(response: httpx.Response) -> APIStatusError:
    """Build the `APIStatusError` subclass for an error response.

    The response body must already be read.

    Args:
        response: A response with a 4xx or 5xx status.

    Returns:
        The exception to raise.
    """
    # A server may echo the request's Authorization header (or any held key) in its error: the
    # body is scrubbed before anything, message or parsed envelope, is made of it.
    body = redaction.scrub_data(_decode_body(response), _header_values(response))
    error = _parse_envelope(body)
    detail: Any = error.message if error is not None else body
    message = f"Error code: {response.status_code} - {detail}"
    cls = _STATUS_TO_ERROR.get(response.status_code)
    if cls is None:
        cls = InternalServerError if response.status_code >= 500 else APIStatusError
    return cls(message, response=response, body=body)
