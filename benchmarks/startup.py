"""Start-up cost of ``signa`` commands: CPU seconds (user + system) of a whole ``signa ...`` process.

Usage:
    .venv/bin/python benchmarks/startup.py [--repeats 5]      (or: make bench, which runs it too)

CPU time, not wall time, so a busy machine changes the figures less (not nothing: about ±0.3 s on a
loaded one); each is the median of ``--repeats`` runs. Every command here is one the docs run;
``modules`` says which heavy libraries the command imported (torch for ``model`` and ``predict`` on a
checkpoint is expected; torch._dynamo is not: ``signa train`` imports it through ``torch.optim``).

Measured 2026-12-01 on an AMD EPYC (Zen 4, AVX-512; lscpu names no model), 2 cores shared with other
jobs (load ~5), medians of 5, before and after the readers stopped importing pandas through pyarrow's
``to_numpy``, runs interleaved: ``data inspect`` 1.20 -> 0.78 s, ``predict`` (checkpoint) 2.98 -> 2.46 s,
``predict`` (ONNX) 0.99 -> 0.65 s; ``--help`` 0.24 and ``models`` 0.26 s unchanged (no torch, no pandas
before either). ``benchmarks/results/startup.json`` holds the last run's figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "samples/asl-signs/train_landmark_files/16069/497384476.parquet"
COMMANDS = {
    "help": ["--help"],
    "models": ["models"],
    "data inspect": ["data", "inspect", "samples/asl-signs"],
    "model CONFIG": ["model", "configs/signs/lsm-small.yaml", "--set", "model.n_classes=5"],
    "predict": ["predict", "asl-signs", SAMPLE],
    "predict ONNX": ["predict", "tests/fixtures/main-9aba7b9/signs-onnx", SAMPLE],
}
HEAVY = ("torch", "torch._dynamo", "pandas", "onnxruntime", "pyarrow")
# Runs `signa ARGS...` in this process and prints, whatever the exit, which of HEAVY it imported.
REPORT = f"""
import runpy, sys
sys.argv = ["signa", *sys.argv[1:]]
try:
    runpy.run_module("signa", run_name="__main__")
finally:
    print("modules:", ",".join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)
"""


def run(args: list[str]) -> tuple[float, str]:
    """CPU seconds of one ``signa`` process and the heavy modules it imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-c", REPORT, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"signa {' '.join(args)} failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    modules = done.stderr.rsplit("modules:", 1)[-1].strip()
    return cpu, modules


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 repeats")
    options = parser.parse_args(argv)
    repeats = 3 if options.quick else options.repeats
    results = {}
    for name, args in COMMANDS.items():
        runs = [run(args) for _ in range(repeats)]
        cpu = round(statistics.median(seconds for seconds, _ in runs), 2)
        results[name] = {"cpu_s": cpu, "modules": runs[-1][1]}
        print(f"signa {name:<14} {cpu:5.2f} s CPU   imports: {runs[-1][1] or '-'}", flush=True)
    return {"repeats": repeats, "commands": results}


if __name__ == "__main__":
    main(sys.argv[1:])
