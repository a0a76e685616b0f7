"""The fair-comparison benchmark (benchmarks/compare.py) at CI size: two configs, two seeds, a few
composed phrases, one epoch. Checks the table's plumbing, not the scores (README has the real run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TINY = [
    *("--seeds", "2", "--train-phrases", "24", "--eval-phrases", "8", "--max-length", "6"),
    *("--repeats", "1", "--frames", "16", "--set", "train.epochs=1", "--set", "data.batch_size=8"),
    *("--set", "model.dim=32", "--set", "model.encoder.layers=1", "--set", "model.encoder.conv_kernel=5"),
    *("--set", "model.decoder.layers=1", "--set", "model.decoder.ffn_dim=32", "--set", "model.max_phrase=8"),
]


def test_compare_writes_one_row_per_config(tmp_path, shared_data):
    configs = [REPO / "configs" / "fingerspelling" / name for name in ("composed-small.yaml", "ctc.yaml")]
    env = dict(os.environ, SIGNA_SHARED_DATA=str(shared_data), OMP_NUM_THREADS="1")
    command = [
        sys.executable,
        str(REPO / "benchmarks" / "compare.py"),
        *map(str, configs),
        "--out",
        str(tmp_path),
    ]
    subprocess.run([*command, *TINY], env=env, check=True, cwd=REPO)
    result = json.loads((tmp_path / "compare.json").read_text())
    assert [row["config"] for row in result["rows"]] == ["composed-small", "ctc"]
    assert "model.dim=32" in result["overrides"] and result["seeds"] == 2
    for row in result["rows"]:
        assert len(row["scores"]) == 2 and row["steps"] == 3 and row["parameters"] > 0
        assert row["onnx_mb"] > 0 and min(row["pytorch_ms_16"], row["onnx_ms_16"]) > 0
    table = (tmp_path / "compare.md").read_text().splitlines()
    assert len(table) == 4 and table[0].startswith("| config | score (mean ± std)")
