"""A bounded load test on loopback: 20 concurrent server-mode uploads (16 real landmark files, 4 real videos)
while the page is fetched every 0.2 s. Every upload is answered, the page keeps answering, no temporary
file is left. It stops by itself: a fixed number of requests, each with a timeout."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time

import pytest
from browser import running_app

from signa.infer.web.uploads import Limits

UPLOADS, VIDEOS = 20, 4


async def upload(client, path):
    start = time.perf_counter()
    with path.open("rb") as file:
        response = await client.post("/api/translate", files={"file": (path.name, file.read())})
    return response.status_code, time.perf_counter() - start


async def poll_page(client, stop: asyncio.Event) -> list[float]:
    latencies = []
    while not stop.is_set():
        start = time.perf_counter()
        response = await client.get("/")
        assert response.status_code == 200
        latencies.append(time.perf_counter() - start)
        await asyncio.sleep(0.2)
    return latencies


async def load(url, files):
    import httpx

    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        stop = asyncio.Event()
        poller = asyncio.create_task(poll_page(client, stop))
        start = time.perf_counter()
        answers = await asyncio.gather(*(upload(client, path) for path in files))
        wall = time.perf_counter() - start
        stop.set()
        return answers, await poller, wall


def test_concurrent_uploads(web_app_factory, fs_onnx, shared_data, tmp_path, monkeypatch):
    pytest.importorskip("signa.infer.video")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    landmark_files = sorted((shared_data / "asl-signs" / "train_landmark_files").glob("*/*.parquet"))
    files = landmark_files[: UPLOADS - VIDEOS] + [shared_data / "videos" / "yo_001.mp4"] * VIDEOS
    with running_app(web_app_factory(fs_onnx, Limits(workers=2))) as url:
        answers, page_latencies, wall = asyncio.run(load(url, files))
    statuses = [status for status, _ in answers]
    seconds = sorted(s for _, s in answers)
    print(
        f"{UPLOADS} uploads ({VIDEOS} videos) in {wall:.1f} s; "
        f"answer p50 {statistics.median(seconds):.2f} s, "
        f"max {seconds[-1]:.2f} s; page p50 {statistics.median(page_latencies) * 1000:.0f} ms, "
        f"max {max(page_latencies) * 1000:.0f} ms over {len(page_latencies)} fetches"
    )
    assert statuses == [200] * UPLOADS
    assert max(page_latencies) < 2.0
    assert list(tmp_path.iterdir()) == []
