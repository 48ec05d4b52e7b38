"""Server ids: Groq's shape, strictly increasing, and the ULID digits of the spelled-out rule."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from groq_batch_server import ids

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def _digits(value: int, length: int) -> str:
    """The rule written out digit by digit: base 32, most significant first, zero-padded."""
    out = ""
    for _ in range(length):
        value, index = divmod(value, 32)
        out = _CROCKFORD[index] + out
    return out


@given(millis=st.integers(0, 2**48 - 1), rand=st.integers(0, 2**80 - 1))
def test_the_ulid_is_the_timestamp_then_the_random_bits_in_crockford_base32(
    millis: int, rand: int
) -> None:
    assert ids.encode_ulid(millis, rand) == _digits(millis, 10) + _digits(rand, 16)


def test_ids_have_groqs_shape_and_increase_within_one_millisecond() -> None:
    made = [ids.new_id("batch_req_out") for _ in range(2000)]
    assert all(re.fullmatch(r"batch_req_out_[0-9a-hjkmnp-tv-z]{26}", i) for i in made)
    assert made == sorted(made)
    assert len(set(made)) == len(made)
