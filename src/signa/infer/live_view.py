"""What ``signa live`` shows while it runs: a status line in the terminal, and with ``--show`` a window.

The window needs an OpenCV built with a GUI (``pip install opencv-python``); the ``video`` extra's
``opencv-python-headless`` has none, which :class:`LiveView` reports as one clear error up front.
"""

from __future__ import annotations

import sys

import numpy as np

from signa.errors import SignaError
from signa.infer.live import Frame, LiveState
from signa.infer.show import draw_frame

WINDOW = "signa live"


class LiveView:
    """``update`` after each processed frame: the running transcription, fps and latency."""

    def __init__(self, window: bool = False, quiet: bool = False):
        self.window = window
        self.quiet = quiet
        self._status = None
        self._printed = 0

    def __enter__(self) -> LiveView:
        if self.window:
            _open_window()
        if not self.quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.live import Live

            self._status = Live("", console=Console(stderr=True), transient=True, refresh_per_second=8)
            self._status.start()
        return self

    def update(self, state: LiveState, frame: Frame, landmarks: np.ndarray) -> None:
        latency = state.latencies_ms[-1]
        if self._status is not None:
            line = f"{state.effective_fps:4.1f} fps | {latency:4.0f} ms | {state.text}"
            self._status.update(line)
        elif not self.quiet:
            for entry in state.entries[self._printed :]:
                print(f"  {entry.start:6.2f}-{entry.end:6.2f} s  {entry.answer!r}", file=sys.stderr)
        self._printed = len(state.entries)
        if self.window:
            _paint(frame, landmarks, f"{state.effective_fps:.1f} fps  {latency:.0f} ms  {state.text[-40:]}")

    def __exit__(self, *exc) -> None:
        if self._status is not None:
            self._status.stop()
        if self.window:
            import cv2

            cv2.destroyAllWindows()


def _open_window() -> None:
    import cv2

    try:
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
    except cv2.error:
        raise SignaError(
            "--show needs OpenCV with a GUI (pip install opencv-python; the video extra installs the "
            "headless build), or a display; run without --show"
        ) from None


def _paint(frame: Frame, landmarks: np.ndarray, caption: str) -> None:
    import cv2

    picture = draw_frame(frame.rgb.copy(), landmarks, caption)
    cv2.imshow(WINDOW, cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    cv2.waitKey(1)
