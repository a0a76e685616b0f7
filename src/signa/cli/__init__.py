"""The ``signa`` command line: thin wrappers over the library.

Every user-fixable problem surfaces as a :class:`signa.SignaError` and is printed as one line,
``error: <file>: <problem>``, with exit code 2; so is an operating-system failure the user can fix
(read-only folder, full disk, a file where a folder should be), with the path and its cause. Other
OSErrors are bugs and keep their traceback (exit 1).
"""

from __future__ import annotations

import importlib
import sys
from typing import NoReturn

import typer

from signa.cli.apps import USAGE_ERROR, app
from signa.cli.learn import record_line
from signa.errors import SignaError

__all__ = ["app", "main", "record_line"]

# Each module registers its commands on `app`; `signa --help` lists them in this (pipeline) order.
for _module in ("data", "learn", "export", "infer", "compare"):
    importlib.import_module(f"signa.cli.{_module}")


def main() -> None:
    """Run a command; every failure the user can fix ends as one ``error:`` line and exit code 2."""
    try:
        code = app(standalone_mode=False, prog_name="signa")
    except USAGE_ERROR as err:
        if type(err).__name__ == "NoArgsIsHelpError":  # `signa` or `signa data` alone: the help
            typer.echo(err.ctx.get_help())
            sys.exit(err.exit_code)
        fail(usage_problem(err))
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except SignaError as err:
        fail(err)
    except OSError as err:
        user_error = SignaError.from_os_error(err)
        if user_error is None:  # not the user's to fix: a bug, with its traceback
            raise
        fail(user_error)
    sys.exit(code if isinstance(code, int) else 0)


def fail(err: SignaError) -> NoReturn:
    typer.echo(f"error: {err}", err=True)
    sys.exit(2)


def usage_problem(err: Exception) -> SignaError:
    """A bad option or argument as one line: ``--batch-size: 0 is not in the range x>=1``."""
    command = err.ctx.command_path if err.ctx else "signa"
    if isinstance(err, typer.BadParameter) and err.param is not None and err.message:
        name = (err.param.opts or [err.param.name or "argument"])[0]
        return SignaError(f"{err.message} (see {command} --help)", name)
    return SignaError(f"{err.format_message()} (see {command} --help)")
