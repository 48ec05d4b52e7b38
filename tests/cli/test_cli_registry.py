"""The job registry on its own: what it stores, what it never stores, and how it finds jobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from groq_batch.jobs import (
    FINISHED,
    SUBMITTED,
    WRITTEN,
    JobNameError,
    JobRegistry,
    default_registry_path,
    endpoint_label,
    file_sha256,
)


@pytest.fixture
def registry(tmp_path: Path) -> JobRegistry:
    return JobRegistry(tmp_path / "reg" / "jobs.sqlite3")


def test_records_round_trip_and_names_resolve_to_batch_ids(
    registry: JobRegistry, tmp_path: Path
) -> None:
    source = tmp_path / "questions.jsonl"
    source.write_text("{}\n")
    job = registry.record(
        ["batch_a", "batch_b"], endpoint="groq", input_path=source, output_path="out.jsonl"
    )
    assert job.name.startswith("questions-")
    assert job.batch_ids == ("batch_a", "batch_b")
    assert job.input_path == str(source.resolve())
    assert job.input_sha256 == file_sha256(source)
    assert job.output_path == str(Path("out.jsonl").resolve())
    assert job.state == SUBMITTED
    assert registry.get(job.name) == job
    assert registry.get("batch_b") == job
    assert registry.get("nope") is None
    assert registry.resolve(job.name) == ["batch_a", "batch_b"]
    assert registry.resolve([job.name, "batch_c", "batch_a"]) == ["batch_a", "batch_b", "batch_c"]
    registry.update_state(job.name, FINISHED)
    assert registry.get(job.name).state == FINISHED  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="unknown job state"):
        registry.update_state(job.name, "bogus")


def test_names_are_unique_and_never_look_like_batch_ids(registry: JobRegistry) -> None:
    registry.record(["batch_a"], endpoint="groq", name="mine")
    with pytest.raises(JobNameError, match="already exists"):
        registry.record(["batch_b"], endpoint="groq", name="mine")
    for bad in ("batch_x", "", "has space", "x" * 65, "-lead"):
        with pytest.raises(JobNameError, match="invalid job name"):
            registry.record(["batch_c"], endpoint="groq", name=bad)
    assert registry.get("batch_b") is None
    assert [j.name for j in registry.list()] == ["mine"]


def test_unfinished_lookup_matches_input_hash_output_and_endpoint(
    registry: JobRegistry, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("a\n")
    sha = file_sha256(source)
    job = registry.record(["batch_1"], endpoint="local:/d", input_path=source, output_path="o")
    same = {"input_path": source, "input_sha256": sha, "output_path": "o", "endpoint": "local:/d"}
    assert registry.find_unfinished(**same) == job  # type: ignore[arg-type]
    for change in ({"output_path": "p"}, {"endpoint": "groq"}, {"input_sha256": "0" * 64}):
        assert registry.find_unfinished(**{**same, **change}) is None  # type: ignore[arg-type]
    registry.update_state(job.name, WRITTEN)
    assert registry.find_unfinished(**same) is None  # type: ignore[arg-type]


def test_retries_are_found_by_their_parent_ids(registry: JobRegistry) -> None:
    registry.record(["batch_p1", "batch_p2"], endpoint="groq", name="parent")
    retry = registry.record(["batch_r"], endpoint="groq", retry_of=["batch_p1", "batch_p2"])
    assert registry.find_retry(["batch_p1", "batch_p2"]) == retry
    assert registry.find_retry(["batch_p1"]) is None


def test_reading_creates_nothing_and_the_default_lives_in_the_xdg_data_home(
    registry: JobRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert registry.list() == []
    assert registry.get("x") is None
    assert not registry.path.parent.exists()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_registry_path() == tmp_path / "xdg" / "groq-batch" / "jobs.sqlite3"
    assert JobRegistry().path == default_registry_path()


@pytest.mark.parametrize(
    ("base_url", "label"),
    [
        (None, "groq"),
        ("https://api.groq.com/", "groq"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://user:gsk_SECRET@proxy.example/v1?key=gsk_SECRET", "https://proxy.example/v1"),
    ],
)
def test_endpoints_never_carry_a_credential(base_url: str | None, label: str) -> None:
    assert endpoint_label(local_data_dir=None, base_url=base_url) == label


def test_local_endpoints_name_their_data_dir(tmp_path: Path) -> None:
    label = endpoint_label(local_data_dir=tmp_path, base_url="ignored")
    assert label == f"local:{tmp_path.resolve()}"
