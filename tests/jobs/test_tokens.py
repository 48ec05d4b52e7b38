"""Offline token counts: a real BPE from the installed wheel, or a labelled rough fallback."""

from __future__ import annotations

import json

import pytest

from groq_batch import tokens
from groq_batch.tokens import (
    MESSAGE_OVERHEAD,
    count_chat_prompt,
    count_tokens,
    count_tokens_many,
    encoding_for,
    is_rough,
    truncate_tokens,
)


def test_counts_match_known_cl100k_and_o200k_values() -> None:
    assert not is_rough()
    # Reference counts from tiktoken's own encodings of these strings.
    assert count_tokens("hello world") == 2
    assert count_tokens("how many tokens is this?") == 6
    assert count_tokens("hello world", "openai/gpt-oss-20b") == 2
    assert count_tokens("") == 0
    assert count_tokens_many(["hello world", "", "a b c"]) == [2, 0, 3]


def test_vocabulary_by_model() -> None:
    assert encoding_for("openai/gpt-oss-120b") == "o200k_base"
    assert encoding_for("llama-3.3-70b-versatile") == "cl100k_base"
    assert encoding_for(None) == "cl100k_base"
    # The two vocabularies really differ, so the choice matters.
    text = "नमस्ते दुनिया, यह एक परीक्षण है"
    # o200k_base has Devanagari merges that cl100k_base lacks.
    assert count_tokens(text, "openai/gpt-oss-20b") * 2 < count_tokens(text, "llama-3.1-8b-instant")


def test_truncate_keeps_a_prefix_within_budget() -> None:
    text = "one two three four five six"
    kept, total = truncate_tokens(text, 3)
    assert total == count_tokens(text) == 6
    assert text.startswith(kept)
    assert count_tokens(kept) == 3
    assert truncate_tokens(text, 50) == (text, 6)


def test_rough_fallback_is_chars_over_four() -> None:
    assert is_rough(rough=True)
    assert count_tokens("abcdefghi", rough=True) == 3
    assert count_tokens("", rough=True) == 0
    assert truncate_tokens("abcdefghij", 2, rough=True) == ("abcdefgh", 3)


def test_without_the_tokenizer_counts_are_rough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_toktok", lambda: None)
    assert is_rough()
    assert count_tokens("hello world") == 3  # ceil(11 / 4)
    assert truncate_tokens("hello world", 1) == ("hell", 3)


def test_fast_path_and_public_batch_count_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["hello world", "नमस्ते दुनिया", "", '{"a": [1, 2, 3]}']
    for model in (None, "openai/gpt-oss-20b"):
        fast = count_tokens_many(texts, model)
        monkeypatch.setattr(tokens, "_encoder", lambda name: None)
        assert count_tokens_many(texts, model) == fast
        monkeypatch.undo()


def test_chat_prompt_counts_messages_framing_and_tools() -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [{"type": "text", "text": "hello world"}, {"type": "image_url"}],
        },
    ]
    assert count_chat_prompt(messages) == count_tokens("Be brief.") + 2 + 2 * MESSAGE_OVERHEAD
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    with_tools = count_chat_prompt(messages, tools=tools)
    assert with_tools == count_chat_prompt(messages) + count_tokens(
        json.dumps(tools, sort_keys=True)
    )
    assert count_chat_prompt(messages, rough=True) == 3 + 3 + 2 * MESSAGE_OVERHEAD
