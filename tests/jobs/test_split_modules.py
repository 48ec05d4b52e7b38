"""The job layer's modules split along their seams (issue 24) keep every name users imported.

``groq_batch.jobs``, ``groq_batch.local`` and ``groq_batch.costs`` were one file each; their
pieces now live in modules of their own, and each old module re-exports what was imported from
it (by users, the CLI, the dashboard and the server), as the very same objects.
"""

from __future__ import annotations

import importlib

import pytest

from tests.split_support import moved_cases, offered_as_the_same_object

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
        "groq_batch.tokens": ["MESSAGE_OVERHEAD"],
    },
}  # fmt: skip

_CASES = moved_cases(_MOVED)


@pytest.mark.parametrize(("old", "home", "name"), _CASES)
def test_an_old_module_still_gives_each_name_as_the_same_object(
    old: str, home: str, name: str
) -> None:
    assert offered_as_the_same_object(old, home, name)


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
