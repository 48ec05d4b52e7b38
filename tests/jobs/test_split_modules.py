"""The job layer's modules split along their seams (issue 24) keep every name users imported.

``groq_batch.jobs``, ``groq_batch.local`` and ``groq_batch.costs`` were one file each; their
pieces now live in modules of their own, and each old module re-exports what was imported from
it (by users, the CLI, the dashboard and the server), as the very same objects.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import groq_batch

# Each old module's public names before the split (its __all__, and the names other packages
# read from it), with the module each now lives in.
_MOVED = {
    "groq_batch.jobs": {
        "groq_batch.job_record": [
            "CANCELLED", "FINISHED", "STATES", "SUBMITTED", "WRITTEN", "JobRecord",
            "endpoint_label", "file_sha256", "is_valid_name", "run_key",
        ],
        "groq_batch.job_schema": ["SCHEMA_VERSION"],
        "groq_batch.job_reservations": ["RESERVATION_TTL"],
        "groq_batch.job_keys": ["JobConnection", "job_connection"],
        "groq_batch._errors": ["JobKeyError", "JobNameError"],
        "groq_batch.private_files": ["default_data_dir"],
        "groq_batch.jobs": ["DB_NAME", "JobRegistry", "default_registry_path"],
    },
    "groq_batch.local": {
        "groq_batch.private_files": [
            "default_data_dir", "private_database", "private_dir", "private_file",
            "write_private",
        ],
        "groq_batch.local_daemon": [
            "DEFAULT_IDLE_EXIT", "IDLE_EXIT_ENV", "RECORD", "SERVER_LOCK", "SERVER_PID",
            "LocalServerError", "detach_options", "ensure_running", "find_running",
            "lock_holder", "log_path", "pid_alive", "read_record", "read_secret",
            "starter_lock", "terminate", "version",
        ],
        "groq_batch.following": ["AsyncFollowingTransport", "FollowingTransport"],
        "groq_batch.local": ["async_local_client", "local_client"],
    },
    "groq_batch.costs": {
        "groq_batch.cost_bound": [
            "DEFAULT_TYPICAL_COMPLETION_TOKENS", "REASONING_TYPICAL_COMPLETION_TOKENS",
            "prompt_tokens", "typical_completion_tokens",
        ],
        "groq_batch.cost_estimate": ["Estimate", "ModelEstimate", "estimate"],
        "groq_batch.cost_actual": ["ActualCost", "CostTally", "ModelActual", "actual_cost"],
        "groq_batch.cost_report": ["format_usd"],
        "groq_batch._tokens": ["MESSAGE_OVERHEAD"],
    },
}  # fmt: skip

_CASES = [
    (old, home, name)
    for old, homes in _MOVED.items()
    for home, names in homes.items()
    for name in names
]


@pytest.mark.parametrize(("old", "home", "name"), _CASES)
def test_an_old_module_still_gives_each_name_as_the_same_object(
    old: str, home: str, name: str
) -> None:
    assert getattr(importlib.import_module(old), name) is getattr(
        importlib.import_module(home), name
    )


def test_each_old_module_still_lists_what_its_all_listed() -> None:
    listed = {
        "groq_batch.jobs": 19,
        "groq_batch.local": 22,
        "groq_batch.costs": 12,
    }
    for old, count in listed.items():
        module = importlib.import_module(old)
        names = set(module.__all__)
        assert len(names) >= count, old
        for name in names:
            assert hasattr(module, name), f"{old}.{name}"


_PACKAGE = Path(groq_batch.__file__).parent
_SPLIT = [
    "jobs", "job_record", "job_schema", "job_reservations", "job_keys",
    "local", "private_files", "local_daemon", "following",
    "costs", "cost_bound", "cost_estimate", "cost_actual", "cost_report",
]  # fmt: skip


@pytest.mark.parametrize("name", _SPLIT)
def test_each_module_of_the_split_is_at_most_600_lines(name: str) -> None:
    lines = (_PACKAGE / f"{name}.py").read_text(encoding="utf-8").count("\n")
    assert lines <= 600, f"groq_batch/{name}.py has {lines} lines"
