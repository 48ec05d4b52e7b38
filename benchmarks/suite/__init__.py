"""The benchmark suite of issue 19: groq-batch against groq, openai and raw httpx.

Run ``python -m benchmarks.suite`` (or ``nox -s bench``); ``--quick`` for small sizes and three
runs. Each figure lives in its own module; ``child`` is what every measured process runs.
This package imports nothing heavy, so that a child process pays only for what it measures.
"""
