"""Typed configs: dataclasses read from YAML or JSON, with strict keys and types.

Every config in SIGNA is a dataclass. :func:`from_dict` builds one from plain data and refuses an
unknown key or a value of the wrong type with a :class:`SignaError` naming the file and the key;
:func:`to_dict` is its inverse, used to save the config beside every checkpoint.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from signa.errors import SignaError
from signa.files import read_text_file

T = TypeVar("T")
_YAML11_EXPONENT = re.compile(r"[-+]?\d+(\.\d*)?[eE][-+]?\d+")


def to_dict(config) -> dict[str, Any]:
    return dataclasses.asdict(config)


def from_dict(cls: type[T], data: dict[str, Any], source: str | Path | None = None, prefix: str = "") -> T:
    """Build dataclass ``cls`` from ``data``; missing keys take the defaults."""
    if not isinstance(data, dict):
        raise SignaError(f"{prefix or 'config'} must be a mapping, got {type(data).__name__}", source)
    hints = typing.get_type_hints(cls)
    # a field marked ``derived`` is computed on loading, never read from the file
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("derived")}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise SignaError(f"unknown config key {prefix + unknown[0]!r} (known: {', '.join(fields)})", source)
    values = {name: _convert(hints[name], value, source, f"{prefix}{name}") for name, value in data.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError) as err:
        raise SignaError(f"invalid {prefix.rstrip('.') or 'config'}: {err}", source) from None


def _convert(hint, value, source, key: str):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, source, prefix=f"{key}.")
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _convert(arg, value, source, key)
            except SignaError as err:
                errors.append(err)
        raise errors[0]
    if origin is typing.Literal:
        if value not in args:
            raise SignaError(f"config key {key!r} must be one of {list(args)}, got {value!r}", source)
        return value
    if origin in (tuple, list):
        if not isinstance(value, list | tuple):
            raise SignaError(f"config key {key!r} must be a list, got {value!r}", source)
        item = args[0] if args else Any
        return origin(_convert(item, v, source, key) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise SignaError(f"config key {key!r} must be a mapping, got {value!r}", source)
        return dict(value)
    return _convert_scalar(hint, value, source, key)


def _convert_scalar(hint, value, source, key):
    if hint is Any:
        return value
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str) and _YAML11_EXPONENT.fullmatch(value):
        return float(value)  # YAML 1.1 reads "2e-3" (no dot) as a string
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is bool and isinstance(value, bool):
        return value
    if hint is str and isinstance(value, str):
        return value
    raise SignaError(f"config key {key!r} must be {getattr(hint, '__name__', hint)}, got {value!r}", source)


def read_mapping(path: str | Path) -> dict[str, Any]:
    """Plain data of a YAML or JSON config file."""
    path = Path(path)
    if not path.is_file():
        raise SignaError("config file not found", path)
    text = read_text_file(path)
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as err:
        raise SignaError(f"cannot parse config: {err}".splitlines()[0], path) from None
    if not isinstance(data, dict):
        raise SignaError("a config file must hold a mapping", path)
    return data


def apply_overrides(data: dict[str, Any], overrides: list[str], source=None) -> dict[str, Any]:
    """Apply ``key.sub=value`` overrides (values parsed as YAML) to nested plain data."""
    data = json.loads(json.dumps(data))
    for item in overrides:
        if "=" not in item:
            raise SignaError(f"override {item!r} must look like key=value", source)
        key, raw = item.split("=", 1)
        *parents, leaf = key.strip().split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise SignaError(f"override {key!r}: {part!r} is not a section", source)
        try:
            node[leaf] = yaml.safe_load(raw)
        except yaml.YAMLError as err:
            problem = str(err).splitlines()[0]
            raise SignaError(f"override {item!r} is not a YAML value ({problem})", source) from None
    return data


def load_config(cls: type[T], path: str | Path, overrides: list[str] = ()) -> T:
    return from_dict(cls, apply_overrides(read_mapping(path), list(overrides), path), path)
