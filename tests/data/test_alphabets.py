"""The shipped LSP alphabet, multi-character tokens, and `signa data compose` with it on SILFA letters."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from signa.data.alphabets import read_alphabet, shipped_alphabets
from signa.data.compose import build_bank, compose_dataset, read_letter_source
from signa.data.readers import read_sequences
from signa.data.vocab import Vocabulary
from signa.errors import SignaError

LSP_CONFIG = "configs/fingerspelling/lsp-composed-small.yaml"
SPANISH_LETTERS = list("abcdefghijklmnñopqrstuvwxyz")


@pytest.fixture(scope="module")
def silfa(shared_data):
    return shared_data / "letters" / "silfa"


def test_lsp_alphabet_holds_the_spanish_letters_digraphs_and_accents():
    assert "lsp" in shipped_alphabets()
    alphabet = read_alphabet("lsp")
    assert set(alphabet.tokens) == {" ", *SPANISH_LETTERS, "ch", "ll", "rr", *"áéíóúü"}
    assert alphabet.digraphs == ("ch", "ll", "rr")
    assert all(len(note) > 10 for note in alphabet.notes)  # every token is documented
    vocab = Vocabulary.load("lsp")
    assert vocab.n_chars == 37 and vocab.size == 41
    config = yaml.safe_load(Path(LSP_CONFIG).read_text(encoding="utf-8"))
    assert config["model"]["vocab_size"] == vocab.size and config["data"]["vocab"] == "lsp"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("calle", ["c", "a", "ll", "e"]),
        ("perro", ["p", "e", "rr", "o"]),
        ("chancho", ["ch", "a", "n", "ch", "o"]),
        ("año canción", ["a", "ñ", "o", " ", "c", "a", "n", "c", "i", "ó", "n"]),
        ("c h", ["c", " ", "h"]),  # letters apart stay apart
    ],
)
def test_digraphs_are_one_token_by_longest_match(text, tokens):
    vocab = Vocabulary.load("lsp")
    assert vocab.tokenize(text) == tokens
    assert vocab.decode(vocab.encode(text) + [vocab.eos_id]) == text


def test_characters_outside_the_alphabet_are_named():
    with pytest.raises(SignaError, match=r"phrase 'Lima 2' .*\['2', 'L'\]"):
        Vocabulary.load("lsp").encode("Lima 2", source="phrases.txt")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tokens: []\n", "non-empty 'tokens' list"),
        ("tokens:\n  - {token: a}\n  - {token: a}\n", "listed twice"),
        ("tokens:\n  - {note: nothing}\n", "non-empty string 'token'"),
        ("tokens: [\n", "not valid YAML"),
    ],
)
def test_bad_alphabet_files(tmp_path, text, message):
    path = tmp_path / "alphabet.yaml"
    path.write_text(text)
    with pytest.raises(SignaError, match=message):
        Vocabulary.load(path)


def test_compose_lsp_phrases_from_silfa_letters(silfa, tmp_path):
    """Spanish phrases from SILFA's 24 real static letters (no J, Z, Ñ or digraphs were photographed)."""
    phrases = tmp_path / "phrases.txt"
    phrases.write_text("hola\ncasa\nperu\nmi mama\n")
    summary = compose_dataset([silfa], phrases, tmp_path / "out", alphabet="lsp", signers=2, seed=1)
    assert summary["sequences"] == 4 and len(summary["letters"]) == 24
    out = tmp_path / "out"
    mapping = json.loads((out / "character_to_prediction_index.json").read_text(encoding="utf-8"))
    assert mapping == Vocabulary.load("lsp").to_mapping()
    with open(out / "train.csv", newline="") as handle:
        assert [row["phrase"] for row in csv.DictReader(handle)] == ["hola", "casa", "peru", "mi mama"]
    sequences = read_sequences(out)
    assert len(sequences) == 4 and all(s.frames > 10 for s in sequences)


def test_compose_refuses_a_digraph_nobody_recorded(silfa, tmp_path):
    phrases = tmp_path / "phrases.txt"
    phrases.write_text("la calle\n")
    with pytest.raises(SignaError, match=r"uses \['ll'\], which have no letter pose"):
        compose_dataset([silfa], phrases, tmp_path / "out", alphabet="lsp")


def test_a_recorded_digraph_is_composed_as_one_letter(silfa, tmp_path):
    """A letter folder LL/ (real SILFA L hands standing in for a recording of LL) and no plain L: 'calle'
    composes only if 'll' is read as one token."""
    hands = read_letter_source(silfa).hands
    for folder, letter in (("C", "C"), ("A", "A"), ("E", "E"), ("LL", "L")):
        (tmp_path / "letters" / folder).mkdir(parents=True)
        np.save(tmp_path / "letters" / folder / "hands.npy", hands[letter])
    bank = build_bank([tmp_path / "letters"], Vocabulary.load("lsp"))
    assert set(bank.hands) == {"c", "a", "ll", "e"}
    phrases = tmp_path / "phrases.txt"
    phrases.write_text("calle\n")
    summary = compose_dataset([tmp_path / "letters"], phrases, tmp_path / "out", alphabet="lsp")
    assert summary["sequences"] == 1
