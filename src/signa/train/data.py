"""Training data sources shared by the tasks: a prepared store, or a Kaggle folder prepared on first use."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from signa.errors import SignaError
from signa.train import distributed


def default_cache_dir(root: Path, tables: Sequence[str]) -> Path:
    """Where the prepared store of a Kaggle-layout folder goes when ``data.cache`` is not set.

    ``$SIGNA_CACHE`` (default ``~/.cache/signa``) ``/prepared/<folder>-<hash of its path and tables>``:
    the data folder itself may be read-only.
    """
    base = Path(os.environ.get("SIGNA_CACHE", Path.home() / ".cache" / "signa"))
    key = "|".join([str(root.resolve()), *tables])
    return base / "prepared" / f"{root.name}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def open_store(path: str | Path, cache: str | Path | None, task: str, tables: Sequence[str] = ("train.csv",)):
    """The :class:`~signa.data.cache.PreparedStore` at ``path``, or the Kaggle-layout folder's store.

    A Kaggle-layout folder (``train.csv`` + landmark files) is prepared into ``cache`` (or
    :func:`default_cache_dir`) the first time; process 0 prepares while the others wait. ``tables``
    are the csv files to include when they exist (``train.csv`` is required).
    """
    from signa.data.cache import PreparedStore, prepare_dataset

    path = Path(path)
    if (path / "index.json").is_file():
        store = PreparedStore(path)
    elif path.is_dir() and (path / "train.csv").is_file():
        present = [t for t in tables if (path / t).is_file()]
        out = Path(cache) if cache else default_cache_dir(path, present)
        if distributed.rank() == 0:
            prepare_dataset(path, out, task=task, dtype="float32", tables=present, progress=False)
        distributed.barrier()
        store = PreparedStore(out)
    elif not path.exists():
        raise SignaError("data folder not found", path)
    else:
        raise SignaError(
            "no sequences: expected a prepared store (index.json) or a folder with train.csv", path
        )
    if store.task != task:
        raise SignaError(f"the data holds {store.task} sequences, not {task}", path)
    if len(store) == 0:
        raise SignaError("the data holds no sequences", path)
    return store
