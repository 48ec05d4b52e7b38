"""The job layer's pure parts: the poll back-off and the all-or-nothing download."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from groq_batch._errors import IncompleteContentError
from groq_batch.downloads import atomic_download
from groq_batch.polling import poll_delays


def test_poll_backoff_grows_to_a_cap() -> None:
    delays = [d for _, d in zip(range(30), poll_delays(None), strict=False)]
    assert 0.85 <= delays[0] <= 1.15
    assert all(b > a * 1.2 for a, b in itertools.pairwise(delays[:9]))
    assert 54 <= max(delays) <= 66
    fixed = [d for _, d in zip(range(3), poll_delays(2.5), strict=False)]
    assert fixed == [2.5, 2.5, 2.5]


def test_poll_backoff_is_spread_by_the_jitter_it_is_given() -> None:
    low = [d for _, d in zip(range(3), poll_delays(None, lambda: 0.0), strict=False)]
    high = [d for _, d in zip(range(3), poll_delays(None, lambda: 1.0), strict=False)]
    assert low == pytest.approx([0.9, 1.35, 2.025])
    assert high == pytest.approx([1.1, 1.65, 2.475])


def test_download_refuses_a_short_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with (
        pytest.raises(IncompleteContentError, match="received 3 of 10 bytes"),
        atomic_download(target, "file_x", 10) as tmp,
    ):
        tmp.write_bytes(b"abc")
    assert list(tmp_path.iterdir()) == []
    with atomic_download(target, "file_x", 3) as tmp:
        tmp.write_bytes(b"abc")
    assert target.read_bytes() == b"abc"
