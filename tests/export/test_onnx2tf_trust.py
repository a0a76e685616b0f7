"""The TFLite converter's interpreter comes from SIGNA's own checkout or an explicit setting, never
from the folder a user happens to run ``signa export`` in."""

from __future__ import annotations

import os

import pytest

from signa.errors import SignaError
from signa.export import onnx2tf


def _fake_python(root):
    python = root / onnx2tf.VENV / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("#!/bin/sh\ntouch executed\n")
    os.chmod(python, 0o755)
    return python


def test_current_folder_interpreter_is_never_used(tmp_path, monkeypatch):
    untrusted, checkout = tmp_path / "untrusted", tmp_path / "checkout"
    untrusted.mkdir(), checkout.mkdir()
    _fake_python(untrusted)
    monkeypatch.chdir(untrusted)
    monkeypatch.delenv(onnx2tf.ENV_VAR, raising=False)
    monkeypatch.setattr(onnx2tf, "REPO_ROOT", checkout)
    with pytest.raises(SignaError, match="converter environment is missing"):
        onnx2tf.find_python()


def test_checkout_environment_and_explicit_setting(tmp_path, monkeypatch):
    checkout = tmp_path / "checkout"
    (checkout / "src" / "signa").mkdir(parents=True)
    (checkout / "src" / "signa" / "__init__.py").write_text("")
    python = _fake_python(checkout)
    monkeypatch.delenv(onnx2tf.ENV_VAR, raising=False)
    monkeypatch.setattr(onnx2tf, "REPO_ROOT", checkout)
    with pytest.raises(SignaError):  # no pyproject.toml: not a checkout
        onnx2tf.find_python()
    (checkout / "pyproject.toml").write_text("")
    assert onnx2tf.find_python() == python
    other = _fake_python(tmp_path / "elsewhere")
    monkeypatch.setenv(onnx2tf.ENV_VAR, str(other))
    assert onnx2tf.find_python() == other
