"""Sequences per second from Kaggle-layout parquet to model-ready tensors: prepared cache vs pandas.

Usage:
    .venv/bin/python benchmarks/run.py data_pipeline     # or: make bench

Two datasets, each measured both ways in one run:

* ``signs`` — the real asl-signs files of the data kit (126 sequences, Kaggle long format), read the
  naive way (``pd.read_parquet`` per file, reshape by row order to (T, 543, 3), pick the 100 points
  of ``signs-100``) and from the prepared cache (``PreparedStore.select``).
* ``fingerspelling (synthetic arrangement)`` — the same real sequences repeated into one wide
  multi-sequence parquet laid out as asl-fingerspelling (FORMAT.md). The naive way reads each sequence
  with ``pd.read_parquet(filters=[("sequence_id", "=", id)])`` as FORMAT.md suggests, then picks the
  130 columns; the cache reads ``store[i]``.

Between the two, SIGNA's readers without a cache (``read_kaggle_long``; ``read_kaggle_wide`` reading only
the 130 points' columns and the sequence's row groups) show what the readers alone gain.

Model-ready tensor: float32 ``torch.Tensor`` (T, K, 3) of the selected points. Preparation time is
reported separately (it is paid once). Peak memory: the peak allocated while producing 20 tensors each
way (Python/numpy by tracemalloc plus Arrow by a proxy pool, on a separate pass so it does not slow the
timed one), and the peak RSS of the whole process (which includes writing the synthetic wide file).
"""

from __future__ import annotations

import resource
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import torch

from signa.data.cache import prepare_dataset
from signa.data.layout import FINGERSPELLING_130, N_LANDMARKS, SIGNS_100, wide_columns
from signa.data.readers import read_csv_table, read_kaggle_long, read_kaggle_wide
from signa.data.writers import write_kaggle_wide

REPO = Path(__file__).resolve().parents[1]
KIT = REPO.parent / "shared" / "data" / "asl-signs"
SAMPLE = REPO / "samples" / "asl-signs"
WIDE_REPEATS = 4  # 126 real sequences x 4 = 504 sequences in one wide file
ROWS_PER_GROUP = 2048
NAIVE_WIDE_SAMPLE = 40  # the naive wide read is slow; time this many sequences


def naive_long(path: Path) -> torch.Tensor:
    """The Kaggle-notebook way: whole file into pandas, reshape by row order, pick the points."""
    frame = pd.read_parquet(path, columns=["x", "y", "z"])
    landmarks = frame.to_numpy(np.float32).reshape(-1, N_LANDMARKS, 3)
    return torch.from_numpy(SIGNS_100.apply(landmarks))


def naive_wide(path: Path, sequence_id: int) -> torch.Tensor:
    """Read one sequence with a pandas filter (every column), sort by frame, pick the 130 points."""
    frame = pd.read_parquet(path, filters=[("sequence_id", "=", sequence_id)]).sort_values("frame")
    values = frame[wide_columns(FINGERSPELLING_130.plain_positions)].to_numpy(np.float32)
    return torch.from_numpy(values.reshape(len(values), 3, -1).transpose(0, 2, 1).copy())


def timed(function, items) -> tuple[float, int]:
    """(sequences per second, frames) of ``function`` over ``items``."""
    start = time.perf_counter()
    frames = sum(len(function(item)) for item in items)
    return len(items) / (time.perf_counter() - start), frames


def peak_mib(function, items) -> float:
    """Peak memory allocated while producing ``items`` (results kept alive, as a batch would be), MiB.

    Python and numpy allocations are traced with tracemalloc; Arrow allocates outside it, so its
    buffers are counted by a proxy memory pool set for the pass. The two peaks are added (an upper
    bound when they do not coincide).
    """
    arrow_pool = pa.proxy_memory_pool(pa.default_memory_pool())
    previous = pa.default_memory_pool()
    pa.set_memory_pool(arrow_pool)
    tracemalloc.start()
    try:
        results = [function(item) for item in items]
        python_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        pa.set_memory_pool(previous)
    del results
    return round((python_peak + arrow_pool.max_memory()) / 2**20, 1)


def compare(name: str, naive, reader, naive_items, store, repeats: int) -> dict:
    """Time pandas, SIGNA's reader without a cache, and the prepared cache on the same sequences."""

    def cached(i):
        return torch.from_numpy(store.select(i))

    store_items = list(range(len(store))) * repeats
    naive_rate, _ = timed(naive, naive_items)
    reader_rate, _ = timed(reader, naive_items)
    cache_rate, _ = timed(cached, store_items)
    result = {
        "naive_seq_per_s": round(naive_rate, 1),
        "reader_seq_per_s": round(reader_rate, 1),
        "cache_seq_per_s": round(cache_rate, 1),
        "ratio": round(cache_rate / naive_rate, 1),
        "naive_peak_mib": peak_mib(naive, naive_items[:20]),
        "cache_peak_mib": peak_mib(cached, list(range(20))),
    }
    print(
        f"{name}: pandas {result['naive_seq_per_s']} seq/s, reader {result['reader_seq_per_s']} seq/s, "
        f"cache {result['cache_seq_per_s']} seq/s, "
        f"ratio {result['ratio']}x; peak {result['naive_peak_mib']} MiB vs {result['cache_peak_mib']} MiB"
    )
    return result


def bench_signs(root: Path, work: Path) -> dict:
    rows = read_csv_table(root / "train.csv", ("path", "sequence_id"))
    paths = [root / r["path"] for r in rows]
    start = time.perf_counter()
    store = prepare_dataset(root, work / "signs", dtype="float16", progress=False)
    prepare_s = time.perf_counter() - start

    def reader(path):
        return torch.from_numpy(SIGNS_100.apply(read_kaggle_long(path).landmarks))

    result = compare("signs (real asl-signs)", naive_long, reader, paths, store, repeats=20)
    return {"sequences": len(rows), "prepare_s": round(prepare_s, 2), **result}


def build_wide(root: Path, work: Path) -> Path:
    """Synthetic arrangement of real data: the asl-signs sequences repeated into one wide file."""
    rows = read_csv_table(root / "train.csv", ("path", "sequence_id", "participant_id", "sign"))
    sequences, table = {}, ["path,file_id,sequence_id,participant_id,phrase"]
    for repeat in range(WIDE_REPEATS):
        for row in rows:
            sid = int(row["sequence_id"]) * 10 + repeat
            sequences[sid] = read_kaggle_long(root / row["path"]).landmarks
            table.append(f"train_landmarks/1.parquet,1,{sid},{row['participant_id']},{row['sign']}")
    fs_root = work / "fingerspelling"
    write_kaggle_wide(fs_root / "train_landmarks/1.parquet", dict(sorted(sequences.items())), ROWS_PER_GROUP)
    (fs_root / "train.csv").write_text("\n".join(table) + "\n")
    return fs_root


def bench_fingerspelling(root: Path, work: Path) -> dict:
    fs_root = build_wide(root, work)
    ids = [int(r["sequence_id"]) for r in read_csv_table(fs_root / "train.csv", ("sequence_id",))]
    path = fs_root / "train_landmarks/1.parquet"
    start = time.perf_counter()
    store = prepare_dataset(fs_root, work / "fs", dtype="float16", progress=False)
    prepare_s = time.perf_counter() - start
    sample = ids[:: max(1, len(ids) // NAIVE_WIDE_SAMPLE)]

    def naive(sid):
        return naive_wide(path, sid)

    def reader(sid):
        (sequence,) = read_kaggle_wide(path, [sid], positions=FINGERSPELLING_130.plain_positions)
        return torch.from_numpy(FINGERSPELLING_130.apply(sequence.landmarks))

    result = compare(
        "fingerspelling (synthetic wide file of real sequences)", naive, reader, sample, store, repeats=5
    )
    return {"sequences": len(ids), "synthetic": True, "prepare_s": round(prepare_s, 2), **result}


def main() -> dict:
    root = KIT if (KIT / "train.csv").is_file() else SAMPLE
    print(f"data: {root}")
    work = Path(tempfile.mkdtemp(prefix="signa-bench-"))
    try:
        results = {"data": str(root), "signs": bench_signs(root, work)}
        results["fingerspelling"] = bench_fingerspelling(root, work)
    finally:
        shutil.rmtree(work)
    results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"peak RSS of the whole run: {results['peak_rss_mib']} MiB")
    return results


if __name__ == "__main__":
    main()
