"""The low-level `get/post/put/patch/delete(path, cast_to=...)` methods and strict parsing.

Written once for both flavours, over a mock transport.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Union, cast

import httpx
import pydantic
import pytest

from groq_batch import (
    APIResponseValidationError,
    APIStatusError,
    AsyncGroq,
    DefaultAsyncHttpxClient,
)
from groq_batch.types import Batch
from tests.client_support import API_KEY, BASE_URL, batch, make_async_client

pytestmark = pytest.mark.anyio


class Named(pydantic.BaseModel):
    name: str


class Counted(pydantic.BaseModel):
    count: int


async def test_cast_to_response_text_and_models() -> None:
    client, _ = make_async_client(lambda r: httpx.Response(200, json=batch()))
    response = await client.get("/anything", cast_to=httpx.Response)
    assert isinstance(response, httpx.Response)
    assert response.json()["id"] == batch()["id"]
    assert isinstance(await client.get("/openai/v1/batches/b", cast_to=Batch), Batch)
    assert json.loads(await client.get("/x", cast_to=str))["object"] == "batch"


async def test_a_union_picks_the_model_that_fits() -> None:
    client, _ = make_async_client(lambda r: httpx.Response(200, json={"count": 3}))
    result = await client.get("/x", cast_to=cast(Any, Union[Named, Counted]))  # noqa: UP007 - the SDK form
    assert isinstance(result, Counted)


async def test_every_verb_sends_its_method() -> None:
    client, _ = make_async_client(lambda r: httpx.Response(200, json={"name": r.method}))
    for verb in ("get", "post", "put", "patch", "delete"):
        result = await getattr(client, verb)("/x", cast_to=Named)
        assert result.name == verb.upper()


async def test_strict_clients_refuse_what_lenient_ones_keep() -> None:
    handler = lambda r: httpx.Response(200, text="not json")  # noqa: E731
    strict, _ = make_async_client(handler, _strict_response_validation=True)
    with pytest.raises(APIResponseValidationError):
        await strict.get("/x", cast_to=Named)
    lenient, _ = make_async_client(handler)
    kept: object = await lenient.get("/x", cast_to=Named)
    assert kept == "not json"  # the SDK keeps the text when the body is not JSON
    bad, _ = make_async_client(
        lambda r: httpx.Response(200, json={"name": {"no": 1}}), _strict_response_validation=True
    )
    with pytest.raises(APIResponseValidationError) as info:
        await bad.get("/x", cast_to=Named)
    assert isinstance(info.value.__cause__, pydantic.ValidationError)


async def test_post_sends_json_raw_content_and_a_lazy_iterator() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.read())
        return httpx.Response(200, content=seen[-1])

    client, _ = make_async_client(handler)
    assert await client.post("/echo", body={"a": 1}, cast_to=object) == {"a": 1}
    pulled: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        pulled.append(1)
        yield b"raw bytes"

    response = await client.post(
        "/echo",
        content=chunks(),
        cast_to=httpx.Response,
        options={"headers": {"Content-Type": "application/octet-stream"}},
    )
    assert response.request.headers["Content-Type"] == "application/octet-stream"
    assert seen[-1] == b"raw bytes"
    assert pulled == [1]
    with pytest.deprecated_call(match="Passing raw bytes as `body` is deprecated"):
        await client.post("/echo", body=b"old", cast_to=httpx.Response)
    assert seen[-1] == b"old"


async def test_redirects_are_followed_unless_turned_off() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/from":
            return httpx.Response(302, headers={"Location": f"{BASE_URL}/to"})
        return httpx.Response(200, json={"ok": True})

    # The SDK's default pool follows redirects; MockTransport under it.
    client = AsyncGroq(
        api_key=API_KEY,
        base_url=BASE_URL,
        http_client=DefaultAsyncHttpxClient(transport=httpx.MockTransport(handler)),
    )
    assert await client.post("/from", cast_to=object) == {"ok": True}
    with pytest.raises(APIStatusError) as info:
        await client.post("/from", cast_to=object, options={"follow_redirects": False})
    assert info.value.status_code == 302
