"""What a prepared store was made from, and who may write it.

Every store records the key of its source: the csv tables' contents, the size and modification time
of every landmark file they list, the task, selection, stored points, dtype and store version. A
store (or an interrupted preparation) is reused only when that key matches exactly. When it does
not, a store of the same source folder is rebuilt, and a store of another folder is refused (it may
be someone's data), each with one line saying so.

Preparations of one folder exclude each other through a lock file beside it (``.<name>.lock``,
:mod:`filelock`): a second ``signa data prepare`` into the same ``--out``, or two runs preparing
one default cache, waits for the first and then reuses its store.

The lock file stays after the last preparation, empty and hidden (and git-ignored in this
repository). It cannot be removed safely: a waiting process holds the lock on the file it opened,
so if the holder deleted it, the waiter would lock the deleted file while a third process created
and locked a new one under the same name, and both would prepare at once. filelock keeps Unix lock
files for that reason (tox-dev/filelock#574, reverted in #577); deleting it by hand is safe only
while no preparation runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from filelock import FileLock, Timeout

from signa.errors import SignaError

INDEX_FILE, PLAN_FILE = "index.json", "plan.json"


def source_key(root: Path, tables: Iterable[str], paths: Iterable[str]) -> str:
    """Hash of the csv tables' bytes and of (path, size, mtime) of each listed landmark file."""
    digest = hashlib.sha256()
    for name in tables:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    for path in sorted(set(paths)):
        try:
            stat = os.stat(root / path)
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        except FileNotFoundError:  # the reader names the missing file when it gets there
            digest.update(f"{path}\0missing\0".encode())
    return digest.hexdigest()


def say(message: str) -> None:
    """One line for the user on stderr (stdout stays for results)."""
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def store_lock(out: Path):
    """Hold the lock of store folder ``out``; say so once when waiting for another process.

    The lock file is left in place on release: see the module docstring for why it must be."""
    lock = FileLock(lock_path(out))
    try:
        lock.acquire(timeout=0)
    except Timeout:  # (a TimeoutError, so an OSError: caught first)
        say(f"{out}: another process is preparing this store; waiting for it")
        lock.acquire()
    except OSError as err:  # a read-only or full folder: the user's path is the store's, not the lock's
        err.filename = str(out)
        raise
    try:
        yield
    finally:
        lock.release()


def lock_path(out: Path) -> Path:
    """The hidden lock file beside store folder ``out``."""
    return out.parent / f".{out.name}.lock"


def finished_match(out: Path, plan: dict) -> bool:
    """Whether ``out`` holds a finished store of exactly ``plan``; only reads, so it needs no lock
    (a store on a read-only or shared file system is reused as it is)."""
    header = _read_json(out / INDEX_FILE)
    return header is not None and not _differences(header, plan)


def reusable_store(out: Path, plan: dict) -> bool:
    """Whether ``out`` holds a finished store of exactly ``plan``; clears a stale one of the same
    source folder (saying why) and refuses one of another folder."""
    header = _read_json(out / INDEX_FILE)
    if header is None:
        _clear_stale_plan(out, plan)
        return False
    changed = _differences(header, plan)
    if not changed:
        return True
    _refuse_other_source(out, header, plan, "a prepared store")
    say(f"{out}: rebuilding the prepared store ({changed})")
    (out / INDEX_FILE).unlink()  # first: a store without its index is never read
    (out / "landmarks.npy").unlink(missing_ok=True)
    return False


def _clear_stale_plan(out: Path, plan: dict) -> None:
    """An interrupted preparation of other data or options starts again (same folder only)."""
    saved = _read_json(out / PLAN_FILE)
    if saved is None:
        return
    changed = _differences(saved, plan, ignore=("fingerprint",))
    if not changed:
        return
    _refuse_other_source(out, saved, plan, "an interrupted preparation")
    say(f"{out}: restarting an interrupted preparation ({changed})")
    (out / PLAN_FILE).unlink()
    shutil.rmtree(out / "shards", ignore_errors=True)


def _refuse_other_source(out: Path, saved: dict, plan: dict, what: str) -> None:
    if saved.get("root") != plan["root"]:
        raise SignaError(
            f"holds {what} of {saved.get('root')}, not of {plan['root']}; "
            "choose another folder or delete this one",
            out,
        )


def _read_json(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise SignaError("damaged store file; delete the folder and prepare again", path) from None
    return data if isinstance(data, dict) else None


def _differences(saved: dict, plan: dict, ignore: tuple[str, ...] = ()) -> str:
    """What differs, in words (empty when nothing does)."""
    words = []
    for key, value in plan.items():
        if key in ignore or saved.get(key) == value:
            continue
        if key == "source":
            words.append("the source files changed")
        elif key == "positions":
            words.append("other landmarks")
        else:
            words.append(f"{key} {saved.get(key)} -> {value}")
    return ", ".join(words)
