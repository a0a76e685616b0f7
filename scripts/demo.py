"""The SIGNA demo: the main jobs on real data bundled in the repo, each shown as the command a user types.

Usage:
    make demo                       # sets up .venv, then runs this script
    .venv/bin/python scripts/demo.py [--out runs/demo]

1. inspect and prepare the bundled real asl-signs sample (12 Kaggle recordings, 10 signers);
2. train a small isolated-sign model on it, with signers held out, and predict signs with it;
3. compose a fingerspelling set (labelled composed) from the bundled real ASL letter handshapes,
   train a small fingerspelling model on it and evaluate on phrases and letter frames it never saw.
Everything runs on this CPU in a few minutes; figures printed here come from this short run.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def signa(*args: str) -> None:
    command = ["signa", *map(str, args)]
    print(f"\n$ {shlex.join(command)}", flush=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "signa", *map(str, args)], cwd=REPO, check=True)
    print(f"  ({time.perf_counter() - start:.1f} s)", flush=True)


def isolated_signs(out: Path) -> None:
    sample = "samples/asl-signs"
    signa("data", "inspect", sample)
    signa("data", "prepare", sample, "--out", out / "asl-signs-cache")
    run = out / "signs"
    signa(
        "train", "configs/signs/asl-signs-small.yaml", "--run-dir", run, "--fold", "0",
        "--set", f"data.train={out / 'asl-signs-cache'}", "--set", "data.n_folds=4",
        "--set", "data.batch_size=4", "--set", "train.epochs=150",
        "--set", f"data.labels={sample}/sign_to_prediction_index_map.json",
    )  # fmt: skip
    files = sorted((REPO / sample / "train_landmark_files").glob("*/*.parquet"))[:4]
    signa("predict", run, *[f.relative_to(REPO) for f in files])


def write_phrases(out: Path) -> tuple[Path, Path]:
    """Training phrases and disjoint evaluation phrases (address- and URL-like, as in Kaggle)."""
    sys.path.insert(0, str(REPO / "src"))
    from signa.data.compose import make_phrases

    train = make_phrases(600, seed=0, max_length=12)
    held_out = make_phrases(60, seed=1, exclude=set(train), max_length=12)
    paths = out / "phrases_train.txt", out / "phrases_eval.txt"
    for path, phrases in zip(paths, (train, held_out), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(phrases) + "\n")
    return paths


def fingerspelling(out: Path) -> None:
    letters, body = "samples/letters/asl_ai_hand_landmarks.parquet", "samples/asl-signs"
    train_phrases, eval_phrases = write_phrases(out / "composed")
    train, held_out = out / "composed" / "train", out / "composed" / "eval"
    signa("data", "compose", letters, "--phrases", train_phrases, "--out", train, "--body", body,
          "--frames-block", "0:0.65", "--signers", "8", "--seed", "0")  # fmt: skip
    signa("data", "compose", letters, "--phrases", eval_phrases, "--out", held_out, "--body", body,
          "--frames-block", "0.75:1", "--signers", "4", "--seed", "1")  # fmt: skip
    run = out / "fingerspelling"
    signa("train", "configs/fingerspelling/composed-small.yaml", "--run-dir", run,
          "--set", f"data.train={train}", "--set", f"data.valid={held_out}", "--set", "train.epochs=10",
          "--set", "model.max_len=64", "--set", "model.max_phrase=16")  # fmt: skip
    signa("evaluate", run, "--data", held_out, "--worst", "5")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/demo"))
    out = parser.parse_args().out
    shutil.rmtree(out, ignore_errors=True)  # the demo starts afresh each time
    isolated_signs(out)
    fingerspelling(out)
    print(f"\nDemo done: runs, checkpoints and predictions are in {out}/")


if __name__ == "__main__":
    main()
