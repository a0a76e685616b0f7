"""Isolated-sign model speed: per-sequence latency against the 100 ms Kaggle budget, training throughput.

Usage:
    .venv/bin/python benchmarks/run.py signs      # through the runner (machine named, JSON saved)
    .venv/bin/python benchmarks/signs.py          # alone

Inputs are synthetic (random landmarks with both hands present, named ``synthetic``): speed does not
depend on the values. Latency is one sequence at a time, raw (T, 543, 3) landmarks in, probabilities
out, preprocessing included, for both distilled models (max_len 25: 9.8 M parameters; max_len 80:
6.9 M), in fp32 and under bf16 autocast. Training throughput is forward + backward + AdamW step of
the distilled max_len-25 model alone and of the full recipe (35 M student, its EMA teacher and the
distilled model, three augmented views). Medians; benchmark on an idle machine.
"""

from __future__ import annotations

import contextlib
import os

import torch
from timing import median_ms, precisions

BUDGET_MS = 100.0
DISTILLED = {
    "distilled-len25": {"max_len": 25, "dense_dim": 192, "widths": [512, 768, 768, 512]},
    "distilled-len80": {"max_len": 80, "dense_dim": 192, "widths": [512, 576, 576, 512]},
}
TEACHER_LEN25 = {"dense_dim": 512, "widths": [1024, 1280, 1536, 1536]}


def synthetic_landmarks(frames: int, seed: int = 0) -> torch.Tensor:
    """``synthetic``: (frames, 543, 3) uniform landmarks, nothing missing."""
    return torch.rand(frames, 543, 3, generator=torch.Generator().manual_seed(seed))


def _autocast(precision: str):
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def latency(config: dict, frames: int, precision: str, repeats: int) -> float:
    from signa.data.preprocess_signs import SignPreprocessor
    from signa.models.registry import build_model

    model = build_model("islr6", config).eval()
    preprocess = SignPreprocessor(config["max_len"])
    landmarks = synthetic_landmarks(frames)

    @torch.inference_mode()
    def run():
        points, mask = preprocess(landmarks)
        with _autocast(precision):
            return torch.softmax(model(points[None], mask[None]).float(), -1)

    return median_ms(run, repeats, warmup=3)


def training_samples_per_second(
    task_options: dict, model: dict, batch: int, precision: str, steps: int
) -> float:
    """Samples/s of the isolated-sign task's training step on synthetic batches (no data loading)."""
    from signa.train.config import experiment_from_dict
    from signa.train.optim import build_optimizer
    from signa.train.signs import SignsTask
    from signa.train.task import Progress

    experiment = experiment_from_dict(
        {"task": "signs", "model": {"arch": "islr6", "n_classes": 250, **model}, "options": task_options}
    )
    task = SignsTask(experiment)
    task.labels = _labels(250)
    task.models = task.build_models()
    optimizer = build_optimizer([task.models[n] for n in task.trainable()], experiment.optim)
    max_len = model["max_len"]
    views = task._views()
    generator = torch.Generator().manual_seed(0)
    data = {
        "points": torch.randn(views, batch, max_len, 100, 3, generator=generator),
        "mask": torch.ones(views, batch, max_len, dtype=torch.bool),
        "label": torch.randint(250, (batch,), generator=generator),
        "sequence_id": [str(i) for i in range(batch)],
    }

    def step():
        with _autocast(precision):
            loss, _ = task.training_step(task.models, data, Progress(0, 1, 100))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        task.after_optimizer_step(Progress(0, 1, 100))

    return batch / (median_ms(step, steps, warmup=1) / 1000)


def _labels(n: int):
    from signa.data.vocab import LabelMap

    return LabelMap(tuple(f"sign{i}" for i in range(n)))


def main() -> dict:
    default_threads = torch.get_num_threads()
    results = {
        "input": "synthetic",
        "load_average": os.getloadavg()[0],
        "budget_ms": BUDGET_MS,
        "latency_ms": {},
        "train_samples_per_s": {},
    }
    # One thread is also measured: on a shared or busy CPU, two-thread PyTorch can be many times slower.
    for threads in sorted({1, default_threads}):
        torch.set_num_threads(threads)
        for name, config in DISTILLED.items():
            full = {"n_classes": 250, **config}
            cases = [(config["max_len"], p) for p in precisions()] + [(4 * config["max_len"], "fp32")]
            for frames, precision in cases:
                ms = latency(full, frames, precision, repeats=15)
                key = f"{name} {frames} frames {precision} {threads} thread(s)"
                results["latency_ms"][key] = round(ms, 2)
                verdict = "within" if ms <= BUDGET_MS else "OVER"
                print(f"latency  {key:48s} {ms:8.2f} ms  ({verdict} the {BUDGET_MS:.0f} ms budget)")
        alone = {"mean_teacher": False, "mixup_p": 0.0}
        recipe = {"teacher_model": TEACHER_LEN25}
        for label, options, batch in (
            ("distilled-len25 alone", alone, 32),
            ("full recipe len25", recipe, 16),
        ):
            for precision in precisions():
                config = DISTILLED["distilled-len25"]
                rate = training_samples_per_second(options, config, batch, precision, steps=2)
                key = f"{label} batch {batch} {precision} {threads} thread(s)"
                results["train_samples_per_s"][key] = round(rate, 1)
                print(f"training {key:48s} {rate:8.1f} samples/s")
    torch.set_num_threads(default_threads)
    return results


if __name__ == "__main__":
    main()
