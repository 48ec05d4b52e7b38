"""The job registry and the dashboard's cache are the user's alone: 0700 folders, 0600 files."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from groq_batch.jobs import JobRegistry, default_data_dir

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    previous = os.umask(0o022)  # what left everything 0644 in 0755 folders
    yield tmp_path
    os.umask(previous)


def test_the_registry_is_created_private(usual_umask: Path) -> None:
    registry = JobRegistry()
    registry.record(["batch_1"], endpoint="groq")
    assert _mode(default_data_dir()) == 0o700
    assert _mode(registry.path) == 0o600
    for extra in registry.path.parent.glob("jobs.sqlite3*"):
        assert _mode(extra) == 0o600, extra


def test_an_existing_registry_is_tightened(usual_umask: Path) -> None:
    folder = default_data_dir()
    folder.mkdir(parents=True, mode=0o755)
    os.chmod(folder, 0o755)
    path = folder / "jobs.sqlite3"
    JobRegistry(path).record(["batch_1"], endpoint="groq")
    os.chmod(path, 0o644)
    os.chmod(folder, 0o755)
    JobRegistry().record(["batch_2"], endpoint="groq")
    assert _mode(folder) == 0o700
    assert _mode(path) == 0o600


def test_a_registry_in_a_folder_of_the_callers_keeps_that_folder(usual_umask: Path) -> None:
    folder = usual_umask / "mine"
    folder.mkdir()
    registry = JobRegistry(folder / "jobs.sqlite3")
    registry.record(["batch_1"], endpoint="groq")
    assert _mode(folder) == 0o755
    assert _mode(registry.path) == 0o600


def test_the_dashboard_cache_is_private(usual_umask: Path) -> None:
    from groq_batch_cli.ui.cache import ResultsCache

    old = usual_umask / "ui-cache"
    old.mkdir(mode=0o755)
    os.chmod(old, 0o755)
    (old / "stale.sqlite3").write_bytes(b"")
    os.chmod(old / "stale.sqlite3", 0o644)
    cache = ResultsCache(old)
    assert _mode(old) == 0o700
    assert _mode(old / "stale.sqlite3") == 0o600
    cache.build(["batch_1"], iter([]))
    assert _mode(cache.path(["batch_1"])) == 0o600

    fresh = ResultsCache(usual_umask / "new-cache")
    fresh.build(["batch_1"], iter([]))
    assert _mode(usual_umask / "new-cache") == 0o700
    assert _mode(fresh.path(["batch_1"])) == 0o600
