"""Putting results back in input order without holding them: row ranges spilled to disk.

A job's results arrive in any order. ``OrderSpill`` writes each range of rows to its own Arrow
file as results come and reads the ranges back one at a time, sorted, so that input order costs
the memory of one range, never a Python object per row.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

from groq_batch.scratch import ScratchDir
from groq_batch.table_schema import require_pyarrow

if TYPE_CHECKING:
    import pyarrow as pa


__all__ = ["OrderSpill"]


class OrderSpill:
    """Results put on disk by row range as they come, and read back in row order.

    Each range of rows has its own Arrow IPC stream in a temporary folder; reading one range
    back and sorting it costs memory for that range only, so putting a million rows back in
    order needs neither a million Python objects nor the whole set in memory. Results that
    match no row keep their arrival order and come last.
    """

    _MAX_FILES = 256

    def __init__(self, rows: int, range_rows: int) -> None:
        self._dir = ScratchDir("order")  # swept if this process is killed
        # Ranges grow with the table so that the open files stay few.
        self._range = max(range_rows, -(-rows // self._MAX_FILES), 1)
        self._writers: dict[int, tuple[IO[bytes], Any]] = {}
        self._schema: Any = None

    def add(self, rows: Sequence[int | None], results: pa.RecordBatch) -> None:
        """Put results on disk, each with its row (None for a result that matches none)."""
        pa = require_pyarrow()
        groups: dict[int, list[int]] = {}
        for index, row in enumerate(rows):
            groups.setdefault(-1 if row is None else row // self._range, []).append(index)
        row_array = pa.array([-1 if r is None else r for r in rows], pa.int64())
        batch = pa.RecordBatch.from_arrays(
            [row_array, *results.columns], names=["row", *results.schema.names]
        )
        if self._schema is None:
            self._schema = batch.schema
        for key, indices in groups.items():
            part = batch if len(indices) == len(rows) else batch.take(pa.array(indices))
            self._writer(key).write_batch(part)

    def _writer(self, key: int) -> Any:
        pa = require_pyarrow()
        if key not in self._writers:
            sink = open(os.path.join(self._dir.name, f"{key}.arrow"), "wb")  # noqa: SIM115
            self._writers[key] = (sink, pa.ipc.new_stream(sink, self._schema))
        return self._writers[key][1]

    def in_order(self) -> Iterator[tuple[Any, pa.Table]]:
        """Each range's rows (an int64 array, -1 for none) and results, in row order."""
        pa = require_pyarrow()
        import pyarrow.compute as pc

        keys = sorted(k for k in self._writers if k >= 0)
        for key in [*keys, -1] if -1 in self._writers else keys:
            sink, writer = self._writers.pop(key)
            writer.close()
            sink.close()
            path = os.path.join(self._dir.name, f"{key}.arrow")
            with pa.OSFile(path, "rb") as source:
                table = pa.ipc.open_stream(source).read_all()
            os.unlink(path)
            if key >= 0:
                table = table.take(pc.sort_indices(table.column("row")))
            table = table.combine_chunks()
            rows = table.column("row").chunk(0) if table.num_rows else pa.array([], pa.int64())
            # -1 (no input row) becomes null, so that its input columns come out null.
            rows = pc.if_else(pc.equal(rows, -1), pa.scalar(None, pa.int64()), rows)
            yield rows, table.drop_columns(["row"])

    def close(self) -> None:
        """Close the files and remove the folder."""
        for sink, writer in self._writers.values():
            writer.close()
            sink.close()
        self._writers.clear()
        self._dir.cleanup()

    def __enter__(self) -> OrderSpill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
