"""Helpers of the browser tests: the app on a loopback port in a thread, headless Chromium, a fake camera.

Chromium is Debian's (``/usr/bin/chromium``), driven by the ``playwright`` package; no browser is
downloaded. The fake camera plays a ``.y4m`` written by ffmpeg from one of the real videos.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]


def require_browser() -> None:
    """Skip unless Chromium, ffmpeg and playwright are here."""
    pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.is_file() or shutil.which("ffmpeg") is None:
        pytest.skip("browser tests need /usr/bin/chromium and ffmpeg")


def write_y4m(video: Path, out: Path, seconds: float, width: int = 640) -> Path:
    """The first ``seconds`` of ``video`` as a raw .y4m clip ``width`` px wide (Chromium's fake camera)."""
    command = ["ffmpeg", "-loglevel", "error", "-y", "-i", str(video), "-t", str(seconds)]
    command += ["-vf", f"scale={width}:-2", "-pix_fmt", "yuv420p", str(out)]
    subprocess.run(command, check=True, timeout=120)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(app):
    """Serve ``app`` on 127.0.0.1 in a thread; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium(camera: Path | None = None):
    """A headless Chromium (playwright Browser), with ``camera`` as its fake camera when given."""
    from playwright.sync_api import sync_playwright

    args = list(CHROMIUM_ARGS)
    if camera is not None:
        args += ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
        args += [f"--use-file-for-fake-video-capture={camera}"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, url: str, requests: list | None = None, errors: list | None = None):
    """A 1280x800 page at ``url``, logging requests and page errors; waits until the page is ready."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    if requests is not None:
        page.on("request", lambda r: requests.append((r.method, r.url, r.resource_type)))
    if errors is not None:
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(url)
    ready = '() => window.signa && (window.signa.ready || !document.getElementById("error").hidden)'
    page.wait_for_function(ready, timeout=120_000)
    assert page.locator("#error").is_hidden(), page.text_content("#error")
    return page
