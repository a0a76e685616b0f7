"""The page's segment.js against signa.infer.segment, in Node: resampling of irregular frame times and the
segmentation rule, on real landmarks (three extractions joined with rests)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
from landmark_clips import joined_with_rests

from signa.infer.segment import SegmentRule, find_segments, hand_speed, resample
from signa.infer.web.app import STATIC

SCRIPT = """
import fs from "node:fs";
import { findSegments, handSpeed, Resampler } from "SEGMENT_JS";
const { frames, times, fps, rule } = JSON.parse(fs.readFileSync(0, "utf8"));
const resampler = new Resampler(fps);
const asArrays = frames.map((f) => Float32Array.from(f, (v) => (v === null ? NaN : v)));
let out = [];
for (const [i, frame] of asArrays.entries()) out = resampler.push(frame, times[i]);
const index = out.map((frame) => asArrays.indexOf(frame));
const speed = handSpeed(out, fps, rule.smooth_s);
console.log(JSON.stringify({ index, speed, segments: findSegments(out, fps, rule) }));
"""


def run_node(frames: np.ndarray, times: np.ndarray, fps: float, rule: SegmentRule) -> dict:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    script = SCRIPT.replace("SEGMENT_JS", (STATIC / "segment.js").as_uri())
    rows = [[None if np.isnan(v) else float(v) for v in frame.ravel()] for frame in frames]
    payload = json.dumps({"frames": rows, "times": times.tolist(), "fps": fps, "rule": rule.to_dict()})
    command = ["node", "--experimental-default-type=module", "--input-type=module", "-e", script]
    proc = subprocess.run(command, input=payload, capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


def test_resampling_and_segments_match_python(shared_data):
    landmarks = joined_with_rests([shared_data / "videos" / f"{n}.parquet" for n in ("test_video", "yo_001")])
    times = np.cumsum(np.random.default_rng(0).uniform(0.02, 0.09, len(landmarks)))  # a busy live loop
    got = run_node(landmarks, times, 30.0, SegmentRule())
    expected_frames = resample(np.arange(len(landmarks))[:, None], times, 30.0)[:, 0]
    assert got["index"] == expected_frames.tolist()
    resampled = landmarks[expected_frames]
    expected = [[s.start, s.stop] for s in find_segments(resampled, 30.0)]
    assert len(expected) >= 2 and got["segments"] == expected


def test_short_sequences_match_python(shared_data):
    """Clips shorter than the speed window (its ends clamped to the clip, as in Python)."""
    from signa.data.readers import read_sequences

    clip = read_sequences(shared_data / "videos" / "yo_001.parquet")[0].landmarks  # a hand in every frame
    for frames in (1, 2, 3, 5, 8, 22):
        piece = clip[:frames]
        got = run_node(piece, np.arange(frames) / 30.0, 30.0, SegmentRule(smooth_s=0.4))
        speed = np.array(got["speed"], dtype=float)  # JSON null = NaN
        np.testing.assert_allclose(speed, hand_speed(piece, 30.0, 0.4), rtol=1e-6, equal_nan=True)
        assert got["segments"] == [
            [s.start, s.stop] for s in find_segments(piece, 30.0, SegmentRule(smooth_s=0.4))
        ]
