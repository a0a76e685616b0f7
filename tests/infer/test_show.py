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


@pytest.mark.parametrize(
    "name, options, message",
    [
        ("clip.jpg", (), "--out must end in .gif, .mp4 or .png"),
        ("clip.gif", ("--frame", "3"), "--frame picks the frame of a .png picture"),
        ("clip.png", ("--frame", "55"), "--frame: the sequence has frames 0 to 54, not 55"),
    ],
)
def test_bad_output_name(videos, tmp_path, monkeypatch, capsys, name, options, message):
    args = ("show", videos / "yo_001.parquet", "--out", tmp_path / name, *options)
    code, _, err = run_cli(monkeypatch, capsys, *args)
    assert code == 2 and message in err and not (tmp_path / name).exists()


def test_render_names_the_formats_it_writes(tmp_path):
    """A .png is a still (render_still), not an animation: the message lists only what render writes."""
    from signa.errors import SignaError
    from signa.infer.show import render

    with pytest.raises(SignaError, match=r"must end in \.gif or \.mp4 \(a \.png: render_still\)$"):
        render(np.zeros((2, 543, 3), np.float32), tmp_path / "clip.png")


def test_the_default_picture_is_the_middle_of_the_first_answer():
    from signa.infer.show import default_frame

    a, b = ("hoy", "confidence 0.90"), ("yo", "confidence 0.80")
    assert default_frame([None, a, a, a, None, b, b, b, b, b, b], 11) == 2  # not the middle of all answers
    assert default_frame([a, a, b, b, b, b], 6) == 1  # two answers with no rest between them
    assert default_frame([a] * 10, 10) == 5 and default_frame([None] * 7, 7) == default_frame(None, 7) == 3


def test_png_with_the_answer_written_on_it(videos, tmp_path, monkeypatch, capsys):
    """The README's picture: one frame over the video, the bundled lsm model's answer at the bottom."""
    from signa.bundled import resolve_model

    clip = (
        "show",
        videos / "ambulancia_001.parquet",
        "--video",
        videos / "ambulancia_001.mp4",
        "--frame",
        "33",
    )
    plain, labelled = tmp_path / "plain.png", tmp_path / "labelled.png"
    assert run_cli(monkeypatch, capsys, *clip, "--out", plain)[0] == 0
    code, out, err = run_cli(
        monkeypatch, capsys, *clip, "--out", labelled, "--model", resolve_model("lsm"), "--whole"
    )
    assert code == 0 and f"{labelled}: written" in out, err
    assert plain.stat().st_size < 300_000 and labelled.stat().st_size < 300_000
    with Image.open(plain) as a, Image.open(labelled) as b:
        assert a.format == b.format == "PNG" and a.size == b.size == (960, 540)
        a, b = np.asarray(a.convert("RGB")).astype(int), np.asarray(b.convert("RGB")).astype(int)
    changed = np.abs(a - b).sum(axis=-1) > 30  # the palettes differ a little everywhere; the label a lot
    rows = np.flatnonzero(changed.mean(axis=1) > 0.2)  # rows a fifth changed or more
    assert rows.size and rows.min() > 400 and rows.max() < 540  # a band at the bottom, nothing above it
    assert changed[:400].mean() < 0.02


def test_answer_labels_follow_the_segments(videos):
    """Whole: every frame carries the clip's answer; cut at the rests: only the frames of a sign."""
    from signa.bundled import resolve_model
    from signa.infer import load_model
    from signa.infer.show import answer_labels

    landmarks = read_kaggle_long(videos / "yo_001.parquet").landmarks
    recognizer = load_model(resolve_model("lsm"))
    whole = answer_labels(recognizer, landmarks, 30.0, whole=True)
    assert len(whole) == len(landmarks) and {label[0] for label in whole} == {"yo"}
    assert whole[0][1].startswith("confidence 0.")
    cut = answer_labels(recognizer, landmarks, 30.0, whole=False)
    assert None in cut and "yo" in {label[0] for label in cut if label}  # yo_001 ends at rest
