"""The composed-data experiment (scripts/composed_experiment.py) learns real letter handshapes.

A small model trained on phrases composed from the first 65 % of each ASL letter's recorded frames
must clearly beat the best constant string on phrases it never saw, composed from the last 25 % of
the frames. The CI size (phrases of at most 12 characters, 310 steps) takes about 2.5 minutes on 2 CPU cores;
the full run is ``slow``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "composed_experiment.py"
CI_SIZE = [
    *("--train-phrases", "1000", "--eval-phrases", "150", "--max-length", "12", "--threads", "1"),
    *("--set", "train.epochs=10", "--set", "model.max_len=64", "--set", "model.max_phrase=16"),
]


def run_experiment(out: Path, shared_data: Path, *args: str) -> dict:
    env = dict(os.environ, SIGNA_SHARED_DATA=str(shared_data))
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), *args], env=env, check=True)
    return json.loads((out / "result.json").read_text())


def test_composed_experiment_beats_the_best_constant_string(tmp_path, shared_data):
    result = run_experiment(tmp_path, shared_data, *CI_SIZE)
    assert result["eval_sequences"] == 150
    assert result["score"] > result["baseline"]["score"] + 0.2, result


@pytest.mark.slow
def test_full_composed_experiment(tmp_path, shared_data):
    result = run_experiment(tmp_path, shared_data)
    assert result["score"] > result["baseline"]["score"] + 0.4, result
