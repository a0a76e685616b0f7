"""``signa live``: the newest-frame mailbox, resampling by timestamps, and a replayed real clip."""

from __future__ import annotations

import json
import sys
import threading

import numpy as np
import pytest

from signa import cli, load_model
from signa.infer.live import Frame, NewestFrame, live
from signa.infer.segment import resample
from signa.infer.translate import translate


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


def test_live_replay_agrees_with_translate(sentence_clip, lsm_model):
    """The same real clip, replayed at its own rate on this machine (whatever share of the frames it
    keeps up with) and translated frame by frame, gives the same gloss sequence."""
    clip, spans = sentence_clip
    recognizer = load_model(lsm_model)
    result = live(recognizer, video=clip)
    expected = translate(recognizer, clip)
    assert result.timeline.text == expected.text == "hoy yo doctor"
    assert 0 < result.frames_processed <= result.frames_published == 64 + 30 + 55 + 30 + 62
    assert 0 < result.effective_fps <= 31
    for entry, (first, last) in zip(result.timeline.entries, spans, strict=True):
        assert first - 0.5 <= entry.start < entry.end <= last + 0.5


def run_cli(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["signa", *map(str, args)])
    try:
        cli.main()
        code = 0
    except SystemExit as exit_info:
        code = exit_info.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_unreadable_camera_is_one_error(mediapipe_ready, lsm_model, monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "live", lsm_model, "--camera", 99)
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


def test_live_command_json(sentence_clip, lsm_model, monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "live", lsm_model, "--video", sentence_clip[0], "--json")
    assert code == 0, err
    row = json.loads(out)
    assert row["text"] == "hoy yo doctor"
    assert row["frames_dropped"] == row["frames_published"] - row["frames_processed"] >= 0
