"""Speed of ``signa serve``: private mode in headless Chromium, and server mode's seconds per second of video.

Usage:
    .venv/bin/python benchmarks/web.py [--frames 40] [--keep DIR]      (or: make bench, which runs it too)
                                          (--keep: the exports' folder, default ~/.cache/signa/web-bench)

Private mode: Chromium's fake camera plays a real video (ambulancia_001, 640 px wide) to the page, which
runs MediaPipe Holistic (wasm, CPU inference) and the model (ONNX Runtime Web, wasm) on every frame it
can; the figures are medians over ``--frames`` frames after 5 warm-up frames: landmarks (Holistic alone),
model (one run on the open segment), whole loop (frames per second the page keeps up). Models are the
full-size architectures with random seeded weights (speed does not depend on the weights): the isolated-
sign islr6 and the fingerspelling default (its unrolled export takes minutes; ``--keep`` reuses it).
Server mode: upload of real videos, wall time of the answer divided by the video's duration.
Needs ``make web-assets``, /usr/bin/chromium, ffmpeg and ../shared/data. Run on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE.parent / "tests" / "infer" / "web")]
DATA = Path(os.environ.get("SIGNA_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
CAMERA_VIDEO = "ambulancia_001"
SERVER_VIDEOS = ("test_video", "yo_001", "ambulancia_001")
WARMUP = 5
KEEP = Path.home() / ".cache" / "signa" / "web-bench"  # exports reused by later runs


def full_size_exports(work: Path) -> dict[str, Path]:
    from signa.data.vocab import Vocabulary
    from signa.export import export_checkpoints
    from signa.models.checkpoint import save_model
    from signa.models.registry import build_model

    specs = {
        "signs (islr6)": ("islr6", {"n_classes": 250}, {"task": "signs", "selection": "signs-100"}),
        "fingerspelling": (
            "fingerspelling",
            {},
            {"task": "fingerspelling", "selection": "fingerspelling-130"},
        ),
    }
    out = {}
    for name, (arch, config, meta) in specs.items():
        folder = work / arch
        if not (folder / "onnx" / "export.json").is_file():
            torch.manual_seed(0)
            if meta["task"] == "signs":
                meta = {**meta, "labels": {f"sign{i}": i for i in range(config["n_classes"])}}
            else:
                meta = {**meta, "vocab": Vocabulary.kaggle().to_mapping()}
            checkpoint = save_model(folder / "checkpoint", build_model(arch, config).eval(), meta)
            start = time.perf_counter()
            export_checkpoints([checkpoint], folder / "onnx")
            print(f"  exported {name} in {time.perf_counter() - start:.0f} s", flush=True)
        out[name] = folder / "onnx"
    return out


def private_mode(model: Path, clip: Path, frames: int) -> dict:
    from browser import chromium, open_page, running_app

    from signa.infer.web.app import create_app

    with running_app(create_app(model)) as url, chromium(camera=clip) as browser:
        page = open_page(browser, url)
        page.click("#camera")
        wanted = WARMUP + frames
        page.wait_for_function(f"() => window.signa.session?.tracked >= {wanted}", timeout=900_000)
        page.click("#stop")
        page.wait_for_function("() => window.signa.session.done", timeout=120_000)
        timings = page.evaluate("() => window.signa.session.timings")
    median = {key: statistics.median(values[WARMUP:] or values) for key, values in timings.items()}
    return {
        "frames": frames,
        "landmarks_fps": round(1000 / median["landmarks"], 2),
        "landmarks_ms": round(median["landmarks"], 1),
        "model_ms": round(median["model"], 1),
        "loop_fps": round(1000 / median["loop"], 2),
    }


def server_mode(model: Path) -> dict:
    from fastapi.testclient import TestClient

    from signa.infer.video import VideoReader
    from signa.infer.web.app import create_app

    client = TestClient(create_app(model))
    out = {}
    for name in SERVER_VIDEOS:
        path = DATA / "videos" / f"{name}.mp4"
        with VideoReader(path) as reader:
            duration = reader.declared_frames / reader.fps
        start = time.perf_counter()
        response = client.post("/api/translate", files={"file": (path.name, path.read_bytes())})
        wall = time.perf_counter() - start
        assert response.status_code == 200, response.text
        out[name] = {
            "video_s": round(duration, 2),
            "answer_s": round(wall, 2),
            "s_per_s": round(wall / duration, 2),
        }
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument(
        "--keep", type=Path, default=KEEP, help="Folder for the exports (reused when present)."
    )
    args = parser.parse_args(argv)
    from browser import write_y4m

    work = args.keep
    load_before = os.getloadavg()
    exports = full_size_exports(work)
    clip = write_y4m(DATA / "videos" / f"{CAMERA_VIDEO}.mp4", work / "camera.y4m", 2.2)
    result = {"private_mode": {}, "load_average_before": [round(x, 2) for x in load_before]}
    for name, folder in exports.items():
        result["private_mode"][name] = private_mode(folder, clip, args.frames)
        print(f"  private mode, {name}: {result['private_mode'][name]}", flush=True)
    result["server_mode"] = server_mode(exports["signs (islr6)"])
    print(f"  server mode: {result['server_mode']}", flush=True)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


if __name__ == "__main__":
    print(main(sys.argv[1:]))
