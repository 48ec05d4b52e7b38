"""`python -m groq_batch_server` options: the worker's knobs come from `ServerConfig`."""

from __future__ import annotations

from groq_batch_server import ServerConfig
from groq_batch_server.__main__ import build_config, build_parser

KNOBS = {
    "--concurrency": ("upstream_concurrency", "upstream requests in flight at once"),
    "--request-latency": ("request_latency", "echo: simulated seconds per request"),
    "--chunk-size": ("chunk_size", "most requests committed together"),
    "--commit-interval": ("commit_interval", "commit finished requests at least this often"),
}


def test_worker_knobs_default_to_the_config_and_their_help_says_so() -> None:
    parser = build_parser()
    config = build_config(parser.parse_args([]))
    default = ServerConfig()
    text = " ".join(parser.format_help().split())
    for name, what in KNOBS.values():
        assert getattr(config, name) == getattr(default, name), name
        assert f"{what} ({getattr(default, name):g})" in text, name


def test_worker_knobs_parse_to_the_configs_types() -> None:
    given = "--concurrency 3 --request-latency 0.25 --chunk-size 7 --commit-interval 2"
    args = build_parser().parse_args(given.split())
    config = build_config(args)
    assert (config.upstream_concurrency, config.chunk_size) == (3, 7)
    assert type(config.upstream_concurrency) is int
    assert type(config.chunk_size) is int
    assert (config.request_latency, config.commit_interval) == (0.25, 2.0)
    assert type(config.commit_interval) is float
