"""Turn what a caller passes as `file=` into a streamed multipart part that can be rewound.

A path is opened and streamed from disk, never read whole. Every upload remembers where its stream
started, so a retry (after a 429, say) sends the same bytes again from the start.
"""

from __future__ import annotations

import hashlib
import io
import os
from typing import IO, BinaryIO, Self, TypeAlias, cast

from groq_batch._errors import InvalidTypeError
from groq_batch_api.types import File as GeneratedFile

__all__ = ["FileInput", "Upload", "file_from_path"]

FileContent: TypeAlias = bytes | IO[bytes]
FileInput: TypeAlias = (
    str
    | os.PathLike[str]
    | bytes
    | IO[bytes]
    | tuple[str, FileContent]
    | tuple[str, FileContent, str]
)
"""A path, bytes, a binary file object, `(name, bytes_or_fileobj)` or `(name, content, mime)`."""

DEFAULT_NAME = "upload.jsonl"


def file_from_path(path: str | os.PathLike[str]) -> tuple[str, bytes]:
    """The SDK's helper: `(file name, bytes)` of the file at `path`, read whole.

    Passing the path itself as `file=` streams it from disk instead, in flat memory.

    Args:
        path: The file.

    Returns:
        Its base name and its bytes.
    """
    with open(path, "rb") as handle:
        return os.path.basename(os.fspath(path)), handle.read()


_DIGEST_CHUNK = 1024 * 1024


class Upload:
    """One file to upload: a named binary stream that this object may own and can rewind."""

    def __init__(self, file: FileInput) -> None:
        """Normalise a `file=` argument.

        Args:
            file: A path (`str` or `os.PathLike`), `bytes`, a binary file object, or a tuple of
                `(filename, bytes or file object)` with an optional media type.

        Raises:
            TypeError: For anything else, including a file opened in text mode.
        """
        self.mime_type: str | None = None
        self._owned = False
        name: str | None = None
        content: object = file
        if isinstance(file, tuple):
            if len(file) not in (2, 3) or not isinstance(file[0], str):
                raise InvalidTypeError(
                    "A file tuple is (filename, content) or (filename, content, mime)."
                )
            name, content = file[0], file[1]
            self.mime_type = file[2] if len(file) == 3 else None
        stream: IO[bytes]
        if isinstance(content, str | os.PathLike):
            path = os.fspath(content)
            # Opened lazily would hide a missing file until the request; fail now, before I/O.
            stream = open(path, "rb")  # noqa: SIM115 - closed by close()
            self._owned = True
            name = name or os.path.basename(path)
        elif isinstance(content, bytes | bytearray | memoryview):
            stream = io.BytesIO(bytes(content))
            self._owned = True
        elif hasattr(content, "read"):
            if isinstance(content, io.TextIOBase):
                raise InvalidTypeError("Open the file in binary mode ('rb'), not text mode.")
            stream = content  # type: ignore[assignment]
            raw_name = getattr(content, "name", None)
            if name is None and isinstance(raw_name, str) and raw_name:
                name = os.path.basename(raw_name)
        else:
            raise InvalidTypeError(
                "file= takes a path, bytes, a binary file object, or a (name, content) tuple; "
                f"got {type(content).__name__}."
            )
        self.stream = stream
        self.name = name or DEFAULT_NAME
        self._seekable = self._can_seek(stream)
        self._digest: tuple[int, str] | None = None

    @staticmethod
    def _can_seek(stream: IO[bytes]) -> bool:
        try:
            return bool(stream.seekable())
        except (OSError, ValueError, AttributeError):
            return False

    def rewind(self) -> bool:
        """Seek back to the start, before a retry.

        httpx itself sends a seekable file from offset 0, so the start of the upload is offset 0.

        Returns:
            False when the stream cannot seek, so the upload cannot be sent again.
        """
        if not self._seekable:
            return False
        self.stream.seek(0)
        return True

    def digest(self) -> tuple[int, str]:
        """The upload's size and SHA-256, read from its stream, which is left at its start.

        Only called after an ambiguous failure, to recognise a copy the server already stored.

        Returns:
            `(size in bytes, hex digest)`.
        """
        if self._digest is None:
            self.stream.seek(0)
            hasher = hashlib.sha256()
            size = 0
            while chunk := self.stream.read(_DIGEST_CHUNK):
                hasher.update(chunk)
                size += len(chunk)
            self.stream.seek(0)
            self._digest = (size, hasher.hexdigest())
        return self._digest

    def part(self) -> GeneratedFile:
        """The generated client's multipart file value for this upload."""
        # The generated type says BinaryIO; httpx needs only read/seek, which IO[bytes] has.
        payload = cast(BinaryIO, self.stream)
        return GeneratedFile(payload=payload, file_name=self.name, mime_type=self.mime_type)

    def close(self) -> None:
        """Close the stream if this object opened it; a caller's file object is left open."""
        if self._owned:
            self.stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # Closing is all there is to do, whether the block raised or not.
        self.close()
