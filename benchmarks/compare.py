"""The fair comparison of docs/comparison.md: composes the data once, then runs ``signa compare``.

``--data DIR`` gets ``data_train/`` and ``data_eval/`` composed from real ASL letter handshapes
(``scripts/composed_experiment.py``'s functions: held-out letter frames and phrases) unless they are
there already; every other argument goes to ``signa compare`` (:mod:`signa.infer.compare`).

Usage:
    C=configs/fingerspelling
    .venv/bin/python benchmarks/compare.py $C/cfg_2.yaml $C/ctc.yaml --data runs/compare-data \\
        --train-phrases 600 --eval-phrases 100 --max-length 10 --recipe $C/composed-small.yaml \\
        --seeds 3 --out runs/compare --set model.dim=64
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "scripts")]

from composed_experiment import SHARED, compose_sets, spellable_filter, write_phrases  # noqa: E402

LETTERS = "asl_ai_hand_landmarks.parquet"


def compose_comparison_data(
    folder: Path, train_phrases: int, eval_phrases: int, max_length: int, shared: Path = SHARED
) -> None:
    """``folder/data_train`` and ``folder/data_eval``, unless both exist (seed 0, 12 signers each)."""
    if all((folder / name / "train.csv").is_file() for name in ("data_train", "data_eval")):
        return
    folder.mkdir(parents=True, exist_ok=True)
    letters = shared / "letters" / LETTERS
    spellable = spellable_filter(letters, "kaggle")
    phrases = write_phrases(folder, train_phrases, eval_phrases, 0, max_length, spellable)
    compose_sets(folder, phrases, signers=12, seed=0, letters=letters, alphabet="kaggle")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--train-phrases", type=int, default=600)
    parser.add_argument("--eval-phrases", type=int, default=100)
    parser.add_argument("--max-length", type=int, default=10, help="longest composed phrase")
    args, rest = parser.parse_known_args(argv)
    compose_comparison_data(args.data, args.train_phrases, args.eval_phrases, args.max_length)
    from signa.cli import main as signa

    sys.argv = ["signa", "compare", *rest, "--data", str(args.data)]
    signa()


if __name__ == "__main__":
    main()
