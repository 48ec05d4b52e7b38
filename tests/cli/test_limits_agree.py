"""One definition per limit: the CLI's help, the library, `validate`, `submit` and the local server
all read the provider profiles (`groq_batch/providers.json`), so none can state or enforce a
different number than the others.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from groq_batch import Groq
from groq_batch.job_core import PARENT_KEY
from groq_batch.jsonl import chat_request
from groq_batch.providers import PROVIDERS, RESERVED_METADATA_KEYS, get_provider, limits_table
from groq_batch.validation import MAX_BYTES, MAX_LINES, ValidationError
from groq_batch_cli.connect import provider_of
from groq_batch_cli.parser import build_parser
from groq_batch_server import LocalServer
from groq_batch_server.__main__ import build_config
from groq_batch_server.__main__ import build_parser as build_server_parser
from tests.cli_support import MODEL, isolated_home, main, remote, write_requests

__all__ = ["isolated_home"]

ROOT = Path(__file__).resolve().parents[2]


def _help_pairs(capsys: pytest.CaptureFixture[str], command: str) -> int:
    code, out, _ = main(capsys, command, "--help")
    assert code == 0
    found = re.search(r"at most\s+(\d+)\s+pairs", " ".join(out.split()))
    assert found is not None, out
    return int(found.group(1))


@pytest.mark.parametrize("command", ["submit", "run"])
def test_metadata_help_states_the_pairs_the_library_and_the_cli_accept(
    tmp_path: Path,
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    stated = _help_pairs(capsys, command)
    assert stated == get_provider().max_metadata_pairs - len(RESERVED_METADATA_KEYS)
    source = write_requests(tmp_path / "in.jsonl", 2)
    pairs = [f"--metadata=k{i}=v" for i in range(stated + 1)]
    # One pair more than the help states is refused, before anything is uploaded...
    code, _, err = main(capsys, "submit", str(source), *pairs, *remote(local_server.base_url))
    assert code == 2
    assert f"at most {stated}" in err
    # ...and exactly as many as it states reach the server, as do the library's.
    code, _, err = main(
        capsys, "submit", str(source), *pairs[:stated], *remote(local_server.base_url)
    )
    assert code == 0, err
    metadata = {f"k{i}": "v" for i in range(stated)}
    with Groq(api_key="k", base_url=local_server.base_url) as client:
        client.batches.submit(source, metadata=metadata)
        with pytest.raises(ValidationError, match="pairs; at most"):
            client.batches.submit(source, metadata={**metadata, "one": "more"})


def test_a_job_with_the_most_user_pairs_can_have_its_failures_resubmitted(
    make_local_server: Callable[..., LocalServer],
) -> None:
    # The parent key is the package's too: a job accepted at the stated count must not be
    # refused when its failures are resubmitted.
    server = make_local_server(request_latency=0.2)
    metadata = {f"k{i}": "v" for i in range(get_provider().user_metadata_pairs)}
    with Groq(api_key="k", base_url=server.base_url) as client:
        requests = [
            chat_request(f"r{i}", model=MODEL, messages=[{"role": "user", "content": "hi"}])
            for i in range(20)
        ]
        job = client.batches.submit(requests, metadata=metadata)
        client.batches.cancel(job.ids[0])
        client.batches.wait(job, poll_interval=0.05)
        child = client.batches.resubmit(job)
        assert child is not None
        batch = client.batches.retrieve(child.ids[0])
        kept = batch.metadata.to_dict()  # type: ignore[union-attr]
    assert kept[PARENT_KEY] == job.ids[0]
    assert {k: kept[k] for k in metadata} == metadata


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_validate_submit_and_serve_agree_on_the_limits_of_every_profile(name: str) -> None:
    profile = PROVIDERS[name]
    parser = build_parser()
    validate = provider_of(parser.parse_args(["validate", "in.jsonl", "--provider", name]))
    submit = provider_of(parser.parse_args(["submit", "in.jsonl", "--provider", name]))
    served = build_config(build_server_parser().parse_args(["--provider", name]))
    assert validate.max_bytes == submit.max_bytes == served.max_upload_bytes == profile.max_bytes
    assert validate.max_lines == submit.max_lines == served.max_lines == profile.max_lines
    assert (
        served.max_metadata_pairs,
        served.max_metadata_key_chars,
        served.max_metadata_value_chars,
    ) == (
        profile.max_metadata_pairs,
        profile.max_metadata_key_chars,
        profile.max_metadata_value_chars,
    )


def test_the_defaults_are_the_default_profile_s() -> None:
    # validate() and the server's defaults once said 100 MB while the splitter said 200 MB.
    groq = get_provider()
    served = build_config(build_server_parser().parse_args([]))
    assert (groq.max_bytes, groq.max_lines) == (MAX_BYTES, MAX_LINES)
    assert (served.max_upload_bytes, served.max_lines) == (groq.max_bytes, groq.max_lines)
    assert groq.max_bytes == 200 * 1024 * 1024  # Groq's batch guide; settled 2026-11


@pytest.mark.parametrize("page", ["README.md", "docs/guides/providers.md"])
def test_the_limits_table_is_the_profiles(page: str) -> None:
    assert limits_table() in (ROOT / page).read_text(encoding="utf-8")
