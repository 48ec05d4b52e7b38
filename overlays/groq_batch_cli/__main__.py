"""``python -m groq_batch_cli``: the same as the ``groq-batch`` command."""

from __future__ import annotations

import sys

from groq_batch_cli import main

if __name__ == "__main__":
    sys.exit(main())
