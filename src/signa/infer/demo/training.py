"""``signa demo --train``: small models trained from scratch on the data bundled in the repo.

1. the real asl-signs sample (12 Kaggle recordings, 10 signers): inspect, prepare, train a small
   isolated-sign model with signers held out, predict signs with it;
2. a fingerspelling set COMPOSED from the bundled real ASL letter handshapes: compose train and held-out
   sets (disjoint letter frames and phrases), train a small model, evaluate it on the held-out set.

Each step runs the ``signa`` command it prints, in a subprocess (``python -m signa``), so its output
is the command's own. Measured on 2 CPU cores: 78 s idle, 249 s shared with other work; the figures
come from this short run, and the bundled models (``signa demo`` without ``--train``) are better trained.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from signa.data.compose import make_phrases
from signa.data.compose.recipe import ASL_RECIPE
from signa.errors import SignaError
from signa.files import REPO_ROOT, SAMPLES, from_checkout, output_folder, write_text_atomic
from signa.infer.demo.report import Report, command_line, shown_path

SIGNS_SAMPLE = SAMPLES / "asl-signs"
LETTERS = SAMPLES / "letters" / "asl_ai_hand_landmarks.parquet"
CONFIGS = REPO_ROOT / "configs"


def train_demo(out: Path, report: Report) -> dict:
    """Both short trainings, their runs and predictions under ``out``; returns where they are."""
    for path in (SIGNS_SAMPLE, LETTERS, CONFIGS):
        from_checkout(path, "signa demo --train")
    start = time.perf_counter()
    report.title("SIGNA demo --train", f"Small models trained from scratch here; everything goes to {out}/.")
    with output_folder(out):
        isolated_signs(out, report)
        fingerspelling(out, report)
    runs = {"signs": str(out / "signs"), "fingerspelling": str(out / "fingerspelling")}
    report.note(
        f"\nDone in {time.perf_counter() - start:.0f} s: runs, checkpoints and predictions are in {out}/."
    )
    return {"runs": runs, "seconds": round(time.perf_counter() - start, 1)}


def signa(report: Report, *args: str | Path) -> None:
    """Print ``signa ARGS`` and run it; a failure stops the demo with the command's exit code."""
    report.command(command_line(*args))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "signa", *map(str, args)], check=False)
    if done.returncode:
        raise SignaError(f"failed with exit code {done.returncode}", f"signa {args[0]}")
    report.note(f"[dim]({time.perf_counter() - start:.1f} s)[/]")


def isolated_signs(out: Path, report: Report) -> None:
    report.step(
        1, "Isolated signs, trained here", "The real asl-signs sample: look, prepare, train, predict."
    )
    cache, run = out / "asl-signs-cache", out / "signs"
    labels = SIGNS_SAMPLE / "sign_to_prediction_index_map.json"
    signa(report, "data", "inspect", SIGNS_SAMPLE)
    signa(report, "data", "prepare", SIGNS_SAMPLE, "--out", cache)
    signa(
        report, "train", CONFIGS / "signs" / "asl-signs-small.yaml", "--run-dir", run, "--fold", "0",
        "--set", f"data.train={cache}", "--set", "data.n_folds=4", "--set", "data.batch_size=4",
        "--set", "train.epochs=150", "--set", f"data.labels={shown_path(labels)}",
    )  # fmt: skip
    files = sorted((SIGNS_SAMPLE / "train_landmark_files").glob("*/*.parquet"))[:4]
    signa(report, "predict", run, *files)


def write_phrases(out: Path) -> tuple[Path, Path]:
    """Training phrases and disjoint held-out phrases (address- and URL-like, as in Kaggle)."""
    train = make_phrases(600, seed=0, max_length=12)
    held_out = make_phrases(60, seed=1, exclude=set(train), max_length=12)
    paths = out / "phrases_train.txt", out / "phrases_eval.txt"
    for path, phrases in zip(paths, (train, held_out), strict=True):
        write_text_atomic(path, "\n".join(phrases) + "\n")
    return paths


def fingerspelling(out: Path, report: Report) -> None:
    report.step(
        2,
        "Fingerspelling, trained here on COMPOSED data",
        "Phrases composed from real ASL letter handshapes (not recordings of anyone fingerspelling):\n"
        "train on the first 65 % of each letter's frames, evaluate on the last 25 % and unseen phrases.",
    )
    train_phrases, eval_phrases = write_phrases(out / "composed")
    train, held_out = out / "composed" / "train", out / "composed" / "eval"
    blocks = ASL_RECIPE.blocks  # the bundled model's frame split
    signa(report, "data", "compose", LETTERS, "--phrases", train_phrases, "--out", train, "--body",
          SIGNS_SAMPLE, "--frames-block", blocks["train"], "--signers", "8", "--seed", "0")  # fmt: skip
    signa(report, "data", "compose", LETTERS, "--phrases", eval_phrases, "--out", held_out, "--body",
          SIGNS_SAMPLE, "--frames-block", blocks["held_out"], "--signers", "4", "--seed", "1")  # fmt: skip
    run = out / "fingerspelling"
    signa(report, "train", CONFIGS / "fingerspelling" / "composed-small.yaml", "--run-dir", run,
          "--set", f"data.train={train}", "--set", f"data.valid={held_out}", "--set", "train.epochs=10",
          "--set", "model.max_len=64", "--set", "model.max_phrase=16")  # fmt: skip
    signa(report, "evaluate", run, "--data", held_out, "--worst", "5")
