from enum import StrEnum


class FileUploadPurpose(StrEnum):
    BATCH = "batch"

    def __str__(self) -> str:
        return str(self.value)
