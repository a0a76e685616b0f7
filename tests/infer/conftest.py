"""Fixtures of the video tests: MediaPipe (the ``video`` extra), the kit's real videos, short clips."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from video_clips import VIDEO_NAMES, cut


@pytest.fixture(scope="session")
def mediapipe_ready() -> None:
    """MediaPipe 0.10.14 and ffmpeg; skip without them, except on CI (``make install`` sets them up)."""
    missing = [] if shutil.which("ffmpeg") else ["ffmpeg"]
    try:
        import mediapipe  # noqa: F401

        from signa.mp_compat import restore_protobuf_api

        restore_protobuf_api()
    except ImportError:
        missing.append("mediapipe (make install)")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{', '.join(missing)} missing on CI")
        pytest.skip(f"{', '.join(missing)} not installed")


@pytest.fixture(scope="session")
def videos(shared_data, mediapipe_ready) -> Path:
    """The kit's six real videos (and their reference landmark parquets)."""
    return shared_data / "videos"


@pytest.fixture(scope="session")
def short_clips(videos, tmp_path_factory) -> Path:
    """A folder of 10-frame 640x360 cuts of four real LSM videos, one subfolder per sign."""
    root = tmp_path_factory.mktemp("clips")
    for name in ("doctor_001", "dolor_001", "hoy_001", "yo_001"):
        sign = name.split("_")[0]
        (root / sign).mkdir()
        cut(videos / f"{name}.mp4", root / sign / f"{name}.mp4", 10, "scale=640:360")
    return root


@pytest.fixture(scope="session")
def extracted(videos, tmp_path_factory) -> Path:
    """``signa extract`` output of the six real videos (2 workers), shared by the video tests."""
    from signa.infer.extract import ExtractOptions, extract_videos, find_videos

    out = tmp_path_factory.mktemp("extracted")
    jobs = find_videos([videos / f"{name}.mp4" for name in VIDEO_NAMES])
    summary = extract_videos(jobs, out, ExtractOptions(workers=2))
    assert not summary.failed, summary.failed
    return out
