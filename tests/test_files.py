import errno
import os
import shutil
import stat

import pytest
import torch

from signa.errors import SignaError
from signa.files import (
    atomic_path,
    output_folder,
    read_text_file,
    replaced_folder,
    restore_folder,
    swap_folder,
    write_json_atomic,
    write_text_atomic,
)
from signa.models.checkpoint import _save_safetensors


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out" / "result.json"
    write_json_atomic(target, {"a": 1})
    write_text_atomic(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]


def test_atomic_write_gives_an_ordinary_file_mode(tmp_path):
    mask = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "a.txt", "x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644


def test_a_writer_that_replaces_the_file_still_gives_an_ordinary_mode(tmp_path):
    """safetensors writes its own 0600 file and renames it over the temporary one."""
    mask = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "model.safetensors") as tmp:
            _save_safetensors({"w": torch.zeros(2)}, tmp)
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "model.safetensors").stat().st_mode) == 0o644


def test_a_failed_write_names_the_target_not_the_temporary(tmp_path):
    with pytest.raises(OSError) as info, atomic_path(tmp_path / "result.csv"):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert info.value.filename == str(tmp_path / "result.csv")
    assert list(tmp_path.iterdir()) == []


def test_output_folder_removes_only_what_it_created(tmp_path):
    with pytest.raises(RuntimeError), output_folder(tmp_path / "new") as folder:
        (folder / "half.bin").write_bytes(b"x")
        raise RuntimeError
    assert not (tmp_path / "new").exists()
    (tmp_path / "old").mkdir()
    with pytest.raises(RuntimeError), output_folder(tmp_path / "old"):
        raise RuntimeError
    assert (tmp_path / "old").is_dir()
    with pytest.raises(RuntimeError), output_folder(tmp_path / "kept", keep=lambda p: True):
        raise RuntimeError
    assert (tmp_path / "kept").is_dir()


def test_non_utf8_text_is_one_clear_error(tmp_path):
    (tmp_path / "p.txt").write_bytes(b"ok\n\xff")
    with pytest.raises(SignaError, match=r"not UTF-8 text \(byte 0xff at offset 3\)"):
        read_text_file(tmp_path / "p.txt")


def test_replaced_folder_swaps_in_whole_or_not_at_all(tmp_path):
    """A rebuilt folder (signa demo's landmarks and export): old contents gone on success, kept on failure."""
    target = tmp_path / "landmarks"
    target.mkdir()
    (target / "old.parquet").write_text("old")
    with replaced_folder(target) as folder:
        assert folder != target and (target / "old.parquet").exists()  # readers see the old one meanwhile
        (folder / "new.parquet").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.parquet"]
    with pytest.raises(RuntimeError), replaced_folder(target) as folder:
        (folder / "half.parquet").write_text("half")
        raise RuntimeError("interrupted")
    assert [p.name for p in target.iterdir()] == ["new.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landmarks"]  # no temporary folder left


REAL_REPLACE, REAL_RMTREE = os.replace, shutil.rmtree


class Killed(BaseException):
    """The process dying: from here on no file operation of it happens, cleanup blocks' included."""


def die_after(monkeypatch, operations: int, half: bool = False) -> None:
    """Let ``operations`` renames and removals happen, then die at the next (``half``: half-way
    through removing a folder, one file of it gone)."""
    done: list[str] = []

    def fake(real, name):
        def operation(path, *args, **kwargs):
            if len(done) >= operations:
                if half and name == "rmtree" and len(done) == operations and os.path.isdir(path):
                    os.unlink(min(os.path.join(path, f) for f in os.listdir(path)))
                done.append("killed")
                raise Killed
            done.append(name)
            return real(path, *args, **kwargs)

        return operation

    monkeypatch.setattr(os, "replace", fake(REAL_REPLACE, "replace"))
    monkeypatch.setattr(shutil, "rmtree", fake(REAL_RMTREE, "rmtree"))


def folder(path, *names):
    path.mkdir()
    for name in names:
        (path / name).write_text(name)
    return path


def contents(path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


# a swap over an existing folder does 4 operations: remove a leftover .old, rename target aside,
# rename new in, remove the old one; killed before each of them, and half-way through the last
@pytest.mark.parametrize(("operations", "half"), [(0, False), (1, False), (2, False), (3, False), (3, True)])
def test_a_swap_killed_at_any_moment_leaves_one_complete_folder(tmp_path, monkeypatch, operations, half):
    target, new = folder(tmp_path / "models", "a.old", "b.old"), folder(tmp_path / ".models.new", "a.new")
    die_after(monkeypatch, operations, half)
    with pytest.raises(Killed):
        swap_folder(new, target)
    monkeypatch.undo()
    restore_folder(target)  # what the next reader or swap does first
    assert contents(target) in (["a.old", "b.old"], ["a.new"])
    assert (contents(target) == ["a.new"]) == (operations == 3)
    swap_folder(folder(tmp_path / "again", "c"), target)  # the next swap cleans up whatever was left
    assert contents(target) == ["c"]
    assert contents(tmp_path) == sorted(["models", *([".models.new"] if operations < 3 else [])])


def test_a_failed_rename_puts_the_old_folder_back(tmp_path, monkeypatch):
    target, new = folder(tmp_path / "models", "a.old"), folder(tmp_path / ".models.new", "a.new")

    def refuse_the_new_one(source, destination):
        if source == new:
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(source))
        REAL_REPLACE(source, destination)

    monkeypatch.setattr(os, "replace", refuse_the_new_one)
    with pytest.raises(OSError, match="cross-device"):
        swap_folder(new, target)
    assert contents(target) == ["a.old"] and contents(tmp_path) == [".models.new", "models"]


def test_an_old_folder_that_cannot_be_removed_is_removed_by_the_next_swap(tmp_path, monkeypatch):
    target = folder(tmp_path / "models", "a.old")

    def busy(path, *args, **kwargs):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(path))

    monkeypatch.setattr(shutil, "rmtree", busy)
    swap_folder(folder(tmp_path / "new", "a.new"), target)  # swapped all the same
    assert contents(target) == ["a.new"] and contents(tmp_path) == [".models.old", "models"]
    monkeypatch.undo()
    swap_folder(folder(tmp_path / "newer", "a.newer"), target)
    assert contents(target) == ["a.newer"] and contents(tmp_path) == ["models"]


def test_a_swap_into_a_new_place(tmp_path):
    assert swap_folder(folder(tmp_path / "new", "a"), tmp_path / "out") == tmp_path / "out"
    assert contents(tmp_path / "out") == ["a"] and contents(tmp_path) == ["out"]
