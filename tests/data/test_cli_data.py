"""``signa data inspect`` and ``signa data prepare`` through the real entry point (exit codes included)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli_runner import run_cli
from signa.data.readers import NPY_WIDTH


def inspect_json(monkeypatch, capsys, *paths) -> list[dict]:
    code, out, err = run_cli(monkeypatch, capsys, "data", "inspect", "--json", *paths)
    assert code == 0, err
    records = json.loads(out)
    for record in records:
        assert set(record) == {"path", "format", "sequence_id", "frames", "missing"}
        assert set(record["missing"]) == {"face", "left_hand", "pose", "right_hand"}
    return records


def test_inspect_long_parquet(shared_data, monkeypatch, capsys):
    path = shared_data / "asl-signs/train_landmark_files/16069/6623499.parquet"
    (record,) = inspect_json(monkeypatch, capsys, path)
    assert record == {
        "path": str(path),
        "format": "kaggle-long",
        "sequence_id": "6623499",
        "frames": 32,
        "missing": {"face": 0.0, "left_hand": 0.0, "pose": 0.0, "right_hand": 1.0},
    }


def test_inspect_wide_parquet(fingerspelling_root, monkeypatch, capsys):
    records = inspect_json(monkeypatch, capsys, fingerspelling_root / "train_landmarks/1001.parquet")
    assert len(records) == 126 - 126 * 2 // 3
    assert {r["format"] for r in records} == {"kaggle-wide"}


def test_inspect_pose_and_video_landmarks(shared_data, monkeypatch, capsys):
    pose, video = inspect_json(
        monkeypatch,
        capsys,
        shared_data / "pose/signer0_sample1000.pose",
        shared_data / "videos/hoy_001.parquet",
    )
    assert (pose["format"], pose["frames"]) == ("pose", 43)
    assert video["missing"] == {"face": 1.0, "left_hand": 1.0, "pose": 0.0, "right_hand": 0.0}


def test_inspect_npy_file_and_folder(tmp_path, monkeypatch, capsys):
    frames = np.random.default_rng(1).random((3, NPY_WIDTH)).astype(np.float32)
    frames[1, -63:] = 0  # right hand missing in frame 1
    np.save(tmp_path / "seq.npy", frames)
    (tmp_path / "frames").mkdir()
    for i, frame in enumerate(frames):
        np.save(tmp_path / f"frames/{i}.npy", frame)
    file_record, folder_record = inspect_json(monkeypatch, capsys, tmp_path / "seq.npy", tmp_path / "frames")
    assert file_record["frames"] == folder_record["frames"] == 3
    assert file_record["missing"] == folder_record["missing"]
    assert file_record["missing"]["right_hand"] == pytest.approx(1 / 3)


def test_inspect_dataset_folder_and_letters(shared_data, monkeypatch, capsys):
    records = inspect_json(monkeypatch, capsys, shared_data / "letters/silfa_jz_snapshots")
    assert len(records) == 102 and all(r["frames"] == 1 for r in records)
    letters = inspect_json(monkeypatch, capsys, shared_data / "letters/asl_ai_hand_landmarks.parquet")
    assert len(letters) == 10508 and letters[0]["format"] == "letters"


def test_inspect_table(shared_data, monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "data", "inspect", shared_data / "pose/FOOTBALL.pose")
    assert code == 0 and "FOOTBALL" in out and "62" in out


def test_inspect_bad_input_exits_2_with_one_line(tmp_path, monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "data", "inspect", tmp_path / "absent.pose")
    assert code == 2 and out == ""
    assert err == f"error: {tmp_path / 'absent.pose'}: no such file or folder\n"


def test_prepare(shared_data, tmp_path, monkeypatch, capsys):
    out_dir = tmp_path / "store"
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        "data",
        "prepare",
        shared_data / "letters/silfa",
        "--out",
        out_dir,
        "--dtype",
        "float32",
    )
    assert code == 0, err
    assert "558 sequences, 558 frames" in out
    assert (out_dir / "index.json").is_file() and (out_dir / "landmarks.npy").is_file()


def test_prepare_bad_csv_exits_2(tmp_path, monkeypatch, capsys):
    (tmp_path / "train.csv").write_text("path,sequence_id\n")
    code, _, err = run_cli(monkeypatch, capsys, "data", "prepare", tmp_path, "--out", tmp_path / "o")
    assert code == 2 and err.count("\n") == 1 and "csv lists no sequences" in err


SAMPLE_SIGNS = Path(__file__).resolve().parents[2] / "samples" / "asl-signs"  # 12 sequences


def _interrupted_prepare(monkeypatch, capsys, out, after_parts: int) -> str:
    """``signa data prepare`` of the 12 sample signs in 3 parts, Ctrl-C after ``after_parts`` finished."""
    from signa.data import cache

    monkeypatch.setattr(cache, "LONG_FILES_PER_UNIT", 4)
    real_call, calls = cache._UnitJob.__call__, []

    def interrupted(self, unit):
        if len(calls) == after_parts:
            raise KeyboardInterrupt
        calls.append(unit.number)
        return real_call(self, unit)

    monkeypatch.setattr(cache._UnitJob, "__call__", interrupted)
    code, _, err = run_cli(monkeypatch, capsys, "data", "prepare", SAMPLE_SIGNS, "--out", out)
    monkeypatch.setattr(cache._UnitJob, "__call__", real_call)
    assert code == 130, err
    return err.strip().splitlines()[-1]


def test_prepare_interrupted_before_any_part_says_nothing_is_kept(tmp_path, monkeypatch, capsys):
    out = tmp_path / "store"
    line = _interrupted_prepare(monkeypatch, capsys, out, after_parts=0)
    assert (
        line
        == f"interrupted: no part was finished, nothing is kept in {out}; run the same command to start again"
    )
    assert not out.exists()


@pytest.mark.parametrize(("parts", "kept"), [(1, "1 finished part is"), (2, "2 finished parts are")])
def test_prepare_interrupted_after_parts_says_how_many_are_kept(parts, kept, tmp_path, monkeypatch, capsys):
    out = tmp_path / "store"
    line = _interrupted_prepare(monkeypatch, capsys, out, after_parts=parts)
    assert line == f"interrupted: {kept} kept in {out}; run the same command to resume"
    assert len(list((out / "shards").glob("*.json"))) == parts
    code, stdout, err = run_cli(monkeypatch, capsys, "data", "prepare", SAMPLE_SIGNS, "--out", out)
    assert code == 0 and "12 sequences" in stdout, err
