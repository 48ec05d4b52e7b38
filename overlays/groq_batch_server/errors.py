"""Groq's error envelope, shaped through the generated models so it cannot drift from the spec."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse

from groq_batch_api.models import Error, ErrorResponse

__all__ = ["HTTPProblem", "error_response"]

# The `type` Groq (and OpenAI) put in the envelope for each status.
_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    409: "invalid_request_error",
    413: "invalid_request_error",
    416: "invalid_request_error",
    422: "invalid_request_error",
    429: "requests",
    498: "capacity_exceeded",
}


class HTTPProblem(Exception):
    """An error a handler raises to answer with Groq's envelope.

    The server's own: the client's errors (`groq_batch.APIError`...) are a different hierarchy.

    Args:
        status: The HTTP status.
        message: What went wrong, for a person.
        code: A machine-readable code, or None.
        param: The request parameter at fault, or None.
        headers: Extra response headers (``retry-after``...).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        """The error as a response.

        Returns:
            The JSON response.
        """
        return error_response(
            self.status, self.message, code=self.code, param=self.param, headers=self.headers
        )


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Build ``{"error": {"message", "type", "code", "param"}}`` with the right status.

    Args:
        status: The HTTP status.
        message: What went wrong.
        code: A machine-readable code, or None.
        param: The parameter at fault, or None.
        headers: Extra response headers.

    Returns:
        The response.
    """
    type_ = _TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    body = ErrorResponse(error=Error(message=message, type_=type_, code=code, param=param))
    return JSONResponse(body.to_dict(), status_code=status, headers=dict(headers or {}))
