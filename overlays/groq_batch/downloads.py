"""Where ``download`` puts each result file, and how a file lands only when it is whole."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from groq_batch._errors import IncompleteContentError
from groq_batch_api.models import Batch

__all__ = ["atomic_download", "download_plan"]


def download_plan(batches: Sequence[Batch], directory: Path) -> list[tuple[str, Path]]:
    """Return each output and error file of the batches with the path ``download`` gives it.

    Args:
        batches: The job's batches.
        directory: The download directory.

    Returns:
        ``(file_id, target)`` pairs: ``<batch_id>_output.jsonl`` and ``<batch_id>_errors.jsonl``.
    """
    plan = []
    for batch in batches:
        for kind, file_id in (("output", batch.output_file_id), ("errors", batch.error_file_id)):
            if isinstance(file_id, str) and file_id:
                plan.append((file_id, directory / f"{batch.id}_{kind}.jsonl"))
    return plan


@contextlib.contextmanager
def atomic_download(target: Path, file_id: str, expected: int) -> Iterator[Path]:
    """Give a temporary path beside ``target``; move it into place only if it is whole.

    Args:
        target: The final path.
        file_id: The file being downloaded, named in the error.
        expected: The size the file must have.

    Yields:
        The temporary path to write.

    Raises:
        IncompleteContentError: The written file's size differs from ``expected``; nothing
            is left behind.
    """
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        size = tmp.stat().st_size
        if size != expected:
            raise IncompleteContentError(
                httpx.Request("GET", f"/openai/v1/files/{file_id}/content"),
                received=size,
                expected=expected,
                reason="the file's size differs from its metadata",
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
