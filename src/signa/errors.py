"""One exception type for every problem a user can fix: bad files, bad configs, bad input.

The command line turns a :class:`SignaError` into one line on stderr and exit code 2; anything
else is a bug in SIGNA and keeps its traceback.
"""

from __future__ import annotations

from os import PathLike


class SignaError(Exception):
    """A problem with the user's input, named together with the file it comes from."""

    def __init__(self, problem: str, path: str | PathLike | None = None):
        self.problem = problem
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {problem}" if self.path else problem)
