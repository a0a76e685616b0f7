"""Run every SIGNA benchmark in one process and print the figures with the machine named.

Usage:
    make bench                                  # all benchmarks
    .venv/bin/python benchmarks/run.py data     # only those whose module name contains "data"
    .venv/bin/python benchmarks/run.py --quick  # fewer repeats, no TFLite or ensemble (a busy machine)

Each ``benchmarks/<name>.py`` exposes ``main() -> dict``. The figures are written to
``benchmarks/results/<name>.json`` (atomically) so the README can quote a file anyone can regenerate.
Benchmark on an idle machine: a busy second core slows 2-thread PyTorch by 10x or more.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import platform
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
ORDER = ("data_pipeline", "fingerspelling_model", "signs", "export")
MANUAL = ("precision", "live", "compare")  # need trained models, training or a video: run by hand


def machine() -> dict:
    """The CPU and the features its figures depend on (AVX-512, VNNI for int8, AMX / AVX512_BF16 for
    bf16), the kernels torch picked, the runtimes' versions and the load when the run started."""
    import onnxruntime

    from signa.cpu import cpu_features

    features = cpu_features().to_dict()
    return {
        "cpu": features.pop("model"),
        "cpu_features": features,
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "python": platform.python_version(),
    }


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(patterns: list[str]) -> None:
    quick = "--quick" in patterns
    patterns = [p for p in patterns if p != "--quick"]
    sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]  # signa, and the shared timing helper
    from signa.files import write_json_atomic

    info = machine()
    print(f"machine: {info}", flush=True)
    names = [n for n in ORDER if (HERE / f"{n}.py").is_file()]
    names += sorted(p.stem for p in HERE.glob("*.py") if p.stem not in (*ORDER, *MANUAL, "run", "timing"))
    for name in names:
        if patterns and not any(p in name for p in patterns):
            continue
        print(f"\n=== {name}")
        start = time.perf_counter()
        bench = load(name).main
        # a benchmark with options parses them itself: give it none (or --quick), not the patterns
        result = bench(["--quick"] if quick else []) if inspect.signature(bench).parameters else bench()
        seconds = round(time.perf_counter() - start, 1)
        end = {"load_average_at_end": [round(x, 2) for x in os.getloadavg()]}
        result = {"machine": {**info, **end}, "seconds": seconds, "quick": quick, **(result or {})}
        write_json_atomic(HERE / "results" / f"{name}.json", result)


if __name__ == "__main__":
    main(sys.argv[1:])
