"""What a `client.batches` call sends, and how a retried create finds its batch.

A retried create does not make a second batch. Each logical create carries a client-generated
marker in its `metadata` under `IDEMPOTENCY_METADATA_KEY`. After an ambiguous failure (the request
may have reached the server, but no answer came back, or a gateway answered 5xx), the client waits
its backoff, looks for a batch with that marker, and returns it if an earlier attempt created it;
only if none did does it post again, with the same marker. If the look-up itself fails, or cannot
scan far enough back, the original error is raised rather than risking a duplicate.

The look-up sees what the server has stored. A server that stores the first attempt only after
the client has timed out *and* looked would still end up with two batches carrying the same
marker; the marker is what lets you find such a pair.

This module holds the resource's pure decisions (request building, the marker, the look-up
verdict), under public names because both flavours use them; the methods are written once,
async, in `_async/batches.py`, and `_sync/batches.py` is generated from it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

from groq_batch._errors import UnresolvedCreateError
from groq_batch._http import RequestOptions, require_id
from groq_batch._types import Body, Headers, NotGiven, Query, TimeoutTypes
from groq_batch.file_requests import simple_options
from groq_batch.providers import IDEMPOTENCY_METADATA_KEY
from groq_batch_api.api.batches import create_batch, list_batches
from groq_batch_api.models import Batch, BatchStatus, CreateBatchRequest, Metadata
from groq_batch_api.types import UNSET

__all__ = [
    "IDEMPOTENCY_METADATA_KEY",
    "LOOKUP_MAX_PAGES",
    "LOOKUP_PAGE_SIZE",
    "LOOKUP_WINDOW_SECONDS",
    "UnresolvedCreateError",
    "by_id_options",
    "create_options",
    "is_cancelled",
    "list_options",
    "lookup_verdict",
    "marker_for",
    "new_marker",
    "with_marker",
]

# How far back (server `created_at`, seconds) the look-up scans before concluding that no attempt
# created the batch. Generous, to absorb clock skew between client and server.
LOOKUP_WINDOW_SECONDS: Final = 900
LOOKUP_PAGE_SIZE: Final = 100
LOOKUP_MAX_PAGES: Final = 20
_CANCELLED: Final = frozenset({BatchStatus.CANCELLING, BatchStatus.CANCELLED})


def create_options(
    *,
    input_file_id: str,
    endpoint: str,
    completion_window: str,
    metadata: Mapping[str, str] | NotGiven | None,
    marker: str | None,
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
    timeout: TimeoutTypes | NotGiven,
) -> RequestOptions:
    """The create request: the caller's metadata plus the marker; never resent blindly."""
    pairs = with_marker(metadata, marker)
    body = CreateBatchRequest(
        input_file_id=require_id(input_file_id, "input_file_id"),
        endpoint=endpoint,
        completion_window=completion_window,
        metadata=Metadata.from_dict(pairs) if pairs else UNSET,
    )
    # Never retried blindly after an ambiguous failure: the marker look-up decides.
    kwargs = create_batch._get_kwargs(body=body)
    return simple_options(kwargs, extra_headers, extra_query, extra_body, timeout, idempotent=False)


def with_marker(
    metadata: Mapping[str, str] | NotGiven | None, marker: str | None
) -> dict[str, str]:
    """The metadata a create sends: the caller's pairs plus the marker, when there is one.

    The one place the marker joins the metadata, so whatever counts the pairs against the
    server's limit (16 pairs) counts what is really sent: `batches.create` and the job
    helpers' pre-flight check both call this.

    Args:
        metadata: The caller's metadata.
        marker: The create marker, or None when it is turned off.

    Returns:
        The pairs to send.
    """
    pairs = dict(metadata) if isinstance(metadata, Mapping) else {}
    if marker is not None:
        pairs[IDEMPOTENCY_METADATA_KEY] = marker
    return pairs


def new_marker() -> str:
    """A fresh create marker."""
    return f"gb_{uuid.uuid4().hex}"


def marker_for(metadata: Mapping[str, str] | NotGiven | None, enabled: bool) -> str | None:
    """The marker for one logical create: the caller's own key if given, else a fresh one.

    Args:
        metadata: The caller's metadata; a value under `IDEMPOTENCY_METADATA_KEY` is used as it is.
        enabled: Whether the marker is on (the call's `idempotency_marker`, else the client's
            `idempotent_creates`).

    Returns:
        The marker, or None when it is off and the caller gave none.
    """
    if isinstance(metadata, Mapping) and IDEMPOTENCY_METADATA_KEY in metadata:
        return metadata[IDEMPOTENCY_METADATA_KEY]
    return new_marker() if enabled else None


def lookup_verdict(batch: Batch, marker: str, since: float) -> Literal["match", "older", "skip"]:
    """Whether a listed batch is ours, older than any attempt could be, or neither."""
    metadata = batch.metadata
    ours = isinstance(metadata, Metadata) and metadata.additional_properties.get(
        IDEMPOTENCY_METADATA_KEY
    )
    if ours == marker:
        return "match"
    if batch.created_at < since - LOOKUP_WINDOW_SECONDS:
        return "older"
    return "skip"


def _list_kwargs(
    after: str | NotGiven | None, limit: int | NotGiven | None, cursor: dict[str, str]
) -> dict[str, object]:
    """The generated list request; a followed cursor replaces the caller's `after`."""
    first_after = after if isinstance(after, str) and not cursor else UNSET
    return list_batches._get_kwargs(
        after=cursor.get("after", first_after),
        limit=limit if isinstance(limit, int) else UNSET,
        cursor=cursor.get("cursor", UNSET),
    )


def list_options(
    after: str | NotGiven | None,
    limit: int | NotGiven | None,
    cursor: dict[str, str],
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
    timeout: TimeoutTypes | NotGiven,
) -> RequestOptions:
    """One page's request, with the per-call options merged."""
    kwargs = _list_kwargs(after, limit, cursor)
    return simple_options(kwargs, extra_headers, extra_query, extra_body, timeout)


def by_id_options(
    operation: Callable[[str], dict[str, Any]],
    batch_id: str,
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
    timeout: TimeoutTypes | NotGiven,
    *,
    idempotent: bool,
) -> RequestOptions:
    """The request of an operation on one batch (retrieve, cancel), its id checked first.

    `operation` is the generated operation's `_get_kwargs`; an empty `batch_id` is a
    `ValueError`. A retrieve is `idempotent`; a cancel is not (after an ambiguous failure the
    client checks the batch's status before asking again).
    """
    kwargs = operation(require_id(batch_id, "batch_id"))
    return simple_options(
        kwargs, extra_headers, extra_query, extra_body, timeout, idempotent=idempotent
    )


def is_cancelled(batch: Batch) -> Batch | None:
    """The batch when it is cancelling or cancelled (a cancel already took), else None."""
    return batch if batch.status in _CANCELLED else None
