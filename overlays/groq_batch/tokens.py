"""Token counts without the network: a real BPE when installed, a rough estimate otherwise.

The tokenizer is `toktok <https://pypi.org/project/toktok-rs/>`_ (``toktok-rs`` on PyPI,
installed with the ``server`` extra). Its ``cl100k_base`` and ``o200k_base`` vocabularies are
compiled into its wheel, so nothing is downloaded at run time, and its ids are identical to
tiktoken's.

Which vocabulary counts for which model:

- ``openai/gpt-oss-*`` use ``o200k_base`` (their own ``o200k_harmony`` is the same merges);
- every other model counts with ``cl100k_base``. Llama 3's 128k vocabulary is ``cl100k_base``
  plus 28k extra tokens, so counts for Llama models are close, slightly high for non-English
  text; other families (Qwen, Kimi, Gemma) differ by a few percent.

Without toktok, counts fall back to one token per four characters (at least one per non-empty
text), which is the usual rule of thumb for English under ``cl100k_base``. Such counts are
*rough*: `is_rough` says so, and callers should label them that way.
"""

from __future__ import annotations

import functools
import importlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CHARS_PER_TOKEN",
    "MESSAGE_OVERHEAD",
    "content_text",
    "count_chat_prompt",
    "count_tokens",
    "count_tokens_many",
    "encoding_for",
    "is_rough",
    "truncate_tokens",
]

# The fallback's rule of thumb: English under cl100k_base averages about four characters per
# token.
CHARS_PER_TOKEN = 4
# Chat templates wrap each message in a few special tokens (Llama 3: a header start, the role,
# a header end and an end-of-turn); four per message is what the echo model charges.
MESSAGE_OVERHEAD = 4


@functools.cache
def _toktok() -> Any:
    """The toktok module, or None when it is not installed."""
    # Imported by name: toktok ships no type information, and is optional.
    try:
        return importlib.import_module("toktok")
    except ImportError:
        return None


def encoding_for(model: str | None) -> str:
    """The BPE vocabulary that best approximates a model's tokenizer.

    Args:
        model: The model id, or None for the default.

    Returns:
        ``o200k_base`` or ``cl100k_base``.
    """
    if model is not None and model.startswith("openai/"):
        return "o200k_base"
    return "cl100k_base"


def is_rough(*, rough: bool = False) -> bool:
    """Whether counts come from the character-based fallback.

    Args:
        rough: Ask for the fallback even when a tokenizer is installed.

    Returns:
        True when counts are estimates from characters, False when a tokenizer counts.
    """
    return rough or _toktok() is None


def _rough_count(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def count_tokens(text: str, model: str | None = None, *, rough: bool = False) -> int:
    """Count the tokens of a text.

    Args:
        text: The text.
        model: The model it is for; picks the vocabulary (see `encoding_for`).
        rough: Use the character-based fallback even when a tokenizer is installed.

    Returns:
        The number of tokens.
    """
    return count_tokens_many([text], model, rough=rough)[0]


def count_tokens_many(
    texts: Sequence[str], model: str | None = None, *, rough: bool = False
) -> list[int]:
    """Count the tokens of several texts at once (one call into the tokenizer).

    Args:
        texts: The texts.
        model: The model they are for.
        rough: Use the character-based fallback even when a tokenizer is installed.

    Returns:
        One count per text, in order.
    """
    toktok = None if rough else _toktok()
    if toktok is None:
        return [_rough_count(t) for t in texts]
    encoding = _encoder(encoding_for(model))
    if encoding is not None:
        return [int(encoding.count(t)) for t in texts]
    counts: list[int] = toktok.batch_count(list(texts), encoding_for(model), threads=1)
    return counts


def content_text(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    return ""


def count_chat_prompt(
    messages: Sequence[Any], model: str | None = None, *, tools: Any = None, rough: bool = False
) -> int:
    """Count the prompt tokens of a chat request, as the local echo model charges them.

    Every message's text, `MESSAGE_OVERHEAD` tokens of framing per message, and the tools'
    JSON definitions (which chat templates put into the prompt). Images and audio parts are
    not counted.

    Args:
        messages: The request's ``messages``.
        model: The model.
        tools: The request's ``tools``, if any.
        rough: Use the character-based fallback even when a tokenizer is installed.

    Returns:
        The prompt tokens.
    """
    texts = [content_text(m.get("content")) for m in messages if isinstance(m, Mapping)]
    if tools is not None:
        texts.append(json.dumps(tools, sort_keys=True))
    return sum(count_tokens_many(texts, model, rough=rough)) + MESSAGE_OVERHEAD * len(messages)


@functools.cache
def _encoder(name: str) -> Any:
    """The loaded toktok tokenizer for `name`, or None if this toktok does not expose it.

    The public ``batch_count`` costs about 150 us per call whatever the text (it is built for
    large batches), against about 1 us for the tokenizer's own ``count`` on a short text. The
    echo model counts a few short texts per request, so it uses the tokenizer directly when
    toktok offers it (``toktok._encoding``, pinned by the ``<0.4`` bound in the ``server``
    extra), and ``batch_count`` otherwise.
    """
    toktok = _toktok()
    load = getattr(toktok, "_encoding", None)
    if load is None:
        return None
    encoder = load(name)
    return encoder if callable(getattr(encoder, "count", None)) else None


def truncate_tokens(
    text: str, max_tokens: int, model: str | None = None, *, rough: bool = False
) -> tuple[str, int]:
    """Cut a text to at most `max_tokens` tokens, on a character boundary.

    Args:
        text: The text.
        max_tokens: The budget.
        model: The model it is for.
        rough: Use the character-based fallback even when a tokenizer is installed.

    Returns:
        The kept prefix, and the token count of the whole text.
    """
    toktok = None if rough else _toktok()
    if toktok is None:
        return text[: max_tokens * CHARS_PER_TOKEN], _rough_count(text)
    kept, total = toktok.truncate(text, max_tokens, encoding_for(model))
    return str(kept), int(total)
