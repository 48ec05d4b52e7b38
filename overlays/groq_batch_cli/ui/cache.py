"""The results of one finished job, joined to their inputs once and kept in SQLite.

The first view of a job's results streams them through the library's own join
(``BatchJob.results``) into a small SQLite file; every page after that is one indexed query,
so a 50,000-row job pages and filters without reading its files again.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from groq_batch.estimate import CostTally
from groq_batch.local import private_database, private_dir
from groq_batch.results import BatchResult

__all__ = ["PAGE_SIZE", "Page", "ResultsCache"]

PAGE_SIZE = 50

_SCHEMA = """
CREATE TABLE rows (
    n INTEGER PRIMARY KEY,
    custom_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prompt TEXT NOT NULL,
    answer TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    -- When the answer was made (the response body's `created`, epoch seconds), if it says.
    finished INTEGER
);
-- What the whole job used: its actual cost, summed once while indexing.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- The full JSON lives apart: filters and counts scan only the small table above.
CREATE TABLE json (
    n INTEGER PRIMARY KEY,
    request TEXT,
    response TEXT
);
"""


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a job's results.

    Attributes:
        rows: ``(custom_id, outcome, prompt, answer)`` per row, in result order.
        matched: How many rows match the filter.
        page: The page number, from 1.
        pages: How many pages the filter has.
    """

    rows: list[tuple[str, str, str, str]]
    matched: int
    page: int
    pages: int


def _prompt_of(body: Mapping[str, Any] | None) -> str:
    """The last user message's text: what a reader calls "the prompt"."""
    if body is None:
        return ""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return str(body.get("prompt", ""))
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return ""


def _answer_of(result: BatchResult) -> str:
    if result.ok:
        return result.text or ""
    if result.error is not None:
        return f"{result.error.code}: {result.error.message}"
    return ""


def _tokens_of(result: BatchResult) -> int:
    usage = result.usage
    total = usage.get("total_tokens") if usage is not None else None
    return total if isinstance(total, int) else 0


def _finished_of(result: BatchResult) -> int | None:
    raw = result.raw_body
    created = raw.get("created") if raw is not None else None
    return created if isinstance(created, int) and not isinstance(created, bool) else None


def _row(n: int, result: BatchResult) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    request = result.request
    row = (
        n,
        result.custom_id,
        result.outcome.value,
        _prompt_of(request.body if request is not None else None),
        _answer_of(result),
        _tokens_of(result),
        _finished_of(result),
    )
    blobs = (
        n,
        json.dumps(request.to_dict(), ensure_ascii=False) if request is not None else None,
        json.dumps(result.line, ensure_ascii=False) if result.line is not None else None,
    )
    return row, blobs


def _cost_of(tally: CostTally) -> dict[str, Any]:
    """The tally's batch cost, or None when any model that answered has no price."""
    costs = [m.batch_cost for m in tally.models.values() if m.billed_requests]
    known = all(c is not None for c in costs)
    return {"batch_cost": sum(c for c in costs if c is not None) if known else None}


class ResultsCache:
    """Joined results per job, one SQLite file each under ``directory``.

    Args:
        directory: Where the files go (created when needed).
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        if self.directory.is_dir():
            # A cache from an older version: tighten it and what it holds.
            private_dir(self.directory)
            for existing in self.directory.glob("*.sqlite3"):
                private_database(existing)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def path(self, batch_ids: Sequence[str]) -> Path:
        """Return the cache file of a job.

        Args:
            batch_ids: The job's batch ids.

        Returns:
            The path (it may not exist yet).
        """
        key = hashlib.sha256(",".join(batch_ids).encode()).hexdigest()[:24]
        # v2: rows record when each answer was made, and the file holds the actual cost.
        return self.directory / f"results-v2-{key}.sqlite3"

    def has(self, batch_ids: Sequence[str]) -> bool:
        """Whether a job's results are cached.

        Args:
            batch_ids: The job's batch ids.

        Returns:
            True if they are.
        """
        return self.path(batch_ids).exists()

    def build(
        self,
        batch_ids: Sequence[str],
        results: Iterable[BatchResult],
        *,
        provider: str = "groq",
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Store a finished job's results, once; concurrent callers wait for the first.

        The file is written under a temporary name and renamed: a crash leaves no half cache.

        Args:
            batch_ids: The job's batch ids.
            results: Its joined results (consumed only if the cache does not exist yet).
            provider: Whose price list gives the actual cost.
            on_progress: Called with the number of rows indexed so far, every 1,000 rows.
        """
        tally = CostTally.for_provider(provider)
        target = self.path(batch_ids)
        with self._guard:
            lock = self._locks.setdefault(target.name, threading.Lock())
        with lock:
            if target.exists():
                return
            # Prompts and answers: a private folder (0700) and files 0600 from creation.
            private_dir(self.directory)
            tmp = target.with_suffix(".tmp")
            tmp.unlink(missing_ok=True)
            try:
                private_database(tmp)
                with contextlib.closing(sqlite3.connect(tmp)) as db:
                    db.executescript(_SCHEMA)
                    with db:
                        numbered = enumerate(map(tally.add, results))
                        indexed = 0
                        while pairs := [_row(n, r) for n, r in itertools.islice(numbered, 1000)]:
                            db.executemany(
                                "INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [p[0] for p in pairs],
                            )
                            db.executemany(
                                "INSERT INTO json VALUES (?, ?, ?)", [p[1] for p in pairs]
                            )
                            indexed += len(pairs)
                            if on_progress is not None:
                                on_progress(indexed)
                        db.execute(
                            "INSERT INTO meta VALUES ('cost', ?)", (json.dumps(_cost_of(tally)),)
                        )
                    db.execute("CREATE INDEX rows_by_outcome ON rows(outcome, n)")
                    db.execute("CREATE INDEX rows_by_id ON rows(custom_id)")
                    db.commit()
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise

    @contextlib.contextmanager
    def _read(self, batch_ids: Sequence[str]) -> Iterator[sqlite3.Connection]:
        uri = self.path(batch_ids).as_uri() + "?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            yield db

    def summary(self, batch_ids: Sequence[str]) -> tuple[dict[str, int], int]:
        """Count rows per outcome and total tokens.

        Args:
            batch_ids: The job's batch ids.

        Returns:
            ``({outcome: rows}, total tokens)``.
        """
        with self._read(batch_ids) as db:
            counts = dict(db.execute("SELECT outcome, count(*) FROM rows GROUP BY outcome"))
            (tokens,) = db.execute("SELECT coalesce(sum(tokens), 0) FROM rows").fetchone()
        return counts, int(tokens)

    def cost(self, batch_ids: Sequence[str]) -> float | None:
        """The job's actual cost at batch prices, from its answers' usage.

        Args:
            batch_ids: The job's batch ids.

        Returns:
            US dollars, or None when a model it used has no known price.
        """
        with self._read(batch_ids) as db:
            (value,) = db.execute("SELECT value FROM meta WHERE key = 'cost'").fetchone()
        cost = json.loads(value)["batch_cost"]
        return float(cost) if isinstance(cost, int | float) else None

    def completions(self, batch_ids: Sequence[str]) -> list[tuple[int, int]]:
        """How many answers were made by each second, from each answer's ``created`` time.

        Args:
            batch_ids: The job's batch ids.

        Returns:
            ``(epoch second, answers made by then)`` per second that saw an answer, in order.
        """
        with self._read(batch_ids) as db:
            seconds = db.execute(
                "SELECT finished, count(*) FROM rows WHERE finished IS NOT NULL "
                "GROUP BY finished ORDER BY finished"
            ).fetchall()
        out, total = [], 0
        for second, count in seconds:
            total += int(count)
            out.append((int(second), total))
        return out

    def page(
        self, batch_ids: Sequence[str], *, outcome: str = "", query: str = "", page: int = 1
    ) -> Page:
        """Return one page of rows matching a filter.

        Args:
            batch_ids: The job's batch ids.
            outcome: Only rows with this outcome (``failed``: any but ``succeeded``); all when
                empty.
            query: Only rows whose custom_id, prompt or answer contains this text.
            page: The page number, from 1.

        Returns:
            The page.
        """
        where, params = [], []
        if outcome == "failed":
            where.append("outcome != 'succeeded'")
        elif outcome:
            where.append("outcome = ?")
            params.append(outcome)
        if query:
            like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(
                "(custom_id LIKE ? ESCAPE '\\' OR prompt LIKE ? ESCAPE '\\' "
                "OR answer LIKE ? ESCAPE '\\')"
            )
            params += [like, like, like]
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        with self._read(batch_ids) as db:
            (matched,) = db.execute(f"SELECT count(*) FROM rows{clause}", params).fetchone()  # noqa: S608
            pages = max(1, -(-matched // PAGE_SIZE))
            page = min(max(1, page), pages)
            rows = db.execute(
                f"SELECT custom_id, outcome, substr(prompt, 1, 300), substr(answer, 1, 300) "  # noqa: S608
                f"FROM rows{clause} ORDER BY n LIMIT ? OFFSET ?",
                [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
            ).fetchall()
        return Page(rows=rows, matched=int(matched), page=page, pages=pages)

    def row(self, batch_ids: Sequence[str], custom_id: str) -> dict[str, Any] | None:
        """Return one row's full request and response.

        Args:
            batch_ids: The job's batch ids.
            custom_id: The row's ``custom_id``.

        Returns:
            ``{"custom_id", "outcome", "request", "response", "prompt", "answer"}`` (the last
            two as text), or None if there is no such row.
        """
        with self._read(batch_ids) as db:
            found = db.execute(
                "SELECT custom_id, outcome, request, response, prompt, answer "
                "FROM rows JOIN json USING (n) "
                "WHERE custom_id = ? ORDER BY n LIMIT 1",
                (custom_id,),
            ).fetchone()
        if found is None:
            return None
        return {
            "custom_id": found[0],
            "outcome": found[1],
            "request": json.loads(found[2]) if found[2] else None,
            "response": json.loads(found[3]) if found[3] else None,
            "prompt": found[4],
            "answer": found[5],
        }
