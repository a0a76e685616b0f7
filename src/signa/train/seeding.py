"""Seeding: the data of a run is a function of its seed, whatever the number of loader workers.

The loop draws one seed per sample from (seed, epoch, position); :class:`SeededSamples` seeds python,
numpy and torch with it before the sample is made, so a resumed run sees exactly the samples an
uninterrupted one would.
"""

from __future__ import annotations

import contextlib
import random

import numpy as np
import torch
from torch.utils.data import Dataset


@contextlib.contextmanager
def seeded(seed: int):
    """Seed python, numpy and torch (CPU) inside the block.

    In the main process their states come back afterwards, so training's own randomness (dropout,
    masking) is untouched; a data-loader worker skips that (about 0.5 ms a sample), its global
    states matter to nobody.
    """
    if torch.utils.data.get_worker_info() is not None:
        seed_all(seed)
        yield
        return
    python_state, numpy_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        seed_all(seed)
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.default_generator.manual_seed(seed)  # torch.manual_seed also seeds every accelerator: slower


class SeededSamples(Dataset):
    """Wraps a training set: item ``(index, seed)`` is sample ``index`` drawn under ``seed``."""

    def __init__(self, dataset: Dataset):
        self.dataset = dataset

    def __getitem__(self, key: tuple[int, int]):
        index, seed = key
        with seeded(seed):
            return self.dataset[index]


def seed_everything(seed: int) -> None:
    """Seed every generator, accelerators included (model initialisation, dropout)."""
    seed_all(seed)
    torch.manual_seed(seed)
