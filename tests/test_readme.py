"""The README's two quickstart commands are exactly what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def test_main_job_command_uses_the_shipped_example() -> None:
    main_job = next(c for c in quickstart_commands() if "groq-batch run" in c)
    example = re.search(r"groq-batch run (\S+)", main_job)
    assert example is not None
    assert (ROOT / example.group(1)).is_file()
    assert "--local" in main_job
