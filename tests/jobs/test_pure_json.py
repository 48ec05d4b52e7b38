"""The fast extra changes speed, never an answer: every verdict is the same with and without it.

The suite runs with msgspec installed (the accelerated path); this runs the bad-input corpus
through the validator and a corpus of awkward output lines through the results join in two
fresh interpreters, one with ``GROQ_BATCH_PURE_JSON=1`` (the standard library alone, as an
install without the extra has it), and requires the same problems, messages and results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from groq_batch import jsoncodec

DATA = Path(__file__).resolve().parent / "data"

RESULT_LINES = [
    b'{"custom_id":"a","response":{"status_code":200,"body":{"choices":[{"message":'
    b'{"role":"assistant","content":"hi"}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}}}',
    b'\xef\xbb\xbf{"custom_id":"b","response":{"status_code":200,"body":{"choices":[]}}}',
    b'{"custom_id":"c","response":{"status_code":200,"body":{"score":NaN}}}',
    b'{"custom_id":"d","response":{"status_code":200,"body":{"big":1e400}}}',
    b'{"custom_id":"e","error":{"code":"x","message":"\\ud800 lone"}}',
    b'{"custom_id":"f","response":{"status_code":400,"body":{"error":{"message":"no"}}}}',
    b'{"custom_id":"g","response":{"status_code":200,"body":{"seed":123456789012345678901234567890}}}',
    b'{"custom_id":"a","response":{"status_code":200,"body":{}}}',
    b'{"custom_id":',
    b"[1,2]",
    b'{"custom_id":7}',
    b'{"custom_id":"h","response":{"status_code":200,"body":{"t":"\xff"}}}',
]

PROBE = r"""
import json, sys
from pathlib import Path
from groq_batch import jsoncodec
from groq_batch.results import ResultJoiner
from groq_batch.validation import validate_path

data, lines_file = Path(sys.argv[1]), Path(sys.argv[2])
manifest = json.loads((data / "bad" / "manifest.json").read_text())
verdicts = {}
for path in sorted((data / "bad").glob("*.jsonl")) + sorted((data / "good").glob("*.jsonl")):
    endpoint = manifest.get(path.name, {}).get("endpoint")
    report = validate_path(path, endpoint=endpoint) if endpoint else validate_path(path)
    verdicts[path.name] = [
        [p.line, p.field, p.code, p.message] for p in report.problems + report.warnings
    ]
joiner = ResultJoiner(None)
results = []
for raw in lines_file.read_bytes().split(b"\n"):
    result = joiner.feed(raw)
    shown = None if result is None else [result.custom_id, str(result.outcome), repr(result.line)]
    results.append(shown)
problems = [[p.code, p.message] for p in joiner.stats.problems]
print(json.dumps({"accelerated": jsoncodec.ACCELERATED, "validation": verdicts,
                  "results": results, "join_problems": problems}))
"""


def _probe(tmp_path: Path, *, pure: bool) -> dict[str, object]:
    lines = tmp_path / "output.jsonl"
    lines.write_bytes(b"\n".join(RESULT_LINES))
    env = {k: v for k, v in os.environ.items() if k != jsoncodec.PURE_JSON_ENV}
    if pure:
        env[jsoncodec.PURE_JSON_ENV] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(DATA), str(lines)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_validation_and_the_join_answer_the_same_with_and_without_the_accelerator(
    tmp_path: Path,
) -> None:
    pytest.importorskip("msgspec")
    fast = _probe(tmp_path, pure=False)
    pure = _probe(tmp_path, pure=True)
    assert fast.pop("accelerated") is True
    assert pure.pop("accelerated") is False
    assert len(fast["validation"]) >= 40  # type: ignore[arg-type]
    assert fast == pure
