"""What every measured process runs: ``python -m benchmarks.suite.child MODULE.FUNC JSON``.

The function is called with the JSON object as keyword arguments and returns a dict, printed on
the last line. Only the standard library is imported here, so the library under test loads
inside the function, after the process has started.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
from types import TracebackType

MARK = "@@RESULT "


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _hwm_mb() -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# Peaks seen before each reset: the process's own peak is the largest of these and the last.
_EARLIER_PEAKS: list[float] = []


def process_peak_mb() -> float:
    """This process's peak RSS (VmHWM; ``ru_maxrss`` would include the forking parent's)."""
    return max([peak_mb(), *_EARLIER_PEAKS])


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux: ``5`` into ``clear_refs``), so that the peak read
    afterwards belongs to what follows, not to imports or setup."""
    _EARLIER_PEAKS.append(peak_mb())
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    hwm = _hwm_mb()
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Meter:
    """Wall time and peak-RSS growth of the block it wraps."""

    seconds: float
    growth_mb: float
    peak_mb: float

    def __enter__(self) -> Meter:
        self.reset = reset_peak()
        self.before = rss_mb()
        self.t0 = time.perf_counter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.seconds = time.perf_counter() - self.t0
        self.peak_mb = peak_mb()
        self.growth_mb = max(0.0, self.peak_mb - self.before)

    def as_dict(self) -> dict[str, float]:
        return {
            "seconds": self.seconds,
            "growth_mb": self.growth_mb,
            "peak_rss_mb": self.peak_mb,
            "rss_before_mb": self.before,
        }


def main() -> None:
    target, raw = sys.argv[1], sys.argv[2]
    module, func = target.rsplit(".", 1)
    fn = getattr(importlib.import_module(f"benchmarks.suite.{module}"), func)
    result = fn(**json.loads(raw))
    result.setdefault("process_peak_rss_mb", process_peak_mb())
    print(MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
