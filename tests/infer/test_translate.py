"""Continuous signing: real LSM recordings in a row, cut at the rests and recognised as a gloss sequence.

The sign model (``lsm_model``) was trained on these very recordings: the tests show that the cuts
fall where the recordings meet and that each segment reaches the model whole, not accuracy.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from video_helpers import LSM_SIGNS

from cli_runner import run_cli
from signa import load_model
from signa.data.layout import GROUP_SLICES
from signa.data.readers import read_kaggle_long
from signa.errors import SignaError
from signa.infer.segment import SegmentRule, find_segments
from signa.infer.translate import translate

REST_S = 1.0


def sentence(shared_data, fps: int = 30) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The five reference sequences in a row with one-second rests between them: hands held still
    (the last frame repeated) after even ones, hands out of view (NaN) after odd ones."""
    parts, spans, start = [], [], 0
    for i, sign in enumerate(LSM_SIGNS):
        landmarks = read_kaggle_long(shared_data / "videos" / f"{sign}_001.parquet").landmarks
        rest = np.repeat(landmarks[-1:], int(REST_S * 30), axis=0)
        if i % 2:
            rest[:, GROUP_SLICES["left_hand"]] = rest[:, GROUP_SLICES["right_hand"]] = np.nan
        parts += [landmarks, rest]
        spans.append((start / 30, (start + len(landmarks)) / 30))
        start += len(landmarks) + len(rest)
    landmarks = np.concatenate(parts[:-1])
    return np.repeat(landmarks, fps // 30, axis=0), spans


def assert_segments_match(segments: list[tuple[float, float]], spans, tolerance_s: float = 0.25):
    assert len(segments) == len(spans)
    for (start, end), (first, last) in zip(segments, spans, strict=True):
        assert first - tolerance_s <= start < end <= last + tolerance_s
        # at least half of its recording: a hold longer than min_rest_s is a rest (yo_001 ends
        # pointing still at the signer for 0.8 s, then lowers the hand: that part is left out)
        assert end - start >= 0.5 * (last - first)


@pytest.mark.parametrize("fps", [30, 60])
def test_segments_fall_where_the_recordings_meet(shared_data, fps):
    """The rule is stated in seconds: the same cut at 30 and 60 frames a second."""
    landmarks, spans = sentence(shared_data, fps)
    segments = [s.seconds(fps) for s in find_segments(landmarks, fps)]
    assert_segments_match(segments, spans)


def test_sequences_shorter_than_the_smoothing_window(shared_data):
    """A live loop segments its first few frames: 5 frames against a 6-frame speed window."""
    landmarks = read_kaggle_long(shared_data / "videos" / "hoy_001.parquet").landmarks
    assert [(s.start, s.stop) for s in find_segments(landmarks[:12], 30)] == [(0, 12)]
    assert find_segments(landmarks[:5], 30) == []  # 0.17 s: shorter than a sign


def test_a_pause_shorter_than_a_rest_stays_inside_the_sign(shared_data):
    landmarks = read_kaggle_long(shared_data / "videos" / "hoy_001.parquet").landmarks
    held = np.concatenate([landmarks[:30], np.repeat(landmarks[30:31], 12, axis=0), landmarks[31:]])
    assert len(find_segments(held, 30)) == 1  # a 0.4 s hold (0.27 s below the speed once smoothed)
    assert len(find_segments(held, 30, SegmentRule(min_rest_s=0.2))) == 2  # the rule is tunable


def test_translate_gives_the_gloss_sequence(shared_data, lsm_model):
    landmarks, spans = sentence(shared_data)
    timeline = translate(load_model(lsm_model), landmarks, fps=30)
    assert timeline.text == " ".join(LSM_SIGNS)
    assert_segments_match([(e.start, e.end) for e in timeline.entries], spans)
    row = timeline.to_dict()
    assert set(row["segments"][0]) == {"start", "end", "sign", "confidence", "frames"}
    assert row["segment_rule"] == SegmentRule().to_dict() and "model" in row["timings_ms"]


def test_fingerspelling_model_gives_text_segments(shared_data, fs_checkpoint):
    landmarks, _ = sentence(shared_data)
    timeline = translate(load_model(fs_checkpoint, gate=None), landmarks[:400], fps=30, rule=None)
    (entry,) = timeline.entries  # rule=None: the clip whole
    assert entry.sign is None and isinstance(entry.text, str) and entry.frames == 400


def test_no_hands_is_an_error_not_an_empty_answer(shared_data, lsm_model):
    landmarks, _ = sentence(shared_data)
    landmarks[:, GROUP_SLICES["left_hand"]] = landmarks[:, GROUP_SLICES["right_hand"]] = np.nan
    with pytest.raises(SignaError, match="no hands detected"):
        translate(load_model(lsm_model), landmarks)


def test_translate_on_a_real_sentence_video(sentence_clip, sentence_translation):
    _, spans = sentence_clip
    timeline = sentence_translation.to_dict()
    assert timeline["text"] == "hoy yo doctor"
    # MediaPipe's points jitter a little on the re-encoded still frames, so the cut may run into the
    # held rest by a few frames more than on the reference landmarks
    assert_segments_match([(s["start"], s["end"]) for s in timeline["segments"]], spans, tolerance_s=0.4)
    assert set(timeline["timings_ms"]) == {"decode", "landmarks", "model"}
    assert timeline["video"]["frames"] == 64 + 30 + 55 + 30 + 62


def test_translate_command_json_on_landmark_files(videos, lsm_model, monkeypatch, capsys):
    files = [videos / f"{sign}_001.parquet" for sign in ("dolor", "yo")]
    code, out, err = run_cli(monkeypatch, capsys, "translate", lsm_model, *files, "--json")
    assert code == 0, err
    timelines = json.loads(out)
    assert [t["text"] for t in timelines] == ["dolor", "yo"]
    assert [len(t["segments"]) for t in timelines] == [1, 1] and timelines[0]["video"] is None


def test_translate_command_refuses_bad_videos(videos, lsm_model, tmp_path, monkeypatch, capsys):
    from video_helpers import ffmpeg

    nobody = tmp_path / "nobody.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-frames:v", 10, "-pix_fmt", "yuv420p", nobody
    )
    text = tmp_path / "notes.mp4"
    text.write_text("hello\n")
    for path, message in ((nobody, "no hands detected in 10 frames"), (text, "not a video")):
        code, out, err = run_cli(monkeypatch, capsys, "translate", lsm_model, path)
        assert (code, out, err) == (2, "", f"error: {path}: {message}" + err.split(message)[1])
        assert len(err.strip().splitlines()) == 1
