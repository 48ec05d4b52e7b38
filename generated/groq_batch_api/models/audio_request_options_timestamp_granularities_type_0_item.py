from enum import StrEnum


class AudioRequestOptionsTimestampGranularitiesType0Item(StrEnum):
    SEGMENT = "segment"
    WORD = "word"

    def __str__(self) -> str:
        return str(self.value)
