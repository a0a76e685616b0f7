"""The prepared cache on real data: exact round trips, float16, interrupt and resume, parallel workers."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from signa.data import cache
from signa.data.cache import PreparedStore, prepare_dataset
from signa.data.collate import pad_collate
from signa.data.layout import FINGERSPELLING_130, SIGNS_100, Selection
from signa.errors import SignaError


def linked_landmarks(fingerspelling_root, root):
    """A new dataset folder whose landmark files link to the fixture's (write its csv yourself)."""
    (root / "train_landmarks").mkdir(parents=True)
    for source in (fingerspelling_root / "train_landmarks").glob("*.parquet"):
        (root / "train_landmarks" / source.name).symlink_to(source)
    return root


@pytest.fixture(scope="module")
def signs_store(asl_signs, tmp_path_factory) -> PreparedStore:
    return prepare_dataset(asl_signs, tmp_path_factory.mktemp("signs"), dtype="float32", progress=False)


@pytest.fixture(scope="module")
def fs_store(fingerspelling_root, tmp_path_factory) -> PreparedStore:
    out = tmp_path_factory.mktemp("fs")
    return prepare_dataset(fingerspelling_root, out, task="fingerspelling", dtype="float32", progress=False)


def test_signs_store_is_exact(signs_store, asl_signs_sequences):
    assert signs_store.task == "signs" and signs_store.selection is SIGNS_100
    assert len(signs_store) == 126
    np.testing.assert_array_equal(signs_store.positions, SIGNS_100.source_positions)
    assert sorted(signs_store.landmarks.shape) == sorted((3315, len(SIGNS_100.source_positions), 3))
    for i, row in enumerate(signs_store.index):
        real = asl_signs_sequences[row["sequence_id"]]
        assert row["sign"] == real[0]["sign"] and row["participant_id"] == real[0]["participant_id"]
        assert row["path"] == real[0]["path"] and row["frames"] == real[1].frames
        np.testing.assert_array_equal(signs_store[i], real[1].landmarks[:, signs_store.positions])


def test_signs_select_averages_only_each_points_sources(signs_store, asl_signs_sequences):
    """Averaged face points stay finite while a hand is missing (a matrix product would spread NaN)."""
    i = next(i for i, r in enumerate(signs_store.index) if r["sequence_id"] == "1033181756")
    selected = signs_store.select(i)  # (T, 100, 3)
    assert selected.shape == (signs_store.index[i]["frames"], 100, 3)
    full = asl_signs_sequences["1033181756"][1].landmarks
    for k, sources in enumerate(SIGNS_100.sources):
        np.testing.assert_allclose(selected[:, k], full[:, list(sources)].mean(axis=1), rtol=1e-6)
    assert np.isnan(selected[:, SIGNS_100.part_indices(1)]).all()  # left hand absent throughout
    assert not np.isnan(selected[:, -5:]).any()


def test_fingerspelling_round_trip_long_wide_cache_is_exact(fs_store, asl_signs_sequences):
    assert fs_store.task == "fingerspelling" and fs_store.selection is FINGERSPELLING_130
    assert fs_store.landmarks.shape[1:] == (130, 3)
    assert len(fs_store) == 126
    for i, row in enumerate(fs_store.index):
        real = asl_signs_sequences[row["sequence_id"]]
        assert row["phrase"] == real[0]["sign"] and row["file_id"] in ("1000", "1001")
        np.testing.assert_array_equal(fs_store[i], FINGERSPELLING_130.apply(real[1].landmarks))
        np.testing.assert_array_equal(fs_store.select(i), fs_store[i])
    assert {r["all_missing"] for r in fs_store.index} == {False}


def test_float16_store(asl_signs, signs_store, tmp_path):
    half = prepare_dataset(asl_signs, tmp_path, dtype="float16", progress=False)
    assert half.landmarks.dtype == np.float16 and half[0].dtype == np.float32
    assert (tmp_path / "landmarks.npy").stat().st_size < 0.6 * signs_store.landmarks.nbytes
    for i in (0, 50, 125):
        np.testing.assert_array_equal(np.isnan(half[i]), np.isnan(signs_store[i]))
        np.testing.assert_allclose(half[i], signs_store[i], atol=2e-3, rtol=1e-3)


def test_interrupt_and_resume(asl_signs, signs_store, tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "LONG_FILES_PER_UNIT", 16)  # 126 files -> 8 units
    done = []
    real_call = cache._UnitJob.__call__

    def interrupted(self, unit):
        if len(done) == 3:
            raise KeyboardInterrupt
        done.append(unit.number)
        return real_call(self, unit)

    monkeypatch.setattr(cache._UnitJob, "__call__", interrupted)
    with pytest.raises(KeyboardInterrupt):
        prepare_dataset(asl_signs, tmp_path, dtype="float32", progress=False)
    assert sorted(p.name for p in (tmp_path / "shards").glob("*.json")) == [
        f"00000{i}.json" for i in range(3)
    ]
    assert not (tmp_path / "index.json").exists()
    (tmp_path / "shards" / "000003.bin").write_bytes(b"half-written")  # a shard without its json is redone

    def counted(self, unit):
        done.append(unit.number)
        return real_call(self, unit)

    monkeypatch.setattr(cache._UnitJob, "__call__", counted)
    store = prepare_dataset(asl_signs, tmp_path, dtype="float32", progress=False)
    assert done == list(range(8))  # the resumed run did units 3-7 only
    assert not (tmp_path / "shards").exists() and not (tmp_path / "plan.json").exists()
    assert store.index == signs_store.index
    np.testing.assert_array_equal(store.landmarks, signs_store.landmarks)


def test_interrupted_preparation_with_other_options_restarts(asl_signs, tmp_path, monkeypatch, capsys):
    real_call = cache._UnitJob.__call__

    def stop_after_one(self, unit):
        if unit.number == 1:
            raise KeyboardInterrupt
        return real_call(self, unit)

    monkeypatch.setattr(cache._UnitJob, "__call__", stop_after_one)
    with pytest.raises(KeyboardInterrupt):
        prepare_dataset(asl_signs, tmp_path, dtype="float32", progress=False)
    assert (tmp_path / "shards" / "000000.json").is_file()
    monkeypatch.setattr(cache._UnitJob, "__call__", real_call)
    store = prepare_dataset(asl_signs, tmp_path, dtype="float16", progress=False)
    assert "restarting an interrupted preparation (dtype float32 -> float16)" in capsys.readouterr().err
    assert store.dtype == "float16" and store.landmarks.dtype == np.float16


def test_parallel_workers_match_serial(fingerspelling_root, fs_store, tmp_path):
    store = prepare_dataset(fingerspelling_root, tmp_path, dtype="float32", workers=2, progress=False)
    assert store.index == fs_store.index
    np.testing.assert_array_equal(store.landmarks, fs_store.landmarks)


def test_finished_store_is_returned_as_is(signs_store, asl_signs):
    again = prepare_dataset(asl_signs, signs_store.path, dtype="float32", progress=False)
    assert again.index == signs_store.index


def test_index_file_is_plain_json(signs_store):
    header = json.loads((signs_store.path / "index.json").read_text())
    assert {"version", "task", "selection", "positions", "dtype", "rows"} <= header.keys()
    assert {"sequence_id", "participant_id", "sign", "path", "offset", "frames", "all_missing"} <= header[
        "rows"
    ][0].keys()


def test_task_mismatch_and_bad_csv(asl_signs, tmp_path):
    with pytest.raises(SignaError, match="describe a signs dataset, not fingerspelling"):
        prepare_dataset(asl_signs, tmp_path / "a", task="fingerspelling", progress=False)
    (tmp_path / "train.csv").write_text("path,sequence_id,label\nx.parquet,1,hello\n")
    with pytest.raises(SignaError, match="fit neither") as err:
        prepare_dataset(tmp_path, tmp_path / "b", progress=False)
    assert err.value.path == str(tmp_path / "train.csv")
    with pytest.raises(SignaError, match="dtype must be"):
        prepare_dataset(asl_signs, tmp_path / "c", dtype="int8", progress=False)
    with pytest.raises(SignaError, match="not a prepared store"):
        PreparedStore(tmp_path)


def test_csv_id_absent_from_wide_file(fingerspelling_root, tmp_path):
    root = linked_landmarks(fingerspelling_root, tmp_path / "root")
    text = (fingerspelling_root / "train.csv").read_text()
    (root / "train.csv").write_text(text + "train_landmarks/1001.parquet,1001,99,1,ghost\n")
    with pytest.raises(SignaError, match="99 listed in the csv are not in the file") as err:
        prepare_dataset(root, tmp_path / "out", progress=False)
    assert err.value.path == str(root / "train_landmarks/1001.parquet")


def test_pad_collate_on_store_items(fs_store):
    items = [torch.from_numpy(fs_store[i]) for i in (0, 1, 2)]
    batch, mask = pad_collate(items)
    lengths = [len(t) for t in items]
    assert batch.shape == (3, max(lengths), 130, 3) and mask.dtype == torch.bool
    assert mask.sum(dim=1).tolist() == lengths
    for row, item in enumerate(items):
        torch.testing.assert_close(batch[row, : len(item)], item, equal_nan=True)
        assert (batch[row, len(item) :] == 0).all()
    items[0][0] = 7.0  # store items are writable copies, never views of the memmap
    assert not (fs_store[0][0] == 7.0).any()
    with pytest.raises(ValueError):
        pad_collate([])


def test_select_keeps_selection_order_when_averaged_points_come_first(signs_store):
    store = PreparedStore(signs_store.path)
    a, b, c = (int(p) for p in store.positions[-3:])
    store.selection = Selection("test", sources=((a, b), (c,), (b,)), part_ids=(0, 0, 0), part_names={0: "x"})
    stored = store[7]
    expected = np.stack([stored[:, -3:-1].mean(axis=1), stored[:, -1], stored[:, -2]], axis=1)
    np.testing.assert_allclose(store.select(7), expected, rtol=1e-6)


def test_train_and_supplemental_tables(fingerspelling_root, fs_store, tmp_path):
    """Kaggle's two fingerspelling tables in one store: ``tables=(train.csv, supplemental_metadata.csv)``."""
    root = linked_landmarks(fingerspelling_root, tmp_path / "root")
    header, *lines = (fingerspelling_root / "train.csv").read_text().splitlines()
    train = [line for line in lines if "/1000." in line]
    supplemental = [line for line in lines if "/1001." in line]
    (root / "train.csv").write_text("\n".join([header, *train]) + "\n")
    (root / "supplemental_metadata.csv").write_text("\n".join([header, *supplemental]) + "\n")
    tables = ("train.csv", "supplemental_metadata.csv")
    store = prepare_dataset(root, tmp_path / "out", dtype="float32", tables=tables, progress=False)
    assert store.index == fs_store.index
    only_train = prepare_dataset(root, tmp_path / "train_only", dtype="float32", progress=False)
    assert len(only_train) == len(train)
