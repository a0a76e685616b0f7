"""``signa demo`` end to end on the repo's own models and data, and its claims checked.

The CI form translates two of the five bundled LSM videos (``--clips 2``, about a minute on 2 cores);
the full demo (five clips, as ``make demo`` runs it) is marked slow. The lsm model was trained on
MSL-150's keypoints of these very recordings: the right signs show the plumbing, not accuracy.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from video_helpers import LSM_SIGNS

import signa
from cli_runner import run_cli
from signa import load_model
from signa.bundled import bundled_model, resolve_model
from signa.data.compose.recipe import recipe_phrases
from signa.data.readers import read_kaggle_long
from signa.infer.reproduce import composed_held_out
from signa.metrics import normalized_total_levenshtein

COMMANDS = ("signa extract", "signa translate lsm", "signa evaluate asl-fingerspelling", "signa export lsm")
NEXT = ("signa translate lsm samples/videos/yo_001.mp4", "signa live lsm --video", "signa serve")


def run_demo(monkeypatch, capsys, tmp_path, *args) -> tuple[dict, str]:
    out = tmp_path / "demo"
    code, stdout, stderr = run_cli(monkeypatch, capsys, "demo", "--out", out, *args)
    assert code == 0, stderr
    assert "Traceback" not in stdout + stderr
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]  # it writes under --out only
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temporary left behind
    return json.loads((out / "demo.json").read_text()), stdout


def check_clips(results: dict, stdout: str, count: int) -> None:
    """Each clip: the right sign beside the truth in the table, and a time for every stage."""
    clips = results["clips"]
    assert [c["truth"] for c in clips] == list(LSM_SIGNS[:count])
    for clip in clips:
        assert clip["sign"] == clip["truth"] and 0 < clip["confidence"] <= 1
        assert min(clip["decode_ms"], clip["landmarks_ms"], clip["model_ms"]) > 0
        assert re.search(rf"{clip['clip']}\s+│\s+{clip['truth']}\s+│\s+{clip['sign']}\s+│", stdout)
        # the landmarks are the clip's own: as many frames as the video, hands found
        assert len(read_kaggle_long(clip["landmarks_file"]).landmarks) == clip["frames"]


def check_fingerspelling(results: dict, stdout: str) -> None:
    """COMPOSED held-out phrases (never training ones), scored with the metric it names, as on the card."""
    spelled = results["fingerspelling"]
    rows = spelled["sequences"]
    assert spelled["data"] == "COMPOSED" and "COMPOSED" in stdout and len(rows) == 30
    truths, texts = [r["truth"] for r in rows], [r["text"] for r in rows]
    assert truths == recipe_phrases()["held_out"][:30] and not set(truths) & set(recipe_phrases()["train"])
    assert spelled["score"] == pytest.approx(normalized_total_levenshtein(truths, texts))
    # read as the card's figure is (no confidence gate), so the two figures printed side by side compare
    assert texts[:5] == composed_held_out("asl-fingerspelling", limit=5).predictions
    card = bundled_model("asl-fingerspelling").card["headline"]
    assert f"{spelled['score']:.3f}" in stdout
    assert f"its model card: {card['metric']} {card['value']:.3f}" in stdout
    for row in rows[:8]:
        assert row["truth"] in stdout


def check_onnx(results: dict, stdout: str) -> None:
    """The exported graph answers as the checkpoint does; checked again here, outside the demo."""
    onnx = results["onnx"]
    assert onnx["same"] == onnx["total"] == len(results["clips"]) and onnx["max_confidence_difference"] < 1e-4
    exported, checkpoint = load_model(onnx["export"]), load_model(resolve_model("lsm"))
    assert exported.description.form == "onnx"
    landmarks = read_kaggle_long(results["clips"][0]["landmarks_file"]).landmarks
    mine, theirs = checkpoint.predict(landmarks), exported.predict(landmarks)
    assert mine.sign == theirs.sign == results["clips"][0]["truth"]
    assert abs(mine.confidence - theirs.confidence) < 1e-4
    assert f"Same sign {onnx['same']} of {onnx['total']}" in stdout


def check_animation(results: dict, stdout: str) -> None:
    animation = results["animation"]
    with Image.open(animation["path"]) as gif:
        assert gif.format == "GIF" and gif.n_frames == results["clips"][0]["frames"] > 1
    assert animation["path"].split("/")[-1] in stdout


def check_commands(stdout: str) -> None:
    """Each step says what a user would type, and the demo ends with the next commands to try."""
    for command in (*COMMANDS, *NEXT, "signa show"):
        assert f"$ {command}" in stdout, command


def test_demo_short_form(mediapipe_ready, monkeypatch, capsys, tmp_path):
    results, stdout = run_demo(monkeypatch, capsys, tmp_path, "--clips", "2")
    check_clips(results, stdout, 2)
    check_fingerspelling(results, stdout)
    check_onnx(results, stdout)
    check_animation(results, stdout)
    check_commands(stdout)


@pytest.mark.slow
def test_demo_in_full(mediapipe_ready, monkeypatch, capsys, tmp_path):
    """As ``make demo`` runs it: all five clips."""
    results, stdout = run_demo(monkeypatch, capsys, tmp_path)
    check_clips(results, stdout, len(LSM_SIGNS))
    check_onnx(results, stdout)
    check_commands(stdout)


def test_without_the_video_extra(monkeypatch, capsys, tmp_path):
    """No MediaPipe: one line says how to install it, the steps that need no video still run."""
    find_spec = importlib.util.find_spec
    without = lambda name, *args: None if name == "mediapipe" else find_spec(name, *args)  # noqa: E731
    monkeypatch.setattr(importlib.util, "find_spec", without)
    results, stdout = run_demo(monkeypatch, capsys, tmp_path)
    hints = [line for line in stdout.splitlines() if "pip install --no-deps mediapipe" in line]
    assert len(hints) == 1 and hints[0].startswith("skipped:") and "pip install -e '.[video]'" in hints[0]
    assert stdout.count("skipped:") == 3  # steps 1, 3 and 4
    assert "clips" not in results and results["fingerspelling"]["score"] > 0


@pytest.mark.slow
def test_train_from_scratch(monkeypatch, capsys, tmp_path):
    """``signa demo --train``: both small trainings run and leave their checkpoints (1-4 min)."""
    code, stdout, stderr = run_cli(monkeypatch, capsys, "demo", "--train", "--out", tmp_path / "train")
    assert code == 0, stderr
    for run in ("signs", "fingerspelling"):
        assert (tmp_path / "train" / run / "checkpoint" / "model.safetensors").is_file()
    assert "$ signa train" in stdout and "$ signa evaluate" in stdout


@pytest.mark.parametrize(("args", "first"), [((), "samples/videos/"), (("--train",), "samples/asl-signs")])
def test_from_an_installed_package(tmp_path, args, first):
    """As from a wheel: the package (bundled models included) with no checkout around it; one line says
    the demo needs one (samples/ stays out of the wheel: 11 MB of data with its own licences)."""
    site = tmp_path / "site-packages"
    shutil.copytree(Path(signa.__file__).parent, site / "signa", ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-m", "signa", "demo", *args, "--out", tmp_path / "demo"]
    env = dict(os.environ, PYTHONPATH=str(site))
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"error: {first}") and "runs in a SIGNA checkout" in line, line
    assert "an installed package has no samples/" in line and not (tmp_path / "demo").exists()
