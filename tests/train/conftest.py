import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the toy task and data helpers beside these tests


@pytest.fixture(autouse=True)
def _private_cache(monkeypatch, tmp_path_factory):
    """Kaggle folders prepared on first use go to the test session's temporary folder, not ~/.cache."""
    monkeypatch.setenv("SIGNA_CACHE", str(tmp_path_factory.getbasetemp() / "signa-cache"))
