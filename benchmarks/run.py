"""Run every SIGNA benchmark in one process and print the figures with the machine named.

Usage:
    make bench                                  # all benchmarks
    .venv/bin/python benchmarks/run.py data     # only those whose module name contains "data"

Each ``benchmarks/<name>.py`` exposes ``main() -> dict``. The figures are written to
``benchmarks/results/<name>.json`` (atomically) so the README can quote a file anyone can regenerate.
Benchmark on an idle machine: a busy second core slows 2-thread PyTorch by 10x or more.
"""

from __future__ import annotations

import importlib.util
import inspect
import platform
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
ORDER = ("data_pipeline", "fingerspelling_model", "signs", "export")
MANUAL = ("precision", "compare")  # they need trained models or training: run them by hand (docstrings)


def machine() -> dict:
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line
        ]
        cpu = names[0] if names else cpu
    return {
        "cpu": cpu,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(patterns: list[str]) -> None:
    sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]  # signa, and the shared timing helper
    from signa.files import write_json_atomic

    info = machine()
    print(f"machine: {info}")
    names = [n for n in ORDER if (HERE / f"{n}.py").is_file()]
    names += sorted(p.stem for p in HERE.glob("*.py") if p.stem not in (*ORDER, *MANUAL, "run", "timing"))
    for name in names:
        if patterns and not any(p in name for p in patterns):
            continue
        print(f"\n=== {name}")
        start = time.perf_counter()
        bench = load(name).main
        # a benchmark with options parses them itself: give it none, not this script's patterns
        result = bench([]) if inspect.signature(bench).parameters else bench()
        result = {"machine": info, "seconds": round(time.perf_counter() - start, 1), **(result or {})}
        write_json_atomic(HERE / "results" / f"{name}.json", result)


if __name__ == "__main__":
    main(sys.argv[1:])
