"""The models bundled with SIGNA, and model names (``signa.load_model("lsm")``, ``signa translate lsm``).

Each bundled model is a checkpoint folder under ``signa/assets/models/<name>/`` (``model.safetensors``
+ ``config.json``, loadable like any checkpoint) with its model card: ``card.md`` for people and
``card.json`` for programs (task, label count, parameters, the headline metric, the data and its
licence). ``scripts/train_bundled.py NAME`` trains, evaluates and writes one; the recipe of each is
``configs/bundled/<name>.yaml``.

A leaf module: it imports no pipeline stage, so every stage can resolve a name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signa.errors import SignaError

MODELS_DIR = Path(__file__).resolve().parent / "assets" / "models"
CARD_JSON, CARD_MD = "card.json", "card.md"
FILES = ("model.safetensors", "config.json")
BUNDLE_FILES = (*FILES, CARD_JSON, CARD_MD)


@dataclass(frozen=True)
class BundledModel:
    """One bundled model: its folder and its machine-readable card."""

    name: str
    folder: Path

    @property
    def card_path(self) -> Path:
        return self.folder / CARD_MD

    @property
    def card(self) -> dict[str, Any]:
        """``card.json``: the figures of ``card.md``, as the tests and ``signa models`` read them."""
        path = self.folder / CARD_JSON
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            raise SignaError(f"unreadable model card: {err}", path) from None

    def size_bytes(self) -> int:
        """Bytes on disk of the checkpoint files (weights and config)."""
        return sum((self.folder / name).stat().st_size for name in FILES)

    def summary(self) -> dict[str, Any]:
        """The row of ``signa models``."""
        card = self.card
        headline = card["headline"]
        return {
            "name": self.name,
            "task": card["task"],
            "description": card["description"],
            "labels": card["labels"],
            "parameters": card["parameters"],
            "size_bytes": self.size_bytes(),
            "headline": {key: headline[key] for key in ("metric", "value", "std", "data") if key in headline},
            "card": str(self.card_path),
        }


def bundled_models() -> list[BundledModel]:
    """Every bundled model, by name: the complete bundles only.

    Hidden folders (``.lsm.new/``, ``.lsm.old/``: what an interrupted ``scripts/train_bundled.py``
    leaves) and folders that lack any of :data:`BUNDLE_FILES` are not models.
    """
    if not MODELS_DIR.is_dir():
        return []
    folders = sorted(p for p in MODELS_DIR.iterdir() if is_complete_bundle(p))
    return [BundledModel(folder.name, folder) for folder in folders]


def is_complete_bundle(folder: Path) -> bool:
    return not folder.name.startswith(".") and all((folder / name).is_file() for name in BUNDLE_FILES)


def bundled_model(name: str) -> BundledModel:
    """The bundled model called ``name``; an unknown name is one error listing the known ones."""
    for model in bundled_models():
        if model.name == name:
            return model
    raise SignaError(f"no bundled model of that name (known: {known_names()})", name)


def known_names() -> str:
    return ", ".join(model.name for model in bundled_models()) or "none"


def resolve_model(name_or_path: str | Path) -> Path:
    """The model folder or file to open: an existing path wins, then a bundled model's name.

    Anything else is one :class:`SignaError`: ``NAME: no such file or bundled model (known: ...)``.
    """
    path = Path(name_or_path)
    if path.exists():
        return path
    for model in bundled_models():
        if model.name == str(name_or_path):
            return model.folder
    raise SignaError(f"no such file or bundled model (known: {known_names()})", path)


def shadowed_model(name_or_path: str | Path) -> BundledModel | None:
    """The bundled model that ``name_or_path``, a bare name that exists here, hides; else None.

    :func:`resolve_model` lets an existing path win, so a folder ``lsm/`` in the working directory
    takes the place of the bundled ``lsm``; the error about that folder should say so.
    """
    path = Path(name_or_path)
    if path.is_absolute() or len(path.parts) != 1 or not path.exists():
        return None
    return next((model for model in bundled_models() if model.name == path.name), None)


def shadow_hint(name_or_path: str | Path) -> str:
    """``; a bundled model has this name ...`` for a path that hides one, else ``""``."""
    model = shadowed_model(name_or_path)
    if model is None:
        return ""
    return (
        f"; a bundled model has this name and this path hides it: rename the folder,"
        f" or give the bundled one's path ({model.folder})"
    )


def headline_text(headline: dict[str, Any]) -> str:
    """``accuracy 0.968 ± 0.042 (data)``: a card's headline, with its sample std where it has one."""
    std = f" ± {headline['std']:.3f}" if "std" in headline else ""
    return f"{headline['metric']} {headline['value']:.3f}{std} ({headline['data']})"


def render_models(rows: list[dict[str, Any]]) -> str:
    """The ``signa models`` table: one line per model, then where its card is."""
    header = ("name", "task", "labels", "parameters", "size", "headline metric")
    table = [header] + [
        (
            row["name"],
            row["task"],
            str(row["labels"]),
            f"{row['parameters']:,}",
            f"{row['size_bytes'] / 1e6:.2f} MB",
            headline_text(row["headline"]),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    padded = ([cell.ljust(w) for cell, w in zip(line[:-1], widths, strict=True)] for line in table)
    lines = ["  ".join([*cells, line[-1]]) for cells, line in zip(padded, table, strict=True)]
    lines += [f"{row['name']}: {row['card']}" for row in rows]
    return "\n".join(lines) + "\n"
