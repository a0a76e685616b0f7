"""The run folder's checkpoint: model, config and resume state, replaced as one unit.

A run folder holds::

    experiment.yaml        the typed experiment config of the run
    checkpoint/            model.safetensors + config.json (signa.models.checkpoint) + train_state.pt
    metrics.jsonl          one JSON object per log or evaluation
    tensorboard/           event files (when tensorboard is installed)

A new checkpoint is written completely into ``.checkpoint.new/`` and then swapped in with two renames
(the old one goes to ``.checkpoint.old/`` first: :func:`signa.files.swap_folder`), so a run killed at
any moment leaves one complete checkpoint, found by :func:`latest_checkpoint`.

``train_state.pt`` holds the weights of every module of the task (teachers included), the optimiser,
scheduler and gradient-scaler states, the EMA, the task's own state, the RNG states of python, numpy
and torch, and the position (epoch, micro-batch, optimiser step). It holds tensors and plain data
only, so it loads with ``weights_only=True``.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from signa.errors import SignaError
from signa.files import atomic_path, replaced_folder, restore_folder
from signa.models.checkpoint import save_model

CHECKPOINT_DIR = "checkpoint"
TRAIN_STATE_FILE = "train_state.pt"


def save_checkpoint(run_dir: Path, model: nn.Module, meta: dict[str, Any], train_state: dict) -> Path:
    """Write model, config and resume state, then swap them in as the run's checkpoint."""
    with replaced_folder(run_dir / CHECKPOINT_DIR) as new:  # a failed save leaves no half-made checkpoint
        save_model(new, model, meta)
        # through a file object: torch.save on a path turns a full disk into a RuntimeError
        with atomic_path(new / TRAIN_STATE_FILE) as tmp, tmp.open("wb") as handle:
            torch.save(train_state, handle)
    return run_dir / CHECKPOINT_DIR


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The run's last complete checkpoint folder, repairing a swap cut short by a kill."""
    current = run_dir / CHECKPOINT_DIR
    restore_folder(current)
    return current if (current / TRAIN_STATE_FILE).is_file() else None


def load_train_state(folder: Path) -> dict:
    path = folder / TRAIN_STATE_FILE
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for a damaged or foreign file
        raise SignaError(f"cannot read training state ({type(err).__name__}: {err})", path) from None


def load_module_state(module: nn.Module, state: dict, name: str, source: Path) -> None:
    """Load saved weights, refusing those of another architecture or size with a clear message."""
    try:
        module.load_state_dict(state)
    except RuntimeError as err:
        detail = next((line.strip() for line in str(err).splitlines()[1:] if line.strip()), str(err))
        raise SignaError(
            f"saved weights of {name!r} do not fit the configured model: {detail}", source
        ) from None


def rng_state() -> dict:
    state = {
        "python": random.getstate(),
        "numpy": _numpy_state_to_plain(np.random.get_state()),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(_as_python_state(state["python"]))
    np.random.set_state(_numpy_state_from_plain(state["numpy"]))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _numpy_state_to_plain(state: tuple) -> dict:
    name, keys, pos, has_gauss, cached = state
    return {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "rest": [pos, has_gauss, cached]}


def _numpy_state_from_plain(state: dict) -> tuple:
    return (state["name"], state["keys"].numpy().astype(np.uint32), *state["rest"])


def _as_python_state(state) -> tuple:
    """``random.setstate`` wants tuples; a saved state may come back with lists."""
    version, internal, gauss = state
    return version, tuple(internal), gauss
