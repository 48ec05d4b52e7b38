"""Where a command connects: the provider, the client, and how to reach the same place again.

The client is the API's, or the per-user local server's with ``--local``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from groq_batch.jobs import (
    JobConnection,
    default_data_dir,
    endpoint_label,
)
from groq_batch.providers import PROVIDER_ENV, Provider, get_provider
from groq_batch_cli.errors import EXIT_USAGE, CliError

if TYPE_CHECKING:
    from groq_batch import Groq


def provider_of(args: argparse.Namespace) -> Provider:
    """The provider profile the command runs with, its limits overridden by the options.

    A command on a recorded job runs with the job's provider.
    """
    recorded: JobConnection | None = getattr(args, "recorded", None)
    if recorded is not None:
        return recorded.provider.replace(
            max_lines=getattr(args, "max_lines", None), max_bytes=getattr(args, "max_bytes", None)
        )
    try:
        profile = get_provider(getattr(args, "provider", None) or os.environ.get(PROVIDER_ENV))
    except ValueError as exc:  # only the variable can name an unknown one: --provider has choices
        raise CliError(f"{PROVIDER_ENV}: {exc}", EXIT_USAGE) from exc
    return profile.replace(
        max_lines=getattr(args, "max_lines", None), max_bytes=getattr(args, "max_bytes", None)
    )


def provider_name(args: argparse.Namespace) -> str:
    """The provider whose prices apply: the one the command runs with."""
    return provider_of(args).name


def endpoint_of(args: argparse.Namespace) -> str:
    """The label of the server the command connects to, as the registry records it."""
    if args.local:
        return endpoint_label(local_data_dir=args.data_dir or default_data_dir(), base_url=None)
    recorded: JobConnection | None = getattr(args, "recorded", None)
    if recorded is not None:
        return endpoint_label(local_data_dir=None, base_url=recorded.base_url)
    profile = provider_of(args)
    # The URL as given (or the provider's default): with the same --provider it reaches the
    # same routes again, a version path (/v1) included.
    given = args.base_url or os.environ.get(profile.base_url_env) or profile.base_url
    return endpoint_label(local_data_dir=None, base_url=given)


def connection_flags(args: argparse.Namespace) -> list[str]:
    """The options that reach the same server again; never the key."""
    if args.local:
        flags = ["--local"]
        if args.data_dir:
            flags += ["--data-dir", str(args.data_dir)]
        return flags
    flags = ["--provider", args.provider] if getattr(args, "provider", None) else []
    return flags + (["--base-url", args.base_url] if args.base_url else [])


def shell_command(*parts: str) -> str:
    """A ``groq-batch`` command line, quoted for a shell."""
    return "groq-batch " + " ".join(shlex.quote(p) for p in parts)


@contextlib.contextmanager
def open_client(args: argparse.Namespace) -> Iterator[Groq]:
    """A client connected where the options say: the API, or the per-user local server."""
    from groq_batch import Groq

    recorded: JobConnection | None = getattr(args, "recorded", None)
    if recorded is not None and not args.local:
        # A recorded job: the key and URL `job_connection` chose, never the default provider's.
        with Groq(
            api_key=recorded.api_key, base_url=recorded.base_url, provider=provider_of(args)
        ) as client:
            yield client
        return
    if not args.local:
        with Groq(
            api_key=args.api_key, base_url=args.base_url, provider=provider_of(args)
        ) as client:
            yield client
        return
    from groq_batch import local

    # The per-user background server: started on first use, shared by every --local command,
    # running batches with no command attached, and exiting by itself once idle. The client
    # follows it: a request that finds it gone looks it up again (starting it) and carries on.
    data_dir = args.data_dir or default_data_dir()
    try:
        # The local server serves both /openai/v1 and /v1, so any provider's prefix reaches it.
        client = local.local_client(data_dir, provider=provider_of(args))
    except local.LocalServerError as exc:
        if "server extra" in str(exc):
            raise CliError(
                "--local needs the server extra: pip install 'groq-batch[server]'", EXIT_USAGE
            ) from exc
        raise CliError(str(exc)) from exc
    if args.debug:
        log = local.log_path(data_dir)
        sys.stderr.write(f"groq-batch: local server {client.base_url}, log: {log}\n")
    with client:
        yield client
