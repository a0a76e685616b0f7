"""Fair comparison of fingerspelling models: same composed data, training recipe, step budget and seeds.

Each CONFIG contributes its ``model`` section (and its loss weights: backward, confidence, CTC); data,
optimiser, schedule, augmentation and epochs come from one recipe (``--recipe``, default
``configs/fingerspelling/composed-small.yaml``), so rows differ by model only. ``--set`` overrides (to
shrink the models, change the budget) apply to every row and are recorded in the results. Per config and
seed: train (``signa train``'s loop), score on the held-out composed set (``signa evaluate``); for seed 0
also parameters, training samples/s, PyTorch and ONNX latency at 128 and 384 frames (batch 1, one
thread, synthetic landmarks, median of ``--repeats``) and the exported ONNX size.

Usage:
    .venv/bin/python benchmarks/compare.py configs/fingerspelling/cfg_2.yaml \\
        configs/fingerspelling/zipformer.yaml --out runs/compare --seeds 3 \\
        --set model.dim=64 --set model.encoder.layers=2 --set train.epochs=4

Data: ``--data DIR`` with ``data_train/`` and ``data_eval/`` composed sets, or composed into OUT by
``scripts/composed_experiment.py``'s functions (held-out letter frames and unseen phrases; see the
README, "Composed fingerspelling"). Output: ``OUT/compare.json`` and the Markdown table
``OUT/compare.md``. Not part of ``make bench`` (it trains).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "scripts"), str(Path(__file__).parent)]

from composed_experiment import SHARED, compose_sets, spellable_filter, write_phrases  # noqa: E402
from timing import median_ms  # noqa: E402

from signa.config import apply_overrides, read_mapping  # noqa: E402
from signa.data.fingerspelling import TABLES  # noqa: E402
from signa.evaluate.evaluate import evaluate_checkpoint  # noqa: E402
from signa.export import export_checkpoints  # noqa: E402
from signa.files import write_json_atomic, write_text_atomic  # noqa: E402
from signa.infer import Recognizer  # noqa: E402
from signa.models.checkpoint import checkpoint_folder, load_model  # noqa: E402
from signa.models.summary import count_parameters  # noqa: E402
from signa.train.config import experiment_from_dict  # noqa: E402
from signa.train.data import open_store  # noqa: E402
from signa.train.loop import train  # noqa: E402

RECIPE = REPO / "configs" / "fingerspelling" / "composed-small.yaml"
LOSS_WEIGHTS = ("backward_loss_weight", "confidence_loss_weight", "ctc_loss_weight")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("configs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, help="folder with data_train/ and data_eval/ (default: OUT)")
    parser.add_argument("--recipe", type=Path, default=RECIPE)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="for every row")
    parser.add_argument("--train-phrases", type=int, default=600)
    parser.add_argument("--eval-phrases", type=int, default=100)
    parser.add_argument("--max-length", type=int, default=16, help="longest composed phrase")
    parser.add_argument("--repeats", type=int, default=5, help="latency runs per measurement")
    parser.add_argument("--frames", type=int, nargs="+", default=[128, 384], help="latency lengths")
    return parser.parse_args(argv)


def composed_data(args) -> tuple[Path, Path]:
    folder = args.data or args.out
    sets = folder / "data_train", folder / "data_eval"
    if not all((s / "train.csv").is_file() for s in sets):
        folder.mkdir(parents=True, exist_ok=True)
        letters, alphabet = SHARED / "letters" / "asl_ai_hand_landmarks.parquet", "kaggle"
        spellable = spellable_filter(letters, alphabet)
        counts = args.train_phrases, args.eval_phrases
        phrases = write_phrases(folder, *counts, 0, args.max_length, spellable)
        sets = compose_sets(folder, phrases, signers=12, seed=0, letters=letters, alphabet=alphabet)
    for folder in sets:  # prepared once here, so no run's samples/s counts the preparation
        open_store(folder, None, "fingerspelling", TABLES)
    return sets


def experiment_for(config: Path, recipe: dict, overrides: list[str], data_train: Path, seed: int):
    """The recipe with ``config``'s model section and loss weights, then the shared overrides."""
    row = read_mapping(config)
    options = dict(recipe.get("options") or {})
    options.update({k: v for k, v in (row.get("options") or {}).items() if k in LOSS_WEIGHTS})
    mapping = {**recipe, "model": row["model"], "options": options}
    fixed = [f"data.train={data_train}", "data.valid=null", "data.fold=-1", f"seed={seed}"]
    fixed += ["train.progress=false", "train.tensorboard=false"]
    return experiment_from_dict(apply_overrides(mapping, [*overrides, *fixed], config), config)


def train_and_score(experiment, run_dir: Path, data_eval: Path) -> dict:
    start = time.perf_counter()
    result = train(experiment, run_dir)
    seconds = time.perf_counter() - start
    samples = result.step * experiment.data.batch_size * experiment.train.grad_accumulation
    score = evaluate_checkpoint(run_dir, data_eval, batch_size=64).score
    return {"score": score, "steps": result.step, "train_samples_per_s": samples / seconds}


def measure_model(run_dir: Path, repeats: int, frame_counts: list[int]) -> dict:
    """Parameters, latency (PyTorch, ONNX; batch 1) and ONNX size of a trained run."""
    checkpoint = checkpoint_folder(run_dir)
    model, _ = load_model(checkpoint)
    export_dir = run_dir / "onnx"
    export_checkpoints([checkpoint], export_dir)
    backends = {"pytorch": Recognizer(checkpoint, gate=None), "onnx": Recognizer(export_dir, gate=None)}
    rng = np.random.default_rng(0)
    latency = {}
    for frames in frame_counts:
        landmarks = rng.normal(0.5, 0.1, (frames, 543, 3)).astype(np.float32)
        for name, recognizer in backends.items():
            run = recognizer.backend.run
            latency[f"{name}_ms_{frames}"] = median_ms(lambda run=run, x=landmarks: run(x), repeats)
    size = sum(p.stat().st_size for p in export_dir.glob("*.onnx"))
    return {"parameters": count_parameters(model)["inference"], "onnx_mb": size / 1e6, **latency}


def compare(args) -> dict:
    torch.set_num_threads(1)
    data_train, data_eval = composed_data(args)
    recipe = read_mapping(args.recipe)
    rows = []
    for config in args.configs:
        runs = []
        for seed in range(args.seeds):
            run_dir = args.out / "runs" / f"{config.stem}-seed{seed}"
            experiment = experiment_for(config, recipe, args.overrides, data_train, seed)
            runs.append(train_and_score(experiment, run_dir, data_eval))
            print(f"{config.stem} seed {seed}: {runs[-1]}", flush=True)
        scores = [r["score"] for r in runs]
        row = {"config": config.stem, "scores": scores, "mean": statistics.mean(scores)}
        row["std"] = statistics.stdev(scores) if len(scores) > 1 else 0.0
        row["train_samples_per_s"] = statistics.mean(r["train_samples_per_s"] for r in runs)
        row["steps"] = runs[0]["steps"]
        rows.append(
            row | measure_model(args.out / "runs" / f"{config.stem}-seed0", args.repeats, args.frames)
        )
    return {
        "data": {
            "train": str(data_train),
            "eval": str(data_eval),
            "kind": "COMPOSED, held-out frames+phrases",
        },
        "recipe": str(args.recipe),
        "overrides": args.overrides,
        "seeds": args.seeds,
        "threads": 1,
        "frames": args.frames,
        "rows": rows,
    }


def markdown(result: dict) -> str:
    frames = " / ".join(str(f) for f in result["frames"])
    header = (
        f"| config | score (mean ± std) | parameters | train samples/s | PyTorch ms {frames} "
        f"| ONNX ms {frames} | ONNX MB |\n|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in result["rows"]:
        latency = {
            b: " / ".join(f"{r[f'{b}_ms_{f}']:.1f}" for f in result["frames"]) for b in ("pytorch", "onnx")
        }
        lines.append(
            f"| {r['config']} | {r['mean']:.3f} ± {r['std']:.3f} | {r['parameters']:,} | "
            f"{r['train_samples_per_s']:.0f} | {latency['pytorch']} | {latency['onnx']} "
            f"| {r['onnx_mb']:.2f} |"
        )
    return header + "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    args = parse_args(argv)
    result = compare(args)
    write_json_atomic(args.out / "compare.json", result)
    table = markdown(result)
    write_text_atomic(args.out / "compare.md", table)
    print(table)
    return result


if __name__ == "__main__":
    main()
