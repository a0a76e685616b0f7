"""Data fixtures built from the real kit: the asl-signs folder and a fingerspelling-layout copy of it.

No asl-fingerspelling landmarks are public in the kit, so ``fingerspelling_root`` writes the real
asl-signs sequences into the exact asl-fingerspelling layout of ``fingerspelling-format/FORMAT.md``:
``train.csv`` with ``path,file_id,sequence_id,participant_id,phrase`` and wide parquet files holding
many sequences each, sorted by ``sequence_id``, in several row groups. The phrases are the signs' glosses.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from signa.data.readers import read_csv_table, read_kaggle_long
from signa.data.writers import write_kaggle_wide

FS_FILES = (1000, 1001)
FS_ROWS_PER_GROUP = 256


@pytest.fixture(scope="session")
def asl_signs(shared_data) -> Path:
    return shared_data / "asl-signs"


@pytest.fixture(scope="session")
def asl_signs_sequences(asl_signs) -> dict[str, tuple[dict, object]]:
    """{sequence_id: (train.csv row, LandmarkSequence)} of all 126 real asl-signs sequences."""
    rows = read_csv_table(asl_signs / "train.csv", ("path", "sequence_id"))
    return {r["sequence_id"]: (r, read_kaggle_long(asl_signs / r["path"], r["sequence_id"])) for r in rows}


@pytest.fixture(scope="session")
def fingerspelling_root(asl_signs_sequences, tmp_path_factory) -> Path:
    """A Kaggle asl-fingerspelling layout folder holding the real asl-signs sequences."""
    root = tmp_path_factory.mktemp("fingerspelling")
    ids = sorted(asl_signs_sequences, key=int)
    halves = (ids[: len(ids) * 2 // 3], ids[len(ids) * 2 // 3 :])
    table = []
    for file_id, chunk in zip(FS_FILES, halves, strict=True):
        path = f"train_landmarks/{file_id}.parquet"
        sequences = {int(s): asl_signs_sequences[s][1].landmarks for s in chunk}
        write_kaggle_wide(root / path, sequences, rows_per_group=FS_ROWS_PER_GROUP)
        for sid in chunk:
            row = asl_signs_sequences[sid][0]
            table.append([path, file_id, sid, row["participant_id"], row["sign"]])
    with open(root / "train.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "file_id", "sequence_id", "participant_id", "phrase"])
        writer.writerows(table)
    return root
