"""No cassette may hold a secret: no key-shaped string, no Authorization but the placeholder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.cassette_support import AUTH_PLACEHOLDER

CASSETTES = Path(__file__).parent / "cassettes"
# Groq keys start with gsk_; match any such token, however short, to be safe.
KEY_SHAPED = re.compile(r"gsk_[A-Za-z0-9_\-]*")
BEARER = re.compile(r"Bearer\s+(\S+)", re.IGNORECASE)


def leaks(text: str) -> list[str]:
    """Key-shaped strings, and bearer tokens other than the placeholder, found in `text`."""
    found = KEY_SHAPED.findall(text)
    found += [m.group(0) for m in BEARER.finditer(text) if m.group(1) != "<redacted>"]
    return found


def cassette_files() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml")) + sorted(CASSETTES.rglob("*.yml"))


def test_there_are_cassettes_to_check() -> None:
    assert len(cassette_files()) >= 15


def test_the_scanner_finds_what_it_should() -> None:
    assert leaks("authorization: Bearer gsk_abc123") == ["gsk_abc123", "Bearer gsk_abc123"]
    assert leaks("authorization: Bearer sk-live-1") == ["Bearer sk-live-1"]
    assert leaks(f"authorization: {AUTH_PLACEHOLDER}") == []


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: p.name)
def test_no_secret_in_cassette(path: Path) -> None:
    text = path.read_text()
    assert leaks(text) == [], path
    for interaction in yaml.safe_load(text)["interactions"]:
        for side in ("request", "response"):
            headers = interaction[side].get("headers") or {}
            for name, values in headers.items():
                if name.lower() in ("authorization", "proxy-authorization", "api-key", "x-api-key"):
                    assert values == [AUTH_PLACEHOLDER], (path, side, name)
                assert name.lower() != "set-cookie", path
