"""Atomic file writes: a reader (or a resumed run) never sees a half-written file; and the checkout.

A failure while writing (full disk, read-only folder) surfaces as an :class:`OSError` naming the
file that was being written, never its temporary name, and leaves no temporary file behind.

:data:`REPO_ROOT` is the SIGNA checkout the package runs from (its ``samples/``, ``configs/``, ``web/``).
An installed package (a wheel) has none around it: :func:`from_checkout` says so in one line.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from signa.errors import SignaError

REPO_ROOT = Path(__file__).resolve().parents[2]  # src/signa/files.py -> the repo root
SAMPLES = REPO_ROOT / "samples"  # the data bundled in the repo (not in the wheel)
INSTALLED = "an installed package has no samples/ or configs/"


def is_checkout(root: Path) -> bool:
    """Whether ``root`` is a SIGNA source checkout (not, say, the ``lib/`` folder above an installed
    package's ``site-packages``)."""
    return (root / "pyproject.toml").is_file() and (root / "src" / "signa" / "__init__.py").is_file()


IN_CHECKOUT = is_checkout(REPO_ROOT)


def from_checkout(path: Path, needed_by: str) -> Path:
    """``path``, a file or folder of the checkout, if there is one; else one error: ``needed_by``
    runs in a SIGNA checkout (an installed package has no samples/ or configs/)."""
    if IN_CHECKOUT and path.exists():
        return path
    shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    problem = f"not found: {needed_by} runs in a SIGNA checkout (the git repository): {INSTALLED}"
    raise SignaError(problem, shown)


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _naming(path):
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    try:
        with _naming(path):
            yield Path(tmp)
            # mkstemp makes 0600 and some writers (safetensors) replace the file with their own 0600
            # one: the result gets an ordinary file's mode, like every other file SIGNA writes
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def _naming(path: Path):
    """Give an OSError raised while writing ``path`` that path as its file name."""
    try:
        yield
    except OSError as err:
        # the temporary file's name means nothing to the user
        if err.filename is None or Path(err.filename).name.startswith(f".{path.name}."):
            err.filename = str(path)
        raise


@contextlib.contextmanager
def output_folder(path: str | Path, keep: Callable[[Path], bool] | None = None):
    """Create folder ``path``; if this call created it and the block fails, remove it again.

    So a failed command leaves no empty or half-filled output folder behind. ``keep(path)`` may
    spare it (e.g. when it holds finished parts a rerun resumes from).
    """
    path = Path(path)
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    except BaseException:
        if created and not (keep and keep(path)):
            shutil.rmtree(path, ignore_errors=True)
        raise


@contextlib.contextmanager
def replaced_folder(path: str | Path):
    """Yield an empty folder ``.<name>.new`` beside ``path``; on success it takes the place of ``path``
    (:func:`swap_folder`).

    So a rerun rebuilds a folder without a reader ever seeing it half old, half new; if the block
    fails, ``path`` is left as it was and the new folder is removed.
    """
    path = Path(path)
    new = path.with_name(f".{path.name}.new")
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    try:
        yield new
        swap_folder(new, path)
    finally:
        shutil.rmtree(new, ignore_errors=True)


def swap_folder(new: str | Path, target: str | Path) -> Path:
    """Put the complete folder ``new`` in the place of ``target`` (which need not exist).

    Two renames: ``target`` aside to ``.<name>.old``, then ``new`` to ``target``; the old folder is
    removed last. Killed at any moment, this leaves one complete folder: the old one (as ``target``,
    or set aside, where :func:`restore_folder` finds it) or the new one (with perhaps part of the old
    one beside it, removed by the next swap). A rename that fails puts the old folder back.
    """
    new, target = Path(new), Path(target)
    old = restore_folder(target)
    _remove_quietly(old)  # left by an earlier swap that got its new folder in
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old.exists() and not target.exists():
            os.replace(old, target)
        raise
    _remove_quietly(old)
    return target


def restore_folder(target: str | Path) -> Path:
    """Undo a :func:`swap_folder` killed between its two renames: a missing ``target`` whose old
    folder was set aside gets it back. Returns where the old folder is set aside (``.<name>.old``)."""
    target = Path(target)
    old = target.with_name(f".{target.name}.old")
    if not target.exists() and old.is_dir():
        os.replace(old, target)
    return old


def _remove_quietly(folder: Path) -> None:
    """Remove a folder that is no longer needed; one that cannot be removed now is the next swap's."""
    with contextlib.suppress(OSError):
        shutil.rmtree(folder)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_text_file(path: str | Path) -> str:
    """A UTF-8 text file's contents; other bytes are the user's to fix, said in one line."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        problem = f"not UTF-8 text (byte {err.object[err.start]:#04x} at offset {err.start})"
        raise SignaError(f"{problem}; save it as UTF-8", path) from None


def write_text_atomic(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: str | Path, data) -> None:
    """JSON with NaN and infinities written as null: bare ``NaN`` is not JSON."""
    write_text_atomic(path, json.dumps(json_safe(data), indent=2, ensure_ascii=False) + "\n")


def json_safe(data):
    """``data`` with every non-finite float replaced by None (JSON ``null``)."""
    if isinstance(data, float):
        return data if data == data and abs(data) != float("inf") else None
    if isinstance(data, dict):
        return {key: json_safe(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_safe(value) for value in data]
    return data


def write_records_csv(path: str | Path, records: list[dict[str, Any]]) -> None:
    """Per-sample records (dicts with the same keys) as a CSV, written atomically."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
