"""Fixtures of the command-line tests: the real entry point in-process, and failing file systems."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import toy_config

from signa import cli


@pytest.fixture(autouse=True)
def _private_cache(monkeypatch, tmp_path):
    """Kaggle folders prepared on first use go to the test's own folder, not ~/.cache."""
    monkeypatch.setenv("SIGNA_CACHE", str(tmp_path / "signa-cache"))


@pytest.fixture
def signa(monkeypatch, capsys):
    """``signa(*args)`` runs the command line in-process through ``cli.main``: (exit code, stdout, stderr)."""

    def run(*args) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["signa", *map(str, args)])
        with pytest.raises(SystemExit) as exit_info:
            cli.main()
        out = capsys.readouterr()
        return exit_info.value.code or 0, out.out, out.err

    return run


@contextlib.contextmanager
def _tmpfs(folder: Path, options: str):
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root on Linux): {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def read_only_dir(tmp_path):
    """A real read-only file system (a tmpfs remounted read-only): root cannot write there either."""
    with _tmpfs(tmp_path / "ro", "size=1m") as folder:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder


@pytest.fixture
def small_fs(tmp_path):
    """A real small file system (tmpfs), for a test to fill and then remount read-only."""
    with _tmpfs(tmp_path / "fs", "size=4m") as folder:
        yield folder


@pytest.fixture
def full_dir(tmp_path):
    """A real full file system: a tiny tmpfs filled up; folders can be made, no file data written."""
    with _tmpfs(tmp_path / "full", "size=256k") as folder:
        with contextlib.suppress(OSError), open(folder / "filler", "wb") as handle:
            while True:
                handle.write(b"\0" * 4096)
                handle.flush()
        yield folder


@pytest.fixture
def toy_run(tmp_path, signa) -> Path:
    """A trained toy run folder (one epoch, a fraction of a second)."""
    run = tmp_path / "toy-run"
    code, _, err = signa("train", toy_config(tmp_path), "--run-dir", run)
    assert code == 0, err
    return run
