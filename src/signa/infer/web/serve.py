"""``signa serve MODEL``: the page on http://127.0.0.1:8000 (loopback unless told otherwise)."""

from __future__ import annotations

import sys
from pathlib import Path

from signa.infer.web.security import is_loopback
from signa.infer.web.uploads import Limits


def serve(model: str | Path, host: str = "127.0.0.1", port: int = 8000, limits: Limits = Limits()) -> None:
    """Check the browser assets and the model, then serve until interrupted."""
    import uvicorn

    from signa.infer.web.app import create_app

    app = create_app(model, limits)
    if not is_loopback(host):
        print(
            f"warning: serving on {host}, reachable from other machines; server mode accepts their uploads",
            file=sys.stderr,
        )
    shown = "127.0.0.1" if host == "0.0.0.0" else host
    print(f"SIGNA: http://{shown}:{port}/  (Ctrl+C stops)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
