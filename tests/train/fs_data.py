"""A small synthetic fingerspelling set in the Kaggle wide layout (shapes and plumbing only)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from signa.data.writers import write_kaggle_wide

TINY_MODEL = (
    "model.dim=32",
    "model.max_len=48",
    "model.stem.channels=4",
    "model.encoder.layers=1",
    "model.encoder.conv_kernel=5",
    "model.decoder.layers=1",
    "model.decoder.ffn_dim=32",
)
WORDS = ["hello", "kaggle", "1-800 abc", "www.signa.org", "42 main st", "zoo"]


def write_fingerspelling_set(
    root: Path, signers: int = 4, per_signer: int = 4, supplemental: int = 2, seed=0
):
    """Write ``train.csv`` (+ ``supplemental_metadata.csv``) and their wide parquet files."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    tables = {"train": [], "supplemental": []}
    for table, count in (("train", per_signer), ("supplemental", supplemental)):
        if count == 0:
            continue
        sequences = {}
        for signer in range(signers):
            for k in range(count):
                sequence_id = 1000 * (table == "supplemental") + 100 * signer + k
                phrase = WORDS[(signer + k) % len(WORDS)] if table == "train" else WORDS[k % 2]
                frames = rng.normal(0.5, 0.1, size=(int(rng.integers(12, 40)), 543, 3)).astype(np.float32)
                frames[:, 468:489] = np.nan  # no left hand
                sequences[sequence_id] = frames
                tables[table].append((f"{table}_landmarks/7.parquet", 7, sequence_id, 10 + signer, phrase))
        write_kaggle_wide(root / f"{table}_landmarks" / "7.parquet", sequences)
    names = {"train": "train.csv", "supplemental": "supplemental_metadata.csv"}
    for table, rows in tables.items():
        if not rows:
            continue
        with (root / names[table]).open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["path", "file_id", "sequence_id", "participant_id", "phrase"])
            writer.writerows(rows)
    return root
