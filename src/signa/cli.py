"""The ``signa`` command line: thin wrappers over the library.

Every user-fixable problem surfaces as a :class:`signa.SignaError` and is printed as one line,
``error: <file>: <problem>``, with exit code 2.
"""

from __future__ import annotations

import sys

import typer

from signa.errors import SignaError

app = typer.Typer(
    name="signa",
    help="SIGNA: sign language to text from MediaPipe Holistic landmarks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Read, inspect, prepare and compose landmark data.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@app.callback()
def _root() -> None:
    """SIGNA: sign language to text from MediaPipe Holistic landmarks."""


def main() -> None:
    try:
        app()
    except SignaError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
