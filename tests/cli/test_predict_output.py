"""``signa predict``: answers stream as they come, --json is valid JSON (never NaN), and a file of
another layout than the model's training data warns once. Real recordings from samples/."""

from __future__ import annotations

import json
import math

from cli_helpers import REPO

from signa.data.readers import read_sequences
from signa.data.writers import write_kaggle_wide
from signa.files import json_safe
from signa.infer import load_model

CLIPS = sorted((REPO / "samples" / "asl-signs" / "train_landmark_files").glob("*/*.parquet"))[:3]
LETTERS = REPO / "samples" / "letters" / "asl_ai_hand_landmarks.parquet"


def test_json_is_a_valid_list_streamed_row_by_row(signs_checkpoint, signa):
    code, out, err = signa("predict", signs_checkpoint, *CLIPS, "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [row["path"] for row in rows] == [str(c) for c in CLIPS]
    assert all(isinstance(row["confidence"], float) for row in rows)


def test_a_missing_file_is_refused_before_any_answer(signs_checkpoint, signa, tmp_path):
    code, out, err = signa("predict", signs_checkpoint, CLIPS[0], tmp_path / "absent.parquet", "--json")
    assert code == 2 and out == ""
    assert err == f"error: {tmp_path / 'absent.parquet'}: no such file or folder\n"


def test_a_bad_later_file_leaves_the_answers_so_far_as_valid_json(signs_checkpoint, signa, tmp_path):
    """A file that exists but cannot be read fails after the first answer was streamed."""
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not a parquet file")
    code, out, err = signa("predict", signs_checkpoint, CLIPS[0], broken, "--json")
    assert code == 2
    assert [row["path"] for row in json.loads(out)] == [str(CLIPS[0])]
    assert err.strip().splitlines()[-1].startswith(f"error: {broken}: ")


def test_non_finite_numbers_become_null():
    assert json_safe({"a": math.nan, "b": [math.inf, 1.5], "c": "x"}) == {
        "a": None,
        "b": [None, 1.5],
        "c": "x",
    }


def test_sign_model_on_a_fingerspelling_file_warns_once(signs_checkpoint, signa, tmp_path):
    wide = tmp_path / "phrases.parquet"
    write_kaggle_wide(wide, {i: read_sequences(clip)[0].landmarks for i, clip in enumerate(CLIPS)})
    code, out, err = signa("predict", signs_checkpoint, wide)
    assert code == 0, err
    assert len(out.strip().splitlines()) == 3
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {wide}: this signs model may mislead here: the file holds fingerspelled "
        "phrases (the Kaggle fingerspelling layout), not isolated signs"
    ]


def test_letter_table_answers_stream(signs_checkpoint):
    """The 10,508-row letter table: the first answer comes before the other rows are predicted."""
    recognizer = load_model(signs_checkpoint)
    calls = []
    real = recognizer.predict_many
    recognizer.predict_many = lambda sequences: calls.append(1) or real(sequences)
    warned = []
    answers = recognizer.iter_predictions([LETTERS], lambda path, problem: warned.append(problem))
    first = next(answers)
    assert first.sign is not None and len(calls) == 1
    assert warned == [
        "this signs model may mislead here: the file holds single-frame letter handshapes, not isolated signs"
    ]
