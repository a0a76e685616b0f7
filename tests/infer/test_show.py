"""``signa show``: real landmark sequences rendered to GIF and MP4, alone and over their video."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cli_runner import run_cli
from signa.data.readers import read_kaggle_long
from signa.infer.show import COLORS


def hand_pixels(image: np.ndarray, part: str) -> int:
    return int(np.all(np.abs(image.astype(int) - COLORS[part]) < 40, axis=-1).sum())


def test_gif_of_a_reference_sequence(videos, tmp_path, monkeypatch, capsys):
    """doctor_001: both hands in nearly every frame, drawn in their colours."""
    landmarks = read_kaggle_long(videos / "doctor_001.parquet").landmarks
    out = tmp_path / "doctor.gif"
    code, _, err = run_cli(monkeypatch, capsys, "show", videos / "doctor_001.parquet", "--out", out)
    assert code == 0, err
    gif = Image.open(out)
    assert (gif.n_frames, gif.size) == (len(landmarks), (480, 270))
    gif.seek(30)
    frame = np.asarray(gif.convert("RGB"))
    assert hand_pixels(frame, "left_hand") > 20 and hand_pixels(frame, "right_hand") > 20


def test_mp4_over_the_video(videos, tmp_path):
    import cv2

    from signa.infer.show import show_file

    out = show_file(videos / "test_video.parquet", tmp_path / "clip.mp4", video=videos / "test_video.mp4")
    capture = cv2.VideoCapture(str(out))
    assert capture.get(cv2.CAP_PROP_FRAME_COUNT) == 58
    assert (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (540, 720)
    assert not [p for p in tmp_path.iterdir() if p.name != "clip.mp4"]  # no temporary left behind


@pytest.mark.parametrize("name, message", [("clip.png", "--out must end in .gif or .mp4")])
def test_bad_output_name(videos, tmp_path, monkeypatch, capsys, name, message):
    code, _, err = run_cli(monkeypatch, capsys, "show", videos / "yo_001.parquet", "--out", tmp_path / name)
    assert code == 2 and message in err and not (tmp_path / name).exists()
