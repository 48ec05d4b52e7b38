"""Writing a finished batch's output and error files, in Groq's line format.

A result file is written to a temp file in the data dir, synced, then renamed into the blob
directory (`ResultWriter`), so a crash never leaves a half-written blob that counts. Stored
result bodies are spliced into the lines as they are, never decoded and encoded again.
"""

from __future__ import annotations

import os
from typing import IO

from groq_batch_server.ids import new_id
from groq_batch_server.lines import dumps
from groq_batch_server.store import ResultRow, Store, StoredLine

__all__ = ["NOT_RUN", "ResultWriter", "not_run_line", "result_line", "write_line"]

# The error-file line for requests that never ran, by the terminal status that stopped them.
NOT_RUN = {
    "expired": (
        "batch_expired",
        "This request could not be executed before the completion window expired.",
    ),
    "cancelled": (
        "batch_cancelled",
        "This request was not executed because the batch was cancelled.",
    ),
    "completed": ("batch_request_lost", "This request has no result."),
}


class ResultWriter:
    """Writes one result file to a temp file in the data dir, then adopts it as a blob."""

    def __init__(self, store: Store) -> None:
        self.store = store
        fd, self.path = store.new_temp_file(".jsonl")
        self.fh: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 20)
        self.lines = 0

    def write(self, line: str) -> None:
        """Append one line (ending in a newline)."""
        self.fh.write(line.encode())
        self.lines += 1

    def commit(self) -> str | None:
        """Sync and move into place; returns the new file id, or None if nothing was written."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        if not self.lines:
            self.path.unlink(missing_ok=True)
            return None
        file_id = new_id("file")
        self.store.adopt_blob(self.path, file_id)
        return file_id

    def discard(self) -> None:
        """Close and delete the temp file (the batch's status moved on meanwhile, or it failed)."""
        if not self.fh.closed:
            self.fh.close()
        self.path.unlink(missing_ok=True)


def result_line(custom_id: str, result: ResultRow) -> str:
    """One output/error line in Groq's format; the stored body is spliced in as-is."""
    if result.status_code is not None:
        response = (
            f'{{"status_code":{result.status_code},"request_id":{dumps(result.request_id)},'
            f'"body":{result.body if result.body is not None else "{}"}}}'
        )
        error = "null"
    else:
        response = "null"
        error = dumps({"code": result.error_code, "message": result.error_message})
    return (
        f'{{"id":{dumps(result.id)},"custom_id":{dumps(custom_id)},'
        f'"response":{response},"error":{error}}}\n'
    )


def not_run_line(custom_id: str, target: str) -> str:
    """The error-file line of a request that never ran, because the batch ended as `target`."""
    code, message = NOT_RUN[target]
    return (
        dumps(
            {
                "id": new_id("batch_req_out"),
                "custom_id": custom_id,
                "response": None,
                "error": {"code": code, "message": message},
            }
        )
        + "\n"
    )


def write_line(line: StoredLine, target: str, output: ResultWriter, errors: ResultWriter) -> None:
    """Write one stored line to the output file (a 2xx answer) or the error file (the rest).

    Args:
        line: The input line with its result, if it has one.
        target: The terminal status being finalised (names why a line without a result never
            ran).
        output: The output file.
        errors: The error file.
    """
    result = line.result
    if result is None:
        errors.write(not_run_line(line.custom_id, target))
    elif result.succeeded:
        output.write(result_line(line.custom_id, result))
    else:
        errors.write(result_line(line.custom_id, result))
