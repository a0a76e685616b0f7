"""Character vocabularies (fingerspelling) and sign label maps (isolated signs).

A vocabulary is a JSON file mapping each character to its id, 0..n-1, like the Kaggle
``character_to_prediction_index.json``. SIGNA appends four special tokens after the characters,
so the Kaggle map of 59 characters becomes 63 ids: PAD 59, SOS 60, EOS 61, MASK 62 (the token that
replaces decoder inputs in decoder-input masking). Ids >= n decode to "" as in the Kaggle grader.
A new alphabet (for example Spanish with ñ and accented vowels) is one such JSON file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

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
        if any(len(ch) != 1 for ch in mapping):
            raise SignaError("every key of a character map must be one character", source)
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
        """``"kaggle"`` or a path to a character map JSON file."""
        return cls.kaggle() if str(spec) == "kaggle" else cls.from_json(spec)

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

    def encode(self, text: str, source: str | Path | None = None) -> list[int]:
        """Character ids of ``text``; an unknown character is an error naming ``source``."""
        index = self._index
        unknown = sorted({ch for ch in text if ch not in index})
        if unknown:
            raise SignaError(f"phrase {text!r} has characters outside the vocabulary: {unknown}", source)
        return [index[ch] for ch in text]

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

    @property
    def _index(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.chars)}


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
