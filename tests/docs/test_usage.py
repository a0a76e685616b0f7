"""The usage lines of the docs (```text blocks such as ``signa train CONFIG [--fold K]``, and inline
``signa ...`` code) name only commands and options the CLI has: the executed blocks check the commands
they run, this the rest."""

from __future__ import annotations

import re

import pytest
import typer
from blocks import PAGES, REPO, fences

from signa.cli import app

FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


INLINE = re.compile(r"`(signa [^`]+)`")


TORCHRUN = re.compile(r"^torchrun .*? -m (signa .*)$")  # torchrun [its options] -m signa COMMAND ...


def text_line_command(line: str) -> str | None:
    """The ``signa ...`` command of a ```text line: the line itself, or what ``torchrun -m`` runs."""
    line = line.strip()
    if line.startswith("signa "):
        return line
    launched = TORCHRUN.match(line)
    return launched.group(1) if launched else None


def usage_lines() -> list[tuple[str, str]]:
    """Lines of ```text blocks (``signa ...``, or ``torchrun ... -m signa ...``), and inline code spans,
    that start with ``signa ``."""
    lines = [
        (b.name, command)
        for page in PAGES
        for b in fences(page)
        if b.language == "text"
        for command in map(text_line_command, b.code.splitlines())
        if command
    ]
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in INLINE.finditer(text):
            if match.group(1).split()[1].isupper():  # `signa COMMAND --help`: no command named
                continue
            line = text.count("\n", 0, match.start()) + 1
            lines.append((f"{page.relative_to(REPO)}:{line}", " ".join(match.group(1).split())))
    return lines


def resolve(words: list[str]):
    """The command a usage line's words name (``signa data prepare ...`` -> the prepare command)."""
    command = typer.main.get_command(app)
    for word in words[1:]:
        children = getattr(command, "commands", None)
        if not children or word not in children:
            break
        command = children[word]
    return command


LINES = usage_lines()


@pytest.mark.parametrize(("where", "line"), LINES, ids=[where for where, _ in LINES])
def test_usage_line_names_real_options(where, line):
    command = resolve(line.split())
    assert not hasattr(command, "commands"), f"{where}: {line!r} names no command"
    options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    unknown = sorted(set(FLAG.findall(line.split("#")[0])) - options - {"--help"})
    assert not unknown, f"{where}: {line!r}: {command.name} has no {unknown}"


def test_docs_have_usage_lines():
    """The collector finds the usage blocks (so the test above is not vacuous), torchrun's among them."""
    assert len(LINES) > 10
    assert any(where.startswith("README.md") and line.startswith("signa train") for where, line in LINES)


def test_torchrun_lines_name_the_command_they_launch():
    launched = text_line_command("torchrun --nproc-per-node 8 -m signa train X --fold -1")
    assert launched == "signa train X --fold -1"
    assert text_line_command("signa export RUN --out DIR") == "signa export RUN --out DIR"
    assert text_line_command("make onnx2tf-env") is None
