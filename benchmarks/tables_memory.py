"""Peak memory of writing a 200 MB result set as a Parquet table (issue 16).

Run with ``python benchmarks/tables_memory.py [MB]``. Each measurement runs in a fresh
interpreter: it builds a 50,000-row prompt table, then streams 50,000 results of about 4 KB of
answer text each (200 MB of text by default) through ``groq_batch.tables.write_results`` into a
Parquet file, and prints the peak-RSS growth over the RSS just before the write. For contrast it
also collects the same results into one in-memory Arrow table with ``results_to_arrow``.

The results are generated in the process (the shape ``job.results()`` yields), so the figure is
the table writer's own; reading results off the server is measured by ``benchmarks/run.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap

CHILD = textwrap.dedent(
    """
    import json, os, resource, sys
    import pyarrow as pa
    from groq_batch.results import BatchResult, Outcome
    from groq_batch.tables import prompt_table, results_to_arrow, write_results

    mode, out, total_mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
    rows = 50_000
    size = int(total_mb * 2**20 / rows)

    def rss_mb():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    inputs = prompt_table(
        pa.table({"q": [f"question {i}" for i in range(rows)]}), prompt="q", model="m"
    )

    def results():
        # Random words, so that Parquet cannot compress the answers away.
        words = [os.urandom(6).hex() for _ in range(4096)]
        for i in range(rows):
            start = (i * 7919) % 3000
            text = f"{i} " + " ".join(words[start:start + size // 13 + 1])
            text = text[:size]
            yield BatchResult(
                f"row-{i + 1}", Outcome.SUCCEEDED, 200,
                line={"custom_id": f"row-{i + 1}", "response": {"status_code": 200, "body": {
                    "choices": [{"message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": 4, "completion_tokens": size // 4}}}},
            )

    # Warm the writer's code paths (imports, first allocations) before the baseline.
    results_to_arrow(iter([]), inputs)
    base = rss_mb()
    if mode == "parquet":
        write_results(results(), out, inputs=inputs)
        written = os.path.getsize(out)
    else:
        table = results_to_arrow(results(), inputs)
        written = table.nbytes
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "text_mb": round(rows * size / 2**20, 1),
                      "written_mb": round(written / 2**20, 1),
                      "base_mb": round(base, 1), "peak_growth_mb": round(peak - base, 1)}))
    """
)


def main() -> None:
    total_mb = float(sys.argv[1]) if len(sys.argv) > 1 else 200.0
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("parquet", "arrow"):
            proc = subprocess.run(
                [sys.executable, "-c", CHILD, mode, f"{tmp}/answers.parquet", str(total_mb)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(proc.stdout)
            label = (
                "stream to Parquet (write_results)"
                if mode == "parquet"
                else "collect in memory (results_to_arrow)"
            )
            print(
                f"{label:40s} text {result['text_mb']:7.1f} MB  "
                f"output {result['written_mb']:7.1f} MB  "
                f"peak RSS growth {result['peak_growth_mb']:7.1f} MB"
            )


if __name__ == "__main__":
    main()
