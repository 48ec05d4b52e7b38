# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""Developer sessions. A plain `nox` runs clients, tests, lint, typecheck and drift."""

from __future__ import annotations

import shutil
from pathlib import Path

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


LITELLM = "litellm[proxy]==1.108.7"


@nox.session(python=PYTHON, default=False, tags=["gateway"])
def gateway(session: nox.Session) -> None:
    """The whole job through a real LiteLLM proxy, with the local server as its upstream.

    LiteLLM is heavy and pins its own dependencies, so it gets a virtualenv of its own inside
    this session's; the test starts its `litellm` executable on loopback. Not in the default
    sessions: on the shared 2-core dev machine a first run took 2:38 with the install (proxy
    start-up alone 87 s), 48 s with the virtualenvs reused; not reliably well under the 2 minutes
    a default session may add to CI.
    """
    _install_dev(session)
    venv = Path(session.virtualenv.location) / "litellm"
    if not (venv / "bin" / "litellm").exists():
        session.run("uv", "venv", "--quiet", "--python", PYTHON, str(venv), external=True)
        session.run(
            "uv", "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), LITELLM,
            external=True,
        )  # fmt: skip
    session.run(
        "pytest",
        "tests/test_gateway_litellm.py",
        "-m",
        "gateway",
        "--block-network",
        "--allowed-hosts=127.0.0.1,localhost,::1",
        *session.posargs,
        env={"GROQ_BATCH_LITELLM": str(venv / "bin" / "litellm")},
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
    """Regenerate generated/ (Python, TypeScript) and the sync client from their sources."""
    session.install("-e", ".[generate]")
    session.run("python", "generator/regenerate.py")
    session.run("python", "generator/unasync.py")
    _npm_ci(session)
    _npm_run(session, "generate")


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """Fail when generated/ (Python or TypeScript) or the sync client differs from a fresh run."""
    session.install("-e", ".[generate]")
    # Every check runs, so one drift does not hide another.
    failed = []
    try:
        session.run("python", "generator/regenerate.py", "--check")
    except nox.command.CommandFailed:
        failed.append("python")
    try:
        session.run("python", "generator/unasync.py", "--check")
    except nox.command.CommandFailed:
        failed.append("sync client")
    _npm_ci(session)
    try:
        _npm_run(session, "drift")
    except nox.command.CommandFailed:
        failed.append("typescript")
    if failed:
        session.error(f"generated code drifted from its source: {', '.join(failed)}")


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
    """Speed and memory against the official groq SDK, measured in the same run."""
    _install_dev(session)
    session.run("python", "benchmarks/run.py")
