"""Uniform model soup: the average of the weights of several checkpoints of one run (ISLR6 §5.4).

Usage::

    signa train configs/signs/islr6-len25.yaml --set train.keep_last=11   # keeps epochs/epoch-090 ... -100
    signa soup runs/islr6/epochs/epoch-0* --out runs/islr6/soup

The loop keeps the inference model of each of the last ``train.keep_last`` epochs in
``<run>/epochs/epoch-NNN/`` (:func:`keep_epoch_model`). :func:`uniform_soup` averages every floating
tensor (weights and BatchNorm running statistics) with equal weights; integer tensors (BatchNorm's
batch counter) come from the first checkpoint. All checkpoints must share architecture, model config
and everything a runtime reads (label map or vocabulary), or the soup would be meaningless.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from torch import nn

from signa.errors import SignaError
from signa.files import output_folder
from signa.models.checkpoint import (
    WEIGHTS_FILE,
    checkpoint_folder,
    load_model,
    load_weights,
    read_checkpoint_config,
    save_model,
)

EPOCHS_DIR = "epochs"
RUNTIME_KEYS = ("arch", "model", "task", "labels", "vocab", "selection")


def keep_epoch_model(
    run_dir: Path, model: nn.Module, meta: dict[str, Any], epoch: int, keep_last: int
) -> Path:
    """Save ``model`` as ``epochs/epoch-NNN`` (1-based) and delete all but the last ``keep_last``."""
    folder = save_model(run_dir / EPOCHS_DIR / f"epoch-{epoch:03d}", model, meta | {"epoch": epoch})
    kept = sorted((run_dir / EPOCHS_DIR).glob("epoch-*"))
    for old in kept[: max(len(kept) - keep_last, 0)]:
        shutil.rmtree(old, ignore_errors=True)
    return folder


def uniform_soup(checkpoints: Sequence[str | Path], out: str | Path) -> Path:
    """Average ``checkpoints`` uniformly into the checkpoint folder ``out``; returns it."""
    if len(checkpoints) < 2:
        raise SignaError("a soup needs at least two checkpoints", checkpoints[0] if checkpoints else None)
    folders = [checkpoint_folder(c) for c in checkpoints]
    configs = [read_checkpoint_config(f) for f in folders]
    for folder, config in zip(folders[1:], configs[1:], strict=True):
        for key in RUNTIME_KEYS:
            if config.get(key) != configs[0].get(key):
                raise SignaError(f"cannot mix checkpoints: '{key}' differs from {folders[0]}", folder)
    model, _ = load_model(folders[0])
    soup = {
        k: v.clone().double() if v.is_floating_point() else v.clone() for k, v in model.state_dict().items()
    }
    for folder in folders[1:]:
        state = load_weights(folder / WEIGHTS_FILE)
        for key, value in soup.items():
            if value.is_floating_point():
                value += state[key].double()
    dtypes = {k: v.dtype for k, v in model.state_dict().items()}
    averaged = {k: (v / len(folders)).to(dtypes[k]) if v.is_floating_point() else v for k, v in soup.items()}
    model.load_state_dict(averaged)
    meta = {k: v for k, v in configs[0].items() if k not in ("signa_version", "arch", "model", "epoch")}
    meta["soup"] = [str(f) for f in folders]
    with output_folder(out):
        return save_model(out, model, meta)
