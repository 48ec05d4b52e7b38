"""``python -m groq_batch_server`` (and ``groq-batch serve``): run the local server."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence

from groq_batch.providers import DEFAULT_PROVIDER, PROVIDERS, get_provider
from groq_batch_server.config import ServerConfig

__all__ = ["add_arguments", "build_config", "build_parser", "main"]

_FAULT_HELP = """\
fault rules (repeat --fault; the first matching rule with uses left applies):
  KIND[=VALUE][;KEY=VALUE]...   KIND is status, delay, drop or truncate; VALUE is the status,
                                the seconds, or the byte count. KEYs: times (-1 = forever,
                                default 1), method, path (a regex searched in the URL path),
                                retry_after, after_handler (act first, then misbehave).
  examples:
    --fault 'status=429;retry_after=1;times=2;method=GET;path=/openai/v1/batches'
    --fault 'status=503'                       one 503, on whatever request comes first
    --fault 'delay=2;after_handler;method=POST;path=/batches$'
    --fault 'drop;times=-1;path=/files$'
    --fault 'truncate=100;path=/content$'
"""

# The worker's numeric knobs: (flag, `ServerConfig` field, metavar, help). The type and default
# are the field's, and the help ends with that default, so neither can disagree with the config.
_WORKER_KNOBS: tuple[tuple[str, str, str | None, str], ...] = (
    ("--concurrency", "upstream_concurrency", None, "upstream requests in flight at once"),
    ("--request-latency", "request_latency", None, "echo: simulated seconds per request"),
    ("--chunk-size", "chunk_size", None, "most requests committed together"),
    (
        "--commit-interval",
        "commit_interval",
        "SECONDS",
        "commit finished requests at least this often",
    ),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the server's options to a parser (shared by ``groq-batch serve``).

    Args:
        parser: The parser.
    """
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind; 0 picks one (8080)")
    parser.add_argument(
        "--data-dir",
        help="where the database and files live (default: a fresh temporary directory, "
        "deleted on exit)",
    )
    parser.add_argument(
        "--api-key",
        default=None,
        help="require 'Authorization: Bearer KEY' (default: no auth)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="run completion windows this many times faster (3600: 24h passes in 24 s)",
    )
    parser.add_argument(
        "--executor",
        choices=["echo", "openai-compatible"],
        default="echo",
        help="echo (offline, deterministic) or openai-compatible (forward to --upstream)",
    )
    parser.add_argument(
        "--upstream", help="for openai-compatible: base URL, e.g. http://127.0.0.1:8000/v1"
    )
    parser.add_argument(
        "--upstream-key",
        default=None,
        help="for openai-compatible: bearer key (default: $GROQ_BATCH_UPSTREAM_KEY)",
    )
    config_defaults = {f.name: f.default for f in dataclasses.fields(ServerConfig)}
    for flag, name, metavar, text in _WORKER_KNOBS:
        value = config_defaults[name]
        parser.add_argument(
            flag, type=type(value), default=value, metavar=metavar, help=f"{text} ({value:g})"
        )
    default = PROVIDERS[DEFAULT_PROVIDER]
    parser.add_argument(
        "--provider",
        choices=list(PROVIDERS),
        default=DEFAULT_PROVIDER,
        help="the provider profile whose limits (upload bytes, lines, metadata) the server "
        f"enforces, as the client's validate and submit do ({DEFAULT_PROVIDER})",
    )
    parser.add_argument(
        "--max-upload-bytes",
        type=int,
        default=None,
        help="refuse larger uploads with 413 (default: the profile's; "
        f"{default.max_bytes} for {default.name})",
    )
    parser.add_argument(
        "--max-metadata",
        default=None,
        metavar="PAIRS,KEY,VALUE",
        help="batch metadata bounds: pairs, key and value characters (default: the profile's; "
        f"{default.max_metadata_pairs},{default.max_metadata_key_chars},"
        f"{default.max_metadata_value_chars} for {default.name})",
    )
    parser.add_argument(
        "--upload-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="refuse (408) an upload that sends nothing for this long (30)",
    )
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="ID",
        help="echo: accept this model id too (repeatable)",
    )
    parser.add_argument(
        "--any-model",
        action="store_true",
        help="echo: accept any model id, not only those in groq_batch_server/models.json",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        metavar="N",
        help="echo: processes that run the requests of large batches, spreading the work "
        "over the cores; 0 or 1 runs them in the server's own process (default: "
        "$GROQ_BATCH_SERVER_PROCESSES, else one per core but one)",
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="RULE", help="inject a fault (see below)"
    )
    parser.add_argument(
        "--idle-exit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="exit after this long with no request and no unfinished batch (default: never; "
        "the --local background server uses 300)",
    )
    background = parser.add_argument_group(
        "the --local background server (on --data-dir, default: the XDG data home)"
    )
    manage = background.add_mutually_exclusive_group()
    manage.add_argument(
        "--status", action="store_true", help="say whether it runs, where, and its log"
    )
    manage.add_argument("--stop", action="store_true", help="stop it and wait until it exits")
    manage.add_argument(
        "--daemon",
        action="store_true",
        help=argparse.SUPPRESS,  # how --local starts it: records itself in the data dir
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="log level (info)",
    )


def build_parser(prog: str = "python -m groq_batch_server") -> argparse.ArgumentParser:
    """Build the server's argument parser.

    Args:
        prog: The program name shown in help.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run a local server that behaves like Groq's Files and Batches API.",
        epilog=_FAULT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return parser


def _metadata_limits(text: str | None) -> tuple[int | None, int | None, int | None]:
    if text is None:
        return None, None, None
    parts = text.split(",")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"--max-metadata wants PAIRS,KEY,VALUE (three integers), got {text!r}")
    pairs, key_chars, value_chars = (int(p) for p in parts)
    return pairs, key_chars, value_chars


def _manage(args: argparse.Namespace) -> int:
    """``--status`` and ``--stop``: 0 if a server was running, 1 if not."""
    from groq_batch_server import daemon

    data_dir = args.data_dir or daemon.default_data_dir()
    try:
        info = daemon.stop(data_dir) if args.stop else daemon.status(data_dir)
    except daemon.DaemonError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if info is None:
        print(f"no groq-batch server is running on {data_dir}")
        return 1
    if args.stop:
        print(f"stopped the groq-batch server on {data_dir} (pid {info.pid}, {info.url})")
        return 0
    if not info.answering:
        # It holds the data dir and its process exists: running, however slow to answer.
        print(
            f"running: {info.url} (pid {info.pid}, version {info.version}), not answering "
            f"(stopped or busy)\ndata: {info.data_dir}\nlog: {info.log}"
        )
        return 0
    idle = f"exits after {info.idle_exit:g} s idle" if info.idle_exit else "never exits idle"
    print(
        f"running: {info.url} (pid {info.pid}, version {info.version}), "
        f"{info.unfinished} unfinished batches, {idle}\n"
        f"data: {info.data_dir}\nlog: {info.log}"
    )
    return 0


def build_config(args: argparse.Namespace, api_key: str | None = None) -> ServerConfig:
    """The server's configuration from parsed arguments: the profile's limits unless overridden.

    Args:
        args: Arguments from a parser that `add_arguments` populated.
        api_key: The key every request must carry, when not ``args.api_key`` (the background
            server's secret, read from its file).

    Returns:
        The configuration.

    Raises:
        ValueError: An option's value is malformed or out of range.
    """
    pairs, key_chars, value_chars = _metadata_limits(args.max_metadata)
    return ServerConfig.for_provider(
        get_provider(args.provider),
        data_dir=args.data_dir,
        api_key=api_key if api_key is not None else args.api_key,
        time_scale=args.time_scale,
        executor=args.executor,
        host=args.host,
        port=args.port,
        upstream_url=args.upstream,
        upstream_key=args.upstream_key or os.environ.get("GROQ_BATCH_UPSTREAM_KEY"),
        upstream_concurrency=args.concurrency,
        request_latency=args.request_latency,
        chunk_size=args.chunk_size,
        commit_interval=args.commit_interval,
        models=(*args.model, *(["*"] if args.any_model else [])),
        max_upload_bytes=args.max_upload_bytes,
        max_metadata_pairs=pairs,
        max_metadata_key_chars=key_chars,
        max_metadata_value_chars=value_chars,
        upload_timeout=args.upload_timeout,
        idle_exit=args.idle_exit,
        log_level=args.log_level,
        processes=args.processes,
    )


def run(args: argparse.Namespace) -> int:
    """Start the server from parsed arguments and block until it stops.

    Args:
        args: Arguments from a parser that `add_arguments` populated.

    Returns:
        The process exit code.
    """
    if args.status or args.stop:
        return _manage(args)
    if args.daemon and not args.data_dir:
        print("error: --daemon needs --data-dir", file=sys.stderr)
        return 2
    api_key = args.api_key
    if args.daemon:
        from groq_batch import local

        if os.name == "posix":
            # The background server holds one user's prompts and answers: whatever it creates
            # is that user's alone from the moment it exists.
            os.umask(0o077)
        # Every request must carry the data dir's secret, which only its user can read; it is
        # read from the file, never passed on a command line others can see.
        api_key = local.read_secret(args.data_dir, create=True)
    from groq_batch_server.faults import FaultRule
    from groq_batch_server.runtime import serve
    from groq_batch_server.store import DataDirInUseError

    try:
        faults = [FaultRule.parse(text) for text in args.fault]
        config = build_config(args, api_key)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(message)s", stream=sys.stderr)
    logging.getLogger("groq_batch_server").setLevel(args.log_level.upper())
    try:
        serve(config, faults=faults, record=args.daemon)
    except DataDirInUseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m groq_batch_server") -> int:
    """Parse arguments and run the server.

    Args:
        argv: The arguments, without the program name; `sys.argv[1:]` when None.
        prog: The program name shown in help.

    Returns:
        The process exit code.
    """
    return run(build_parser(prog).parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
