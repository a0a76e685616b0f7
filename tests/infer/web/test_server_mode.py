"""Server mode in headless Chromium: a real video uploaded from the page, and bad files refused visibly."""

from __future__ import annotations

import numpy as np
import pytest
from browser import chromium, open_page, require_browser, running_app

from signa.infer.web.uploads import Limits

pytestmark = pytest.mark.browser
HAND_COLOURS = ((0x29, 0xB6, 0xF6), (0xFF, 0xB3, 0x00))  # skeleton.js: right and left hand lines


@pytest.fixture(scope="module")
def browser():
    require_browser()
    pytest.importorskip("signa.infer.video")
    with chromium() as instance:
        yield instance


# Pause the looping video on frame `index` (the page draws that frame's skeleton when it is presented).
SHOW_FRAME = """async (index) => {
  const video = document.getElementById("video");
  video.pause();
  const time = (index + 0.5) / window.signa.answer.fps;
  await new Promise((done) => { video.onseeked = done; video.currentTime = time; });
}"""


def frame_with_hand(answer: dict) -> int:
    """The middle one of the frames in which the right hand (x of its wrist, landmark 522) was found."""
    found = [i for i, frame in enumerate(answer["landmarks"]) if frame[2 * 522] is not None]
    return found[len(found) // 2]


def hand_pixels(png: bytes) -> int:
    """Pixels of the screenshot drawn in a hand colour of the skeleton."""
    import io

    from PIL import Image

    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    near = [np.abs(image - np.array(colour)).sum(-1) < 40 for colour in HAND_COLOURS]
    return int(np.logical_or(*near).sum())


def test_upload_shows_signs_and_skeleton(browser, web_app_factory, signs_checkpoint, shared_data, tmp_path):
    """A checkpoint (no ONNX export) is served in server mode only; the answer is drawn over the video."""
    with running_app(web_app_factory(signs_checkpoint)) as url:
        page = open_page(browser, url)
        assert page.is_disabled("#mode-private")
        page.set_input_files(
            "#video-file", str(shared_data / "videos" / "test_video.mp4")
        )  # H.264: Chromium shows it
        page.wait_for_function("() => window.signa.answer || !document.getElementById('error').hidden")
        assert page.locator("#error").is_hidden(), page.text_content("#error")
        page.wait_for_function("() => !document.getElementById('video').paused", timeout=30_000)
        answer = page.evaluate("() => window.signa.answer")
        page.evaluate(SHOW_FRAME, frame_with_hand(answer))
        page.wait_for_timeout(500)
        shot = page.screenshot(path=str(tmp_path / "server-mode.png"))
        shown = page.text_content("#live") + page.text_content("#timeline")
    signs = [segment["sign"] for segment in answer["segments"]]
    assert signs and set(signs) <= {"hello", "thankyou"}
    assert len(answer["landmarks"]) == answer["frames"] == 58
    assert all(sign in shown for sign in signs)
    assert hand_pixels(shot) > 200


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("notes.mp4", lambda video: b"plain text, not a video", "not a video"),
        ("big.mp4", lambda video: video + b"\0" * (1 << 20), "1 MB upload limit"),
        ("long.mp4", lambda video: video, "1 s duration limit"),
    ],
)
def test_bad_file_message_is_shown(
    browser, web_app_factory, signs_checkpoint, shared_data, tmp_path, name, make, message
):
    video = (shared_data / "videos" / "yo_001.mp4").read_bytes()  # 1.8 s, 0.8 MB
    upload = tmp_path / name
    upload.write_bytes(make(video))
    with running_app(web_app_factory(signs_checkpoint, Limits(max_mb=1.0, max_seconds=1.0))) as url:
        page = open_page(browser, url)
        page.set_input_files("#video-file", str(upload))
        page.wait_for_function("() => !document.getElementById('error').hidden", timeout=60_000)
        assert message in page.text_content("#error")
