# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""Developer sessions. A plain `nox` runs tests, lint, typecheck and drift."""

from __future__ import annotations

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typecheck", "drift"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


def _install_dev(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


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
    """Regenerate generated/groq_batch_api and the sync client, overlays/groq_batch/_sync."""
    session.install("-e", ".[generate]")
    session.run("python", "generator/regenerate.py")
    session.run("python", "generator/unasync.py")


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """Fail when generated/ or the sync client differs from a fresh regeneration."""
    session.install("-e", ".[generate]")
    session.run("python", "generator/regenerate.py", "--check")
    session.run("python", "generator/unasync.py", "--check")


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
