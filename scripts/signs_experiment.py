"""Isolated signs on real signers: 4 signer-independent folds of the asl-signs kit, model vs baseline.

Usage::

    .venv/bin/python scripts/signs_experiment.py                       # ~3-5 min on 2 CPU cores
    .venv/bin/python scripts/signs_experiment.py --seeds 42 1 2        # the README figures, ~10 min
    .venv/bin/python scripts/signs_experiment.py --epochs 10 --out runs/signs-quick

Trains ``configs/signs/asl-signs-small.yaml`` once per fold and seed with the shared training loop
(each fold's validation signers never appear in its training set; the folds do not depend on the
seed), fits the logistic-regression baseline on hand
statistics on the same folds, prints both, and writes ``<out>/results.json``.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from signa.data.signs import SignSequences
from signa.evaluate.sign_baseline import baseline_fold_accuracies
from signa.files import write_json_atomic
from signa.train.config import load_experiment
from signa.train.data import open_store
from signa.train.loop import train
from signa.train.signs import SignsTask

REPO = Path(__file__).resolve().parents[1]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "configs/signs/asl-signs-small.yaml"))
    parser.add_argument("--data", default=str(REPO.parent / "shared/data/asl-signs"))
    parser.add_argument("--out", default=str(REPO / "runs/signs-experiment"))
    parser.add_argument("--epochs", type=int, default=None, help="override train.epochs")
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[42], help="training seeds (folds stay fixed)"
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a busy CPU)")
    parser.add_argument("--set", action="append", default=[], help="extra config override key=value")
    return parser.parse_args()


def summary(values: list[float]) -> dict:
    return {"folds": values, "mean": float(np.mean(values)), "std": float(np.std(values))}


def main() -> dict:
    args = parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    overrides = [f"data.train={args.data}", "train.progress=false", "train.tensorboard=false", *args.set]
    if args.epochs:
        overrides.append(f"train.epochs={args.epochs}")
    experiment = load_experiment(args.config, overrides)
    n_folds = experiment.data.n_folds

    task = SignsTask(experiment)
    store = open_store(args.data, experiment.data.cache, "signs")
    folds = task.folds(store)
    labels = task.encode_labels(store, Path(args.data))
    sequences = SignSequences(store, list(range(len(store))), labels, task.max_len)
    baseline = baseline_fold_accuracies(sequences, labels, folds)

    model, seconds = {}, []
    for seed in args.seeds:
        model[seed] = []
        for fold in range(n_folds):
            run_dir = out / f"seed-{seed}" / f"fold-{fold}"
            shutil.rmtree(run_dir, ignore_errors=True)
            start = time.perf_counter()
            result = train(experiment.replace(seed=seed).with_data(fold=fold), run_dir)
            seconds.append(time.perf_counter() - start)
            model[seed].append(result.metrics["accuracy"])
            print(
                f"seed {seed} fold {fold}: model {model[seed][-1]:.3f}  baseline {baseline[fold]:.3f}",
                flush=True,
            )

    majority = float(max(np.bincount(labels)) / len(labels))
    results = {
        "data": "asl-signs (126 real sequences, 2 signs, 21 signers)",
        "folds": n_folds,
        "fold_sizes": np.bincount(folds).tolist(),
        "config": str(args.config),
        "overrides": overrides,
        "model_accuracy": {seed: summary(values) for seed, values in model.items()},
        "model_accuracy_all_seeds": summary([v for values in model.values() for v in values]),
        "baseline_accuracy": summary(baseline),
        "majority_class": majority,
        "train_seconds": [round(s, 1) for s in seconds],
    }
    write_json_atomic(out / "results.json", results)
    for seed, values in results["model_accuracy"].items():
        print(f"model, seed {seed}: {values['mean']:.3f} ± {values['std']:.3f} over folds")
    overall = results["model_accuracy_all_seeds"]
    print(
        f"model    {overall['mean']:.3f} ± {overall['std']:.3f} (all seeds and folds)\n"
        f"baseline {results['baseline_accuracy']['mean']:.3f} ± {results['baseline_accuracy']['std']:.3f}\n"
        f"majority {majority:.3f}"
    )
    return results


if __name__ == "__main__":
    main()
