"""Shared fixtures. Real data lives in ../shared/data beside the checkout.

Tests that need it skip with a reason where it is absent (a user's fresh clone) and fail when
``CI=true``, where it must be present.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from signa.data.readers import read_sequences
from signa.export import ExportOptions, export_checkpoints
from tiny_models import save_fingerspelling, save_signs

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SIGNA_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Root of the real landmark data kit (../shared/data)."""
    if not (SHARED_DATA / "README.md").is_file():
        reason = f"real data kit not found at {SHARED_DATA}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run with ../shared beside the checkout")
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(autouse=True)
def one_intra_op_thread():
    """One torch thread per test: the tests' tensors are small, and on CI's 2 shared cores a second
    intra-op thread slows them (measured 10x and more when the other core is busy)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# Small seeded checkpoints of both tasks and their ONNX exports, shared by the export and runtime tests.
# The weights are random (seeded): no trained checkpoint ships with the repository. Random-weight greedy
# text is often trivial (the same character repeated), so parity tests compare step logits as well as
# tokens. The models are tiny versions of the real architectures (same code paths, fewer and narrower
# layers, 8 decoding steps) to keep exports to seconds.


@pytest.fixture(scope="session")
def fs_checkpoint(tmp_path_factory):
    return save_fingerspelling(tmp_path_factory.mktemp("fs") / "checkpoint")


@pytest.fixture(scope="session")
def signs_checkpoint(tmp_path_factory):
    return save_signs(tmp_path_factory.mktemp("signs") / "checkpoint")


@pytest.fixture(scope="session")
def fs_onnx(tmp_path_factory, fs_checkpoint):
    out = tmp_path_factory.mktemp("fs_onnx")
    export_checkpoints([fs_checkpoint], out)
    return out


@pytest.fixture(scope="session")
def signs_onnx(tmp_path_factory, signs_checkpoint):
    out = tmp_path_factory.mktemp("signs_onnx")
    export_checkpoints([signs_checkpoint], out, ExportOptions())
    return out


@pytest.fixture(scope="session")
def real_sequences(shared_data):
    """Real recordings of every kind in the kit: videos' landmarks, .pose conversions, asl-signs.

    Lengths 5-172 frames (past the tiny models' max_len 64 and 16); several have no left hand or
    no face. Two edge cases are added: the first frame alone, and a clip with both hands removed.
    """
    paths = sorted((shared_data / "videos").glob("*.parquet"))[:3]
    paths += [shared_data / "pose" / name for name in ("colin-HOUSE-needs-trim.parquet", "FOOTBALL.parquet")]
    paths += sorted((shared_data / "asl-signs" / "train_landmark_files").glob("*/*.parquet"))[:3]
    sequences = {p.name: read_sequences(p)[0].landmarks for p in paths}
    first = next(iter(sequences.values()))
    sequences["one-frame"] = first[:1]
    no_hands = first.copy()
    no_hands[:, 468:489] = np.nan
    no_hands[:, 522:543] = np.nan
    sequences["no-hands"] = no_hands
    return sequences
