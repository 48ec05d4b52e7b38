from enum import StrEnum


class BatchRequestLineMethod(StrEnum):
    POST = "POST"

    def __str__(self) -> str:
        return str(self.value)
