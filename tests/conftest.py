"""Shared fixtures. Real data lives in ../shared/data beside the checkout.

Tests that need it skip with a reason where it is absent (a user's fresh clone) and fail when
``CI=true``, where it must be present.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

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
