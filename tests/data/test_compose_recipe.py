"""The bundled fingerspelling model's composed sets, re-created from the repo's real samples alone."""

from dataclasses import replace

import numpy as np
import pytest

from signa.data.compose import ComposedRecipe, held_out_sequences, recipe_phrases, write_recipe_set
from signa.data.readers import read_sequences
from signa.errors import SignaError

SMALL = ComposedRecipe(phrases={"train": 6, "held_out": 4})


def test_held_out_phrases_never_occur_in_training():
    phrases = recipe_phrases()
    assert len(phrases["train"]) == 2000 and len(phrases["held_out"]) == 300
    assert not set(phrases["train"]) & set(phrases["held_out"])


def test_held_out_sequences_are_deterministic_and_a_prefix_is_the_same_sequences():
    first = held_out_sequences(SMALL)
    again = held_out_sequences(SMALL, limit=2)
    assert [s.phrase for s in first[:2]] == [s.phrase for s in again]
    for a, b in zip(first[:2], again, strict=True):
        np.testing.assert_array_equal(a.landmarks, b.landmarks)
    assert first[0].landmarks.dtype == np.float32 and first[0].landmarks.shape[1:] == (543, 3)


def test_the_written_held_out_set_holds_the_same_sequences(tmp_path):
    summary = write_recipe_set("held_out", tmp_path / "held_out", SMALL)
    assert summary["composed"] and summary["frames_block"] == "0.75:1"
    written = {int(s.sequence_id): s for s in read_sequences(tmp_path / "held_out")}
    for sequence in held_out_sequences(SMALL):
        np.testing.assert_array_equal(written[sequence.sequence_id].landmarks, sequence.landmarks)


def test_missing_samples_are_one_error(tmp_path):
    with pytest.raises(SignaError, match="samples/"):
        held_out_sequences(replace(SMALL, letters=tmp_path / "none.parquet"))
    with pytest.raises(SignaError, match="split"):
        write_recipe_set("valid", tmp_path / "x", SMALL)
