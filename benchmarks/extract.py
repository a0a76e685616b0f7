"""Landmark extraction speed: one process over a folder of videos vs ``signa extract`` (a process pool).

Usage:
    make bench                                   # with every benchmark
    .venv/bin/python benchmarks/run.py extract   # this one: the six real videos of ../shared/data/videos

Both runs are the ``signa extract`` command in a fresh interpreter on the same six real videos (366
frames, 540x720 and 1280x720; MediaPipe Holistic 0.10.14, model complexity 1), into a fresh folder:
first ``--workers 1`` (one process, one graph, the videos in turn), then one worker per core. Frames
per second are wall-clock, start-up included (imports, graph construction, the pool), as a user waits.
Run it on an idle machine: another busy process takes a core from the pool.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VIDEOS = Path(os.environ.get("SIGNA_SHARED_DATA", REPO.parent / "shared" / "data")) / "videos"


def command(out: Path, workers: int) -> float:
    """``signa extract`` in a fresh interpreter, as a user runs it."""
    start = time.perf_counter()
    args = [sys.executable, "-m", "signa", "extract", str(VIDEOS), "--out", str(out)]
    args += ["--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    subprocess.run(args, check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def main() -> dict:
    from signa.infer.extract import read_records

    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        single_s = command(Path(tmp) / "single", 1)
        pool_s = command(Path(tmp) / "pool", workers)
        frames = sum(r["frames"] for r in read_records(Path(tmp) / "single"))
        holistic_ms = [r["ms_per_frame"] for r in read_records(Path(tmp) / "single")]
    result = {
        "videos": 6,
        "frames": frames,
        "workers": workers,
        "single_process_fps": round(frames / single_s, 2),
        "signa_extract_fps": round(frames / pool_s, 2),
        "speedup": round(single_s / pool_s, 2),
        "holistic_ms_per_frame_single": holistic_ms,
    }
    print(
        f"{frames} frames: one process {result['single_process_fps']} fps, signa extract "
        f"({workers} workers) {result['signa_extract_fps']} fps: {result['speedup']}x"
    )
    return result
