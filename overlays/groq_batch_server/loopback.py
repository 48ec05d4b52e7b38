"""Keep a loopback server to its own machine's programs: no DNS rebinding, no cross-site requests.

A server bound to loopback is out of the network's reach, but not out of a browser's: a web page
can make the browser send it requests, either under a name the attacker controls that resolves
to 127.0.0.1 (DNS rebinding: the ``Host`` header carries that name) or straight to
``127.0.0.1`` from another origin (a "simple" ``text/plain`` POST needs no preflight; the
``Origin`` header names the page). `LoopbackOnly` refuses both: a ``Host`` that is not a
loopback name, and any ``Origin`` other than the server's own.

Starlette's ``TrustedHostMiddleware`` checks the ``Host`` only, and splits it at the first colon,
which cuts ``[::1]:8080`` to ``[``; so this is a small middleware of its own.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import Receive, Scope, Send

from groq_batch.providers import is_loopback_host
from groq_batch_server.asgi import HTTPMiddleware
from groq_batch_server.errors import error_response

__all__ = ["LoopbackOnly", "split_host"]


def split_host(value: str) -> tuple[str, int | None] | None:
    """A ``Host`` header's name and port, or None if it does not parse.

    Args:
        value: The header's value, e.g. ``127.0.0.1:8080`` or ``[::1]:8080``.

    Returns:
        The host (without brackets) and the port (None when absent).
    """
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError:
        return None
    if parts.hostname is None or parts.username is not None or parts.path:
        return None
    return parts.hostname, port


class LoopbackOnly(HTTPMiddleware):
    """Answer 403 to a request whose ``Host`` is not a loopback name or whose ``Origin`` is foreign.

    A request without ``Origin`` (any program that is not a browser) is not refused for it; a
    request without ``Host`` (HTTP/1.0) neither, since a browser always sends one.

    Args:
        app: The application.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse what a browser was made to send; pass everything else on."""
        headers = dict(scope["headers"])
        problem = self._problem(headers.get(b"host"), headers.get(b"origin"))
        if problem is None:
            await self.app(scope, receive, send)
            return
        # The body is not read: close the connection so the client does not keep sending it.
        response = error_response(403, problem, code="forbidden", headers={"connection": "close"})
        await response(scope, receive, send)

    @staticmethod
    def _problem(host_header: bytes | None, origin_header: bytes | None) -> str | None:
        host: tuple[str, int | None] | None = None
        if host_header is not None:
            host = split_host(host_header.decode("latin-1"))
            if host is None or not is_loopback_host(host[0]):
                return (
                    "This server answers only to a loopback Host (localhost, 127.0.0.1 or [::1]); "
                    "the request's Host header names another."
                )
        if origin_header is None:
            return None
        origin = origin_header.decode("latin-1")
        try:
            parts = urlsplit(origin)
            port = parts.port
        except ValueError:
            parts, port = None, None
        same_machine = (
            parts is not None
            and parts.scheme in ("http", "https")
            and parts.hostname is not None
            and is_loopback_host(parts.hostname)
        )
        if parts is not None and port is None:
            port = 443 if parts.scheme == "https" else 80
        # Another program's page on this machine (another port) is another origin too.
        same_port = host is None or host[1] is None or port == host[1]
        if same_machine and same_port:
            return None
        return (
            "Cross-origin requests are refused: this server is for programs on this machine, "
            "not for web pages (the request carried an Origin header of another site)."
        )
