"""Manual alphabets as documented token lists: the YAML form of a fingerspelling vocabulary.

A character map JSON (``{"a": 0, ...}``) says nothing about its entries. An alphabet file lists the
tokens in id order, each with a note saying what it is and how it is signed or handled::

    name: LSP manual alphabet
    tokens:
      - {token: " ", note: "a pause between words"}
      - {token: "a", note: "..."}
      - {token: "ll", note: "LL, one sign (a digraph token)"}

A token longer than one character is a letter spelled with one sign; text is split into tokens by
greedy longest match (:meth:`signa.data.vocab.Vocabulary.tokenize`). Alphabets shipped with SIGNA
live in ``signa/assets/alphabets/<name>.yaml`` and are named by ``<name>`` wherever a vocabulary is
asked for (``data.vocab: lsp``, ``signa data compose --alphabet lsp``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from signa.errors import SignaError

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Alphabet:
    """Tokens in id order and a note for each."""

    name: str
    tokens: tuple[str, ...]
    notes: tuple[str, ...]
    source: str

    @property
    def mapping(self) -> dict[str, int]:
        """Token -> id, the character map of :class:`signa.data.vocab.Vocabulary`."""
        return {token: i for i, token in enumerate(self.tokens)}

    @property
    def digraphs(self) -> tuple[str, ...]:
        """Tokens spelled with one sign although written with several characters."""
        return tuple(t for t in self.tokens if len(t) > 1)


def shipped_alphabets() -> list[str]:
    """Names of the alphabets that ship with SIGNA."""
    folder = resources.files("signa").joinpath("assets/alphabets")
    return sorted(Path(entry.name).stem for entry in folder.iterdir() if entry.name.endswith(YAML_SUFFIXES))


def is_alphabet(spec: str | Path) -> bool:
    """True for a shipped alphabet's name or a path ending in .yaml / .yml."""
    return str(spec).lower().endswith(YAML_SUFFIXES) or str(spec) in shipped_alphabets()


def read_alphabet(spec: str | Path) -> Alphabet:
    """A shipped alphabet by name, or an alphabet YAML file."""
    if str(spec) in shipped_alphabets():
        resource = resources.files("signa").joinpath(f"assets/alphabets/{spec}.yaml")
        return _parse(resource.read_text(encoding="utf-8"), f"signa/assets/alphabets/{spec}.yaml")
    path = Path(spec)
    if not path.is_file():
        raise SignaError("alphabet file not found", path)
    return _parse(path.read_text(encoding="utf-8"), str(path))


def _parse(text: str, source: str) -> Alphabet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise SignaError(f"not valid YAML ({str(err).splitlines()[0]})", source) from None
    if not isinstance(data, dict) or not isinstance(data.get("tokens"), list) or not data["tokens"]:
        raise SignaError("an alphabet file needs a non-empty 'tokens' list", source)
    tokens, notes = [], []
    for number, entry in enumerate(data["tokens"], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str) or not entry["token"]:
            raise SignaError(f"token {number} must be a mapping with a non-empty string 'token'", source)
        if entry["token"] in tokens:
            raise SignaError(f"token {entry['token']!r} is listed twice", source)
        tokens.append(entry["token"])
        notes.append(str(entry.get("note", "")))
    return Alphabet(str(data.get("name", Path(source).stem)), tuple(tokens), tuple(notes), source)
