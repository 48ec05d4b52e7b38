"""Lazy pages over `after`/`has_more` and over Groq's `paging.next_cursor`, with loop guards.

Walking real pages (seed fields, laziness, `get_next_page`) runs against the local server. A mock
plays what it never sends: Groq's cursor pages, an empty page claiming more, a repeated cursor.
Written once for both flavours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from groq_batch import AsyncGroq, AsyncPage, GroqError
from tests.cassette_support import capture_sent
from tests.client_support import API_KEY, batch, make_async_client
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

pytestmark = pytest.mark.anyio


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


# ------------------------------------------------------------------------- a mock's pages
async def test_groq_cursor_pages_are_followed() -> None:
    server = Server(
        {
            ("after", "b0"): page(["b1"], paging={"next_cursor": "c1"}),
            ("cursor", "c1"): page(["b2"], paging={"next_cursor": "c2"}),
            ("cursor", "c2"): page(["b3"], paging={"next_cursor": None}),
        }
    )
    client, _ = make_async_client(server)
    first = await client.batches.list(after="b0")
    assert first.has_more is True
    assert [b.id async for b in first] == ["b1", "b2", "b3"]
    # The caller's `after` applies to the first page only; later pages use the cursor alone.
    assert [dict(r.url.params) for r in server.requests] == [
        {"after": "b0"},
        {"cursor": "c1"},
        {"cursor": "c2"},
    ]


async def test_an_empty_page_that_claims_more_ends_the_walk(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = Server(
        {
            None: page(["b1"], last_id="b1", has_more=True),
            ("after", "b1"): page([], has_more=True, last_id=None),
        }
    )
    client, _ = make_async_client(server)
    assert [b.id async for b in client.batches.list()] == ["b1"]
    assert len(server.requests) == 2
    assert "empty page" in caplog.text


async def test_a_repeated_cursor_ends_the_walk() -> None:
    server = Server(
        {
            None: page(["b1"], paging={"next_cursor": "c1"}),
            ("cursor", "c1"): page(["b2"], paging={"next_cursor": "c1"}),
        }
    )
    client, _ = make_async_client(server)
    assert [b.id async for b in client.batches.list()] == ["b1", "b2"]
    assert len(server.requests) == 2


async def test_pages_are_fetched_only_as_the_walk_reaches_them() -> None:
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


# ------------------------------------------------------------------- the local server's
async def _five_batches(client: AsyncGroq) -> list[str]:
    file_id = (await client.files.create(file=("in.jsonl", jsonl([request_line(0)])))).id
    made = [
        (
            await client.batches.create(
                input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
            )
        ).id
        for _ in range(5)
    ]
    return made[::-1]  # newest first, as listed


async def test_first_page_has_the_seed_fields_and_iteration_walks_all_pages_lazily(
    local_server: LocalServer,
) -> None:
    async with AsyncGroq(api_key=API_KEY, base_url=local_server.base_url) as client:
        newest_first = await _five_batches(client)
        sent = capture_sent(client)
        first = await client.batches.list(limit=2)
        assert isinstance(first, AsyncPage)
        assert [b.id for b in first.data] == newest_first[:2]
        assert (first.first_id, first.last_id, first.has_more, first.object) == (
            newest_first[0],
            newest_first[1],
            True,
            "list",
        )
        assert len(sent) == 1  # nothing fetched ahead
        walked = aiter(first)
        assert [(await anext(walked)).id for _ in range(3)] == newest_first[:3]
        assert len(sent) == 2
        assert [b.id async for b in walked] == newest_first[3:]
    assert [r.url.params.get("limit") for r in sent] == ["2", "2", "2"]
    # Later pages follow whichever cursor the server handed out (the local server sends Groq's).
    assert not ({"after", "cursor"} & set(sent[0].url.params))
    assert all({"after", "cursor"} & set(r.url.params) for r in sent[1:])
    assert len({str(r.url) for r in sent}) == 3


async def test_iter_pages_and_get_next_page(local_server: LocalServer) -> None:
    async with AsyncGroq(api_key=API_KEY, base_url=local_server.base_url) as client:
        newest_first = await _five_batches(client)
        first = await client.batches.list(limit=4)
        assert first.has_next_page()
        second = await first.get_next_page()
        assert [b.id for b in second.data] == newest_first[4:]
        assert not second.has_next_page()
        with pytest.raises(GroqError):
            await second.get_next_page()
        assert [len(p.data) async for p in first.iter_pages()] == [4, 1]
        assert "<4 items>" in repr(first)
