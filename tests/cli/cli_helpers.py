"""Helpers of the command-line tests."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
sys.path.insert(0, str(TESTS / "train"))  # the toy task


def assert_one_error_line(code: int, err: str, path: str | Path, *words: str) -> None:
    """Exit 2 and exactly one ``error: <path>: <problem>`` line, the last on stderr; no traceback.

    Progress lines printed before the failure (a job log's plain progress) may precede it.
    """
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert errors == lines[-1:], err
    assert errors[0].startswith(f"error: {path}"), err
    for word in words:
        assert word in errors[0], err


def toy_config(tmp_path: Path, *overrides: str) -> Path:
    from toy_task import toy_experiment

    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(toy_experiment("train.epochs=1", *overrides)))
    return path
