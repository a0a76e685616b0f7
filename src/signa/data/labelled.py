"""Isolated-sign data sets given as folders named by label: ``ROOT/<sign>/<sequence>``.

Many keypoint data sets (``MP_Data``, MSL-150's ``sample_npy``) have no table: each sign is a folder
and each sequence in it is a landmark file (``.parquet``, ``.pose``, ``.npy``) or a folder of
numbered ``.npy`` frames. :func:`labelled_rows` lists such a folder as the rows of a Kaggle
``train.csv`` so that ``signa data prepare`` and ``signa train`` read it like any other data set.

Such folders name no signers, so every row gets the participant id ``unknown``: folds grouped by
signer cannot be made from them, and ``signa train`` then needs ``--fold -1`` (train on all) or
``data.valid``. A data set with several signers should come as a ``train.csv`` with
``participant_id``, so that validation holds out signers never seen in training.
"""

from __future__ import annotations

from pathlib import Path

from signa.data.readers import landmark_items
from signa.errors import SignaError
from signa.files import write_json_atomic

UNKNOWN_SIGNER = "unknown"
LABEL_MAP_FILE = "sign_to_prediction_index_map.json"


def is_labelled_folder(root: Path, tables: list[str]) -> bool:
    """A folder holding none of the csv ``tables`` is read as sign folders."""
    return root.is_dir() and not any((root / name).is_file() for name in tables)


def labelled_rows(root: str | Path) -> list[dict[str, str]]:
    """``path, participant_id, sequence_id, sign`` rows of every sequence under ``root/<sign>/``.

    ``sequence_id`` is ``<sign>/<sequence path inside the sign folder>``, unique in the data set.
    """
    root = Path(root)
    labels = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    rows = []
    for label_folder in labels:
        for item in landmark_items(label_folder):
            inside = item.relative_to(label_folder).with_suffix("").as_posix()
            rows.append(
                {
                    "path": item.relative_to(root).as_posix(),
                    "participant_id": UNKNOWN_SIGNER,
                    "sequence_id": f"{label_folder.name}/{inside}",
                    "sign": label_folder.name,
                }
            )
    if not rows:  # named as the missing table, the usual case
        raise SignaError(
            "no such file, and no sign folders (<sign>/<sequence>) with landmark files beside it",
            root / "train.csv",
        )
    return rows


def label_mapping(rows: list[dict[str, str]]) -> dict[str, int]:
    """Sign names in sorted order -> class ids 0..n-1."""
    return {sign: i for i, sign in enumerate(sorted({row["sign"] for row in rows}))}


def write_label_map(folder: Path, rows: list[dict[str, str]]) -> None:
    """``sign_to_prediction_index_map.json`` of ``rows`` in ``folder`` (the prepared store's)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomic(folder / LABEL_MAP_FILE, label_mapping(rows))
