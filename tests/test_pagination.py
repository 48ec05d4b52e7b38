"""Lazy pages over `after`/`has_more` and over Groq's `paging.next_cursor`, with loop guards."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from groq_batch import AsyncPage, GroqError, SyncPage
from groq_batch._pagination import next_page_params
from tests.client_support import batch, make_async_client, make_client


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


# ------------------------------------------------------------------------- sync walking
def test_first_page_has_the_seed_fields_and_iteration_walks_all_pages_lazily() -> None:
    server = Server(
        {
            None: page(["b1", "b2"], first_id="b1", last_id="b2", has_more=True),
            ("after", "b2"): page(["b3", "b4"], first_id="b3", last_id="b4", has_more=True),
            ("after", "b4"): page(["b5"], first_id="b5", last_id="b5", has_more=False),
        }
    )
    client, _ = make_client(server)
    first = client.batches.list(limit=2)
    assert isinstance(first, SyncPage)
    assert [b.id for b in first.data] == ["b1", "b2"]
    assert (first.first_id, first.last_id, first.has_more, first.object) == (
        "b1",
        "b2",
        True,
        "list",
    )
    assert len(server.requests) == 1  # nothing fetched ahead

    walked = iter(first)
    assert [next(walked).id for _ in range(3)] == ["b1", "b2", "b3"]
    assert len(server.requests) == 2
    assert [b.id for b in walked] == ["b4", "b5"]
    assert [r.url.params.get("limit") for r in server.requests] == ["2", "2", "2"]
    assert [r.url.params.get("after") for r in server.requests] == [None, "b2", "b4"]


def test_groq_cursor_pages_are_followed() -> None:
    server = Server(
        {
            ("after", "b0"): page(["b1"], paging={"next_cursor": "c1"}),
            ("cursor", "c1"): page(["b2"], paging={"next_cursor": "c2"}),
            ("cursor", "c2"): page(["b3"], paging={"next_cursor": None}),
        }
    )
    client, _ = make_client(server)
    first = client.batches.list(after="b0")
    assert first.has_more is True
    assert [b.id for b in first] == ["b1", "b2", "b3"]
    # The caller's `after` applies to the first page only; later pages use the cursor alone.
    assert [dict(r.url.params) for r in server.requests] == [
        {"after": "b0"},
        {"cursor": "c1"},
        {"cursor": "c2"},
    ]


def test_an_empty_page_that_claims_more_ends_the_walk(caplog: pytest.LogCaptureFixture) -> None:
    server = Server(
        {
            None: page(["b1"], last_id="b1", has_more=True),
            ("after", "b1"): page([], has_more=True, last_id=None),
        }
    )
    client, _ = make_client(server)
    assert [b.id for b in client.batches.list()] == ["b1"]
    assert len(server.requests) == 2
    assert "empty page" in caplog.text


def test_a_repeated_cursor_ends_the_walk() -> None:
    server = Server(
        {
            None: page(["b1"], paging={"next_cursor": "c1"}),
            ("cursor", "c1"): page(["b2"], paging={"next_cursor": "c1"}),
        }
    )
    client, _ = make_client(server)
    assert [b.id for b in client.batches.list()] == ["b1", "b2"]
    assert len(server.requests) == 2


def test_iter_pages_and_get_next_page() -> None:
    server = Server(
        {
            None: page(["b1"], has_more=True, last_id="b1"),
            ("after", "b1"): page(["b2"], has_more=False),
        }
    )
    client, _ = make_client(server)
    first = client.batches.list()
    assert first.has_next_page()
    second = first.get_next_page()
    assert [b.id for b in second.data] == ["b2"]
    assert not second.has_next_page()
    with pytest.raises(GroqError):
        second.get_next_page()
    assert [len(p.data) for p in first.iter_pages()] == [1, 1]
    assert "<1 items>" in repr(first)


# ------------------------------------------------------------------------ async walking
@pytest.mark.anyio
async def test_async_pages_walk_lazily() -> None:
    server = Server(
        {
            None: page(["b1"], paging={"next_cursor": "c1"}),
            ("cursor", "c1"): page(["b2"], has_more=True, last_id="b2"),
            ("after", "b2"): page([], has_more=True),
        }
    )
    client, _ = make_async_client(server)
    first = await client.batches.list(limit=1)
    assert isinstance(first, AsyncPage)
    assert len(server.requests) == 1
    assert [b.id async for b in first] == ["b1", "b2"]
    assert len(server.requests) == 3
    assert (await first.get_next_page()).data[0].id == "b2"
