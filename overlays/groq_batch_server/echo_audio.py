"""The echo executor's Whisper answers: transcriptions and translations made up from the URL.

The same audio URL always gets the same text, language, duration, segments and words, so tests
can assert on them; the shape is Whisper's (``text``; with ``verbose_json`` also ``task``,
``language``, ``duration``, ``segments`` and, when asked, ``words``).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from typing import Any

from groq_batch_server.catalog import AUDIO_TRANSLATIONS
from groq_batch_server.execution import ExecRequest, RequestRefused

__all__ = ["audio_answer", "language_name", "whisper_segments", "whisper_words"]


def audio_answer(
    request: ExecRequest, model: str, endpoint: str, request_id: str
) -> dict[str, Any]:
    """The body of a transcription or translation answer.

    Args:
        request: The request (its body names the audio by ``url``).
        model: The model, already checked.
        endpoint: ``/v1/audio/transcriptions`` or ``/v1/audio/translations``.
        request_id: The answer's request id (it goes in ``x_groq``).

    Returns:
        The answer's body.

    Raises:
        RequestRefused: The body has no ``url`` or asks for an unknown format.
    """
    body = request.body
    url = body.get("url")
    if not isinstance(url, str) or not url:
        raise RequestRefused(400, "either file or url must be provided")
    response_format = body.get("response_format", "json")
    if response_format not in ("json", "text", "verbose_json"):
        raise RequestRefused(
            400,
            f"response_format must be one of json, text, verbose_json; got {response_format!r}",
        )
    translate = endpoint == AUDIO_TRANSLATIONS
    language = "english" if translate else language_name(body.get("language"))
    digest = hashlib.sha256(url.encode()).digest()
    rng = random.Random(digest)  # noqa: S311 (determinism, not secrecy)
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "audio"
    sentences = [
        f"This is the echo {'translation' if translate else 'transcript'} of {name}.",
        *(
            " ".join(rng.choice(AUDIO_WORDS) for _ in range(rng.randint(5, 10))).capitalize() + "."
            for _ in range(rng.randint(1, 3))
        ),
    ]
    text = " " + " ".join(sentences)
    # `text` is plain text on the synchronous API; a batch output body is always a JSON
    # object, so it is answered like `json` here.
    result: dict[str, Any] = {"text": text}
    if response_format == "verbose_json":
        duration = round(2.0 + 3.0 * len(sentences) + digest[0] / 100, 2)
        result = {
            "task": "translate" if translate else "transcribe",
            "language": language,
            "duration": duration,
            "text": text,
            "segments": whisper_segments(sentences, duration, body, model),
        }
        granularities = body.get("timestamp_granularities") or ["segment"]
        if "word" in granularities:
            result["words"] = whisper_words(sentences, duration)
    result["x_groq"] = {"id": request_id}
    return result


AUDIO_WORDS = (
    "the",
    "batch",
    "finished",
    "quickly",
    "and",
    "every",
    "request",
    "came",
    "back",
    "with",
    "its",
    "answer",
    "today",
    "we",
    "listen",
    "again",
)

# ISO 639-1 codes Whisper is most often given, and the names its verbose_json reports.
LANGUAGES = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "ja": "japanese",
    "zh": "chinese",
    "ko": "korean",
    "ru": "russian",
    "ar": "arabic",
    "hi": "hindi",
}


def language_name(code: Any) -> str:
    """The language name Whisper reports for an ISO 639-1 code (English when none is given)."""
    if not isinstance(code, str) or not code:
        return "english"
    return LANGUAGES.get(code.lower(), code.lower())


def whisper_segments(
    sentences: Sequence[str], duration: float, body: Mapping[str, Any], model: str
) -> list[dict[str, Any]]:
    """One Whisper segment per sentence, spread evenly over the duration."""
    span = duration / len(sentences)
    temperature = body.get("temperature", 0.0)
    segments = []
    for index, sentence in enumerate(sentences):
        start = round(index * span, 2)
        segments.append(
            {
                "id": index,
                "seek": 0,
                "start": start,
                "end": round(min(duration, start + span), 2),
                "text": " " + sentence,
                "tokens": list(range(50365 + index * 16, 50365 + index * 16 + 4)),
                "temperature": temperature if isinstance(temperature, int | float) else 0.0,
                "avg_logprob": -0.25,
                "compression_ratio": 1.2,
                "no_speech_prob": 0.01,
            }
        )
    return segments


def whisper_words(sentences: Sequence[str], duration: float) -> list[dict[str, Any]]:
    """Word timestamps, spread evenly over the duration."""
    words = [w for sentence in sentences for w in sentence.split()]
    step = duration / max(len(words), 1)
    return [
        {"word": w.strip(".,"), "start": round(i * step, 2), "end": round((i + 1) * step, 2)}
        for i, w in enumerate(words)
    ]
