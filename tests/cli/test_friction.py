"""What a user meets on a new data set: plain progress in a job log, threads, the run's own fold,
counts as integers. Real recordings: the 12 asl-signs sequences of samples/ (2 signs)."""

from __future__ import annotations

import json
import shutil

import torch
from cli_helpers import REPO

from signa.cpu import default_threads, loader_workers

CONFIG = REPO / "configs" / "signs" / "asl-signs-small.yaml"


def test_train_then_evaluate_the_runs_own_fold(tmp_path, signa):
    data = shutil.copytree(REPO / "samples" / "asl-signs", tmp_path / "signs")
    run = tmp_path / "run"
    args = [
        "train",
        CONFIG,
        "--set",
        f"data.train={data}",
        "--set",
        "train.epochs=2",
        "--set",
        "data.n_folds=2",
    ]
    args += ["--set", "data.batch_size=2"]
    code, out, err = signa(*args, "--fold", 0, "--run-dir", run, "--threads", 1)
    assert code == 0, err
    assert torch.get_num_threads() == 1
    # stderr is not a terminal here: plain lines for the cache, each epoch and each evaluation
    assert "preparing 12 sequences of" in err
    assert "epoch 1/2: step" in err and "epoch 2/2: step" in err
    assert "evaluation after epoch 2: accuracy" in err
    trained = out.strip().split("; ")[1]
    assert "sequences " in trained and "sequences 6.0" not in trained and "top5" not in trained
    code, out, err = signa("evaluate", run, "--fold", 0, "--json")
    assert code == 0, err
    summary = json.loads(out)
    accuracy = float(trained.split("accuracy ")[1].split(",")[0])
    assert round(summary["score"], 4) == accuracy
    assert summary["n"] == int(trained.split("sequences ")[1].split(",")[0])


def test_fold_outside_the_runs_folds_is_one_line(tmp_path, signa, toy_run):
    code, _, err = signa("evaluate", toy_run, "--fold", 9)
    assert code == 2 and err.count("\n") == 1 and "--fold 9: fold must be -1" in err


def test_small_models_get_one_thread_by_default(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert default_threads(80_000) == 1
    assert 1 <= default_threads(9_800_000) <= 9
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert default_threads(80_000) is None


def test_loader_workers_are_capped_by_the_cores(monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    assert loader_workers(4) == 2 and loader_workers(1) == 1 and loader_workers(0) == 0
