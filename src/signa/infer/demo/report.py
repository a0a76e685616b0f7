"""How ``signa demo`` talks: a rule per step, the command a user would type, rich tables, short notes.

Everything goes to one :class:`rich.console.Console` (plain text when the output is not a terminal, as
in a log or a test), with highlighting off so that numbers and paths print as written.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def shown_path(path: str | Path) -> str:
    """``path`` relative to the working folder when it lies below it (as a user would type it)."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def command_line(*args: str | Path) -> str:
    """``signa ARGS`` quoted for a shell, paths as :func:`shown_path` writes them."""
    words = [shown_path(a) if isinstance(a, Path) else a for a in args]
    return shlex.join(["signa", *words])


class Report:
    """The demo's output: steps, commands, tables, notes and skipped steps."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(highlight=False, width=_width())
        self.skipped = False  # whether the current step was skipped

    def title(self, text: str, detail: str) -> None:
        self.console.rule(f"[bold]{text}")
        self.console.print(detail)

    def step(self, number: int, title: str, what: str) -> None:
        self.skipped = False
        self.console.print()
        self.console.rule(f"[bold]{number}. {title}", align="left")
        self.console.print(what)

    def command(self, line: str, comment: str = "") -> None:
        text = f"[bold cyan]$ {escape(line)}[/]" + (f"  [dim]# {escape(comment)}[/]" if comment else "")
        self.console.print(text, soft_wrap=True)  # a command stays one line, to copy as it is

    def note(self, text: str) -> None:
        self.console.print(text)

    def skip(self, reason: str) -> None:
        self.skipped = True
        self.console.print(f"[yellow]skipped:[/] {escape(reason)}", soft_wrap=True)  # one line

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[str] = ()) -> None:
        """A table; the columns named in ``right`` (figures) are right-aligned."""
        table = Table(show_edge=False, header_style="bold")
        for name in columns:
            table.add_column(name, justify="right" if name in right else "left")
        for row in rows:
            table.add_row(*row)
        self.console.print(table)


def _width() -> int | None:
    """The terminal's width, or 100 columns where there is none (a log, a pipe): wide enough for the
    tables, which rich would otherwise squeeze into 80."""
    try:
        os.get_terminal_size()
    except OSError:
        return 100
    return None


def mark(ok: bool) -> str:
    return "[green]✓[/]" if ok else "[red]✗[/]"


def seconds(ms: float) -> str:
    """A duration for a table: ``870 ms`` or ``2.6 s``."""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"
