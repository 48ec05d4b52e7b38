"""One lazy-export helper (`groq_batch.lazy`), and one list of `groq_batch`'s public names."""

from __future__ import annotations

import subprocess
import sys

import groq_batch
from groq_batch import _client, _flavours, lazy


def test_every_lazy_module_uses_the_one_helper() -> None:
    import groq_batch_server

    assert _flavours.lazy_exports is lazy.lazy_exports
    for module in (groq_batch, _client, groq_batch_server):
        assert module.__getattr__.__qualname__ == "lazy_exports.<locals>.__getattr__"


def test_from_groq_batch_import_groq_stays_light() -> None:
    code = (
        "import sys\n"
        "from groq_batch import Groq\n"
        "print(' '.join(m for m in sys.modules if m.startswith(('attr', 'groq_batch_api'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == []


def test_a_loaded_name_is_kept_and_an_unknown_one_is_an_attribute_error() -> None:
    import pytest

    value = groq_batch.GroqError
    assert vars(groq_batch)["GroqError"] is value
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = groq_batch.Nope  # type: ignore[attr-defined]
