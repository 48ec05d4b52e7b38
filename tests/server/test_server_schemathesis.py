"""Every response the local server sends validates against spec/openapi.yaml (schemathesis).

Schemathesis generates requests from the spec for each operation, sends them to a running
server, and checks the answers: declared status, declared content type, body schema, headers,
and no 5xx. The examples are bounded so the whole module stays well under a minute.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from groq_batch_server import LocalServer, ServerConfig
from tests.server_support import Api, jsonl, request_line

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"
API_KEY = "gsk_schemathesis"
# The server runs with a key, so the negative cases without `Authorization` must get a 401.
schema = schemathesis.openapi.from_path(
    SPEC_PATH,
    config=schemathesis.config.SchemathesisConfig.from_dict(
        {"auth": {"openapi": {"api_key": {"bearer": API_KEY}}}}
    ),
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


class Seeded:
    """A running server with a few real files and batches, so ids can hit something."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        api = Api(server.base_url, api_key=API_KEY)
        self.file_ids = [api.upload(jsonl([request_line(i)]))["id"] for i in range(2)]
        done = api.wait(api.create(self.file_ids[0])["id"])
        self.file_ids += [done["output_file_id"]]
        self.batch_ids = [done["id"], api.create(self.file_ids[1])["id"]]
        api.close()

    def pick(self, generated: str, known: list[str]) -> str:
        """Swap a generated id for a real one about half the time, deterministically."""
        digest = hashlib.sha256(generated.encode()).digest()
        if digest[0] % 2:
            return generated
        return known[digest[1] % len(known)]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    # Module-scoped: Hypothesis runs many examples per test, and a function-scoped fixture
    # would be shared across them anyway.
    config = ServerConfig(data_dir=tmp_path_factory.mktemp("schemathesis"), api_key=API_KEY)
    with LocalServer(config) as server:
        yield Seeded(server)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_response_matches_the_spec(case: schemathesis.Case, seeded: Seeded) -> None:
    params = case.path_parameters or {}
    if "file_id" in params:
        params["file_id"] = seeded.pick(str(params["file_id"]), seeded.file_ids)
    if "batch_id" in params:
        params["batch_id"] = seeded.pick(str(params["batch_id"]), seeded.batch_ids)
    case.call_and_validate(base_url=seeded.server.base_url, checks=CHECKS)
