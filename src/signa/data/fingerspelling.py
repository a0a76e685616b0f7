"""Fingerspelling data: the phrase dataset of a prepared store, its collation, and the row kinds.

A row whose ``path`` starts with ``supplemental`` is a supplemental row (Kaggle's
``supplemental_metadata.csv``); ``signa oof`` tables give rows their confidence targets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch.utils.data import Dataset

from signa.data.augment.fingerspelling import outer_cutmix
from signa.data.collate import pad_collate
from signa.data.preprocess import interpolate_or_pad, normalise
from signa.data.readers import read_csv_table
from signa.data.targets import backward_target, check_phrase_length, forward_target
from signa.data.vocab import Vocabulary

SUPPLEMENTAL_SCORE = 0.5
TABLES = ("train.csv", "supplemental_metadata.csv")


@dataclass(frozen=True)
class FingerspellingData:
    """The fingerspelling keys of an experiment's ``data`` section.

    ``vocab``: ``kaggle`` or a character map file. ``supplemental``: train on the supplemental rows
    too. ``min_seq_len``: shorter rows are left out of training. ``oof``: the ``signa oof`` table
    that gives the confidence targets. ``fold_by``: the folds group rows by ``signer`` (FS1) or by
    ``phrase`` (the 0.677 solution, SOLUTIONS.md §7.1: a phrase is in one fold only).
    """

    vocab: str = "kaggle"
    supplemental: bool = True
    min_seq_len: int = 0
    oof: str | None = None
    fold_by: Literal["signer", "phrase"] = "signer"


@dataclass(frozen=True)
class PhraseLengths:
    """The model's limits: frames after resampling (``max_len``), decoder positions (``max_phrase``)."""

    max_len: int
    max_phrase: int


def is_supplemental(row: dict) -> bool:
    return str(row.get("path", "")).startswith("supplemental")


def read_oof_scores(path: str | Path) -> dict[str, float]:
    """``sequence_id -> score`` of an out-of-fold table written by ``signa oof``."""
    return {row["sequence_id"]: float(row["score"]) for row in read_csv_table(path, ("sequence_id", "score"))}


def phrase_source(origin: Path, row: dict) -> Path:
    """The file a row's phrase comes from, for error messages: its csv, or the store's index."""
    if (origin / "index.json").is_file():
        return origin / "index.json"
    return origin / TABLES[1 if is_supplemental(row) else 0]


class PhraseSequences(Dataset):
    """Rows of a prepared store as model inputs; with ``training``, with targets and augmented.

    A sample is ``{"points": (L, K, 3), "score": float, "sequence_id", "phrase", "frames"}`` with
    L ≤ max_len, plus ``"target"`` and ``"backward"`` (max_phrase,) in training. ``origin`` is the
    folder the user named (errors name its csv). ``augment`` is the augmentation pipeline
    (:func:`~signa.data.augment.fingerspelling.build_fingerspelling_augment`), applied after a
    same-signer outer CutMix with probability ``cutmix_p``.
    """

    def __init__(
        self,
        store,
        origin: Path,
        rows: list[int],
        scores: np.ndarray,
        vocab: Vocabulary,
        lengths: PhraseLengths,
        augment: Callable | None = None,
        cutmix_p: float = 0.0,
        training: bool = False,
    ):
        self.store, self.rows, self.scores, self.training = store, rows, scores, training
        self.vocab, self.lengths = vocab, lengths
        self.augment = augment
        self.cutmix_p = cutmix_p if augment is not None else 0.0
        self.ids = []
        for r in rows:
            source = phrase_source(Path(origin), store.index[r])
            self.ids.append(self.vocab.encode(store.index[r]["phrase"], source))
            if training:
                check_phrase_length(self.ids[-1], lengths.max_phrase, source)
        self._partners = self._same_signer_rows()

    def __len__(self) -> int:
        return len(self.rows)

    def _same_signer_rows(self) -> list[list[int]]:
        by_signer: dict[str, list[int]] = {}
        for position, row in enumerate(self.rows):
            by_signer.setdefault(str(self.store.index[row].get("participant_id")), []).append(position)
        return [by_signer[str(self.store.index[row].get("participant_id"))] for row in self.rows]

    def points(self, position: int) -> torch.Tensor:
        """(T, K, 3) globally normalised points of a sample, missing at 0."""
        return normalise(torch.from_numpy(self.store.select(self.rows[position])))

    def __getitem__(self, position: int) -> dict[str, Any]:
        x, ids, score = self.points(position), self.ids[position], float(self.scores[position])
        if self.augment is not None:
            generator = torch.Generator().manual_seed(torch.initial_seed())  # seeded per sample by the loop
            x, ids, score = self._maybe_cutmix(x, ids, score, position, generator)
            x = self.augment(x, generator)
            ids = ids[: self.lengths.max_phrase - 1]
        x, _ = interpolate_or_pad(x, self.lengths.max_len, pad=False)
        row = self.store.index[self.rows[position]]
        sample = {
            "points": x,
            "score": min(max(score, 0.0), 1.0),
            "sequence_id": str(row["sequence_id"]),
            "phrase": row["phrase"],
            "frames": int(row["frames"]),
        }
        if self.training:
            sample["target"] = forward_target(ids, self.vocab, self.lengths.max_phrase)
            sample["backward"] = backward_target(ids, self.vocab, self.lengths.max_phrase)
        return sample

    def _maybe_cutmix(self, x, ids, score, position, generator):
        partners = [p for p in self._partners[position] if p != position]
        if not partners or float(torch.rand((), generator=generator)) >= self.cutmix_p:
            return x, ids, score
        other = partners[int(torch.randint(len(partners), (), generator=generator))]
        return outer_cutmix(
            x, ids, score, self.points(other), self.ids[other], float(self.scores[other]), generator
        )


def collate_phrases(samples: list[dict[str, Any]]) -> dict[str, Any]:
    points, mask = pad_collate([s["points"] for s in samples])
    batch = {"points": points, "mask": mask}
    for key in ("target", "backward"):
        if key in samples[0]:
            batch[key] = torch.stack([s[key] for s in samples])
    batch["score"] = torch.tensor([s["score"] for s in samples], dtype=torch.float32)
    batch["frames"] = torch.tensor([s["frames"] for s in samples])
    batch["sequence_id"] = [s["sequence_id"] for s in samples]
    batch["phrase"] = [s["phrase"] for s in samples]
    return batch
