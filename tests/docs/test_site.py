"""The documentation site builds without a warning, fetches nothing at view time, and the README's
command table names every command of the CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import typer

from signa.cli import app

REPO = Path(__file__).resolve().parents[2]


def test_site_builds_strict_and_offline(tmp_path):
    mkdocs = Path(sys.executable).parent / "mkdocs"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    command = [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    pages = list((tmp_path / "site").rglob("*.html"))
    assert len(pages) > 10
    fetched = re.compile(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(?:https?:)?//')
    remote = [p.name for p in pages if fetched.search(p.read_text(encoding="utf-8"))]
    assert not remote, f"pages that load something from another host: {remote}"


def command_names(group, prefix: str = "signa") -> list[str]:
    """Every leaf command of a Typer group, with the group names before it (``signa data inspect``)."""
    names = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            names += command_names(command, f"{prefix} {name}")
        else:
            names.append(f"{prefix} {name}")
    return names


def test_readme_lists_every_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(signa [a-z]+(?: [a-z]+)?)", readme, flags=re.MULTILINE))
    commands = set(command_names(typer.main.get_command(app)))
    assert not commands - listed, f"commands missing from the README's table: {sorted(commands - listed)}"
    assert not listed - commands, f"README lists commands the CLI does not have: {sorted(listed - commands)}"
