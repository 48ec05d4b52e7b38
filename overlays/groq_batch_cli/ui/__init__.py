"""``groq-batch ui``: a local dashboard of jobs, live progress and results, in a web page.

It binds loopback only, and every request must carry a session cookie: the page can cancel
batches. A browser gets the cookie (HttpOnly, SameSite=Strict) by opening a login link whose
one-time code works once, so the link `groq-batch ui` prints or hands to the browser's command
line (which other users can see) never carries the session token itself. The API client lives
in this process; the browser never sees the key. Install with
``pip install 'groq-batch[server]'`` (Starlette and uvicorn).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from groq_batch.jobs import JobRegistry, default_data_dir
from groq_batch_cli.ui.app import Dashboard, cookie_name, create_app

if TYPE_CHECKING:
    import uvicorn

    from groq_batch import Groq

__all__ = ["Dashboard", "UIServer", "create_app"]


class UIServer:
    """The dashboard on ``127.0.0.1``, in the foreground (`run`) or a background thread (`start`).

    Args:
        client: The API client.
        endpoint: Where the client connects, as the registry labels endpoints.
        registry: The job registry; the per-user one when None.
        port: The port; 0 picks a free one.
        cache_dir: Where joined results are cached (default: ``ui-cache`` in the data dir).
        download_dir: Where downloads go (default: ``./groq-batch-downloads``).
        token: The session token (the session cookie's value); random when None.
    """

    def __init__(
        self,
        client: Groq,
        *,
        endpoint: str,
        registry: JobRegistry | None = None,
        port: int = 0,
        cache_dir: str | os.PathLike[str] | None = None,
        download_dir: str | os.PathLike[str] | None = None,
        token: str | None = None,
    ) -> None:
        self.dashboard = Dashboard(
            client,
            registry or JobRegistry(),
            endpoint=endpoint,
            cache_dir=cache_dir or default_data_dir() / "ui-cache",
            download_dir=download_dir or Path.cwd() / "groq-batch-downloads",
            token=token,
        )
        # Bound now, so that the URL (with a port picked by the OS) is known before serving.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port))
        # Listening now: a browser opened on the printed URL waits in the backlog, never refused.
        self._socket.listen(128)
        self.port: int = self._socket.getsockname()[1]
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The dashboard's home page (it opens only in a browser that has logged in)."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def cookie_name(self) -> str:
        """The name of the session cookie the login link sets."""
        return cookie_name(self.port)

    def login_url(self) -> str:
        """A fresh login link: its one-time code buys one browser the session cookie.

        Returns:
            The URL; it carries no long-lived secret, and opens the dashboard once.
        """
        return f"http://127.0.0.1:{self.port}/login?code={self.dashboard.login_code()}"

    def _make_server(self) -> uvicorn.Server:
        import uvicorn

        config = uvicorn.Config(
            create_app(self.dashboard), log_level="warning", access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        return self._server

    def run(self) -> None:
        """Serve in the foreground until interrupted (Ctrl-C)."""
        try:
            self._make_server().run(sockets=[self._socket])
        finally:
            self._socket.close()
            self.dashboard.close()

    def start(self, timeout: float = 10.0) -> UIServer:
        """Serve in a background thread; return once it accepts connections.

        Args:
            timeout: Seconds to wait for it to start.

        Returns:
            The server itself.

        Raises:
            RuntimeError: It did not start.
        """
        server = self._make_server()
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self._socket]}, daemon=True, name="groq-ui"
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the dashboard failed to start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a server started with `start`.

        Args:
            timeout: Seconds to wait for it to stop.
        """
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._socket.close()
        self.dashboard.close()
