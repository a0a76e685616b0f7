"""The app without a browser: headers, what is served and what is not, upload limits, temporary files."""

from __future__ import annotations

import json
import tempfile

import pytest

from signa.errors import SignaError

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from signa.infer.web.assets import INSTALL_HINT, find_assets  # noqa: E402
from signa.infer.web.security import CSP, is_loopback  # noqa: E402
from signa.infer.web.uploads import Limits, safe_suffix  # noqa: E402


@pytest.fixture
def uploads_dir(tmp_path, monkeypatch):
    """Temporary folders of the uploads go here, to check that none is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture(scope="module")
def fs_client(web_app_factory, fs_onnx):
    return TestClient(web_app_factory(fs_onnx))


def config_of(html: str) -> dict:
    start = html.index('id="signa-config">') + len('id="signa-config">')
    return json.loads(html[start : html.index("</script>", start)])


def test_page_headers_and_config(fs_client):
    client = fs_client
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    assert "script-src 'self' 'wasm-unsafe-eval'" in CSP and "unsafe-inline" not in CSP
    assert response.headers["cross-origin-embedder-policy"] == "require-corp"
    config = config_of(response.text)
    assert config["private"] and config["task"] == "fingerspelling"
    assert config["gate"] == {
        "gate": "translator",
        "min_frames": 15,
        "min_confidence": 0.15,
        "dummy_text": "2 a-e -aroe",
    }
    assert client.get("/model/model.onnx").status_code == 200
    wasm = client.get("/assets/ort/ort-wasm-simd-threaded.wasm")
    assert wasm.headers["content-type"] == "application/wasm"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/assets/holistic/../../package.json",
        "/model/../export.json",
        "/model/export.json",
        "/etc/passwd",
        "/static/%2e%2e/app.py",
        "/assets/holistic/README.md",
    ],
)
def test_only_listed_files_are_served(fs_client, path):
    assert fs_client.get(path).status_code == 404


def test_checkpoint_is_server_mode_only(web_app_factory, signs_checkpoint):
    client = TestClient(web_app_factory(signs_checkpoint))
    config = config_of(client.get("/").text)
    assert (config["private"], config["task"]) == (False, "signs")
    assert client.get("/model/model.onnx").status_code == 404


def test_signs_export_sends_labels(web_app_factory, signs_onnx):
    config = config_of(TestClient(web_app_factory(signs_onnx)).get("/").text)
    assert config["private"] and config["labels"] == ["hello", "thankyou"]


def test_bad_uploads_are_4xx_and_leave_nothing(web_app_factory, fs_onnx, shared_data, uploads_dir):
    video = (shared_data / "videos" / "yo_001.mp4").read_bytes()  # 1.8 s, 0.8 MB
    client = TestClient(web_app_factory(fs_onnx, Limits(max_mb=1.0, max_seconds=1.0)))
    cases = [
        (b"this is not a video", "notes.mp4", 415, "not a video"),
        (b"", "empty.mp4", 400, "empty"),
        (video + b"\0" * (1 << 20), "big.mp4", 413, "1 MB upload limit"),
        (video, "long.mp4", 413, "1 s duration limit"),
    ]
    for data, name, status, message in cases:
        response = client.post("/api/translate", files={"file": (name, data, "video/mp4")})
        assert response.status_code == status, response.text
        assert message in response.json()["error"]
    assert list(uploads_dir.iterdir()) == []


def test_oversized_body_is_refused_before_it_is_read(web_app_factory, fs_onnx, uploads_dir):
    client = TestClient(web_app_factory(fs_onnx, Limits(max_mb=1.0)))
    body = b"x" * (2 << 20)
    headers = {"content-type": "multipart/form-data; boundary=b"}
    response = client.post("/api/translate", content=body, headers=headers)
    assert response.status_code == 413 and "1 MB upload limit" in response.json()["error"]
    chunked = client.post("/api/translate", content=iter([body]), headers=headers)
    assert chunked.status_code == 411
    assert list(uploads_dir.iterdir()) == []


def test_upload_name_never_reaches_the_disk():
    assert safe_suffix("../../etc/passwd") == ".bin"
    assert safe_suffix("clip.MP4") == ".mp4"
    assert safe_suffix("a/b/c.parquet") == ".parquet"
    assert safe_suffix(None) == ".bin"


def test_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


def test_missing_assets_say_how_to_get_them(tmp_path):
    with pytest.raises(SignaError, match="make web-assets") as err:
        find_assets(tmp_path)
    assert INSTALL_HINT in err.value.problem


def test_serve_without_assets_is_one_line(fs_onnx, tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "SIGNA_WEB_ASSETS": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)}
    code = "import sys; sys.argv = ['signa', 'serve', sys.argv[1]]; from signa.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", code, str(fs_onnx)], capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and "make web-assets" in proc.stderr


def test_serve_warns_off_loopback(web_assets, fs_onnx, monkeypatch, capsys):
    import uvicorn

    from signa.infer.web.serve import serve

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    serve(fs_onnx, host="0.0.0.0", port=8123)
    assert calls == [{"host": "0.0.0.0", "port": 8123, "log_level": "warning"}]
    assert "warning: serving on 0.0.0.0" in capsys.readouterr().err
    serve(fs_onnx)
    assert calls[-1]["host"] == "127.0.0.1" and "warning" not in capsys.readouterr().err
