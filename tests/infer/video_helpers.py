"""Helpers of the video tests: clips cut from the kit's real videos with ffmpeg (on CI and the dev
machines), and the command line run in-process.

Only the clip with nobody in it (ffmpeg's test pattern) is synthetic, and its test says so.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

LSM_SIGNS = ("ambulancia", "doctor", "dolor", "hoy", "yo")  # the MSL-150 recordings <sign>_001
VIDEO_NAMES = ("ambulancia_001", "doctor_001", "dolor_001", "hoy_001", "test_video", "yo_001")


def ffmpeg(*args) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *map(str, args)], check=True)


def cut(source: Path, out: Path, frames: int, *filters: str) -> Path:
    """The first ``frames`` frames of ``source``, re-encoded (H.264), with optional video filters."""
    vf = ["-vf", ",".join(filters)] if filters else []
    encode = ["-c:v", "libx264", "-crf", "12", "-pix_fmt", "yuv420p"]
    ffmpeg("-i", source, "-frames:v", frames, *vf, *encode, out)
    return out
