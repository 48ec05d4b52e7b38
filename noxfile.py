# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""Developer sessions. A plain `nox` runs clients, docs, tests, lint, typecheck and drift."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
# `clients` first: its Node test-runner summary must not be the last one in the CI log, which
# pytest's (the whole suite's) closes.
nox.options.sessions = ["lint", "typecheck", "drift", "clients", "docs", "gateway", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
# The npm side (TypeScript client generator, tsc, spec linter, breaking-change diff), pinned by
# its package-lock.json.
TS_TOOLS = "generator/typescript"


def _install_dev(session: nox.Session) -> None:
    # The development tools are a PEP 735 dependency group, not a published extra.
    session.install("-e", ".[server,cli,tables]", "--group", "dev")


# axe-core for the dashboard's accessibility tests, pinned by its own small lockfile.
DASHBOARD_TOOLS = "tests/dashboard"


def _npm_ci(session: nox.Session, prefix: str = TS_TOOLS) -> None:
    """Install pinned npm tools from a lockfile, or fail saying how to get Node."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        session.error(
            "Node.js 20+ and npm are needed: `apt-get install nodejs npm` (or https://nodejs.org)"
        )
    session.run("npm", "ci", "--no-audit", "--no-fund", "--prefix", prefix, external=True)


def _npm_run(session: nox.Session, script: str, *args: str) -> None:
    session.run("npm", "run", "--silent", "--prefix", TS_TOOLS, script, *args, external=True)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite, offline: cassettes replay only and the network is blocked.

    The dashboard's accessibility tests inject axe-core, installed here from its lockfile.
    """
    _install_dev(session)
    _npm_ci(session, DASHBOARD_TOOLS)
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
    this session's; the test starts its `litellm` executable on loopback. On an idle 2-core
    machine with a warm package cache the session takes about 50 s (the proxy's start-up about
    30 s of it), so it runs in CI.
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
        "tests/server/test_gateway_litellm.py",
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
    session.install("-e", ".", "--group", "generate")
    session.run("python", "generator/regenerate.py")
    session.run("python", "generator/unasync.py")
    _npm_ci(session)
    _npm_run(session, "generate")


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """Fail when generated/ (Python or TypeScript), the sync client or its sync tests are stale."""
    session.install("-e", ".", "--group", "generate")
    # Every check runs, so one drift does not hide another.
    failed = []
    try:
        session.run("python", "generator/regenerate.py", "--check")
    except nox.command.CommandFailed:
        failed.append("python")
    try:
        session.run("python", "generator/unasync.py", "--check")
    except nox.command.CommandFailed:
        failed.append("sync client and tests")
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


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/; warnings (broken links, references) fail."""
    session.install("-e", ".[server,cli]", "--group", "docs")
    # Quiet the plugins' banners about MkDocs' future, which are not about this site.
    env = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    session.run("mkdocs", "build", "--strict", *session.posargs, env=env)


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
    session.install("-e", ".[server,tables,fast]", "--group", "bench")
    session.run("python", "-m", "benchmarks.suite", *session.posargs)


# ------------------------------------------------------------------------------ mutation testing
# The functions that carry the guarantees (RELIABILITY.md), as mutmut mutant-name globs over the
# files in `[tool.mutmut] source_paths` (pyproject.toml). Both name the code as it is staged under
# `src/groq_batch/`. The client's I/O lives in `_async/` (its `_sync/` twin is generated and runs
# the same decisions), so the mutated flavour is the async source.
MUTANT_NAMES = [
    "groq_batch._retry.*",
    "groq_batch.batch_requests.x_lookup_verdict*",
    "groq_batch._async.batches.xǁAsyncBatchesǁ_find*",
    "groq_batch._async.files.xǁAsyncFilesǁ_find_upload*",
    "groq_batch._content.x_resume_*",
    "groq_batch._content.x_expected_length*",
    "groq_batch._content.xǁContentBaseǁ*",
    "groq_batch._async.content.xǁAsyncBinaryContentǁiter_bytes*",
    "groq_batch.result_join.*",
    "groq_batch.result_lines.*",
    "groq_batch.input_index.*",
    # The validator is a package (validation/: files, lines, ids, metadata, jsontext, report).
    "groq_batch.validation.*",
    "groq_batch._http.x_redact_headers*",
    "groq_batch._http.x__redact*",
    "groq_batch_server.lifecycle.x_transition*",
    "groq_batch_server.lifecycle.x_request_cancel*",
    "groq_batch_server.worker.xǁWorkerǁ_validate*",
    "groq_batch_server.worker.xǁWorkerǁ_finish*",
]


@nox.session(python=PYTHON, default=False, tags=["mutants"])
def mutants(session: nox.Session) -> None:
    """Mutation testing (mutmut) of the guarantee-carrying code; slow, never in CI.

    mutmut only understands a package under `src/`, so the session stages a copy of the tree
    (`overlays/groq_batch` as `src/groq_batch`) in `.nox/mutants-work` and runs there. Pass mutant
    names or globs to run a subset: `nox -s mutants -- 'groq_batch._retry.*'`. Results stay in
    `.nox/mutants-work/mutants/` between runs; `mutmut results` there lists the survivors.
    """
    import shutil
    from pathlib import Path

    _install_dev(session)
    session.install("mutmut==3.8.1")
    work = Path(".nox/mutants-work").resolve()
    work.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests", "spec", "examples"):
        shutil.rmtree(work / name, ignore_errors=True)
    shutil.copytree("overlays", work / "src")
    shutil.copytree("tests", work / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree("spec", work / "spec")
    shutil.copytree("examples", work / "examples")
    shutil.copy2("pyproject.toml", work / "pyproject.toml")
    with session.chdir(work):
        session.run("mutmut", "run", "--max-children", "2", *(session.posargs or MUTANT_NAMES))
        session.run("mutmut", "results")
