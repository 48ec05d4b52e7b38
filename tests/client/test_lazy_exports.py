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


def test_no_exported_name_is_shadowed_by_a_submodule_of_the_same_name() -> None:
    # Importing a submodule sets it as an attribute of the package: a module named like an
    # exported function (the old groq_batch/estimate.py) replaced `groq_batch.estimate` with the
    # module for anyone who had imported it first, and calling it failed.
    code = (
        "import importlib, pkgutil, groq_batch\n"
        "for info in pkgutil.iter_modules(groq_batch.__path__):\n"
        "    if info.name in groq_batch.__all__:\n"
        "        print(info.name)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == []


def test_estimate_is_callable_after_its_module_was_imported() -> None:
    code = "import groq_batch.costs, groq_batch\nprint(callable(groq_batch.estimate))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "True"
