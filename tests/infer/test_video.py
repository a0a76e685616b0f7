"""Video decoding and Holistic extraction against the data kit's reference landmarks (real videos)."""

from __future__ import annotations

import numpy as np
import pytest
from video_helpers import VIDEO_NAMES, cut, ffmpeg

from signa.data.layout import GROUP_SLICES, GROUPS
from signa.data.readers import read_kaggle_long
from signa.errors import SignaError
from signa.infer.video import extract_landmarks, part_detected, require_hands


@pytest.mark.parametrize("name", VIDEO_NAMES)
def test_extraction_reproduces_the_reference(extracted, videos, name):
    """The golden test: all six real videos, extracted by ``extract_videos`` with 2 workers (so one
    graph serves several videos: its reset must give a fresh graph's result), match the reference."""
    ours = read_kaggle_long(extracted / "landmarks" / f"{name}.parquet").landmarks
    reference = read_kaggle_long(videos / f"{name}.parquet").landmarks
    assert ours.shape == reference.shape
    same_pattern = [part_detected(ours, g) == part_detected(reference, g) for g in GROUPS]
    assert np.mean(same_pattern) >= 0.95
    both = ~np.isnan(ours[..., 0]) & ~np.isnan(reference[..., 0])
    for axis in (0, 1):
        assert np.median(np.abs(ours[..., axis] - reference[..., axis])[both]) < 0.005


def test_record_describes_the_video(extracted):
    import json

    record = json.loads((extracted / "records" / "test_video.json").read_text())
    assert (record["frames"], record["width"], record["height"], record["rotation"]) == (58, 540, 720, 0)
    assert record["fps"] == pytest.approx(29.92, abs=0.01)
    assert record["detection_rate"] == {"face": 1.0, "left_hand": 0.0, "pose": 1.0, "right_hand": 0.3448}
    assert record["ms_per_frame"] > 0 and record["mediapipe"] == "0.10.14"


def test_rotation_metadata_is_honoured(videos, tmp_path):
    """A phone-style clip (picture stored sideways, display matrix saying turn it 90 degrees) comes
    out upright: as the same frames stored upright. Without the metadata it would come out sideways."""
    source = videos / "yo_001.mp4"
    upright = cut(source, tmp_path / "upright.mp4", 20)
    sideways = cut(source, tmp_path / "sideways.mp4", 20, "transpose=1")
    phone = tmp_path / "phone.mp4"
    ffmpeg("-i", sideways, "-c", "copy", "-metadata:s:v", "rotate=90", phone)
    expected, _ = extract_landmarks(upright)
    landmarks, record = extract_landmarks(phone)
    stored, _ = extract_landmarks(sideways)
    assert (record.width, record.height, record.rotation) == (1280, 720, 270)
    hand, pose = GROUP_SLICES["right_hand"], GROUP_SLICES["pose"]
    assert np.nanmedian(np.abs(landmarks[:, pose, :2] - expected[:, pose, :2])) < 0.01
    assert np.nanmedian(np.abs(landmarks[:, hand, :2] - expected[:, hand, :2])) < 0.01
    assert np.nanmedian(np.abs(stored[:, pose, :2] - expected[:, pose, :2])) > 0.05


def test_nobody_in_the_video_is_no_hands_detected(mediapipe_ready, tmp_path):
    """Synthetic: ffmpeg's test pattern, 15 frames, nobody in it."""
    clip = tmp_path / "empty-room.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-frames:v", 15, "-pix_fmt", "yuv420p", clip)
    landmarks, record = extract_landmarks(clip)
    assert record.frames == 15
    assert record.detection_rate["left_hand"] == 0 == record.detection_rate["right_hand"]
    with pytest.raises(SignaError, match="no hands detected in 15 frames"):
        require_hands(landmarks, clip)


def bad_videos(videos, folder):
    """Files that are not usable videos, each with the start of the message it must give."""
    text = folder / "notes.mp4"
    text.write_text("not a video\n")
    empty = folder / "zero-frames.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=320x240:r=30", "-frames:v", 0, "-c:v", "libx264", empty)
    faststart = folder / "faststart.mp4"
    ffmpeg("-i", videos / "doctor_001.mp4", "-c", "copy", "-movflags", "+faststart", faststart)
    truncated = folder / "truncated.mp4"
    truncated.write_bytes(faststart.read_bytes()[:200_000])
    tail_cut = folder / "tail-cut.mp4"  # the index (moov) is at the end of the original: lost
    tail_cut.write_bytes((videos / "doctor_001.mp4").read_bytes()[:600_000])
    return {
        text: "not a video",
        empty: "MP4/MOV file with no decodable video frames",
        truncated: "truncated or corrupt video: decoded",
        tail_cut: "MP4/MOV file with no decodable video frames",
        folder / "absent.mp4": "no such file",
    }


def test_bad_videos_are_one_clear_error(videos, tmp_path):
    for path, message in bad_videos(videos, tmp_path).items():
        with pytest.raises(SignaError, match=message) as error:
            extract_landmarks(path)
        assert error.value.path == str(path)
