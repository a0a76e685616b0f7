"""`signa data compose`: composed fingerspelling sets from real letter poses, in the Kaggle wide layout."""

from __future__ import annotations

import csv
import dataclasses
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from signa.cli import app
from signa.data.compose import (
    ComposeOptions,
    LetterBank,
    build_bank,
    compose_dataset,
    compose_sequence,
    make_phrases,
    make_signers,
    parse_block,
)
from signa.data.layout import GROUP_SLICES, N_LANDMARKS
from signa.data.readers import read_kaggle_wide, read_sequences
from signa.data.vocab import Vocabulary
from signa.errors import SignaError

RIGHT, LEFT, FACE = GROUP_SLICES["right_hand"], GROUP_SLICES["left_hand"], GROUP_SLICES["face"]
PHRASES = ["hello world", "quick fox", "zebra lane", "aaron smith"]


@pytest.fixture(scope="module")
def letters(shared_data):
    return shared_data / "letters" / "asl_ai_hand_landmarks.parquet"


@pytest.fixture(scope="module")
def silfa(shared_data):
    return shared_data / "letters" / "silfa"


@pytest.fixture(scope="module")
def composed(tmp_path_factory, letters, silfa):
    root = tmp_path_factory.mktemp("composed")
    phrases = root / "phrases.txt"
    phrases.write_text("\n".join(PHRASES) + "\n")
    summary = compose_dataset(
        [letters],
        phrases,
        root / "set",
        frames_block="first",
        signers=3,
        seed=5,
        bodies=[silfa],
        per_phrase=2,
    )
    return root / "set", summary


def _sequences(root):
    return read_sequences(root)


def test_csv_columns_and_labels(composed):
    root, summary = composed
    with open(root / "train.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["path", "file_id", "sequence_id", "participant_id", "phrase"]
    assert [r["phrase"] for r in rows] == [p for p in PHRASES for _ in range(2)]
    assert {r["participant_id"] for r in rows} <= {"0", "1", "2"}
    assert all(r["path"] == f"train_landmarks/{r['file_id']}.parquet" for r in rows)
    assert json.loads((root / "composed.json").read_text())["composed"] is True
    assert "COMPOSED DATA" in (root / "README.txt").read_text()
    assert summary["sequences"] == 8 and set(summary["letters"]) == set("abcdefghijklmnopqrstuvwxyz")


def test_wide_layout_float32_and_readable(composed):
    root, _ = composed
    schema = pq.read_schema(root / "train_landmarks" / "0.parquet")
    coords = [n for n in schema.names if n[:2] in ("x_", "y_", "z_")]
    assert len(coords) == 3 * N_LANDMARKS
    assert {str(schema.field(n).type) for n in coords} == {"float"}
    sequences = read_kaggle_wide(root / "train_landmarks" / "0.parquet")
    assert [s.sequence_id for s in sequences] == [str(i) for i in range(8)]
    for sequence in sequences:
        assert sequence.landmarks.shape[1:] == (N_LANDMARKS, 3) and sequence.frames > 30


def test_nan_patterns(composed):
    for sequence in _sequences(composed[0]):
        frames = sequence.landmarks
        signing, other = (RIGHT, LEFT) if not np.isnan(frames[:, RIGHT]).all() else (LEFT, RIGHT)
        hand_missing = np.isnan(frames[:, signing]).all(axis=(1, 2))
        assert np.isnan(frames[:, other]).all()  # the non-signing hand is never filled
        assert 0 < hand_missing.mean() < 0.4  # lead-in/out and dropped detections, but mostly seen
        assert not np.isnan(frames[:, signing][~hand_missing]).any()  # a hand is all or nothing
        assert not np.isnan(frames[:, FACE]).any()  # a real face from a SILFA holistic frame


def test_disjoint_blocks_share_no_sample(letters):
    vocab = Vocabulary.kaggle()
    first = build_bank([letters], vocab, "first")
    last = build_bank([letters], vocab, "last")
    for char in "aqz":
        a, b = (
            first.hands[char].reshape(len(first.hands[char]), -1),
            last.hands[char].reshape(len(last.hands[char]), -1),
        )
        assert len(a) > 2 * len(b) > 0
        assert not (a[:, None] == b[None]).all(-1).any()


def test_seed_determinism(tmp_path, letters):
    phrases = tmp_path / "p.txt"
    phrases.write_text("hello world\nzebra\n")

    def run(name, seed):
        compose_dataset([letters], phrases, tmp_path / name, seed=seed)
        return [s.landmarks for s in _sequences(tmp_path / name)]

    same, again, other = run("a", 1), run("b", 1), run("c", 2)
    assert all(np.array_equal(x, y, equal_nan=True) for x, y in zip(same, again, strict=True))
    assert not all(
        x.shape == y.shape and np.array_equal(x, y, equal_nan=True) for x, y in zip(same, other, strict=True)
    )


def test_unposed_character_names_the_phrase_file(tmp_path, letters):
    phrases = tmp_path / "bad_phrases.txt"
    phrases.write_text("hello\n3 creekhouse\n")
    with pytest.raises(SignaError, match=r"line 2: phrase '3 creekhouse' uses \['3'\]") as err:
        compose_dataset([letters], phrases, tmp_path / "out")
    assert err.value.path == str(phrases)


def test_cli_error_is_one_line(tmp_path, letters):
    phrases = tmp_path / "p.txt"
    phrases.write_text("Hello\n")  # upper case is outside the Kaggle alphabet
    result = CliRunner().invoke(
        app, ["data", "compose", str(letters), "--phrases", str(phrases), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code != 0 and isinstance(result.exception, SignaError)
    assert "outside the vocabulary" in str(result.exception)


def test_refuses_to_overwrite_a_real_dataset(tmp_path, letters):
    (tmp_path / "train.csv").write_text("path,file_id,sequence_id,participant_id,phrase\n")
    (tmp_path / "p.txt").write_text("abc\n")
    with pytest.raises(SignaError, match="not composed data"):
        compose_dataset([letters], tmp_path / "p.txt", tmp_path)


def test_npy_letter_folder_without_body(tmp_path):
    rng = np.random.default_rng(0)
    for letter in "AB":
        (tmp_path / "letters" / letter).mkdir(parents=True)
        for i in range(4):
            hand = rng.normal(0.5, 0.05, (21, 3)).astype(np.float32)
            np.save(tmp_path / "letters" / letter / f"frame_{i}.npy", hand)
    bank = build_bank([tmp_path / "letters"], Vocabulary.kaggle(), "0:0.5")
    assert {c: len(v) for c, v in bank.hands.items()} == {"a": 2, "b": 2} and not bank.bodies
    frames = _compose(bank, "ab ba", left_handed=False)
    assert np.isnan(frames[:, FACE]).all() and not np.isnan(frames[:, RIGHT]).all()


def test_left_handed_signer_fills_the_left_hand(letters, silfa):
    bank = build_bank([letters], Vocabulary.kaggle(), "first", bodies=[silfa])
    right, left = _compose(bank, "hello", left_handed=False), _compose(bank, "hello", left_handed=True)
    assert np.isnan(left[:, RIGHT]).all() and not np.isnan(left[:, LEFT]).all()
    np.testing.assert_allclose(np.nanmean(left[:, LEFT, 0]), 1 - np.nanmean(right[:, RIGHT, 0]), atol=1e-5)


def _compose(bank: LetterBank, phrase: str, left_handed: bool) -> np.ndarray:
    signer = dataclasses.replace(make_signers(1, bank, ComposeOptions(), 0)[0], left_handed=left_handed)
    return compose_sequence(phrase, bank, signer, ComposeOptions(), np.random.default_rng(1))


def test_parse_block():
    assert parse_block("first") == (0.0, 0.7) and parse_block("last") == (0.7, 1.0)
    assert parse_block("0.2:0.5") == (0.2, 0.5)
    for bad in ("middle", "0.5:0.2", "0:2"):
        with pytest.raises(SignaError, match="--frames-block: "):
            parse_block(bad)


def test_make_phrases_is_deterministic_and_excludes():
    train = make_phrases(200, seed=1)
    assert train == make_phrases(200, seed=1) and len(set(train)) == 200
    held_out = make_phrases(100, seed=2, exclude=set(train))
    assert not set(held_out) & set(train)
    assert all(set(p) <= set("abcdefghijklmnopqrstuvwxyz ") and len(p) <= 28 for p in train + held_out)
