"""The server's worker, store and executors split along their seams (issue 24) keep their names.

Each old module re-exports what the app, the runtime and tests imported from it, as the very
same objects as in the module that now holds them.
"""

from __future__ import annotations

import importlib

import pytest

from tests.split_support import moved_cases, offered_as_the_same_object

_MOVED = {
    "groq_batch_server.worker": {
        "groq_batch_server.lifecycle": [
            "TRANSITIONS", "CancelConflictError", "IllegalTransitionError", "request_cancel",
            "transition",
        ],
        "groq_batch.statuses": ["TERMINAL_STATUSES"],
        "groq_batch_server.worker": ["MAX_REPORTED_ERRORS", "Worker"],
    },
    "groq_batch_server.store": {
        "groq_batch_server.rows": [
            "BatchRow", "FileRow", "PendingRequest", "ResultRow", "StoredLine",
        ],
        "groq_batch_server.schema": ["ACTIVE_STATUSES", "DB_NAME"],
        "groq_batch_server.store": ["DataDirInUseError", "Store"],
    },
    "groq_batch_server.executors": {
        "groq_batch_server.execution": ["ExecRequest", "Executor", "Interrupted", "Outcome"],
        "groq_batch_server.echo": ["EchoExecutor"],
        "groq_batch_server.upstream": ["UpstreamExecutor"],
    },
}  # fmt: skip

_CASES = moved_cases(_MOVED)


@pytest.mark.parametrize(("old", "home", "name"), _CASES)
def test_each_old_module_still_offers_the_same_object(old: str, home: str, name: str) -> None:
    assert offered_as_the_same_object(old, home, name)


@pytest.mark.parametrize("old", sorted(_MOVED))
def test_every_name_an_old_module_exports_is_listed(old: str) -> None:
    listed = {name for names in _MOVED[old].values() for name in names}
    assert set(importlib.import_module(old).__all__) <= listed
