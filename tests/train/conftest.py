import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))  # the toy task and data helpers beside these tests


@pytest.fixture(autouse=True)
def _one_intra_op_thread():
    """Tiny models gain nothing from intra-op threads and lose much when CPUs are shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _private_cache(monkeypatch, tmp_path_factory):
    """Kaggle folders prepared on first use go to the test session's temporary folder, not ~/.cache."""
    monkeypatch.setenv("SIGNA_CACHE", str(tmp_path_factory.getbasetemp() / "signa-cache"))
