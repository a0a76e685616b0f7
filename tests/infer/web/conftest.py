"""Fixtures of the web tests: the app with its real browser assets (web/node_modules)."""

from __future__ import annotations

import os

import pytest

from signa.errors import SignaError


@pytest.fixture(scope="session")
def web_assets():
    """The npm assets of ``make web-assets``: skipped where absent, a failure on CI (``make test`` installs
    them)."""
    pytest.importorskip("fastapi")
    from signa.infer.web.assets import find_assets

    try:
        return find_assets()
    except SignaError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(str(err))
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def web_app_factory(web_assets):
    """``make(model, limits=Limits(), translator=None)`` -> the FastAPI app."""
    from signa.infer.web.app import create_app
    from signa.infer.web.uploads import Limits

    def make(model, limits=Limits(), translator=None):
        return create_app(model, limits, web_assets, translator)

    return make


@pytest.fixture(scope="session")
def fs_loop_onnx(tmp_path_factory, fs_checkpoint):
    """The tiny fingerspelling model exported as the ONNX ``loop`` variant (greedy loop stopping at EOS)."""
    from signa.export import ExportOptions, export_checkpoints

    out = tmp_path_factory.mktemp("fs_loop_onnx")
    export_checkpoints([fs_checkpoint], out, ExportOptions(variant="loop"))
    return out
