"""Phrases and the composed data set on disk: Kaggle wide layout, labelled as COMPOSED."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from signa.data.compose.letters import LetterBank, build_bank
from signa.data.compose.motion import Signer, compose_sequence, make_signers
from signa.data.compose.options import ComposeOptions
from signa.data.vocab import Vocabulary
from signa.errors import SignaError
from signa.files import output_folder, read_text_file, write_json_atomic, write_text_atomic

CSV_COLUMNS = ("path", "file_id", "sequence_id", "participant_id", "phrase")


def read_phrases(path: str | Path, bank: LetterBank, alphabet: Vocabulary) -> list[str]:
    """Non-empty lines of a phrase file; every character needs a letter pose (or is a space)."""
    path = Path(path)
    if not path.is_file():
        raise SignaError("phrase file not found", path)
    phrases = []
    for number, line in enumerate(read_text_file(path).splitlines(), start=1):
        phrase = line.strip()
        if not phrase:
            continue
        tokens = alphabet.tokenize(phrase, f"{path}:{number}")
        unposed = sorted({token for token in tokens if token != " " and token not in bank.hands})
        if unposed:
            known = "".join(sorted(bank.hands))
            raise SignaError(
                f"line {number}: phrase {phrase!r} uses {unposed}, which have no letter pose "
                f"(letters with poses: {known}); drop such phrases or record those letters",
                path,
            )
        phrases.append(phrase)
    if not phrases:
        raise SignaError("phrase file holds no phrase", path)
    return phrases


def compose_dataset(
    letters: list[str | Path],
    phrases: str | Path,
    out: str | Path,
    alphabet: str | Path = "kaggle",
    frames_block: str = "all",
    signers: int = 4,
    seed: int = 0,
    bodies: list[str | Path] | None = None,
    per_phrase: int = 1,
    sequences_per_file: int = 250,
    options: ComposeOptions | None = None,
) -> dict:
    """Write a composed fingerspelling data set in the Kaggle wide layout; return its summary."""
    from signa.data.writers import write_kaggle_wide

    out = Path(out)
    _refuse_real_dataset(out)
    options = options or ComposeOptions()
    vocab = Vocabulary.load(alphabet)
    bank = build_bank(letters, vocab, frames_block, bodies)
    phrase_list = read_phrases(phrases, bank, vocab)
    people = make_signers(signers, bank, options, seed)
    jobs = [phrase for phrase in phrase_list for _ in range(per_phrase)]
    composed = compose_sequences(jobs, bank, vocab, people, seed, options)
    rows, frame_counts = [], []
    with output_folder(out):
        for file_id in range(-(-len(jobs) // sequences_per_file)):
            relative = f"train_landmarks/{file_id}.parquet"
            sequences = {}
            for sequence in itertools.islice(composed, sequences_per_file):
                sequences[sequence.sequence_id] = sequence.landmarks
                row = (relative, file_id, sequence.sequence_id, sequence.participant_id, sequence.phrase)
                rows.append(row)
                frame_counts.append(len(sequence.landmarks))
            write_kaggle_wide(out / relative, sequences)
        summary = _summary(
            bank, people, options, frames_block, seed, phrases, alphabet, len(rows), frame_counts
        )
        _write_metadata(out, rows, vocab, summary)
    return summary


@dataclass(frozen=True)
class ComposedSequence:
    """One composed sequence: ``landmarks`` float32 (T, 543, 3), NaN = not detected."""

    sequence_id: int
    participant_id: int
    phrase: str
    landmarks: np.ndarray


def compose_sequences(
    phrases: list[str],
    bank: LetterBank,
    vocab: Vocabulary,
    signers: list[Signer],
    seed: int,
    options: ComposeOptions,
) -> Iterator[ComposedSequence]:
    """Compose ``phrases`` in order (sequence ids 0, 1, ...), as :func:`compose_dataset` writes them.

    Each sequence draws from its own generator ``(seed, 1, sequence_id)``, so the first ``n``
    sequences are the same whatever the number of phrases after them.
    """
    for sequence_id, phrase in enumerate(phrases):
        rng = np.random.default_rng([seed, 1, sequence_id])
        signer = signers[int(rng.integers(len(signers)))]
        tokens = vocab.tokenize(phrase)  # a digraph such as "ll" is one letter sign
        landmarks = compose_sequence(tokens, bank, signer, options, rng)
        yield ComposedSequence(sequence_id, signer.participant_id, phrase, landmarks)


def _refuse_real_dataset(out: Path) -> None:
    if (out / "train.csv").exists() and not (out / "composed.json").exists():
        raise SignaError("holds a train.csv that is not composed data; choose another output folder", out)


def _summary(bank, people, options, frames_block, seed, phrases, alphabet, n, frame_counts) -> dict:
    return {
        "composed": True,
        "what": "fingerspelling sequences composed from recordings of single letters; not real phrases",
        "letter_sources": bank.sources,
        "letters": {c: len(v) for c, v in sorted(bank.hands.items())},
        "body_templates": len(bank.bodies),
        "frames_block": frames_block,
        "phrases": str(phrases),
        "alphabet": str(alphabet),
        "seed": seed,
        "sequences": n,
        "frames": {"total": int(sum(frame_counts)), "mean": float(np.mean(frame_counts))},
        "signers": [asdict(s) for s in people],
        "options": asdict(options),
    }


README_TEXT = """COMPOSED DATA - not a recording of anyone fingerspelling.

Every sequence here was composed by `signa data compose` from recordings of single letter
handshapes, a phrase list and a real holistic frame for face and pose. Timing, transitions, hand
placement, signer variation and dropped detections are simulated. Layout: Kaggle asl-fingerspelling
wide format (train.csv + train_landmarks/<file_id>.parquet). composed.json lists the sources, the
frame block of each letter used, the seed and every option.
"""


def _write_metadata(out: Path, rows: list[tuple], vocab: Vocabulary, summary: dict) -> None:
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    write_text_atomic(out / "train.csv", table.getvalue())
    write_json_atomic(out / "character_to_prediction_index.json", vocab.to_mapping())
    write_json_atomic(out / "composed.json", summary)
    write_text_atomic(out / "README.txt", README_TEXT)


def make_phrases(count: int, seed: int, exclude: set[str] = frozenset(), max_length: int = 28) -> list[str]:
    """``count`` distinct address- and URL-like phrases (lower case and spaces) from the shipped word list.

    Like the Kaggle training phrases (street addresses, names, site names, random user-name-like
    strings) without digits or punctuation. Phrases in ``exclude`` are never returned, so an
    evaluation list can be made disjoint from a training list.
    """
    words = _word_list()
    rng = np.random.default_rng([seed, 2])
    patterns = (
        lambda: f"{rng.choice(words['name'])} {rng.choice(words['surname'])}",
        lambda: f"{rng.choice(words['word'])} {rng.choice(words['street'])}",
        lambda: f"{rng.choice(words['word'])}{rng.choice(words['word'])}",
        lambda: f"{rng.choice(words['surname'])} {rng.choice(words['word'])} {rng.choice(words['street'])}",
        lambda: f"{rng.choice(words['word'])} {rng.choice(words['site'])}",
        lambda: _slug(rng),
        lambda: f"{_slug(rng)} {rng.choice(words['street'])}",
    )
    phrases: list[str] = []
    seen = set(exclude)
    while len(phrases) < count:
        phrase = str(patterns[int(rng.integers(len(patterns)))]())
        if phrase not in seen and len(phrase) <= max_length:
            seen.add(phrase)
            phrases.append(phrase)
    return phrases


def _slug(rng: np.random.Generator) -> str:
    """A random user-name or site-name-like string of 3-9 letters, which no word list predicts."""
    return "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), int(rng.integers(3, 10))))


def _word_list() -> dict[str, list[str]]:
    text = resources.files("signa").joinpath("assets/compose_words.json").read_text(encoding="utf-8")
    return json.loads(text)
