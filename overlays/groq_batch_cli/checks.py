"""The pre-flight checks: everything refused before a client starts or anything is uploaded."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from groq_batch.providers import Provider
from groq_batch_cli.connect import provider_of
from groq_batch_cli.errors import EXIT_USAGE, CliError


def check_provider(args: argparse.Namespace) -> Provider:
    """Refuse, before anything is uploaded, a window or endpoint the provider does not take."""
    profile = provider_of(args)
    window = getattr(args, "window", None)
    reason = None if window is None else profile.check_window(window)
    if reason is not None:
        raise CliError(f"--window: {reason}; nothing was uploaded", EXIT_USAGE)
    if args.endpoint is not None and args.endpoint not in profile.endpoints:
        raise CliError(
            f"--endpoint {args.endpoint} is not a {profile.name} batch endpoint; one of: "
            + ", ".join(repr(e) for e in profile.endpoints),
            EXIT_USAGE,
        )
    return profile


def require_base_url(args: argparse.Namespace) -> None:
    """Refuse, before anything else (the estimate included), a provider with no URL to reach."""
    if getattr(args, "local", False):
        return
    profile = provider_of(args)
    if profile.base_url is None and not (args.base_url or os.environ.get(profile.base_url_env)):
        raise CliError(
            f"--provider {profile.name} has no default URL: pass --base-url URL "
            f"(or set {profile.base_url_env})",
            EXIT_USAGE,
        )


def require_file(path: Path) -> None:
    # Checked before any client or local server starts, so the error is the file's.
    """Refuse a missing input file."""
    if not path.is_file():
        raise CliError(f"{path}: no such file", EXIT_USAGE)


def require_key(args: argparse.Namespace) -> None:
    """Refuse a remote command with no API key."""
    if args.local or getattr(args, "recorded", None) is not None:
        return  # a recorded job's key was found (or refused) by `job_connection`
    env = provider_of(args).api_key_env
    key = args.api_key if args.api_key is not None else os.environ.get(env)
    if not (key or "").strip():
        raise CliError(
            f"no API key: set {env}, pass --api-key KEY, "
            "or add --local to use the embedded local server (no key needed)",
            EXIT_USAGE,
        )


def check_output(output: str, input_path: Path | None, *, dataset: bool = False) -> None:
    """Refuse an output path that would fail (or destroy the input) only after the batch ran.

    With ``dataset``, a directory (or a path ending in ``/``) is the folder of a dataset.
    """
    if output == "-":
        return
    if dataset and (output.endswith(("/", os.sep)) or Path(output).is_dir()):
        path = Path(output)
        if path.exists() and not path.is_dir():
            raise CliError(f"-o {output}: is a file, not a directory", EXIT_USAGE)
        parent = path if path.is_dir() else path.parent
        if not parent.is_dir():
            raise CliError(f"-o {output}: directory {parent} does not exist", EXIT_USAGE)
        if not os.access(parent, os.W_OK | os.X_OK):
            raise CliError(f"-o {output}: directory {parent} is not writable", EXIT_USAGE)
        return
    path = Path(output)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"-o {output}: directory {parent} does not exist", EXIT_USAGE)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CliError(f"-o {output}: directory {parent} is not writable", EXIT_USAGE)
    if path.is_dir():
        raise CliError(f"-o {output}: is a directory", EXIT_USAGE)
    if path.exists() and not os.access(path, os.W_OK):
        raise CliError(f"-o {output}: the file is not writable", EXIT_USAGE)
    if input_path is not None and path.exists() and os.path.samefile(path, input_path):
        raise CliError(f"-o {output}: is the input file; pick another output path", EXIT_USAGE)


def check_metadata(args: argparse.Namespace) -> None:
    """Refuse more ``--metadata`` pairs than a batch can hold beside groq-batch's own."""
    pairs = dict(args.metadata)
    profile = provider_of(args)
    allowed = profile.user_metadata_pairs
    if len(pairs) > allowed:
        raise CliError(
            f"--metadata: {len(pairs)} pairs; at most {allowed} (a {profile.name} batch holds "
            f"{profile.max_metadata_pairs}, and groq-batch uses "
            f"{profile.max_metadata_pairs - allowed})",
            EXIT_USAGE,
        )
