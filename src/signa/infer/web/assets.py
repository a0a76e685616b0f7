"""The browser-side dependencies of the page, installed by ``make web-assets`` and served from disk.

Only the files the page needs are served, each under a fixed public name: MediaPipe Holistic's script,
wasm, data, graph and model files (loaded through its ``locateFile``) and ONNX Runtime Web's wasm build.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from signa.errors import SignaError
from signa.files import REPO_ROOT

ASSETS_ENV = "SIGNA_WEB_ASSETS"
INSTALL_HINT = "browser assets missing: run `make web-assets` (npm install in web/) or set SIGNA_WEB_ASSETS"

HOLISTIC_FILES = (
    "holistic.js",
    "holistic.binarypb",
    "holistic_solution_packed_assets.data",
    "holistic_solution_packed_assets_loader.js",
    "holistic_solution_simd_wasm_bin.data",
    "holistic_solution_simd_wasm_bin.js",
    "holistic_solution_simd_wasm_bin.wasm",
    "holistic_solution_wasm_bin.js",
    "holistic_solution_wasm_bin.wasm",
    "pose_landmark_full.tflite",
    "pose_landmark_heavy.tflite",
    "pose_landmark_lite.tflite",
)
ORT_FILES = (
    "ort.wasm.min.mjs",
    "ort-wasm-simd-threaded.mjs",
    "ort-wasm-simd-threaded.wasm",
)


@dataclass(frozen=True)
class BrowserAssets:
    """Public name -> file on disk, for the two npm packages."""

    files: dict[str, Path]


def node_modules() -> Path:
    """``$SIGNA_WEB_ASSETS`` or the checkout's ``web/node_modules``."""
    return Path(os.environ.get(ASSETS_ENV) or REPO_ROOT / "web" / "node_modules")


def find_assets(root: Path | None = None) -> BrowserAssets:
    """The served files, or one :class:`SignaError` saying how to install them."""
    root = node_modules() if root is None else Path(root)
    holistic = root / "@mediapipe" / "holistic"
    ort = root / "onnxruntime-web" / "dist"
    files = {f"holistic/{name}": holistic / name for name in HOLISTIC_FILES}
    files.update({f"ort/{name}": ort / name for name in ORT_FILES})
    missing = [name for name, path in files.items() if not path.is_file()]
    if missing:
        raise SignaError(f"{INSTALL_HINT} ({len(missing)} files missing, e.g. {missing[0]})", root)
    return BrowserAssets(files)
