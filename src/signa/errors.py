"""One exception type for every problem a user can fix: bad files, bad configs, bad input.

The command line turns a :class:`SignaError` into one line on stderr and exit code 2; so it does with
an :class:`OSError` the user caused and can fix (read-only folder, full disk, no permission, a file
where a folder should be), through :meth:`SignaError.from_os_error`. Anything else, other OSErrors
included (a bad file descriptor, too many open files, an error without errno), is a bug in SIGNA and
keeps its traceback.
"""

from __future__ import annotations

import errno
from os import PathLike

# The OS failures a user causes and can fix, by errno, in words. Not here on purpose: EMFILE/ENFILE
# (too many open files: SIGNA's own descriptors, a leak or too many workers), EBADF, EINVAL, EXDEV
# (SIGNA renames within one folder), EIO, EBUSY: the traceback shows where SIGNA went wrong.
USER_OS_CAUSES = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EEXIST: "a file is in the way (a folder is needed here)",
    errno.ENOTDIR: "a part of this path is a file, not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOENT: "not found",
    errno.ENAMETOOLONG: "file name too long",
    errno.ELOOP: "too many levels of symbolic links",
}


class SignaError(Exception):
    """A problem with the user's input, named together with the file it comes from."""

    def __init__(self, problem: str, path: str | PathLike | None = None):
        self.problem = problem
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {problem}" if self.path else problem)

    @classmethod
    def from_os_error(cls, err: OSError) -> SignaError | None:
        """The path and cause of an OS failure the user can fix, e.g. ``out/: read-only file system``;
        None for any other (see :data:`USER_OS_CAUSES`)."""
        cause = USER_OS_CAUSES.get(err.errno)
        return None if cause is None else cls(cause, err.filename)
