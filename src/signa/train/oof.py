"""The two-round recipe of FS1: out-of-fold scores of round 1 become round 2's confidence targets.

Usage::

    # round 1: cfg_1 on each fold of the train rows (several seeds per fold are averaged)
    for k in 0 1 2 3; do signa train configs/fingerspelling/cfg_1.yaml --fold $k; done
    signa oof runs/cfg_1/fold*-seed42 --out oof.csv
    # round 2: cfg_2 full fits with several seeds, the table as confidence target
    for s in 1 2; do
        signa train configs/fingerspelling/cfg_2.yaml --fold -1 --seed $s --set data.oof=oof.csv
    done

Each fold run leaves ``valid_predictions.csv`` (its held-out rows) in its folder. A row's score is
(N_i − D_i)/N_i with N_i its phrase length and D_i the plain Levenshtein distance of its prediction
(FS1 used Damerau-Levenshtein, SOLUTIONS §2.12.6), averaged over the runs that held it out. The
supplemental rows of the runs' data join with score 0.5. Round 2 clamps scores to [0, 1].
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import yaml

from signa.data.fingerspelling import TABLES, is_supplemental
from signa.data.readers import read_csv_table
from signa.errors import SignaError
from signa.files import atomic_path
from signa.train.config import EXPERIMENT_FILE, experiment_from_dict
from signa.train.data import open_store
from signa.train.fingerspelling import FingerspellingTask
from signa.train.loop import VALID_PREDICTIONS_FILE

OOF_COLUMNS = ("sequence_id", "participant_id", "phrase", "score", "is_supplemental", "runs")


def _run_experiment(run_dir: Path):
    path = run_dir / EXPERIMENT_FILE
    if not path.is_file():
        raise SignaError(f"not a run folder: {EXPERIMENT_FILE} is missing", run_dir)
    return experiment_from_dict(yaml.safe_load(path.read_text(encoding="utf-8")), path)


def _held_out_scores(run_dir: Path) -> dict[str, float]:
    experiment = _run_experiment(run_dir)
    if experiment.task != FingerspellingTask.name:
        raise SignaError(f"out-of-fold scores are for fingerspelling runs, not {experiment.task!r}", run_dir)
    if experiment.data.fold < 0:
        raise SignaError("a full-fit run (fold -1) has no out-of-fold predictions", run_dir)
    predictions = run_dir / VALID_PREDICTIONS_FILE
    if not predictions.is_file():
        raise SignaError(f"the run has no {VALID_PREDICTIONS_FILE}; has it finished?", run_dir)
    return {
        r["sequence_id"]: float(r["score"]) for r in read_csv_table(predictions, ("sequence_id", "score"))
    }


def out_of_fold_table(run_dirs: list[str | Path], out: str | Path) -> list[dict]:
    """Write the out-of-fold score table of fold runs of one data set to ``out``; returns its rows."""
    if not run_dirs:
        raise SignaError("give at least one fold run folder")
    runs = [Path(r) for r in run_dirs]
    collected: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        for sequence_id, score in _held_out_scores(run).items():
            collected[sequence_id].append(score)
    data = _run_experiment(runs[0]).data
    store = open_store(data.train, data.cache, FingerspellingTask.name, TABLES)
    rows, missing = [], []
    for row in store.index:
        supplemental = is_supplemental(row)
        scores = collected.get(str(row["sequence_id"]), [])
        if not supplemental and not scores:
            missing.append(row["sequence_id"])
            continue
        score = 0.5 if supplemental else sum(scores) / len(scores)
        rows.append(
            {
                "sequence_id": row["sequence_id"],
                "participant_id": row.get("participant_id", ""),
                "phrase": row["phrase"],
                "score": round(score, 6),
                "is_supplemental": int(supplemental),
                "runs": len(scores),
            }
        )
    if missing:
        raise SignaError(
            f"{len(missing)} train rows were held out by none of the runs (e.g. {missing[0]}): "
            "give the runs of every fold",
            data.train,
        )
    with atomic_path(out) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=OOF_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows
