"""The public surface: one curated `__all__`, lazy and light, with the seed's names."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import groq_batch
import groq_batch.types
from groq_batch import AsyncGroq, Groq
from groq_batch.resources import AsyncBatches, AsyncFiles, Batches, Files

INIT = Path(groq_batch.__file__)


def test_all_is_sorted_and_every_name_resolves() -> None:
    names = groq_batch.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(groq_batch, name) is not None, name
    assert set(dir(groq_batch)) >= set(names)


def test_lazy_table_and_type_checking_imports_agree_with_all() -> None:
    tree = ast.parse(INIT.read_text())
    checked = {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname
    }
    lazy = set(groq_batch._LAZY)
    assert lazy == checked
    assert lazy | {"__version__"} == set(groq_batch.__all__)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError):
        groq_batch.NoSuchThing  # noqa: B018


def _fresh(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_import_groq_batch_is_light() -> None:
    loaded = _fresh("import sys, groq_batch; print(' '.join(sorted(sys.modules)))").split()
    heavy = ("httpx", "attr", "groq_batch_api", "groq_batch_server", "groq_batch_cli", "rich")
    assert [m for m in loaded if m.startswith(heavy)] == []


def test_using_the_client_never_loads_the_server_or_the_cli() -> None:
    code = (
        "import sys\n"
        "from groq_batch import Groq, AsyncGroq, APIError\n"
        "import groq_batch.types\n"
        "Groq(api_key='x').close()\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = _fresh(code).split()
    assert "groq_batch._client" in loaded
    for forbidden in ("groq_batch_server", "groq_batch_cli", "starlette", "uvicorn"):
        assert not any(m == forbidden or m.startswith(forbidden + ".") for m in loaded), forbidden


def test_the_client_class_loads_no_generated_code_until_a_resource_is_used() -> None:
    # `from groq_batch import Groq` costs httpx plus this package's own small modules: the
    # generated models and attrs load on first use of `client.batches` / `client.files`.
    code = (
        "import sys\n"
        "from groq_batch import Groq, AsyncGroq, APIError\n"
        "client = Groq(api_key='x')\n"
        "before = sorted(m for m in sys.modules if m.startswith(('attr', 'groq_batch_api')))\n"
        "assert client.batches is client.batches and client.files is client.files\n"
        "after = [m for m in sys.modules if m.startswith(('attr', 'groq_batch_api'))]\n"
        "print(' '.join(before), '|', len(after))"
    )
    before, after = _fresh(code).split("|")
    assert before.split() == []
    assert int(after) > 0


def test_seed_type_names() -> None:
    types = groq_batch.types
    assert types.BatchCreateResponse is types.BatchRetrieveResponse is types.BatchCancelResponse
    assert types.BatchCreateResponse is types.Batch
    assert types.FileCreateResponse is types.FileInfoResponse is types.FileObject
    for name in ("BatchListResponse", "BatchRequestCounts", "BatchErrors", "BatchError",
                 "FileListResponse", "FileDeleteResponse"):  # fmt: skip
        assert name in types.__all__
    assert types.__all__ == sorted(types.__all__)


SEED_METHODS = {
    # `idempotency_marker` (issue 25): the create marker, per call.
    "create": ["input_file_id", "endpoint", "completion_window", "metadata", "idempotency_marker"],
    "retrieve": ["batch_id"],
    "list": ["after", "limit"],
    "cancel": ["batch_id"],
}
EXTRAS = ["extra_headers", "extra_query", "extra_body", "timeout"]


@pytest.mark.parametrize("resource", [Batches, AsyncBatches])
def test_batches_have_the_seed_parameters(resource: type) -> None:
    for method, params in SEED_METHODS.items():
        signature = inspect.signature(getattr(resource, method))
        assert list(signature.parameters)[1:] == params + EXTRAS, method
        assert getattr(resource, method).__doc__, method


@pytest.mark.parametrize("resource", [Files, AsyncFiles])
def test_files_have_groqs_names(resource: type) -> None:
    for method in ("create", "list", "info", "delete", "content"):
        signature = inspect.signature(getattr(resource, method))
        assert list(signature.parameters)[-4:] == EXTRAS, method
        assert "Args:" in (getattr(resource, method).__doc__ or ""), method


def test_sync_and_async_twins_match() -> None:
    for sync, async_ in ((Batches, AsyncBatches), (Files, AsyncFiles), (Groq, AsyncGroq)):
        public = {n for n in vars(sync) if not n.startswith("_")}
        assert public == {n for n in vars(async_) if not n.startswith("_")}
        for name in public:
            member = getattr(sync, name)
            if callable(member) and name not in ("close",):
                assert inspect.signature(member).parameters.keys() == (
                    inspect.signature(getattr(async_, name)).parameters.keys()
                ), name
