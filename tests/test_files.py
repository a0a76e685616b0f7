import errno
import os
import stat

import pytest
import torch

from signa.errors import SignaError
from signa.files import (
    atomic_path,
    output_folder,
    read_text_file,
    replaced_folder,
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
