"""A dashboard login link opens it once, and only for a short while (10 minutes)."""

from __future__ import annotations

import httpx

from groq_batch import Groq
from groq_batch_cli.ui import UIServer
from groq_batch_cli.ui.auth import LOGIN_CODE_LIFETIME, LoginCodes
from groq_batch_server import LocalServer
from tests.dashboard.conftest import base


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_login_code_lives_ten_minutes_and_works_once() -> None:
    clock = Clock()
    codes = LoginCodes(clock=clock)
    assert LOGIN_CODE_LIFETIME == 600
    fresh, late = codes.issue(), codes.issue()
    clock.now += LOGIN_CODE_LIFETIME - 1
    assert codes.redeem(fresh)
    assert not codes.redeem(fresh)
    clock.now += 2
    assert not codes.redeem(late)
    assert not codes.redeem("")


def test_an_expired_login_link_is_refused_and_sets_no_cookie(
    dashboard: tuple[UIServer, Groq, LocalServer],
) -> None:
    ui, _, _ = dashboard
    clock = Clock()
    ui.dashboard.logins = LoginCodes(clock=clock)
    url = ui.login_url()
    clock.now += LOGIN_CODE_LIFETIME + 1
    with httpx.Client(base_url=base(ui)) as http:
        answer = http.get(url)
        assert answer.status_code == 403
        assert "expired" in answer.text
        assert http.cookies.get(ui.cookie_name) is None
        assert http.get("/").status_code == 403
        # A fresh link still works.
        assert http.get(ui.login_url()).status_code == 303
        assert http.get("/").status_code == 200
