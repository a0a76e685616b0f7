"""The model checkpoint: a folder with ``model.safetensors`` and ``config.json``.

``config.json`` holds the architecture name, its config and everything a runtime needs to use the
model (vocabulary or label map, landmark selection, the experiment config), so a checkpoint alone
rebuilds its model. Training state for resuming lives beside it in ``train_state.pt``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import safetensors.torch
from torch import nn

from signa.bundled import resolve_model, shadow_hint
from signa.config import to_dict
from signa.errors import SignaError
from signa.files import atomic_path, write_json_atomic
from signa.models.registry import build_model
from signa.version import __version__

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


def save_model(directory: str | Path, model: nn.Module, meta: dict[str, Any] | None = None) -> Path:
    """Write weights and config atomically into ``directory``; returns the folder."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    with atomic_path(directory / WEIGHTS_FILE) as tmp:
        _save_safetensors(state, tmp)
    config = {
        "signa_version": __version__,
        "arch": model.arch,
        "model": to_dict(model.config),
        **(meta or {}),
    }
    write_json_atomic(directory / CONFIG_FILE, config)
    return directory


def _save_safetensors(state: dict, path: Path) -> None:
    """``safetensors.torch.save_file``, its I/O failures raised as the OSError they are."""
    try:
        safetensors.torch.save_file(state, str(path))
    except safetensors.SafetensorError as err:
        code = re.search(r"os error (\d+)", str(err))
        if code is None:
            raise
        number = int(code.group(1))
        raise OSError(number, os.strerror(number), str(path)) from None


def checkpoint_folder(path: str | Path) -> Path:
    """The checkpoint folder of ``path``: a checkpoint folder, its weights file, or a run folder."""
    asked, path = path, resolve_model(path)
    if path.is_file() and path.name in (WEIGHTS_FILE, CONFIG_FILE):
        path = path.parent
    if (path / "checkpoint" / CONFIG_FILE).is_file():
        path = path / "checkpoint"
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if not (path / name).is_file():
            raise SignaError(f"not a SIGNA checkpoint: {name} is missing{shadow_hint(asked)}", path)
    return path


def read_checkpoint_config(path: str | Path) -> dict[str, Any]:
    folder = checkpoint_folder(path)
    try:
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SignaError(f"corrupt checkpoint config: {err}", folder / CONFIG_FILE) from None
    if not isinstance(config, dict) or "arch" not in config or "model" not in config:
        raise SignaError("corrupt checkpoint config: 'arch' or 'model' is missing", folder / CONFIG_FILE)
    return config


def load_weights(path: Path) -> dict:
    """The tensors of a weights file; a damaged or truncated one is one clear error."""
    try:
        return safetensors.torch.load_file(str(path))
    except Exception as err:  # safetensors raises several types for a damaged file
        raise SignaError(f"corrupt checkpoint weights ({type(err).__name__}: {err})", path) from None


def load_model(path: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the model of a checkpoint in eval mode; returns (model, config)."""
    folder = checkpoint_folder(path)
    config = read_checkpoint_config(folder)
    model = build_model(config["arch"], config["model"], folder / CONFIG_FILE)
    weights = folder / WEIGHTS_FILE
    state = load_weights(weights)
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as err:  # shape mismatches
        raise SignaError(
            f"weights do not fit architecture {config['arch']!r}: {str(err).splitlines()[-1].strip()}",
            weights,
        ) from None
    if missing or unexpected:
        raise SignaError(
            f"weights do not fit architecture {config['arch']!r}: "
            f"{len(missing)} missing, {len(unexpected)} unexpected (e.g. {(missing or unexpected)[0]})",
            weights,
        )
    model.eval()
    return model, config
