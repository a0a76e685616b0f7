"""What a ``signa`` command imports: the commands that need no PyTorch model never import torch, none of
them imports torch._dynamo (1.2 s of CPU; ``signa train`` does, through ``torch.optim``), and reading a
long-format parquet does not import pandas (0.35 s). Each runs in a fresh process, as users run it; the
times themselves are in ``benchmarks/startup.py``, not here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cli_helpers import REPO

CLIP = "samples/asl-signs/train_landmark_files/16069/497384476.parquet"
SIGNS_ONNX = "tests/fixtures/main-9aba7b9/signs-onnx"

# Runs `signa ARGS...` in this process and prints, whatever the exit, its torch and pandas modules.
SCRIPT = """
import json, runpy, sys
sys.argv = ["signa", *sys.argv[1:]]
try:
    runpy.run_module("signa", run_name="__main__")
finally:
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "pandas"))
    print(json.dumps(heavy), file=sys.stderr)
"""


def heavy_modules(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["models"],
        ["translate", "--help"],
        ["data", "inspect", "samples/asl-signs"],
        ["predict", SIGNS_ONNX, CLIP],
    ],
    ids=["help", "models", "translate-help", "data-inspect", "predict-onnx"],
)
def test_commands_without_a_torch_model_import_neither_torch_nor_pandas(args):
    assert heavy_modules(*args) == []


def test_model_summary_imports_torch_but_not_dynamo():
    modules = heavy_modules("model", "configs/signs/lsm-small.yaml", "--set", "model.n_classes=5")
    assert "torch" in modules
    assert "torch._dynamo" not in modules
