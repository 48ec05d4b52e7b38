"""The one rule for which key goes to a recorded job, and where (`job_connection`).

Every command that reconnects to a recorded job (the CLI's and the dashboard's) asks here, so
that a key is never sent to a URL its provider does not own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from groq_batch._errors import JobKeyError
from groq_batch.job_record import JobRecord
from groq_batch.providers import PROVIDERS, Provider, get_provider

__all__ = ["JobConnection", "job_connection"]


@dataclass(frozen=True)
class JobConnection:
    """Where a recorded job lives and the key that may go there.

    Attributes:
        provider: The provider profile to connect with.
        base_url: The base URL; None for a local job.
        api_key: The key to send; None for a local job. Never shown in a repr.
        local_data_dir: The local server's data dir, for a ``--local`` job.
    """

    provider: Provider
    base_url: str | None
    api_key: str | None = field(repr=False)
    local_data_dir: Path | None = None


def job_connection(
    record: JobRecord,
    *,
    provider: str | Provider | None = None,
    api_key: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> JobConnection:
    """Decide which key goes to a recorded job, and where: the one rule every reconnect follows.

    The job's recorded provider says which variable holds the key (never Groq's key for a job
    that ran elsewhere). The key goes only to a URL that provider owns (its own host over
    https, or a loopback server; any URL for ``openai-compatible``, whose URL the user gave).
    A job whose provider is unknown (recorded before providers were) gets no key unless the
    user names the provider or gives the key for this command.

    Args:
        record: The job.
        provider: The provider the user named for this command, if any.
        api_key: The key the user gave for this command, if any: it goes where the job lives.
        environ: Where key variables are read; ``os.environ`` when None.

    Returns:
        The provider, URL and key to connect with.

    Raises:
        JobKeyError: No key may be sent: the named provider is not the job's, the job's
            provider is unknown, its URL is not its provider's, or its key variable is unset.
    """
    env = os.environ if environ is None else environ
    named = get_provider(provider) if provider is not None else None
    recorded = get_provider(record.provider) if record.provider in PROVIDERS else None
    if record.local_data_dir is not None:
        local = recorded or named or get_provider(None)
        return JobConnection(local, None, None, local_data_dir=record.local_data_dir)
    if named is not None and recorded is not None and named.name != recorded.name:
        raise JobKeyError(
            f"job {record.name} ran on {recorded.name}, not {named.name}: drop --provider, "
            "or pass --base-url to connect elsewhere"
        )
    profile: Provider | None = recorded or named
    if profile is None:
        if api_key is None:
            raise JobKeyError(
                f"job {record.name} was recorded without its provider and its URL "
                f"{record.endpoint} belongs to no known provider, so no key is sent there: "
                "name the provider (--provider) or give the key (--api-key) for it"
            )
        profile = get_provider(None)
    url = record.base_url or profile.base_url
    if url is None:  # an openai-compatible job always records its URL; never guess one
        raise JobKeyError(f"job {record.name} has no recorded URL; pass --base-url")
    if api_key is not None:
        return JobConnection(profile, url, api_key)
    if not profile.owns_url(url):
        raise JobKeyError(
            f"job {record.name} is at {url}, which is not {profile.name}'s, so "
            f"${profile.api_key_env} is not sent there: pass --base-url {url} (or --api-key) "
            "to send a key there"
        )
    # The provider's own variable, whatever the row says: a row is not trusted to choose which
    # of the user's variables is read (it could name a password).
    variable = profile.api_key_env
    key = (env.get(variable) or "").strip()
    if not key:
        raise JobKeyError(
            f"no API key for job {record.name}: it ran on {profile.name} ({url}); set "
            f"{variable} or pass --api-key"
        )
    return JobConnection(profile, url, key)
