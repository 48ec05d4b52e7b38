"""Regenerate ``generated/groq_batch_api`` from ``spec/openapi.yaml``.

Run it through ``nox -s generate``, which installs the pinned generator and ruff. The output is
written to a temporary directory first and moved into place only when generation succeeded, so a
failed run never leaves a half-written package behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
CONFIG = ROOT / "generator" / "config.yaml"
TARGET = ROOT / "generated" / "groq_batch_api"
PROVENANCE = ROOT / "generated" / "PROVENANCE.json"
PINNED = {"openapi-python-client": "0.29.1", "ruff": "0.17.6"}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_pins() -> None:
    from importlib.metadata import version

    for name, wanted in PINNED.items():
        found = version(name)
        if found != wanted:
            sys.exit(f"regenerate: {name} {found} is installed, the pin is {wanted}")


def main() -> None:
    """Regenerate the package, then stamp its provenance."""
    _check_pins()
    bindir = Path(sys.executable).parent
    env = dict(os.environ)
    # The post hooks call `ruff` by name: make sure it is the pinned one from this environment.
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONHASHSEED"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "groq_batch_api"
        subprocess.run(
            [
                str(bindir / "openapi-python-client"),
                "generate",
                "--path",
                str(SPEC),
                "--config",
                str(CONFIG),
                "--meta",
                "none",
                "--output-path",
                str(out),
                "--fail-on-warning",
            ],
            check=True,
            env=env,
            cwd=tmp,
        )
        shutil.rmtree(out / ".ruff_cache", ignore_errors=True)
        # `--meta none` writes no py.typed; without it type checkers ignore the package.
        (out / "py.typed").write_text("")
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(out), str(TARGET))
    PROVENANCE.write_text(
        json.dumps(
            {
                "generator": f"openapi-python-client=={PINNED['openapi-python-client']}",
                "formatter": f"ruff=={PINNED['ruff']}",
                "spec_sha256": _sha256(SPEC),
                "config_sha256": _sha256(CONFIG),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"regenerated {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
