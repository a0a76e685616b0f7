"""Missing-group fractions, the records of ``signa data inspect``, and its table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from rich.console import Console

from signa.data.inspect import describe, inspect_paths, missing_fractions, render_table
from signa.data.layout import GROUP_SLICES, N_LANDMARKS
from signa.data.readers import LandmarkSequence

REPO = Path(__file__).resolve().parents[2]


def test_missing_fractions_count_frames_where_a_group_is_entirely_missing():
    landmarks = np.zeros((4, N_LANDMARKS, 3), np.float32)
    landmarks[:3, GROUP_SLICES["left_hand"]] = np.nan  # missing in 3 of 4 frames
    landmarks[0, GROUP_SLICES["face"].start] = np.nan  # one face point only: the face is present
    landmarks[:, GROUP_SLICES["right_hand"]] = np.nan
    assert missing_fractions(landmarks) == {"face": 0.0, "left_hand": 0.75, "pose": 0.0, "right_hand": 1.0}


def test_all_nan_and_empty_sequences_are_reported_not_refused():
    blank = LandmarkSequence(
        np.full((2, N_LANDMARKS, 3), np.nan, np.float32), "s", "f.parquet", "kaggle-long"
    )
    assert describe(blank)["missing"] == dict.fromkeys(GROUP_SLICES, 1.0)
    assert missing_fractions(np.zeros((0, N_LANDMARKS, 3), np.float32)) == dict.fromkeys(GROUP_SLICES, 1.0)


def test_records_of_a_real_file(shared_data):
    path = shared_data / "pose/FOOTBALL.parquet"
    (record,) = inspect_paths([path])
    assert record["path"] == str(path) and record["format"] == "kaggle-long"
    assert record["sequence_id"] == "FOOTBALL" and record["frames"] == 62
    assert record["missing"]["right_hand"] == 1 / 62


def test_table_lists_every_sequence(shared_data):
    records = list(inspect_paths([shared_data / "videos/yo_001.parquet", shared_data / "pose/FOOTBALL.pose"]))
    console = Console(width=160, record=True)
    console.print(render_table(records))
    text = console.export_text()
    assert "yo_001" in text and "FOOTBALL" in text and "100%" in text and "kaggle-long" in text


def test_bundled_sample_inspects_and_prepares(tmp_path):
    """samples/asl-signs ships in the repo: real data for the demo and a fresh clone's tests."""
    from signa.data.cache import prepare_dataset

    sample = REPO / "samples/asl-signs"
    records = list(inspect_paths([sample]))
    assert len(records) == 12 and {r["format"] for r in records} == {"kaggle-long"}
    assert all(r["missing"]["pose"] == 0.0 for r in records)
    store = prepare_dataset(sample, tmp_path, progress=False)
    assert len(store) == 12 and {r["sign"] for r in store.index} == {"hello", "thankyou"}
    assert sum(r["frames"] for r in store.index) == sum(r["frames"] for r in records)
