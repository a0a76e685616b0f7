"""Small composed fingerspelling sets for tests: benchmarks/compare.py's ``data_train/`` and
``data_eval/`` (real letter handshapes; held-out letter frames and phrases in the evaluation set)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def compose_comparison_data(
    folder: Path, train_phrases: int, eval_phrases: int, max_length: int, shared: Path
):
    spec = importlib.util.spec_from_file_location("compare_benchmark", REPO / "benchmarks" / "compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.compose_comparison_data(folder, train_phrases, eval_phrases, max_length, shared)
