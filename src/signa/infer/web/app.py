"""The FastAPI app of ``signa serve``: one page, its static files, the model files, and server mode.

    from signa.infer.web.app import create_app
    app = create_app("exported/fs")               # then: uvicorn.run(app, host="127.0.0.1")

Routes: ``GET /`` (the page, its configuration inlined as JSON), ``GET /static/<name>`` (the page's own
scripts and styles), ``GET /assets/<package>/<name>`` (MediaPipe Holistic and ONNX Runtime Web from
``web/node_modules``), ``GET /model/<name>`` (the ONNX export, private mode only) and
``POST /api/translate`` (server mode: a video or landmark file in, the translation and its landmarks
out). Every GET is a lookup in a table built at start-up, so no request path reaches the file system.

(No ``from __future__ import annotations`` here: FastAPI reads the route signatures' types at run time.)
"""

import json
import threading
from pathlib import Path

from signa.errors import SignaError
from signa.infer.web.assets import BrowserAssets, find_assets
from signa.infer.web.model import page_config, served_model
from signa.infer.web.security import add_security_headers
from signa.infer.web.uploads import Limits, UploadError, check_length, save_upload, upload_folder

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
CONFIG_MARK = "<!--SIGNA-CONFIG-->"


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix, "application/octet-stream")


def index_html(config: dict) -> str:
    """The page with its configuration as a JSON data block (not a script: the CSP forbids inline code)."""
    data = json.dumps(config).replace("<", "\\u003c")
    block = f'<script type="application/json" id="signa-config">{data}</script>'
    return (STATIC / "index.html").read_text(encoding="utf-8").replace(CONFIG_MARK, block)


def create_app(
    model: str | Path,
    limits: Limits = Limits(),
    assets: BrowserAssets | None = None,
    translator=None,
):
    """The app for ``model`` (checkpoint, run folder or export folder).

    ``translator(path, limits) -> dict`` answers server-mode uploads (default: a
    :class:`signa.infer.web.server_mode.ServerTranslator` of ``model``); it also names the task and the
    segmentation rule the page uses.
    """
    from fastapi import FastAPI, File, Request, UploadFile
    from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
    from starlette.concurrency import run_in_threadpool

    from signa.infer.web.server_mode import ServerTranslator

    served = served_model(model)
    translator = translator or ServerTranslator(model)
    assets = assets or find_assets()
    files = {f"static/{p.name}": p for p in STATIC.iterdir() if p.name != "index.html"}
    files.update({f"assets/{name}": path for name, path in assets.files.items()})
    files.update({f"model/{name}": path for name, path in served.public_files().items()})
    config = page_config(served, translator.task, limits.to_dict(), translator.segmentation)
    page = index_html(config)
    workers = threading.BoundedSemaphore(limits.workers)

    app = FastAPI(title="SIGNA", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def upload_size(request: Request, call_next):
        if request.url.path == "/api/translate" and request.method == "POST":
            try:
                check_length(request.headers.get("content-length"), limits)
            except UploadError as err:
                return JSONResponse({"error": err.message}, status_code=err.status)
        return await call_next(request)

    add_security_headers(app)

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @app.get("/{kind}/{name:path}")
    def static_file(kind: str, name: str) -> Response:
        path = files.get(f"{kind}/{name}")
        if path is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        return FileResponse(path, media_type=media_type(path))

    @app.post("/api/translate")
    async def translate(file: UploadFile = File(...)) -> JSONResponse:
        with upload_folder() as folder:
            try:
                path = await save_upload(file, folder, limits)
                answer = await run_in_threadpool(_translate_bounded, workers, translator, path, limits)
            except UploadError as err:
                return JSONResponse({"error": err.message}, status_code=err.status)
        return JSONResponse(answer)

    return app


def _translate_bounded(workers: threading.BoundedSemaphore, translator, path: Path, limits: Limits) -> dict:
    """Run ``translator`` once a worker is free; 503 after ``limits.queue_seconds`` of waiting."""
    if not workers.acquire(timeout=limits.queue_seconds):
        raise UploadError(503, "the server is busy translating other videos; try again in a minute")
    try:
        return translator(path, limits)
    except SignaError as err:
        raise UploadError(422, err.problem) from None
    finally:
        workers.release()
