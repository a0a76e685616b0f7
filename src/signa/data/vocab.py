"""Character vocabularies (fingerspelling) and sign label maps (isolated signs).

A vocabulary is a JSON file mapping each character to its id, 0..n-1, like the Kaggle
``character_to_prediction_index.json``. SIGNA appends four special tokens after the characters,
so the Kaggle map of 59 characters becomes 63 ids: PAD 59, SOS 60, EOS 61, MASK 62 (the token that
replaces decoder inputs in decoder-input masking). Ids >= n decode to "" as in the Kaggle grader.
A new alphabet (for example Spanish with ñ and accented vowels) is one such JSON file, or an
alphabet YAML file documenting each token (:mod:`signa.data.alphabets`; ``lsp`` ships with SIGNA).

A key may be longer than one character: a token such as ``ll`` is a letter spelled with one sign
(the digraphs CH, LL and RR of Spanish manual alphabets). Text is split into tokens by greedy
longest match, so ``calle`` is ``c a ll e``; decoding writes each token's text, so decoding the
ids of a text gives the text back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

from signa.data.alphabets import is_alphabet, read_alphabet
from signa.errors import SignaError

SPECIAL_TOKENS = ("<pad>", "<sos>", "<eos>", "<mask>")


def _read_index_map(path: str | Path, what: str) -> dict[str, int]:
    path = Path(path)
    if not path.is_file():
        raise SignaError(f"{what} file not found", path)
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SignaError(f"not valid JSON ({err})", path) from None
    _check_index_map(mapping, path, what)
    return mapping


def _check_index_map(mapping, path, what: str) -> None:
    if not isinstance(mapping, dict) or not mapping:
        raise SignaError(f"a {what} must be a non-empty JSON object of name -> id", path)
    if not all(isinstance(k, str) and isinstance(v, int) for k, v in mapping.items()):
        raise SignaError(f"a {what} maps strings to integer ids", path)
    if sorted(mapping.values()) != list(range(len(mapping))):
        raise SignaError(f"{what} ids must be exactly 0..{len(mapping) - 1}, each once", path)


@dataclass(frozen=True)
class Vocabulary:
    """Characters by id, followed by PAD, SOS, EOS and MASK."""

    chars: tuple[str, ...]

    @classmethod
    def from_mapping(cls, mapping: dict[str, int], source: str | Path | None = None) -> Vocabulary:
        _check_index_map(mapping, source, "character map")
        if not all(mapping):
            raise SignaError("every key of a character map must be a non-empty string", source)
        return cls(tuple(sorted(mapping, key=mapping.__getitem__)))

    @classmethod
    def from_json(cls, path: str | Path) -> Vocabulary:
        return cls.from_mapping(_read_index_map(path, "character map"), path)

    @classmethod
    def kaggle(cls) -> Vocabulary:
        """The 59-character map of the Kaggle ASL Fingerspelling competition."""
        text = resources.files("signa").joinpath("assets/character_to_prediction_index.json").read_text()
        return cls.from_mapping(json.loads(text), "character_to_prediction_index.json")

    @classmethod
    def load(cls, spec: str | Path) -> Vocabulary:
        """``"kaggle"``, a shipped alphabet (``"lsp"``), a character map JSON or an alphabet YAML file."""
        if str(spec) == "kaggle":
            return cls.kaggle()
        if is_alphabet(spec):
            alphabet = read_alphabet(spec)
            return cls.from_mapping(alphabet.mapping, alphabet.source)
        return cls.from_json(spec)

    def to_mapping(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.chars)}

    @property
    def n_chars(self) -> int:
        return len(self.chars)

    @property
    def pad_id(self) -> int:
        return self.n_chars

    @property
    def sos_id(self) -> int:
        return self.n_chars + 1

    @property
    def eos_id(self) -> int:
        return self.n_chars + 2

    @property
    def mask_id(self) -> int:
        return self.n_chars + 3

    @property
    def size(self) -> int:
        """Number of output ids: characters plus the special tokens."""
        return self.n_chars + len(SPECIAL_TOKENS)

    def tokenize(self, text: str, source: str | Path | None = None) -> list[str]:
        """``text`` as tokens, longest match first (``"calle"`` -> ``c a ll e`` when ``ll`` is a token);
        a character no token covers is an error naming ``source``."""
        index, tokens, unknown, i = self._index, [], set(), 0
        while i < len(text):
            token = next((text[i : i + n] for n in self._token_lengths if text[i : i + n] in index), None)
            if token is None:
                unknown.add(text[i])
                i += 1
            else:
                tokens.append(token)
                i += len(token)
        if unknown:
            raise SignaError(
                f"phrase {text!r} has characters outside the vocabulary: {sorted(unknown)}", source
            )
        return tokens

    def encode(self, text: str, source: str | Path | None = None) -> list[int]:
        """Token ids of ``text`` (see :meth:`tokenize`)."""
        index = self._index
        return [index[token] for token in self.tokenize(text, source)]

    def decode(self, ids) -> str:
        """Text of ``ids`` up to the first EOS; special ids decode to nothing."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if 0 <= i < self.n_chars:
                out.append(self.chars[i])
        return "".join(out)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.chars)}

    @cached_property
    def _token_lengths(self) -> tuple[int, ...]:
        """Token lengths, longest first."""
        return tuple(sorted({len(ch) for ch in self.chars}, reverse=True))


@dataclass(frozen=True)
class LabelMap:
    """Sign names by class id, from a ``sign_to_prediction_index_map.json``."""

    signs: tuple[str, ...]

    @classmethod
    def from_mapping(cls, mapping: dict[str, int], source: str | Path | None = None) -> LabelMap:
        _check_index_map(mapping, source, "label map")
        return cls(tuple(sorted(mapping, key=mapping.__getitem__)))

    @classmethod
    def from_json(cls, path: str | Path) -> LabelMap:
        return cls.from_mapping(_read_index_map(path, "label map"), path)

    def to_mapping(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.signs)}

    def __len__(self) -> int:
        return len(self.signs)

    def index(self, sign: str, source: str | Path | None = None) -> int:
        try:
            return self.signs.index(sign)
        except ValueError:
            raise SignaError(
                f"unknown sign {sign!r} (the label map has {len(self.signs)} signs)", source
            ) from None


def check_label_map(path: Path, model_labels: LabelMap, exact: bool) -> None:
    """Refuse a label map with signs the model does not know or, when ``exact``, any other map.

    Data is matched to classes by sign name, so a data set's map may list a subset in another
    order; a map that names the model's outputs (``exact``) must be the model's own.
    """
    given = LabelMap.from_json(path)
    known = model_labels.to_mapping()
    unknown = [sign for sign in given.signs if sign not in known]
    if unknown:
        problem = f"{len(unknown)} of its {len(given)} signs are not among the model's (e.g. {unknown[0]!r})"
    elif exact and given != model_labels:
        problem = f"it lists {len(given)} signs or another order than the model's {len(model_labels)}"
    else:
        return
    raise SignaError(f"the label map does not match the checkpoint: {problem}", path)
