"""``signa compare``: fingerspelling models trained and scored alike, in one table.

    signa compare configs/fingerspelling/cfg_2.yaml configs/fingerspelling/ctc.yaml --data runs/composed \\
        --recipe configs/fingerspelling/composed-small.yaml --seeds 3 --out runs/compare \\
        --set model.dim=64 --set train.epochs=4

Every CONFIG contributes its ``model`` section and its loss weights (backward, confidence, CTC); data,
optimiser, schedule, augmentation and epochs come from one recipe (``--recipe``, default the first
CONFIG), so rows differ by model only and train the same number of steps. ``--set`` overrides apply
to every row. ``--data DIR`` holds ``data_train/`` and ``data_eval/`` (Kaggle-layout or prepared
fingerspelling sets; ``benchmarks/compare.py`` composes them from real letter handshapes).

Per config and seed: train, then score on ``data_eval`` (normalised total Levenshtein; a model with
both heads is also scored with CTC rescoring of its attention beam, as a row of its own). For seed 0
also: parameters (inference), PyTorch and ONNX latency at each ``--frames`` length (batch 1, the
configured threads, synthetic landmarks, median of ``--repeats``) and the exported ONNX size.
Training samples/s are the mean over seeds.

Resumable: each finished seed writes ``OUT/runs/<config>-seed<k>/result.json`` and each measured
config ``measure.json`` (atomically); a rerun skips them (refusing, in one line, a finished seed
trained with other settings) and retrains an unfinished seed from scratch. Output:
``OUT/compare.json`` and the Markdown table ``OUT/compare.md``.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from signa.config import apply_overrides, read_mapping
from signa.errors import SignaError
from signa.files import write_json_atomic, write_text_atomic

LOSS_WEIGHTS = ("backward_loss_weight", "confidence_loss_weight", "ctc_loss_weight")
RESULT_FILE, MEASURE_FILE = "result.json", "measure.json"
RESCORED = " + CTC rescoring"


@dataclass(frozen=True)
class CompareOptions:
    """``beam``, ``ctc_weight``: the rescoring row's attention candidates and CTC weight."""

    data: Path
    out: Path
    recipe: Path | None = None
    seeds: int = 3
    overrides: tuple[str, ...] = ()
    repeats: int = 5
    frames: tuple[int, ...] = (128, 384)
    threads: int = 1
    beam: int = 4
    ctc_weight: float = 0.5
    eval_batch_size: int = 64
    log: Any = field(default=print, repr=False)

    @property
    def data_sets(self) -> tuple[Path, Path]:
        return self.data / "data_train", self.data / "data_eval"


def compare(configs: list[Path], options: CompareOptions) -> dict:
    """Train, score and measure every config; write and return the comparison."""
    import torch

    experiments = check_inputs(configs, options)
    torch.set_num_threads(options.threads)
    rows = []
    for config in configs:
        runs = [run_seed(config, experiments[config](seed), options, seed) for seed in range(options.seeds)]
        measured = measure_config(options.out / "runs" / f"{config.stem}-seed0", options)
        rows += summarise(config.stem, runs, measured)
    result = {
        "data": {"train": str(options.data_sets[0]), "eval": str(options.data_sets[1])},
        "recipe": str(options.recipe or configs[0]),
        "overrides": list(options.overrides),
        "seeds": options.seeds,
        "threads": options.threads,
        "frames": list(options.frames),
        "rescoring": {"beam": options.beam, "ctc_weight": options.ctc_weight},
        "rows": rows,
    }
    write_json_atomic(options.out / "compare.json", result)
    write_text_atomic(options.out / "compare.md", markdown(result))
    return result


def check_inputs(configs: list[Path], options: CompareOptions) -> dict:
    """Refuse bad options, data or configs before anything trains; returns ``config -> (seed ->
    experiment)``."""
    if not configs:
        raise SignaError("give at least one config to compare")
    if options.seeds < 1 or options.repeats < 1 or min(options.frames, default=0) < 1:
        raise SignaError("--seeds, --repeats and --frames must be positive")
    for folder in options.data_sets:
        if not folder.is_dir():
            raise SignaError("missing: --data needs data_train/ and data_eval/ folders", folder)
    stems = [c.stem for c in configs]
    if len(set(stems)) < len(stems):
        raise SignaError(f"two configs share a name: {', '.join(stems)}")
    recipe = read_mapping(options.recipe or configs[0])
    experiments = {}
    for config in configs:
        row = read_mapping(config)
        experiments[config] = lambda seed, c=config, r=row: experiment_for(c, r, recipe, options, seed)
        experiments[config](0)  # every check of the config and the overrides, now
    return experiments


def experiment_for(config: Path, row: dict, recipe: dict, options: CompareOptions, seed: int):
    """The recipe with ``row``'s model section and loss weights, then the shared overrides."""
    from signa.train.config import experiment_from_dict

    if not isinstance(row.get("model"), dict):
        raise SignaError("a compared config needs a model section", config)
    weights = {k: v for k, v in (row.get("options") or {}).items() if k in LOSS_WEIGHTS}
    mapping = {**recipe, "model": row["model"], "options": {**(recipe.get("options") or {}), **weights}}
    fixed = [f"data.train={options.data_sets[0]}", "data.valid=null", "data.fold=-1", f"seed={seed}"]
    fixed += ["train.progress=false", "train.tensorboard=false"]
    return experiment_from_dict(apply_overrides(mapping, [*options.overrides, *fixed], config), config)


def run_seed(config: Path, experiment, options: CompareOptions, seed: int) -> dict:
    """Train and score one seed, or read its finished result (refused if trained otherwise)."""
    from signa.train.config import EXPERIMENT_FILE, check_same_experiment

    run_dir = options.out / "runs" / f"{config.stem}-seed{seed}"
    done = run_dir / RESULT_FILE
    if done.is_file():
        check_same_experiment(run_dir / EXPERIMENT_FILE, experiment)
        return json.loads(done.read_text())
    if run_dir.exists():  # interrupted: its steps/s and schedule would not be comparable
        shutil.rmtree(run_dir)
    result = train_and_score(experiment, run_dir, options)
    write_json_atomic(done, result)
    options.log(f"{config.stem} seed {seed}: {result}")
    return result


def train_and_score(experiment, run_dir: Path, options: CompareOptions) -> dict:
    from signa.evaluate.evaluate import evaluate_checkpoint
    from signa.train.loop import train

    start = time.perf_counter()
    trained = train(experiment, run_dir, threads=options.threads)
    seconds = time.perf_counter() - start
    samples = trained.step * experiment.data.batch_size * experiment.train.grad_accumulation
    data_eval, batch = options.data_sets[1], options.eval_batch_size
    result = {
        "score": evaluate_checkpoint(run_dir, data_eval, batch_size=batch, threads=options.threads).score,
        "steps": trained.step,
        "train_seconds": round(seconds, 1),
        "train_samples_per_s": samples / seconds,
    }
    if set(experiment.model.get("heads", ())) >= {"attention", "ctc"}:
        rescore = {"eval_decoding": "rescore", "eval_beam_size": options.beam}
        rescore["eval_ctc_weight"] = options.ctc_weight
        evaluation = evaluate_checkpoint(
            run_dir, data_eval, batch_size=batch, threads=options.threads, options=rescore
        )
        result["rescored_score"] = evaluation.score
    return result


def measure_config(run_dir: Path, options: CompareOptions) -> dict:
    """Parameters, latency (PyTorch, ONNX; batch 1) and ONNX size of a trained run, or its saved record."""
    done = run_dir / MEASURE_FILE
    if done.is_file():
        return json.loads(done.read_text())
    from signa.export import export_checkpoints
    from signa.infer.runtime import Recognizer
    from signa.models.checkpoint import checkpoint_folder, load_model
    from signa.models.summary import count_parameters
    from signa.timing import median_ms

    checkpoint = checkpoint_folder(run_dir)
    model, _ = load_model(checkpoint)
    export_dir = run_dir / "onnx"
    export_checkpoints([checkpoint], export_dir)
    backends = {
        name: Recognizer(path, gate=None, threads=options.threads).backend
        for name, path in (("pytorch", checkpoint), ("onnx", export_dir))
    }
    rng = np.random.default_rng(0)
    measured = {"parameters": count_parameters(model)["inference"]}
    for frames in options.frames:
        landmarks = rng.normal(0.5, 0.1, (frames, 543, 3)).astype(np.float32)
        for name, backend in backends.items():
            run = lambda backend=backend, x=landmarks: backend.run(x)  # noqa: E731
            measured[f"{name}_ms_{frames}"] = median_ms(run, options.repeats)
    measured["onnx_mb"] = sum(p.stat().st_size for p in export_dir.glob("*.onnx")) / 1e6
    write_json_atomic(done, measured)
    return measured


def summarise(name: str, runs: list[dict], measured: dict) -> list[dict]:
    """The config's row (and its rescoring row): scores over seeds, mean ± std, throughput, measures."""
    shared = {
        "steps": runs[0]["steps"],
        "train_samples_per_s": statistics.mean(r["train_samples_per_s"] for r in runs),
    }
    rows = [{"config": name, **score_stats([r["score"] for r in runs]), **shared, **measured}]
    if all("rescored_score" in r for r in runs):
        stats = score_stats([r["rescored_score"] for r in runs])
        rows.append({"config": name + RESCORED, **stats, **shared, "parameters": measured["parameters"]})
    return rows


def score_stats(scores: list[float]) -> dict:
    std = statistics.stdev(scores) if len(scores) > 1 else 0.0
    return {"scores": scores, "mean": statistics.mean(scores), "std": std}


def markdown(result: dict) -> str:
    """The comparison as a Markdown table; a rescoring row has no exported form (—)."""
    frames = " / ".join(str(f) for f in result["frames"])
    lines = [
        f"| config | score (mean ± std) | parameters | train samples/s | PyTorch ms {frames} "
        f"| ONNX ms {frames} | ONNX MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        cells = [_latency(r, b, result["frames"]) for b in ("pytorch", "onnx")]
        size = f"{r['onnx_mb']:.2f}" if "onnx_mb" in r else "—"
        lines.append(
            f"| {r['config']} | {r['mean']:.3f} ± {r['std']:.3f} | {r['parameters']:,} | "
            f"{r['train_samples_per_s']:.0f} | {cells[0]} | {cells[1]} | {size} |"
        )
    return "\n".join(lines) + "\n"


def _latency(row: dict, backend: str, frames: list[int]) -> str:
    keys = [f"{backend}_ms_{f}" for f in frames]
    return " / ".join(f"{row[k]:.1f}" for k in keys) if all(k in row for k in keys) else "—"
