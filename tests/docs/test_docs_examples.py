"""Every Python block in docs/ runs against the local server, or says why it does not.

Each page's blocks run in order, in one namespace, in a fresh directory holding a small
``requests.jsonl``, with ``GROQ_BASE_URL`` pointing at a local server, so a page reads as one
session. The line before a block may hold a marker:

- ``<!-- docs-test: skip REASON -->``: not run; the reason is required.
- ``<!-- docs-test: requires NAME ... -->``: run on its own (fresh directory and namespace) when
  every ``NAME`` exists, skipped (visibly) when one does not, for a feature landing separately.
  A ``NAME`` is a module (``groq_batch.costs``) or a module and an attribute path
  (``groq_batch_api.types:WireModel.to_json``).
- ``<!-- docs-test: pytest -->``: the block is a test module; it is written to a file and run by
  pytest in a subprocess, which must pass.
- ``<!-- docs-test: shell -->`` before a ``bash`` block: it runs as written in bash (each
  command must succeed), with ``groq-batch`` on the PATH and a ``prompts.csv`` beside it.

Every shell block (``bash``, ``sh``, ``console``) carries ``shell`` or ``skip REASON``: an
example a reader types is run, or says why it cannot be here (it installs from the network, or
runs a server until stopped). An example that needs a provider's key runs with every provider's
key and URL variables pointing at the local server: its key instead of the real one.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SAMPLE = ROOT / "examples" / "questions.jsonl"
SAMPLE_LINES = 5

_FENCE = re.compile(r"^```(\S*)\s*$")
SHELL_LANGUAGES = ("bash", "sh", "console", "shell")
_MARKER = re.compile(r"^<!--\s*docs-test:\s*(\w+)\s*(.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    source: str
    marker: str | None = None  # skip, requires, pytest
    argument: str = ""

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"


def _blocks(path: Path) -> list[Block]:
    page = path.relative_to(DOCS).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None:
            i += 1
            continue
        start, language = i, fence.group(1)
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        i += 1
        previous = lines[start - 1] if start > 0 else ""
        marker = _MARKER.match(previous)
        if language not in ("python", "py", *SHELL_LANGUAGES):
            continue
        if language in SHELL_LANGUAGES and marker is not None and marker.group(1) == "shell":
            if language not in ("bash", "sh"):
                raise ValueError(f"docs/{page}:{start + 1}: a shell-run block is ```bash")
        elif language in SHELL_LANGUAGES:
            # Kept (as unmarked, or skipped with its reason) only for the marker check below.
            found.append(Block(page, start + 1, "\n".join(body) + "\n", "unrun-shell", previous))
            continue
        found.append(
            Block(
                page,
                start + 1,
                "\n".join(body) + "\n",
                marker.group(1) if marker else None,
                marker.group(2) if marker else "",
            )
        )
    return found


EVERY_BLOCK = [b for path in sorted(DOCS.rglob("*.md")) for b in _blocks(path)]
UNRUN_SHELL = [b for b in EVERY_BLOCK if b.marker == "unrun-shell"]
ALL_BLOCKS = [b for b in EVERY_BLOCK if b.marker != "unrun-shell"]
PAGES = sorted({b.page for b in ALL_BLOCKS if b.marker is None})
SEPARATE = [b for b in ALL_BLOCKS if b.marker in ("requires", "pytest")]
SHELL = [b for b in ALL_BLOCKS if b.marker == "shell"]


def _missing(names: str) -> str | None:
    """The first of the space-separated requirements that does not exist, or None."""
    for name in names.split():
        module, _, attribute = name.partition(":")
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # a parent package is missing
            found = False
        if not found:
            return name
        target: object = importlib.import_module(module)
        for part in filter(None, attribute.split(".")):
            if not hasattr(target, part):
                return name
            target = getattr(target, part)
    return None


def test_every_shell_example_is_run_or_says_why_not():
    """A reader types these: each runs in the suite, or its skip marker gives the reason."""
    unmarked = []
    for block in UNRUN_SHELL:
        marker = _MARKER.match(block.argument)
        if marker is None or marker.group(1) != "skip" or not marker.group(2):
            unmarked.append(block.where)
    assert not unmarked, f"shell blocks neither run (docs-test: shell) nor skipped: {unmarked}"
    assert len([b for b in ALL_BLOCKS if b.marker == "shell"]) >= 8


@pytest.fixture
def docs_env(local_server, tmp_path, monkeypatch):
    """A fresh directory with `requests.jsonl`, and the environment `Groq()` reads.

    Every provider's key and URL variables point at the local server, so an example written
    for OpenAI's key runs here with the local server's key instead; nothing leaves the machine.
    """
    from groq_batch.providers import PROVIDERS

    sample = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:SAMPLE_LINES]
    (tmp_path / "requests.jsonl").write_text("".join(sample), encoding="utf-8")
    # The quickstart's examples name the repository's sample, as a reader in a checkout has it.
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / SAMPLE.name).write_text("".join(sample), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for profile in PROVIDERS.values():
        monkeypatch.setenv(profile.api_key_env, "gsk_docs_example_key")
        monkeypatch.setenv(profile.base_url_env, local_server.base_url)
    # The server of one's own that an openai-compatible example names.
    monkeypatch.setenv("LLM_URL", local_server.base_url + "/v1")
    monkeypatch.setenv("GROQ_BASE_URL", local_server.base_url)
    monkeypatch.setenv("GROQ_API_KEY", "gsk_docs_example_key")
    # The job registry too: an example that names a job must not meet the last run's; and
    # `local_client()` examples start a background server in the data folder: the test's own.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path


def _run(block: Block, namespace: dict[str, object]) -> None:
    code = compile(block.source, block.where, "exec")
    try:
        exec(code, namespace)
    except Exception as exc:
        raise AssertionError(f"the example at {block.where} failed: {exc!r}") from exc


def test_blocks_are_found_and_every_marker_is_known():
    assert len(ALL_BLOCKS) >= 15, "the collector found too few Python blocks in docs/"
    for block in ALL_BLOCKS:
        assert block.marker in (None, "skip", "requires", "pytest", "shell"), block.where
        if block.marker in ("skip", "requires"):
            assert block.argument, f"{block.where}: a {block.marker} marker needs its reason"


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page, docs_env):
    namespace: dict[str, object] = {"__name__": "__docs_example__"}
    for block in ALL_BLOCKS:
        if block.page == page and block.marker is None:
            _run(block, namespace)


@pytest.mark.parametrize("block", SEPARATE, ids=[b.where for b in SEPARATE])
def test_separate_examples_run(block, docs_env):
    if block.marker == "requires":
        missing = _missing(block.argument)
        if missing is not None:
            pytest.skip(f"{block.where} needs {missing}, which is not in this tree")
        _run(block, {"__name__": "__docs_example__"})
        return
    module = docs_env / "test_docs_block.py"
    module.write_text(block.source, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)],
        cwd=docs_env,
        # The example needs plain pytest; loading every installed plugin would triple its time.
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{block.where}:\n{proc.stdout}\n{proc.stderr}"
    assert " passed" in proc.stdout


PROMPTS_CSV = "topic,question\nphysics,Why is the sky blue?\ncomputing,What is a batch API?\n"


@pytest.mark.parametrize("block", SHELL, ids=[b.where for b in SHELL])
def test_shell_examples_run(block, docs_env):
    """A ``<!-- docs-test: shell -->`` block runs as written, in bash, against the local server.

    The directory holds the page's ``prompts.csv`` (a ``question`` column), as a reader's would.
    """
    pytest.importorskip("pyarrow")
    (docs_env / "prompts.csv").write_text(PROMPTS_CSV, encoding="utf-8")
    (docs_env / "xdg").mkdir(exist_ok=True)
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.source],
        cwd=docs_env,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{block.where}:\n{proc.stdout}\n{proc.stderr}"


def test_the_quickstarts_python_job_needs_no_key(tmp_path):
    """ "No key to set" holds as written: the first example runs with no key or URL variable."""
    block = next(b for b in ALL_BLOCKS if b.page == "quickstart.md" and b.marker is None)
    assert "local_client" in block.source
    sample = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:SAMPLE_LINES]
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / SAMPLE.name).write_text("".join(sample), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    proc = subprocess.run(
        [sys.executable, "-c", block.source],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(" succeeded ") == SAMPLE_LINES
