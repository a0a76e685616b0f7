"""One exception type for every problem a user can fix: bad files, bad configs, bad input.

The command line turns a :class:`SignaError` into one line on stderr and exit code 2; so it does with
an :class:`OSError` (read-only folder, full disk, a file where a folder should be), through
:meth:`SignaError.from_os_error`. Anything else is a bug in SIGNA and keeps its traceback.
"""

from __future__ import annotations

import errno
from os import PathLike

# What the user can do something about, in words; other errnos keep the system's own message.
_OS_CAUSES = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EEXIST: "a file is in the way (a folder is needed here)",
    errno.ENOTDIR: "a part of this path is a file, not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOENT: "not found",
}


class SignaError(Exception):
    """A problem with the user's input, named together with the file it comes from."""

    def __init__(self, problem: str, path: str | PathLike | None = None):
        self.problem = problem
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {problem}" if self.path else problem)

    @classmethod
    def from_os_error(cls, err: OSError) -> SignaError:
        """The path and cause of an operating-system failure, e.g. ``out/: read-only file system``."""
        cause = _OS_CAUSES.get(err.errno) or (err.strerror or str(err)).lower()
        return cls(cause, err.filename)
