"""Private mode on a landmark file: the page's segmentation and sign decoding against signa translate's."""

from __future__ import annotations

import numpy as np
import pytest
from browser import chromium, open_page, require_browser, running_app
from landmark_clips import joined_with_rests

from signa.infer import Recognizer
from signa.infer.web.server_mode import ServerTranslator

pytestmark = pytest.mark.browser


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


def test_npy_text_matches_recognizer_loop_variant(web_app_factory, fs_loop_onnx, shared_data, tmp_path):
    """A fingerspelling export of the ``loop`` variant (an ONNX Loop) in the page: each segment's text,
    tokens and confidence are the Python Recognizer's on the same frames."""
    require_browser()
    landmarks = joined_with_rests([shared_data / "videos" / f"{n}.parquet" for n in ("yo_001", "hoy_001")])
    np.save(tmp_path / "joined.npy", landmarks)
    with running_app(web_app_factory(fs_loop_onnx)) as url, chromium() as browser:
        page = open_page(browser, url)
        page.set_input_files("#landmark-file", str(tmp_path / "joined.npy"))
        page.wait_for_function("() => window.signa.session?.done", timeout=60_000)
        segments = page.evaluate("() => window.signa.session.segments")
    recognizer = Recognizer(fs_loop_onnx)
    assert len(segments) == 2
    for segment in segments:
        expected = recognizer.predict(landmarks[segment["start"] : segment["stop"]])
        assert (segment["text"], segment["tokens"]) == (expected.text, list(expected.tokens))
        assert segment["confidence"] == pytest.approx(expected.confidence, abs=1e-5)
