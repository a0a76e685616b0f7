"""``signa ARGS`` run in-process, as the installed command runs it: the one helper of the CLI tests that
need monkeypatch and capsys (tests/cli has its subprocess ``signa`` fixture beside it)."""

from __future__ import annotations

import sys

import pytest

from signa import cli


def run_cli(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """Run ``signa ARGS`` through ``cli.main``; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["signa", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    out = capsys.readouterr()
    return exit_info.value.code or 0, out.out, out.err
