"""`serve` and `ui`: the commands handed over to the local server and the dashboard."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from groq_batch_cli.checks import require_key
from groq_batch_cli.connect import endpoint_of, open_client
from groq_batch_cli.errors import EXIT_OK, EXIT_USAGE, CliError
from groq_batch_cli.output import Output


def ui_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch ui``."""
    require_key(args)
    try:
        from groq_batch_cli.ui import UIServer
        from groq_batch_cli.ui.auth import LOGIN_CODE_LIFETIME
    except ImportError as exc:
        raise CliError(
            "the dashboard needs the server extra: pip install 'groq-batch[server]'", EXIT_USAGE
        ) from exc
    with open_client(args) as client:
        server = UIServer(client, endpoint=endpoint_of(args), port=args.port)
        # Each link opens the dashboard once. The browser gets a link of its own, as any user
        # can read its command line; the printed one stays good for a browser opened by hand.
        out.line(
            f"groq-batch dashboard: {server.login_url()}  "
            f"(the link opens it once, within {LOGIN_CODE_LIFETIME / 60:.0f} minutes; "
            "Ctrl-C stops it)"
        )
        sys.stdout.flush()
        if not args.no_browser:
            import webbrowser

            threading.Timer(0.5, webbrowser.open, (server.login_url(),)).start()
        server.run()
    return EXIT_OK


def serve_command(argv: Sequence[str]) -> int:
    """``groq-batch serve``: the local server's own command line."""
    try:
        from groq_batch_server.__main__ import main as serve_main
    except ImportError:
        sys.stderr.write(
            "groq-batch: error: serve needs the server extra: pip install 'groq-batch[server]'\n"
        )
        return EXIT_USAGE
    return serve_main(argv, prog="groq-batch serve")
