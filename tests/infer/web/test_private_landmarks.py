"""Private mode on a landmark file: the page's pause segmentation and sign decoding against the server's."""

from __future__ import annotations

import numpy as np
import pytest
from browser import chromium, open_page, require_browser, running_app

from signa.data.readers import read_sequences
from signa.infer.web.server_mode import ServerTranslator

pytestmark = pytest.mark.browser


def test_npy_timeline_matches_server_mode(web_app_factory, signs_onnx, shared_data, tmp_path):
    """Real landmarks (test_video: the right hand comes and goes): same segments, signs, confidences."""
    require_browser()
    landmarks = read_sequences(shared_data / "videos" / "test_video.parquet")[0].landmarks
    np.save(tmp_path / "test_video.npy", landmarks)
    with running_app(web_app_factory(signs_onnx)) as url, chromium() as browser:
        page = open_page(browser, url)
        page.set_input_files("#landmark-file", str(tmp_path / "test_video.npy"))
        page.wait_for_function("() => window.signa.session?.done", timeout=60_000)
        segments = page.evaluate("() => window.signa.session.segments")
        shown = page.text_content("#timeline")
    expected = ServerTranslator(signs_onnx).answer(landmarks, 30.0)["segments"]
    assert len(expected) >= 1
    assert [(s["start"], s["end"], s["sign"]) for s in segments] == [
        (s["start"], s["end"], s["sign"]) for s in expected
    ]
    for got, want in zip(segments, expected, strict=True):
        assert got["confidence"] == pytest.approx(want["confidence"], abs=1e-5)
        assert want["sign"] in shown
