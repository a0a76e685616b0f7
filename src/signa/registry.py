"""Name -> class registries: how configs pick architectures, stems, encoders, decoders and tasks.

A module registers its class with the registry's decorator; a lookup first imports the registry's
built-in modules, so a new part joins by adding its module without touching the others.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from signa.errors import SignaError


class UnknownName(SignaError, ValueError):
    """A config names no registered class. A ValueError too, so config validation reports it."""


class Registry:
    def __init__(self, kind: str, builtin: tuple[str, ...] = (), attribute: str | None = None):
        self.kind = kind
        self.builtin = builtin
        self.attribute = attribute  # set to the name on each registered class, e.g. ``arch``
        self._classes: dict[str, type] = {}

    def register(self, name: str):
        def decorator(cls):
            if self.attribute:
                setattr(cls, self.attribute, name)
            self._classes[name] = cls
            return cls

        return decorator

    def get(self, name: str, source: str | Path | None = None) -> type:
        self._import_builtin()
        if name not in self._classes:
            known = ", ".join(sorted(self._classes))
            raise UnknownName(f"unknown {self.kind} {name!r} (known: {known})", source)
        return self._classes[name]

    def items(self) -> list[tuple[str, type]]:
        """Every registered (name, class), built-in modules imported first."""
        self._import_builtin()
        return sorted(self._classes.items())

    def _import_builtin(self) -> None:
        for module in self.builtin:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as err:
                if err.name != module:
                    raise
