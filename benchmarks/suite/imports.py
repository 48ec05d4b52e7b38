"""Figure 1: import time, in a fresh interpreter per sample, against groq and openai."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from benchmarks.suite.common import PY, ROOT, Context, child_env, summary, target

STATEMENTS = {
    "import groq_batch": "import groq_batch",
    "from groq_batch import Groq": "from groq_batch import Groq",
    "import groq": "import groq",
    "from groq import Groq": "from groq import Groq",
    "import openai": "import openai",
    "from openai import OpenAI": "from openai import OpenAI",
    # All three SDKs load a resource's modules on its first use: these add that cost.
    "Groq(...).batches (groq_batch)": "from groq_batch import Groq; Groq(api_key='k').batches",
    "Groq(...).batches (groq)": "from groq import Groq; Groq(api_key='k').batches",
    "OpenAI(...).batches (openai)": "from openai import OpenAI; OpenAI(api_key='k').batches",
}

# Only `time` is loaded before the statement: the clock starts on a bare
# interpreter, so the figure is the import's own cost.
# Peak RSS is VmHWM: ru_maxrss would report the forking parent's peak after exec.
SCRIPT = (
    "import time\n"
    "t = time.perf_counter()\n"
    "{stmt}\n"
    "s = time.perf_counter() - t\n"
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
    "print(s, int(hwm) / 1024)\n"
)


def _sample(stmt: str) -> tuple[float, float]:
    out = subprocess.run(
        [PY, "-c", SCRIPT.format(stmt=stmt)],
        capture_output=True, text=True, check=True, cwd=ROOT, env=child_env(),
    ).stdout.split()  # fmt: skip
    return float(out[0]) * 1000, float(out[1])


def run(ctx: Context) -> dict[str, Any]:
    runs = ctx.runs
    # One unmeasured import of each first: it writes the bytecode caches a normal install has.
    for stmt in STATEMENTS.values():
        _sample(stmt)
    ms: dict[str, list[float]] = {k: [] for k in STATEMENTS}
    rss: dict[str, list[float]] = {k: [] for k in STATEMENTS}
    for _ in range(runs):
        for name, stmt in STATEMENTS.items():
            t, r = _sample(stmt)
            ms[name].append(t)
            rss[name].append(r)
    variants = {
        name: {"import_ms": summary(ms[name]), "process_peak_rss_mb": summary(rss[name])}
        for name in STATEMENTS
    }

    def med(name: str) -> float:
        return float(variants[name]["import_ms"]["median"])

    r_pkg = med("import groq_batch") / med("import groq")
    r_cls = med("from groq_batch import Groq") / med("from groq import Groq")
    return {
        "title": "Import time",
        "unit": "ms",
        "variants": variants,
        "ratios": {
            "import groq_batch / import groq": r_pkg,
            "from groq_batch import Groq / from groq import Groq": r_cls,
            "from groq_batch import Groq / from openai import OpenAI": med(
                "from groq_batch import Groq"
            )
            / med("from openai import OpenAI"),
            "Groq(...).batches: groq_batch / groq": med("Groq(...).batches (groq_batch)")
            / med("Groq(...).batches (groq)"),
        },
        "targets": [
            target("import groq_batch ≤ 0.5x import groq", r_pkg, 0.5),
            target("from groq_batch import Groq ≤ 0.5x from groq import Groq", r_cls, 0.5),
        ],
        "sizes": {"runs": runs},
    }


if __name__ == "__main__":
    print(json.dumps(run(Context(quick=True, runs=3, work=ROOT)), indent=1))
