"""``signa extract`` on folders: layout, labels, shards, resume, .pose, failures (real video cuts)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from cli_runner import run_cli
from signa.data.readers import read_kaggle_long, read_pose, read_sequences
from signa.errors import SignaError
from signa.infer.extract import ExtractOptions, extract_videos, find_videos, merge_records, parse_shard


def test_folder_becomes_a_kaggle_layout(short_clips, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    code, stdout, err = run_cli(monkeypatch, capsys, "extract", short_clips, "--out", out, "--format", "pose")
    assert code == 0, err
    assert "4 extracted, 0 already done, 0 failed" in stdout
    with open(out / "train.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["sequence_id"], r["sign"]) for r in rows] == [
        ("doctor/doctor_001", "doctor"),
        ("dolor/dolor_001", "dolor"),
        ("hoy/hoy_001", "hoy"),
        ("yo/yo_001", "yo"),
    ]
    labels = json.loads((out / "sign_to_prediction_index_map.json").read_text())
    assert labels == {"doctor": 0, "dolor": 1, "hoy": 2, "yo": 3}
    sequences = read_sequences(out)  # the folder reads as a Kaggle dataset
    assert [s.frames for s in sequences] == [10, 10, 10, 10]
    parquet = read_kaggle_long(out / "landmarks/yo/yo_001.parquet").landmarks
    pose = read_pose(out / "landmarks/yo/yo_001.pose")
    assert (pose.meta["width"], pose.meta["height"]) == (640, 360)
    np.testing.assert_allclose(pose.landmarks, parquet, atol=1e-6)
    record = json.loads((out / "records/yo/yo_001.json").read_text())
    assert record["frames"] == 10 and record["detection_rate"]["right_hand"] == 1.0


def test_rerun_skips_finished_videos(short_clips, tmp_path):
    jobs = find_videos([short_clips])
    first = extract_videos(jobs[:2], tmp_path, ExtractOptions(workers=1))
    stamp = (tmp_path / "landmarks/doctor/doctor_001.parquet").stat().st_mtime_ns
    second = extract_videos(jobs, tmp_path, ExtractOptions(workers=1))
    assert (len(first.extracted), len(second.extracted), second.skipped) == (2, 2, 2)
    assert (tmp_path / "landmarks/doctor/doctor_001.parquet").stat().st_mtime_ns == stamp
    assert not list(tmp_path.rglob("*.tmp"))


def test_shards_split_deterministically_and_merge(short_clips, tmp_path):
    jobs = find_videos([short_clips])
    for k in range(3):
        summary = extract_videos(jobs, tmp_path, ExtractOptions(workers=1, shard=(k, 3)))
        assert summary.train_csv is None  # shards only write records; --merge lists them all
        assert [r["key"] for r in summary.extracted] == [j.key for j in jobs[k::3]]
    with open(merge_records(tmp_path)) as f:
        assert [r["sequence_id"] for r in csv.DictReader(f)] == [j.key for j in jobs]


def test_labels_file_and_file_name_labels(short_clips, tmp_path):
    listed = tmp_path / "labels.csv"
    listed.write_text(f"video,sign,participant_id\n{short_clips}/hoy/hoy_001.mp4,today,7\n")
    jobs = {j.key: j for j in find_videos([short_clips], listed)}
    assert (jobs["hoy/hoy_001"].sign, jobs["hoy/hoy_001"].participant_id) == ("today", "7")
    assert jobs["yo/yo_001"].sign == "yo"
    (direct,) = find_videos([short_clips / "dolor" / "dolor_001.mp4"])
    assert (direct.key, direct.sign) == ("dolor_001", "dolor")  # trailing _001 dropped


def test_shard_option_is_checked():
    assert parse_shard("2/8") == (2, 8)
    for bad in ("8/8", "1", "a/b", "-1/2"):
        with pytest.raises(SignaError, match="--shard: must be K/N"):
            parse_shard(bad)


def test_failed_videos_are_reported_and_leave_nothing(short_clips, videos, tmp_path, monkeypatch, capsys):
    """One bad file among good ones: the good ones are extracted, the bad one is one line, exit 2."""
    folder = tmp_path / "in"
    (folder / "yo").mkdir(parents=True)
    (folder / "yo" / "yo_001.mp4").write_bytes((short_clips / "yo" / "yo_001.mp4").read_bytes())
    (folder / "yo" / "broken.mp4").write_bytes((videos / "doctor_001.mp4").read_bytes()[:600_000])
    out = tmp_path / "out"
    code, stdout, err = run_cli(monkeypatch, capsys, "extract", folder, "--out", out, "--workers", "1")
    assert code == 2
    assert "1 extracted, 0 already done, 1 failed" in stdout
    problem = "MP4/MOV file with no decodable video frames (empty, truncated or corrupt)"
    assert err.strip().splitlines() == [f"error: {folder}/yo/broken.mp4: {problem}"]
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == [
        "sign_to_prediction_index_map.json",
        "train.csv",
        "yo_001.json",
        "yo_001.parquet",
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["nowhere.mp4"], "nowhere.mp4: no such file or folder"),
        (["--merge"], "no extracted videos to list"),
        ([], "give at least one video or folder"),
    ],
)
def test_cli_input_errors(tmp_path, monkeypatch, capsys, args, message):
    code, _, err = run_cli(monkeypatch, capsys, "extract", *args, "--out", tmp_path / "out")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
