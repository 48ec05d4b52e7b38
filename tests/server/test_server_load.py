"""A short load test: concurrent pollers while a batch runs; no errors, every row once.

The full-size version (200 pollers for 30 s, a 10,000-line batch, with figures) is
``benchmarks/load.py``; this one only checks correctness under concurrency, with no timing
asserts.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx

from groq_batch_server import LocalServer
from tests.server_support import Api, request_line


def test_pollers_and_a_running_batch_see_no_errors_and_lose_no_row(
    local_server: LocalServer,
) -> None:
    api = Api(local_server.base_url)
    batch = api.submit([request_line(i) for i in range(2000)])
    url = f"{local_server.base_url}/v1/batches/{batch['id']}"
    errors: Counter[str] = Counter()
    served = Counter[int]()
    ready = threading.Barrier(20)

    def poll(worker: int) -> None:
        with httpx.Client(timeout=30) as client:
            ready.wait(60)  # every client built before the clock starts
            until = time.monotonic() + 3
            # At least one answer each, however slow the machine (bounded by 30 s more).
            while time.monotonic() < until or (
                not served[worker] and time.monotonic() < until + 30
            ):
                try:
                    response = client.get(url)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                if response.status_code != 200:
                    errors[str(response.status_code)] += 1
                    continue
                assert response.json()["id"] == batch["id"]
                served[worker] += 1

    threads = [threading.Thread(target=poll, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert len(served) == 20  # every poller got answers
    done = api.wait(batch["id"], timeout=60)
    assert done["status"] == "completed"
    ids = Counter(line["custom_id"] for line in api.lines(done["output_file_id"]))
    assert ids == Counter(f"request-{i}" for i in range(2000))
    assert done["error_file_id"] is None
    api.close()
