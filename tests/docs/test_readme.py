"""The README's two quickstart commands are exactly what CI runs."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

ROOT = Path(__file__).resolve().parents[2]


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_exactly_two_quickstart_commands_and_ci_runs_both() -> None:
    commands = quickstart_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in commands:
        assert command in ci, f"CI does not run the README command: {command}"


@pytest.mark.parametrize("page", ["index.md", "quickstart.md"])
def test_the_sites_quickstart_commands_are_the_readmes(page: str) -> None:
    """The site skips running them (CI runs the README's); so they must be the same commands."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    commands = [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, re.S)]
    assert commands, page
    assert set(commands) <= set(quickstart_commands()), page


def test_main_job_command_uses_the_shipped_example() -> None:
    main_job = next(c for c in quickstart_commands() if "groq-batch run" in c)
    example = re.search(r"groq-batch run (\S+)", main_job)
    assert example is not None
    assert (ROOT / example.group(1)).is_file()
    assert "--local" in main_job


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_license_file_is_the_mit_license_pyproject_names() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert {"Homepage", "Source", "Issues"} <= set(project["urls"])


def test_readme_links_stay_inside_the_repository() -> None:
    text = readme()
    assert "../" not in text
    assert "shared/" not in text
    for target in re.findall(r"\]\(([^)]+)\)", text):
        if not target.startswith(("http://", "https://", "#")):
            assert (ROOT / target).exists(), target


def test_the_whole_job_snippet_runs_as_written(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's Python job runs against the local server, with every name it uses defined."""
    blocks = re.findall(r"```python\n(.*?)```", readme(), re.S)
    snippet = next(b for b in blocks if "client.batches.submit(" in b)
    monkeypatch.setenv("GROQ_API_KEY", "gsk_readme")
    monkeypatch.setenv("GROQ_BASE_URL", local_server.base_url)
    namespace: dict[str, object] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "q-0 succeeded" in out
    assert "q-1 succeeded" in out
    # The on_update example prints a readable line per batch, not a repr.
    assert re.search(r"batch_\w+ completed: 2/2 done, 0 failed", out)
    assert "Batch(" not in out
    assert namespace["retry"] is None


def test_the_shell_section_documents_real_options_and_exit_codes() -> None:
    import groq_batch_cli as cli

    section = readme().split("## From the shell", 1)[1].split("\n## ", 1)[0]
    parser = cli.build_parser()
    known = set()
    stack = [parser]
    while stack:
        p = stack.pop()
        for action in p._actions:
            known.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
    for option in set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", section)):
        if option in ("--port",):  # serve's own parser
            continue
        assert option in known, option
    for code in (cli.EXIT_OK, cli.EXIT_ERROR, cli.EXIT_USAGE, cli.EXIT_FAILED_ROWS):
        assert f"| {code} |" in section
    assert f"| {cli.EXIT_TIMEOUT} |" in section
    assert f"| {cli.EXIT_INTERRUPTED} |" in section
