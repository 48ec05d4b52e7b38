# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""Developer sessions. A plain `nox` runs clients, tests, lint, typecheck and drift."""

from __future__ import annotations

import shutil

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
# `clients` first: its Node test-runner summary must not be the last one in the CI log, which
# pytest's (the whole suite's) closes.
nox.options.sessions = ["clients", "tests", "lint", "typecheck", "drift"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
# The npm side (TypeScript client generator, tsc, spec linter, breaking-change diff), pinned by
# its package-lock.json.
TS_TOOLS = "generator/typescript"


def _install_dev(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


def _npm_ci(session: nox.Session) -> None:
    """Install the pinned npm tools from the lockfile, or fail saying how to get Node."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        session.error(
            "Node.js 20+ and npm are needed: `apt-get install nodejs npm` (or https://nodejs.org)"
        )
    session.run("npm", "ci", "--no-audit", "--no-fund", "--prefix", TS_TOOLS, external=True)


def _npm_run(session: nox.Session, script: str, *args: str) -> None:
    session.run("npm", "run", "--silent", "--prefix", TS_TOOLS, script, *args, external=True)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite, offline: cassettes replay only and the network is blocked."""
    _install_dev(session)
    session.run(
        "pytest",
        "--record-mode=none",
        "--block-network",
        "--allowed-hosts=127.0.0.1,localhost,::1",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff on the hand-written code, and the one-way import contract."""
    _install_dev(session)
    session.run("ruff", "check", "overlays", "tests", "generator", "benchmarks", "noxfile.py")
    session.run(
        "ruff", "format", "--check", "overlays", "tests", "generator", "benchmarks", "noxfile.py"
    )
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Type-check the overlays with mypy --strict, against the real generated signatures."""
    _install_dev(session)
    session.run("mypy")


@nox.session(python=PYTHON, default=False, tags=["gen"])
def generate(session: nox.Session) -> None:
    """Regenerate generated/ (Python and TypeScript) from spec/openapi.yaml (changes the tree)."""
    session.install("-e", ".[generate]")
    session.run("python", "generator/regenerate.py")
    _npm_ci(session)
    _npm_run(session, "generate")


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """Fail when generated/ (Python or TypeScript) differs from a fresh regeneration."""
    session.install("-e", ".[generate]")
    # Both checks run, so one language's drift does not hide the other's.
    failed = []
    try:
        session.run("python", "generator/regenerate.py", "--check")
    except nox.command.CommandFailed:
        failed.append("python")
    _npm_ci(session)
    try:
        _npm_run(session, "drift")
    except nox.command.CommandFailed:
        failed.append("typescript")
    if failed:
        session.error(f"generated code drifted from the spec: {', '.join(failed)}")


@nox.session(python=PYTHON)
def clients(session: nox.Session) -> None:
    """The spec, shared: lint it, diff it against the last release, run the TypeScript client."""
    _npm_ci(session)
    session.install("-e", ".[server,cli]")
    _npm_run(session, "lint:spec")
    _npm_run(session, "breaking")
    _npm_run(session, "build")
    # The smoke test starts `groq-batch serve` from this session's environment (first on PATH).
    _npm_run(session, "test")


@nox.session(python=PYTHON, default=False, tags=["record"])
def record(session: nox.Session) -> None:
    """Re-record the local-server cassettes (changes the tree)."""
    _install_dev(session)
    session.run(
        "pytest",
        "--record-mode=rewrite",
        "-m",
        "vcr",
        *session.posargs,
    )


@nox.session(python=PYTHON, default=False, tags=["bench"])
def bench(session: nox.Session) -> None:
    """Benchmarks against groq, openai and raw httpx (not in CI); `nox -s bench -- --quick`."""
    session.install("-e", ".[bench]")
    # Figure 7 (Parquet) measures the `tables` extra when this checkout has one.
    with open("pyproject.toml", encoding="utf-8") as fh:
        if any(line.startswith("tables = [") for line in fh):
            session.install("-e", ".[bench,tables]")
    session.run("python", "-m", "benchmarks.suite", *session.posargs)
