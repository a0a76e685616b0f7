"""Exported models: size and latency of PyTorch eager, ONNX Runtime and TFLite, side by side in one run.

Usage:
    .venv/bin/python benchmarks/export.py [--threads 2] [--repeats 7] [--no-tflite] [--keep DIR]
    make bench                          # with every other benchmark, results in benchmarks/results/

Weights are RANDOM (seeded) and inputs SYNTHETIC (random landmarks, every frame present): the
figures measure size and speed only. Fingerspelling: cfg_2 at 384 frames, a full 33-step greedy
decode, batch 1, preprocessing inside every graph; forms: PyTorch eager (the export wrapper), ONNX
unrolled (one graph) at fp32/fp16/int8 (dynamic int8 matmuls), ONNX stepwise (encoder graph +
one-step graph driven by a Python loop), ONNX loop (the greedy loop as an ONNX ``Loop`` stopping
at EOS), TFLite (litert-torch, the 384-frame signature) at
fp32/fp16/int8 weights, and the variable-length TFLite file (ONNX -> TensorFlow route, when
``make onnx2tf-env`` has set its interpreter up). Printed beside them: the
encoder's matmul/conv FLOPs over the machine's measured rate for a model-shaped 3072x208x208
matmul (the time the encoder's arithmetic needs), and the key/value-cached decoder against
re-running the decoder over the whole prefix at every step. Sizes: cfg_2 fp32 and fp16 ONNX, a
two-seed fp16 ensemble (the Kaggle cap is 40 MB), TFLite files. Isolated signs: both distilled
ISLR models, one sequence of 64 frames, against the competition's 100 ms budget. Early exit: the
loop variant run for exactly 19 (a median Kaggle phrase) and 33 steps against the unrolled graph,
at 128 and 384 frames. OpenVINO (when installed) against ONNX Runtime on the same files.
Exporting cfg_2 takes minutes (torch.export of 33 unrolled decoder steps); TFLite conversion more.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from timing import median_ms

from signa.data.vocab import Vocabulary
from signa.export import ExportOptions, export_checkpoints
from signa.infer import Recognizer
from signa.models.checkpoint import save_model
from signa.models.decoding import SpecialTokens, greedy_decode
from signa.models.registry import build_model

VOCAB = Vocabulary.kaggle()
FRAMES = 384
THREADS = [2]  # set by main(): every runtime gets the same number of threads
SIGN_CONFIGS = {
    "islr6-len25": {"max_len": 25, "dense_dim": 192, "widths": [512, 768, 768, 512]},
    "islr6-len80": {"max_len": 80, "dense_dim": 192, "widths": [512, 576, 576, 512]},
}


def open_model(path, **options) -> Recognizer:
    return Recognizer(path, threads=THREADS[0], **options)


def megabytes(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.iterdir() if p.suffix in (".onnx", ".tflite")) / 1e6, 2)


def synthetic(frames: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((frames, 543, 3), dtype=np.float32)


def save_fingerspelling(folder: Path, seed: int) -> Path:
    torch.manual_seed(seed)
    meta = {"task": "fingerspelling", "vocab": VOCAB.to_mapping()}
    return save_model(folder, build_model("fingerspelling", {}).eval(), meta)


def matmul_rate_gflops(repeats: int) -> float:
    """fp32 GFLOP/s of a model-shaped (3072 x 208) @ (208 x 208) matmul on this machine."""
    a, b = torch.randn(3072, 208), torch.randn(208, 208)
    ms = median_ms(lambda: a @ b, repeats * 20, warmup=5)
    return round(2 * 3072 * 208 * 208 / (ms / 1000) / 1e9, 1)


def encoder_gflop(model, frames: int) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.randn(1, frames, 130, 3)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model.forward_encoder(x, None)
    return counter.get_total_flops() / 1e9


def decoder_cache_vs_rerun(model, repeats: int) -> dict:
    """33 greedy steps over a 384-frame encoding: cached steps against re-running the prefix."""
    special = SpecialTokens.of(VOCAB)
    with torch.no_grad():
        enc = model.forward_encoder(torch.randn(1, FRAMES, 130, 3), None)

        def rerun():
            tokens = torch.full((1, 1), special.sos)
            for _ in range(33):
                logits = model.forward_decoder(tokens, enc)[:, -1]
                tokens = torch.cat([tokens, logits.argmax(-1, keepdim=True)], 1)

        cached = median_ms(
            lambda: greedy_decode(model.decoder, enc, None, special, 33, fixed_steps=True), repeats
        )
        return {"kv_cache_ms": cached, "rerun_decoder_ms": median_ms(rerun, repeats)}


def fingerspelling(work: Path, repeats: int, tflite: bool, variable_tflite: bool) -> dict:
    first, _ = save_fingerspelling(work / "seed0", 0), save_fingerspelling(work / "seed1", 1)
    model = build_model("fingerspelling", {}).eval()
    exports = {}
    for name, checkpoints, options in [
        ("onnx_unrolled", [first], ExportOptions()),
        ("onnx_stepwise", [first], ExportOptions(variant="stepwise")),
    ] + ([("tflite_fp32", [first], ExportOptions(format="tflite", lengths=(FRAMES,)))] if tflite else []):
        exports[name] = export_once(checkpoints, work / name, options)
        print(f"  exported {name}: {exports[name]}", flush=True)
    if variable_tflite:
        options = ExportOptions(format="tflite", route="onnx2tf")
        exports["tflite_variable_fp32"] = export_once([first], work / "tflite_variable_fp32", options)
    derived = [("onnx_fp16", "onnx_unrolled"), ("onnx_int8", "onnx_unrolled")] + (
        [("tflite_fp16", "tflite_fp32"), ("tflite_int8", "tflite_fp32")] if tflite else []
    )
    for name, source in derived:
        start = time.perf_counter()
        with_precision(work / source, name.split("_")[-1], work / name)
        exports[name] = {"export_s": round(time.perf_counter() - start, 1), "mb": megabytes(work / name)}
    as_loop(work / "onnx_stepwise", work / "onnx_loop")
    exports["onnx_loop"] = {"export_s": None, "mb": megabytes(work / "onnx_loop")}
    landmarks = synthetic(FRAMES)
    latency = {"pytorch_eager": _latency(open_model(first, gate=None), landmarks, repeats)}
    for name in exports:
        latency[name] = _latency(open_model(work / name, gate=None), landmarks, repeats)
    rate = matmul_rate_gflops(repeats)
    gflop = encoder_gflop(model, FRAMES)
    result = {
        "weights": "random (seeded)",
        "inputs": f"synthetic, {FRAMES} frames, every frame present",
        "latency_ms": latency,
        "exports": exports,
        "matmul_3072x208x208_gflops": rate,
        "encoder_gflop_384": round(gflop, 2),
        "encoder_matmul_bound_ms": round(gflop / rate * 1000, 1),
        "decoder": decoder_cache_vs_rerun(model, repeats),
        "early_exit": early_exit(work, repeats),
        "openvino": openvino_vs_onnxruntime(work, landmarks, repeats),
    }
    return result


def as_loop(stepwise: Path, target: Path) -> None:
    """The loop variant composed from the stepwise export (``signa export --variant loop``'s last step)."""
    import dataclasses
    import shutil

    from signa.export.metadata import read_export_info, write_export_info
    from signa.export.onnx_loop import export_loop

    info = read_export_info(stepwise)

    def copy_pair(folder: Path) -> dict[str, str]:
        for name in info.files.values():
            shutil.copyfile(stepwise / name, folder / name)
        return dict(info.files)

    target.mkdir(parents=True, exist_ok=True)
    files = export_loop(copy_pair, target, "fp32", info.decoding["steps"], info.decoding["eos_id"])
    write_export_info(target, dataclasses.replace(info, variant="loop", files=files))


def early_exit(work: Path, repeats: int) -> dict:
    """ONNX Runtime: the loop variant against the unrolled graph (always 33 steps), 128 and 384 frames.

    Random weights emit EOS wherever they happen to, so the loop is composed with an EOS id that no
    step emits and a budget of n steps, and runs exactly n: 19 (Kaggle's median phrase, ~18
    characters, then EOS) and 33 (the whole budget: the Loop's own overhead). One thread, CPU time
    (``time.process_time``): the ratio then survives other processes sharing the cores.
    """
    from signa.export.onnx import open_session
    from signa.export.onnx_loop import compose_loop

    stepwise = work / "onnx_stepwise"
    sessions = {"unrolled_33_steps": open_session(work / "onnx_unrolled" / "model.onnx", 1)}
    for steps in (19, 33):
        path = compose_loop(
            stepwise / "encoder.onnx", stepwise / "decoder_step.onnx", work / f"loop{steps}.onnx", steps, -1
        )
        sessions[f"loop_{steps}_steps"] = open_session(path, 1)
    out = {}
    for frames in (128, 384):
        feed = {"landmarks": synthetic(frames)}
        out[f"{frames}_frames_cpu_ms"] = {
            name: median_ms(lambda s=session, f=feed: s.run(None, f), repeats, clock=time.process_time)
            for name, session in sessions.items()
        }
    print(f"  early exit: {out}", flush=True)
    return out


def openvino_vs_onnxruntime(work: Path, landmarks: np.ndarray, repeats: int) -> dict:
    """OpenVINO reading the same ONNX files as ONNX Runtime: fp32, int8, and fp32 under OpenVINO's bf16
    inference hint where the CPU has native bf16; tokens compared with ONNX Runtime's. One thread each,
    CPU time (2-thread OpenVINO stalled for minutes on a busy 2-core machine)."""
    try:
        import openvino
    except ImportError:
        return {"skipped": "openvino is not installed (pip install openvino)"}
    from signa.cpu import native_bf16
    from signa.export.onnx import open_session

    core, out = openvino.Core(), {"openvino": openvino.__version__}
    cases = [("onnx_unrolled", "f32"), ("onnx_int8", "f32")] + (
        [("onnx_unrolled", "bf16")] if native_bf16() else []
    )
    for name, hint in cases:
        path = work / name / "model.onnx"
        session = open_session(path, 1)
        expected = session.run(None, {"landmarks": landmarks})
        config = {"INFERENCE_NUM_THREADS": 1, "INFERENCE_PRECISION_HINT": hint}
        request = core.compile_model(str(path), "CPU", config).create_infer_request()
        logits, tokens = list(request.infer({0: landmarks}).values())[:2]
        out[f"{name}_{hint}"] = {
            "onnxruntime_cpu_ms": median_ms(
                lambda s=session: s.run(None, {"landmarks": landmarks}), repeats, clock=time.process_time
            ),
            "openvino_cpu_ms": median_ms(
                lambda r=request: r.infer({0: landmarks}), repeats, clock=time.process_time
            ),
            "same_tokens": bool(np.array_equal(tokens, expected[1])),
            "max_logit_difference": float(np.abs(logits - expected[0]).max()),  # NaN if OpenVINO gave NaN
        }
    print(f"  openvino: {out}", flush=True)
    return out


def export_once(checkpoints: list[Path], folder: Path, options: ExportOptions) -> dict:
    """Export, or reuse the export a previous run left in ``--keep`` (made by this same code)."""
    if (folder / "export.json").is_file():
        return {"export_s": None, "mb": megabytes(folder), "reused": True}
    start = time.perf_counter()
    export_checkpoints(checkpoints, folder, options)
    return {"export_s": round(time.perf_counter() - start, 1), "mb": megabytes(folder)}


def with_precision(source: Path, precision: str, target: Path) -> None:
    """An fp32 export re-written with fp16 or int8 weights: what
    ``signa export --precision`` does after the conversion, without converting again."""
    import dataclasses
    import shutil

    from signa.export.exporter import rewrite_precision
    from signa.export.metadata import read_export_info, write_export_info

    info = read_export_info(source)
    target.mkdir(parents=True, exist_ok=True)
    for name in info.files.values():
        shutil.copyfile(source / name, target / name)
    options = ExportOptions(format=info.format, precision=precision)
    files = rewrite_precision(dict(info.files), target, options)
    write_export_info(target, dataclasses.replace(info, precision=precision, files=files))


def _latency(recognizer: Recognizer, landmarks: np.ndarray, repeats: int) -> dict:
    steps = int(np.sum(np.cumsum(recognizer.raw(landmarks).tokens == VOCAB.eos_id) == 0)) + 1
    return {"ms": median_ms(lambda: recognizer.raw(landmarks), repeats), "decoded_steps": min(steps, 33)}


def signs(work: Path, repeats: int) -> dict:
    out = {}
    landmarks = synthetic(64)
    for name, config in SIGN_CONFIGS.items():
        torch.manual_seed(0)
        labels = {f"sign{i}": i for i in range(250)}
        folder = save_model(
            work / name,
            build_model("islr6", {**config, "n_classes": 250}).eval(),
            {"task": "signs", "labels": labels},
        )
        export_checkpoints([folder], work / f"{name}_onnx")
        export_checkpoints([folder], work / f"{name}_onnx_fp16", ExportOptions(precision="fp16"))
        export_checkpoints([folder], work / f"{name}_onnx_int8", ExportOptions(precision="int8"))
        out[name] = {
            "pytorch_eager_ms": median_ms(_runner(open_model(folder), landmarks), repeats),
            "onnx_ms": median_ms(_runner(open_model(work / f"{name}_onnx"), landmarks), repeats),
            "onnx_int8_ms": median_ms(_runner(open_model(work / f"{name}_onnx_int8"), landmarks), repeats),
            "onnx_mb": megabytes(work / f"{name}_onnx"),
            "onnx_fp16_mb": megabytes(work / f"{name}_onnx_fp16"),
            "onnx_int8_mb": megabytes(work / f"{name}_onnx_int8"),
            "budget_ms": 100,
        }
        print(f"  {name}: {out[name]}", flush=True)
    return out


def _has_converter_env() -> bool:
    """Whether the TensorFlow interpreter of the variable-length TFLite route is set up."""
    from signa.errors import SignaError
    from signa.export.onnx2tf import find_python

    try:
        find_python()
    except SignaError:
        print("  (variable-length TFLite skipped: run `make onnx2tf-env` to include it)", flush=True)
        return False
    return True


def _runner(recognizer: Recognizer, landmarks: np.ndarray):
    return lambda: recognizer.raw(landmarks)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-tflite", action="store_true")
    parser.add_argument("--no-ensemble", action="store_true", help="Skip the two-seed ensemble export.")
    parser.add_argument("--keep", type=Path, default=None, help="Folder to keep the exported files in.")
    parser.add_argument("--quick", action="store_true", help="5 repeats, no TFLite, no ensemble")
    args = parser.parse_args(argv or [])
    if args.quick:
        args.repeats, args.no_tflite, args.no_ensemble = 5, True, True
    torch.set_num_threads(args.threads)
    THREADS[0] = args.threads
    import importlib.util

    tflite = not args.no_tflite and importlib.util.find_spec("litert_torch") is not None
    variable_tflite = tflite and _has_converter_env()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        load = [round(x, 1) for x in os.getloadavg()]
        result = {"threads": args.threads, "load_average_at_start": load}
        # signs first: measured after the fingerspelling part, whose TFLite/TensorFlow and ONNX Runtime
        # thread pools stay in this process, PyTorch's sign latency once rose from 16 to 28 ms
        result["signs"] = signs(work, args.repeats)
        result["fingerspelling"] = fingerspelling(work, args.repeats, tflite, variable_tflite)
        print(result["fingerspelling"], flush=True)
        if not args.no_ensemble:  # last: the slowest export (minutes), and only its size is wanted
            seeds = [work / "seed0", work / "seed1"]
            ensemble = export_once(seeds, work / "onnx_ensemble_fp16", ExportOptions(precision="fp16"))
            result["fingerspelling"]["exports"]["onnx_ensemble_fp16"] = ensemble
    _print(result)
    return result


def _print(result: dict) -> None:
    fs = result["fingerspelling"]
    print(f"fingerspelling cfg_2, {FRAMES} frames, 33-step greedy ({fs['weights']}, {fs['inputs']}):")
    for name, row in fs["latency_ms"].items():
        size = fs["exports"].get(name, {}).get("mb", "")
        print(f"  {name:<16} {row['ms']:>8.1f} ms  ({row['decoded_steps']} steps)  {size and f'{size} MB'}")
    if "onnx_ensemble_fp16" in fs["exports"]:
        print(f"  two-seed fp16 ONNX ensemble: {fs['exports']['onnx_ensemble_fp16']['mb']} MB (cap 40 MB)")
    print(
        f"  encoder: {fs['encoder_gflop_384']} GFLOP at {fs['matmul_3072x208x208_gflops']} GFLOP/s "
        f"(3072x208x208 matmul) -> {fs['encoder_matmul_bound_ms']} ms matmul bound"
    )
    best = min(row["ms"] for row in fs["latency_ms"].values())
    print(f"  fastest form / matmul bound: {best / fs['encoder_matmul_bound_ms']:.1f}x")
    print(f"  decoder, 33 steps: {fs['decoder']}")
    print(f"  early exit (ONNX Loop) against the unrolled graph: {fs['early_exit']}")
    print(f"  OpenVINO against ONNX Runtime: {fs['openvino']}")
    for name, row in result["signs"].items():
        print(f"isolated signs {name}: {row}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
