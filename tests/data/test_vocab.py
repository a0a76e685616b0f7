import json

import pytest

from signa.data.vocab import LabelMap, Vocabulary
from signa.errors import SignaError


def test_kaggle_vocabulary_has_59_characters_and_63_ids(shared_data):
    vocab = Vocabulary.kaggle()
    assert vocab.n_chars == 59 and vocab.size == 63
    assert (vocab.pad_id, vocab.sos_id, vocab.eos_id, vocab.mask_id) == (59, 60, 61, 62)
    shipped = json.loads(
        (shared_data / "fingerspelling-format/character_to_prediction_index.json").read_text()
    )
    assert vocab.to_mapping() == shipped


def test_encode_decode_round_trip_and_eos_cut():
    vocab = Vocabulary.kaggle()
    ids = vocab.encode("3 creekhouse")
    assert vocab.decode(ids + [vocab.eos_id, 32, 33]) == "3 creekhouse"
    assert vocab.decode([vocab.sos_id, 32, vocab.pad_id, 33]) == "ab"


def test_unknown_character_names_the_source():
    with pytest.raises(SignaError, match=r"train.csv: .*\['A'\]"):
        Vocabulary.kaggle().encode("Abc", source="train.csv")


def test_spanish_alphabet_from_a_json_file(tmp_path):
    chars = list(" abcdefghijklmnñopqrstuvwxyzáéíóú")
    path = tmp_path / "lsp.json"
    path.write_text(json.dumps({c: i for i, c in enumerate(chars)}, ensure_ascii=False), encoding="utf-8")
    vocab = Vocabulary.load(path)
    assert vocab.size == len(chars) + 4
    assert vocab.decode(vocab.encode("año niño")) == "año niño"


@pytest.mark.parametrize(
    "content, message",
    [
        ("{", "not valid JSON"),
        ('{"a": 0, "b": 2}', "ids must be exactly"),
        ('["a"]', "non-empty JSON object"),
    ],
)
def test_malformed_label_map_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "map.json"
    path.write_text(content)
    with pytest.raises(SignaError, match=message) as info:
        LabelMap.from_json(path)
    assert str(path) in str(info.value)


def test_label_map_of_the_real_data(shared_data):
    labels = LabelMap.from_json(shared_data / "asl-signs/sign_to_prediction_index_map.json")
    assert labels.signs == ("hello", "thankyou")
    with pytest.raises(SignaError, match="unknown sign 'bye'"):
        labels.index("bye", source="train.csv")
