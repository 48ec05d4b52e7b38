"""Provider profiles: one client for Groq, OpenAI and any OpenAI-format batch service.

The whole job runs against the real local server with each profile; the server serves both
`/openai/v1` (Groq's prefix) and `/v1` (OpenAI's), and the tests check which one each profile
reached by recording the request paths on the client's own httpx client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from groq_batch import Groq
from groq_batch._client import split_base_url
from groq_batch._errors import GroqError
from groq_batch.jobs import JobRegistry
from groq_batch.jsonl import BatchRequest, chat_request
from groq_batch.providers import PROVIDERS, get_provider
from groq_batch.results import Outcome
from groq_batch.validation import ValidationError
from groq_batch_server import LocalServer
from tests.cli_support import FAST, isolated_home, main, write_requests

__all__ = ["isolated_home"]

MODEL = "llama-3.1-8b-instant"


@pytest.fixture(autouse=True)
def _no_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GROQ_BATCH_PROVIDER", "OPENAI_API_KEY", "OPENAI_BASE_URL", "GROQ_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def _requests(n: int) -> list[BatchRequest]:
    return [
        chat_request(f"q-{i}", model=MODEL, messages=[{"role": "user", "content": f"Q{i}?"}])
        for i in range(n)
    ]


class _Paths:
    """The paths every request went to, seen on the wire by an httpx event hook."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.http = httpx.Client(event_hooks={"request": [self._hook]})

    def _hook(self, request: httpx.Request) -> None:
        self.seen.append(request.url.path)


@pytest.fixture
def paths() -> Iterator[_Paths]:
    p = _Paths()
    yield p
    p.http.close()


# ------------------------------------------------------------------------------ the profiles


def test_built_in_profiles_hold_each_service_s_facts() -> None:
    groq, openai, compat = (PROVIDERS[n] for n in ("groq", "openai", "openai-compatible"))
    assert (groq.base_url, groq.prefix, groq.max_lines, groq.max_bytes) == (
        "https://api.groq.com",
        "/openai/v1",
        50_000,
        200 * 1024 * 1024,
    )
    assert groq.windows == "from 24h to 7d"
    assert set(groq.endpoints) == {
        "/v1/chat/completions",
        "/v1/audio/transcriptions",
        "/v1/audio/translations",
    }
    assert (openai.base_url, openai.prefix) == ("https://api.openai.com", "/v1")
    assert openai.windows == "24h"
    assert "/v1/embeddings" in openai.endpoints
    assert "/v1/audio/translations" not in openai.endpoints
    assert (openai.api_key_env, openai.base_url_env) == ("OPENAI_API_KEY", "OPENAI_BASE_URL")
    assert compat.base_url is None
    assert compat.prefix == "/v1"
    assert get_provider(None) is groq
    assert get_provider(" OpenAI ") is openai
    with pytest.raises(ValueError, match="one of: groq, openai, openai-compatible"):
        get_provider("azure")


@pytest.mark.parametrize(
    ("base_url", "provider", "expected"),
    [
        ("https://api.groq.com", "groq", ("https://api.groq.com", "/openai/v1")),
        ("https://api.groq.com/openai/v1/", "groq", ("https://api.groq.com", "/openai/v1")),
        # A version path is the prefix as it is, as the openai SDK takes it.
        ("http://host:4000/v1", "groq", ("http://host:4000/v1", "")),
        ("http://host:4000/v1", "openai", ("http://host:4000", "/v1")),
        ("http://host:4000", "openai-compatible", ("http://host:4000", "/v1")),
        ("http://host/gw/openai/v1", "openai", ("http://host/gw/openai", "/v1")),
    ],
)
def test_a_base_url_ending_in_a_version_path_is_used_as_the_prefix(
    base_url: str, provider: str, expected: tuple[str, str]
) -> None:
    assert split_base_url(base_url, get_provider(provider)) == expected


def test_the_provider_picks_the_key_and_url_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "gsk_groq_key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk_openai_key")
    client = Groq(provider="openai")
    assert client._settings.api_key == "sk_openai_key"
    assert (client.base_url, client.prefix) == ("https://api.openai.com/", "/v1")
    assert "sk_openai_key" not in repr(client)
    assert "openai" in repr(client)
    monkeypatch.setenv("GROQ_BATCH_PROVIDER", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://gw.example/v1")
    client = Groq()
    assert str(client.base_url).rstrip("/") + client.prefix == "https://gw.example/v1"
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(GroqError, match="OPENAI_API_KEY"):
        Groq()


def test_openai_compatible_needs_a_base_url() -> None:
    with pytest.raises(GroqError, match="OPENAI_BASE_URL"):
        Groq(provider="openai-compatible", api_key="k")


def test_every_value_is_overridable_in_python(local_server: LocalServer) -> None:
    tiny = get_provider("openai-compatible").replace(max_lines=2, min_window_hours=48)
    with Groq(provider=tiny, api_key="k", base_url=local_server.base_url + "/v1") as client:
        assert client.provider.max_lines == 2
        with pytest.raises(ValidationError) as caught:
            client.batches.submit(_requests(3), completion_window="24h")
        assert caught.value.problems[0].field == "completion_window"
        job = client.batches.submit(_requests(5), completion_window="48h")
        assert len(job.ids) == 3  # 2 + 2 + 1 lines: split by the profile's max_lines
        # A per-call limit overrides the profile's.
        whole = client.batches.submit(_requests(5), max_lines=5, completion_window="2d")
        assert len(whole.ids) == 1


# --------------------------------------------------------------------- the whole job, per profile


@pytest.mark.parametrize("provider", ["openai", "openai-compatible"])
def test_whole_job_with_an_openai_profile_goes_to_v1(
    provider: str, local_server: LocalServer, paths: _Paths
) -> None:
    base_url = local_server.base_url + "/v1"
    with Groq(provider=provider, api_key="k", base_url=base_url, http_client=paths.http) as client:
        job = client.batches.submit(_requests(4))
        client.batches.wait(job, poll_interval=0.05)
        results = sorted(job.results(), key=lambda r: r.custom_id)
    assert [r.custom_id for r in results] == [f"q-{i}" for i in range(4)]
    assert {r.outcome for r in results} == {Outcome.SUCCEEDED}
    assert all(p.startswith("/v1/") for p in paths.seen), paths.seen
    assert {"/v1/files", "/v1/batches"} <= set(paths.seen)


def test_the_groq_profile_still_goes_to_openai_v1(local_server: LocalServer, paths: _Paths) -> None:
    with Groq(api_key="k", base_url=local_server.base_url, http_client=paths.http) as client:
        job = client.batches.submit(_requests(2))
        client.batches.wait(job, poll_interval=0.05)
        assert len(list(job.results())) == 2
    assert all(p.startswith("/openai/v1/") for p in paths.seen), paths.seen


def test_openai_refuses_a_window_it_does_not_take_before_any_upload(
    local_server: LocalServer, paths: _Paths
) -> None:
    base_url = local_server.base_url + "/v1"
    with Groq(provider="openai", api_key="k", base_url=base_url, http_client=paths.http) as client:
        with pytest.raises(ValidationError, match="24h"):
            client.batches.submit(_requests(2), completion_window="48h")
        with pytest.raises(ValidationError, match="endpoint"):
            client.batches.submit(
                [{**r.to_dict(), "url": "/v1/audio/translations"} for r in _requests(1)],
                endpoint="/v1/audio/translations",
            )
    assert paths.seen == []


# ------------------------------------------------------------------------------------- the CLI


def test_cli_run_with_provider_records_the_v1_endpoint(
    local_server: LocalServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    source = write_requests(tmp_path / "in.jsonl", 5)
    out = tmp_path / "out.jsonl"
    base_url = local_server.base_url + "/v1"
    code, _, err = main(
        capsys, "run", str(source), "-o", str(out), "--provider", "openai-compatible",
        "--base-url", base_url, "--max-lines", "2", *FAST,
    )  # fmt: skip
    assert code == 0, err
    assert len(out.read_text().splitlines()) == 5
    (job,) = JobRegistry().list()
    assert len(job.batch_ids) == 3  # --max-lines 2 split 5 lines into three batches
    assert job.endpoint == base_url
    # The recorded URL and provider reach the same routes again, with the provider's key and
    # neither --base-url nor --provider; naming another provider is refused (issue 23).
    assert job.provider == "openai-compatible"
    code, _, err = main(capsys, "status", job.name, "--json")
    assert code == 0, err
    code, _, err = main(capsys, "status", job.name, "--json", "--provider", "openai")
    assert code == 2
    assert "ran on openai-compatible" in err


def test_cli_provider_openai_refuses_a_48h_window_with_nothing_uploaded(
    local_server: LocalServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test")
    source = write_requests(tmp_path / "in.jsonl", 2)
    base_url = local_server.base_url + "/v1"
    submit = ("submit", str(source), "--window", "48h", "--base-url", base_url)
    code, _, err = main(capsys, *submit, "--provider", "openai")
    assert code == 2
    assert "not accepted by openai: 24h" in err
    monkeypatch.setenv("GROQ_BATCH_PROVIDER", "openai")
    code, _, err = main(capsys, *submit)
    assert code == 2
    assert "not accepted by openai: 24h" in err
    with Groq(api_key="k", base_url=local_server.base_url) as client:
        assert list(client.files.list()) == []
    # The same window is Groq's to take.
    monkeypatch.delenv("GROQ_BATCH_PROVIDER")
    code, _, err = main(capsys, *submit)
    assert code == 0, err


def test_cli_validate_uses_the_profile_s_limits_and_endpoints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3)
    code, out, err = main(capsys, "validate", str(source), "--max-lines", "2", "--json")
    assert code == 0, err
    assert "will_split" in out
    embed = tmp_path / "embed.jsonl"
    line = {"custom_id": "e", "method": "POST", "url": "/v1/embeddings",
            "body": {"model": "text-embedding-3-small", "input": "hi"}}  # fmt: skip
    embed.write_text(json.dumps(line) + "\n")
    code, _, err = main(capsys, "validate", str(embed), "--endpoint", "/v1/embeddings")
    assert code == 2
    assert "not a groq batch endpoint" in err
    code, out, err = main(
        capsys, "validate", str(embed), "--endpoint", "/v1/embeddings", "--provider", "openai"
    )
    assert "invalid_endpoint" not in out + err


def test_cli_names_an_unknown_provider_variable_as_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_BATCH_PROVIDER", "azure")
    code, _, err = main(capsys, "list", "--api-key", "k")
    assert code == 2
    assert "GROQ_BATCH_PROVIDER: unknown provider 'azure'" in err
    assert "Traceback" not in err
