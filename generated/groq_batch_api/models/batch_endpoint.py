from enum import StrEnum


class BatchEndpoint(StrEnum):
    AUDIO_TRANSCRIPTIONS = "/v1/audio/transcriptions"
    AUDIO_TRANSLATIONS = "/v1/audio/translations"
    CHAT_COMPLETIONS = "/v1/chat/completions"

    def __str__(self) -> str:
        return str(self.value)
