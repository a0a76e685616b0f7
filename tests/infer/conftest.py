"""Fixtures of the video tests: MediaPipe (the ``video`` extra), the kit's real videos, short clips."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from video_helpers import LSM_SIGNS, VIDEO_NAMES, cut, ffmpeg


@pytest.fixture(scope="session")
def mediapipe_ready() -> None:
    """MediaPipe 0.10.14 and ffmpeg; skip without them, except on CI (``make install`` sets them up)."""
    missing = [] if shutil.which("ffmpeg") else ["ffmpeg"]
    try:
        from signa.mp_compat import restore_protobuf_api

        restore_protobuf_api()  # before mediapipe loads
        import mediapipe  # noqa: F401
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


@pytest.fixture(scope="session")
def lsm_model(shared_data, tmp_path_factory) -> Path:
    """A tiny isolated-sign model trained (~10-20 s) on the five real LSM recordings' reference
    landmarks, one per sign. It has seen exactly these clips: it shows the plumbing, not accuracy."""
    import json

    import torch

    from signa.train.config import load_experiment
    from signa.train.loop import train

    root = tmp_path_factory.mktemp("lsm")
    rows = ["path,participant_id,sequence_id,sign"]
    for i, sign in enumerate(LSM_SIGNS):  # one "participant" per clip: the fold split needs 4 or more
        shutil.copy(shared_data / "videos" / f"{sign}_001.parquet", root / f"{sign}.parquet")
        rows.append(f"{sign}.parquet,{i},{sign},{sign}")
    (root / "train.csv").write_text("\n".join(rows) + "\n")
    labels = {sign: i for i, sign in enumerate(LSM_SIGNS)}
    (root / "sign_to_prediction_index_map.json").write_text(json.dumps(labels))
    overrides = [f"data.train={root}", f"data.cache={root / 'cache'}", "data.fold=-1", "data.batch_size=5"]
    overrides += ["model.n_classes=5", "train.epochs=80", "train.eval_every=80", "train.keep_last=1"]
    overrides += ["train.progress=false", "train.tensorboard=false"]
    overrides += ["options.mixup_p=0", "options.mean_teacher=false", "options.ousm_k=0"]
    torch.manual_seed(0)
    train(load_experiment("configs/signs/asl-signs-small.yaml", overrides), root / "run")
    return root / "run"


@pytest.fixture(scope="session")
def sentence_clip(videos, tmp_path_factory) -> tuple[Path, list[tuple[float, float]]]:
    """Three real LSM recordings in a row (hoy, yo, doctor): the first followed by one second of its
    last frame held still, the second by one second of black (nobody in view). Returns the clip and
    each recording's (start, end) in seconds."""
    out = tmp_path_factory.mktemp("sentence") / "hoy-yo-doctor.mp4"
    names, frames = ("hoy_001", "yo_001", "doctor_001"), (64, 55, 62)
    rests = ("tpad=stop_mode=clone:stop_duration=1", "tpad=stop_mode=add:stop_duration=1:color=black", "null")
    chains = [f"[{i}:v]fps=30,{rest},setsar=1[v{i}]" for i, rest in enumerate(rests)]
    graph = ";".join(chains) + ";[v0][v1][v2]concat=n=3:v=1:a=0[out]"
    inputs = [arg for name in names for arg in ("-i", videos / f"{name}.mp4")]
    ffmpeg(*inputs, "-filter_complex", graph, "-map", "[out]", "-c:v", "libx264", "-crf", "14", out)
    spans, start = [], 0.0
    for count, rest in zip(frames, (1.0, 1.0, 0.0), strict=True):
        spans.append((start, start + count / 30))
        start += count / 30 + rest
    return out, spans


@pytest.fixture(scope="session")
def sentence_translation(sentence_clip, lsm_model):
    """``translate`` of the sentence clip, every frame processed: what ``live`` is measured against."""
    from signa import load_model
    from signa.infer.translate import translate

    return translate(load_model(lsm_model), sentence_clip[0])
