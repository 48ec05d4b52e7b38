from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.batch_list import BatchList
from ...models.error_response import ErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    id: list[str] | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["after"] = after

    params["limit"] = limit

    params["cursor"] = cursor

    json_id: list[str] | Unset = UNSET
    if not isinstance(id, Unset):
        json_id = id

    params["id"] = json_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/openai/v1/batches",
        "params": params,
    }

    return _kwargs


request_kwargs = _get_kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BatchList | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = BatchList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if 500 <= response.status_code <= 599:
        response_5xx = ErrorResponse.from_dict(response.json())

        return response_5xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[BatchList | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    id: list[str] | Unset = UNSET,
) -> Response[BatchList | ErrorResponse]:
    """List batches

     List batches, newest first. Two pagination styles exist: OpenAI's `after`/`limit` with
    `first_id`/`last_id`/`has_more`, and Groq's `cursor` with `paging.next_cursor`. Repeat
    `id` to fetch specific batches (at most 200 per request).

    Args:
        after (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        id (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchList | ErrorResponse]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        cursor=cursor,
        id=id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    id: list[str] | Unset = UNSET,
) -> BatchList | ErrorResponse | None:
    """List batches

     List batches, newest first. Two pagination styles exist: OpenAI's `after`/`limit` with
    `first_id`/`last_id`/`has_more`, and Groq's `cursor` with `paging.next_cursor`. Repeat
    `id` to fetch specific batches (at most 200 per request).

    Args:
        after (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        id (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchList | ErrorResponse
    """

    return sync_detailed(
        client=client,
        after=after,
        limit=limit,
        cursor=cursor,
        id=id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    id: list[str] | Unset = UNSET,
) -> Response[BatchList | ErrorResponse]:
    """List batches

     List batches, newest first. Two pagination styles exist: OpenAI's `after`/`limit` with
    `first_id`/`last_id`/`has_more`, and Groq's `cursor` with `paging.next_cursor`. Repeat
    `id` to fetch specific batches (at most 200 per request).

    Args:
        after (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        id (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchList | ErrorResponse]
    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        cursor=cursor,
        id=id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    after: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    id: list[str] | Unset = UNSET,
) -> BatchList | ErrorResponse | None:
    """List batches

     List batches, newest first. Two pagination styles exist: OpenAI's `after`/`limit` with
    `first_id`/`last_id`/`has_more`, and Groq's `cursor` with `paging.next_cursor`. Repeat
    `id` to fetch specific batches (at most 200 per request).

    Args:
        after (str | Unset):
        limit (int | Unset):
        cursor (str | Unset):
        id (list[str] | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchList | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            limit=limit,
            cursor=cursor,
            id=id,
        )
    ).parsed
