"""Who may use the dashboard: the session cookie, and the one-time login codes that buy it.

The page can cancel batches, so every request must carry the session cookie (HttpOnly,
SameSite=Strict: another site can neither read it nor make the browser send it). A browser gets
it by opening a login link whose code works once, so the link `groq-batch ui` prints (which may
show in a browser's command line) never carries the long-lived token itself.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.responses import Response as StarletteResponse

from groq_batch_cli.ui.pages import layout

__all__ = ["LOGIN_CODE_LIFETIME", "LoginCodes", "cookie_name", "forbidden", "has_cookie", "login"]


def cookie_name(port: int) -> str:
    """The session cookie's name: one per port, as cookies are shared by every port of a host."""
    return f"groq_batch_ui_{port}"


LOGIN_CODE_LIFETIME = 600.0
"""Seconds a login code stays good: long enough to open the printed link, short enough that a
link seen in a command line or a terminal's scrollback later opens nothing."""


class LoginCodes:
    """The one-time login codes a dashboard has handed out and not yet seen spent.

    Args:
        lifetime: Seconds a code stays good after it is made.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self, *, lifetime: float = LOGIN_CODE_LIFETIME, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.lifetime = lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, float] = {}

    def issue(self) -> str:
        """Make a code that opens the dashboard once, within `lifetime`.

        Returns:
            The code.
        """
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._forget_expired()
            self._codes[code] = self._clock() + self.lifetime
        return code

    def redeem(self, code: str) -> bool:
        """Spend a code: True the first time a live code these codes issued is given."""
        with self._lock:
            self._forget_expired()
            for known in list(self._codes):
                # In constant time: no timing tells how close a guess is.
                if secrets.compare_digest(known.encode(), code.encode()):
                    del self._codes[known]
                    return True
        return False

    def _forget_expired(self) -> None:
        now = self._clock()
        for code, until in list(self._codes.items()):
            if until <= now:
                del self._codes[code]


def has_cookie(request: Request, token: str) -> bool:
    """Whether the request carries this dashboard's session cookie."""
    given = request.cookies.get(cookie_name(request.url.port or 80), "")
    return secrets.compare_digest(given.encode(), token.encode())


def forbidden() -> StarletteResponse:
    """The answer to a request without the session cookie."""
    return PlainTextResponse(
        "forbidden: open the link `groq-batch ui` printed to sign this browser in",
        status_code=403,
    )


def login(request: Request, codes: LoginCodes, token: str) -> StarletteResponse:
    """Answer ``/login?code=``: set the session cookie for a fresh code, else say why not.

    Args:
        request: The request.
        codes: The dashboard's login codes.
        token: The session token (the cookie's value).

    Returns:
        A redirect home with the cookie set, or a 403 page.
    """
    fresh = codes.redeem(request.query_params.get("code", ""))
    if not fresh and not has_cookie(request, token):
        return HTMLResponse(
            layout(
                "dashboard link already used or expired",
                "<p>This link was already used, has expired, or is not this dashboard's: each "
                f"link opens the dashboard once, within {LOGIN_CODE_LIFETIME / 60:.0f} minutes. "
                "Stop <code>groq-batch ui</code> and start it again for a new one. If you did "
                "not use this link yourself, someone else may have: stopping the dashboard ends "
                "their access.</p>",
            ),
            status_code=403,
            headers={"cache-control": "no-store"},
        )
    # Home without the code: a reload or the history never holds it.
    home = RedirectResponse("/", status_code=303, headers={"cache-control": "no-store"})
    home.set_cookie(
        cookie_name(request.url.port or 80),
        token,
        httponly=True,
        samesite="strict",
        path="/",
    )
    return home
