"""One error hierarchy: every exception the client package raises is a `GroqError`.

Read from the source, so a new ``raise ValueError(...)`` anywhere in ``groq_batch`` fails here
before a user's ``except GroqError`` misses it.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pkgutil
import warnings
from pathlib import Path

import pytest

import groq_batch
from groq_batch import _errors

PACKAGE = Path(groq_batch.__file__).parent


def _modules() -> list[str]:
    names = ["groq_batch"]
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="groq_batch."):
        names.append(info.name)
    return sorted(names)


def _raised(tree: ast.AST, owner: str = "<module>") -> list[tuple[str, int, str]]:
    """Each ``raise Name(...)``: the name, its line, and the innermost enclosing function."""
    found = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += _raised(node, node.name)
            continue
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name):
                found.append((target.id, node.lineno, owner))
            elif isinstance(target, ast.Attribute):
                found.append((target.attr, node.lineno, owner))
        found += _raised(node, owner)
    return found


@pytest.mark.parametrize("name", _modules())
def test_every_exception_the_package_raises_is_a_groq_error(name: str) -> None:
    module = importlib.import_module(name)
    source = Path(inspect.getfile(module)).read_text(encoding="utf-8")
    tree = ast.parse(source)
    caught = {
        n.id
        for handler in ast.walk(tree)
        if isinstance(handler, ast.ExceptHandler) and handler.type is not None
        for n in ast.walk(handler.type)
        if isinstance(n, ast.Name)
    }
    wrong = []
    for exc_name, line, owner in _raised(tree):
        cls = getattr(module, exc_name, None) or getattr(builtins, exc_name, None)
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            continue  # re-raising a caught instance
        if owner == "__getattr__" and cls is AttributeError:
            continue  # the module protocol (PEP 562) requires it
        if owner in {"__set__", "__delete__"} and cls is AttributeError:
            continue  # the descriptor protocol: a read-only attribute refuses as property does
        if exc_name.startswith("_") and exc_name in caught:
            continue  # private control flow, caught in the same module
        if not issubclass(cls, _errors.GroqError):
            wrong.append(f"{name}:{line} raises {exc_name}")
    assert wrong == []


def test_every_public_error_is_exported_from_the_one_module_and_the_package() -> None:
    for exported in _errors.__all__:
        cls = getattr(_errors, exported)
        if isinstance(cls, type) and issubclass(cls, BaseException | Warning):
            assert getattr(groq_batch, exported) is cls, exported


def test_warnings_are_not_errors() -> None:
    assert issubclass(groq_batch.InsecureTransportWarning, UserWarning)
    assert not issubclass(groq_batch.InsecureTransportWarning, groq_batch.GroqError)
    # Turned into an error by a filter, the warning passes an `except GroqError` by.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        escaped = None
        try:
            try:
                warnings.warn("x", groq_batch.InsecureTransportWarning, stacklevel=1)
            except groq_batch.GroqError:
                escaped = False
        except UserWarning:
            escaped = True
    assert escaped


def test_errors_keep_their_old_import_paths_and_builtin_bases() -> None:
    from groq_batch.batch_requests import UnresolvedCreateError
    from groq_batch.jobs import JobNameError
    from groq_batch.results import MalformedResultError
    from groq_batch.tables import TableInputError
    from groq_batch.validation import ValidationError

    assert JobNameError is groq_batch.JobNameError
    assert UnresolvedCreateError is groq_batch.UnresolvedCreateError
    for cls in (JobNameError, MalformedResultError, TableInputError, ValidationError):
        assert issubclass(cls, groq_batch.GroqError)
        assert issubclass(cls, ValueError)
    assert issubclass(groq_batch.WaitTimeoutError, TimeoutError)


def test_a_bad_argument_is_a_groq_error_and_still_a_value_error(tmp_path: Path) -> None:
    from groq_batch.providers import get_provider

    with pytest.raises(groq_batch.GroqError) as caught:
        get_provider("nope")
    assert isinstance(caught.value, ValueError)
    with pytest.raises(groq_batch.JobNameError):
        groq_batch.JobRegistry(tmp_path / "jobs.sqlite3").record(
            ["batch_x"], endpoint="/v1/chat/completions", name="batch_abc"
        )


def test_the_server_s_http_error_is_not_the_client_s() -> None:
    from groq_batch_server import errors

    assert not hasattr(errors, "APIError")
    assert not issubclass(errors.HTTPProblem, groq_batch.APIError)
