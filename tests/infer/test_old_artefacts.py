"""Checkpoints and exports written before the architecture refactor still load and answer the same.

The fixtures (tests/fixtures/main-9aba7b9, see its README) are tiny seeded models of both tasks, as a
checkpoint and as an ONNX export, with the outputs main gave on three real clips of samples/asl-signs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from signa.data.readers import read_sequences
from signa.infer import Recognizer

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "main-9aba7b9"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


@pytest.mark.parametrize("form", sorted(EXPECTED))
def test_old_artefact_gives_the_same_outputs(form):
    recognizer = Recognizer(FIXTURES / form, gate=None)
    for row in EXPECTED[form]:
        (sequence,) = read_sequences(REPO / "samples" / row["clip"])
        raw = recognizer.raw(sequence.landmarks)
        prediction = recognizer.predict(sequence.landmarks)
        assert (prediction.text, prediction.sign, list(prediction.tokens)) == (
            row["text"],
            row["sign"],
            row["tokens"],
        )
        assert prediction.confidence == pytest.approx(row["confidence"], abs=1e-6)
        for name in ("logits", "probabilities"):
            if row[name] is None:
                assert getattr(raw, name) is None
            else:
                np.testing.assert_allclose(getattr(raw, name), row[name], rtol=0, atol=1e-6)
