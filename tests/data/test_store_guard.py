"""Prepared stores are reused only for exactly their source and options; preparations take turns.

Real recordings: the 12 asl-signs sequences of samples/ (copied, so the test may edit them) and the
126 of the data kit. The concurrency tests start real processes.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from signa.data.cache import prepare_dataset
from signa.data.store_guard import lock_path
from signa.errors import SignaError
from signa.train.data import open_store

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "asl-signs"
SRC = REPO / "src"


@pytest.fixture
def sample(tmp_path) -> Path:
    return Path(shutil.copytree(SAMPLE, tmp_path / "asl-signs"))


def _cut_csv(root: Path, rows: int) -> None:
    lines = (root / "train.csv").read_text().splitlines()
    (root / "train.csv").write_text("\n".join(lines[: rows + 1]) + "\n")


def test_exact_match_is_reused_silently(sample, tmp_path, capsys):
    first = prepare_dataset(sample, tmp_path / "out", progress=False)
    written = (tmp_path / "out" / "landmarks.npy").stat().st_mtime_ns
    capsys.readouterr()
    again = prepare_dataset(sample, tmp_path / "out", progress=False)
    assert again.index == first.index and capsys.readouterr().err == ""
    assert (tmp_path / "out" / "landmarks.npy").stat().st_mtime_ns == written


def test_other_dtype_rebuilds_and_says_so(sample, tmp_path, capsys):
    prepare_dataset(sample, tmp_path / "out", dtype="float16", progress=False)
    store = prepare_dataset(sample, tmp_path / "out", dtype="float32", progress=False)
    assert store.dtype == "float32" and str(store.landmarks.dtype) == "float32"
    assert "rebuilding the prepared store (dtype float16 -> float32)" in capsys.readouterr().err


def test_cut_csv_rebuilds_the_default_cache(sample, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SIGNA_CACHE", str(tmp_path / "cache"))
    assert len(open_store(sample, None, "signs")) == 12
    _cut_csv(sample, 6)
    assert len(open_store(sample, None, "signs")) == 6
    assert "rebuilding the prepared store (the source files changed)" in capsys.readouterr().err


def test_changed_landmark_file_rebuilds(sample, tmp_path, capsys):
    prepare_dataset(sample, tmp_path / "out", progress=False)
    first = sample / next(iter((sample / "train.csv").read_text().splitlines()[1:])).split(",")[0]
    os.utime(first, ns=(1, 1))
    prepare_dataset(sample, tmp_path / "out", progress=False)
    assert "the source files changed" in capsys.readouterr().err


def test_store_of_another_folder_is_refused(sample, shared_data, tmp_path):
    prepare_dataset(sample, tmp_path / "out", progress=False)
    with pytest.raises(SignaError, match="holds a prepared store of .*; choose another folder") as info:
        prepare_dataset(shared_data / "asl-signs", tmp_path / "out", progress=False)
    assert info.value.path == str(tmp_path / "out")


def _prepare_process(root: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    command = [sys.executable, "-m", "signa", "data", "prepare", str(root), "--out", str(out)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_second_prepare_waits_for_the_lock(sample, tmp_path):
    out = tmp_path / "out"
    with FileLock(tmp_path / ".out.lock"):
        proc = _prepare_process(sample, out)
        said = _stderr_until(proc, "waiting for it", seconds=120)
        assert "another process is preparing this store; waiting for it" in said, said
        assert proc.poll() is None and not (out / "index.json").exists()
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, said + stderr
    assert "12 sequences" in stdout


def test_the_lock_file_stays_empty_hidden_and_git_ignored(sample, tmp_path):
    """Deleting it on release could let two preparations run at once (see store_guard): it stays, and
    the next preparation locks the same file."""
    out = tmp_path / "out"
    prepare_dataset(sample, out, progress=False)
    lock = lock_path(out)
    assert lock == tmp_path / ".out.lock" and lock.is_file() and lock.stat().st_size == 0
    inode = lock.stat().st_ino
    prepare_dataset(sample, tmp_path / "out", dtype="float32", progress=False)  # a rebuild: locks again
    assert lock.stat().st_ino == inode
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "check-ignore", "-q", "data/.store.lock"], cwd=REPO, check=False)
    assert ignored.returncode == 0, "lock files beside stores in the repository must be git-ignored"


def _stderr_until(proc: subprocess.Popen, words: str, seconds: float) -> str:
    """The process's stderr lines up to the first holding ``words`` (or all it said in ``seconds``)."""
    said, deadline = "", time.monotonic() + seconds
    while words not in said and proc.poll() is None:
        ready, _, _ = select.select([proc.stderr], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            break
        said += proc.stderr.readline()
    return said


def test_two_prepares_at_once_give_one_valid_store(shared_data, tmp_path):
    out = tmp_path / "out"
    procs = [_prepare_process(shared_data / "asl-signs", out) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert all("126 sequences" in stdout for stdout, _ in results)
    reference = prepare_dataset(shared_data / "asl-signs", tmp_path / "serial", progress=False)
    store = prepare_dataset(shared_data / "asl-signs", out, progress=False)  # an exact match: reused
    assert store.index == reference.index
    assert (out / "landmarks.npy").read_bytes() == (tmp_path / "serial" / "landmarks.npy").read_bytes()


def test_two_evaluations_share_the_default_cache(sample, signs_checkpoint, tmp_path):
    """Two real `signa evaluate` processes on one Kaggle folder prepare its default cache once."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "SIGNA_CACHE": str(tmp_path / "cache")}
    command = [
        sys.executable,
        "-m",
        "signa",
        "evaluate",
        str(signs_checkpoint),
        "--data",
        str(sample),
        "--json",
    ]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert [json.loads(stdout)["n"] for stdout, _ in results] == [12, 12]
    assert len(list((tmp_path / "cache" / "prepared").glob("*/index.json"))) == 1
