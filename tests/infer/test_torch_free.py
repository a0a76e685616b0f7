"""Inference from an ONNX export needs numpy and ONNX Runtime only: torch is never imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FS_ONNX = REPO / "tests" / "fixtures" / "main-9aba7b9" / "fs-onnx"
SIGNS_ONNX = REPO / "tests" / "fixtures" / "main-9aba7b9" / "signs-onnx"

SCRIPT = """
import json, sys
import signa
answers = [p.to_dict() for model in sys.argv[1:3] for p in signa.load_model(model).predict_file(sys.argv[3])]
print(json.dumps({"torch": sorted(m for m in sys.modules if m.split(".")[0] == "torch"), "n": len(answers)}))
"""


def test_onnx_runtime_path_imports_no_torch():
    clips = REPO / "samples" / "asl-signs" / "train.csv"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(FS_ONNX), str(SIGNS_ONNX), str(clips)],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["n"] == 24  # 12 recordings, each answered by both models
    assert report["torch"] == []
