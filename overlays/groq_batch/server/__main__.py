"""``python -m groq_batch.server`` (and ``groq-batch serve``): run the local server."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from groq_batch.validation import MAX_BYTES

__all__ = ["add_arguments", "build_parser", "main"]

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
    parser.add_argument(
        "--concurrency", type=int, default=8, help="upstream requests in flight at once (8)"
    )
    parser.add_argument(
        "--request-latency",
        type=float,
        default=0.0,
        help="echo: simulated seconds per request (0)",
    )
    parser.add_argument(
        "--chunk-size", type=int, default=500, help="requests committed together (500)"
    )
    parser.add_argument(
        "--max-upload-bytes",
        type=int,
        default=MAX_BYTES,
        help=f"refuse larger uploads with 413 ({MAX_BYTES}, Groq's 100 MB)",
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
        help="echo: accept any model id, not only those in groq_batch/server/models.json",
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="RULE", help="inject a fault (see below)"
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="log level (info)",
    )


def build_parser(prog: str = "python -m groq_batch.server") -> argparse.ArgumentParser:
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


def run(args: argparse.Namespace) -> int:
    """Start the server from parsed arguments and block until it stops.

    Args:
        args: Arguments from a parser that `add_arguments` populated.

    Returns:
        The process exit code.
    """
    from groq_batch.server.config import ServerConfig
    from groq_batch.server.faults import FaultRule
    from groq_batch.server.runtime import serve
    from groq_batch.server.store import DataDirInUseError

    try:
        faults = [FaultRule.parse(text) for text in args.fault]
        config = ServerConfig(
            data_dir=args.data_dir,
            api_key=args.api_key,
            time_scale=args.time_scale,
            executor=args.executor,
            host=args.host,
            port=args.port,
            upstream_url=args.upstream,
            upstream_key=args.upstream_key or os.environ.get("GROQ_BATCH_UPSTREAM_KEY"),
            upstream_concurrency=args.concurrency,
            request_latency=args.request_latency,
            chunk_size=args.chunk_size,
            models=(*args.model, *(["*"] if args.any_model else [])),
            max_upload_bytes=args.max_upload_bytes,
            log_level=args.log_level,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(message)s", stream=sys.stderr)
    logging.getLogger("groq_batch.server").setLevel(args.log_level.upper())
    try:
        serve(config, faults=faults)
    except DataDirInUseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m groq_batch.server") -> int:
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
