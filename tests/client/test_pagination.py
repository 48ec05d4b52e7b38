"""The pure paging rule: which cursor the next page follows, and when a walk ends.

Walking pages with a client is in `_async/test_pages_walk.py`, written once for both flavours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from groq_batch._pagination import next_page_params
from tests.client_support import batch

if TYPE_CHECKING:
    pass


def page(ids: list[str], **fields: Any) -> dict[str, Any]:
    return {"object": "list", "data": [batch(id=i) for i in ids], **fields}


class Server:
    """Answers list requests from a table keyed by the cursor the client sent."""

    def __init__(self, pages: dict[tuple[str, str] | None, dict[str, Any]]) -> None:
        self.pages = pages
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        params = request.url.params
        key = next(((k, params[k]) for k in ("after", "cursor") if k in params), None)
        return httpx.Response(200, json=self.pages[key])


# ------------------------------------------------------------------------------ pure rule
def test_next_page_params_prefers_groqs_cursor() -> None:
    params = next_page_params(
        item_ids=["a"], has_more=True, last_id="a", next_cursor="c1", seen=frozenset()
    )
    assert params == {"cursor": "c1"}


def test_next_page_params_falls_back_to_the_last_item() -> None:
    params = next_page_params(
        item_ids=["a", "b"], has_more=True, last_id=None, next_cursor=None, seen=frozenset()
    )
    assert params == {"after": "b"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"item_ids": [], "has_more": True, "last_id": "a", "next_cursor": "c"},
        {"item_ids": ["a"], "has_more": False, "last_id": "a", "next_cursor": None},
        {"item_ids": ["a"], "has_more": None, "last_id": "a", "next_cursor": None},
    ],
)
def test_next_page_params_ends(kwargs: dict[str, Any]) -> None:
    assert next_page_params(seen=frozenset(), **kwargs) is None


def test_next_page_params_never_follows_a_cursor_twice() -> None:
    seen = frozenset({("cursor", "c1")})
    assert (
        next_page_params(item_ids=["a"], has_more=None, last_id=None, next_cursor="c1", seen=seen)
        is None
    )
