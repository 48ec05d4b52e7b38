"""`Retry-After` as an HTTP-date (RFC 9110 §10.2.3): read relative to the caller's `now`, in UTC.

The pure decisions only: the send loop's use of them is covered against the local server by
`tests/server/test_fault_matrix.py::test_429_with_retry_after_is_waited_out`.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterator

import pytest

from groq_batch._retry import (
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    decide_response,
    retry_after,
    retry_delay,
)

# 2015-10-21 07:28:00 UTC, the RFC's own example date.
WHEN = 1_445_412_480.0

# The three forms RFC 9110 §5.6.7 says a recipient must accept, all naming WHEN. The obsolete
# asctime form carries no zone: an HTTP-date is always UTC, whatever the zone of the machine.
FORMS = {
    "IMF-fixdate": "Wed, 21 Oct 2015 07:28:00 GMT",
    "RFC 850": "Wednesday, 21-Oct-15 07:28:00 GMT",
    "asctime": "Wed Oct 21 07:28:00 2015",
}


@pytest.fixture(params=["UTC0", "IST-5:30", "PST8PDT"])
def local_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test with the process's local time zone set to a POSIX TZ string (no tzdata)."""
    zone: str = request.param
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield zone
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("form", sorted(FORMS))
def test_an_http_date_is_read_in_utc_whatever_the_local_zone(local_zone: str, form: str) -> None:
    headers = {"retry-after": FORMS[form]}
    assert retry_after(headers, now=WHEN - 7) == 7.0
    assert retry_delay(0, headers, now=WHEN - 7, jitter=0.0) == 7.0


def test_the_wait_is_counted_from_the_now_passed_in() -> None:
    headers = {"retry-after": FORMS["IMF-fixdate"]}
    assert retry_delay(0, headers, now=WHEN - 30, jitter=0.0) == 30.0
    assert retry_delay(0, headers, now=WHEN - 12.5, jitter=0.0) == 12.5


def test_a_date_is_capped_like_the_seconds_form() -> None:
    headers = {"retry-after": FORMS["IMF-fixdate"]}
    # Exactly the cap is waited out; one second more falls back to the capped backoff, as a
    # `retry-after: 61` does.
    assert retry_delay(0, headers, now=WHEN - MAX_RETRY_AFTER, jitter=0.0) == MAX_RETRY_AFTER
    over = retry_delay(0, headers, now=WHEN - MAX_RETRY_AFTER - 1, jitter=0.0)
    assert over == INITIAL_RETRY_DELAY
    seconds = retry_delay(0, {"retry-after": str(int(MAX_RETRY_AFTER) + 1)}, now=0.0, jitter=0.0)
    assert over == seconds


def test_a_date_in_the_past_means_retry_now() -> None:
    # The time the server named has come: no wait, as for `retry-after: 0` (docs/guides/migrating.md
    # lists this beside the SDK's backoff). The retry budget still bounds the attempts.
    headers = {"retry-after": FORMS["IMF-fixdate"]}
    assert retry_after(headers, now=WHEN + 3600) == 0.0
    assert retry_delay(1, headers, now=WHEN + 3600, jitter=0.9) == 0.0


@pytest.mark.parametrize(
    "raw",
    [
        "soon",
        "Wed, 32 Oct 2015 07:28:00 GMT",  # no such day
        "Wed, 21 Oct 2015 25:28:00 GMT",  # no such hour
        "Wed, 21 Oct 99999 07:28:00 GMT",  # past datetime's range
        "Wed, 21 Oct 2015",  # no time of day
        "",
    ],
)
def test_a_date_that_is_not_one_falls_back_to_the_backoff(raw: str) -> None:
    headers = {"retry-after": raw}
    assert retry_after(headers, now=WHEN) is None
    assert retry_delay(1, headers, now=WHEN, jitter=0.0) == INITIAL_RETRY_DELAY * 2


def test_deciding_whether_to_retry_reads_no_clock() -> None:
    # Whether to retry never depends on the wait asked for (an overlong one falls back to the
    # backoff, it is not raised), so the decision takes no `now`; only `retry_delay` reads dates.
    assert "now" not in inspect.signature(decide_response).parameters
    assert "now" in inspect.signature(retry_delay).parameters
