"""The `groq-batch` command line: the library's job, from a shell.

Every command calls the same library code a Python user would (``validate``, ``Groq.batches``,
``Groq.files``); nothing here re-implements the job. Terminal niceties (progress bars, tables)
come from rich, loaded only when a command needs them and shown only on a terminal.

Exit codes:
    0   everything succeeded.
    1   an error from the API or the network (the message says which).
    2   a usage error or an input that fails validation.
    3   the batch finished, but some requests did not succeed.
    4   ``--timeout`` passed before the batch finished (the batch is left running).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from groq_batch import __version__

if TYPE_CHECKING:
    from groq_batch._client import Groq
    from groq_batch._workflow import BatchJob
    from groq_batch.results import BatchResult, ResultSummary
    from groq_batch.validation import ValidationReport
    from groq_batch_api.models import Batch

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_FAILED_ROWS = 3
EXIT_TIMEOUT = 4


class CliError(Exception):
    """A user-facing error: printed without a traceback, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def default_data_dir() -> Path:
    """Return where ``--local`` keeps its data: ``$XDG_DATA_HOME/groq-batch``.

    Returns:
        The directory (``~/.local/share/groq-batch`` when ``XDG_DATA_HOME`` is unset).
    """
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "groq-batch"


# ---------------------------------------------------------------------------------- arguments


def _metadata_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for `groq-batch`.

    Returns:
        The parser.
    """
    common = argparse.ArgumentParser(add_help=False)
    conn = common.add_argument_group("connection")
    conn.add_argument(
        "--local",
        action="store_true",
        help="run against the embedded local server (no key, no network)",
    )
    conn.add_argument(
        "--data-dir", type=Path, help="the local server's data (default: the XDG data home)"
    )
    conn.add_argument("--api-key", help="Groq API key (default: $GROQ_API_KEY)")
    conn.add_argument("--base-url", help="API base URL (default: $GROQ_BASE_URL or Groq's)")
    conn.add_argument("--debug", action="store_true", help="show tracebacks")
    conn.add_argument("--json", action="store_true", help="print machine-readable JSON")

    parser = argparse.ArgumentParser(
        prog="groq-batch",
        description="Run Groq batch jobs: validate, submit, wait and collect every result.",
        epilog="Exit codes: 0 ok, 1 API/network error, 2 usage or validation error, "
        "3 finished with failed requests, 4 timed out waiting.",
    )
    parser.add_argument("--version", action="version", version=f"groq-batch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_, description=help_, parents=[common])

    p = add("validate", "report every problem in a JSONL file, with line and field")
    p.add_argument("file", type=Path)
    p.add_argument("--endpoint", default="/v1/chat/completions")

    for name, help_ in (
        ("submit", "validate, split if needed, upload and create the batches"),
        ("run", "the whole job: validate, submit, wait, and write joined results"),
    ):
        p = add(name, help_)
        p.add_argument("file", type=Path)
        p.add_argument("--window", default="24h", help="completion window, 24h to 7d")
        p.add_argument(
            "--metadata", type=_metadata_pair, action="append", default=[], metavar="KEY=VALUE"
        )
        p.add_argument("--endpoint", default="/v1/chat/completions")
        p.add_argument("--timeout", type=float, help="seconds to wait at most")
        _add_cost_arguments(p, max_cost=True)
        if name == "submit":
            p.add_argument("--wait", action="store_true", help="wait until the batches finish")
        else:
            p.add_argument("-o", "--output", type=Path, required=True, help="results JSONL")

    p = add("estimate", "estimate tokens and cost of a JSONL file, offline (nothing is sent)")
    p.add_argument("file", type=Path)
    _add_cost_arguments(p, max_cost=False)

    p = add("status", "show batches")
    p.add_argument("ids", nargs="+", metavar="ID")
    p = add("list", "list batches")
    p.add_argument("--limit", type=int, default=20)
    p = add("cancel", "cancel batches")
    p.add_argument("ids", nargs="+", metavar="ID")
    p = add("wait", "wait until batches finish")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--timeout", type=float)
    p = add("results", "write results joined to inputs as JSONL")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--inputs", type=Path, help="the input file (default: read back via the API)")
    p = add("download", "download output and error files")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("directory", type=Path)
    p = add("resubmit", "submit the requests that failed as a new, linked job")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument(
        "--outcome",
        action="append",
        dest="outcomes",
        help="outcomes to resubmit (default: every failure)",
    )

    p = add("files", "manage files")
    files = p.add_subparsers(dest="files_command", required=True, metavar="ACTION")
    files.add_parser("list", help="list files", parents=[common])
    for action in ("info", "delete"):
        fp = files.add_parser(action, help=f"{action} a file", parents=[common])
        fp.add_argument("file_id")
    fp = files.add_parser("download", help="download a file's content", parents=[common])
    fp.add_argument("file_id")
    fp.add_argument("-o", "--output", type=Path, required=True)

    # `serve` has its own parser (the server's); it is listed here for the help text only.
    sub.add_parser("serve", help="run the local Groq-compatible server (see serve --help)")
    return parser


# ----------------------------------------------------------------------------------- printing


class Output:
    """Where a command's words go: JSON for scripts, rich for people, plain text otherwise."""

    def __init__(self, as_json: bool, stream: TextIO | None = None) -> None:
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty() and not as_json

    def json(self, data: Any) -> None:
        """Print data as indented JSON."""
        self.stream.write(json.dumps(data, indent=2, default=str) + "\n")

    def line(self, text: str) -> None:
        """Print a line for people; nothing in JSON mode."""
        if not self.as_json:
            self.stream.write(text + "\n")

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Print a table: rich on a terminal, aligned plain text otherwise."""
        if self.as_json:
            return
        if self.interactive:
            from rich.console import Console
            from rich.table import Table

            table = Table(title=title)
            for column in columns:
                table.add_column(column)
            for row in rows:
                table.add_row(*(str(c) for c in row))
            Console(file=self.stream).print(table)
            return
        self.stream.write(f"{title}\n")
        widths = [
            max(len(str(x)) for x in (c, *(r[i] for r in rows))) for i, c in enumerate(columns)
        ]
        for row in (columns, *rows):
            self.stream.write(
                "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)) + "\n"
            )


def _batch_dict(batch: Batch) -> dict[str, Any]:
    data: dict[str, Any] = batch.to_dict()
    return data


def _counts(batch: Batch) -> tuple[int, int, int]:
    from groq_batch_api.models import BatchRequestCounts

    rc = batch.request_counts
    if not isinstance(rc, BatchRequestCounts):
        return 0, 0, 0
    return rc.total, rc.completed, rc.failed


def _print_batches(out: Output, batches: Sequence[Batch]) -> None:
    if out.as_json:
        out.json([_batch_dict(b) for b in batches])
        return
    from groq_batch._workflow_core import status_of

    rows = []
    for b in batches:
        total, completed, failed = _counts(b)
        rows.append((b.id, status_of(b), f"{completed}/{total}", failed, b.output_file_id or "-"))
    out.table("batches", ("id", "status", "done", "failed", "output file"), rows)


# --------------------------------------------------------------------------------- connection


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[Groq]:
    from groq_batch import Groq

    if not args.local:
        with Groq(api_key=args.api_key, base_url=args.base_url) as client:
            yield client
        return
    try:
        from groq_batch.server import LocalServer, ServerConfig
    except ImportError as exc:
        raise CliError(
            "--local needs the server extra: pip install 'groq-batch[server]'", EXIT_USAGE
        ) from exc
    from groq_batch.server.store import DataDirInUseError

    data_dir = args.data_dir or default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = LocalServer(ServerConfig(data_dir=data_dir))
    try:
        server.start()
    except DataDirInUseError as exc:
        # Two servers on one data dir would run the same batches twice; the lock says no.
        raise CliError(
            f"another groq-batch process is using the local data in {data_dir}; "
            "wait for it to finish, or pass a different --data-dir"
        ) from exc
    try:
        with Groq(api_key="local", base_url=server.base_url) as client:
            yield client
    finally:
        server.stop()


# ----------------------------------------------------------------------------------- commands


def _print_report(out: Output, report: ValidationReport, stream: TextIO | None = None) -> None:
    if out.as_json:
        out.json(
            {
                "file": report.source,
                "lines": report.lines,
                "bytes": report.bytes,
                "ok": report.ok,
                "problems": [
                    {"line": p.line, "field": p.field, "code": p.code, "message": p.message}
                    for p in report.problems
                ],
            }
        )
    else:
        (stream or out.stream).write(f"{report}\n")


def _require_file(path: Path) -> None:
    # Checked before any client or local server starts, so the error is the file's.
    if not path.is_file():
        raise CliError(f"{path}: no such file", EXIT_USAGE)


def _validate(args: argparse.Namespace, out: Output) -> int:
    from groq_batch.validation import validate

    _require_file(args.file)
    report = validate(args.file, endpoint=args.endpoint)
    _print_report(out, report)
    return EXIT_OK if report.ok else EXIT_USAGE


def _submit_job(client: Groq, args: argparse.Namespace, out: Output) -> BatchJob:
    """Submit ``args.file``; on bad input, print every problem and exit 2 with nothing uploaded."""
    from groq_batch.validation import ValidationError, ValidationReport

    try:
        return client.batches.submit(
            args.file,
            endpoint=args.endpoint,
            completion_window=args.window,
            metadata=dict(args.metadata) or None,
        )
    except ValidationError as exc:
        report = ValidationReport(problems=exc.problems, source=exc.source)
        _print_report(out, report, sys.stderr)
        raise CliError(f"{len(exc.problems)} problem(s); nothing was uploaded", EXIT_USAGE) from exc


class _Progress:
    """A live bar of finished requests, with failures and elapsed time, on a terminal only."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.out.interactive:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("failed {task.fields[failed]}"),
                TimeElapsedColumn(),
            )
            self._progress.start()
            self._task = self._progress.add_task("waiting", total=None, failed=0)
        return self

    def update(self, batches: Sequence[Batch]) -> None:
        from groq_batch._workflow_core import status_of

        total = completed = failed = 0
        for batch in batches:
            t, c, f = _counts(batch)
            total, completed, failed = total + t, completed + c, failed + f
        statuses = sorted({status_of(b) for b in batches})
        if self._progress is not None:
            self._progress.update(
                self._task,
                description=",".join(statuses),
                total=total or None,
                completed=completed + failed,
                failed=failed,
            )

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _wait(job: BatchJob, args: argparse.Namespace, out: Output) -> list[Batch]:
    from groq_batch._workflow_core import WaitTimeoutError

    with _Progress(out) as progress:
        try:
            return job.wait(timeout=getattr(args, "timeout", None), on_update=progress.update)
        except WaitTimeoutError as exc:
            raise CliError(f"{exc}. The batches keep running.", EXIT_TIMEOUT) from exc


def _submit(args: argparse.Namespace, out: Output) -> int:
    _require_file(args.file)
    _preflight_cost(args, out)
    with _client(args) as client:
        job = _submit_job(client, args, out)
        batches = job.batches
        if args.wait:
            batches = _wait(job, args, out)
        _print_batches(out, batches)
        if args.wait:
            return EXIT_FAILED_ROWS if any(_counts(b)[2] for b in batches) else EXIT_OK
    return EXIT_OK


def _result_row(result: BatchResult) -> dict[str, Any]:
    return {
        "custom_id": result.custom_id,
        "outcome": result.outcome.value,
        "status_code": result.status_code,
        "text": result.text,
        "usage": dict(result.usage) if result.usage is not None else None,
        "error": None
        if result.error is None
        else {"code": result.error.code, "message": result.error.message},
        "request": dict(result.request.body) if result.request is not None else None,
    }


def _write_results(job: BatchJob, output: Path, inputs: Path | None) -> ResultSummary:
    from groq_batch.results import ResultSummary

    summary = ResultSummary()
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            for result in job.results(inputs=inputs):
                summary.add(result)
                fh.write(json.dumps(_result_row(result), ensure_ascii=False) + "\n")
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary


def _print_summary(
    out: Output, summary: ResultSummary, output: Path, elapsed: float, provider: str = "groq"
) -> None:
    data = summary.as_dict()
    cost = _actual_cost_of(output, provider)
    if out.as_json:
        out.json({**data, "cost": cost, "output": str(output), "wall_seconds": round(elapsed, 3)})
        return
    rows = [(k, v) for k, v in data["outcomes"].items() if v]
    rows += [
        ("prompt tokens", data["prompt_tokens"]),
        ("completion tokens", data["completion_tokens"]),
        *_actual_cost_rows(cost),
        ("wall time", f"{elapsed:.1f} s"),
    ]
    out.line(f"{data['total']} results written to {output}")
    out.table("summary", ("", "count"), rows)


def _run(args: argparse.Namespace, out: Output) -> int:
    started = time.monotonic()
    _require_file(args.file)
    _preflight_cost(args, out)
    with _client(args) as client:
        job = _submit_job(client, args, out)
        out.line(f"submitted {len(job.ids)} batch(es): {', '.join(job.ids)}")
        _wait(job, args, out)
        summary = _write_results(job, args.output, args.file)
    _print_summary(out, summary, args.output, time.monotonic() - started, _provider_name(args))
    return EXIT_FAILED_ROWS if summary.failed else EXIT_OK


def _status(args: argparse.Namespace, out: Output) -> int:
    with _client(args) as client:
        _print_batches(out, [client.batches.retrieve(i) for i in args.ids])
    return EXIT_OK


def _list(args: argparse.Namespace, out: Output) -> int:
    with _client(args) as client:
        page = client.batches.list(limit=min(args.limit, 100))
        batches = []
        for batch in page:
            batches.append(batch)
            if len(batches) >= args.limit:
                break
        _print_batches(out, batches)
    return EXIT_OK


def _cancel(args: argparse.Namespace, out: Output) -> int:
    with _client(args) as client:
        _print_batches(out, [client.batches.cancel(i) for i in args.ids])
    return EXIT_OK


def _wait_cmd(args: argparse.Namespace, out: Output) -> int:
    with _client(args) as client:
        batches = _wait(client.batches.job(args.ids), args, out)
        _print_batches(out, batches)
    return EXIT_FAILED_ROWS if any(_counts(b)[2] for b in batches) else EXIT_OK


def _results(args: argparse.Namespace, out: Output) -> int:
    started = time.monotonic()
    with _client(args) as client:
        summary = _write_results(client.batches.job(args.ids), args.output, args.inputs)
    _print_summary(out, summary, args.output, time.monotonic() - started, _provider_name(args))
    return EXIT_FAILED_ROWS if summary.failed else EXIT_OK


def _download(args: argparse.Namespace, out: Output) -> int:
    with _client(args) as client:
        paths = client.batches.job(args.ids).download(args.directory)
    if out.as_json:
        out.json([str(p) for p in paths])
    for path in paths:
        out.line(str(path))
    return EXIT_OK


def _resubmit(args: argparse.Namespace, out: Output) -> int:
    with _client(args) as client:
        job = client.batches.job(args.ids)
        kwargs = {"outcomes": args.outcomes} if args.outcomes else {}
        new = job.resubmit(**kwargs)
        if new is None:
            out.line("nothing to resubmit")
            if out.as_json:
                out.json([])
            return EXIT_OK
        _print_batches(out, new.batches)
    return EXIT_OK


def _files(args: argparse.Namespace, out: Output) -> int:
    with _client(args) as client:
        action = args.files_command
        if action == "download":
            with client.files.content(args.file_id) as content:
                content.write_to_file(args.output)
            out.line(str(args.output))
            return EXIT_OK
        if action == "list":
            listed = list(client.files.list().data)
        elif action == "info":
            listed = [client.files.info(args.file_id)]
        else:
            deleted = client.files.delete(args.file_id)
            if out.as_json:
                out.json(deleted.to_dict())
            out.line(f"deleted {deleted.id}: {deleted.deleted}")
            return EXIT_OK
        if out.as_json:
            out.json([f.to_dict() for f in listed])
        else:
            rows = [(f.id, f.filename, f.bytes_, f.purpose, f.created_at) for f in listed]
            out.table("files", ("id", "filename", "bytes", "purpose", "created_at"), rows)
    return EXIT_OK


def _serve(argv: Sequence[str]) -> int:
    try:
        from groq_batch.server.__main__ import main as serve_main
    except ImportError:
        sys.stderr.write(
            "groq-batch: error: serve needs the server extra: pip install 'groq-batch[server]'\n"
        )
        return EXIT_USAGE
    return serve_main(argv, prog="groq-batch serve")


# --------------------------------------------------------------------------------------- cost


def _add_cost_arguments(p: argparse.ArgumentParser, *, max_cost: bool) -> None:
    with contextlib.suppress(argparse.ArgumentError):
        # The provider option may already come from the shared connection options.
        p.add_argument(
            "--provider",
            help="whose prices to use: groq or openai (default: $GROQ_BATCH_PROVIDER or groq)",
        )
    if max_cost:
        p.add_argument(
            "--max-cost",
            type=float,
            metavar="USD",
            help="refuse (exit 2, nothing uploaded) if the estimate's upper bound is higher",
        )


def _provider_name(args: argparse.Namespace | None = None) -> str:
    name = getattr(args, "provider", None) or os.environ.get("GROQ_BATCH_PROVIDER")
    return str(name) if name else "groq"


def _usd(value: float | None) -> str:
    if value is None:
        return "unknown"
    if value < 0.01:
        return f"${value:.6f}"
    return f"${value:.4f}" if value < 100 else f"${value:,.2f}"


def _span(low: Any, high: Any, fmt: Any = str) -> str:
    return fmt(low) if low == high else f"{fmt(low)} - {fmt(high)}"


def _print_estimate(target: Output, est: Any) -> None:
    """Print an `Estimate` as a table (per model and in total) with its caveats."""
    rows = [
        (
            m.model,
            m.requests,
            m.prompt_tokens,
            _span(m.completion_tokens_low, m.completion_tokens_high),
            _span(m.batch_cost_low, m.batch_cost_high, _usd),
            _span(
                _diff(m.sync_cost_low, m.batch_cost_low),
                _diff(m.sync_cost_high, m.batch_cost_high),
                _usd,
            ),
        )
        for _, m in sorted(est.models.items())
    ]
    rows.append(
        (
            "total",
            est.requests,
            est.prompt_tokens,
            _span(est.completion_tokens_low, est.completion_tokens_high),
            _span(est.batch_cost_low, est.batch_cost_high, _usd),
            _span(
                est.sync_cost_low - est.batch_cost_low,
                est.sync_cost_high - est.batch_cost_high,
                _usd,
            ),
        )
    )
    pricing = est.pricing
    discount = pricing.batch_discount
    title = f"estimate ({pricing.provider} batch prices"
    title += f", {discount:.0%} off sync)" if discount else ")"
    target.table(
        title,
        ("model", "requests", "prompt tokens", "completion tokens", "batch cost", "saving"),
        rows,
    )
    notes = []
    if est.rough:
        notes.append("token counts are rough (4 characters a token): install groq-batch[cli]")
    if est.unbounded:
        notes.append(
            f"{est.unbounded} request(s) set no max_tokens: counted at a typical length, "
            "so the upper bound is not a bound"
        )
    if est.unpriced_models:
        notes.append(f"cost unknown for {', '.join(est.unpriced_models)} (left out of total)")
    if est.unreadable_lines:
        notes.append(f"{est.unreadable_lines} unreadable line(s) left out (see validate)")
    if pricing.source:
        notes.append(f"prices from {pricing.source}, checked {pricing.checked}")
    for note in notes:
        target.line(f"note: {note}")


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _estimate_cmd(args: argparse.Namespace, out: Output) -> int:
    from groq_batch.estimate import estimate

    _require_file(args.file)
    est = estimate(args.file, provider=_provider_name(args))
    if out.as_json:
        out.json(est.as_dict())
    else:
        _print_estimate(out, est)
    return EXIT_OK


def _preflight_cost(args: argparse.Namespace, out: Output) -> None:
    """Print the estimate before submitting; refuse above ``--max-cost`` (nothing uploaded)."""
    from groq_batch.estimate import estimate

    est = estimate(args.file, provider=_provider_name(args))
    # In JSON mode stdout carries the command's one document, so the estimate goes to stderr.
    _print_estimate(Output(False, sys.stderr) if out.as_json else out, est)
    limit = getattr(args, "max_cost", None)
    if limit is None:
        return
    if est.unpriced_models:
        raise CliError(
            f"--max-cost: the cost of {', '.join(est.unpriced_models)} is unknown; "
            "nothing was uploaded",
            EXIT_USAGE,
        )
    if est.unbounded:
        # A typical length is a guess, not a bound: a budget cannot rest on it.
        raise CliError(
            f"--max-cost: {est.unbounded} request(s) set no max_tokens, so the cost has no "
            "upper bound; nothing was uploaded",
            EXIT_USAGE,
        )
    if est.batch_cost_high > limit:
        raise CliError(
            f"estimated cost up to {_usd(est.batch_cost_high)} exceeds --max-cost "
            f"{_usd(limit)}; nothing was uploaded",
            EXIT_USAGE,
        )


def _actual_cost_of(output: Path, provider: str) -> dict[str, Any] | None:
    """The actual cost of a results file the CLI wrote, or None if it cannot be read."""
    from groq_batch.estimate import CostTally
    from groq_batch.jsonl import iter_jsonl

    tally = CostTally.for_provider(provider)
    try:
        for row in iter_jsonl(output):
            tally.add_row(row)
    except (OSError, ValueError):
        return None
    return tally.result().as_dict()


def _actual_cost_rows(cost: dict[str, Any] | None) -> list[tuple[str, Any]]:
    if cost is None:
        return []
    rows: list[tuple[str, Any]] = [
        ("billed requests", cost["billed_requests"]),
        ("cost (batch)", _usd(cost["batch_cost"])),
        ("saving vs sync", _usd(cost["saving"])),
    ]
    if cost["unpriced_models"]:
        rows.append(("cost unknown for", ", ".join(cost["unpriced_models"])))
    return rows


COMMANDS = {
    "validate": _validate,
    "submit": _submit,
    "run": _run,
    "estimate": _estimate_cmd,
    "status": _status,
    "list": _list,
    "cancel": _cancel,
    "wait": _wait_cmd,
    "results": _results,
    "download": _download,
    "resubmit": _resubmit,
    "files": _files,
}


def _explain(exc: BaseException) -> CliError | None:
    """Turn the errors a user can cause into a one-line message, or None for a real bug."""
    from groq_batch import _errors
    from groq_batch.validation import ValidationError

    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, ValidationError):
        return CliError(str(exc), EXIT_USAGE)
    if isinstance(exc, _errors.NotFoundError):
        return CliError(f"not found: {exc.message}")
    if isinstance(exc, _errors.AuthenticationError):
        return CliError(f"authentication failed: {exc.message}")
    if isinstance(exc, _errors.APIConnectionError):
        return CliError(f"cannot reach the API: {exc}")
    if isinstance(exc, _errors.GroqError):
        return CliError(str(exc), EXIT_USAGE if "api_key" in str(exc) else EXIT_ERROR)
    if isinstance(exc, OSError):
        return CliError(str(exc))
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments, without the program name; `sys.argv[1:]` when None.

    Returns:
        The process exit code.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        return _serve(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    out = Output(getattr(args, "json", False))
    try:
        return COMMANDS[args.command](args, out)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except Exception as exc:
        error = _explain(exc)
        if error is None or args.debug:
            raise
        sys.stderr.write(f"groq-batch: error: {error}\n")
        return error.code
