"""The check of a batch's metadata: how many pairs, how long each key and value.

The bounds come from the provider profiles (``groq_batch.providers``); the check runs before
anything is uploaded, on the metadata as it will be sent (the package's own keys included).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from groq_batch.providers import DEFAULT_PROVIDER, PROVIDERS, Provider
from groq_batch.validation.jsontext import field_name, has_lone_surrogate, short
from groq_batch.validation.report import Problem

__all__ = ["MetadataLimits", "validate_metadata"]


@dataclass(frozen=True, slots=True)
class MetadataLimits:
    """How much metadata one batch may carry.

    The defaults are the default provider's profile (`groq_batch.providers`): Groq documents no
    bound, so the profile holds OpenAI's documented ones (16 pairs, 64-character keys,
    512-character values), which keeps a job portable between the two.

    Attributes:
        max_pairs: The most key/value pairs.
        max_key_length: The longest key, in characters.
        max_value_length: The longest value, in characters.
    """

    max_pairs: int = PROVIDERS[DEFAULT_PROVIDER].max_metadata_pairs
    max_key_length: int = PROVIDERS[DEFAULT_PROVIDER].max_metadata_key_chars
    max_value_length: int = PROVIDERS[DEFAULT_PROVIDER].max_metadata_value_chars

    @classmethod
    def of(cls, provider: Provider) -> MetadataLimits:
        """The bounds of a provider's profile.

        Args:
            provider: The profile.

        Returns:
            Its metadata bounds (the package's own keys included in ``max_pairs``).
        """
        return cls(
            provider.max_metadata_pairs,
            provider.max_metadata_key_chars,
            provider.max_metadata_value_chars,
        )


def validate_metadata(metadata: object, limits: MetadataLimits | None = None) -> list[Problem]:
    """Check a batch's metadata before anything is uploaded.

    Args:
        metadata: The metadata as it will be sent (include any keys the library adds), or
            None for none.
        limits: The bounds; ``MetadataLimits()`` (OpenAI's) when None.

    Returns:
        Every problem found, each with ``field`` set to ``metadata`` or ``metadata.<key>``;
        empty when the metadata is fine.
    """
    limits = limits or MetadataLimits()
    if metadata is None:
        return []
    if not isinstance(metadata, Mapping):
        return [Problem(None, "metadata", "invalid_metadata", "Metadata must be a mapping")]
    problems = []
    if len(metadata) > limits.max_pairs:
        problems.append(
            Problem(
                None,
                "metadata",
                "too_many_metadata_pairs",
                f"{len(metadata)} pairs; at most {limits.max_pairs} are allowed",
            )
        )
    for key, value in metadata.items():
        name = field_name(["metadata", key if isinstance(key, str) else short(key)])
        if not isinstance(key, str):
            problems.append(Problem(None, name, "invalid_metadata_key", "Keys must be strings"))
            continue
        if not isinstance(value, str):
            problems.append(Problem(None, name, "invalid_metadata_value", "Values must be strings"))
            continue
        for text, what in ((key, "key"), (value, "value")):
            if has_lone_surrogate(text):
                problems.append(
                    Problem(None, name, "lone_surrogate", f"The {what} holds a lone surrogate")
                )
        if len(key) > limits.max_key_length:
            problems.append(
                Problem(
                    None,
                    name,
                    "metadata_key_too_long",
                    f"Key of {len(key)} characters; at most {limits.max_key_length}",
                )
            )
        if len(value) > limits.max_value_length:
            problems.append(
                Problem(
                    None,
                    name,
                    "metadata_value_too_long",
                    f"Value of {len(value)} characters; at most {limits.max_value_length}",
                )
            )
    return problems
