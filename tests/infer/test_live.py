"""``signa live``: the newest-frame mailbox, resampling by timestamps, and a replayed real clip."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from cli_runner import run_cli
from signa.infer.live import Frame, NewestFrame
from signa.infer.segment import resample


def test_mailbox_keeps_only_the_newest_frame():
    mailbox = NewestFrame()
    picture = np.zeros((2, 2, 3), np.uint8)
    for index in range(5):
        mailbox.put(Frame(index, index / 30, picture, 0.0))
    assert mailbox.take().index == 4  # frames 0-3 were overwritten: dropped, never queued
    threading.Timer(0.05, mailbox.end).start()
    assert mailbox.take() is None and mailbox.published == 5


def test_resample_puts_irregular_frames_back_on_the_model_rate():
    """Synthetic: frame k holds the value k; frames taken at 0, 0.1, 0.25 and 0.3 s."""
    landmarks = np.arange(4, dtype=np.float32)[:, None, None] * np.ones((1, 543, 3), np.float32)
    out = resample(landmarks, np.array([0.0, 0.1, 0.25, 0.3]), fps=30)
    assert out[:, 0, 0].tolist() == [0, 0, 0, 1, 1, 1, 1, 1, 2, 3]  # 10 frames: 0 to 0.3 s at 30 fps


def test_unreadable_camera_is_one_error(mediapipe_ready, signs_checkpoint, monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "live", signs_checkpoint, "--camera", 99)
    assert (code, out) == (2, "")
    assert err == "error: camera 99: cannot read from the camera (not connected, in use, or no permission)\n"


def test_show_without_a_gui_is_one_error(mediapipe_ready, lsm_model, sentence_clip, monkeypatch, capsys):
    import cv2

    try:
        cv2.namedWindow("probe")
        cv2.destroyAllWindows()
        pytest.skip("this OpenCV has a GUI")
    except cv2.error:
        pass
    code, out, err = run_cli(monkeypatch, capsys, "live", lsm_model, "--video", sentence_clip[0], "--show")
    assert (code, out) == (2, "") and err.startswith("error: --show needs OpenCV with a GUI")


def test_live_replay_agrees_with_translate(
    sentence_clip, sentence_translation, lsm_model, monkeypatch, capsys
):
    """The real sentence clip replayed at its own rate on this machine (keeping up with whatever share
    of the frames it can) gives the gloss sequence that translating every frame gives."""
    clip, spans = sentence_clip
    code, out, err = run_cli(monkeypatch, capsys, "live", lsm_model, "--video", clip, "--json")
    assert code == 0, err
    row = json.loads(out)
    figures = {k: row[k] for k in ("effective_fps", "frames_processed", "mean_latency_ms")}
    assert row["text"] == sentence_translation.text == "hoy yo doctor", figures
    assert row["frames_published"] == 64 + 30 + 55 + 30 + 62
    assert 0 < row["frames_processed"] <= row["frames_published"]
    assert row["frames_dropped"] == row["frames_published"] - row["frames_processed"]
    assert 0 < row["effective_fps"] <= 31
    for segment, (first, last) in zip(row["segments"], spans, strict=True):
        assert first - 0.5 <= segment["start"] < segment["end"] <= last + 0.5, figures
