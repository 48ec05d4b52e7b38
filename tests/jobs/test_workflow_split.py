"""A part the server refuses as too large (413) is halved and sent again (issue 11 item 4), against
the local server with a low upload limit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groq_batch import AsyncGroq, Groq, RequestTooLargeError
from groq_batch.jsonl import BatchRequest, chat_request, dump_line
from groq_batch.sharding import DEFAULT_MAX_PART_BYTES, MIN_PART_BYTES, halve_shard

if TYPE_CHECKING:
    from groq_batch_server import LocalServer


def requests(n: int) -> list[BatchRequest]:
    return [
        chat_request(
            f"q-{i}",
            model="llama-3.1-8b-instant",
            messages=[{"role": "user", "content": f"Question {i}? " + "x" * 60}],
        )
        for i in range(n)
    ]


def test_the_default_part_size_is_groqs_200_mb() -> None:
    assert DEFAULT_MAX_PART_BYTES == 200 * 1024 * 1024


def test_a_413_part_is_halved_until_it_fits_and_every_row_comes_back_once(
    make_local_server: Callable[..., LocalServer],
) -> None:
    inputs = requests(2000)
    total = sum(len(dump_line(r)) for r in inputs)
    # Refused whole and in halves, accepted in quarters.
    server = make_local_server(api_key=None, max_upload_bytes=total // 3)
    with Groq(api_key="k", base_url=server.base_url) as client:
        job = client.batches.submit(inputs)
        assert len(job.ids) == 4
        parts = sorted(b.metadata.additional_properties["groq_batch_part"] for b in job.batches)  # type: ignore[union-attr]
        assert parts == ["1/4", "2/4", "3/4", "4/4"]
        job.wait(poll_interval=0.05)
        seen = Counter(r.custom_id for r in job.results(inputs=inputs))
    assert seen == Counter(r.custom_id for r in inputs)
    assert set(seen.values()) == {1}


def test_a_413_below_the_floor_is_raised_and_creates_no_batch(
    make_local_server: Callable[..., LocalServer],
) -> None:
    server = make_local_server(api_key=None, max_upload_bytes=MIN_PART_BYTES // 4)
    with Groq(api_key="k", base_url=server.base_url) as client:
        with pytest.raises(RequestTooLargeError):
            client.batches.submit(requests(2000))
        assert list(client.batches.list()) == []


@pytest.mark.anyio
async def test_the_async_submit_halves_too(make_local_server: Callable[..., LocalServer]) -> None:
    inputs = requests(2000)
    total = sum(len(dump_line(r)) for r in inputs)
    server = make_local_server(api_key=None, max_upload_bytes=total * 2 // 3)
    client = AsyncGroq(api_key="k", base_url=server.base_url)
    try:
        job = await client.batches.submit(inputs)
        assert len(job.ids) == 2
    finally:
        await client.close()


def test_a_split_file_is_uploaded_from_ranges_of_itself_not_copied(tmp_path: Path) -> None:
    from groq_batch.sharding import plan_shards

    path = tmp_path / "in.jsonl"
    data = b"".join(dump_line(r) for r in requests(25)).rstrip(b"\n")  # no final newline
    path.write_bytes(data)
    plan = plan_shards(path, endpoint=None, max_lines=10)
    try:
        # Nothing is written for a file's parts: no scratch folder at all.
        assert plan.tmpdir is None
        assert [(s.name, s.lines) for s in plan.shards] == [
            ("part-0001.jsonl", 10),
            ("part-0002.jsonl", 10),
            ("part-0003.jsonl", 5),
        ]
        pieces = []
        for shard in plan.shards:
            with shard.open() as fh:
                assert fh.seek(0, 2) == shard.bytes  # how httpx measures an upload
                fh.seek(0)
                pieces.append(fh.read())
        assert b"".join(pieces) == data
        halves = halve_shard(plan.shards[0], floor=0)
        assert halves is not None
        assert [(h.name, h.lines) for h in halves] == [
            ("part-0001.1.jsonl", 5),
            ("part-0001.2.jsonl", 5),
        ]
        with halves[0].open() as a, halves[1].open() as b:
            assert a.read() + b.read() == pieces[0]
    finally:
        plan.cleanup()


def reference_split(
    data: bytes, max_lines: int, max_bytes: int
) -> list[tuple[int, int, int]] | int:
    """The parts as a line-by-line reading makes them ((offset, lines, bytes) each), or the
    number of the first line too large for any part."""
    parts: list[list[int]] = []
    offset = sent = 0
    for raw in data.splitlines(keepends=True):
        size = len(raw) + (not raw.endswith(b"\n"))
        if size > max_bytes:
            return sum(p[1] for p in parts) + 1
        if not parts or parts[-1][1] >= max_lines or sent + size > max_bytes:
            parts.append([offset, 0, 0])
            sent = 0
        parts[-1][1] += 1
        parts[-1][2] += len(raw)
        sent += size
        offset += len(raw)
    return [(o, n, b) for o, n, b in parts]


@given(
    sizes=st.lists(st.integers(0, 40), min_size=1, max_size=60),
    terminated=st.booleans(),
    max_lines=st.integers(1, 12),
    max_bytes=st.integers(1, 200),
    block=st.integers(1, 64),
)
def test_the_newline_scan_splits_exactly_as_reading_line_by_line(
    tmp_path_factory: pytest.TempPathFactory,
    sizes: list[int],
    terminated: bool,
    max_lines: int,
    max_bytes: int,
    block: int,
) -> None:
    from unittest import mock

    from groq_batch import ValidationError, sharding
    from groq_batch.sharding import ShardPlan

    def _split(*args: Any) -> None:
        # Blocks as small as the lines, so that parts end across and inside blocks.
        with mock.patch.object(sharding, "_BLOCK", block):
            sharding._split(*args)

    data = b"".join(b"x" * n + b"\n" for n in sizes)
    data = data if terminated else data[:-1] + b"y"
    path = tmp_path_factory.mktemp("split") / "in.jsonl"
    path.write_bytes(data)
    plan = ShardPlan()
    expected = reference_split(data, max_lines, max_bytes)
    if isinstance(expected, int):
        with pytest.raises(ValidationError) as info:
            _split(path, plan, "in.jsonl", max_lines, max_bytes)
        # The same line is named: the first one too large for any part.
        assert info.value.problems[0].line == expected
        return
    _split(path, plan, "in.jsonl", max_lines, max_bytes)
    assert [(s.offset, s.lines, s.bytes) for s in plan.shards] == expected
