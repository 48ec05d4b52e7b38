"""A gateway that echoes the key it is sent: the careless server some users meet.

Some OpenAI-compatible gateways put the request's ``Authorization`` header into their error
text. This one does exactly that, on loopback, and remembers every header it received, so a
test can assert both where a key went and that an echoed key never comes back out.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class EchoingGateway:
    """A loopback HTTP server answering every request 401 with its Authorization header echoed."""

    def __init__(self) -> None:
        self.received: list[str] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                auth = self.headers.get("Authorization", "")
                gateway.received.append(auth)
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                body = json.dumps(
                    {
                        "error": {
                            "message": f"Invalid API Key: {auth}",
                            "type": "invalid_request_error",
                            "code": "invalid_api_key",
                            "header": auth,
                        }
                    }
                ).encode()
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Echo", auth)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> EchoingGateway:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


@pytest.fixture
def echoing_gateway() -> Iterator[EchoingGateway]:
    """A started `EchoingGateway`, stopped after the test."""
    with EchoingGateway() as gateway:
        yield gateway
