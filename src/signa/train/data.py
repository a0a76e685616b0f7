"""Training data sources shared by the tasks: a prepared store, or a Kaggle folder prepared on first use."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from signa.errors import SignaError
from signa.train import distributed


def default_cache_dir(root: Path, tables: Sequence[str], layout: str | None = None) -> Path:
    """Where the prepared store of a Kaggle-layout folder goes when ``data.cache`` is not set.

    ``$SIGNA_CACHE`` (default ``~/.cache/signa``) ``/prepared/<folder>-<hash of its path and tables>``:
    the data folder itself may be read-only.
    """
    base = Path(os.environ.get("SIGNA_CACHE", Path.home() / ".cache" / "signa"))
    key = "|".join([str(root.resolve()), *tables] + [f"layout={layout}"] * (layout is not None))
    return base / "prepared" / f"{root.name}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def open_store(
    path: str | Path,
    cache: str | Path | None,
    task: str,
    tables: Sequence[str] = ("train.csv",),
    layout: str | None = None,
):
    """The :class:`~signa.data.cache.PreparedStore` at ``path``, or the Kaggle-layout folder's store.

    A Kaggle-layout folder (``train.csv`` + landmark files), or for isolated signs a folder of sign
    folders (:mod:`signa.data.labelled`), is prepared into ``cache`` (or :func:`default_cache_dir`)
    the first time; process 0 prepares while the others wait. ``tables`` are the csv files to include
    when they exist (``train.csv`` is required). ``layout`` describes ``.npy`` keypoint vectors.
    """
    from signa.data.cache import PreparedStore, prepare_dataset

    path = Path(path)
    if (path / "index.json").is_file():
        store = PreparedStore(path)
    elif path.is_dir() and ((path / "train.csv").is_file() or task == "signs"):
        present = [t for t in tables if (path / t).is_file()] or ["train.csv"]
        out = Path(cache) if cache else default_cache_dir(path, present, layout)
        if distributed.rank() == 0:
            prepare_dataset(
                path, out, task=task, dtype="float32", tables=present, progress=False, layout=layout
            )
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
