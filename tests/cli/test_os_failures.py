"""Operating-system failures of every command that writes: one line naming the path and the cause,
exit 2, and nothing half-made left behind. Real read-only and full file systems (tmpfs, as root),
plus fault injection where a failure must strike mid-way (the training checkpoint)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest
from cli_helpers import REPO, assert_one_error_line, toy_config

SIGNS = REPO / "samples" / "asl-signs"
LETTERS = REPO / "samples" / "letters" / "asl_ai_hand_landmarks.parquet"


def _writing_commands(tmp_path, toy_run, signs_checkpoint, target):
    phrases = tmp_path / "phrases.txt"
    phrases.write_text("abc\nhello\n")
    checkpoint = toy_run / "checkpoint"
    return {
        "prepare": ["data", "prepare", SIGNS, "--out", target],
        "compose": ["data", "compose", LETTERS, "--phrases", phrases, "--out", target, "--signers", 1],
        "train": ["train", toy_config(tmp_path), "--run-dir", target],
        "evaluate": ["evaluate", toy_run, "--data", tmp_path, "--out", target],
        "export": ["export", signs_checkpoint, "--out", target],
        "soup": ["soup", checkpoint, checkpoint, "--out", target],
    }


COMMANDS = ["prepare", "compose", "train", "evaluate", "export", "soup"]


@pytest.mark.parametrize("command", COMMANDS)
def test_read_only_output_is_one_line(command, read_only_dir, tmp_path, toy_run, signs_checkpoint, signa):
    target = read_only_dir / "out"
    args = _writing_commands(tmp_path, toy_run, signs_checkpoint, target)[command]
    code, _, err = signa(*args)
    assert_one_error_line(code, err, target, "read-only file system")
    assert not target.exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_full_disk_is_one_line_and_leaves_no_output(
    command, full_dir, tmp_path, toy_run, signs_checkpoint, signa
):
    target = full_dir / "out"
    args = _writing_commands(tmp_path, toy_run, signs_checkpoint, target)[command]
    code, _, err = signa(*args)
    assert_one_error_line(code, err, target, "no space left on the device")
    if command == "train":  # the run folder keeps what it holds; a checkpoint is never half-made
        assert not (target / ".checkpoint.new").exists() and not (target / "checkpoint").exists()
    else:
        assert not target.exists(), sorted(target.rglob("*"))
    left = {"train": ["filler", "out"], "prepare": [".out.lock", "filler"]}  # the lock file stays
    assert sorted(p.name for p in full_dir.iterdir()) == left.get(command, ["filler"])


def test_finished_store_on_a_read_only_file_system_is_reused(small_fs, signa):
    """A store prepared once and shared read-only: the exact match is read, no lock file is needed."""
    store = small_fs / "store"
    assert signa("data", "prepare", SIGNS, "--out", store)[0] == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    code, out, err = signa("data", "prepare", SIGNS, "--out", store)
    assert code == 0 and "12 sequences" in out, err


def test_checkpoint_failing_mid_way_leaves_no_partial_checkpoint(tmp_path, signa, monkeypatch):
    """Fault injection: the weights file fails as safetensors does on a full disk."""
    from signa.models import checkpoint

    def full_disk(state, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(checkpoint, "_save_safetensors", full_disk)
    run = tmp_path / "run"
    code, _, err = signa("train", toy_config(tmp_path), "--run-dir", run)
    assert_one_error_line(code, err, run / ".checkpoint.new" / "model.safetensors", "no space left")
    assert not (run / ".checkpoint.new").exists() and not (run / "checkpoint").exists()


def test_safetensors_disk_error_becomes_an_os_error(full_dir):
    import torch

    from signa.models.checkpoint import _save_safetensors

    with pytest.raises(OSError) as info:
        _save_safetensors({"w": torch.zeros(100_000)}, full_dir / "model.safetensors")
    assert info.value.errno == errno.ENOSPC


def test_run_dir_that_is_a_file(tmp_path, signa):
    run = tmp_path / "run"
    run.write_text("not a folder")
    code, _, err = signa("train", toy_config(tmp_path), "--run-dir", run)
    assert_one_error_line(code, err, run, "a file is in the way")


def test_run_dir_under_a_file(tmp_path, signa):
    (tmp_path / "file").write_text("not a folder")
    run = tmp_path / "file" / "run"
    code, _, err = signa("train", toy_config(tmp_path), "--run-dir", run)
    assert_one_error_line(code, err, run, "a part of this path is a file")


def test_weights_have_the_mode_of_the_other_files(toy_run):
    checkpoint = toy_run / "checkpoint"
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in checkpoint.iterdir()}
    assert len(set(modes.values())) == 1, modes
    assert modes["model.safetensors"] == oct(0o666 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _failing_model_command(monkeypatch, tmp_path, err: OSError) -> list:
    """``signa model`` whose library call fails with ``err`` (fault injection)."""
    from signa.models import summary

    def fail(path, overrides=()):
        raise err

    monkeypatch.setattr(summary, "model_from_spec", fail)
    return ["model", toy_config(tmp_path)]


USER_FAILURES = [
    (errno.EACCES, "permission denied"),
    (errno.EPERM, "operation not permitted"),
    (errno.ENOENT, "not found"),
    (errno.EISDIR, "is a folder, not a file"),
    (errno.ENAMETOOLONG, "file name too long"),
    (errno.EDQUOT, "disk quota exceeded"),
]


@pytest.mark.parametrize(("code", "cause"), USER_FAILURES, ids=[errno.errorcode[c] for c, _ in USER_FAILURES])
def test_os_failure_the_user_can_fix_is_one_line(code, cause, tmp_path, signa, monkeypatch):
    path = tmp_path / "somewhere"
    args = _failing_model_command(monkeypatch, tmp_path, OSError(code, os.strerror(code), str(path)))
    exit_code, _, err = signa(*args)
    assert_one_error_line(exit_code, err, path, cause)


BUGS = [
    OSError(errno.EBADF, os.strerror(errno.EBADF)),
    OSError(errno.EMFILE, os.strerror(errno.EMFILE)),
    OSError(errno.EINVAL, os.strerror(errno.EINVAL), "x"),
    OSError("an OSError without errno"),
]


@pytest.mark.parametrize("bug", BUGS, ids=["EBADF", "EMFILE", "EINVAL", "no-errno"])
def test_other_os_failures_surface_as_bugs(bug, tmp_path, signa, monkeypatch):
    """Not the user's to fix: ``main`` re-raises, so Python prints the traceback and exits 1."""
    args = _failing_model_command(monkeypatch, tmp_path, bug)
    with pytest.raises(OSError) as info:
        signa(*args)
    assert info.value is bug


def test_an_uncaught_os_failure_exits_1_with_its_traceback(tmp_path):
    """The real command, in a process of its own: a bug's exit code is 1, not the user's 2."""
    script = "import errno, sys; from signa import cli; from signa.models import summary\n"
    script += "def fail(*a, **k): raise OSError(errno.EBADF, 'Bad file descriptor')\n"
    script += "summary.model_from_spec = fail; sys.argv = ['signa', 'model', 'x.yaml']; cli.main()\n"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 1 and "Traceback" in done.stderr, done.stderr
    assert "OSError: [Errno 9] Bad file descriptor" in done.stderr.splitlines()[-1]
