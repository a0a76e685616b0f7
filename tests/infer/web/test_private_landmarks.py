"""Private mode on a landmark file: the page's segmentation and sign decoding against signa translate's."""

from __future__ import annotations

import numpy as np
import pytest
from browser import chromium, open_page, require_browser, running_app

from signa.data.layout import GROUP_SLICES
from signa.data.readers import read_sequences
from signa.infer.web.server_mode import ServerTranslator

pytestmark = pytest.mark.browser


def joined_with_rests(paths, rest_frames: int = 24) -> np.ndarray:
    """Real recordings one after the other, each followed by a rest: its last frame with the hands removed."""
    parts = []
    for path in paths:
        clip = read_sequences(path)[0].landmarks
        rest = np.repeat(clip[-1:], rest_frames, axis=0)
        rest[:, GROUP_SLICES["left_hand"]] = rest[:, GROUP_SLICES["right_hand"]] = np.nan
        parts += [clip, rest]
    return np.concatenate(parts)


def test_npy_timeline_matches_server_mode(web_app_factory, signs_onnx, shared_data, tmp_path):
    """Real landmarks (three videos' extractions joined with rests): the page's timeline is server mode's,
    which is :func:`signa.infer.translate.translate`'s."""
    require_browser()
    names = ("test_video", "yo_001", "hoy_001")
    landmarks = joined_with_rests([shared_data / "videos" / f"{name}.parquet" for name in names])
    np.save(tmp_path / "test_video.npy", landmarks)
    with running_app(web_app_factory(signs_onnx)) as url, chromium() as browser:
        page = open_page(browser, url)
        page.set_input_files("#landmark-file", str(tmp_path / "test_video.npy"))
        page.wait_for_function("() => window.signa.session?.done", timeout=60_000)
        segments = page.evaluate("() => window.signa.session.segments")
        shown = page.text_content("#timeline")
    expected = ServerTranslator(signs_onnx).answer(landmarks, 30.0)["segments"]
    assert len(expected) == 3
    assert [s["sign"] for s in segments] == [s["sign"] for s in expected]
    for got, want in zip(segments, expected, strict=True):
        assert (got["start_s"], got["end_s"]) == pytest.approx((want["start_s"], want["end_s"]), abs=1e-9)
        assert got["confidence"] == pytest.approx(want["confidence"], abs=1e-5)
        assert want["sign"] in shown
