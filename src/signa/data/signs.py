"""Isolated-sign data: the sign dataset of a prepared store (several augmented views a sample), its
collation, and the label map that names the classes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from signa.data.augment.signs import SignsAugmentConfig, build_signs_augment, mix_face
from signa.data.collate import pad_collate
from signa.data.preprocess_signs import SignPreprocessor

LABEL_MAP_FILE = "sign_to_prediction_index_map.json"


@dataclass(frozen=True)
class SignsData:
    """The isolated-sign keys of an experiment's ``data`` section: ``labels``, the label map file
    (default: the one beside the training data, or the checkpoint's)."""

    labels: str | None = None


def label_map_beside(store_or_root: Path) -> Path | None:
    candidate = store_or_root / LABEL_MAP_FILE
    return candidate if candidate.is_file() else None


class SignSequences(Dataset):
    """Sequences of a prepared store as model input, optionally augmented into several views.

    A sample is ``{"points": [(L, 100, 3)] * views, "label", "sequence_id"}``: standardised, strided
    points (see :class:`SignPreprocessor`) with missing points at 0. Training samples are augmented
    with random numbers from the global torch RNG (seeded per sample by the loop).
    """

    def __init__(self, store, rows: list[int], labels: np.ndarray, max_len: int, augment=None, views=1):
        self.store, self.rows, self.labels = store, rows, labels
        self.preprocess = SignPreprocessor(max_len)
        self.augment: SignsAugmentConfig | None = augment
        self.views = views
        self.strong = True  # the strong augmentation phase; see SignsTask.epoch_indices
        self._pipelines = {}
        if augment is not None:
            self._pipelines = {s: build_signs_augment(augment, s) for s in (True, False)}
        self._donors = self._donors_by_sign() if augment is not None else {}

    def __len__(self) -> int:
        return len(self.rows)

    def _donors_by_sign(self) -> dict[int, list[int]]:
        by_sign: dict[int, list[int]] = {}
        for position, label in enumerate(self.labels):
            by_sign.setdefault(int(label), []).append(position)
        return by_sign

    def sequence(self, position: int) -> torch.Tensor:
        """(L, 100, 3) preprocessed points of sample ``position``."""
        raw = torch.from_numpy(self.store.select(self.rows[position]))
        points, mask = self.preprocess(raw)
        return points[: int(mask.sum())]  # real frames come first

    def signer(self, position: int) -> str:
        return str(self.store.index[self.rows[position]].get("participant_id", ""))

    def __getitem__(self, position: int) -> dict[str, Any]:
        base = self.sequence(position)
        views = [self._augmented(base, position) for _ in range(self.views)] if self.augment else [base]
        row = self.store.index[self.rows[position]]
        return {"points": views, "label": int(self.labels[position]), "sequence_id": str(row["sequence_id"])}

    def _augmented(self, x: torch.Tensor, position: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(int(torch.randint(2**62, ())))
        config = self.augment
        if self.strong and torch.rand((), generator=generator) < config.mix_face_p:
            donor = self._face_donor(position, generator)
            if donor is not None:
                x = mix_face(x, self.sequence(donor))
        return self._pipelines[self.strong](x, generator)

    def _face_donor(self, position: int, generator: torch.Generator) -> int | None:
        """Another signer's sample of the same sign, or None."""
        signer = self.signer(position)
        candidates = [p for p in self._donors[int(self.labels[position])] if self.signer(p) != signer]
        if not candidates:
            return None
        return candidates[int(torch.randint(len(candidates), (), generator=generator))]


def collate_views(samples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
    """``points`` (V, B, T, 100, 3), ``mask`` (V, B, T), ``label`` (B,), ``sequence_id`` list of B."""
    n_views = len(samples[0]["points"])
    flat = [sample["points"][v] for v in range(n_views) for sample in samples]
    points, mask = pad_collate(flat)
    return {
        "points": points.unflatten(0, (n_views, len(samples))),
        "mask": mask.unflatten(0, (n_views, len(samples))),
        "label": torch.tensor([s["label"] for s in samples]),
        "sequence_id": [s["sequence_id"] for s in samples],
    }
