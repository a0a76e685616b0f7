"""Response headers of every answer: a same-origin Content-Security-Policy and cross-origin isolation.

Scripts come only from this origin; ``'wasm-unsafe-eval'`` lets MediaPipe and ONNX Runtime compile their
WebAssembly (no ``'unsafe-eval'``, no inline script). Cross-origin isolation (COOP + COEP) gives the page
``SharedArrayBuffer``, which ONNX Runtime Web's threaded wasm needs. ``connect-src 'self'`` keeps the page
from sending anything anywhere else.
"""

from __future__ import annotations

import ipaddress

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


def add_security_headers(app) -> None:
    """Set :data:`HEADERS` on every response of the FastAPI ``app``."""

    @app.middleware("http")
    async def security_headers(request, call_next):
        response = await call_next(request)
        response.headers.update(HEADERS)
        return response


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
