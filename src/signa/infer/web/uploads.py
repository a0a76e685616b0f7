"""Server-mode uploads: size and duration limits, one temporary folder per request, removed after the answer.

The client's file name never reaches the disk: the file is written as ``upload`` plus a suffix picked from
a fixed list (the readers dispatch on it), inside a fresh :func:`tempfile.mkdtemp` folder.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

VIDEO_SUFFIXES = (
    ".mp4",
    ".mov",
    ".m4v",
    ".avi",
    ".mkv",
    ".webm",
    ".mpg",
    ".mpeg",
    ".wmv",
)  # as signa.infer.video
LANDMARK_SUFFIXES = (".parquet", ".npy", ".pose")
CHUNK = 1 << 20
MULTIPART_SLACK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """``max_mb``: upload size; ``max_seconds``: video duration; ``workers``: translations at once;
    ``queue_seconds``: how long a request waits for a worker before a 503."""

    max_mb: float = 50.0
    max_seconds: float = 60.0
    workers: int = 1
    queue_seconds: float = 120.0

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)

    def to_dict(self) -> dict:
        return {"max_mb": self.max_mb, "max_seconds": self.max_seconds}


class UploadError(Exception):
    """A refused upload: an HTTP status and the one-line message the page shows."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def safe_suffix(filename: str | None) -> str:
    """The upload's suffix if it is a known video or landmark suffix, else ``.bin``."""
    suffix = Path(filename or "").suffix.lower()
    return suffix if suffix in VIDEO_SUFFIXES + LANDMARK_SUFFIXES else ".bin"


@contextmanager
def upload_folder() -> Iterator[Path]:
    """A private temporary folder, removed when the request is answered (or fails)."""
    folder = Path(tempfile.mkdtemp(prefix="signa-upload-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def save_upload(upload, folder: Path, limits: Limits) -> Path:
    """Stream ``upload`` (a FastAPI ``UploadFile``) into ``folder``; 413 past ``limits.max_bytes``."""
    path = folder / f"upload{safe_suffix(upload.filename)}"
    written = 0
    with path.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            written += len(chunk)
            if written > limits.max_bytes:
                raise UploadError(413, f"the file is larger than the {limits.max_mb:g} MB upload limit")
            out.write(chunk)
    if written == 0:
        raise UploadError(400, "the file is empty")
    return path


def check_length(content_length: str | None, limits: Limits) -> None:
    """Refuse a request body over the size limit before it is read (the form parser would spool it to disk).

    ``MULTIPART_SLACK`` covers the form's boundaries and headers around the file.
    """
    if content_length is None:
        raise UploadError(411, "the upload must state its length (Content-Length)")
    if not content_length.isdigit() or int(content_length) > limits.max_bytes + MULTIPART_SLACK:
        raise UploadError(413, f"the file is larger than the {limits.max_mb:g} MB upload limit")


def check_video(path: Path, limits: Limits) -> tuple[int, float]:
    """(frames, fps) of a readable video within the duration limit; 415 or 413 otherwise.

    A container that does not state its frame count (a browser's WebM recording) is counted by
    grabbing frames, without decoding more than the limit allows.
    """
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        readable = capture.isOpened() and capture.read()[0]
        frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        if readable and fps > 0 and frames <= 0:
            frames = 1
            while frames <= limits.max_seconds * fps and capture.grab():
                frames += 1
    finally:
        capture.release()
    if not readable or frames <= 0 or fps <= 0:
        raise UploadError(415, "not a video: no frame could be decoded")
    seconds = frames / fps
    if seconds > limits.max_seconds:
        raise UploadError(
            413, f"the video lasts {seconds:.1f} s, over the {limits.max_seconds:g} s duration limit"
        )
    return frames, fps
