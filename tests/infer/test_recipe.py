"""The new-sign-language recipe end to end on real videos (docs/sign-languages/new-sign-language.md):

a folder of videos named by sign -> ``signa extract`` -> ``signa data prepare`` -> ``signa train`` ->
``signa export`` -> ``signa translate``, every step through the installed command line.

The five real LSM recordings of the data kit, one per sign, are both the training set and the videos
translated: the test shows the plumbing (every step reads what the previous one wrote, labels survive
from file names to the exported model), not accuracy, and asserts no accuracy. CI runs it on the first
24 frames of each recording (MediaPipe runs twice over every frame: extract, then translate); the whole
recordings are ``slow`` (about a minute of CPU).
"""

from __future__ import annotations

import json
import shutil

import pytest
from video_helpers import LSM_SIGNS, cut

from cli_runner import run_cli

CONFIG = "configs/signs/lsm-small.yaml"


def signa(monkeypatch, capsys, *args) -> str:
    """``signa ARGS`` through ``cli.main``; asserts exit code 0 and returns stdout."""
    code, out, err = run_cli(monkeypatch, capsys, *args)
    assert code == 0, err
    return out


@pytest.fixture(scope="module", params=["first-24-frames", pytest.param("whole", marks=pytest.mark.slow)])
def recordings(request, videos, tmp_path_factory):
    """A team's folder of videos named by sign (``<sign>_001.mp4``): real recordings, cut or whole."""
    folder = tmp_path_factory.mktemp("recordings")
    for sign in LSM_SIGNS:
        source, target = videos / f"{sign}_001.mp4", folder / f"{sign}_001.mp4"
        if request.param == "whole":
            shutil.copy(source, target)
        else:
            cut(source, target, 24)
    return folder


def test_videos_to_translations(recordings, tmp_path, monkeypatch, capsys):
    work = tmp_path
    out = signa(monkeypatch, capsys, "extract", recordings, "--out", work / "landmarks", "--workers", "2")
    assert "5 extracted" in out
    labels = json.loads((work / "landmarks/sign_to_prediction_index_map.json").read_text())
    assert tuple(labels) == LSM_SIGNS

    out = signa(monkeypatch, capsys, "data", "prepare", work / "landmarks", "--out", work / "store")
    assert f"{work / 'store'}: 5 sequences" in out

    overrides = [f"data.train={work / 'landmarks'}", f"data.cache={work / 'store'}", "data.layout=null"]
    overrides += ["data.batch_size=5", "train.epochs=4", "train.progress=false"]
    overrides += ["train.tensorboard=false"]
    run = work / "run"
    out = signa(monkeypatch, capsys, "train", CONFIG, "--run-dir", run, *(f"--set={o}" for o in overrides))
    assert f"{run}: 4 steps" in out

    signa(monkeypatch, capsys, "export", run, "--out", work / "export")
    export = json.loads((work / "export/export.json").read_text())
    assert export["task"] == "signs" and export["labels"] == labels

    videos = sorted(recordings.glob("*.mp4"))
    timelines = json.loads(
        signa(monkeypatch, capsys, "translate", work / "export", *videos, "--whole", "--json")
    )
    assert [t["path"] for t in timelines] == list(map(str, videos))
    for timeline in timelines:
        (segment,) = timeline["segments"]
        assert segment["sign"] in LSM_SIGNS and 0 < segment["confidence"] <= 1
        assert segment["frames"] == timeline["video"]["frames"] and timeline["timings_ms"]["landmarks"] > 0
