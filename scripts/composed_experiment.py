"""Composed-data fingerspelling experiment: does a model read real letter handshapes it never saw?

No real fingerspelled phrases are available offline, but real letter handshapes are. This script
composes (``signa data compose``) a training set from one block of each letter's recorded frames and
an evaluation set from a disjoint later block, with evaluation phrases that never occur in training,
trains a small model (``signa train``), scores it (``signa evaluate``), and compares it with the best
constant-string baseline. Everything is deterministic given ``--seed``.

Usage:
    # the full run reported in the README (~14 min on 2 CPU cores)
    .venv/bin/python scripts/composed_experiment.py --out runs/composed

    # an LSP model bootstrapped from SILFA's letter photos (docs/sign-languages/lsp.md)
    .venv/bin/python scripts/composed_experiment.py --out runs/lsp-composed --letters \
        ../shared/data/letters/silfa --alphabet lsp --config configs/fingerspelling/lsp-composed-small.yaml

    # the CI size (tests/train/test_composed_experiment.py)
    .venv/bin/python scripts/composed_experiment.py --out /tmp/composed-ci --train-phrases 1000 \\
        --eval-phrases 150 --max-length 12 --set train.epochs=10 --set model.max_len=64 \\
        --set model.max_phrase=16

Letters: the asl-ai table (one signer, ~400 consecutive webcam frames per letter), or ``--letters``
with ``--alphabet`` (phrases then keep to the letters that have recordings). Train frames are
the first 65 % of each letter's recording, evaluation frames the last 25 %; the 10 % between them is
left out, so no evaluation frame is a neighbour of a training frame. Face and pose come from the real
holistic frames of SILFA (one person) and asl-signs (21 people), shared by both sets.

Baseline: the single string that, predicted for every evaluation sequence, scores best *on the
evaluation set itself* (an optimistic baseline), chosen among every training phrase and every
character repeated 1-32 times.

Output: ``OUT/result.json`` with the model's and the baseline's normalised total Levenshtein
(1 is perfect), the composed sets and the run folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from signa.data.compose import build_bank, compose_dataset, make_phrases  # noqa: E402
from signa.data.compose.recipe import ASL_RECIPE  # noqa: E402
from signa.data.vocab import Vocabulary  # noqa: E402
from signa.files import write_json_atomic, write_text_atomic  # noqa: E402
from signa.metrics import normalized_total_levenshtein  # noqa: E402

SHARED = Path(os.environ.get("SIGNA_SHARED_DATA", REPO.parent / "shared" / "data"))
CONFIG = REPO / "configs" / "fingerspelling" / "composed-small.yaml"
# the frame blocks of the bundled model's split
TRAIN_BLOCK, EVAL_BLOCK = ASL_RECIPE.blocks["train"], ASL_RECIPE.blocks["held_out"]
ALPHABET = "abcdefghijklmnopqrstuvwxyz "


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for phrases, data sets, run, result")
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--letters", type=Path, default=SHARED / "letters" / "asl_ai_hand_landmarks.parquet")
    parser.add_argument("--alphabet", default="kaggle", help="character map JSON, alphabet YAML or name")
    parser.add_argument("--train-phrases", type=int, default=2000)
    parser.add_argument("--eval-phrases", type=int, default=300)
    parser.add_argument("--max-length", type=int, default=28, help="longest phrase, in characters")
    parser.add_argument("--signers", type=int, default=12, help="synthetic signers per set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="signa train --set")
    # one thread: torch's intra-op threads spin-wait badly whenever the 2 cores are shared
    parser.add_argument("--threads", type=int, default=1, help="torch threads (OMP_NUM_THREADS)")
    return parser.parse_args(argv)


def write_phrases(
    out: Path, n_train: int, n_eval: int, seed: int, max_length: int, spellable
) -> tuple[Path, Path]:
    train = spellable(make_phrases(4 * n_train, seed, max_length=max_length))[:n_train]
    held_out = spellable(make_phrases(4 * n_eval, seed + 1, exclude=set(train), max_length=max_length))
    held_out = held_out[:n_eval]
    paths = out / "phrases_train.txt", out / "phrases_eval.txt"
    for path, phrases in zip(paths, (train, held_out), strict=True):
        write_text_atomic(path, "\n".join(phrases) + "\n")
    return paths


def spellable_filter(letters: Path, alphabet: str):
    """A function keeping the phrases whose every token has a recorded letter (or is a space)."""
    vocab = Vocabulary.load(alphabet)
    posed = set(build_bank([letters], vocab).hands) | {" "}
    return lambda phrases: [p for p in phrases if set(vocab.tokenize(p)) <= posed]


def compose_sets(
    out: Path, phrases: tuple[Path, Path], signers: int, seed: int, letters: Path, alphabet: str
) -> tuple[Path, Path]:
    bodies = [SHARED / "letters" / "silfa", SHARED / "asl-signs"]
    sets = out / "data_train", out / "data_eval"
    for folder, phrase_file, block, set_seed in zip(
        sets, phrases, (TRAIN_BLOCK, EVAL_BLOCK), (seed, seed + 1), strict=True
    ):
        summary = compose_dataset([letters], phrase_file, folder, alphabet, block, signers, set_seed, bodies)
        print(f"composed {folder}: {summary['sequences']} sequences, block {block}", flush=True)
    return sets


def best_constant(train_phrases: list[str], eval_phrases: list[str]) -> tuple[str, float]:
    """The constant prediction that scores best on the evaluation phrases, and its score."""
    candidates = set(train_phrases) | {ch * n for ch in ALPHABET for n in range(1, 33)}
    scored = (
        (normalized_total_levenshtein(eval_phrases, [c] * len(eval_phrases)), c) for c in sorted(candidates)
    )
    score, text = max(scored)
    return text, score


def signa(*args: str, env: dict) -> str:
    """Run a ``signa`` command; its output is echoed and returned."""
    command = [sys.executable, "-m", "signa", *args]
    print("$ signa " + " ".join(args), flush=True)
    result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
    print(result.stdout, end="", flush=True)
    if result.returncode:
        raise SystemExit(f"signa {args[0]} failed with exit code {result.returncode}")
    return result.stdout


def main(argv=None) -> dict:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    start = time.perf_counter()
    spellable = spellable_filter(args.letters, args.alphabet)
    counts = (args.train_phrases, args.eval_phrases)
    phrases = write_phrases(args.out, *counts, args.seed, args.max_length, spellable)
    letters = (args.letters, args.alphabet)
    train_set, eval_set = compose_sets(args.out, phrases, args.signers, args.seed, *letters)
    run_dir = args.out / "run"
    overrides = [f"data.train={train_set}", f"data.valid={eval_set}", f"seed={args.seed}", *args.overrides]
    signa("train", str(args.config), "--run-dir", str(run_dir), *[f"--set={o}" for o in overrides], env=env)
    evaluation = json.loads(signa("evaluate", str(run_dir), "--data", str(eval_set), "--json", env=env))
    train_phrases, eval_phrases = (p.read_text().splitlines() for p in phrases)
    text, baseline = best_constant(train_phrases, eval_phrases)
    result = {
        "data": "COMPOSED (real letter handshapes, composed phrases; see signa data compose)",
        "letters": str(args.letters),
        "alphabet": args.alphabet,
        "metric": evaluation["metric"],
        "score": evaluation["score"],
        "baseline": {"kind": "best constant string on the eval set", "text": text, "score": baseline},
        "eval_sequences": evaluation["n"],
        "train_sequences": len(train_phrases),
        "blocks": {"train": TRAIN_BLOCK, "eval": EVAL_BLOCK},
        "config": str(args.config),
        "overrides": overrides,
        "seconds": round(time.perf_counter() - start, 1),
    }
    write_json_atomic(args.out / "result.json", result)
    print(f"composed data, held-out frames and phrases: model {result['score']:.4f}, ", end="")
    print(f"best constant string {baseline:.4f} ({text!r})")
    return result


if __name__ == "__main__":
    main()
