"""The composed ASL sets of the bundled ``asl-fingerspelling`` model, re-created from the repo alone.

The bundled model was trained on :func:`write_recipe_set` ``("train")`` and its card scores
:func:`held_out_sequences`: phrases composed from the real ASL letter handshapes of
``samples/letters/`` (asl-ai, one signer), face and pose from the 12 real asl-signs recordings of
``samples/asl-signs/``. Training uses the first 65 % of each letter's recorded frames, the held-out
set the last 25 % (the 10 % between them is left out, so no held-out frame neighbours a training
frame) and phrases that never occur in training. Everything is a function of the seeds below, so
the same sequences come back on any machine, offline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from signa.data.compose.dataset import ComposedSequence, compose_dataset, compose_sequences, make_phrases
from signa.data.compose.letters import build_bank
from signa.data.compose.motion import make_signers
from signa.data.compose.options import ComposeOptions
from signa.data.vocab import Vocabulary
from signa.errors import SignaError
from signa.files import SAMPLES, write_text_atomic

SPLITS = ("train", "held_out")


@dataclass(frozen=True)
class ComposedRecipe:
    """Where the composed sets come from and how many there are; the seeds fix every sequence."""

    letters: Path = SAMPLES / "letters" / "asl_ai_hand_landmarks.parquet"
    bodies: tuple[Path, ...] = (SAMPLES / "asl-signs",)
    alphabet: str = "kaggle"
    phrases: dict[str, int] = field(default_factory=lambda: {"train": 2000, "held_out": 300})
    blocks: dict[str, str] = field(default_factory=lambda: {"train": "0:0.65", "held_out": "0.75:1"})
    max_length: int = 28
    signers: int = 12
    seed: int = 0

    def split_seed(self, split: str) -> int:
        """The phrase and composition seed of a split: ``seed`` for train, ``seed + 1`` held out."""
        return self.seed + SPLITS.index(_checked(split))


ASL_RECIPE = ComposedRecipe()


def recipe_phrases(recipe: ComposedRecipe = ASL_RECIPE) -> dict[str, list[str]]:
    """Train and held-out phrases; no held-out phrase occurs in training."""
    longest = recipe.max_length
    train = make_phrases(recipe.phrases["train"], recipe.split_seed("train"), max_length=longest)
    held_out = make_phrases(
        recipe.phrases["held_out"], recipe.split_seed("held_out"), exclude=set(train), max_length=longest
    )
    return {"train": train, "held_out": held_out}


def held_out_sequences(
    recipe: ComposedRecipe = ASL_RECIPE, limit: int | None = None
) -> list[ComposedSequence]:
    """The held-out composed sequences (the first ``limit`` of them), in memory, phrase beside landmarks.

    The first ``limit`` are the same sequences as in the full set (each has its own seed).
    """
    _check_samples(recipe)
    phrases = recipe_phrases(recipe)["held_out"][:limit]
    vocab = Vocabulary.load(recipe.alphabet)
    options = ComposeOptions()
    bodies = list(recipe.bodies)
    bank = build_bank([recipe.letters], vocab, recipe.blocks["held_out"], bodies)
    seed = recipe.split_seed("held_out")
    signers = make_signers(recipe.signers, bank, options, seed)
    return list(compose_sequences(phrases, bank, vocab, signers, seed, options))


def write_recipe_set(split: str, out: str | Path, recipe: ComposedRecipe = ASL_RECIPE) -> dict:
    """Write one split as a composed data set folder (Kaggle wide layout) with its phrase list."""
    _check_samples(recipe)
    out = Path(out)
    phrase_file = out.with_name(f"{out.name}.phrases.txt")
    write_text_atomic(phrase_file, "\n".join(recipe_phrases(recipe)[_checked(split)]) + "\n")
    return compose_dataset(
        [recipe.letters],
        phrase_file,
        out,
        recipe.alphabet,
        recipe.blocks[split],
        recipe.signers,
        recipe.split_seed(split),
        list(recipe.bodies),
    )


def _checked(split: str) -> str:
    if split not in SPLITS:
        raise SignaError(f"composed split {split!r} is not one of {', '.join(SPLITS)}")
    return split


def _check_samples(recipe: ComposedRecipe) -> None:
    for path in (recipe.letters, *recipe.bodies):
        if not path.exists():
            problem = "not found: the composed sets are made from the samples/ of a SIGNA checkout"
            raise SignaError(problem, path)
